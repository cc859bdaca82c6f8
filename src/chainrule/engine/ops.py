"""Primitive ops. Each op is one class: ``forward`` and its ``vjp`` side by side.

``forward(*arrays, **params) -> (out, residuals)`` computes the value and keeps exactly the
numbers the backward pass needs (they are the numbers a worked solution prints).
``vjp(residuals, g) -> tuple`` returns, for each input, the upstream gradient ``g`` times the
op's local Jacobian ("vector-Jacobian product"), in the broadcast shape; the backward pass
sums it down to the input's shape with ``unbroadcast``. ``None`` means "no gradient".

The ops work on NumPy arrays only; ``chainrule.engine.tensor.apply`` runs them on Tensors and
records them for ``backward()``. Activations are one op, ``Elementwise``, whose value and
derivative are the calculus table's (``chainrule.calculus.activations``): nothing here
defines an activation's gradient.
"""

from __future__ import annotations

import numpy as np

from chainrule.calculus.compile import gradient

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Power", "MatMul", "Exp", "Log", "Elementwise",
    "Maximum", "Sum", "Mean", "Reshape", "Transpose", "GetItem",
]


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
class Elementwise:
    """f(a) for an activation f of ``chainrule.calculus.activations``;  ∂/∂a = f′(a), its
    derivative as the table writes it (σ(a)(1 − σ(a)) in the output, 1 where a > 0 for a
    ReLU: the subgradient at the kink is the table's too)."""

    @staticmethod
    def forward(a, activation):
        out = activation.forward(a, activation.alpha)
        return out, (a, out, activation)

    @staticmethod
    def vjp(res, g):
        a, out, activation = res
        return (g * gradient(activation)(a, out),)


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
