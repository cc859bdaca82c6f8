"""Sequential: training, reproducibility, weights, evaluation, summary and every bad input."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.nn import Activation, Dense, Sequential, StopWhenCorrect
from chainrule.nn.optimizers import SGD

X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


def xor_model(seed: int = 0, lr: float = 0.5, metrics=("accuracy",),
              fast: bool = True) -> Sequential:
    model = Sequential([Dense(2, activation="sigmoid", input_dim=2),
                        Dense(1, activation="sigmoid")], seed=seed)
    model.compile(loss="half_sse", optimizer=SGD(lr), metrics=list(metrics), fast=fast)
    return model


def assert_same_weights(a: Sequential, b: Sequential, fast: bool) -> None:
    """Bit for bit on the general engine; to 1e-12 on the fused trainer (another order of
    the same sums)."""
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-12 if fast else 0, atol=1e-12 if fast else 0)


def test_xor_trains_to_four_of_four_correct():
    model = xor_model()
    stop = StopWhenCorrect()
    history = model.fit(X_XOR, Y_XOR, epochs=20000, batch_size=1, seed=0, callbacks=[stop],
                        verbose=0)
    out = model.predict(X_XOR)
    assert np.all((out > 0.5) == (Y_XOR > 0.5)), out.ravel()
    assert stop.stopped_epoch == len(history.epoch) - 1 < 19999


def test_same_seed_gives_identical_weights_and_history():
    runs = []
    for _ in range(2):
        model = xor_model(seed=3)
        history = model.fit(X_XOR, Y_XOR, epochs=50, batch_size=2, seed=4, verbose=0)
        runs.append((model.get_weights(), history.history))
    (w1, h1), (w2, h2) = runs
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2


def test_weights_are_drawn_in_layer_order_from_the_model_seed():
    model = xor_model(seed=11)
    rng = np.random.default_rng(11)
    limit1, limit2 = np.sqrt(6 / 4), np.sqrt(6 / 3)  # glorot_uniform: √(6/(in + out))
    expected = [rng.uniform(-limit1, limit1, (2, 2)), np.zeros(2),
                rng.uniform(-limit2, limit2, (2, 1)), np.zeros(1)]
    for a, b in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(a, b)


def test_first_call_builds_from_the_model_seed_and_add_after_build():
    a = Sequential([Dense(2, "tanh"), Dense(1)], seed=4)
    a(np.ones((1, 3)))
    b = Sequential([Dense(2, "tanh", input_dim=3), Dense(1)], seed=4)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)
    b.add(Dense(2, "softmax"))
    assert b.layers[-1].kernel.shape == (1, 2) and b.predict(np.ones((5, 3))).shape == (5, 2)


@pytest.mark.parametrize("fast", [False, True])
def test_epoch_loss_is_the_mean_of_losses_before_each_update(fast):
    a, b = xor_model(seed=1, fast=fast), xor_model(seed=1)
    history = a.fit(X_XOR, Y_XOR, epochs=1, batch_size=1, shuffle=False, verbose=0)
    before = [b.train_step(X_XOR[i:i + 1], Y_XOR[i:i + 1]) for i in range(4)]
    assert history.history["loss"] == [pytest.approx(np.mean(before),
                                                     rel=1e-12 if fast else 1e-15)]
    assert_same_weights(a, b, fast)


@pytest.mark.parametrize("fast", [False, True])
def test_shuffled_order_follows_the_contract(fast):
    a, b = xor_model(seed=2, fast=fast), xor_model(seed=2)
    a.fit(X_XOR, Y_XOR, epochs=3, batch_size=3, seed=9, verbose=0)
    rng = np.random.default_rng(9)
    for _ in range(3):
        order = rng.permutation(4)
        for start in (0, 3):
            index = order[start:start + 3]
            b.train_step(X_XOR[index], Y_XOR[index])
    assert_same_weights(a, b, fast)


def test_train_step_returns_batch_mean_loss():
    model = xor_model()
    expected = model.evaluate(X_XOR, Y_XOR, return_dict=True)["loss"]
    assert model.train_step(X_XOR, Y_XOR) == pytest.approx(expected, rel=1e-14)


def test_get_set_weights_round_trip_and_copies():
    model = xor_model(seed=5)
    weights = model.get_weights()
    weights[0][0, 0] = 123.0  # a copy: the model is unchanged
    assert model.get_weights()[0][0, 0] != 123.0
    other = xor_model(seed=6)
    other.set_weights(model.get_weights())
    np.testing.assert_array_equal(other.predict(X_XOR), model.predict(X_XOR))


def test_set_weights_writes_into_a_dense_layers_storage_and_replaces_the_rest():
    model = xor_model(seed=5)
    model.build()
    storage = model.layers[1].kernel.data.base
    assert storage is not None and model.layers[1].bias.data.base is storage
    given = xor_model(seed=6).get_weights()
    model.set_weights(given)
    assert model.layers[1].kernel.data.base is storage  # written in place
    np.testing.assert_array_equal(storage[-1], given[3])
    given[3][0] = 9.0  # set_weights copied: the model does not follow the caller's arrays
    assert model.layers[1].bias.data[0] != 9.0
    # a read-only weight, and a layer built in another dtype, are replaced as before
    model.layers[0].bias.data = np.zeros(2)
    model.layers[0].bias.data.flags.writeable = False
    early = Dense(1, activation="sigmoid")
    early.build(2, dtype="float32")
    mixed = Sequential([Dense(2, activation="sigmoid", input_dim=2), early], seed=1)
    for target in (model, mixed):
        target.set_weights(given)
        for w, want in zip(target.get_weights(), given):
            np.testing.assert_array_equal(w, want)
            assert w.dtype == np.float64
    assert model.layers[0].bias.data.flags.writeable


def test_set_weights_errors_name_the_layer_and_shape():
    model = xor_model()
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"expects 4 arrays \(dense\.kernel, dense\.bias, "
                                         r"dense_1\.kernel, dense_1\.bias\)\. Received: 3"):
        model.set_weights(weights[:3])
    weights[2] = np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"layer 'dense_1' kernel must have shape \(2, 1\)\. "
                                         r"Received: shape \(3, 1\)"):
        model.set_weights(weights)
    weights[2] = np.array([[np.nan], [0.0]])
    with pytest.raises(ValueError, match="'dense_1' kernel must be finite"):
        model.set_weights(weights)


def test_set_weights_builds_an_unbuilt_model_from_the_first_shape():
    model = Sequential([Dense(2, "tanh"), Dense(1)])
    model.set_weights([np.ones((3, 2)), np.zeros(2), np.ones((2, 1)), np.zeros(1)])
    assert model.input_dim == 3 and model.count_params() == 11


def test_layer_names_and_add():
    model = Sequential(seed=0)
    model.add(Dense(3, input_dim=2))
    model.add(Activation("relu"))
    model.add(Dense(1))
    assert [layer.name for layer in model.layers] == ["dense", "activation", "dense_1"]
    with pytest.raises(ValueError, match="unique"):
        model.add(Dense(1, name="dense"))
    with pytest.raises(ValueError, match="takes layers"):
        model.add("dense")


def test_summary_table_is_returned_and_printed(capsys):
    text = xor_model().summary()
    assert capsys.readouterr().out.strip() == text
    assert 'Model: "sequential"' in text
    assert "dense (Dense)" in text and "(None, 2)" in text and "sigmoid" in text
    assert "Total params: 9" in text  # (2·2 + 2) + (2·1 + 1)


def test_predict_in_batches_equals_predict_at_once():
    model = xor_model()
    np.testing.assert_array_equal(model.predict(X_XOR, batch_size=3), model.predict(X_XOR))


def test_evaluate_returns_loss_or_list_or_dict():
    model = xor_model(metrics=())
    assert isinstance(model.evaluate(X_XOR, Y_XOR), float)
    model = xor_model(metrics=("accuracy", "mse"))
    loss, accuracy, mse = model.evaluate(X_XOR, Y_XOR)
    assert mse == pytest.approx(2 * loss)  # half_sse of one output = ½·mse
    assert set(model.evaluate(X_XOR, Y_XOR, return_dict=True)) == {"loss", "accuracy", "mse"}


def test_one_dimensional_targets_for_one_output():
    model = xor_model()
    h = model.fit(X_XOR, Y_XOR.ravel(), epochs=2, verbose=0, seed=0)
    assert len(h.history["loss"]) == 2


def test_validation_split_holds_out_the_last_rows():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 2)), rng.uniform(size=(10, 1))
    model = xor_model(metrics=("mse",))
    history = model.fit(x, y, epochs=3, validation_split=0.3, seed=1, verbose=0)
    assert set(history.history) == {"loss", "mse", "val_loss", "val_mse"}
    # the last epoch's val_loss uses the final weights on rows 7, 8, 9
    final = model.evaluate(x[7:], y[7:], return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-15)
    assert history.history["val_mse"][-1] == pytest.approx(final["mse"], rel=1e-15)


def test_validation_data():
    model = xor_model(metrics=())
    history = model.fit(X_XOR, Y_XOR, epochs=2, validation_data=(X_XOR, Y_XOR), verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(X_XOR, Y_XOR))
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        model.fit(X_XOR, Y_XOR, validation_data=X_XOR, verbose=0)


def test_accuracy_is_categorical_for_several_outputs_and_bipolar_aware():
    y = np.eye(2)[[0, 1, 1, 0]]
    model = Sequential([Dense(3, "tanh", input_dim=2), Dense(2, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.set_weights([np.zeros((2, 3)), np.zeros(3), np.zeros((3, 2)), np.array([1.0, 0])])
    assert model.evaluate(X_XOR, y, return_dict=True)["accuracy"] == 0.5  # always class 0
    bipolar = Sequential([Dense(1, "bipolar_sigmoid", input_dim=2)])
    bipolar.compile(loss="half_sse", metrics=["accuracy"])
    bipolar.set_weights([np.zeros((2, 1)), np.array([0.1])])  # outputs 0.05 > 0: class +1
    targets = np.array([[1.0], [1.0], [-1.0], [1.0]])
    assert bipolar.evaluate(X_XOR, targets, return_dict=True)["accuracy"] == 0.75


def test_fused_loss_stays_finite_where_probabilities_saturate():
    model = Sequential([Dense(1, "sigmoid", input_dim=1)])
    model.compile(loss="binary_crossentropy", optimizer=SGD(0.1))
    model.set_weights([np.array([[1000.0]]), np.zeros(1)])
    # σ(1000) = 1 exactly against target 0: from the logit the loss is 1000, not clipped 16.1
    assert model.evaluate(np.array([[1.0]]), np.array([[0.0]])) == pytest.approx(1000.0)
    model.train_step(np.array([[1.0]]), np.array([[0.0]]))
    assert model.get_weights()[0][0, 0] == pytest.approx(1000.0 - 0.1)  # ∂E/∂w = (σ − t)x = 1


def test_float32_model_stays_float32():
    model = Sequential([Dense(2, "relu", input_dim=2), Dense(1)], seed=0, dtype="float32")
    model.compile(loss="mse", optimizer="adam")
    model.fit(X_XOR, Y_XOR, epochs=2, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(X_XOR).dtype == np.float32


def test_explain_delegates_to_chainrule_explain(monkeypatch):
    from chainrule.derive import api

    calls = []
    monkeypatch.setattr(api, "explain", lambda *a, **k: calls.append((a, k)) or 7)
    model = xor_model()
    assert model.explain(X_XOR[:1], Y_XOR[:1], learning_rate=0.5, decimals=3) == 7
    (args, kwargs), = calls
    assert args[0] is model and kwargs == {"learning_rate": 0.5, "decimals": 3}


# --- bad input: each a ValueError naming the field and the value --------------------------
@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"epochs": 0}, r"epochs must be a positive integer\. Received: epochs=0"),
    ({"epochs": 2.5}, r"Received: epochs=2\.5"),
    ({"batch_size": -1}, r"batch_size must be a positive integer\. Received: batch_size=-1"),
    ({"validation_split": 1.0}, r"validation_split must be a number in \[0, 1\)\. "
                                r"Received: validation_split=1\.0"),
    ({"validation_split": 0.9}, r"validation_split=0\.9 leaves no training examples out of 4"),
    ({"verbose": 3}, r"Received: verbose=3"),
])
def test_fit_rejects_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        xor_model().fit(X_XOR, Y_XOR, **kwargs)


@pytest.mark.parametrize(("x", "y", "pattern"), [
    (X_XOR[0], Y_XOR, r"x must be 2-D .*Received: x of shape \(2,\)"),
    (np.ones((4, 3)), Y_XOR, r"x has 3 features but the model expects 2"),
    (X_XOR, Y_XOR[:3], r"y must have one row per example of x \(4\)\. "
                       r"Received: y of shape \(3, 1\)"),
    (X_XOR, np.ones((4, 2)), r"y has 2 columns but the output layer 'dense_1' has 1 unit"),
    (np.where(np.eye(4, 2) > 0, np.nan, X_XOR), Y_XOR,
     r"x must be finite\. Received: x\[0, 0\] = nan"),
    (X_XOR, np.array([[0.0], [1.0], [np.inf], [0.0]]),
     r"y must be finite\. Received: y\[2, 0\] = inf"),
    (np.array([["a", "b"]]), Y_XOR[:1], r"x must be numeric"),
])
def test_fit_rejects_bad_data(x, y, pattern):
    with pytest.raises(ValueError, match=pattern):
        xor_model().fit(x, y, verbose=0)


def test_compile_rejects_unknown_names_listing_valid_ones():
    model = xor_model()
    with pytest.raises(ValueError, match=r"loss='hinge'; valid names: half_sse, sse, mse"):
        model.compile(loss="hinge")
    with pytest.raises(ValueError, match=r"optimizer='rmsprop'; valid names: sgd, adam"):
        model.compile(loss="mse", optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"metrics=\['auc'\]; valid names: accuracy"):
        model.compile(loss="mse", metrics=["auc"])
    with pytest.raises(ValueError, match=r"learning_rate=0"):
        model.compile(loss="mse", optimizer=SGD(learning_rate=0))


def test_fit_before_compile():
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match=r"compile\(loss=..., optimizer=...\) before fit"):
        model.fit(X_XOR, Y_XOR)


def test_unknown_input_width_is_explained():
    with pytest.raises(ValueError, match="input_dim"):
        Sequential([Dense(1)]).summary()
    with pytest.raises(ValueError, match="no layers"):
        Sequential().predict(X_XOR)
