"""``fit``'s epoch loop: on the general engine, or on the fused trainer in blocks of epochs.

The examples' order: ``rng = np.random.default_rng(seed)``; epoch by epoch,
``rng.permutation(n)`` when shuffling, else ``arange(n)`` (``Orders`` draws a block of
epochs in one call, the very same numbers).

On the fused trainer (``run_epochs``) there are two ways to train:

- **in blocks** — when no callback needs Python every epoch (``hooks.per_epoch``), at most
  one ``StopWhenCorrect`` and one ``EarlyStopping(monitor="loss")`` without
  ``restore_best_weights``, and no validation data: many epochs per trainer call; the
  trainer judges the stop rules inside its loop and returns every epoch's loss as an
  array, which ``History`` and the progress display take at once (``on_block_end``);
- **per epoch** — otherwise: one trainer call per epoch, then validation and every callback,
  exactly as the general loop does.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from chainrule.engine.tensor import no_grad
from chainrule.fast import StopRule, stop_rule
from chainrule.nn import metrics as metric_lib
from chainrule.nn.callbacks import EarlyStopping, StopWhenCorrect, TerminateOnNaN
from chainrule.nn.hooks import Callback, CallbackList, per_epoch
from chainrule.nn.progress import REDRAW_SECONDS, ProgressBar

__all__ = ["Orders", "run_epochs", "run_general", "callback_list", "train_epoch",
           "evaluate_logs", "first_block", "BLOCK_VISITS", "FIRST_BLOCK_WORK"]

# shuffled orders are drawn for at most this many example visits at once (8 MB of indices)
BLOCK_VISITS = 1 << 20
# a run that shows progress, or may stop early, starts with a block of about this many
# multiply-adds (at least one epoch): a few milliseconds compiled, ~0.2 s in plain Python,
# so the display starts soon and a run that stops early draws few orders it never uses
FIRST_BLOCK_WORK = 1_000_000

Validation = tuple[np.ndarray, np.ndarray]
# the callbacks the trainer judges inside its loop
JUDGED = (EarlyStopping, StopWhenCorrect, TerminateOnNaN)


class Orders:
    """Each epoch's order of the examples, ``take(k)`` epochs at a time: ``(k, n)`` rows of
    ``rng.permutation(n)`` when shuffling (one call for all k; ``rng`` made from ``seed`` on
    first use), else ``(1, n)``, ``arange(n)`` for every epoch."""

    def __init__(self, n: int, shuffle: bool, seed: int | None) -> None:
        self.n, self.shuffle, self.seed = n, bool(shuffle), seed
        self.rng: np.random.Generator | None = None
        self._same = np.arange(n)[None]

    def take(self, epochs: int) -> np.ndarray:
        if not self.shuffle:
            return self._same
        if self.rng is None:
            self.rng = np.random.default_rng(self.seed)
        block = np.tile(np.arange(self.n), (epochs, 1))
        return self.rng.permuted(block, axis=1, out=block)

    @property
    def most(self) -> int:
        """The most epochs one ``take`` should draw."""
        return max(1, BLOCK_VISITS // max(self.n, 1)) if self.shuffle else 1 << 62


def run_epochs(model: Any, trainer: Any, x: np.ndarray, y: np.ndarray, orders: Orders,
               epochs: int, batch_size: int, callbacks: CallbackList,
               validation: Validation | None) -> dict[str, float]:
    """Train on ``trainer`` for ``epochs`` epochs; returns the last epoch's logs. ``x`` and
    ``y`` are checked already (``Sequential._prepare``)."""
    metrics = model._metric_functions()  # computed by the trainer's blas loop
    members = callbacks.callbacks
    judges = [cb for cb in members if type(cb) is StopWhenCorrect]
    stoppers = [cb for cb in members if type(cb) is EarlyStopping]
    blocks = (validation is None and len(judges) <= 1 and len(stoppers) <= 1
              and all(cb.monitor == "loss" and not cb.restore_best_weights for cb in stoppers)
              and not any(per_epoch(cb) for cb in members if type(cb) not in JUDGED))
    if not blocks:
        return _per_epoch(model, trainer, x, y, orders, epochs, batch_size, callbacks,
                          validation, metrics)
    judge = judges[0] if judges else None
    stopper = stoppers[0] if stoppers else None
    stop = _stop_rule(judge, stopper, any(type(cb) is TerminateOnNaN for cb in members), y,
                      model.layers[-1].activation == "softmax")
    shown = [cb for cb in members if hasattr(cb, "on_block_end")]
    timed = any(type(cb) is ProgressBar and cb.verbose for cb in members)
    size = first_block(x.shape[0] * trainer.work_per_example) if (
        timed or (orders.shuffle and (judge or stopper))) else epochs
    done, logs = 0, {}
    while done < epochs and not model.stop_training:
        count = min(size, orders.most, epochs - done)
        started = time.monotonic()
        losses, measured = trainer.train(x, y, orders.take(count), count, batch_size, stop,
                                         metrics)
        columns = {"loss": losses}
        columns.update((m.name, measured[:, k]) for k, m in enumerate(metrics))
        ran = range(done, done + len(losses))
        logs = {name: float(values[-1]) for name, values in columns.items()}
        for cb in shown:
            cb.on_block_end(ran, columns)
        _verdicts(model, members, stop, judge, stopper, ran, logs)
        done += len(losses)
        # the rest at once, or (a progress display) blocks of about REDRAW_SECONDS at the
        # rate of the last block (its time includes the call's own, so never an overestimate)
        spent = max(time.monotonic() - started, 1e-6)
        size = int(count * REDRAW_SECONDS / spent) + 1 if timed else epochs
    return logs


def first_block(work_per_epoch: int) -> int:
    """Epochs of the first block of a run in blocks: ``FIRST_BLOCK_WORK`` multiply-adds'
    worth (``work_per_epoch``: examples × the network's multiply-adds an example), at least 1.

    >>> first_block(24), first_block(10**9)   # XOR 2-2-1 (4 × 6), an MLP epoch
    (41666, 1)
    """
    return max(1, FIRST_BLOCK_WORK // max(work_per_epoch, 1))


def _stop_rule(judge: Any, stopper: Any, on_nan: bool, y: np.ndarray,
               softmax: bool) -> StopRule:
    """The trainer's stop rule for these callbacks, with their state at the start."""
    mode, value = stop_rule(judge, y, softmax)
    stop = StopRule(mode, value, on_nan=on_nan)
    if stopper is not None:
        stop.patience, stop.min_delta = stopper.patience, stopper.min_delta
        stop.sign = 1.0 if stopper.mode == "min" else -1.0
        stop.best, stop.wait = stop.sign * stopper.best, stopper.wait
    return stop


def _verdicts(model: Any, members: list[Callback], stop: StopRule, judge: Any, stopper: Any,
              ran: range, logs: dict[str, float]) -> None:
    """Leave the stop callbacks as they would be after the epochs ``ran`` one by one."""
    last = ran[-1]
    if stopper is not None:
        stopper.best, stopper.wait = stop.sign * stop.best, stop.wait
        if stop.best_epoch >= 0:
            stopper.best_epoch = ran[0] + stop.best_epoch
        if stop.wait >= stopper.patience:
            stopper.stopped_epoch = last
            model.stop_training = True
    if judge is not None and stop.correct:
        judge.stopped_epoch = last
        model.stop_training = True
    for cb in members:
        if type(cb) is TerminateOnNaN:  # only a block's last loss can be the first not finite
            cb.on_epoch_end(last, logs)


def _per_epoch(model: Any, trainer: Any, x: np.ndarray, y: np.ndarray, orders: Orders,
               epochs: int, batch_size: int, callbacks: CallbackList,
               validation: Validation | None, metrics: list[Any]) -> dict[str, float]:
    logs: dict[str, float] = {}
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        losses, measured = trainer.train(x, y, orders.take(1), 1, batch_size, StopRule(),
                                         metrics)
        logs = {"loss": float(losses[0])}
        logs.update((metric.name, float(value)) for metric, value in zip(metrics, measured[0]))
        if validation is not None:
            logs.update(evaluate_logs(model, *validation, prefix="val_"))
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    return logs


def run_general(model: Any, x: np.ndarray, y: np.ndarray, orders: Orders, epochs: int,
                batch_size: int, callbacks: CallbackList,
                validation: Validation | None) -> dict[str, float]:
    """The general engine's epoch loop: for each epoch, train, validate, call back, and stop
    when a callback sets ``stop_training``. Returns the last epoch's logs."""
    logs: dict[str, float] = {}
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        logs = train_epoch(model, x, y, orders.take(1)[0], batch_size)
        if validation is not None:
            logs.update(evaluate_logs(model, *validation, prefix="val_"))
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    return logs


def callback_list(model: Any, callbacks: list[Callback], verbose: int, x: np.ndarray,
                  y: np.ndarray, params: dict[str, Any]) -> CallbackList:
    """The callbacks, ``TerminateOnNaN`` and a progress display appended unless one is there
    (none with verbose=0), each given the model, ``params`` and the training data."""
    if not any(isinstance(c, TerminateOnNaN) for c in callbacks):
        callbacks = [*callbacks, TerminateOnNaN()]
    if verbose and not any(isinstance(c, ProgressBar) for c in callbacks):
        callbacks = [*callbacks, ProgressBar(verbose)]
    listed = CallbackList(callbacks)
    listed.set_model(model)
    listed.set_params(params)
    listed.set_training_data(x, y)
    return listed


def train_epoch(model: Any, x: np.ndarray, y: np.ndarray, order: np.ndarray,
                batch_size: int) -> dict[str, float]:
    """One pass on the general engine: an update per batch ``order[i : i + batch_size]``;
    returns the mean per-example loss and metrics of the forward passes (each before its
    update)."""
    metric_functions = model._metric_functions()
    totals = np.zeros(1 + len(metric_functions))
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        xb, yb = x[index], y[index]
        per_example, out = model._step(xb, yb, need_outputs=bool(metric_functions))
        totals += _batch_totals(metric_functions, per_example, yb, out)
    return _logs(metric_functions, totals, len(order))


def evaluate_logs(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int | None = None,
                  prefix: str = "") -> dict[str, float]:
    """The mean per-example loss and metrics over ``(x, y)``, without training."""
    metric_functions = model._metric_functions()
    size = batch_size or x.shape[0]
    totals = np.zeros(1 + len(metric_functions))
    with no_grad():
        for start in range(0, x.shape[0], size):
            xb, yb = x[start:start + size], y[start:start + size]
            per_example, out = model._losses_and_outputs(xb, yb, bool(metric_functions))
            totals += _batch_totals(metric_functions, per_example.data, yb, out)
    return _logs(metric_functions, totals, x.shape[0], prefix)


def _batch_totals(metric_functions: list[metric_lib.Metric], per_example: np.ndarray,
                  y: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """[Σ loss, Σ metric_1, …] over one batch's examples."""
    sums = [float(per_example.sum())]
    sums += [float(metric(y, out).sum()) for metric in metric_functions]
    return np.array(sums)


def _logs(metric_functions: list[metric_lib.Metric], totals: np.ndarray, n: int,
          prefix: str = "") -> dict[str, float]:
    """Per-example means from batch totals: ``{"loss": …, metric name: …}``."""
    names = ["loss", *(metric.name for metric in metric_functions)]
    return {prefix + name: float(total) / n for name, total in zip(names, totals)}
