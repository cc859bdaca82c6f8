"""Interop: explain the steps other frameworks take; hand models to them and back.

- ``explain(module, x, t, loss=..., optimizer=...)``: a PyTorch step, checked against
  PyTorch; ``explain("model.keras", x, t, ...)``: a Keras model's step;
- ``from_torch(module)`` / ``to_torch(model)``: chainrule ``Sequential`` ⇄ ``nn.Sequential``;
- ``export_onnx(model, path)`` / ``from_onnx(path)``: Dense stacks as ONNX graphs;
- ``load_keras(path)``: a Keras 3 ``.keras`` file of Dense layers, read without TensorFlow.

PyTorch, onnx, onnxruntime and h5py are optional (the extras ``torch``, ``onnx``,
``keras``) and imported only by the routes that need them.
"""

from __future__ import annotations

from chainrule.interop.convert import from_onnx, from_torch, to_torch
from chainrule.interop.dispatch import explain
from chainrule.interop.keras_files import load_keras
from chainrule.interop.onnx_graphs import export_onnx

__all__ = ["explain", "from_torch", "to_torch", "export_onnx", "from_onnx", "load_keras"]
