"""Words and numbers in messages and printed text, the same way everywhere."""

from __future__ import annotations

__all__ = ["counted", "text_number"]


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
