"""Limits on what a file or an argument may ask chainrule to do, each with a default and an
environment variable that raises (or lowers) it.

A problem file, an answer sheet, a data file or a saved model is someone else's input: each
is refused before any work starts when it asks for more than a limit, with one line that
names the limit and how to raise it (``docs/limits.md`` lists them all)::

    CHAINRULE_MAX_EQUATIONS=200000 chainrule explain big.toml

>>> get("equations") > 0
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Limit", "LIMITS", "get", "exceeded"]


@dataclass(frozen=True)
class Limit:
    """A bound: its name, default value, unit and what it bounds."""

    name: str
    default: int
    unit: str
    what: str

    @property
    def variable(self) -> str:
        """The environment variable that sets it."""
        return f"CHAINRULE_MAX_{self.name.upper()}"


LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("equations", 50_000, "equations",
          "equations in one worked solution: steps × the equations of a step"),
    Limit("text_bytes", 10_000_000, "bytes",
          "size of a problem file, answer sheet, mark scheme or training history"),
    Limit("data_bytes", 2_000_000_000, "bytes", "size of a CSV, .npy or .npz data file"),
    Limit("array_bytes", 2_000_000_000, "bytes",
          "decompressed size of an array in an .npz file (a saved model or data)"),
    Limit("string_chars", 10_000, "characters",
          "length of one text value in a problem file or answer sheet (a title, a name)"),
    Limit("nesting", 32, "levels", "nesting of tables and arrays in a TOML or JSON input"),
    Limit("classes", 1_000, "classes", "distinct values of a CSV's text target column"),
    Limit("variants", 1_000, "variants", "variants of one generated exam"),
    Limit("sheets", 10_000, "sheets", "practice sheets one chainrule grade --make-sheets writes"),
    Limit("graph_nodes", 400, "nodes", "nodes of one drawn computation graph"),
)}


def get(name: str) -> int:
    """The limit ``name``: its environment variable if set, else its default.

    Raises:
        ValueError: the variable is set to something that is not a positive integer.
    """
    limit = LIMITS[name]
    text = os.environ.get(limit.variable)
    if text is None or not text.strip():
        return limit.default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{limit.variable} must be a positive whole number. Received: "
                         f"{text!r}")
    return value


def exceeded(name: str, amount: int, what: str) -> ValueError:
    """The one-line error for ``what`` asking for ``amount`` where limit ``name`` allows less.

    >>> str(exceeded("equations", 60000, "this solution"))[:56]
    'this solution: 60000 equations, over the limit of 50000 '
    """
    limit = LIMITS[name]
    return ValueError(f"{what}: {amount} {limit.unit}, over the limit of {get(name)} "
                      f"({limit.what}); set {limit.variable} to raise it")
