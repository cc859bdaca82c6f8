"""Build the matrix form (``derive/matrix.py``) of a run, checked number by number.

Every step's values come from ``matrix_numbers.block`` (NumPy matrix products over the
calculus table), are checked against the engine (``matrix_numbers.check_engine``) and, online,
against the scalar solution's full-precision value of the same id; a difference raises
``ConsistencyError``. Online entries print as their scalar equations print (the convention's
decimals and carry); a mini-batch entry, which has no scalar equation, is rounded from its
full-precision value with the convention's decimals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from chainrule.derive import ids
from chainrule.derive.matrix import Entry, MatrixForm, MatrixStep
from chainrule.derive.matrix_numbers import Params, block, check_engine
from chainrule.derive.matrix_write import Writer
from chainrule.derive.network import Network
from chainrule.derive.rounding import format_exact, format_value
from chainrule.derive.truth import TOLERANCE, ConsistencyError

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.conventions import Conventions
    from chainrule.derive.solution import WorkedSolution

__all__ = ["build", "check_request", "FORMS"]

#: The forms of a worked solution.
FORMS = ("scalar", "matrix")


def check_request(form: object, batch_size: object, c: Conventions, examples: int) -> int:
    """The batch size asked for (1: online), or ``ValueError`` naming what cannot be done."""
    if form not in FORMS:
        raise ValueError(f"unknown form. Received: form={form!r}; valid forms: "
                         f"{', '.join(FORMS)}")
    if batch_size is not None and form != "matrix":
        raise ValueError(f"batch_size belongs to the matrix form. Received: "
                         f"batch_size={batch_size!r} with form={form!r}")
    size = 1 if batch_size is None else batch_size
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or \
            not 1 <= size <= examples:
        raise ValueError(f"batch_size must be an integer from 1 to the number of examples "
                         f"({examples}). Received: batch_size={batch_size!r}")
    if form == "matrix":
        _check_conventions(c, int(size))
    return int(size)


def _check_conventions(c: Conventions, size: int) -> None:
    if c.optimizer != "sgd":
        raise ValueError(f"the matrix form writes SGD steps (with or without momentum). "
                         f"Received: optimizer={c.optimizer!r}")
    if c.hidden_delta_weights != "before":
        raise ValueError("the matrix form writes the gradient: hidden δ use the weights before "
                         "the update. Received: hidden_delta_weights='after'")
    if size > 1 and c.carry != "full":
        raise ValueError(f"a mini-batch step is written in full precision (no scalar "
                         f"equations carry it). Received: batch_size={size}, "
                         f"carry={c.carry!r}")


def _params(network: Network, c: Conventions) -> Params:
    kernels = [k.copy() for k in network.kernels]
    biases: list[np.ndarray | None] = []
    for kernel, b in zip(network.kernels, network.biases):
        biases.append(None if c.bias == "none" else
                      (np.zeros(kernel.shape[1]) if b is None else b.copy()))
    return Params(kernels, biases, [np.zeros_like(k) for k in kernels],
                  [None if b is None else np.zeros_like(b) for b in biases])


def build(solution: WorkedSolution, network: Network, c: Conventions, xs: np.ndarray,
          ts: np.ndarray, learning_rate: float, epochs: int, batch_size: int) -> MatrixForm:
    """The matrix form of ``epochs`` passes over ``xs``/``ts`` in blocks of ``batch_size``."""
    params = _params(network, c)
    starts = range(0, len(xs), batch_size)
    total = epochs * len(starts)
    shown = _shown(solution, total, batch_size, epochs)
    steps, previous = [], None
    for epoch in range(1, epochs + 1):
        for start in starts:
            number = len(steps) + 1
            rows = slice(start, start + batch_size)
            values = block(network.activations, c.error, xs[rows], ts[rows], params,
                           learning_rate, float(c.momentum), c.update_bias,
                           shared_bias=c.bias == "shared")
            sid = ids.step(number) if batch_size == 1 else ids.batch(number)
            check_engine(values, network.activations, c.error, sid)
            examples = tuple(range(start + 1, min(start + batch_size, len(xs)) + 1))
            steps.append((number, sid, epoch, examples, values, previous))
            previous, params = (sid, values), values.after
    printer = _Printer(solution, c, batch_size == 1)
    written = []
    for number, sid, epoch, examples, values, before in steps:
        if sid not in shown:
            continue
        writer = Writer(c, network, learning_rate, sid, values, printer, before,
                        online=batch_size == 1)
        eqs = writer.equations()
        if batch_size == 1:
            _check_scalar(solution, eqs)
        written.append(MatrixStep(sid, number, epoch, examples, eqs))
    return MatrixForm(c.layout, batch_size, tuple(written), total, _notes(c, batch_size))


def _shown(solution: WorkedSolution, total: int, batch_size: int, epochs: int) -> set[str]:
    if batch_size == 1:
        return set(solution.shown)
    if epochs == 1:
        return {ids.batch(n) for n in range(1, total + 1)}
    return {ids.batch(1), ids.batch(total)}


def _notes(c: Conventions, batch_size: int) -> tuple[str, ...]:
    layout = ("vectors are columns, z = Wa + b with W of shape (out, in)" if c.layout ==
              "column" else "vectors are rows, z = aW + b with W of shape (in, out), the "
              "engine's kernel (Keras's x @ kernel)")
    notes = [f"Matrix form, {c.layout} layout: {layout}."]
    if batch_size > 1:
        across = "columns" if c.layout == "column" else "rows"
        notes.append(f"Mini-batches of {batch_size}: each example is one of the {across}; "
                     f"E and the gradients are means over the batch, as "
                     f"fit(batch_size={batch_size}, shuffle=False) computes them. The scalar "
                     "form beside it writes out the first example alone, from the same "
                     "weights.")
    return tuple(notes)


class _Printer:
    """An entry's printed form: online, its scalar equation's; else rounded."""

    def __init__(self, solution: WorkedSolution, c: Conventions, online: bool) -> None:
        self.equations, self.c, self.online = solution.equations, c, online

    def entry(self, qid: str, value: float, kind: str, given: str | None = None) -> Entry:
        eq = self.equations.get(qid) if self.online else None
        if eq is not None:
            return Entry(qid, value, eq.printed)
        if kind in ("input", "target"):
            return Entry(qid, value, format_exact(value))
        if given is not None and given in self.equations:
            return Entry(qid, value, self.equations[given].printed)
        decimals = self.c.places("update" if kind == "weight" else kind, value)
        return Entry(qid, value, format_value(value, decimals, self.c.tie))


def _check_scalar(solution: WorkedSolution, equations: tuple) -> None:
    """Each entry equals the scalar equation of the same id in full precision."""
    table = solution.equations
    for eq in equations:
        for row in eq.result.rows:
            for entry in row:
                scalar = table.get(entry.id)
                if scalar is None:
                    continue
                if abs(scalar.exact - entry.value) > TOLERANCE * max(1.0, abs(scalar.exact)):
                    raise ConsistencyError(
                        f"{entry.id} ({eq.lhs[0]}): the matrix form gives {entry.value!r} "
                        f"but the scalar form {scalar.exact!r}")

