"""Callbacks (History, EarlyStopping, StopWhenCorrect, custom) and the progress display."""

from __future__ import annotations

import io

import numpy as np
import pytest

from chainrule.nn import Dense, Sequential
from chainrule.nn.callbacks import Callback, EarlyStopping, History, StopWhenCorrect
from chainrule.nn.optimizers import SGD
from chainrule.nn.progress import ProgressBar, line_interval

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_AND = np.array([[0.0], [0.0], [0.0], [1.0]])


def model(lr: float = 0.5, seed: int = 0, metrics=("accuracy",)) -> Sequential:
    m = Sequential([Dense(1, "sigmoid", input_dim=2)], seed=seed)
    m.compile(loss="half_sse", optimizer=SGD(lr), metrics=list(metrics))
    return m


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin", self.params["epochs"], self.params["samples"]))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_hooks_are_called_in_order_with_params_and_logs():
    recorder = Recorder()
    model().fit(X, Y_AND, epochs=2, callbacks=[recorder], verbose=0)
    assert recorder.events == [
        ("train_begin", 2, 4),
        ("epoch_begin", 0), ("epoch_end", 0, ["accuracy", "loss"]),
        ("epoch_begin", 1), ("epoch_end", 1, ["accuracy", "loss"]),
        ("train_end",),
    ]
    assert recorder.model is not None and recorder.training_data[0].shape == (4, 2)


def test_history_records_every_epoch():
    history = model().fit(X, Y_AND, epochs=3, verbose=0)
    assert isinstance(history, History)
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["loss", "accuracy"]
    assert len(history.history["loss"]) == 3


def test_a_callback_can_stop_training():
    class StopAfterTwo(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = model().fit(X, Y_AND, epochs=10, callbacks=[StopAfterTwo()], verbose=0)
    assert history.epoch == [0, 1]


def test_early_stopping_on_a_plateau():
    # learning rate tiny: the loss barely moves, so min_delta=0.1 sees no improvement
    stop = EarlyStopping(monitor="loss", patience=2, min_delta=0.1)
    history = model(lr=1e-6).fit(X, Y_AND, epochs=50, callbacks=[stop], verbose=0)
    # epoch 0 sets the best; epochs 1 and 2 do not improve: stop after epoch 2
    assert history.epoch == [0, 1, 2] and stop.stopped_epoch == 2


def test_early_stopping_restores_the_best_weights():
    m = model(lr=5.0)
    losses = []

    class Track(Callback):
        def on_epoch_end(self, epoch, logs=None):
            losses.append((logs["val_loss"], self.model.get_weights()))

    stop = EarlyStopping(monitor="val_loss", patience=100, restore_best_weights=True)
    y_val = 1 - Y_AND  # validation disagrees with training: val_loss rises while training
    m.fit(X, Y_AND, epochs=8, validation_data=(X, y_val), callbacks=[Track(), stop],
          verbose=0, seed=0)
    best_loss, best_weights = min(losses, key=lambda item: item[0])
    assert stop.best == best_loss
    for a, b in zip(m.get_weights(), best_weights):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_on_an_unlogged_value_says_what_is_logged():
    with pytest.raises(ValueError, match=r"'val_loss', which is not logged\. Logged: loss, "
                                         r"accuracy; pass validation_data"):
        model().fit(X, Y_AND, epochs=2, callbacks=[EarlyStopping()], verbose=0)


def test_early_stopping_argument_errors():
    with pytest.raises(ValueError, match="patience=-1"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode='up'"):
        EarlyStopping(mode="up")


def test_stop_when_correct_stops_at_the_first_correct_epoch():
    stop = StopWhenCorrect()
    m = model(lr=2.0)
    history = m.fit(X, Y_AND, epochs=5000, batch_size=1, shuffle=False, callbacks=[stop],
                    verbose=0)
    assert stop.stopped_epoch == history.epoch[-1] < 4999
    assert np.all((m.predict(X) > 0.5) == (Y_AND > 0.5))


def test_stop_when_correct_with_a_tolerance_trains_longer():
    sides, close = StopWhenCorrect(), StopWhenCorrect(tolerance=0.2)
    a = model(lr=2.0).fit(X, Y_AND, epochs=5000, batch_size=1, shuffle=False,
                          callbacks=[sides], verbose=0)
    b = model(lr=2.0).fit(X, Y_AND, epochs=5000, batch_size=1, shuffle=False,
                          callbacks=[close], verbose=0)
    assert len(b.epoch) > len(a.epoch)


def test_correctness_rules():
    stop = StopWhenCorrect()
    t = np.array([[0.0], [1.0]])
    assert stop.correct(t, np.array([[0.4], [0.6]])).all()
    assert not stop.correct(t, np.array([[0.6], [0.6]]))[0]
    bipolar = np.array([[-1.0], [1.0]])  # threshold 0 for bipolar targets
    assert stop.correct(bipolar, np.array([[-0.1], [0.1]])).all()
    assert not StopWhenCorrect(tolerance=0.05).correct(t, np.array([[0.04], [0.9]]))[1]
    assert StopWhenCorrect(threshold=0.8).correct(t, np.array([[0.7], [0.9]])).all()


# --- progress display -----------------------------------------------------------------------
def test_verbose_0_prints_nothing(capsys):
    model().fit(X, Y_AND, epochs=3, verbose=0)
    assert capsys.readouterr().out == ""


def test_non_terminal_output_is_one_line_per_epoch(capsys):
    model().fit(X, Y_AND, epochs=3, verbose="auto", seed=0)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Epoch 1/3 - loss: ") and " - accuracy: " in lines[0]
    assert lines[2].startswith("Epoch 3/3 - loss: ")


def test_verbose_2_lines_are_deterministic(capsys):
    model().fit(X, Y_AND, epochs=4, verbose=2, seed=0)
    first = capsys.readouterr().out
    model().fit(X, Y_AND, epochs=4, verbose=2, seed=0)
    assert capsys.readouterr().out == first


def test_long_runs_are_throttled_and_the_last_epoch_is_shown(capsys):
    model().fit(X, Y_AND, epochs=1000, batch_size=4, verbose=2)
    numbers = [int(line.split()[1].split("/")[0]) for line in
               capsys.readouterr().out.splitlines()]
    assert numbers == [1, *range(10, 1001, 10)]  # 1000 epochs: every 10th


def test_an_early_stop_is_shown(capsys):
    class StopAt(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 456:
                self.model.stop_training = True

    model().fit(X, Y_AND, epochs=1000, batch_size=4, callbacks=[StopAt()], verbose=2)
    assert capsys.readouterr().out.splitlines()[-1].startswith("Epoch 457/1000 - loss")


def test_line_interval():
    assert [line_interval(e) for e in (1, 100, 101, 250, 500, 501, 10_000, 10**6)] == [
        1, 1, 2, 5, 5, 10, 100, 10_000]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_terminal_gets_a_live_bar_ending_in_a_newline():
    out = FakeTerminal()
    model().fit(X, Y_AND, epochs=5, callbacks=[ProgressBar(stream=out)], verbose=1)
    text = out.getvalue()
    assert text.startswith("\rEpoch ") and text.endswith("\n") and text.count("\n") == 1
    final = text.rstrip("\n").split("\r")[-1]
    assert final.startswith("Epoch 5/5 [==============================]") and "loss: " in final


def test_explicit_progress_bar_every_epoch(capsys):
    model().fit(X, Y_AND, epochs=150, batch_size=4, callbacks=[ProgressBar(verbose=2, every=1)])
    assert len(capsys.readouterr().out.splitlines()) == 150


def test_small_values_use_scientific_notation():
    from chainrule.nn.progress import format_logs

    assert format_logs({"loss": 0.00001234, "accuracy": 1.0}) == (
        " - loss: 1.2340e-05 - accuracy: 1.0000")
