"""The fused trainer ``fit`` picks for Dense stacks: same math, no graph, many epochs a call.

``select(model, loss=..., optimizer=..., dtype=...)`` returns a ``Trainer`` for a model it
accepts (dense layers with sigmoid, bipolar_sigmoid, tanh, relu, leaky_relu or linear
activations, softmax on the last layer with categorical_crossentropy; losses half_sse, sse,
mse, binary_crossentropy on a sigmoid output, categorical_crossentropy; SGD with momentum or
Nesterov, or Adam; float64 or float32), and None for anything else.

``import chainrule.fast`` imports NumPy only; Numba is imported when a tiny network is first
trained.
"""

from __future__ import annotations

from chainrule.fast.select import select
from chainrule.fast.spec import ACTIVATIONS, LOSSES, LayerSpec, OptimizerSpec, Unsupported
from chainrule.fast.trainer import BACKENDS, Trainer

__all__ = ["select", "Trainer", "LayerSpec", "OptimizerSpec", "Unsupported", "ACTIVATIONS",
           "LOSSES", "BACKENDS"]
