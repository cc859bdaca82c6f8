"""``Sequential.summary()``: a Keras-like table of layers, output shapes and parameter counts.

::

    Model: "sequential"
    _________________________________________________________________________
     Layer (type)            Output Shape        Activation         Param #
    =========================================================================
     dense (Dense)           (None, 2)           sigmoid                  6
     dense_1 (Dense)         (None, 1)           sigmoid                  3
    =========================================================================
    Total params: 9
    Trainable params: 9
    Non-trainable params: 0
    _________________________________________________________________________
"""

from __future__ import annotations

from typing import Any

__all__ = ["summary_table"]

_COLUMNS = (("Layer (type)", 24), ("Output Shape", 20), ("Activation", 16), ("Param #", 12))
_WIDTH = 1 + sum(width for _, width in _COLUMNS)


def _row(cells: tuple[str, str, str, str]) -> str:
    (_, w0), (_, w1), (_, w2), (_, w3) = _COLUMNS
    return f" {cells[0]:<{w0}}{cells[1]:<{w1}}{cells[2]:<{w2}}{cells[3]:>{w3}}"


def summary_table(model: Any) -> str:
    """The summary of a built ``Sequential`` as one string (no trailing newline)."""
    lines = [f'Model: "{model.name}"', "_" * _WIDTH, _row(tuple(c for c, _ in _COLUMNS)),
             "=" * _WIDTH]
    width = model.input_dim
    total = 0
    for layer in model.layers:
        width = layer.output_units(width)
        count = layer.count_params()
        total += count
        lines.append(_row((
            f"{layer.name} ({type(layer).__name__})", f"(None, {width})", layer.activation,
            f"{count:,}",
        )))
    lines += [
        "=" * _WIDTH,
        f"Total params: {total:,}",
        f"Trainable params: {total:,}",
        "Non-trainable params: 0",
        "_" * _WIDTH,
    ]
    return "\n".join(lines)
