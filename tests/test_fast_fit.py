"""``fit`` on the fused trainer: the same history, stop and weights as the general engine."""

from __future__ import annotations

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
