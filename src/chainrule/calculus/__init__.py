"""The ground floor: every activation, loss and optimizer defined once, as data.

- ``activations``: the activation table (value, derivative as a formula tree, definition);
- ``losses``: the loss table (per-output term, error signal, fused δ);
- ``optimizers``: the update rules of SGD (momentum, Nesterov) and Adam;
- ``formula``: the formula trees all of them are written in; ``evaluate`` and ``compile``
  turn a tree into numbers and into code.

Everything above reads this floor: the engine's ops, the fused training loops, the worked
solution's derivation, the problem generator and the slip rewrites. It imports NumPy only.
"""

from chainrule.calculus import activations, formula, losses, optimizers
from chainrule.calculus.activations import ACTIVATIONS, Activation
from chainrule.calculus.losses import LOSSES, Loss
from chainrule.calculus.optimizers import OPTIMIZERS

__all__ = [
    "ACTIVATIONS", "Activation", "LOSSES", "Loss", "OPTIMIZERS", "activations", "formula",
    "losses", "optimizers",
]
