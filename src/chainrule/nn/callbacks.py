"""Callbacks: hooks that ``fit`` calls at the start and end of training and of each epoch.

``fit`` calls, in this order, ``on_train_begin(logs)``, then per epoch
``on_epoch_begin(epoch, logs)`` and ``on_epoch_end(epoch, logs)`` (``epoch`` counts from 0;
``logs`` maps ``"loss"``, each metric and their ``"val_"`` twins to floats), and last
``on_train_end(logs)``. A callback stops training by setting ``self.model.stop_training``.

On the fused trainer, ``fit`` calls ``on_epoch_begin`` and ``on_epoch_end`` of a callback
that overrides them every epoch, as the general engine does (training one epoch a call);
when no callback does, the trainer runs many epochs a call and judges ``StopWhenCorrect``,
``EarlyStopping(monitor="loss")`` and ``TerminateOnNaN`` inside its loop, while ``History``
and the progress display take each block of epochs at once (``on_block_end``).

Before training each callback receives ``model`` (``set_model``), ``params``
(``epochs``, ``batch_size``, ``samples``, ``verbose``, ``metrics``) and ``training_data``,
the ``(x, y)`` arrays it trains on (after any validation split).

>>> history = History()
>>> history.on_train_begin()
>>> history.on_epoch_end(0, {"loss": 0.25})
>>> history.history
{'loss': [0.25]}
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from chainrule._util.display import html_table
from chainrule._util.text import counted
from chainrule.nn.hooks import Callback, CallbackList
from chainrule.nn.progress import ProgressBar

__all__ = [
    "Callback", "CallbackList", "History", "EarlyStopping", "StopWhenCorrect",
    "TerminateOnNaN", "ProgressBar",
]


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"][e]`` is epoch e's loss.

    Attributes:
        history: name → list of per-epoch values.
        epoch: the epoch indices recorded (from 0).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.history, self.epoch = {}, []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)

    def on_block_end(self, epochs: range, logs: dict[str, np.ndarray]) -> None:
        """Record the epochs ``epochs`` at once: ``logs[name][i]`` is epoch
        ``epochs[i]``'s value."""
        self.epoch.extend(epochs)
        for name, values in logs.items():
            self.history.setdefault(name, []).extend(values.tolist())

    # --- display: one line as text, a small table in a notebook -------------------------
    def _span(self) -> str:
        asked = self.params.get("epochs")
        ran = counted(len(self.epoch), "epoch")
        return f"{ran} of {asked}" if asked and asked != len(self.epoch) else ran

    def __repr__(self) -> str:
        ends = ", ".join(f"{name} {_number(v[0])} → {_number(v[-1])}"
                         for name, v in self.history.items() if v)
        return f"History({self._span()}{': ' + ends if ends else ''})"

    def _repr_html_(self) -> str:
        """Each recorded value's first, last and best epoch, as an escaped HTML table."""
        rows = []
        for name, values in self.history.items():
            if not values:
                continue
            best = _best(name, values)
            # a value recorded every epoch names its epoch; one recorded on some, its place
            epoch = self.epoch[best] + 1 if len(values) == len(self.epoch) else best + 1
            rows.append((name, _number(values[0]), _number(values[-1]),
                         f"{_number(values[best])} (epoch {epoch})"))
        return html_table(("", "first epoch", "last epoch", "best"), rows,
                          caption=f"History: {self._span()}")


def _number(value: float) -> str:
    return f"{value:.6g}"


def _best(name: str, values: list[float]) -> int:
    """The index of the best value: the largest for an accuracy, else the smallest; NaN
    never best."""
    finite = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
    if not finite:
        return len(values) - 1
    return (max if "acc" in name else min)(finite, key=lambda p: p[0])[1]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs in a row.

    Args:
        monitor: a log name, e.g. ``"val_loss"`` or ``"loss"``.
        patience: epochs without improvement to tolerate (0: stop at the first).
        min_delta: the smallest change that counts as an improvement.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, else min).
        restore_best_weights: at the end of training, set the weights of the best epoch.

    Attributes:
        stopped_epoch: the epoch (from 0) at which training stopped, or None.
        best: the best value seen.

    >>> EarlyStopping(monitor="loss", patience=3).patience
    3
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        super().__init__()
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an integer >= 0. Received: patience={patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}")
        self.monitor, self.patience = monitor, patience
        self.min_delta = abs(float(min_delta))
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch = 0, None
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch, self.best_weights = None, None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which is not logged. "
                f"Logged: {', '.join(logs) or 'nothing'}"
                + ("; pass validation_data or validation_split" if "val_" in self.monitor
                   else "")
            )
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class StopWhenCorrect(Callback):
    """Stop as soon as every training output is correct ("train till we get the correct
    output"), checked on the training data with the weights at the end of each epoch.

    Correct means, for every example and every output k:

    - with ``tolerance``: |y_k − t_k| ≤ tolerance;
    - else with a softmax output: argmax y = argmax t;
    - else y_k and t_k are on the same side of ``threshold``: by default 0.5, or 0 when the
      targets are bipolar (some t < 0).

    Attributes:
        stopped_epoch: the epoch (from 0) after which every output was correct, or None.

    >>> StopWhenCorrect(tolerance=0.1).tolerance
    0.1
    """

    def __init__(self, threshold: float | None = None, tolerance: float | None = None) -> None:
        super().__init__()
        if tolerance is not None and not float(tolerance) > 0:
            raise ValueError(f"tolerance must be > 0. Received: tolerance={tolerance!r}")
        self.threshold = None if threshold is None else float(threshold)
        self.tolerance = None if tolerance is None else float(tolerance)
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs=None):
        self.stopped_epoch = None

    def correct(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Per example, whether all its outputs are correct: (batch, K) → (batch,) bool.
        An output that is not finite (a diverged run) is never correct."""
        finite = np.all(np.isfinite(y_pred), axis=-1)
        if self.tolerance is not None:
            return finite & np.all(np.abs(y_pred - y_true) <= self.tolerance, axis=-1)
        if self.model is not None and self.model.layers[-1].activation == "softmax":
            return finite & (np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1))
        threshold = self.threshold
        if threshold is None:
            threshold = 0.0 if np.any(y_true < 0) else 0.5
        return finite & np.all((y_pred > threshold) == (y_true > threshold), axis=-1)

    def on_epoch_end(self, epoch, logs=None):
        if self.training_data is None:
            return
        x, y = self.training_data
        if np.all(self.correct(y, self.model.predict(x))):
            self.stopped_epoch = epoch
            self.model.stop_training = True


class TerminateOnNaN(Callback):
    """Stop training at the first epoch whose loss is not finite (the run diverged), with a
    ``RuntimeWarning`` that names the epoch. ``fit`` always adds one.

    Attributes:
        stopped_epoch: the epoch (from 0) whose loss was not finite, or None.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs=None):
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.stopped_epoch = epoch
            self.model.stop_training = True
            warnings.warn(
                f"training diverged: the loss is {loss} at epoch {epoch + 1}; "
                "try a smaller learning_rate", RuntimeWarning, stacklevel=2)
