"""PyTorch ``nn.Sequential`` of ``Linear`` layers and activations ⇄ a ``Stack``.

PyTorch's ``Linear`` keeps ``weight`` (out, in) and computes ``x @ weight.T + bias``; the
stack's kernel (in, out) is ``weight.T``. An activation module after a ``Linear`` becomes that
layer's activation; ``Identity`` is skipped; a ``Linear`` with none is linear.

>>> import torch
>>> module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
>>> read(module).activations
('tanh', 'linear')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.calculus.activations import LEAKY_RELU_ALPHA
from chainrule.interop._optional import require
from chainrule.interop.stack import Stack, from_model

__all__ = ["read", "layer_modules", "stack_of", "build", "is_torch_module", "activation_modules",
           "TORCH_ACTIVATIONS"]

#: PyTorch module class name → chainrule activation
TORCH_ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu",
                     "LeakyReLU": "leaky_relu", "Softmax": "softmax", "Softplus": "softplus",
                     "SiLU": "silu"}


def is_torch_module(value: Any) -> bool:
    """Whether ``value`` is a ``torch.nn.Module``, told without importing torch."""
    return any(cls.__module__.startswith("torch.nn") and cls.__name__ == "Module"
               for cls in type(value).__mro__)


def read(module: Any, feature: str = "from_torch") -> Stack:
    """The stack of ``module``: an ``nn.Sequential`` of ``Linear`` layers and activations."""
    return stack_of(layer_modules(module, feature))


def stack_of(modules: list[tuple[Any, Any, str]]) -> Stack:
    """The stack of a module's ``layer_modules``."""
    layers = []
    for linear, _, act in modules:
        weight = linear.weight.detach().cpu().numpy()
        bias = None if linear.bias is None else linear.bias.detach().cpu().numpy().copy()
        layers.append((weight.T.copy(), bias, act))
    for kernel, _, act in layers[:-1]:
        if act == "softmax":
            raise ValueError("Softmax is read at the output only. Received: a Softmax after "
                             f"a hidden Linear of {kernel.shape[1]} units")
    return Stack(tuple(layers))


def layer_modules(module: Any, feature: str = "from_torch") -> list[tuple[Any, Any, str]]:
    """Per layer of ``module`` (an ``nn.Sequential``): its ``Linear``, the activation
    module after it (``None`` for none) and that activation's chainrule name."""
    torch = require("torch", feature)
    if not isinstance(module, torch.nn.Sequential):
        raise ValueError(f"{feature} reads a torch.nn.Sequential of Linear layers and "
                         f"activations. Received: {type(module).__name__}")
    layers: list[tuple[Any, Any, str]] = []
    for name, child in module.named_children():
        kind = type(child).__name__
        if isinstance(child, torch.nn.Linear):
            layers.append((child, None, "linear"))
        elif isinstance(child, torch.nn.Identity):
            continue
        elif kind in TORCH_ACTIVATIONS and layers and layers[-1][1] is None:
            layers[-1] = (layers[-1][0], child, _activation(child, name, kind))
        elif kind in TORCH_ACTIVATIONS:
            raise ValueError(f"layer {name} ({kind}) must follow a Linear layer. Received: "
                             f"{_listing(module)}")
        else:
            raise ValueError(f"layer {name} ({kind}) is not a Linear layer or an elementwise "
                             f"activation ({', '.join(TORCH_ACTIVATIONS)}, Identity)")
    if not layers:
        raise ValueError(f"the module has no Linear layer. Received: {_listing(module)}")
    return layers


def _activation(child: Any, name: str, kind: str) -> str:
    if kind == "LeakyReLU" and child.negative_slope != LEAKY_RELU_ALPHA:
        raise ValueError(f"layer {name}: LeakyReLU is read with negative_slope "
                         f"{LEAKY_RELU_ALPHA} only. Received: negative_slope="
                         f"{child.negative_slope!r}")
    if kind == "Softmax" and child.dim not in (-1, 1):
        raise ValueError(f"layer {name}: Softmax is read over the units (dim=-1 or 1). "
                         f"Received: dim={child.dim!r}")
    if kind == "Softplus" and (child.beta != 1 or child.threshold != 20):
        raise ValueError(f"layer {name}: Softplus is read with beta=1 only. Received: "
                         f"beta={child.beta!r}")
    return TORCH_ACTIVATIONS[kind]


def _listing(module: Any) -> str:
    return ", ".join(type(child).__name__ for child in module.children()) or "no layers"


def activation_modules(act: str, feature: str = "to_torch") -> list[Any]:
    """The PyTorch modules computing chainrule activation ``act`` (none for linear)."""
    torch = require("torch", feature)
    made = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
            "softplus": torch.nn.Softplus, "silu": torch.nn.SiLU,
            "leaky_relu": lambda: torch.nn.LeakyReLU(LEAKY_RELU_ALPHA),
            "softmax": lambda: torch.nn.Softmax(dim=-1)}
    if act == "linear":
        return []
    if act not in made:
        raise ValueError(f"PyTorch has no module for activation {act!r}; convertible: "
                         f"linear, {', '.join(made)}")
    return [made[act]()]


def build(stack: Stack, feature: str = "to_torch", dtype: Any = None) -> Any:
    """An ``nn.Sequential`` computing ``stack`` (float64 unless the arrays or ``dtype``
    say otherwise)."""
    torch = require("torch", feature)
    if dtype is None:
        dtype = getattr(torch, stack.dtype)
    modules: list[Any] = []
    for kernel, bias, act in stack.layers:
        linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1], bias=bias is not None,
                                 dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            if bias is not None:
                linear.bias.copy_(torch.from_numpy(np.asarray(bias)))
        modules += [linear, *activation_modules(act, feature)]
    return torch.nn.Sequential(*modules)


def to_torch(model: Any, dtype: Any = None) -> Any:
    """An ``nn.Sequential`` of ``Linear`` layers and activation modules computing ``model``
    (``weight = kernel.T``), in the model's dtype unless ``dtype`` (a torch dtype) says
    otherwise."""
    return build(from_model(model), "to_torch", dtype)
