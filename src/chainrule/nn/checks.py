"""Checks on what users pass to ``fit``, ``evaluate`` and ``predict``.

Every failure is a ``ValueError`` that names the argument and quotes what was received.

>>> as_inputs([[0, 1]], input_dim=2).dtype
dtype('float64')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "positive_int", "as_inputs", "as_targets", "check_finite", "check_validation_split",
    "split_validation", "as_weights",
]


def positive_int(name: str, value: Any, allow_none: bool = False) -> int | None:
    """``value`` as an int > 0 (``None`` passes when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise if ``array`` (2-D) holds a NaN or an infinity, naming the first one's place.

    A finite sum means every value is finite, and costs no array as large as the data (a
    sum that overflows is looked at value by value)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(array, axis=None)):
            return
    bad = ~np.isfinite(array)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite. Received: {name}[{row}, {col}] = {array[row, col]} "
            f"({int(bad.sum())} non-finite value(s) in all)"
        )


def _as_float_array(data: Any, name: str, dtype: Any) -> np.ndarray:
    if hasattr(data, "numpy") and not isinstance(data, np.ndarray):
        data = data.numpy()
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array. Received: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric. Received: an array of dtype {array.dtype}")
    return array.astype(dtype, copy=False)


def as_inputs(x: Any, input_dim: int | None = None, dtype: Any = "float64",
              name: str = "x") -> np.ndarray:
    """``x`` as a finite 2-D float array (n, input_dim).

    Raises:
        ValueError: not 2-D, no rows, the wrong width, or a non-finite value.
    """
    array = _as_float_array(x, name, dtype)
    if array.ndim != 2:
        hint = f"; for one example use {name}.reshape(1, -1)" if array.ndim == 1 else ""
        raise ValueError(
            f"{name} must be 2-D (examples, features). Received: {name} of shape "
            f"{array.shape}{hint}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no examples. Received: {name} of shape {array.shape}")
    if input_dim is not None and array.shape[1] != input_dim:
        raise ValueError(
            f"{name} has {array.shape[1]} features but the model expects {input_dim}. "
            f"Received: {name} of shape {array.shape}"
        )
    check_finite(array, name)
    return array


def as_targets(y: Any, n: int, output_units: int, dtype: Any = "float64", name: str = "y",
               layer: str = "output") -> np.ndarray:
    """``y`` as a finite float array (n, output_units); a 1-D ``y`` is one output's column.

    Raises:
        ValueError: the wrong number of rows or columns, or a non-finite value.
    """
    array = _as_float_array(y, name, dtype)
    if array.ndim == 1 and output_units == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (examples, outputs). Received: {name} of shape {array.shape}"
        )
    if array.shape[0] != n:
        raise ValueError(
            f"{name} must have one row per example of x ({n}). Received: {name} of shape "
            f"{array.shape}"
        )
    if array.shape[1] != output_units:
        raise ValueError(
            f"{name} has {array.shape[1]} columns but the output layer {layer!r} has "
            f"{output_units} unit(s). Received: {name} of shape {array.shape}"
        )
    check_finite(array, name)
    return array


def check_validation_split(value: Any) -> float:
    """``value`` as a float in [0, 1)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0.0 <= number < 1.0:
        raise ValueError(
            f"validation_split must be a number in [0, 1). Received: validation_split={value!r}"
        )
    return number


def split_validation(x: np.ndarray, y: np.ndarray, validation_split: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Hold out the last fraction of the rows, before any shuffling (as Keras).

    The first ``int(n · (1 − validation_split))`` rows train, the rest validate.
    """
    if validation_split == 0:
        return x, y, None, None
    n = x.shape[0]
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split!r} leaves "
            f"{'no training' if split_at == 0 else 'no validation'} examples out of {n}"
        )
    return x[:split_at], y[:split_at], x[split_at:], y[split_at:]


def as_weights(weights: list[Any], slots: list[tuple[str, str, tuple[int, ...]]],
               dtype: Any = "float64") -> list[np.ndarray]:
    """Finite arrays of ``dtype`` with the shapes ``slots`` ask for, as fresh copies.

    ``slots``: ``(layer name, weight name, shape)`` per weight, e.g.
    ``("dense", "kernel", (2, 3))``.
    """
    if len(weights) != len(slots):
        names = ", ".join(f"{layer}.{name}" for layer, name, _ in slots)
        raise ValueError(
            f"set_weights expects {len(slots)} arrays ({names}). Received: {len(weights)} arrays"
        )
    arrays = []
    for (layer, name, shape), value in zip(slots, weights):
        array = np.array(value, dtype=dtype)
        if array.shape != shape:
            raise ValueError(
                f"layer {layer!r} {name} must have shape {shape}. Received: shape {array.shape}"
            )
        bad = ~np.isfinite(array)
        if bad.any():
            raise ValueError(f"layer {layer!r} {name} must be finite. Received: {array[bad][0]}")
        arrays.append(array)
    return arrays
