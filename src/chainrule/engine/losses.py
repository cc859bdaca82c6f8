"""A loss of the calculus table on Tensors: its formula evaluated by the engine's ops, so
that autodiff differentiates the very formula a worked solution prints.

``loss(entry, t, y)`` is the per-example loss ``(batch, K) → (batch,)``; probabilities are
clipped to ``[ε, 1 − ε]`` first where the entry says so (Keras's clip; the gradient is 0 where
it is active). ``fused(entry, activation)`` is the stable form from the pre-activation z for
the pairs the table fuses (a sigmoid with binary cross-entropy, a softmax with categorical
cross-entropy), or ``None``.

>>> from chainrule.calculus.losses import LOSSES
>>> loss(LOSSES["half_sse"], Tensor([[1.0, 0.0]]), Tensor([[0.5, 0.5]])).data
array([0.25])
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from chainrule.calculus.compile import function
from chainrule.calculus.losses import EPSILON, LOSSES, Loss
from chainrule.engine import functional as F
from chainrule.engine.tensor import Tensor

__all__ = ["loss", "fused", "clip", "term"]

_ENGINE = {"exp": F.exp, "log": F.log}


@cache
def term(name: str) -> Callable[[Any, Any], Tensor]:
    """The summand of loss ``name`` (the table's ``term``) as a function of Tensors t, y."""
    return function(LOSSES[name].term, ("t", "y"), _ENGINE)


def clip(y: Any, low: float, high: float) -> Tensor:
    """``y`` clipped to ``[low, high]``: min(y, high) = −max(−y, −high); the gradient is 0
    where a bound is active."""
    return F.maximum(F.neg(F.maximum(F.neg(y), -high)), low)


def loss(entry: Loss, y_true: Any, y_pred: Any) -> Tensor:
    """E per example: ``[−][½·] Σ_k term(t_k, y_k)`` or its mean over k (see the table)."""
    y = clip(y_pred, EPSILON, 1.0 - EPSILON) if entry.clip else y_pred
    if not isinstance(y, Tensor):
        y = Tensor(y)
    t = y_true if isinstance(y_true, Tensor) else Tensor(y_true, dtype=y.dtype)
    terms = term(entry.name)(t, y)
    total = F.mean(terms, axis=-1) if entry.mean else F.sum(terms, axis=-1)
    if entry.half:
        total = F.mul(0.5, total)
    return F.neg(total) if entry.negated else total


def _fused_bce(y_true: Any, logits: Any) -> Tensor:
    """binary_crossentropy(t, σ(z)) from the logits z, without clipping: (batch, K) → (batch,)."""
    return F.mean(F.sigmoid_binary_cross_entropy(logits, y_true), axis=-1)


def _fused_cce(y_true: Any, logits: Any) -> Tensor:
    """categorical_crossentropy(t, softmax(z)) from the logits z: (batch, K) → (batch,)."""
    return F.softmax_cross_entropy(logits, y_true)


# the engine's stable op for each pair the table fuses
_FUSED = {("binary_crossentropy", "sigmoid"): _fused_bce,
          ("categorical_crossentropy", "softmax"): _fused_cce}


def fused(entry: Loss, activation: str) -> Callable[[Any, Any], Tensor] | None:
    """``f(y_true, z)`` = ``loss(y_true, activation(z))`` from z, or ``None``."""
    if activation not in entry.fused:
        return None
    return _FUSED[(entry.name, activation)]
