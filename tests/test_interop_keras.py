"""Keras 3 .keras files read without Keras, held to Keras itself (its torch backend)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("h5py")
keras = pytest.importorskip("keras")

import chainrule as cr  # noqa: E402

X = np.array([[0.5, -1.0, 0.25], [-0.3, 0.8, 1.2]])


def keras_model(hidden="tanh", output="sigmoid", outputs=2, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=hidden),
                             keras.layers.Dense(outputs, activation=output)])


@pytest.mark.parametrize("hidden, output", [("relu", "softmax"), ("sigmoid", "linear")])
def test_a_keras_file_predicts_as_keras_does(tmp_path, hidden, output):
    model = keras_model(hidden, output)
    path = tmp_path / "model.keras"
    model.save(path)
    ours = cr.load_keras(path)
    np.testing.assert_allclose(ours.predict(X), model.predict(X, verbose=0), rtol=0, atol=1e-6)
    assert ours.dtype == np.float32


@pytest.mark.parametrize("momentum, loss", [(0.0, "mse"), (0.9, "binary_crossentropy")])
def test_the_explained_steps_are_the_steps_keras_takes(tmp_path, momentum, loss):
    model = keras_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5, momentum=momentum),
                  loss=loss)
    path = tmp_path / "model.keras"
    model.save(path)
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    solution = cr.explain(path, X, t)  # the file's compiled loss and optimizer
    for step in (1, 2):
        model.train_on_batch(X[step - 1:step], t[step - 1:step])
        kernel = model.layers[1].get_weights()[0]
        ours = [[solution.equation(f"s{step}.new.w.2.{i}.{j}").exact for j in (1, 2)]
                for i in (1, 2, 3, 4)]
        np.testing.assert_allclose(ours, kernel, rtol=0, atol=2e-6)  # Keras: float32
    assert solution.conventions.momentum == momentum


def test_keras_s_adam_and_an_uncompiled_file_without_a_loss_are_refused(tmp_path):
    model = keras_model()
    path = tmp_path / "plain.keras"
    model.save(path)
    with pytest.raises(ValueError, match="give loss="):
        cr.explain(path, X[0], [1.0, 0.0])
    model.compile(optimizer="adam", loss="mse")
    model.save(path)
    with pytest.raises(ValueError, match="Adam"):
        cr.explain(path, X[0], [1.0, 0.0])
