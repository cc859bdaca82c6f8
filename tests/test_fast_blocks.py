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
