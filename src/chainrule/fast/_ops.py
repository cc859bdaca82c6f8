"""The elementwise calls of the blas loop's step, bound to its arrays: each activation, and
each activation's derivative as the engine writes it; softmax cross-entropy on a batch; the
check of correctness (``blas_loop``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chainrule.fast._buffers import Views
from chainrule.fast.spec import LayerSpec

__all__ = ["exp_negative", "activation_ops", "derivative_ops", "all_correct",
           "softmax_cross_entropy", "softmax_unit_rows"]


def exp_negative(z: np.ndarray, out: np.ndarray) -> None:
    """out ← e^−z; e^−z may overflow to inf for very negative z, giving σ = 0 exactly."""
    np.negative(z, out=out)
    with np.errstate(over="ignore", under="ignore"):
        np.exp(out, out=out)


def activation_ops(spec: LayerSpec, z: np.ndarray, a: np.ndarray, v: Views,
                   layer: int) -> list[Callable[[], object]]:
    """a ← f(z) for layer ``layer`` (ReLU in place over the whole of its buffer)."""
    name = spec.activation
    if name in ("sigmoid", "bipolar_sigmoid"):  # 1/(1 + e^−z)
        ops = [partial(exp_negative, z, a), partial(np.add, a, 1, out=a),
               partial(np.reciprocal, a, out=a)]
        if name == "bipolar_sigmoid":
            ops += [partial(np.multiply, a, 2, out=a), partial(np.subtract, a, 1, out=a)]
        return ops
    if name == "tanh":
        return [partial(np.tanh, z, out=a)]
    if name == "relu":
        whole = v.ext.get(layer, z)
        return [partial(np.maximum, whole, v.zeros[layer], out=whole)]
    if name == "leaky_relu":
        alpha = spec.alpha
        if 0.0 <= alpha <= 1.0:  # max(z, αz) is z for z > 0, αz otherwise
            return [partial(np.multiply, z, alpha, out=a), partial(np.maximum, z, a, out=a)]
        return [lambda: np.copyto(a, np.where(z > 0, z, alpha * z))]
    return []  # linear: a is z; softmax: computed with the loss


def derivative_ops(spec: LayerSpec, v: Views, layer: int) -> list[Callable[[], object]]:
    """d ← d ⊙ f′(z) for layer ``layer``, f′ written through a = f(z) as the engine
    writes it (for ReLU, z > 0 read from a, which is z after max(z, 0) in place)."""
    d, z, a = v.d[layer], v.z[layer], v.a[layer]
    name = spec.activation
    if name in ("linear", "softmax"):
        return []
    if name in ("relu", "leaky_relu"):
        mask = v.mask[layer]
        if name == "relu":
            z, d = v.ext.get(layer, z), v.d_ext.get(layer, d)
            return [partial(np.greater, z, 0, out=mask), partial(np.multiply, d, mask, out=d)]
    tmp = v.tmp[layer]
    if name == "sigmoid":  # σ(1 − σ)
        return [partial(np.subtract, 1, a, out=tmp), partial(np.multiply, tmp, a, out=tmp),
                partial(np.multiply, d, tmp, out=d)]
    if name == "tanh":  # 1 − a²
        return [partial(np.multiply, a, a, out=tmp), partial(np.subtract, 1, tmp, out=tmp),
                partial(np.multiply, d, tmp, out=d)]
    if name == "bipolar_sigmoid":  # ½(1 + a)(1 − a)
        return [partial(np.add, 1, a, out=tmp), partial(np.multiply, tmp, 0.5, out=tmp),
                partial(np.multiply, d, tmp, out=d), partial(np.subtract, 1, a, out=tmp),
                partial(np.multiply, d, tmp, out=d)]
    # leaky ReLU: 1 where z > 0, else α
    return [partial(np.greater, z, 0, out=mask), partial(np.copyto, tmp, spec.alpha),
            partial(np.copyto, tmp, 1, where=mask), partial(np.multiply, d, tmp, out=d)]


def all_correct(out: np.ndarray, softmax: bool, t: np.ndarray, stop: Any) -> bool:
    """Whether every row of outputs ``out`` (pre-activations when ``softmax``: argmax is the
    same) is correct under ``stop``'s ``correct_mode`` (``StopRule``); an output that is not
    finite never is."""
    mode, value = stop.correct_mode, stop.correct_value
    if softmax:
        shifted = out - out.max(axis=1, keepdims=True)
        out = np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
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
