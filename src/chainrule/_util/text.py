"""Words and numbers in messages and printed text, the same way everywhere."""

from __future__ import annotations

import re

from chainrule._util import limits

__all__ = ["counted", "text_number", "check_text", "one_line"]

# C0 controls but tab, line feed and carriage return; DEL; C1 controls
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with ``noun``, in the plural unless ``n`` is 1.

    >>> counted(1, "value"), counted(3, "value"), counted(0, "decimal")
    ('1 value', '3 values', '0 decimals')
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def text_number(printed: str) -> str:
    """A printed number with the typographic minus sign used in text output.

    >>> text_number("-0.0065")
    '−0.0065'
    """
    return printed.replace("-", "−")


def check_text(value: str, where: str) -> str:
    """``value`` if it is a text a worked solution can print: no control characters, at
    most the ``string_chars`` limit."""
    if len(value) > limits.get("string_chars"):
        raise limits.exceeded("string_chars", len(value), where)
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"{where}: contains the control character "
                         f"U+{ord(found.group()):04X}; remove it")
    return value


def one_line(exc: BaseException) -> str:
    """The first line of an error's message, naming the file of an ``OSError``."""
    if isinstance(exc, MemoryError):
        return "not enough memory for this network and data; use fewer or smaller layers"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply"
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
