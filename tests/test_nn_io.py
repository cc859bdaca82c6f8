"""save / load: round trips, atomic writes, and every kind of bad file."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import chainrule
from chainrule.nn import Activation, Dense, Sequential, io
from chainrule.nn.initializers import RandomNormal
from chainrule.nn.optimizers import SGD

X = np.random.default_rng(0).normal(size=(6, 3))
Y = np.eye(2)[[0, 1, 1, 0, 1, 0]]


def trained_model() -> Sequential:
    model = Sequential([Dense(4, "leaky_relu", input_dim=3, kernel_initializer=RandomNormal(
        stddev=0.5)), Dense(3, "bipolar_sigmoid", use_bias=False), Dense(2),
        Activation("softmax")], seed=1)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(0.1, momentum=0.5),
                  metrics=["accuracy"])
    model.fit(X, Y, epochs=3, batch_size=2, seed=0, verbose=0)
    return model


def test_round_trip_gives_identical_predictions_and_config(tmp_path):
    model = trained_model()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = chainrule.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_config() == model.get_config()
    assert loaded.get_compile_config() == model.get_compile_config()
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    loaded.fit(X, Y, epochs=1, verbose=0)  # compiled and trainable


def test_file_is_a_plain_npz_with_a_json_config(tmp_path):
    path = tmp_path / "m.npz"
    trained_model().save(path)
    with np.load(path, allow_pickle=False) as archive:
        config = json.loads(archive["config"].tobytes().decode("utf-8"))
        assert archive["config"].dtype == np.uint8
        assert sorted(archive.files) == ["config"] + [f"weight_{i}" for i in range(5)]
    assert config["format"] == "chainrule.Sequential" and config["format_version"] == 1
    assert config["weights"][:3] == ["dense.kernel", "dense.bias", "dense_1.kernel"]
    assert config["compile"]["loss"] == "categorical_crossentropy"
    assert config["model"]["layers"][0]["activation"] == "leaky_relu"


def test_uncompiled_model_round_trip(tmp_path):
    model = Sequential([Dense(2, input_dim=2)], seed=0)
    io.save(model, tmp_path / "m.npz")
    loaded = chainrule.load(tmp_path / "m.npz")
    assert loaded.optimizer is None
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_crash_mid_save_leaves_old_file_whole_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    trained_model().save(path)
    before = path.read_bytes()
    other = Sequential([Dense(1, input_dim=3)], seed=5)

    def crash(*args, **kwargs):
        raise OSError("disk unplugged")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk unplugged"):
        other.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_crash_while_writing_leaves_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    trained_model().save(path)
    before = path.read_bytes()

    def half_written(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", half_written)
    with pytest.raises(KeyboardInterrupt):
        trained_model().save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_save_keeps_the_permissions_of_a_new_file_sane(tmp_path):
    path = tmp_path / "m.npz"
    Sequential([Dense(1, input_dim=1)]).save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# --- bad files ----------------------------------------------------------------------------
def assert_rejected(path, pattern):
    with pytest.raises(ValueError, match=pattern) as info:
        chainrule.load(path)
    assert str(path) in str(info.value)


def test_corrupt_file(tmp_path):
    path = tmp_path / "model.npz"
    trained_model().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_rejected(path, "not a valid .npz archive")
    path.write_bytes(b"hello, not a model")
    assert_rejected(path, "cannot load model")


def test_foreign_npz(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.ones(3))
    assert_rejected(path, r"no 'config' entry; it holds \['x'\]")


def test_pickle_only_npy(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert_rejected(path, "pickled objects, which are never loaded")


def test_plain_npy(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    assert_rejected(path, "single .npy array")


def _rewrite(path, change):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    config = json.loads(arrays["config"].tobytes())
    change(config, arrays)
    arrays["config"] = np.frombuffer(json.dumps(config).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_wrong_format_version(tmp_path):
    path = tmp_path / "m.npz"
    trained_model().save(path)
    _rewrite(path, lambda c, a: c.update(format_version=99))
    assert_rejected(path, r"format_version=99; this chainrule reads 1")


def test_mismatched_weight_shape(tmp_path):
    path = tmp_path / "m.npz"
    trained_model().save(path)
    _rewrite(path, lambda c, a: a.update(weight_0=np.ones((3, 5))))
    assert_rejected(path, r"layer 'dense' kernel must have shape \(3, 4\)\. Received: shape "
                          r"\(3, 5\)")


def test_missing_weight_and_unknown_activation(tmp_path):
    path = tmp_path / "m.npz"
    trained_model().save(path)
    _rewrite(path, lambda c, a: a.pop("weight_4"))
    assert_rejected(path, "do not match the 5 named")
    trained_model().save(path)
    _rewrite(path, lambda c, a: c["model"]["layers"][1].update(activation="swish"))
    assert_rejected(path, "activation='swish'; valid names")


def test_config_that_is_not_json(tmp_path):
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w"):
        pass
    np.savez(path, config=np.frombuffer(b"\xff{", dtype=np.uint8))
    assert_rejected(path, "not valid JSON")


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        chainrule.load(tmp_path / "nope.npz")
