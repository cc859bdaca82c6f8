"""``fit``'s epoch loop on the fused trainer.

``Sequential.fit`` calls :func:`run_epochs` when the model qualifies (see :func:`select`);
it leaves the weights, the optimizer's state and the logs as the general engine's loop
would. Two ways to drive the trainer:

- **in blocks** — when the only callbacks are ``History``, the progress display,
  ``TerminateOnNaN`` and at most one ``StopWhenCorrect``, and there is no validation data:
  many epochs per trainer call (the criterion is judged inside the compiled loop), then each
  epoch's logs are replayed to the callbacks. A per-epoch Python call would cost more than the
  whole epoch of a tiny network;
- **per epoch** — otherwise: one trainer call per epoch, then validation and every callback,
  exactly as the general loop does.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

import numpy as np

__all__ = ["run_epochs", "BLOCK_EXAMPLES"]

# a block holds about this many example visits: enough to amortise a trainer call on tiny
# data, small enough that the progress display still moves on larger data
BLOCK_EXAMPLES = 65_536
FIRST_BLOCK_EPOCHS = 64


def run_epochs(model: Any, trainer: Any, x: np.ndarray, y: np.ndarray,
               orders: Iterator[np.ndarray], batch_size: int, callbacks: Any,
               validation: tuple[np.ndarray, np.ndarray] | None) -> dict[str, float]:
    """Train on ``trainer`` over the epochs ``orders``; returns the last epoch's logs."""
    from chainrule.nn.callbacks import History, StopWhenCorrect, TerminateOnNaN
    from chainrule.nn.progress import ProgressBar

    metrics = model._metric_functions()  # computed by the trainer's blas loop
    members = list(callbacks.callbacks)
    judges = [cb for cb in members if type(cb) is StopWhenCorrect]
    replayable = (History, ProgressBar, StopWhenCorrect, TerminateOnNaN)
    plain = all(type(cb) in replayable for cb in members)
    if validation is None and plain and len(judges) <= 1:
        judge = judges[0] if judges else None
        replay = [cb for cb in members if cb is not judge]
        return _in_blocks(model, trainer, x, y, orders, batch_size, judge, replay, metrics)
    return _per_epoch(model, trainer, x, y, orders, batch_size, callbacks, validation, metrics)


def _logs(loss: float, metrics: list[Any], measured: np.ndarray) -> dict[str, float]:
    """``{"loss": …, metric name: …}`` in the general loop's order."""
    logs = {"loss": float(loss)}
    logs.update((metric.name, float(value)) for metric, value in zip(metrics, measured))
    return logs


def _in_blocks(model: Any, trainer: Any, x: np.ndarray, y: np.ndarray,
               orders: Iterator[np.ndarray], batch_size: int, judge: Any,
               replay: list[Any], metrics: list[Any]) -> dict[str, float]:
    logs: dict[str, float] = {}
    # blocks grow from a few epochs to BLOCK_EXAMPLES visits: a run that stops early (or is
    # short) stays in cheap calls, where the trainer may not even need its compiled loop
    largest = max(1, BLOCK_EXAMPLES // max(1, x.shape[0]))
    per_block = min(FIRST_BLOCK_EPOCHS, largest)
    epoch = 0
    while block := list(islice(orders, per_block)):
        per_block = min(2 * per_block, largest)
        losses, measured = trainer.run_logged(x, y, np.stack(block), batch_size,
                                              stop_when_correct=judge, metrics=metrics)
        for loss, values in zip(losses, measured):
            logs = _logs(loss, metrics, values)
            for cb in replay:
                cb.on_epoch_begin(epoch)
            for cb in replay:
                cb.on_epoch_end(epoch, logs)
            epoch += 1
            if model.stop_training:  # a replayed callback (a diverged loss) stops here
                return logs
        if len(losses) < len(block):  # every output correct: the judge's verdict
            judge.stopped_epoch = epoch - 1
            model.stop_training = True
            break
        if model.stop_training:
            break
    return logs


def _per_epoch(model: Any, trainer: Any, x: np.ndarray, y: np.ndarray,
               orders: Iterator[np.ndarray], batch_size: int, callbacks: Any,
               validation: tuple[np.ndarray, np.ndarray] | None,
               metrics: list[Any]) -> dict[str, float]:
    logs: dict[str, float] = {}
    for epoch, order in enumerate(orders):
        callbacks.on_epoch_begin(epoch)
        losses, measured = trainer.run_logged(x, y, order[None], batch_size, metrics=metrics)
        logs = _logs(losses[0], metrics, measured[0])
        if validation is not None:
            logs.update(model._evaluate_logs(*validation, prefix="val_"))
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    return logs
