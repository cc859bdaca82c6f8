"""Metrics reported by ``fit`` and ``evaluate``: ``metric(y_true, y_pred) -> (batch,)``.

Metrics are computed on plain arrays (no gradient), one value per example, and averaged over
the examples of an epoch. With t the target and y the output of one example:

- ``binary_accuracy``: the mean over outputs k of [y_k > θ] = [t_k > θ], with θ = 0.5, or
  θ = 0 when the output activation is ``bipolar_sigmoid`` or ``tanh`` (targets ±1);
- ``categorical_accuracy``: [argmax y = argmax t];
- ``accuracy``: binary for one output unit, categorical for more (as Keras picks);
- ``mse``: the mean over outputs of (t_k − y_k)².

>>> import numpy as np
>>> m = resolve(["accuracy"], output_units=1, activation="sigmoid")[0]
>>> m.name, m(np.array([[1.0], [0.0]]), np.array([[0.7], [0.6]])).tolist()
('accuracy', [1.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["Metric", "resolve", "check", "names", "binary_accuracy", "categorical_accuracy", "mse"]

ArrayMetric = Callable[[np.ndarray, np.ndarray], np.ndarray]

BIPOLAR_ACTIVATIONS = ("bipolar_sigmoid", "tanh")


def binary_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5
                    ) -> np.ndarray:
    """mean_k [y_k > θ] = [t_k > θ]: (batch, K) → (batch,)."""
    return np.mean((y_pred > threshold) == (y_true > threshold), axis=-1)


def categorical_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """[argmax y = argmax t]: (batch, K) → (batch,)."""
    return (np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)).astype(np.float64)


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """mean_k (t_k − y_k)²: (batch, K) → (batch,)."""
    d = y_true - y_pred
    return np.mean(d * d, axis=-1)


@dataclass(frozen=True)
class Metric:
    """A named per-example metric on arrays."""

    name: str
    function: ArrayMetric

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return self.function(y_true, y_pred)


_NAMES = ("accuracy", "binary_accuracy", "categorical_accuracy", "mse")


def names() -> list[str]:
    """The valid metric names."""
    return list(_NAMES)


def _one(name: str, output_units: int, activation: str) -> Metric:
    threshold = 0.0 if activation in BIPOLAR_ACTIVATIONS else 0.5
    key = {"acc": "accuracy", "mean_squared_error": "mse"}.get(name, name)
    if key == "accuracy":
        key = "binary_accuracy" if output_units == 1 else "categorical_accuracy"
    if key == "binary_accuracy":
        return Metric(name, lambda t, y: binary_accuracy(t, y, threshold))
    if key == "categorical_accuracy":
        return Metric(name, categorical_accuracy)
    if key == "mse":
        return Metric(name, mse)
    raise ValueError(f"unknown metric. Received: metrics=[{name!r}]; valid names: "
                     f"{', '.join(_NAMES)}")


def check(metrics: Iterable[str] | None) -> list[str]:
    """The metric names, validated (before the output width is known)."""
    if metrics is None:
        return []
    if isinstance(metrics, str):
        metrics = [metrics]
    found = []
    for name in metrics:
        if not isinstance(name, str):
            raise ValueError(f"metrics must be names. Received: {name!r}; valid names: "
                             f"{', '.join(_NAMES)}")
        _one(name, 1, "sigmoid")
        found.append(name)
    return found


def resolve(metrics: Iterable[str], output_units: int, activation: str) -> list[Metric]:
    """The metric functions for a model with ``output_units`` outputs and this output
    ``activation``.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    return [_one(name, output_units, activation) for name in check(metrics)]
