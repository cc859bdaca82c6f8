"""``fit`` on the fused trainer: the same history, stop and weights as the general engine."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.layers import Dense
from chainrule.nn import training as fast_fit


def xor_model(fast: bool, metrics=None, seed: int = 0) -> cr.Sequential:
    model = cr.Sequential([Dense(2, activation="sigmoid", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=seed)
    model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(0.5), metrics=metrics,
                  fast=fast)
    return model


@pytest.fixture
def fused_calls(monkeypatch):
    calls = []
    real = fast_fit.run_epochs

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(fast_fit, "run_epochs", spy)
    return calls


def fit_both(x, y, make, **kwargs):
    results = []
    for fast in (True, False):
        model = make(fast)
        history = model.fit(x, y, **kwargs)
        results.append((model, history))
    return results


def assert_same(results):
    (fast, h_fast), (general, h_general) = results
    assert h_fast.epoch == h_general.epoch
    assert h_fast.history.keys() == h_general.history.keys()
    for key in h_general.history:
        np.testing.assert_allclose(h_fast.history[key], h_general.history[key], rtol=1e-12,
                                   atol=1e-12, err_msg=key)
    for a, b in zip(fast.get_weights(), general.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_until_correct_stops_at_the_same_epoch_with_the_same_weights(fused_calls):
    x, y = cr.datasets.xor()
    judges = []

    def make(fast):
        judges.append(cr.callbacks.StopWhenCorrect())
        return xor_model(fast)

    results = [(model, model.fit(x, y, epochs=5000, batch_size=1, verbose=0, seed=3,
                                 callbacks=[judge]))
               for model, judge in ((make(f), judges[-1]) for f in (True, False))]
    assert len(fused_calls) == 1, "the fast model did not take the fused path"
    assert_same(results)
    assert judges[0].stopped_epoch == judges[1].stopped_epoch is not None
    assert len(results[0][1].epoch) < 5000


def test_validation_and_early_stopping_go_epoch_by_epoch(fused_calls):
    x, y = cr.datasets.moons(n=120, noise=0.2, seed=1)

    def make(fast):
        model = cr.Sequential([Dense(6, activation="tanh", input_dim=2),
                               Dense(1, activation="sigmoid")], seed=2)
        model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.Adam(0.05),
                      fast=fast)
        return model

    results = []
    for fast in (True, False):
        stop = cr.callbacks.EarlyStopping(monitor="val_loss", patience=2)
        model = make(fast)
        results.append((model, model.fit(x, y, epochs=60, batch_size=16, verbose=0, seed=4,
                                         validation_split=0.25, callbacks=[stop])))
    assert len(fused_calls) == 1
    assert "val_loss" in results[0][1].history
    assert_same(results)


def test_progress_lines_are_the_same(capsys, fused_calls):
    x, y = cr.datasets.xor()
    printed = []
    for fast in (True, False):
        xor_model(fast).fit(x, y, epochs=300, batch_size=1, verbose=2, seed=0)
        printed.append(capsys.readouterr().out)
    assert len(fused_calls) == 1
    assert printed[0] == printed[1]
    assert printed[0].count("\n") == 61  # epoch 1, then every 5th up to 300


def test_fast_false_keeps_the_general_engine(fused_calls):
    x, y = cr.datasets.xor()
    xor_model(False, metrics=["accuracy"]).fit(x, y, epochs=3, verbose=0)
    assert fused_calls == []


def test_training_metrics_on_the_fused_path_match_the_general_engine(fused_calls):
    """Metrics of the forward passes, each before its update, averaged over the epoch."""
    x, y = cr.datasets.xor()
    judges = []

    def make(fast):
        judges.append(cr.callbacks.StopWhenCorrect())
        return xor_model(fast, metrics=["accuracy", "mse"])

    results = [(model, model.fit(x, y, epochs=3000, batch_size=1, verbose=0, seed=3,
                                 callbacks=[judge]))
               for model, judge in ((make(f), judges[-1]) for f in (True, False))]
    assert len(fused_calls) == 1, "the fast model did not take the fused path"
    assert_same(results)
    accuracy = results[0][1].history["accuracy"]
    assert accuracy[-1] > accuracy[0] and set(np.round(np.array(accuracy) * 4, 9)) <= set(
        range(5))  # 0, ¼, ½, ¾ or 1 of the four examples


@pytest.mark.parametrize("validation", [False, True])
def test_softmax_metrics_on_the_fused_path_epoch_by_epoch_or_in_blocks(fused_calls,
                                                                        validation):
    x, y = cr.datasets.spirals(n=90, noise=0.05, seed=1, one_hot=True)

    def make(fast):
        model = cr.Sequential([Dense(8, activation="relu", input_dim=2),
                               Dense(2, activation="softmax")], seed=5)
        model.compile(loss="categorical_crossentropy", optimizer=cr.optimizers.SGD(0.2),
                      metrics=["accuracy"], fast=fast)
        return model

    split = 0.2 if validation else 0.0
    results = fit_both(x, y, make, epochs=40, batch_size=8, verbose=0, seed=6,
                       validation_split=split)
    assert len(fused_calls) == 1
    assert_same(results)
    assert ("val_accuracy" in results[0][1].history) == validation


@pytest.mark.parametrize("optimizer", [cr.optimizers.SGD(0.05, momentum=0.9),
                                       cr.optimizers.Adam(0.01), cr.optimizers.SGD(0.1)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_metrics_with_every_optimizer_on_the_folded_gemm(monkeypatch, fused_calls, optimizer,
                                                        dtype):
    """Big layers' path (the GEMM called directly, biases folded after ReLU), partial last
    batches, float32: the fused fit logs what the general one does."""
    import copy

    from chainrule.fast import blas_loop

    monkeypatch.setattr(blas_loop, "GEMM_MIN_WORK", 0)
    x, y = cr.datasets.moons(n=47, noise=0.2, seed=3)

    def make(fast):
        model = cr.Sequential([Dense(6, activation="relu", input_dim=2),
                               Dense(5, activation="relu"),
                               Dense(1, activation="sigmoid")], seed=7, dtype=dtype)
        model.compile(loss="binary_crossentropy", optimizer=copy.deepcopy(optimizer),
                      metrics=["accuracy", "mse"], fast=fast)
        return model

    (fast, h_fast), (general, h_general) = fit_both(x, y, make, epochs=6, batch_size=10,
                                                    verbose=0, seed=2)
    assert len(fused_calls) == 1
    tol = 1e-12 if dtype == "float64" else 1e-5
    for key in ("loss", "accuracy", "mse"):
        np.testing.assert_allclose(h_fast.history[key], h_general.history[key], rtol=tol,
                                   atol=tol, err_msg=key)
    for a, b in zip(fast.get_weights(), general.get_weights()):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_a_trainer_asked_for_metrics_on_a_compiled_loop_refuses():
    from chainrule.fast import StopRule
    from chainrule.nn import metrics
    from chainrule.nn.fused import select

    model = xor_model(True)
    model.build(2)
    trainer = select(model, loss="half_sse", optimizer=model.optimizer, backend="compiled")
    x, y = cr.datasets.xor()
    wanted = metrics.resolve(["accuracy"], 1, "sigmoid")
    with pytest.raises(ValueError, match="blas loop"):
        trainer.run_logged(x, y, np.arange(4)[None], 1, metrics=wanted)
    loop = trainer._loop("python")  # and the loop itself, asked directly
    with pytest.raises(ValueError, match=r"Received: metrics=\['accuracy'\]"):
        loop.run([np.zeros((2, 2)), np.zeros(2), np.zeros((2, 1)), np.zeros(1)], [], 0, x, y,
                 np.arange(4)[None], 1, 1, StopRule(), wanted)


# --- blocks of epochs: the stop rules inside the loop, every loop, every callback -----------------
@pytest.fixture
def on_loop(monkeypatch):
    """``on_loop(name)``: every fused trainer ``fit`` makes from now on trains on ``name``."""
    from chainrule.nn import fused
    from chainrule.nn import model as model_module

    def force(name):
        def select(*args, **kwargs):
            trainer = fused.select(*args, **kwargs)
            if trainer is not None:
                trainer.backend = name
            return trainer
        monkeypatch.setattr(model_module, "select", select)
    return force


LOOPS = ["compiled", "python", "blas"]


def moons_model(fast, seed=2):
    model = cr.Sequential([Dense(3, activation="tanh", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=seed)
    model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.SGD(0.1, momentum=0.5),
                  fast=fast)
    return model


def stop_callbacks(kind):
    return {"none": [], "correct": [cr.callbacks.StopWhenCorrect()],
            "early": [cr.callbacks.EarlyStopping(monitor="loss", patience=3, min_delta=1e-3)],
            "both": [cr.callbacks.StopWhenCorrect(tolerance=0.45),
                     cr.callbacks.EarlyStopping(monitor="loss", patience=20, min_delta=1e-5)],
            }[kind]


GENERAL: dict = {}  # the general engine's fit of a case, computed once for every loop


def fit_case(fast, data, stops, shuffle, batch):
    x, y = cr.datasets.moons(n=24, noise=0.1, seed=4) if data == "moons" else cr.datasets.xor()
    callbacks = stop_callbacks(stops)
    model = moons_model(fast) if data == "moons" else xor_model(fast)
    history = model.fit(x, y, epochs=30 if stops == "none" else 3000, batch_size=batch,
                        shuffle=shuffle, verbose=0, seed=8, callbacks=callbacks)
    return model, history, callbacks


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("case", [
    ("moons", "none", True, 4), ("xor", "correct", False, 1), ("moons", "early", True, 1),
    ("xor", "both", True, 2), ("moons", "early", False, 50)])
def test_fit_in_blocks_is_the_general_engine_on_every_loop(on_loop, fused_calls, loop, case):
    """Same losses, epochs, weights, and the stop callbacks left as the general engine's
    epoch-by-epoch calls leave them (which stopped, when, and early stopping's state)."""
    on_loop(loop)
    model, history, callbacks = fit_case(True, *case)
    if case not in GENERAL:
        GENERAL[case] = fit_case(False, *case)
    general, general_history, general_callbacks = GENERAL[case]
    assert len(fused_calls) == 1
    assert_same([(model, history), (general, general_history)])
    for mine, theirs in zip(callbacks, general_callbacks):
        for name in ("stopped_epoch", "wait", "best_epoch"):
            assert getattr(mine, name, None) == getattr(theirs, name, None), name
        assert getattr(mine, "best", 0.0) == pytest.approx(getattr(theirs, "best", 0.0),
                                                            rel=1e-12, abs=1e-12)
    if case[1] != "none":
        assert len(history.epoch) < 3000, "no stop rule fired: the case tests nothing"


class Recorder(cr.callbacks.Callback):
    """A user's callback: the logs, and the weights it sees, at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append((epoch, dict(logs), self.model.get_weights()))


@pytest.mark.parametrize("loop", LOOPS)
def test_a_users_on_epoch_end_is_called_every_epoch_with_that_epochs_logs(on_loop, loop):
    x, y = cr.datasets.xor()
    on_loop(loop)
    recorders = []
    for fast in (True, False):
        recorders.append(Recorder())
        xor_model(fast).fit(x, y, epochs=40, batch_size=1, verbose=0, seed=1,
                            callbacks=[recorders[-1], cr.callbacks.StopWhenCorrect()])
    fast, general = (r.seen for r in recorders)
    assert [e for e, _, _ in fast] == [e for e, _, _ in general] == list(range(40))
    for (_, logs, weights), (_, their_logs, their_weights) in zip(fast, general):
        assert logs.keys() == their_logs.keys() == {"loss"}
        assert logs["loss"] == pytest.approx(their_logs["loss"], abs=1e-12)
        for a, b in zip(weights, their_weights):  # the weights of that very epoch
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_which_callbacks_need_a_call_every_epoch():
    from chainrule.nn.hooks import per_epoch

    class OnlyAtTheEnd(cr.callbacks.Callback):
        def on_train_end(self, logs=None):
            pass

    class MyHistory(cr.callbacks.History):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)

    assert not per_epoch(cr.callbacks.History()) and not per_epoch(cr.callbacks.ProgressBar())
    assert not per_epoch(OnlyAtTheEnd())
    assert per_epoch(MyHistory()) and per_epoch(Recorder())
    assert per_epoch(cr.callbacks.EarlyStopping())  # judged in the loop by type, not by this


def test_a_diverging_run_stops_at_the_same_epoch_with_the_same_warning(fused_calls):
    x, y = cr.datasets.xor()
    warnings_seen, histories = [], []
    for fast in (True, False):
        model = cr.Sequential([Dense(2, activation="linear", input_dim=2),
                               Dense(1, activation="linear")], seed=0)
        model.compile(loss="mse", optimizer=cr.optimizers.SGD(40.0), fast=fast)
        with pytest.warns(RuntimeWarning, match="diverged") as caught, np.errstate(all="ignore"):
            histories.append(model.fit(x, y, epochs=500, batch_size=4, verbose=0))
        warnings_seen.append(str(caught[0].message))
    assert len(fused_calls) == 1
    assert histories[0].epoch == histories[1].epoch and len(histories[0].epoch) < 500
    assert warnings_seen[0] == warnings_seen[1]


@pytest.mark.parametrize("every", [7])
def test_progress_lines_from_blocks_are_the_epoch_by_epoch_lines(capsys, every):
    """A block's lines are written at once: the same bytes as line by line, also when a
    stop rule ends the run early (its last epoch is shown)."""
    x, y = cr.datasets.xor()
    printed = []
    for fast in (True, False):
        bar = cr.callbacks.ProgressBar(verbose=2, every=every)
        xor_model(fast).fit(x, y, epochs=3000, batch_size=1, verbose=2, seed=0,
                            callbacks=[bar, cr.callbacks.StopWhenCorrect()])
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert "Epoch 1/3000" in printed[0] and printed[0].count("\n") > 5


def test_the_live_bar_is_drawn_per_block_not_per_epoch():
    """On a terminal the bar is redrawn at most once per block of epochs (blocks of about
    0.1 s), and shows the last epoch at the end."""
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    x, y = cr.datasets.xor()
    screen = Terminal()
    xor_model(True).fit(x, y, epochs=2000, batch_size=1, verbose=1,
                        callbacks=[cr.callbacks.ProgressBar(stream=screen)])
    text = screen.getvalue()
    draws = text.count("\r")
    assert 1 <= draws <= 40, draws  # 2,000 epochs, far fewer redraws
    assert text.rstrip().rsplit("\r", 1)[-1].startswith("Epoch 2000/2000 [=")


_NO_CACHE_FIT = """
import os
import subprocess
import sys

import numpy as np
import chainrule as cr
from chainrule.fast import trainer

x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([[0.0], [1.0], [1.0], [0.0]])
model = cr.Sequential([cr.layers.Dense(2, activation="softplus", input_dim=2),
                       cr.layers.Dense(1, activation="sigmoid")], seed=1)
model.compile(loss="mse", optimizer=cr.optimizers.SGD(0.5))
trainer._spent[0] = trainer.PYTHON_BUDGET + 1  # past plain Python: the compiled loops
history = model.fit(x, y, epochs=50, batch_size=1, verbose=0)
print(history.history["loss"][-1] < history.history["loss"][0])
"""


@pytest.mark.parametrize(("setting", "disabled"), [
    ("off", True), ("OFF", True), ("", True), (" ", True), ("/some/folder", False),
    ("offline", False), (None, False)])
def test_which_settings_disable_the_kernel_cache(monkeypatch, setting, disabled):
    from chainrule.fast._jit import cache_disabled

    if setting is None:
        monkeypatch.delenv("CHAINRULE_CACHE_DIR", raising=False)
    else:
        monkeypatch.setenv("CHAINRULE_CACHE_DIR", setting)
    assert cache_disabled() is disabled


def test_a_disabled_kernel_cache_writes_no_file(tmp_path):
    """``CHAINRULE_CACHE_DIR=off``: fit trains, its loop compiled in memory, and nothing is
    written under HOME, where the per-user cache is (without the setting, the written-out
    loop and its machine code are written there)."""
    setting = "off"
    env = {key: value for key, value in os.environ.items()
           if key not in ("XDG_CACHE_HOME", "NUMBA_CACHE_DIR")}
    env.update(HOME=str(tmp_path), CHAINRULE_CACHE_DIR=setting)
    done = subprocess.run([sys.executable, "-c", _NO_CACHE_FIT], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert [str(p) for p in tmp_path.rglob("*")] == []
