"""The update rules of the optimizers, each written once for arrays and floats alike.

With g the gradient, η the learning rate and t the step count (from 1):

- SGD: v ← μ·v − η·g, w ← w + v; Nesterov: w ← w + μ·v − η·g with the new v; with μ = 0
  this is w ← w − η·g. PyTorch keeps b ← μ·b + g, w ← w − η·b; for a constant η that is
  the same (v = −η·b).
- Adam (Kingma & Ba 2015, as PyTorch computes it): m ← β₁m + (1 − β₁)g,
  v ← β₂v + (1 − β₂)g², w ← w − η·(m/c₁)/(√(v/c₂) + ε), with the bias corrections
  c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ (``adam_corrections``).

The functions use arithmetic and ``np.sqrt`` only and return new values, so the same code
updates a whole array (the general engine's optimizers, the NumPy training loop), one float
(plain Python) and one float in a compiled loop (Numba compiles them as they are).

>>> sgd(1.0, 2.0, 0.0, 0.5, 0.0, False)
(0.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

__all__ = ["sgd", "adam", "adam_corrections", "OPTIMIZERS"]


def sgd(w, g, velocity, learning_rate, momentum, nesterov):
    """One SGD step: returns the new ``(w, velocity)``."""
    if momentum == 0.0:
        return w - learning_rate * g, velocity
    velocity = momentum * velocity - learning_rate * g
    if nesterov:
        return w + momentum * velocity - learning_rate * g, velocity
    return w + velocity, velocity


def adam(w, g, m, v, learning_rate, beta_1, beta_2, epsilon, c1, c2):
    """One Adam step with bias corrections ``c1``, ``c2``: returns the new ``(w, m, v)``."""
    m = beta_1 * m + (1.0 - beta_1) * g
    v = beta_2 * v + (1.0 - beta_2) * (g * g)
    return w - learning_rate * (m / c1) / (np.sqrt(v / c2) + epsilon), m, v


def adam_corrections(step, beta_1, beta_2):
    """Adam's ``(1 − β₁ᵗ, 1 − β₂ᵗ)`` for step ``t`` (counted from 1)."""
    return 1.0 - beta_1 ** float(step), 1.0 - beta_2 ** float(step)


#: name → update rule.
OPTIMIZERS: Mapping[str, object] = MappingProxyType({"sgd": sgd, "adam": adam})
