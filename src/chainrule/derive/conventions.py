"""Conventions: every switch a worked solution depends on, and the notation profiles.

Textbooks compute the same backpropagation step under different, mostly unstated
conventions: the sign of δ, the bias form, the notation, the decimals printed and whether
rounded values are carried (``docs/explain.md``, section 3). Each is a named field of
:class:`Conventions`; a *profile* (``blog``, ``fausett``, ``mazur``, ``han``, ``layered``,
``hagan``, ``negnevitsky``) is a preset of all of them, and any field can be overridden::

    >>> c = get("fausett", decimals=3)
    >>> c.sign, c.bias, c.decimals_for("delta")
    ('plus', 'separate', 3)

Unknown names raise ``ValueError`` listing the valid ones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chainrule._util.text import check_text
from chainrule.derive import describe

__all__ = [
    "Conventions", "PROFILES", "SWITCHES", "DECIMAL_KINDS", "SHOWABLE", "get", "names",
]

#: Quantity kinds that carry their own number of printed decimals.
DECIMAL_KINDS = (
    "net", "out", "error_term", "error", "dout", "fprime", "delta", "gradient", "change",
    "update", "loss",
)

#: The significant figures Adam's m, v and Δw keep at least, whatever the decimals: v is
#: about (1 − β₂)·(∂E/∂w)², often below 1e-4, and would print 0.0000 at four decimals.
ADAM_SIGNIFICANT = 4

#: Intermediate quantities a convention may write as their own equation (they are printed,
#: rounded and — with ``carry="rounded"`` — used as printed) or leave inside the formula
#: that uses them (computed in one go, as on a calculator):
#:   error_term  — each output's share of the error, E_o1 = ½(t_o1 − out_o1)²
#:   dout        — ∂E/∂out of an output unit (sign form "plus": the error signal t − y)
#:   backprop    — the error sent back to a hidden unit, Σ_k δ_k w_jk (∂E/∂out, or δ_in)
#:   backprop_terms — each output's part of it, ∂E_o1/∂out_h1 = δ_o1·w_5 (Mazur; sign form
#:                 "minus", last hidden layer, several outputs)
#:   fprime      — f′(net), the activation's derivative
#:   gradient    — ∂E/∂w
#:   change      — Δw, the change applied in the update
#:   signal      — the output error e = t − y as a line of its own, which ∂E/∂out then uses
#:                 (Hagan's e; squared-error losses)
SHOWABLE = ("error_term", "signal", "dout", "backprop", "backprop_terms", "fprime", "gradient",
            "change")

_CHOICES: dict[str, tuple[str, ...]] = {
    "notation": ("blog", "fausett", "mazur", "han", "layered", "hagan", "negnevitsky"),
    "error": ("half_sse", "sse", "mse", "binary_crossentropy", "categorical_crossentropy"),
    "sign": ("minus", "plus"),
    "bias": ("input", "threshold", "separate", "shared", "none"),
    "hidden_delta_weights": ("before", "after"),
    "indexing": ("per_layer", "global", "consecutive", "matrix", "by_neuron"),
    "carry": ("full", "rounded", "calculator"),
    "tie": ("half_away", "half_even"),
    "updates": ("online",),
    "optimizer": ("sgd", "adam"),
    "adam_epsilon": ("corrected", "uncorrected"),
    "layout": ("column", "row"),
}


@dataclass(frozen=True)
class Conventions:
    """The conventions a worked solution is written in.

    Attributes:
        name: the profile this set started from (``"blog"``, …; ``"custom"`` if none).
        notation: the family of symbols: ``blog`` (x, h, o; net/out; W and V),
            ``fausett`` (x, z, y; z_in, y_in; v_ij, w_jk; δ_in), ``mazur`` (i1, h1, o1;
            w1…w8; b1, b2), ``han`` (units numbered 1…n across the net; I_j, O_j, Err_j,
            w_ij, θ_j, l), ``layered`` (x, z⁽ˡ⁾, a⁽ˡ⁾, w⁽ˡ⁾_ij, b⁽ˡ⁾, δ⁽ˡ⁾), ``hagan``
            (p, n^m, a^m, e, sensitivities s^m, ḟ^m(n^m), w^m_ij to neuron i from input j,
            b^m, w(k+1)), ``negnevitsky`` (units numbered across the net; y_j, X_j, e,
            δ_j, Δw_ij = α·y_i·δ_j, θ_j, w(p+1)).
        error: the error function of one example — ``half_sse`` ½Σ(t − y)²,
            ``sse`` Σ(t − y)², ``mse`` (1/K)Σ(t − y)², ``binary_crossentropy``
            −(1/K)Σ[t ln y + (1 − t) ln(1 − y)] (sigmoid outputs),
            ``categorical_crossentropy`` −Σ t ln y (softmax outputs).
        sign: ``minus`` — δ = ∂E/∂net, w⁺ = w − η·∂E/∂w (Mazur, Hagan, the blog);
            ``plus`` — δ = −∂E/∂net = (t − y)f′(net), w⁺ = w + η·δ·x (Fausett, Han &
            Kamber, Negnevitsky). The same update, written two ways.
        bias: ``input`` — a constant input of +1 with its own weight w_0j (the blog);
            ``threshold`` — a threshold θ_j on an input of −1, net = Σ w·x − θ (Negnevitsky;
            the engine's bias is −θ); ``separate`` — a bias per neuron added,
            net = Σ w·x + b_j (Han & Kamber's θ_j, Fausett's v_0j); ``shared`` — one bias
            per layer added to every neuron of it (Mazur's b1, b2; its gradient is the sum
            over the layer); ``none`` — no bias (the model's biases must be zero or absent).
        update_bias: ``False`` keeps biases fixed (Mazur).
        hidden_delta_weights: ``before`` — hidden δ use the weights before this step's
            update (the correct rule); ``after`` — the already-updated weights of the layer
            above (a common slip; the values then differ from the gradient and are not
            checked against the engine).
        layer_letters: weight letters, first layer first (the blog: ``("w", "v")`` =
            W input→hidden, V hidden→output; Fausett: ``("v", "w")``). A network with
            fewer layers uses the last letters; one with more layers uses the first
            letter with the layer as a superscript, w⁽ˡ⁾.
        unit_letters: the letters of the units, ``(input, hidden, output)`` (Fausett's
            ``("x", "z", "y")``); empty: the notation family's own. They rename the
            family's letters wherever they appear (net_h1 → net_z1, z_in_1 → h_in_1).
        letters: any other letter the notation prints, renamed: ``{"net": "s", "δ": "d",
            "E": "J", "θ": "b", "μ": "β"}`` (a mapping, or (letter, replacement) pairs).
        indexing: ``per_layer`` — w_ij, i and j counted within their layers (0 = bias);
            ``global`` — units numbered 1…n across the whole network, w_ij from unit i to
            unit j (Han & Kamber); ``consecutive`` — w1, w2, … numbered by target unit,
            then source unit, layer after layer (Mazur); ``matrix`` — w⁽ˡ⁾_ij, the entry
            (i, j) of layer l's matrix, which is the engine's ``kernel[i−1, j−1]``;
            ``by_neuron`` — w^m_ij to neuron i of layer m from input j (Hagan's row per
            neuron: the engine's ``kernel[j−1, i−1]``).
        decimals: printed decimals per quantity kind (``DECIMAL_KINDS``).
        significant: 0, or a number of significant figures every computed value keeps at
            least: a value too small for its decimals gets more (Hagan prints 3 decimals
            and −0.0495, 0.0997: ``decimals=3, significant=3``).
        carry: ``full`` — print rounded, compute with full-precision values; ``rounded``
            — every value is used as printed (rounded to its decimals) by later equations;
            ``calculator`` — a hand calculation with a calculator: what a function (f, exp,
            ln) returns is rounded to the printed decimals, arithmetic on printed numbers is
            written out exactly (0.25·0.00245 = 0.0006125), up to 10 decimals.
        tie: the tie rule of rounding: ``half_away`` (half away from zero, as a calculator;
            0.00295 → 0.0030) or ``half_even`` (banker's; 0.00295 → 0.0030, 0.00285 →
            0.0028). Decided on the decimal digits (see ``formula.round_value``).
        momentum: 0 for none; otherwise Δw(t) = momentum·Δw(t−1) − η·∂E/∂w (the engine's
            SGD: v ← momentum·v − η·g, w ← w + v).
        updates: ``online`` — the weights are updated after each example, in order.
        optimizer: ``sgd`` — w⁺ = w − η·∂E/∂w (with ``momentum``, the velocity); ``adam`` —
            m = β₁·m + (1 − β₁)·∂E/∂w, v = β₂·v + (1 − β₂)·(∂E/∂w)², Δw =
            −η·(m/(1 − β₁ᵗ))/(√(v/(1 − β₂ᵗ)) + ε), w⁺ = w + Δw (t the step, from 1; as
            PyTorch's ``Adam`` and ``chainrule.optimizers.Adam`` compute it).
        beta_1, beta_2, epsilon: Adam's β₁, β₂ in [0, 1) and ε > 0.
        adam_epsilon: where Adam adds ε: ``corrected`` — to √(v/(1 − β₂ᵗ)) (Kingma & Ba's
            Algorithm 1, PyTorch); ``uncorrected`` — to √v, the correction folded into the
            rate: Δw = −η·(m/(1 − β₁ᵗ))·√(1 − β₂ᵗ)/(√v + ε) (the paper's faster form, Keras).
        show: which intermediate quantities get their own equation (``SHOWABLE``).
        input_first: write products in net inputs as x·w (Fausett) instead of w·x.
        bias_first: write the bias term first in net inputs (Fausett's v_0j + Σ x_i v_ij).
        learning_rate_symbol: η (blog, Mazur), α (Fausett), l (Han & Kamber).
        layout: how the matrix form (``explain(..., form="matrix")``) writes vectors:
            ``column`` — z = W a + b, W of shape (out, in), the textbooks' ``W x``;
            ``row`` — z = a W + b, W of shape (in, out), the engine's kernel (Keras's
            ``x @ kernel``). The scalar form does not depend on it.
    """

    name: str = "blog"
    notation: str = "blog"
    error: str = "half_sse"
    sign: str = "minus"
    bias: str = "input"
    update_bias: bool = True
    hidden_delta_weights: str = "before"
    layer_letters: tuple[str, ...] = ("w", "v")
    unit_letters: tuple[str, ...] = ()
    letters: tuple[tuple[str, str], ...] = ()
    indexing: str = "per_layer"
    decimals: tuple[tuple[str, int], ...] = tuple((k, 4) for k in DECIMAL_KINDS)
    significant: int = 0
    carry: str = "full"
    tie: str = "half_away"
    momentum: float = 0.0
    updates: str = "online"
    optimizer: str = "sgd"
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    adam_epsilon: str = "corrected"
    show: frozenset[str] = frozenset({"dout", "backprop", "fprime", "gradient"})
    input_first: bool = False
    bias_first: bool = False
    learning_rate_symbol: str = "η"
    layout: str = "column"

    def __post_init__(self) -> None:
        for switch, valid in _CHOICES.items():
            value = getattr(self, switch)
            if value not in valid:
                raise ValueError(
                    f"unknown value for convention switch {switch!r}. Received: "
                    f"{switch}={value!r}; valid values: {', '.join(valid)}"
                )
        object.__setattr__(self, "decimals", _normalize_decimals(self.decimals))
        object.__setattr__(self, "show", frozenset(self.show))
        unknown = sorted(self.show - set(SHOWABLE))
        if unknown:
            raise ValueError(f"unknown quantities in show. Received: {unknown}; "
                             f"valid: {', '.join(SHOWABLE)}")
        if not self.layer_letters or not all(isinstance(s, str) and s
                                             for s in self.layer_letters):
            raise ValueError(f"layer_letters must be non-empty strings. "
                             f"Received: layer_letters={self.layer_letters!r}")
        object.__setattr__(self, "unit_letters", _letter_tuple(self.unit_letters))
        object.__setattr__(self, "letters", _letter_pairs(self.letters))
        if self.unit_letters and len(self.unit_letters) != 3:
            raise ValueError("unit_letters must be three letters: input, hidden, output. "
                             f"Received: unit_letters={self.unit_letters!r}")
        for letter in (*self.layer_letters, self.learning_rate_symbol, *self.unit_letters,
                       *(x for pair in self.letters for x in pair)):
            check_text(letter, "a convention's letter")
        if isinstance(self.significant, bool) or not isinstance(self.significant, int) \
                or not 0 <= self.significant <= 15:
            raise ValueError(f"significant must be an integer from 0 to 15. "
                             f"Received: significant={self.significant!r}")
        if not isinstance(self.momentum, (int, float)) or isinstance(self.momentum, bool) \
                or not 0.0 <= float(self.momentum) < 1.0:
            raise ValueError(f"momentum must be in [0, 1). Received: momentum={self.momentum!r}")
        self._check_adam()

    def _check_adam(self) -> None:
        for name in ("beta_1", "beta_2"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) \
                    or not 0.0 <= float(value) < 1.0:
                raise ValueError(f"{name} must be in [0, 1). Received: {name}={value!r}")
        eps = self.epsilon
        if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not 0.0 < eps < 1.0:
            raise ValueError(f"epsilon must be a number in (0, 1). Received: epsilon={eps!r}")
        if self.optimizer == "adam" and self.sign == "plus":
            raise ValueError("Adam is written from ∂E/∂w, in the sign form 'minus'. Received: "
                             "optimizer='adam', sign='plus'")
        if self.optimizer == "adam" and self.momentum:
            raise ValueError("momentum belongs to SGD; Adam keeps its own moments. Received: "
                             f"optimizer='adam', momentum={self.momentum!r}")

    def decimals_for(self, kind: str) -> int:
        """Printed decimals of quantities of ``kind`` (a ``DECIMAL_KINDS`` entry)."""
        return dict(self.decimals)[kind]

    def significant_for(self, kind: str) -> int:
        """The significant figures a computed value of ``kind`` keeps at least (0: its
        decimals alone): ``significant``, and with Adam ``ADAM_SIGNIFICANT`` for its moments
        and steps (kind ``change``)."""
        if self.optimizer == "adam" and kind == "change":
            return max(self.significant, ADAM_SIGNIFICANT)
        return self.significant

    def places(self, kind: str, value: float) -> int:
        """The decimals a computed ``value`` of ``kind`` is printed with: the kind's decimals,
        raised to keep ``significant_for(kind)`` figures (−0.0495 at 3 decimals), at most
        15."""
        places = self.decimals_for(kind)
        significant = self.significant_for(kind)
        if significant and value != 0 and math.isfinite(value):
            places = max(places, significant - 1 - math.floor(math.log10(abs(value))))
        return min(places, 15)

    def shows(self, quantity: str) -> bool:
        """Whether ``quantity`` (a ``SHOWABLE`` entry) gets its own equation."""
        if quantity == "change" and (self.momentum or self.optimizer == "adam"):
            return True  # the velocity (Adam's step) is carried on or used, so it is written
        return quantity in self.show

    def replace(self, **switches: Any) -> Conventions:
        """A copy with some switches changed; unknown switch names raise ``ValueError``."""
        unknown = sorted(set(switches) - set(SWITCHES))
        if unknown:
            raise ValueError(
                f"unknown convention switch. Received: {', '.join(unknown)}; "
                f"valid switches: {', '.join(SWITCHES)}"
            )
        if "layer_letters" in switches:
            switches["layer_letters"] = tuple(switches["layer_letters"])
        return dataclasses.replace(self, **switches)

    # --- description ------------------------------------------------------------------------
    def summary(self) -> tuple[tuple[str, str], ...]:
        """(switch, plain-text description) pairs, in the order of the conventions line."""
        return describe.summary(self)

    def describe(self) -> str:
        """The one-line statement of the conventions in force, for the top of a solution."""
        return "; ".join(text for _, text in self.summary())


def _normalize_decimals(decimals: Any) -> tuple[tuple[str, int], ...]:
    if isinstance(decimals, int) and not isinstance(decimals, bool):
        table = {k: decimals for k in DECIMAL_KINDS}
    elif isinstance(decimals, (Mapping, tuple, list)):
        table = {k: 4 for k in DECIMAL_KINDS}
        items = decimals.items() if isinstance(decimals, Mapping) else decimals
        for kind, n in _pairs(items):
            if kind not in DECIMAL_KINDS:
                raise ValueError(f"unknown quantity kind in decimals. Received: {kind!r}; "
                                 f"valid kinds: {', '.join(DECIMAL_KINDS)}")
            table[kind] = n
    else:
        raise ValueError("decimals must be an integer from 0 to 15, or a mapping of quantity "
                         f"kind to one. Received: decimals={decimals!r}")
    for kind, n in table.items():
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 15:
            raise ValueError(f"decimals must be integers from 0 to 15. "
                             f"Received: decimals[{kind!r}]={n!r}")
    return tuple((k, table[k]) for k in DECIMAL_KINDS)


def _letter_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)) \
            or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"unit_letters must be a list of non-empty strings. "
                         f"Received: unit_letters={value!r}")
    return tuple(value)


def _letter_pairs(value: Any) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    try:
        pairs = tuple((a, b) for a, b in items)
    except (TypeError, ValueError):
        pairs = None
    if pairs is None or not all(isinstance(x, str) and x for p in pairs for x in p):
        raise ValueError(f"letters must map letters to non-empty strings. "
                         f"Received: letters={value!r}")
    return pairs


def _pairs(items: Any) -> list[tuple[Any, Any]]:
    pairs = list(items)
    if not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        raise ValueError(f"decimals must map quantity kinds to integers. Received: {pairs!r}")
    return [tuple(p) for p in pairs]


SWITCHES = tuple(f.name for f in dataclasses.fields(Conventions) if f.name != "name")

_ALL_FACTORS = frozenset({"dout", "backprop", "fprime", "gradient"})

#: The notation profiles: name → conventions.
PROFILES: Mapping[str, Conventions] = {
    "blog": Conventions(),
    "fausett": Conventions(
        name="fausett", notation="fausett", sign="plus", bias="separate",
        layer_letters=("v", "w"), show=frozenset({"backprop", "fprime", "change"}),
        input_first=True,
        bias_first=True, learning_rate_symbol="α",
    ),
    "mazur": Conventions(
        name="mazur", notation="mazur", bias="shared", update_bias=False,
        layer_letters=("w",), indexing="consecutive", decimals=9,
        show=_ALL_FACTORS | {"error_term", "backprop_terms"},
    ),
    "han": Conventions(
        name="han", notation="han", sign="plus", bias="separate", layer_letters=("w",),
        indexing="global", carry="rounded", show=frozenset(), learning_rate_symbol="l",
        decimals={"net": 3, "out": 3, "update": 3, "change": 4, "delta": 4, "error": 4},
    ),
    "layered": Conventions(
        name="layered", notation="layered", bias="separate", layer_letters=("w",),
        indexing="matrix",
    ),
    "hagan": Conventions(
        name="hagan", notation="hagan", error="sse", bias="separate", layer_letters=("w",),
        indexing="by_neuron", show=frozenset({"signal", "fprime", "backprop"}),
        learning_rate_symbol="α", decimals=3, significant=3,
    ),
    "negnevitsky": Conventions(
        name="negnevitsky", notation="negnevitsky", sign="plus", bias="threshold",
        layer_letters=("w",), indexing="global", show=frozenset({"dout", "change"}),
        input_first=True, learning_rate_symbol="α",
    ),
}


def names() -> list[str]:
    """The profile names."""
    return list(PROFILES)


def get(convention: str | Conventions = "blog", **switches: Any) -> Conventions:
    """The conventions of profile ``convention`` with ``switches`` overriding its fields.

    ``switches`` with the value ``None`` are ignored (so callers can pass optional
    arguments straight through).

    Raises:
        ValueError: unknown profile (the message lists the valid ones), unknown switch or
            invalid value.
    """
    if isinstance(convention, Conventions):
        base = convention
    else:
        key = convention.lower() if isinstance(convention, str) else convention
        if key not in PROFILES:
            raise ValueError(
                f"unknown convention. Received: convention={convention!r}; "
                f"valid conventions: {', '.join(PROFILES)}"
            )
        base = PROFILES[key]
    switches = {k: v for k, v in switches.items() if v is not None}
    return base.replace(**switches) if switches else base
