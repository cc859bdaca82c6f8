"""The engine's functions on Tensors: each primitive op, the activations of the calculus table,
and composites built from primitives (which need no gradient of their own).

>>> from chainrule.engine import Tensor
>>> float(sigmoid(Tensor([0.0])).data[0])
0.5
"""

from __future__ import annotations

from typing import Any

from chainrule.calculus import activations
from chainrule.calculus.activations import Activation
from chainrule.calculus.activations import leaky_relu as _leaky_entry
from chainrule.engine import fused, ops
from chainrule.engine.tensor import Tensor, activate, apply, as_array

__all__ = [
    "add", "sub", "mul", "div", "neg", "power", "matmul", "exp", "log", "maximum", "sum",
    "mean", "reshape", "transpose", "getitem", "constant", "activate", "activation",
    "sigmoid", "tanh", "relu", "leaky_relu", "bipolar_sigmoid", "softmax", "log_softmax",
    "softmax_cross_entropy", "sigmoid_binary_cross_entropy",
]

log_softmax = fused.log_softmax
softmax_cross_entropy = fused.softmax_cross_entropy
sigmoid_binary_cross_entropy = fused.sigmoid_binary_cross_entropy


def add(a: Any, b: Any) -> Tensor:
    return apply(ops.Add, a, b)


def sub(a: Any, b: Any) -> Tensor:
    return apply(ops.Sub, a, b)


def mul(a: Any, b: Any) -> Tensor:
    return apply(ops.Mul, a, b)


def div(a: Any, b: Any) -> Tensor:
    return apply(ops.Div, a, b)


def neg(a: Any) -> Tensor:
    return apply(ops.Neg, a)


def power(a: Any, b: Any) -> Tensor:
    return apply(ops.Power, a, b)


def matmul(a: Any, b: Any) -> Tensor:
    return apply(ops.MatMul, a, b)


def exp(a: Any) -> Tensor:
    return apply(ops.Exp, a)


def log(a: Any) -> Tensor:
    return apply(ops.Log, a)


def maximum(a: Any, b: Any) -> Tensor:
    return apply(ops.Maximum, a, b)


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _tensor(a).sum(axis=axis, keepdims=keepdims)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _tensor(a).mean(axis=axis, keepdims=keepdims)


def reshape(a: Any, shape: Any) -> Tensor:
    return _tensor(a).reshape(shape)


def transpose(a: Any, axes: Any = None) -> Tensor:
    return _tensor(a).transpose(*(axes or ()))


def getitem(a: Any, index: Any) -> Tensor:
    return _tensor(a)[index]


def constant(x: Any, dtype: Any = None) -> Tensor:
    """A tensor that needs no gradient."""
    return Tensor(as_array(x, dtype))


def sigmoid(x: Any) -> Tensor:
    return activate(x, "sigmoid")


def tanh(x: Any) -> Tensor:
    return activate(x, "tanh")


def relu(x: Any) -> Tensor:
    return activate(x, "relu")


def leaky_relu(x: Any, alpha: float = 0.01) -> Tensor:
    return activate(x, _leaky_entry(alpha))


def bipolar_sigmoid(x: Any) -> Tensor:
    return activate(x, "bipolar_sigmoid")


def activation(x: Any, entry: Activation | str) -> Tensor:
    """Any activation of the calculus table on ``x`` (batch, units): elementwise, or
    softmax over the last axis; ``linear`` returns ``x`` itself."""
    entry = activations.get(entry)
    if entry.name == "linear":
        return _tensor(x)
    if not entry.elementwise:
        return softmax(x, axis=-1)
    return activate(x, entry)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """softmax(x)_k = e^(x_k) / Σ_j e^(x_j), computed as exp(log_softmax(x)): no overflow."""
    return exp(log_softmax(x, axis=axis))


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)
