"""A stack of dense layers as plain arrays: the form every route reads into and writes from.

A ``Stack`` is what PyTorch's ``nn.Sequential`` of ``Linear`` layers, a Keras ``Sequential``
of ``Dense`` layers, an ONNX graph of ``Gemm`` (or ``MatMul`` + ``Add``) nodes and a chainrule
``Sequential`` have in common: per layer ``out = activation(x @ kernel + bias)`` with
``kernel`` (in, out) — Keras's and chainrule's layout; PyTorch's ``weight`` (out, in) is its
transpose.

>>> s = Stack(((np.ones((2, 1)), np.zeros(1), "sigmoid"),))
>>> s.sizes, s.activations, s.dtype
((2, 1), ('sigmoid',), 'float64')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.derive.network import sequential_layers

__all__ = ["Stack", "Layer", "from_model"]

#: (kernel (in, out), bias (out,) or None, activation name of chainrule's table)
Layer = tuple[np.ndarray, "np.ndarray | None", str]


@dataclass(frozen=True)
class Stack:
    """Dense layers, first layer first (arrays as read: float32 or float64)."""

    layers: tuple[Layer, ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.layers[0][0].shape[0],) + tuple(k.shape[1] for k, _, _ in self.layers)

    @property
    def activations(self) -> tuple[str, ...]:
        return tuple(act for _, _, act in self.layers)

    def with_output(self, activation: str) -> Stack:
        """The same stack with the last layer's activation replaced (a loss's own sigmoid
        or softmax written as the output layer's)."""
        *rest, (kernel, bias, _) = self.layers
        return Stack((*rest, (kernel, bias, activation)))

    @property
    def dtype(self) -> str:
        """``"float32"`` or ``"float64"``: the precision the layers were read in."""
        return "float32" if self.layers[0][0].dtype == np.float32 else "float64"


def from_model(model: Any) -> Stack:
    """The stack of a chainrule ``Sequential`` of ``Dense`` (and ``Activation``) layers,
    built first when its input width is known."""
    if getattr(model, "input_dim", None) is not None:
        model.build()
    layers = [(np.array(k), None if b is None else np.array(b), act)
              for k, b, act in sequential_layers(model, "converted")]
    if not layers:
        raise ValueError("the model has no layers to convert. Received: an empty Sequential")
    return Stack(tuple(layers))
