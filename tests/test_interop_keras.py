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


@pytest.mark.parametrize("hidden, output", [("relu", "softmax"), ("sigmoid", "linear"),
                                            ("silu", "tanh"), ("swish", "sigmoid")])
def test_a_keras_file_predicts_as_keras_does(tmp_path, hidden, output):
    model = keras_model(hidden, output)
    path = tmp_path / "model.keras"
    model.save(path)
    ours = cr.load_keras(path)
    np.testing.assert_allclose(ours.predict(X), model.predict(X, verbose=0), rtol=0, atol=1e-6)
    assert ours.dtype == np.float32


OPTIMIZERS = {
    "sgd": lambda: keras.optimizers.SGD(learning_rate=0.5),
    "momentum": lambda: keras.optimizers.SGD(learning_rate=0.5, momentum=0.9),
    "adam": lambda: keras.optimizers.Adam(learning_rate=0.05, epsilon=1e-3),
}


@pytest.mark.parametrize("optimizer, loss", [("sgd", "mse"), ("momentum", "binary_crossentropy"),
                                             ("adam", "mse")])
def test_the_explained_steps_are_the_steps_keras_takes(tmp_path, optimizer, loss):
    # a large ε makes Keras's ε-form (added to √v, not to the corrected √v) show
    model = keras_model()
    model.compile(optimizer=OPTIMIZERS[optimizer](), loss=loss)
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
    assert solution.conventions.optimizer == ("adam" if optimizer == "adam" else "sgd")


def test_the_epsilon_form_matters_and_pytorch_s_differs_from_keras_s(tmp_path):
    model = keras_model()
    model.compile(optimizer=OPTIMIZERS["adam"](), loss="mse")
    path = tmp_path / "adam.keras"
    model.save(path)
    keras_form = cr.explain(path, X[0], [1.0, 0.0])
    torch_form = cr.explain(path, X[0], [1.0, 0.0], adam_epsilon="corrected")
    ours = keras_form.equation("s1.new.w.2.1.1").exact
    assert abs(ours - torch_form.equation("s1.new.w.2.1.1").exact) > 1e-4
    model.train_on_batch(X[:1], np.array([[1.0, 0.0]]))
    assert ours == pytest.approx(float(model.layers[1].get_weights()[0][0, 0]), abs=2e-6)


def test_an_uncompiled_file_without_a_loss_and_amsgrad_are_refused(tmp_path):
    model = keras_model()
    path = tmp_path / "plain.keras"
    model.save(path)
    with pytest.raises(ValueError, match="give loss="):
        cr.explain(path, X[0], [1.0, 0.0])
    model.compile(optimizer=keras.optimizers.Adam(amsgrad=True), loss="mse")
    model.save(path)
    with pytest.raises(ValueError, match="AMSGrad"):
        cr.explain(path, X[0], [1.0, 0.0])
