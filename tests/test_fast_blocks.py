"""``fit`` in blocks of epochs: how many trainer calls a run takes, and how often the live
bar is redrawn, on a fake clock (no test here measures real time)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest

import chainrule as cr
from chainrule.fast import Trainer
from chainrule.layers import Dense
from chainrule.nn import progress, training

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])
EPOCH_SECONDS = 0.003  # the fake clock's time for one epoch of training


def xor_model(seed: int = 0) -> cr.Sequential:
    model = cr.Sequential([Dense(2, activation="sigmoid", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=seed)
    model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(0.5))
    return model


@pytest.fixture
def calls(monkeypatch):
    """Each trainer call's epochs; with ``calls.clock``, a fake clock that the calls advance
    by ``EPOCH_SECONDS`` an epoch trained (read by the block loop and the display)."""
    ran: list[int] = []
    clock = [0.0]
    real = Trainer.train

    def train(self, x, y, orders, epochs, *args, **kwargs):
        losses, measured = real(self, x, y, orders, epochs, *args, **kwargs)
        ran.append(len(losses))
        clock[0] += EPOCH_SECONDS * len(losses)
        return losses, measured

    monkeypatch.setattr(Trainer, "train", train)
    fake = SimpleNamespace(monotonic=lambda: clock[0])
    monkeypatch.setattr(training, "time", fake)
    monkeypatch.setattr(progress, "time", fake)
    return SimpleNamespace(epochs=ran, clock=clock)


class Terminal(io.StringIO):
    """A terminal that notes the fake clock at every redraw of the bar."""

    def __init__(self, clock: list[float]) -> None:
        super().__init__()
        self.clock, self.draws = clock, []

    def isatty(self):
        return True

    def write(self, text):
        if text.startswith("\r"):
            self.draws.append((self.clock[0], text))
        return super().write(text)


def test_the_live_bar_is_redrawn_at_most_every_tenth_of_a_second(monkeypatch, calls):
    """1,000 epochs of 3 ms: blocks of about 0.1 s from the first epoch's rate, the bar drawn
    after the first and then at least 0.1 s apart, the last epoch drawn at the end."""
    monkeypatch.setattr(training, "FIRST_BLOCK_WORK", 1)  # a first block of one epoch
    screen = Terminal(calls.clock)
    xor_model().fit(X, Y, epochs=1000, batch_size=1, verbose=1,
                    callbacks=[cr.callbacks.ProgressBar(stream=screen)])
    times = [at for at, _ in screen.draws]
    assert calls.epochs[0] == 1 and sum(calls.epochs) == 1000
    # 0.1 s at 3 ms an epoch: 34 epochs a block (33 would be 0.099 s)
    assert set(calls.epochs[1:-1]) == {34}
    gaps = np.diff(times[:-1])
    assert gaps.min() >= progress.REDRAW_SECONDS - 1e-12 and gaps.max() <= 0.2
    training_seconds = 1000 * EPOCH_SECONDS
    assert len(times) <= training_seconds / progress.REDRAW_SECONDS + 1
    assert screen.draws[-1][1].startswith("\rEpoch 1000/1000 [=")
    assert screen.getvalue().endswith("\n")


def test_a_slower_block_makes_the_next_one_shorter(monkeypatch, calls):
    """The next block is sized at the last one's rate: 10× slower epochs, 10× fewer."""
    monkeypatch.setattr(training, "FIRST_BLOCK_WORK", 1)
    slow = [True]
    real = Trainer.train

    def train(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        if slow[0]:  # the first call also pays, say, a compilation: 9 epochs' time more
            calls.clock[0] += 9 * EPOCH_SECONDS * len(result[0])
            slow[0] = False
        return result

    monkeypatch.setattr(Trainer, "train", train)
    xor_model().fit(X, Y, epochs=200, batch_size=1, verbose=1,
                    callbacks=[cr.callbacks.ProgressBar(stream=Terminal(calls.clock))])
    # first block 1 epoch in 30 ms: next 4 epochs (0.1 / 0.03 + 1), then 34 a block
    assert calls.epochs[:3] == [1, 4, 34]


@pytest.mark.parametrize("verbose", [1, 2])
def test_a_short_run_shown_in_lines_trains_in_one_call(capsys, calls, verbose):
    """Lines to a pipe depend on no clock: a run of fewer than FIRST_BLOCK_WORK
    multiply-adds (XOR: 41,666 epochs) takes one trainer call and prints its lines."""
    epochs = 2000
    assert epochs * 4 * 6 < training.FIRST_BLOCK_WORK
    xor_model().fit(X, Y, epochs=epochs, batch_size=1, verbose=verbose)
    assert calls.epochs == [epochs]
    numbers = [int(line.split()[1].split("/")[0]) for line in
               capsys.readouterr().out.splitlines()]
    assert numbers == [1, *range(20, 2001, 20)]


def test_a_shuffled_run_that_may_stop_starts_with_a_block_of_bounded_work(monkeypatch,
                                                                         calls):
    """Shuffled orders are drawn a block at a time: a run that may stop early draws its
    first FIRST_BLOCK_WORK multiply-adds' worth (here 2,400: 100 XOR epochs), then the
    rest; a run that cannot stop early, all at once."""
    monkeypatch.setattr(training, "FIRST_BLOCK_WORK", 2400)
    patient = cr.callbacks.EarlyStopping(monitor="loss", patience=10**6)
    history = xor_model().fit(X, Y, epochs=1000, batch_size=1, verbose=0, seed=0,
                              callbacks=[patient])
    assert calls.epochs == [100, 900] and len(history.epoch) == 1000
    xor_model().fit(X, Y, epochs=1000, batch_size=1, verbose=0, seed=0)
    assert calls.epochs[2:] == [1000]


def test_first_block():
    assert training.first_block(24) == 41_666
    assert training.first_block(10**9) == 1 and training.first_block(0) == 10**6


class FirstWrong(cr.callbacks.Callback):
    """On the general engine: the examples that fail ``StopWhenCorrect``'s rule after each
    epoch (the rule as the callback states it, on the model's own forward pass)."""

    def __init__(self):
        super().__init__()
        self.wrong = []

    def on_epoch_end(self, epoch, logs=None):
        x, y = self.training_data
        out = self.model.predict(x)
        self.wrong.append(tuple(np.nonzero(((out > 0.5) != (y > 0.5)).any(axis=1))[0]))


@pytest.mark.parametrize("loop", ["compiled", "python"])
@pytest.mark.parametrize(("width", "batch", "rate", "seed"), [(8, 5, 1.0, 0), (3, 1, 0.5, 1)])
def test_the_check_of_correctness_stops_at_the_general_engines_epoch(monkeypatch, loop, width,
                                                                    batch, rate, seed):
    """The loops check every example after each epoch starting at the one that failed last:
    the stopping epoch and weights are the general engine's, also when the examples that
    fail change from epoch to epoch (2-8-1: the flat loop, batches of 5 wrapping around 24
    examples; 2-3-1: the written-out loop, online)."""
    from chainrule.nn import fused
    from chainrule.nn import model as model_module

    def select(*args, **kwargs):
        trainer = fused.select(*args, **kwargs)
        trainer.backend = loop
        return trainer

    monkeypatch.setattr(model_module, "select", select)
    x, y = cr.datasets.moons(n=24, noise=0.1, seed=4)
    results, watcher = [], FirstWrong()
    for fast in (True, False):
        model = cr.Sequential([Dense(width, activation="tanh", input_dim=2),
                               Dense(1, activation="sigmoid")], seed=seed)
        model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.SGD(rate),
                      fast=fast)
        judge = cr.callbacks.StopWhenCorrect()
        callbacks = [judge] if fast else [watcher, judge]
        history = model.fit(x, y, epochs=1000, batch_size=batch, verbose=0, seed=1,
                            callbacks=callbacks)
        results.append((len(history.epoch), judge.stopped_epoch, model.get_weights()))
    (epochs, stopped, weights), (general_epochs, general_stopped, general_weights) = results
    assert epochs == general_epochs < 1000 and stopped == general_stopped
    for a, b in zip(weights, general_weights):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    firsts = {wrong[0] for wrong in watcher.wrong[:-1]}
    assert len(firsts) >= 2 and watcher.wrong[-1] == ()  # the failing examples moved


@pytest.mark.parametrize(("backend", "dtype"), [
    ("compiled", "float64"), ("compiled", "float32"), ("python", "float64")])
@pytest.mark.parametrize("batch", [1, 2])
def test_the_check_of_correctness_looks_at_every_example(backend, dtype, batch):
    """Weights that never move (learning rate 0) and one example wrong: the run never stops,
    wherever that example is; none wrong: it stops after the first epoch (the written-out
    loop in float64, the flat one in float32)."""
    x = np.ones((5, 1), dtype)
    for wrong in (None, 0, 1, 2, 3, 4):
        t = np.ones((5, 1), dtype)  # σ(1·1 + 0) = 0.73: on the side of 1, wrong where t is 0
        if wrong is not None:
            t[wrong] = 0.0
        layer = (np.ones((1, 1), dtype), np.zeros(1, dtype), "sigmoid")
        trainer = Trainer.from_arrays([layer], loss="half_sse", optimizer=("sgd", 0.0),
                                      backend=backend)
        losses = trainer.run(x, t, np.tile(np.arange(5), (3, 1)), batch,
                             stop_when_correct=cr.callbacks.StopWhenCorrect())
        assert len(losses) == (1 if wrong is None else 3), wrong


def test_a_blocks_lines_are_the_per_epoch_lines_for_any_values():
    """The block's lines (one %-template a line) are ``format_logs``'s text epoch by epoch:
    small values in scientific notation, zeros, signs, NaN and infinities, a % in a name."""
    rng = np.random.default_rng(0)
    values = np.array([0.0, -0.0, 1e-5, -3e-4, 0.5, 123.456, np.nan, np.inf, -np.inf, 1e-3,
                       9.99999e-4, 1.23456789, -2.5])
    for _ in range(200):
        n, first = int(rng.integers(1, 40)), int(rng.integers(0, 50))
        names = ["loss", "hit%", "val_loss"][:int(rng.integers(1, 4))]
        logs = {name: rng.choice(values, n) * (rng.random(n) if rng.random() < 0.5 else 1.0)
                for name in names}
        numbers = sorted(set(rng.integers(first + 1, first + n + 1, size=5).tolist()))
        expected = "".join(
            f"Epoch {k}/999" + progress.format_logs(
                {name: float(column[k - first - 1]) for name, column in logs.items()}) + "\n"
            for k in numbers)
        assert progress._lines(numbers, 999, first, logs) == expected
