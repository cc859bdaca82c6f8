"""Activations as functions on Tensors: one per entry of the calculus table.

Each function here is ``chainrule.engine.functional.activation`` with one entry of
``chainrule.calculus.activations`` (softmax: over the last axis, through the engine's stable
log-softmax); the table holds the formulas and derivatives, and nothing here defines one.
``names()`` lists them in table order: a new entry of the table is a new function here.

>>> from chainrule.engine import Tensor
>>> get("sigmoid")(Tensor([0.0])).data
array([0.5])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.calculus import activations as table
from chainrule.calculus.activations import LEAKY_RELU_ALPHA, Activation
from chainrule.engine import functional
from chainrule.engine.tensor import Tensor

__all__ = ["get", "info", "names", "LEAKY_RELU_ALPHA", *table.names()]

ActivationFunction = Callable[[Any], Tensor]


def _function(entry: Activation) -> ActivationFunction:
    def apply(x: Any) -> Tensor:
        return functional.activation(x, entry)

    apply.__name__ = apply.__qualname__ = entry.name
    apply.__doc__ = f"The calculus table's ``{entry.name}``, elementwise on a Tensor."
    return apply


_FUNCTIONS: dict[str, ActivationFunction] = {
    name: _function(entry) for name, entry in table.ACTIVATIONS.items()}
globals().update(_FUNCTIONS)  # sigmoid, tanh, relu, … : importable by name


def names() -> list[str]:
    """The valid activation names, in table order."""
    return table.names()


def info(name: str | ActivationFunction | None) -> Activation:
    """The table entry for ``name`` (``None`` means ``"linear"``; one of this module's
    functions is its entry).

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if callable(name) and not isinstance(name, Activation):
        for key, function in _FUNCTIONS.items():
            if function is name:
                return table.ACTIVATIONS[key]
    return table.get(name)


def get(name: str | ActivationFunction | None) -> ActivationFunction:
    """The activation function called ``name`` (``None`` means ``"linear"``).

    >>> get("relu").__name__
    'relu'
    """
    return _FUNCTIONS[info(name).name]
