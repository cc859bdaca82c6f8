"""``Callback``, the hooks ``fit`` calls, and ``CallbackList``: several called as one.

``chainrule.nn.callbacks`` documents when each hook is called; the built-in callbacks live
there and in ``chainrule.nn.progress``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Callback", "CallbackList", "per_epoch"]


class Callback:
    """Base class: every hook does nothing."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}
        self.training_data: tuple[np.ndarray, np.ndarray] | None = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        pass

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        pass

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        pass


class CallbackList(Callback):
    """Several callbacks called in order, as one."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        super().__init__()
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(
                    f"callbacks must be Callback instances. Received: {type(cb).__name__}"
                )

    def set_model(self, model: Any) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.set_params(params)

    def set_training_data(self, x: np.ndarray, y: np.ndarray) -> None:
        for cb in self.callbacks:
            cb.training_data = (x, y)

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)


def per_epoch(callback: Callback) -> bool:
    """Whether ``callback`` needs a call every epoch: its class overrides ``on_epoch_begin``
    or ``on_epoch_end``, and not in the class that gives it an ``on_block_end`` (the built-in
    callbacks that record or show epochs take a block of epochs at once, as arrays)."""
    kind = type(callback)
    block = getattr(kind, "on_block_end", None)
    owner = block.__qualname__.rsplit(".", 1)[0] if block is not None else None
    for name in ("on_epoch_begin", "on_epoch_end"):
        method = getattr(kind, name)
        if method is not getattr(Callback, name) and \
                method.__qualname__.rsplit(".", 1)[0] != owner:
            return True
    return False
