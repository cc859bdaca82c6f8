"""Rounding as a student's calculator does it: the tie rule of every worked solution.

A value is first written with 15 significant digits, as a calculator's display shows it
(this removes binary noise, e.g. 0.12499999999999999 → 0.125), then rounded to ``decimals``
with the tie rule — ``"half_away"`` (round half away from zero, a student's calculator and
the default) or ``"half_even"`` (banker's rounding, NumPy's ``np.round``). Decimal
arithmetic does the rounding, so ties are decided on the decimal digits, never on the
binary approximation.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

__all__ = ["TIE_RULES", "round_value", "format_value", "format_exact"]

#: Tie rules for ``round_value``: name → the ``decimal`` rounding mode.
TIE_RULES = {"half_away": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}
_CALCULATOR_DIGITS = 15


def round_value(value: float, decimals: int, tie: str = "half_away") -> Decimal:
    """``value`` rounded to ``decimals`` places as a calculator does (see the module doc).

    >>> str(round_value(0.13125, 4)), str(round_value(-0.00065, 4)), str(round_value(0.125, 2))
    ('0.1313', '-0.0007', '0.13')
    >>> str(round_value(0.125, 2, "half_even"))
    '0.12'
    """
    if tie not in TIE_RULES:
        raise ValueError(f"unknown tie rule. Received: tie={tie!r}; valid: {', '.join(TIE_RULES)}")
    if not math.isfinite(value):
        raise ValueError(f"cannot round a non-finite value. Received: {value!r}")
    shown = Decimal(format(value, f".{_CALCULATOR_DIGITS}g"))
    with localcontext() as context:  # room for every digit, however large the value
        context.prec = max(28, shown.adjusted() + decimals + 3)
        rounded = shown.quantize(Decimal(1).scaleb(-decimals), rounding=TIE_RULES[tie])
    return abs(rounded) if rounded == 0 else rounded  # never print −0.0000


def format_value(value: float, decimals: int, tie: str = "half_away") -> str:
    """``value`` rounded and written with exactly ``decimals`` places: ``"-0.0065"``."""
    return format(round_value(value, decimals, tie), "f")


def format_exact(value: float) -> str:
    """A given number written as short as it round-trips: 0.15 → ``"0.15"``, 1.0 → ``"1"``."""
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return "0" if text in ("-0", "0") else text
