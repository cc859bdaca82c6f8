"""The activation table: name → function on Tensors, with its formula and derivative as text.

Every function here is a call to engine ops; none defines a gradient. The text columns are
for documentation and worked solutions (scikit-learn keeps the same kind of table):

==================  ===========================  ==========================================
name                f(x)                         f′(x)
==================  ===========================  ==========================================
``sigmoid``         1 / (1 + e^−x)               f(x)(1 − f(x))
``bipolar_sigmoid`` 2 / (1 + e^−x) − 1           ½(1 + f(x))(1 − f(x))
``tanh``            (e^x − e^−x) / (e^x + e^−x)  1 − f(x)²
``relu``            max(x, 0)                    1 if x > 0 else 0 (0 at the kink x = 0)
``leaky_relu``      x if x > 0 else 0.01x        1 if x > 0 else 0.01
``linear``          x                            1
``softmax``         e^(x_k) / Σ_j e^(x_j)        ∂f_k/∂x_j = f_k(δ_kj − f_j)
==================  ===========================  ==========================================

>>> from chainrule.engine import Tensor
>>> get("sigmoid")(Tensor([0.0])).data
array([0.5])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from chainrule.engine import functional, ops
from chainrule.engine.tensor import Tensor

__all__ = [
    "ACTIVATIONS", "ActivationInfo", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu",
    "linear", "softmax", "get", "info", "names", "LEAKY_RELU_ALPHA",
]

#: The slope of ``leaky_relu`` for x ≤ 0: PyTorch's default (Keras 3 uses 0.2).
LEAKY_RELU_ALPHA = 0.01


def sigmoid(x: Any) -> Tensor:
    """σ(x) = 1 / (1 + e^−x), elementwise; any shape. Stable for |x| of any size."""
    return ops.sigmoid(x)


def bipolar_sigmoid(x: Any) -> Tensor:
    """f(x) = 2σ(x) − 1 = tanh(x/2), elementwise, with values in (−1, 1)."""
    return functional.bipolar_sigmoid(x)


def tanh(x: Any) -> Tensor:
    """tanh(x), elementwise."""
    return ops.tanh(x)


def relu(x: Any) -> Tensor:
    """max(x, 0), elementwise; the gradient at the kink x = 0 is 0 (as PyTorch and Keras)."""
    return ops.relu(x)


def leaky_relu(x: Any) -> Tensor:
    """x if x > 0 else 0.01·x, elementwise."""
    return ops.leaky_relu(x, alpha=LEAKY_RELU_ALPHA)


def linear(x: Any) -> Tensor:
    """The identity f(x) = x (Hagan's "purelin"); the input itself is returned."""
    return x if isinstance(x, Tensor) else Tensor(x)


def softmax(x: Any) -> Tensor:
    """softmax over the last axis: shape (batch, k) → (batch, k), rows summing to 1."""
    return functional.softmax(x, axis=-1)


@dataclass(frozen=True)
class ActivationInfo:
    """One row of the table: the function and its formulas as text."""

    name: str
    function: Callable[[Any], Tensor]
    formula: str
    derivative: str
    elementwise: bool = True


ACTIVATIONS: MappingProxyType[str, ActivationInfo] = MappingProxyType({
    row.name: row
    for row in (
        ActivationInfo("sigmoid", sigmoid, "f(x) = 1 / (1 + e^−x)", "f′(x) = f(x)(1 − f(x))"),
        ActivationInfo(
            "bipolar_sigmoid", bipolar_sigmoid, "f(x) = 2 / (1 + e^−x) − 1",
            "f′(x) = ½(1 + f(x))(1 − f(x))",
        ),
        ActivationInfo("tanh", tanh, "f(x) = (e^x − e^−x) / (e^x + e^−x)", "f′(x) = 1 − f(x)²"),
        ActivationInfo(
            "relu", relu, "f(x) = max(x, 0)", "f′(x) = 1 if x > 0 else 0 (0 at x = 0)",
        ),
        ActivationInfo(
            "leaky_relu", leaky_relu, "f(x) = x if x > 0 else 0.01x",
            "f′(x) = 1 if x > 0 else 0.01",
        ),
        ActivationInfo("linear", linear, "f(x) = x", "f′(x) = 1"),
        ActivationInfo(
            "softmax", softmax, "f(x)_k = e^(x_k) / Σ_j e^(x_j)",
            "∂f_k/∂x_j = f_k(δ_kj − f_j)", elementwise=False,
        ),
    )
})


def names() -> list[str]:
    """The valid activation names, in table order."""
    return list(ACTIVATIONS)


def info(name: str | Callable[[Any], Tensor] | None) -> ActivationInfo:
    """The table row for ``name`` (``None`` means ``"linear"``; a table function is its row).

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if callable(name):  # one of this table's own functions, e.g. activations.relu
        for row in ACTIVATIONS.values():
            if row.function is name:
                return row
    key = "linear" if name is None else name
    if not isinstance(key, str) or key.lower() not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation. Received: activation={name!r}; "
            f"valid names: {', '.join(ACTIVATIONS)}"
        )
    return ACTIVATIONS[key.lower()]


def get(name: str | Callable[[Any], Tensor] | None) -> Callable[[Any], Tensor]:
    """The activation function called ``name`` (``None`` means ``"linear"``).

    >>> get("relu").__name__
    'relu'
    """
    return info(name).function
