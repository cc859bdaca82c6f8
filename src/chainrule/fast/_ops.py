"""The elementwise calls of the blas loop's step, bound to its arrays: each activation and its
derivative, both from the calculus table (its array ``forward`` and its ``derivative`` tree
compiled to NumPy) with ReLU's in-place form the one exception; softmax cross-entropy on a
batch; the check of correctness (``blas_loop``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chainrule.calculus.activations import ACTIVATIONS as TABLE
from chainrule.calculus.compile import derivative_function
from chainrule.fast._buffers import Views
from chainrule.fast.spec import LayerSpec

__all__ = ["activation_ops", "derivative_ops", "all_correct", "softmax_cross_entropy",
           "softmax_unit_rows"]


def _table_value(forward: Callable, z: np.ndarray, a: np.ndarray, alpha: float) -> None:
    """a ← f(z) by the table's array form, written into a."""
    forward(z, alpha, out=a)


def _table_derivative(derivative: Callable, z: np.ndarray, a: np.ndarray,
                      d: np.ndarray) -> None:
    """d ← d ⊙ f′(z, a) by the table's derivative tree, compiled to NumPy."""
    d *= derivative(z, a)


def activation_ops(spec: LayerSpec, z: np.ndarray, a: np.ndarray, v: Views,
                   layer: int) -> list[Callable[[], object]]:
    """a ← f(z) for layer ``layer``, by the calculus table's ``forward``.

    ReLU alone is written here: max(z, 0) in place over the whole of its buffer (the column
    of ones of an augmented product included) costs one pass and no array, where the
    table's form makes two arrays and a copy, a measurable share of the MLP's epoch;
    ``tests/test_fast.py`` holds it to the table. Linear: a is z; softmax: computed with
    the loss. The others write into a (``out``), in place where their form allows."""
    name = spec.activation
    if name in ("linear", "softmax"):
        return []
    if name == "relu":
        whole = v.ext.get(layer, z)
        return [partial(np.maximum, whole, v.zeros[layer], out=whole)]
    return [partial(_table_value, TABLE[name].forward, z, a, spec.alpha)]


def derivative_ops(spec: LayerSpec, v: Views, layer: int) -> list[Callable[[], object]]:
    """d ← d ⊙ f′(z) for layer ``layer``, f′ the table's ``derivative`` tree compiled to
    NumPy (``calculus.compile``), through a = f(z) where the tree is written so.

    ReLU alone is written here: d ⊙ (z > 0) through a reused mask, with z read from a (z
    after max(z, 0) in place), instead of the tree's step(z, 0) array in d's dtype and its
    product; ``tests/test_fast.py`` holds it to the table."""
    name = spec.activation
    if name in ("linear", "softmax"):
        return []
    d, z, a = v.d[layer], v.z[layer], v.a[layer]
    if name == "relu":
        mask = v.mask[layer]
        z, d = v.ext.get(layer, z), v.d_ext.get(layer, d)
        return [partial(np.greater, z, 0, out=mask), partial(np.multiply, d, mask, out=d)]
    derivative = derivative_function(TABLE[name].derivative, spec.alpha)
    return [partial(_table_derivative, derivative, z, a, d)]


def all_correct(out: np.ndarray, softmax: bool, t: np.ndarray, stop: Any) -> bool:
    """Whether every row of outputs ``out`` (pre-activations when ``softmax``: argmax is the
    same) is correct under ``stop``'s ``correct_mode`` (``StopRule``); an output that is not
    finite never is."""
    mode, value = stop.correct_mode, stop.correct_value
    if softmax and mode != 2:  # argmax needs no softmax
        out = TABLE["softmax"].forward(out, 0.0)
    if mode == 1:
        correct = np.abs(out - t) <= value
    elif mode == 2:
        correct = np.argmax(out, axis=1) == np.argmax(t, axis=1)
    else:
        correct = (out > value) == (t > value)
    return bool(np.all(correct) and np.all(np.isfinite(out)))


def softmax_cross_entropy(v: Views, z, a, t, d) -> float:
    """−Σ t log softmax(z) per row;  ∂/∂z = softmax(z)·Σt − t (a ← softmax(z)).

    With s the row sums of e^(z − max z): softmax = e^(z − max z)/s and
    −log softmax = log s − (z − max z).
    """
    row = v.row
    np.maximum.reduce(z, axis=1, keepdims=True, out=row)
    np.subtract(z, row, out=d)  # shifted
    np.exp(d, out=a)
    np.add.reduce(a, axis=1, keepdims=True, out=row)
    a /= row  # softmax
    np.log(row, out=row)
    d -= row  # log softmax
    total = -float(np.vdot(t, d))
    np.add.reduce(t, axis=1, keepdims=True, out=row)
    np.multiply(a, row, out=d)
    d -= t
    d *= 1.0 / v.rows
    return total

def softmax_unit_rows(v: Views, sums: np.ndarray, scale: float) -> float:
    """``softmax_cross_entropy`` where every row of t sums to 1: δ = softmax(z) − t,
    times ``scale`` (1/rows, or η/rows for plain SGD).

    Writes the row sums s of e^(z − max z) into ``sums`` and returns Σ t·(z − max z);
    the batch's loss is Σ log s minus that.
    """
    z, a, d, t, row = v.z[-1], v.a[-1], v.d[-1], v.t, v.row
    np.maximum.reduce(z, axis=1, keepdims=True, out=row)
    np.subtract(z, row, out=d)  # shifted
    np.exp(d, out=a)
    np.add.reduce(a, axis=1, keepdims=True, out=sums)
    a /= sums  # softmax
    shifted_t = float(np.vdot(t, d))  # a Python float: the epoch's sum stays float64
    np.subtract(a, t, out=d)
    d *= scale
    return shifted_t
