"""Primitive ops. Each op is one class: ``forward`` and its ``vjp`` side by side.

``forward(*arrays, **params) -> (out, residuals)`` computes the value and keeps exactly the
numbers the backward pass needs (they are the numbers a worked solution prints).
``vjp(residuals, g) -> tuple`` returns, for each input, the upstream gradient ``g`` times the
op's local Jacobian ("vector-Jacobian product"), in the broadcast shape; the backward pass
sums it down to the input's shape with ``unbroadcast``. ``None`` means "no gradient".

Nothing outside this module defines a gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, as_array, is_grad_enabled

__all__ = [
    "add", "sub", "mul", "div", "neg", "power", "matmul", "exp", "log", "tanh", "sigmoid",
    "relu", "leaky_relu", "maximum", "sum", "mean", "reshape", "transpose", "getitem",
    "stable_sigmoid",
]


def _tensor(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if like is not None else None
    return Tensor(x, dtype=dtype)


def apply(op: type, *inputs: Any, **params: Any) -> Tensor:
    """Run ``op.forward`` on the inputs' arrays and record the op when a gradient is needed."""
    like = next((x for x in inputs if isinstance(x, Tensor)), None)
    tensors = tuple(_tensor(x, like) for x in inputs)
    out, residuals = op.forward(*(t.data for t in tensors), **params)
    result = Tensor(out, dtype=out.dtype if out.dtype in (np.float32, np.float64) else None)
    if is_grad_enabled() and any(t.requires_grad for t in tensors):
        result.requires_grad = True
        result._op = op
        result._parents = tensors
        result._residuals = residuals
    return result


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^−x) without overflow: e^−|x| never exceeds 1."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


# --- arithmetic ----------------------------------------------------------------------
class Add:
    """a + b;  ∂/∂a = 1, ∂/∂b = 1."""

    @staticmethod
    def forward(a, b):
        return a + b, None

    @staticmethod
    def vjp(res, g):
        return g, g


class Sub:
    """a − b;  ∂/∂a = 1, ∂/∂b = −1."""

    @staticmethod
    def forward(a, b):
        return a - b, None

    @staticmethod
    def vjp(res, g):
        return g, -g


class Mul:
    """a · b;  ∂/∂a = b, ∂/∂b = a."""

    @staticmethod
    def forward(a, b):
        return a * b, (a, b)

    @staticmethod
    def vjp(res, g):
        a, b = res
        return g * b, g * a


class Div:
    """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b²."""

    @staticmethod
    def forward(a, b):
        out = a / b
        return out, (b, out)

    @staticmethod
    def vjp(res, g):
        b, out = res
        ga = g / b
        return ga, -ga * out


class Neg:
    """−a;  ∂/∂a = −1."""

    @staticmethod
    def forward(a):
        return -a, None

    @staticmethod
    def vjp(res, g):
        return (-g,)


class Power:
    """a^b;  ∂/∂a = b·a^(b−1), ∂/∂b = a^b·ln a (only where a > 0)."""

    @staticmethod
    def forward(a, b):
        out = a**b
        return out, (a, b, out)

    @staticmethod
    def vjp(res, g):
        a, b, out = res
        ga = g * b * a ** (b - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
        return ga, g * out * log_a


class MatMul:
    """a @ b (2-D, or batched);  ∂/∂a = g @ bᵀ, ∂/∂b = aᵀ @ g."""

    @staticmethod
    def forward(a, b):
        if a.ndim < 2 or b.ndim < 2:
            raise ValueError(
                "matmul needs arrays of at least 2 dimensions. "
                f"Received: shapes {a.shape} and {b.shape}"
            )
        if a.shape[-1] != b.shape[-2]:
            raise ValueError(
                f"matmul shapes do not fit: {a.shape} @ {b.shape} "
                f"({a.shape[-1]} != {b.shape[-2]})"
            )
        return a @ b, (a, b)

    @staticmethod
    def vjp(res, g):
        a, b = res
        return g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g


# --- elementwise functions -----------------------------------------------------------
class Exp:
    """e^a;  ∂/∂a = e^a."""

    @staticmethod
    def forward(a):
        out = np.exp(a)
        return out, out

    @staticmethod
    def vjp(out, g):
        return (g * out,)


class Log:
    """ln a;  ∂/∂a = 1/a."""

    @staticmethod
    def forward(a):
        return np.log(a), a

    @staticmethod
    def vjp(a, g):
        return (g / a,)


class Tanh:
    """tanh a;  ∂/∂a = 1 − tanh² a."""

    @staticmethod
    def forward(a):
        out = np.tanh(a)
        return out, out

    @staticmethod
    def vjp(out, g):
        return (g * (1 - out * out),)


class Sigmoid:
    """σ(a) = 1/(1 + e^−a);  ∂/∂a = σ(a)(1 − σ(a))."""

    @staticmethod
    def forward(a):
        out = stable_sigmoid(a)
        return out, out

    @staticmethod
    def vjp(out, g):
        return (g * out * (1 - out),)


class Relu:
    """max(a, 0);  ∂/∂a = 1 where a > 0, else 0 (the subgradient 0 at the kink a = 0)."""

    @staticmethod
    def forward(a):
        mask = a > 0
        return np.where(mask, a, 0).astype(a.dtype, copy=False), mask

    @staticmethod
    def vjp(mask, g):
        return (g * mask,)


class LeakyRelu:
    """a if a > 0 else α·a;  ∂/∂a = 1 where a > 0, else α (α at the kink a = 0)."""

    @staticmethod
    def forward(a, alpha=0.01):
        mask = a > 0
        return np.where(mask, a, alpha * a).astype(a.dtype, copy=False), (mask, alpha)

    @staticmethod
    def vjp(res, g):
        mask, alpha = res
        return (np.where(mask, g, alpha * g),)


class Maximum:
    """max(a, b);  the gradient goes to the larger input, half to each on a tie."""

    @staticmethod
    def forward(a, b):
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))
        return np.maximum(a, b), share

    @staticmethod
    def vjp(share, g):
        return g * share, g * (1 - share)


# --- reductions and shape ------------------------------------------------------------
class Sum:
    """Σ a over ``axis``;  ∂/∂a = 1, i.e. g broadcast back to a's shape."""

    @staticmethod
    def forward(a, axis=None, keepdims=False):
        return np.sum(a, axis=axis, keepdims=keepdims), (a.shape, axis, keepdims)

    @staticmethod
    def vjp(res, g):
        shape, axis, keepdims = res
        if not keepdims and axis is not None:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g, shape),)


class Mean:
    """mean of a over ``axis``;  ∂/∂a = 1/n, n the number of averaged elements."""

    @staticmethod
    def forward(a, axis=None, keepdims=False):
        out = np.mean(a, axis=axis, keepdims=keepdims)
        n = a.size // max(np.size(out), 1) if a.size else 1
        return np.asarray(out), (a.shape, axis, keepdims, n)

    @staticmethod
    def vjp(res, g):
        shape, axis, keepdims, n = res
        if not keepdims and axis is not None:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g / n, shape),)


class Reshape:
    """a reshaped;  the gradient is reshaped back."""

    @staticmethod
    def forward(a, shape=None):
        return np.reshape(a, shape), a.shape

    @staticmethod
    def vjp(shape, g):
        return (np.reshape(g, shape),)


class Transpose:
    """a with axes permuted;  the gradient is permuted back."""

    @staticmethod
    def forward(a, axes=None):
        return np.transpose(a, axes), axes

    @staticmethod
    def vjp(axes, g):
        inverse = None if axes is None else tuple(np.argsort(axes))
        return (np.transpose(g, inverse),)


class GetItem:
    """a[index];  the gradient is scattered back (repeated indices add up)."""

    @staticmethod
    def forward(a, index=None):
        return np.asarray(a[index]), (a.shape, a.dtype, index)

    @staticmethod
    def vjp(res, g):
        shape, dtype, index = res
        out = np.zeros(shape, dtype=dtype)
        np.add.at(out, index, g)
        return (out,)


# --- the functional API ----------------------------------------------------------------
def add(a: Any, b: Any) -> Tensor:
    return apply(Add, a, b)


def sub(a: Any, b: Any) -> Tensor:
    return apply(Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    return apply(Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    return apply(Div, a, b)


def neg(a: Any) -> Tensor:
    return apply(Neg, a)


def power(a: Any, b: Any) -> Tensor:
    return apply(Power, a, b)


def matmul(a: Any, b: Any) -> Tensor:
    return apply(MatMul, a, b)


def exp(a: Any) -> Tensor:
    return apply(Exp, a)


def log(a: Any) -> Tensor:
    return apply(Log, a)


def tanh(a: Any) -> Tensor:
    return apply(Tanh, a)


def sigmoid(a: Any) -> Tensor:
    return apply(Sigmoid, a)


def relu(a: Any) -> Tensor:
    return apply(Relu, a)


def leaky_relu(a: Any, alpha: float = 0.01) -> Tensor:
    return apply(LeakyRelu, a, alpha=float(alpha))


def maximum(a: Any, b: Any) -> Tensor:
    return apply(Maximum, a, b)


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return apply(Sum, a, axis=_axis(axis), keepdims=keepdims)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return apply(Mean, a, axis=_axis(axis), keepdims=keepdims)


def reshape(a: Any, shape: Any) -> Tensor:
    return apply(Reshape, a, shape=tuple(shape) if not isinstance(shape, int) else (shape,))


def transpose(a: Any, axes: Any = None) -> Tensor:
    return apply(Transpose, a, axes=None if axes is None else tuple(axes))


def getitem(a: Any, index: Any) -> Tensor:
    if isinstance(index, Tensor):
        index = index.data
    return apply(GetItem, a, index=index)


def _axis(axis: Any) -> Any:
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(axis)


def constant(x: Any, dtype: Any = None) -> Tensor:
    """A tensor that needs no gradient."""
    return Tensor(as_array(x, dtype))
