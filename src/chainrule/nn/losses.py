"""Losses as functions on Tensors: ``loss(y_true, y_pred) -> per-example loss``.

Shapes: ``y_true`` and ``y_pred`` are ``(batch, outputs)``; the result is ``(batch,)``, one
loss per example. The training objective of a batch is the mean of these over the batch (for
online training, batch size 1, it is the per-example loss itself).

Each function is an entry of ``chainrule.calculus.losses`` evaluated on Tensors by
``chainrule.engine.losses``, so autodiff differentiates the very formula the worked solution
prints. The cross-entropies on probabilities clip ``y`` to ``[1e-7, 1 − 1e-7]`` first, as
Keras does (the gradient is 0 where the clip is active). ``categorical_crossentropy`` does not
renormalise ``y`` (Keras divides by Σ_k y_k first; for a softmax output that is the same).

A model with a sigmoid output and ``binary_crossentropy``, or a softmax output and
``categorical_crossentropy``, never computes these: it calls :func:`fused`, which computes the
loss from the last layer's pre-activation ``z`` by the engine's stable fused ops.

>>> from chainrule.engine import Tensor
>>> half_sse(Tensor([[1.0, 0.0]]), Tensor([[0.5, 0.5]])).data  # ½(0.25 + 0.25)
array([0.25])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.calculus import losses as table
from chainrule.calculus.losses import EPSILON, Loss
from chainrule.engine import losses as engine_losses
from chainrule.engine.tensor import Tensor

__all__ = ["EPSILON", "get", "info", "name_of", "names", "fused", *table.names()]

LossFunction = Callable[[Any, Any], Tensor]


def _function(entry: Loss) -> LossFunction:
    def loss(y_true: Any, y_pred: Any) -> Tensor:
        return engine_losses.loss(entry, y_true, y_pred)

    loss.__name__ = loss.__qualname__ = entry.name
    loss.__doc__ = f"{entry.text} (the calculus table's ``{entry.name}``): (batch, K) → (batch,)."
    return loss


_FUNCTIONS: dict[str, LossFunction] = {
    name: _function(entry) for name, entry in table.LOSSES.items()}
globals().update(_FUNCTIONS)  # half_sse, sse, mse, … : importable by name


def names() -> list[str]:
    """The valid loss names, in table order."""
    return table.names()


def info(loss: str | LossFunction) -> Loss:
    """The table entry of a loss given by name or as one of this module's functions.

    Raises:
        ValueError: for an unknown name or another callable; the message lists the names.
    """
    if callable(loss):
        for name, f in _FUNCTIONS.items():
            if f is loss:
                return table.LOSSES[name]
        raise ValueError(f"not one of chainrule's losses. Received: loss={loss!r}")
    return table.get(loss)


def get(loss: str | LossFunction) -> LossFunction:
    """The loss function for a name; a callable is returned as it is (a custom loss).

    >>> get("mse").__name__
    'mse'
    """
    if callable(loss):
        return loss
    return _FUNCTIONS[info(loss).name]


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
    return None if name is None else engine_losses.fused(table.LOSSES[name], activation)
