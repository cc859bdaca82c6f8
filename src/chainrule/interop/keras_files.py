"""Keras 3 ``.keras`` files of Dense layers, read without TensorFlow or Keras.

A ``.keras`` file is a zip archive: ``config.json`` (the model's ``get_config()``, and its
``compile_config`` when it was compiled) and ``model.weights.h5`` (HDF5, read with
``h5py``), where the model's n-th Dense layer keeps its kernel (in, units) in
``layers/dense_<n>/vars/0`` and its bias in ``layers/dense_<n>/vars/1`` (the first is
``layers/dense``: Keras names a layer's weights by its class and its place, not its name).
Keras's kernel layout is chainrule's, so the weights are used as stored.

>>> is_keras_file("model.keras"), is_keras_file("model.npz")
(True, False)
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any

import numpy as np

from chainrule._util import files
from chainrule.calculus import losses
from chainrule.derive import api
from chainrule.derive.solution import WorkedSolution
from chainrule.interop._optional import require
from chainrule.interop.convert import to_model
from chainrule.interop.stack import Stack
from chainrule.nn.model import Sequential

__all__ = ["load_keras", "read", "explain_keras", "is_keras_file"]

#: Keras activation names read (Keras's own leaky_relu has slope 0.2, chainrule's 0.01).
KERAS_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu",
                     "linear": "linear", "softmax": "softmax", "softplus": "softplus",
                     "silu": "silu", "swish": "silu"}
#: Keras loss names → chainrule's
KERAS_LOSSES = {"mse": "mse", "mean_squared_error": "mse", "MeanSquaredError": "mse",
                "binary_crossentropy": "binary_crossentropy",
                "BinaryCrossentropy": "binary_crossentropy",
                "categorical_crossentropy": "categorical_crossentropy",
                "CategoricalCrossentropy": "categorical_crossentropy"}


def is_keras_file(path: Any) -> bool:
    return str(os.fspath(path)).lower().endswith(".keras")


def read(path: Any) -> tuple[Stack, dict[str, Any]]:
    """The dense stack of the ``.keras`` file ``path`` and its compile config (``{}`` if the
    model was saved uncompiled)."""
    h5py = require("h5py", "load_keras")
    try:
        archive = zipfile.ZipFile(io.BytesIO(files.read_bytes(path, "data_bytes")))
        config = json.loads(archive.read("config.json"))
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise ValueError(f"{path} is not a Keras 3 .keras file: {exc}") from None
    if config.get("class_name") != "Sequential":
        raise ValueError(f"{path}: only a Keras Sequential is read. Received: "
                         f"{config.get('class_name')!r}")
    layers: list[list[Any]] = []
    seen: dict[str, int] = {}
    for layer in config["config"]["layers"]:
        kind, settings = layer["class_name"], layer["config"]
        if kind == "InputLayer":
            continue
        place = seen[kind] = seen.get(kind, -1) + 1
        stored = kind.lower() + (f"_{place}" if place else "")
        if kind == "Activation" and layers and layers[-1][2] == "linear":
            layers[-1][2] = _activation(settings["activation"], path, settings["name"])
        elif kind == "Dense":
            layers.append(_dense(weights.get(f"layers/{stored}/vars"), settings, path))
        else:
            raise ValueError(f"{path}: layer {settings.get('name')!r} ({kind}) is not a Dense "
                             "layer")
    if not layers:
        raise ValueError(f"{path} holds no Dense layer")
    return Stack(tuple((k, b, a) for k, b, a in layers)), config.get("compile_config") or {}


def _dense(stored: Any, settings: dict[str, Any], path: Any) -> list[Any]:
    name = settings["name"]
    if stored is None:
        raise ValueError(f"{path}: no weights for layer {name!r} in model.weights.h5")
    kernel = np.array(stored["0"])
    bias = np.array(stored["1"]) if settings.get("use_bias", True) else None
    return [kernel, bias, _activation(settings.get("activation"), path, name)]


def _activation(activation: Any, path: Any, name: str) -> str:
    if activation is None:
        return "linear"
    if not isinstance(activation, str) or activation not in KERAS_ACTIVATIONS:
        raise ValueError(f"{path}: layer {name!r} has activation {activation!r}; read: "
                         f"{', '.join(KERAS_ACTIVATIONS)}")
    return KERAS_ACTIVATIONS[activation]


def load_keras(path: Any, dtype: str | None = None) -> Sequential:
    """A chainrule ``Sequential`` with the Dense layers and weights of a ``.keras`` file
    (``dtype``: the file's, float32 as Keras saves, unless given)."""
    stack, _ = read(path)
    return to_model(stack, dtype or stack.dtype)


def explain_keras(path: Any, x: Any, t: Any, *, loss: Any = None, optimizer: Any = None,
                  learning_rate: float | None = None, convention: Any = "layered",
                  **kwargs: Any) -> WorkedSolution:
    """The worked solution of the steps Keras takes on the model of ``path``, one example
    each (``model.train_on_batch`` on a batch of one).

    ``loss``: a chainrule or Keras loss name; ``None``: the file's compiled loss.
    ``optimizer``: a chainrule ``SGD`` or ``Adam``, or a Keras optimizer config; ``None``:
    the file's compiled optimizer. SGD (with momentum) and Adam are explained with Keras's
    rules (Keras's Adam adds ε to √v, PyTorch's to the corrected √v: the convention switch
    ``adam_epsilon="uncorrected"``). The weights are the file's float32 values, computed
    with in float64."""
    stack, compiled = read(path)
    name = _loss_name(loss if loss is not None else compiled.get("loss"), path)
    rate, switches = _optimizer(optimizer if optimizer is not None
                                else compiled.get("optimizer"), path)
    rate = rate if learning_rate is None else learning_rate
    return api.explain(list(stack.layers), x, t, learning_rate=rate, loss=name,
                       convention=convention, **{**switches, **kwargs})


def _loss_name(loss: Any, path: Any) -> str:
    if isinstance(loss, dict):
        loss = loss.get("class_name", loss.get("config", {}).get("name"))
    if loss is None:
        raise ValueError(f"{path} was saved uncompiled: give loss= (a loss name)")
    return KERAS_LOSSES.get(loss) or losses.get(loss).name


def _optimizer(optimizer: Any, path: Any) -> tuple[float, dict[str, Any]]:
    """(learning rate, the derivation's switches) of a Keras SGD or Adam config, or of a
    chainrule SGD or Adam (Keras's rules either way: Adam adds ε to √v)."""
    if optimizer is None:
        raise ValueError(f"{path} was saved uncompiled: give optimizer= (SGD or Adam)")
    if isinstance(optimizer, dict):
        kind, settings = optimizer.get("class_name"), dict(optimizer.get("config", {}))
        _plain_keras(kind, settings)
    else:
        kind = {"sgd": "SGD", "adam": "Adam"}.get(getattr(optimizer, "name", None))
        settings = optimizer.get_config() if kind else {}
    if kind == "SGD" and not settings.get("nesterov"):
        return float(settings["learning_rate"]), {"momentum": float(settings.get("momentum",
                                                                                    0.0))}
    if kind == "Adam" and not settings.get("amsgrad"):
        return float(settings["learning_rate"]), {
            "optimizer": "adam", "beta_1": float(settings["beta_1"]),
            "beta_2": float(settings["beta_2"]), "epsilon": float(settings["epsilon"]),
            "adam_epsilon": "uncorrected"}
    raise ValueError("explain maps Keras's SGD (no Nesterov) and Adam (no AMSGrad). "
                     f"Received: {kind or type(optimizer).__name__} {settings}")


def _plain_keras(kind: Any, settings: dict[str, Any]) -> None:
    """Refuse the Keras optimizer settings the derivation has no counterpart for."""
    for key in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                "gradient_accumulation_steps", "loss_scale_factor"):
        if settings.get(key):
            raise ValueError(f"explain reads Keras's {kind} without {key}. Received: "
                             f"{key}={settings[key]!r}")
    if not isinstance(settings.get("learning_rate"), (int, float)):
        raise ValueError(f"explain reads a constant learning rate. Received: "
                         f"learning_rate={settings.get('learning_rate')!r}")
