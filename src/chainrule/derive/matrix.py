"""The matrix form of a worked solution: the same steps as vectors and matrices.

``explain(..., form="matrix")`` attaches a :class:`MatrixForm` to the ``WorkedSolution``
(``solution.matrix``): each step written as

    z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = f(z⁽ˡ⁾),  E,  δ⁽ᴸ⁾ = ∂E/∂a⁽ᴸ⁾ ⊙ f′(z⁽ᴸ⁾),
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀδ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾),  ∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾a⁽ˡ⁻¹⁾ᵀ,  W⁽ˡ⁾⁺ = W⁽ˡ⁾ − η∂E/∂W⁽ˡ⁾

with the numbers in the matrices (column layout; the row layout, Keras's ``x @ kernel``,
writes z = aW + b with W (in, out)). Online, every entry carries the id of the scalar
equation of the same number (``derive/ids.py``) and prints as that equation does; with
``batch_size=k`` a step takes k examples at once (the examples are the columns in the column
layout, the rows in the row layout), and the gradient is the mean over them, as
``Sequential.fit(batch_size=k)`` trains. Plain data only; ``chainrule.render`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entry", "Matrix", "Part", "MatrixEquation", "MatrixStep", "MatrixForm",
           "LAYOUTS", "PHASES"]

#: The layouts: ``column`` — vectors are columns, z = W a + b, W (out, in); ``row`` — vectors
#: are rows, z = a W + b, W (in, out) (the engine's kernel, Keras's layout).
LAYOUTS = ("column", "row")
#: The phases of a matrix step, in order, with their titles.
PHASES = (("given", "Given"), ("forward", "Forward pass"), ("error", "Error"),
          ("backward", "Backward pass"), ("update", "Update"))


@dataclass(frozen=True)
class Entry:
    """One number of a matrix: the id of the scalar equation of the same number (or of the
    batch scheme), its full-precision value and its printed form."""

    id: str
    value: float
    printed: str


@dataclass(frozen=True)
class Matrix:
    """A matrix as printed: ``text``/``latex`` its symbol (``W⁽¹⁾``, ``W^{(1)}``), ``rows``
    its entries row by row (a column vector has one entry per row)."""

    text: str
    latex: str
    rows: tuple[tuple[Entry, ...], ...]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0


@dataclass(frozen=True)
class Part:
    """A piece of an equation's numeric form: a matrix, or an operator or factor written
    between matrices (``text``/``latex``: ``" + "``/``+``, ``"0.3·"``/``0.3\\cdot``)."""

    text: str = ""
    latex: str = ""
    matrix: Matrix | None = None


@dataclass(frozen=True)
class MatrixEquation:
    """``lhs = symbolic = numeric = result``: one line of the matrix form.

    ``id`` names the whole matrix (``ids.matrix``); ``kind`` is the scalar kind of its
    entries (``net``, ``out``, ``delta``, ``gradient`` …); ``phase`` one of :data:`PHASES`;
    ``numeric`` may be empty (the result alone)."""

    id: str
    kind: str
    phase: str
    label: str
    lhs: tuple[str, str]
    symbolic: tuple[str, str] | None
    numeric: tuple[Part, ...]
    result: Matrix


@dataclass(frozen=True)
class MatrixStep:
    """One update: ``id`` is the scalar step's (``s1``) online, ``b1`` … for a mini-batch;
    ``examples`` are the examples' numbers (from 1, within the epoch)."""

    id: str
    index: int
    epoch: int
    examples: tuple[int, ...]
    equations: tuple[MatrixEquation, ...]

    def phase(self, name: str) -> tuple[MatrixEquation, ...]:
        return tuple(eq for eq in self.equations if eq.phase == name)


@dataclass(frozen=True)
class MatrixForm:
    """The matrix form of a run: its ``layout``, ``batch_size`` (1 online), the steps
    written out (``steps``; all of one epoch, else the first and the last), how many steps
    the run took (``total``) and remarks (``notes``)."""

    layout: str
    batch_size: int
    steps: tuple[MatrixStep, ...]
    total: int
    notes: tuple[str, ...] = ()

