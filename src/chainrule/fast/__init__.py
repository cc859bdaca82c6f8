"""The fused trainer ``fit`` uses for Dense stacks: same math, no graph, many epochs a call.

``Trainer(holders, layers, loss=..., optimizer=..., dtype=...)`` trains plain data: parameter
arrays, ``LayerSpec`` per layer (dense layers with any elementwise activation of the calculus
table, softmax on the last layer with categorical_crossentropy),
a loss name (half_sse, sse, mse, binary_crossentropy on a sigmoid output,
categorical_crossentropy), an ``OptimizerSpec`` (SGD with momentum or Nesterov, or Adam);
float64 or float32. ``chainrule.nn.fused.select`` builds one from a model. Which loop trains
is stated in ``chainrule.fast.trainer``.

``import chainrule.fast`` imports NumPy only; Numba is imported when a loop is compiled.
"""

from __future__ import annotations

from chainrule.fast.spec import (
    ACTIVATIONS,
    LOSSES,
    LayerSpec,
    OptimizerSpec,
    StopRule,
    Unsupported,
    optimizer_spec,
)
from chainrule.fast.trainer import BACKENDS, Trainer, stop_rule

__all__ = ["Trainer", "LayerSpec", "OptimizerSpec", "StopRule", "Unsupported", "ACTIVATIONS",
           "LOSSES", "BACKENDS", "optimizer_spec", "stop_rule"]
