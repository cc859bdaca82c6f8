"""``explain``: a model, examples and a convention → a checked ``WorkedSolution``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule._util import limits
from chainrule._util.text import check_text, counted
from chainrule.calculus import losses
from chainrule.calculus.losses import fuses
from chainrule.derive import ids, truth
from chainrule.derive.assemble import Evaluator
from chainrule.derive.conventions import Conventions, get
from chainrule.derive.derivation import Builder
from chainrule.derive.families import notation_for
from chainrule.derive.general import general_derivation
from chainrule.derive.matrix_build import build, check_request
from chainrule.derive.network import Network, to_convention
from chainrule.derive.solution import (
    LayerInfo,
    NetworkInfo,
    Section,
    WeightRow,
    WorkedSolution,
)

__all__ = ["explain", "check_size", "equations_needed"]


def explain(model: Any, x: Any, t: Any, *, learning_rate: float, loss: str | None = None,
            convention: str | Conventions = "blog", decimals: Any = None,
            carry: str | None = None, epochs: int = 1, title: str = "",
            notes: Sequence[str] = (), form: str = "scalar", batch_size: int | None = None,
            **switches: Any) -> WorkedSolution:
    """Explain online training steps of ``model`` as an exam-style worked solution.

    Args:
        model: a ``Sequential`` of ``Dense`` layers (read, never modified), or a list of
            ``(kernel (in, out), bias (out,) or None, activation)`` in the engine's form
            ``y = activation(x @ kernel + bias)``.
        x: one example (in,) or several (n, in), processed in order (online updates).
        t: the target(s): (out,) or (n, out).
        learning_rate: η > 0.
        loss: ``half_sse``, ``sse``, ``mse``, ``binary_crossentropy`` (sigmoid outputs) or
            ``categorical_crossentropy`` (softmax outputs); ``None``: the loss a compiled
            model trains with, else the convention's (``half_sse`` in every profile).
        convention: a profile name (``blog``, ``fausett``, ``mazur``, ``han``, ``layered``)
            or a ``Conventions``.
        decimals: printed decimals, an int or a mapping kind → int; ``None``: the
            convention's.
        carry: ``"full"``, ``"rounded"`` or ``"calculator"``; ``None``: the convention's.
        epochs: passes over the examples; with more than one, the loss per epoch and the
            first and last steps in full.
        title, notes: a heading and remarks to print with the solution.
        form: ``"scalar"`` (every number its own equation) or ``"matrix"``: the same steps
            also as vectors and matrices (``solution.matrix``, ``derive/matrix.py``), which
            the renderers then write; the convention's ``layout`` says column or row vectors.
        batch_size: matrix form only: k examples per step, the gradient their mean (as
            ``fit(batch_size=k, shuffle=False)``); the scalar part then writes out the first
            example alone. ``None``: online, one example per step.
        **switches: any other ``Conventions`` field, e.g. ``bias="threshold"``.

    Returns:
        The ``WorkedSolution``; every full-precision value has been checked against the
        engine (``ConsistencyError`` otherwise).

    >>> net = [([[0.5]], [0.0], "linear")]
    >>> explain(net, [2.0], [1.0], learning_rate=0.1).equation("s1.new.w.1.1.1").printed
    '0.5000'
    """
    network = Network.from_any(model)
    if loss is None and isinstance(getattr(model, "loss", None), str):
        loss = model.loss  # a compiled Sequential: explain the loss it trains with
    c = get(convention, decimals=decimals, carry=carry, error=_loss_name(loss), **switches)
    check_text(str(title), "title")
    notes = tuple(check_text(str(note), "a note") for note in notes)
    xs, ts = _examples(x, t, network)
    rate = _positive("learning_rate", learning_rate)
    epochs = _epochs(epochs)
    size = check_request(form, batch_size, c, len(xs))
    check_size(network.sizes, len(xs) * epochs, c.optimizer == "adam")
    _check_pairs(network, c)

    # a mini-batch has no scalar steps: the scalar part writes its first example alone
    sx, st, se = (xs, ts, epochs) if size == 1 else (xs[:1], ts[:1], 1)
    builder, per_epoch = _derive(network, c, sx, st, rate, se)
    evaluator, engine = _checked(builder, network, sx, st, per_epoch, learning_rate)
    solution = _solution(builder, evaluator, engine, per_epoch, title, notes)
    if form != "matrix":
        return solution
    matrix = build(solution, network, c, xs, ts, rate, epochs, size)
    return dataclasses.replace(solution, matrix=matrix)


def _derive(network: Network, c: Conventions, xs: np.ndarray, ts: np.ndarray, rate: float,
            epochs: int) -> tuple[Builder, list[list[str]]]:
    """The quantities of every step of every epoch, and each epoch's step ids."""
    builder = Builder(network, c, notation_for(c, network.sizes),
                      to_convention(network, c.bias), rate)
    builder.givens()
    per_epoch: list[list[str]] = []
    for epoch in range(1, epochs + 1):
        per_epoch.append([builder.step(list(a), list(b)) for a, b in zip(xs, ts)])
        builder.epoch_loss(epoch, per_epoch[-1])
    return builder, per_epoch


def _checked(builder: Builder, network: Network, xs: np.ndarray, ts: np.ndarray,
             per_epoch: list[list[str]], learning_rate: Any) -> tuple[Evaluator, dict]:
    """Every quantity's value, checked against the engine's for the same run
    (``ConsistencyError`` if one differs; ``ValueError`` if the run diverges)."""
    c, epochs = builder.c, len(per_epoch)
    examples = [(a, b) for _ in range(epochs) for a, b in zip(xs, ts)]
    try:
        evaluator = Evaluator(builder.quantities, c)
        engine = truth.engine_values(network, examples, c, builder.learning_rate,
                                     builder.step_ids, per_epoch, start=evaluator.full_value)
    except (OverflowError, FloatingPointError) as exc:
        raise _diverges(learning_rate, epochs, str(exc)) from None
    infinite = next((qid for qid, v in evaluator.full.items() if not math.isfinite(v)), None)
    if infinite is not None:
        raise _diverges(learning_rate, epochs, f"{infinite} is {evaluator.full[infinite]}")
    symbols = {qid: str(q.symbol) for qid, q in builder.quantities.items()}
    truth.check(evaluator.full, engine, symbols, _unchecked(builder, c))
    return evaluator, engine


def _solution(builder: Builder, evaluator: Evaluator, engine: dict[str, float],
              per_epoch: list[list[str]], title: str, notes: Sequence[str]) -> WorkedSolution:
    c, n = builder.c, builder.n
    lookup = engine.get
    given = Section("given", "Given", tuple(
        evaluator.equation(qid, lookup) for qid, q in builder.quantities.items()
        if q.kind == "given"))
    steps = []
    for epoch, step_ids in enumerate(per_epoch, start=1):
        for example, s in enumerate(step_ids, start=1):
            steps.append(evaluator.step(s, len(steps) + 1, epoch, example, lookup))
    shown = builder.step_ids if len(per_epoch) == 1 else [builder.step_ids[0],
                                                          builder.step_ids[-1]]
    losses = Section("loss", "Loss per epoch", tuple(
        evaluator.equation(ids.loss(e), lookup) for e in range(1, len(per_epoch) + 1)))
    sizes = builder.sizes
    layers = tuple(LayerInfo(sizes[layer], "input" if layer == 0 else
                             builder.net.activations[layer - 1],
                             tuple(n.unit(layer, j) for j in range(1, sizes[layer] + 1)))
                   for layer in range(len(sizes)))
    bias_symbols = tuple(tuple(n.param(k) for k in builder.keys if k[0] == "b" and k[1] == layer)
                         for layer in range(1, len(sizes)))
    info = NetworkInfo(layers, c.error, c.bias, bias_symbols)
    return WorkedSolution(
        conventions=c, network=info, given=given, derivation=general_derivation(builder),
        steps=tuple(steps), shown=tuple(shown), weight_table=_weight_table(builder, per_epoch),
        losses=losses, notes=tuple(_notes(builder, evaluator)) + tuple(notes), title=title,
    )


def _weight_table(builder: Builder, per_epoch: list[list[str]]) -> tuple[WeightRow, ...]:
    rows = []
    for key in builder.keys:
        pid = ids.param(key)
        last = ids.updated if builder.updated(key) else ids.weight
        after = tuple(last(steps[-1], key) for steps in per_epoch)
        rows.append(WeightRow(pid, builder.n.param(key), ids.weight(None, key), after))
    return tuple(rows)


def _notes(builder: Builder, evaluator: Evaluator) -> list[str]:
    c, net = builder.c, builder.net
    notes = []
    pair = (net.activations[-1], c.error)
    if fuses(c.error, pair[0]):
        y, t = builder.n.out(builder.depth, 1).text, builder.n.target(1).text
        form = f"∂E/∂out·f′(net) simplifies to {y} − {t}" if c.sign == "minus" else \
            f"−∂E/∂out·f′(net) simplifies to {t} − {y}"
        notes.append(f"With a {pair[0]} output and {pair[1]}, {form}: the derivative of the "
                     "activation cancels, so δ is written directly.")
    if "relu" in net.activations:
        kinks = [q.symbol for qid, q in builder.quantities.items()
                 if q.kind == "net" and evaluator.full_value(qid) == 0.0
                 and net.activations[q.key[1] - 1] == "relu"]
        if kinks:
            names = ", ".join(str(s) for s in kinks)
            notes.append(f"{names} = 0 lies on ReLU's kink; its derivative there is taken as "
                         "0, as PyTorch and Keras do.")
    if c.hidden_delta_weights == "after":
        notes.append("Hidden δ use the already-updated weights of the layer above — a common "
                     "slip. These values are not the gradient; they differ from the engine's "
                     "from that point on.")
    if evaluator.rounded_givens():
        notes.append(_rounded_givens_note(c))
    if c.carry == "rounded":
        notes.append("Every value is used as printed (rounded carry), so last digits may "
                     "differ from a full-precision computation.")
    if c.carry == "calculator":
        notes.append("Calculated as by hand with a calculator: f and exp rounded to the "
                     "printed decimals, sums and products of printed numbers written out "
                     "exactly; last digits may differ from a full-precision computation.")
    if c.bias == "threshold":
        notes.append("A threshold θ is subtracted from the net input (an input of −1): the "
                     "engine's bias is −θ.")
    return notes


def _rounded_givens_note(c: Conventions) -> str:
    """Given weights with more decimals than a weight prints are shown rounded: say so."""
    places = c.decimals_for("update")
    shown = f"The given weights are shown rounded to {counted(places, 'decimal')}"
    if c.carry != "full":
        return (f"{shown} and used as shown, as a calculation by hand starts from them; the "
                "check against the engine uses their full precision.")
    return (f"{shown}; every value is computed from their full precision, so a "
            "recomputation from the printed weights may differ in the last digit.")


def _unchecked(builder: Builder, c: Conventions) -> set[str]:
    """Ids whose values follow a deliberate variant rule and so differ from the engine: with
    ``hidden_delta_weights="after"``, everything computed from hidden δ. (Each step is checked
    from the derivation's own starting weights, so every forward value is still checked.)"""
    if c.hidden_delta_weights == "before":
        return set()
    depth = builder.depth
    skip = set()
    for qid, q in builder.quantities.items():
        if q.kind in ("dout", "delta") and q.key[1] < depth:
            skip.add(qid)
        elif q.kind in ("gradient", "change", "update") and q.key[2] < depth:
            skip.add(qid)
    return skip


def _diverges(learning_rate: Any, epochs: int, detail: str) -> ValueError:
    return ValueError(f"the values overflow: this training diverges ({detail}). Received: "
                      f"learning_rate={learning_rate}, epochs={epochs}")


# --- argument checks -----------------------------------------------------------------------
def _loss_name(loss: Any) -> str | None:
    """A loss of the table by name, or one of ``chainrule.losses``' functions (named so)."""
    if loss is None:
        return None
    return losses.get(getattr(loss, "__name__", loss) if callable(loss) else loss).name


def _positive(name: str, value: Any) -> float:
    number = math.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive number. Received: {name}={value!r}")
    return number


def _epochs(epochs: Any) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer. Received: epochs={epochs!r}")
    return int(epochs)


def _examples(x: Any, t: Any, network: Network) -> tuple[np.ndarray, np.ndarray]:
    sizes = network.sizes
    out = []
    for name, value, width in (("x", x, sizes[0]), ("t", t, sizes[-1])):
        try:
            array = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numbers. Received: {name}={value!r}") from None
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2 or array.shape[1] != width or array.shape[0] == 0:
            raise ValueError(f"{name} must have {counted(width, 'value')} per example (shape "
                             f"({width},) or (n, {width})). Received: shape {np.shape(value)}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be finite. Received: {array.tolist()}")
        out.append(array)
    if out[0].shape[0] != out[1].shape[0]:
        raise ValueError(f"x and t must hold the same number of examples. Received: "
                         f"{counted(out[0].shape[0], 'input')} and "
                         f"{counted(out[1].shape[0], 'target')}")
    return out[0], out[1]


def equations_needed(sizes: Sequence[int], steps: int, adam: bool = False) -> int:
    """An upper bound of the equations of ``steps`` steps of a network of layer ``sizes``:
    per step the examples' values, each parameter four times (at the start, ∂E/∂w, Δw, w⁺;
    Adam's m and v make six), each unit five (net, out, ∂E/∂out, f′, δ) and the error's
    terms; Adam's β₁, β₂ and ε are three more givens."""
    params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    units = sum(sizes[1:])
    per_param = 6 if adam else 4
    per_step = sizes[0] + 2 * sizes[-1] + per_param * params + 5 * units + 2
    return steps * per_step + params + 2 + steps + (3 if adam else 0)


def check_size(sizes: Sequence[int], steps: int, adam: bool = False) -> None:
    """Refuse, before any work, a solution of ``steps`` steps of a network of layer ``sizes``
    larger than the ``equations`` limit (a problem file checks it before reading weights)."""
    needed = equations_needed(sizes, steps, adam)
    if needed > limits.get("equations"):
        shape = "-".join(map(str, sizes))
        raise limits.exceeded("equations", needed,
                              f"a worked solution of {counted(steps, 'step')} of a {shape} "
                              "network")


def _check_pairs(network: Network, c: Conventions) -> None:
    output = network.activations[-1]
    if output == "softmax" and network.sizes[-1] == 1:
        raise ValueError("a softmax over one unit is always 1.0 and cannot learn; give the "
                         "output layer 2 units or more, or use a sigmoid output")
    if output == "softmax" and c.error != "categorical_crossentropy":
        raise ValueError("a softmax output is explained with categorical_crossentropy only. "
                         f"Received: loss={c.error!r}")
    if c.error == "categorical_crossentropy" and output != "softmax":
        raise ValueError("categorical_crossentropy is explained for a softmax output layer. "
                         f"Received: output activation {output!r}")
    if c.error == "binary_crossentropy" and output != "sigmoid":
        raise ValueError("binary_crossentropy is explained for a sigmoid output layer. "
                         f"Received: output activation {output!r}")
