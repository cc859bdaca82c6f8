"""Losses: ``loss(y_true, y_pred) -> per-example loss``.

Shapes: ``y_true`` and ``y_pred`` are ``(batch, outputs)``; the result is ``(batch,)``, one
loss per example. The training objective of a batch is the mean of these over the batch (for
online training, batch size 1, it is the per-example loss itself). With t the target and y
the output of one example, over its outputs k:

==============================  ===============================================
``half_sse``                    E = ½ Σ_k (t_k − y_k)²   (the blog's error)
``sse``                         E = Σ_k (t_k − y_k)²
``mse``                         E = (1/K) Σ_k (t_k − y_k)²   (Keras, PyTorch)
``binary_crossentropy``         E = (1/K) Σ_k −[t_k ln y_k + (1 − t_k) ln(1 − y_k)]
``categorical_crossentropy``    E = −Σ_k t_k ln y_k
==============================  ===============================================

The cross-entropies on probabilities clip ``y`` to ``[1e-7, 1 − 1e-7]`` first, as Keras does,
so an output of exactly 0 or 1 gives a large but finite loss and a finite gradient (the
gradient is 0 where the clip is active). ``categorical_crossentropy`` does not renormalise
``y`` (Keras divides by Σ_k y_k first; for a softmax output that is the same).

A model with a sigmoid output and ``binary_crossentropy``, or a softmax output and
``categorical_crossentropy``, never computes these: it calls :func:`fused`, which computes the
loss from the last layer's pre-activation ``z`` by the engine's stable fused ops.

>>> from chainrule.engine import Tensor
>>> half_sse(Tensor([[1.0, 0.0]]), Tensor([[0.5, 0.5]])).data  # ½(0.25 + 0.25)
array([0.25])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from chainrule.engine import fused as fused_ops
from chainrule.engine import ops
from chainrule.engine.tensor import Tensor

__all__ = [
    "LOSSES", "LossInfo", "EPSILON", "half_sse", "sse", "mse", "binary_crossentropy",
    "categorical_crossentropy", "get", "info", "name_of", "names", "fused",
]

#: The clip applied to probabilities inside a logarithm (Keras's ``backend.epsilon()``).
EPSILON = 1e-7

LossFunction = Callable[[Any, Any], Tensor]


def _squared_error(y_true: Any, y_pred: Any) -> Tensor:
    d = ops.sub(y_true, y_pred)
    return ops.mul(d, d)


def half_sse(y_true: Any, y_pred: Any) -> Tensor:
    """E = ½ Σ_k (t_k − y_k)² per example: (batch, K) → (batch,)."""
    return ops.mul(0.5, ops.sum(_squared_error(y_true, y_pred), axis=-1))


def sse(y_true: Any, y_pred: Any) -> Tensor:
    """E = Σ_k (t_k − y_k)² per example: (batch, K) → (batch,)."""
    return ops.sum(_squared_error(y_true, y_pred), axis=-1)


def mse(y_true: Any, y_pred: Any) -> Tensor:
    """E = (1/K) Σ_k (t_k − y_k)² per example: (batch, K) → (batch,)."""
    return ops.mean(_squared_error(y_true, y_pred), axis=-1)


def _clip(y: Any, low: float, high: float) -> Tensor:
    # min(y, high) = −max(−y, −high); the gradient is 0 where a bound is active
    return ops.maximum(ops.neg(ops.maximum(ops.neg(y), -high)), low)


def binary_crossentropy(y_true: Any, y_pred: Any) -> Tensor:
    """E = (1/K) Σ_k −[t_k ln y_k + (1 − t_k) ln(1 − y_k)], y clipped to [ε, 1 − ε], ε = 1e-7.

    Shapes: (batch, K) → (batch,).
    """
    y = _clip(y_pred, EPSILON, 1.0 - EPSILON)
    t = y_true if isinstance(y_true, Tensor) else Tensor(y_true, dtype=y.dtype)
    positive = ops.mul(t, ops.log(y))
    negative = ops.mul(ops.sub(1.0, t), ops.log(ops.sub(1.0, y)))
    return ops.neg(ops.mean(ops.add(positive, negative), axis=-1))


def categorical_crossentropy(y_true: Any, y_pred: Any) -> Tensor:
    """E = −Σ_k t_k ln y_k, y clipped to [ε, 1 − ε], ε = 1e-7. Shapes: (batch, K) → (batch,)."""
    y = _clip(y_pred, EPSILON, 1.0 - EPSILON)
    return ops.neg(ops.sum(ops.mul(y_true, ops.log(y)), axis=-1))


def _fused_bce(y_true: Any, logits: Any) -> Tensor:
    """binary_crossentropy(t, σ(z)) from the logits z, without clipping: (batch, K) → (batch,)."""
    return ops.mean(fused_ops.sigmoid_binary_cross_entropy(logits, y_true), axis=-1)


def _fused_cce(y_true: Any, logits: Any) -> Tensor:
    """categorical_crossentropy(t, softmax(z)) from the logits z: (batch, K) → (batch,)."""
    return fused_ops.softmax_cross_entropy(logits, y_true)


@dataclass(frozen=True)
class LossInfo:
    """One loss: its function, its formula as text, and its fused form if it has one."""

    name: str
    function: LossFunction
    formula: str
    fused_activation: str | None = None
    fused_function: LossFunction | None = None


LOSSES: MappingProxyType[str, LossInfo] = MappingProxyType({
    row.name: row
    for row in (
        LossInfo("half_sse", half_sse, "E = ½ Σ_k (t_k − y_k)²"),
        LossInfo("sse", sse, "E = Σ_k (t_k − y_k)²"),
        LossInfo("mse", mse, "E = (1/K) Σ_k (t_k − y_k)²"),
        LossInfo(
            "binary_crossentropy", binary_crossentropy,
            "E = −(1/K) Σ_k [t_k ln y_k + (1 − t_k) ln(1 − y_k)]", "sigmoid", _fused_bce,
        ),
        LossInfo(
            "categorical_crossentropy", categorical_crossentropy, "E = −Σ_k t_k ln y_k",
            "softmax", _fused_cce,
        ),
    )
})

_ALIASES = {"bce": "binary_crossentropy", "cce": "categorical_crossentropy"}


def names() -> list[str]:
    """The valid loss names, in table order."""
    return list(LOSSES)


def info(loss: str | LossFunction) -> LossInfo:
    """The table row of a loss given by name or as one of this module's functions.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if callable(loss):
        for row in LOSSES.values():
            if row.function is loss:
                return row
        raise ValueError(f"not one of chainrule's losses. Received: loss={loss!r}")
    key = _ALIASES.get(str(loss).lower(), str(loss).lower()) if isinstance(loss, str) else None
    if key not in LOSSES:
        raise ValueError(
            f"unknown loss. Received: loss={loss!r}; valid names: {', '.join(LOSSES)}"
        )
    return LOSSES[key]


def get(loss: str | LossFunction) -> LossFunction:
    """The loss function for a name; a callable is returned as it is (a custom loss).

    >>> get("mse") is mse
    True
    """
    if callable(loss):
        return loss
    return info(loss).function


def name_of(loss: str | LossFunction) -> str | None:
    """The table name of a loss, or ``None`` for a custom callable."""
    try:
        return info(loss).name
    except ValueError:
        if callable(loss):
            return None
        raise


def fused(loss: str | LossFunction, activation: str) -> LossFunction | None:
    """The stable ``f(y_true, z)`` computing ``loss(y_true, activation(z))`` from the
    pre-activation ``z``, or ``None`` if this pair has no fused form.

    >>> fused("binary_crossentropy", "sigmoid") is not None
    True
    """
    name = name_of(loss)
    if name is None:
        return None
    row = LOSSES[name]
    return row.fused_function if row.fused_activation == activation else None
