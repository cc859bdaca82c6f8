"""The progress display of ``fit``, in the style Keras users know.

- ``verbose=1`` on a terminal: one live line, redrawn at most every 0.1 s and at the end::

      Epoch 370/1000 [==========>...................] - 1s - loss: 0.2345 - accuracy: 0.7500

- ``verbose=2``, or ``verbose=1`` when the output is not a terminal: one line per shown
  epoch, without timings, so the same run prints the same bytes::

      Epoch 100/10000 - loss: 0.2345 - accuracy: 0.7500

  To keep a long run from flooding a pipe or a log file, the lines are throttled: with E
  epochs, every epoch is shown when E ≤ 100; otherwise epoch 1, every ``every``-th epoch
  and the last one that ran (also when a callback stopped training early), where ``every``
  is the smallest of 1, 2, 5, 10, 20, 50, … with E / every ≤ 100. So 10,000 epochs print
  101 lines. Pass ``ProgressBar(every=1)`` in ``callbacks`` to see every epoch.
- ``verbose=0``: nothing.

``verbose="auto"`` means 1 (which becomes lines when the output is not a terminal).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import numpy as np

from chainrule.nn.hooks import Callback

__all__ = ["ProgressBar", "format_logs", "line_interval", "resolve_verbose"]

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1
MAX_LINES = 100


def resolve_verbose(verbose: Any) -> int:
    """0, 1 or 2 from ``verbose`` (``"auto"`` is 1).

    Raises:
        ValueError: for anything else.
    """
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return int(verbose)


def line_interval(epochs: int, max_lines: int = MAX_LINES) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … with ``epochs / every <= max_lines``.

    >>> line_interval(100), line_interval(150), line_interval(10_000)
    (1, 2, 100)
    """
    scale = 1
    while True:
        for step in (1, 2, 5):
            if epochs <= max_lines * step * scale:
                return step * scale
        scale *= 10


def format_value(value: float) -> str:
    """Keras's format: 4 decimals, or scientific for small non-zero values."""
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.4e}"
    return f"{value:.4f}"


def format_logs(logs: dict[str, float]) -> str:
    """``" - loss: 0.2500 - accuracy: 0.5000"`` from a logs dict."""
    return "".join(f" - {name}: {format_value(value)}" for name, value in logs.items())


def _lines(numbers: list[int], epochs: int, first: int, logs: dict[str, np.ndarray]) -> str:
    """The lines of epochs ``numbers`` (counted from 1) of a block that starts at epoch
    ``first`` (from 0): ``_line``'s text, by one %-template a line (``format_value``'s
    ``.4f`` wherever a column has no small non-zero value, else its own choice)."""
    at = np.asarray(numbers) - (first + 1)
    template = [f"Epoch %d/{epochs}"]
    columns: list[list[Any]] = [list(numbers)]
    for name, values in logs.items():
        column = np.asarray(values, np.float64)[at]
        plain = not np.any((column != 0) & (np.abs(column) < 1e-3))
        template.append(f" - {name.replace('%', '%%')}: " + ("%.4f" if plain else "%s"))
        columns.append(column.tolist() if plain else [format_value(v) for v in column.tolist()])
    line = "".join(template) + "\n"
    return "".join([line % row for row in zip(*columns)])


class ProgressBar(Callback):
    """Shows training progress; ``fit(verbose=...)`` adds one for you.

    Args:
        verbose: 1 for the live bar (lines when not a terminal), 2 for lines.
        every: show every ``every``-th epoch in line mode (default: see the module doc).
        stream: where to write (default: ``sys.stdout`` at the time of writing).
    """

    def __init__(self, verbose: Any = 1, every: int | None = None,
                 stream: TextIO | None = None) -> None:
        super().__init__()
        self.verbose = resolve_verbose(verbose)
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)
                                  or every <= 0):
            raise ValueError(f"every must be a positive integer. Received: every={every!r}")
        self.every = every
        self.stream = stream

    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stdout

    def _is_terminal(self) -> bool:
        isatty = getattr(self._out(), "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def on_train_begin(self, logs=None):
        self.epochs = int(self.params.get("epochs", 1))
        self.live = self.verbose == 1 and self._is_terminal()
        self._every = self.every or line_interval(self.epochs)
        self._start = time.monotonic()
        self._last_draw = -float("inf")
        self._last = None  # (epoch, logs) of the last epoch that ran
        self._shown = None
        self._width = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 0:
            return
        self._last = (epoch, dict(logs or {}))
        number = epoch + 1
        if self.live:
            now = time.monotonic()
            if now - self._last_draw >= REDRAW_SECONDS or number == self.epochs:
                self._last_draw = now
                self._draw(epoch, logs or {})
        elif number == 1 or number % self._every == 0 or number == self.epochs:
            self._line(epoch, logs or {})

    def on_block_end(self, epochs: range, logs: dict[str, np.ndarray]) -> None:
        """Show a block of epochs at once (``logs[name][i]`` is epoch ``epochs[i]``'s): the
        lines ``on_epoch_end`` would print, written together, or one redraw of the bar."""
        if self.verbose == 0 or not epochs:
            return
        first, last = epochs[0], epochs[-1]
        self._last = (last, {name: float(values[-1]) for name, values in logs.items()})
        if self.live:
            now = time.monotonic()
            if now - self._last_draw >= REDRAW_SECONDS or last + 1 == self.epochs:
                self._last_draw = now
                self._draw(last, self._last[1])
            return
        every = self._every
        numbers = {1, self.epochs, *range(-(-(first + 1) // every) * every, last + 2, every)}
        shown = sorted(k for k in numbers if first < k <= last + 1)
        if shown:
            self._shown = shown[-1] - 1
            out = self._out()
            out.write(_lines(shown, self.epochs, first, logs))
            out.flush()

    def on_train_end(self, logs=None):
        if self.verbose == 0 or self._last is None:
            return
        epoch, last_logs = self._last
        if self.live:
            if self._shown != epoch:
                self._draw(epoch, last_logs)
            self._out().write("\n")
            self._out().flush()
        elif self._shown != epoch:
            self._line(epoch, last_logs)

    def _line(self, epoch: int, logs: dict[str, float]) -> None:
        self._shown = epoch
        out = self._out()
        out.write(f"Epoch {epoch + 1}/{self.epochs}{format_logs(logs)}\n")
        out.flush()

    def _draw(self, epoch: int, logs: dict[str, float]) -> None:
        self._shown = epoch
        done = (epoch + 1) / max(self.epochs, 1)
        filled = int(BAR_WIDTH * done)
        arrow = ">" if filled < BAR_WIDTH else ""
        bar = "=" * filled + arrow + "." * (BAR_WIDTH - filled - len(arrow))
        elapsed = time.monotonic() - self._start
        text = (f"Epoch {epoch + 1}/{self.epochs} [{bar}] - {elapsed:.0f}s"
                f"{format_logs(logs)}")
        out = self._out()
        out.write("\r" + text + " " * max(0, self._width - len(text)))
        self._width = len(text)
        out.flush()
