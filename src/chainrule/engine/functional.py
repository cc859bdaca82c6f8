"""Composite functions built from primitive ops; they need no gradient of their own."""

from __future__ import annotations

from typing import Any

from chainrule.engine.fused import (
    log_softmax,
    sigmoid_binary_cross_entropy,
    softmax_cross_entropy,
)
from chainrule.engine.ops import exp, sigmoid, sub
from chainrule.engine.tensor import Tensor

__all__ = [
    "softmax", "log_softmax", "bipolar_sigmoid", "softmax_cross_entropy",
    "sigmoid_binary_cross_entropy",
]


def softmax(x: Any, axis: int = -1) -> Tensor:
    """softmax(x)_k = e^(x_k) / Σ_j e^(x_j), computed as exp(log_softmax(x)): no overflow."""
    return exp(log_softmax(x, axis=axis))


def bipolar_sigmoid(x: Any) -> Tensor:
    """f(x) = 2/(1 + e^−x) − 1 = tanh(x/2), with f′(x) = ½(1 + f(x))(1 − f(x))."""
    return sub(2 * sigmoid(x), 1.0)
