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

from chainrule._util.display import html_table

__all__ = ["summary_table", "summary_html"]

_COLUMNS = (("Layer (type)", 24), ("Output Shape", 20), ("Activation", 16), ("Param #", 12))
_WIDTH = 1 + sum(width for _, width in _COLUMNS)


def _row(cells: tuple[str, str, str, str]) -> str:
    (_, w0), (_, w1), (_, w2), (_, w3) = _COLUMNS
    return f" {cells[0]:<{w0}}{cells[1]:<{w1}}{cells[2]:<{w2}}{cells[3]:>{w3}}"


def _layer_rows(model: Any) -> tuple[list[tuple[str, str, str, str]], int]:
    """Each layer's cells (name, output shape, activation, parameter count) and the total."""
    rows, width, total = [], model.input_dim, 0
    for layer in model.layers:
        width = layer.output_units(width)
        count = layer.count_params()
        total += count
        rows.append((f"{layer.name} ({type(layer).__name__})", f"(None, {width})",
                     layer.activation, f"{count:,}"))
    return rows, total


def _totals(total: int) -> list[str]:
    return [f"Total params: {total:,}", f"Trainable params: {total:,}",
            "Non-trainable params: 0"]


def summary_table(model: Any) -> str:
    """The summary of a built ``Sequential`` as one string (no trailing newline)."""
    rows, total = _layer_rows(model)
    lines = [f'Model: "{model.name}"', "_" * _WIDTH, _row(tuple(c for c, _ in _COLUMNS)),
             "=" * _WIDTH, *map(_row, rows), "=" * _WIDTH, *_totals(total), "_" * _WIDTH]
    return "\n".join(lines)


def summary_html(model: Any) -> str:
    """The summary of a built ``Sequential`` as an HTML table (every cell escaped text),
    for a notebook's display of the model."""
    rows, total = _layer_rows(model)
    return html_table([c for c, _ in _COLUMNS], rows, caption=f'Model: "{model.name}"',
                      footer=_totals(total))
