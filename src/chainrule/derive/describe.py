"""The conventions line: each switch of :class:`~chainrule.derive.conventions.Conventions`
in words, in reading order, for the top of a worked solution.

Reads a ``Conventions`` and imports it for annotations only, so that ``conventions`` can
import this module and no import goes both ways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule._util.text import counted
from chainrule.derive.rounding import format_exact

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from chainrule.derive.conventions import Conventions

__all__ = ["summary", "INDEXING_TEXT"]

_ERROR_TEXT = {
    "half_sse": "E = ½Σ(t − y)² per example",
    "sse": "E = Σ(t − y)² per example",
    "mse": "E = (1/K)Σ(t − y)² per example (mean over the K outputs)",
    "binary_crossentropy": "E = −(1/K)Σ[t·ln y + (1 − t)·ln(1 − y)] per example",
    "categorical_crossentropy": "E = −Σ t·ln y per example",
}

_BIAS_TEXT = {
    "input": "bias as a constant input of 1 with its own weight",
    "threshold": "bias as a threshold θ on an input of −1 (net = Σ w·x − θ)",
    "separate": "a bias per neuron added to the net input",
    "shared": "one bias per layer, shared by its neurons",
    "none": "no bias",
}

INDEXING_TEXT = {
    "per_layer": "w_ij from unit i to unit j of the next layer (0 = bias)",
    "global": "units numbered across the network, w_ij from unit i to unit j",
    "consecutive": "weights numbered consecutively, by target unit then source unit",
    "matrix": "w⁽ˡ⁾_ij = entry (i, j) of layer l's weight matrix",
    "by_neuron": "wᵐ_ij to neuron i of layer m from input j (a row per neuron)",
}

#: The sign form in the letters of the books whose notation families print them.
_BOOK_SIGN = {
    ("hagan", "minus"): "w(k+1) = w(k) − {eta}·s·a, the sensitivity s = ∂F/∂n",
    ("negnevitsky", "plus"): "w(p+1) = w(p) + Δw, Δw = {eta}·y·δ, δ = y(1 − y)·e at the "
                             "outputs (e = y_d − y)",
    ("fausett", "plus"): "w(new) = w(old) + Δw, Δw = {eta}·δ·x, δ = (t − y)·f′(y_in) at the "
                         "outputs",
}

_TIE_TEXT = {"half_away": "ties rounded half away from zero",
             "half_even": "ties rounded half to even"}


def summary(c: Conventions) -> tuple[tuple[str, str], ...]:
    """(switch, description) pairs for the conventions line, in reading order."""
    eta = c.learning_rate_symbol
    if c.optimizer == "adam":
        sign = "δ = ∂E/∂net" if c.sign == "minus" else "δ = −∂E/∂net = (t − y)·f′(net)"
    elif c.sign == "minus":
        sign = f"w⁺ = w − {eta}·∂E/∂w, δ = ∂E/∂net"
    else:
        sign = f"w⁺ = w + {eta}·δ·x, δ = −∂E/∂net = (t − y)·f′(net) at the outputs"
    if c.optimizer == "sgd":  # the books write SGD's rule; Adam's stays as above
        sign = _BOOK_SIGN.get((c.notation, c.sign), sign)
    sign = sign.format(eta=eta)
    bias = _BIAS_TEXT[c.bias]
    if c.bias != "none":
        bias += ", updated" if c.update_bias else ", kept fixed"
    hidden = ("hidden δ from the weights before the update" if c.hidden_delta_weights == "before"
              else "hidden δ from the already-updated weights (not the gradient)")
    letters = ", ".join(c.layer_letters)
    notation = f"{c.notation} notation (weight letters {letters}; {INDEXING_TEXT[c.indexing]})"
    carry = {"full": "values carried at full precision",
             "rounded": "each value used as printed (rounded carry)",
             "calculator": "each value used as printed; f and exp rounded, arithmetic on "
                           "printed numbers written out exactly (calculator carry)"}[c.carry]
    training = "online updates"
    if c.optimizer == "adam":
        training += (f", Adam's update w⁺ = w + Δw (β₁ {format_exact(c.beta_1)}, "
                     f"β₂ {format_exact(c.beta_2)}, ε {format_exact(c.epsilon)} added to "
                     + ("the corrected √v)" if c.adam_epsilon == "corrected" else "√v)"))
    else:
        training += (f", momentum {format_exact(c.momentum)}" if c.momentum
                     else ", no momentum")
    return (
        ("error", "F = eᵀe = Σ(t − a)² per example" if (c.notation, c.error) == ("hagan", "sse")
         else _ERROR_TEXT[c.error]),
        ("sign", sign),
        ("bias", bias),
        ("hidden_delta_weights", hidden),
        ("notation", notation),
        ("decimals", _decimals_text(c)),
        ("carry", carry),
        ("tie", _TIE_TEXT[c.tie]),
        ("updates", training),
    )


def _decimals_text(c: Conventions) -> str:
    counts = dict(c.decimals)
    values = set(counts.values())
    if len(values) == 1:
        text = counted(values.pop(), "decimal")
    else:
        common = max(values, key=lambda n: (list(counts.values()).count(n), n))
        special = ", ".join(f"{k} {n}" for k, n in counts.items() if n != common)
        text = f"{counted(common, 'decimal')} ({special})"
    if c.significant:
        text += f", at least {counted(c.significant, 'significant figure')}"
    if c.significant_for("change") != c.significant:
        text += (f"; Adam's m, v and Δw at least "
                 f"{counted(c.significant_for('change'), 'significant figure')}")
    return text
