"""TOML from someone else's file: parsed within limits, and only text a page can show.

``parse(text, label)`` is ``tomllib.loads`` with every failure a ``ValueError`` that names
the file: a syntax error (with its line), nesting deeper than the ``nesting`` limit (checked
before parsing, so no parser recursion runs away), a text value longer than the
``string_chars`` limit, or a control character in a text value or key (a terminal escape, a
bell: nothing a worked solution prints, and what an HTML or SVG page could not carry).

>>> parse('title = "XOR"\\n', "p.toml")
{'title': 'XOR'}
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from chainrule._util import limits
from chainrule._util.text import check_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["parse", "load", "check_nesting", "TOMLDecodeError"]

TOMLDecodeError = tomllib.TOMLDecodeError


def parse(text: str, label: str, parse_float: Callable[[str], Any] = float) -> dict[str, Any]:
    """The TOML ``text`` of the file ``label``, checked (see the module doc)."""
    try:
        return load(text, label, parse_float)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{label}: TOML syntax error: {exc}") from None


def load(text: str, label: str, parse_float: Callable[[str], Any] = float) -> dict[str, Any]:
    """As ``parse``, but a syntax error stays a ``TOMLDecodeError`` for the caller to word."""
    check_nesting(text, label)
    try:
        data = tomllib.loads(text, parse_float=parse_float)
    except RecursionError:  # the depth check above makes this unreachable in practice
        raise ValueError(f"{label}: nested too deeply") from None
    _check_values(data, label, "")
    return data


def check_nesting(text: str, label: str) -> None:
    """Refuse arrays and tables (TOML) or arrays and objects (JSON) nested deeper than the
    ``nesting`` limit, counting brackets outside quoted strings (a bracket in a multi-line
    string may be counted: an over-estimate), before a parser recurses into them."""
    limit = limits.get("nesting")
    if text.count("[") + text.count("{") <= limit:
        return
    depth, quote, escaped = 0, "", False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote or ch == "\n":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > limit:
                raise limits.exceeded("nesting", depth, f"{label}: nesting")
        elif ch in "]}":
            depth = max(0, depth - 1)


def _check_values(value: Any, label: str, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            check_text(key, f"{label}: key {key[:40]!r}")
            _check_values(item, label, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for item in value:
            _check_values(item, label, where)
    elif isinstance(value, str):
        check_text(value, f"{label}: {where or 'value'}")
