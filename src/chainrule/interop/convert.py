"""chainrule ``Sequential`` ⇄ PyTorch ``nn.Sequential``, and ONNX graphs in.

>>> import chainrule as cr
>>> model = cr.Sequential([cr.layers.Dense(1, activation="sigmoid", input_dim=2)], seed=0)
>>> back = from_torch(to_torch(model))
>>> bool((back.get_weights()[0] == model.get_weights()[0]).all())
True
"""

from __future__ import annotations

from typing import Any

from chainrule._util import files
from chainrule.interop import onnx_graphs, stack, torch_nets
from chainrule.interop.torch_nets import to_torch
from chainrule.nn.layers import Dense
from chainrule.nn.model import Sequential

__all__ = ["from_torch", "to_torch", "from_onnx", "to_model"]


def from_torch(module: Any, dtype: str | None = None) -> Sequential:
    """A chainrule ``Sequential`` of ``Dense`` layers with ``module``'s weights.

    ``module``: an ``nn.Sequential`` of ``Linear`` layers, each followed by at most one of
    Sigmoid, Tanh, ReLU, LeakyReLU (slope 0.01), Softplus, SiLU, Softmax (output only),
    Identity.
    ``kernel = weight.T``. ``dtype``: the model's; ``None``: the module's (float32 or
    float64).
    """
    read = torch_nets.read(module, "from_torch")
    return to_model(read, dtype or read.dtype)


def from_onnx(path: Any, dtype: str | None = None) -> Sequential:
    """A chainrule ``Sequential`` from an ONNX file of a dense stack: ``Gemm`` or ``MatMul``
    (+ ``Add``) nodes, each followed by at most one activation node (Sigmoid, Tanh, Relu,
    LeakyRelu with alpha 0.01, Softplus, Softmax on the last axis, Identity)."""
    read = onnx_graphs.read(files.read_bytes(path, "data_bytes"), str(path))
    return to_model(read, dtype or read.dtype)


def to_model(layers: stack.Stack, dtype: str = "float64") -> Sequential:
    """A built chainrule ``Sequential`` of ``Dense`` layers holding ``layers``' weights."""
    dense = [Dense(kernel.shape[1], activation=act, use_bias=bias is not None,
                   input_dim=kernel.shape[0] if number == 0 else None)
             for number, (kernel, bias, act) in enumerate(layers.layers)]
    model = Sequential(dense, dtype=dtype)
    model.build()
    model.set_weights([w for kernel, bias, _ in layers.layers
                       for w in ((kernel,) if bias is None else (kernel, bias))])
    return model
