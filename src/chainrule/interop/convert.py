"""chainrule ``Sequential`` ⇄ PyTorch ``nn.Sequential``, and ONNX graphs in.

>>> import chainrule as cr
>>> model = cr.Sequential([cr.layers.Dense(1, activation="sigmoid", input_dim=2)], seed=0)
>>> back = from_torch(to_torch(model))
>>> bool((back.get_weights()[0] == model.get_weights()[0]).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule._util import files
from chainrule.interop import onnx_graphs, stack, torch_nets
from chainrule.nn.model import Sequential

__all__ = ["from_torch", "to_torch", "from_onnx"]


def from_torch(module: Any, dtype: str | None = None) -> Sequential:
    """A chainrule ``Sequential`` of ``Dense`` layers with ``module``'s weights.

    ``module``: an ``nn.Sequential`` of ``Linear`` layers, each followed by at most one of
    Sigmoid, Tanh, ReLU, LeakyReLU (slope 0.01), Softplus, Softmax (output only), Identity.
    ``kernel = weight.T``. ``dtype``: the model's; ``None``: the module's (float32 or
    float64).
    """
    read = torch_nets.read(module, "from_torch")
    return stack.to_model(read, dtype or _dtype(read))


def to_torch(model: Sequential, dtype: Any = None) -> Any:
    """An ``nn.Sequential`` of ``Linear`` layers and activation modules computing ``model``
    (``weight = kernel.T``), in the model's dtype unless ``dtype`` (a torch dtype) says
    otherwise."""
    return torch_nets.build(stack.from_model(model), "to_torch", dtype)


def from_onnx(path: Any, dtype: str | None = None) -> Sequential:
    """A chainrule ``Sequential`` from an ONNX file of a dense stack: ``Gemm`` or ``MatMul``
    (+ ``Add``) nodes, each followed by at most one activation node (Sigmoid, Tanh, Relu,
    LeakyRelu with alpha 0.01, Softplus, Softmax on the last axis, Identity)."""
    read = onnx_graphs.read(files.read_bytes(path, "data_bytes"), str(path))
    return stack.to_model(read, dtype or _dtype(read))


def _dtype(read: stack.Stack) -> str:
    return "float32" if read.layers[0][0].dtype == np.float32 else "float64"
