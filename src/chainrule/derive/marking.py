"""When a written number agrees with a worked solution, and what it is worth: the rule, once.

A value printed with ``d`` decimals stands for any number within half a unit of its last
decimal, ``half_unit(d)``. An equation's *interval* is where its unrounded value may lie when
every value it uses may have been carried at full precision or rounded as printed::

    interval(id) = evaluate_interval(formula, r ↦ widened(interval(r), decimals(r)))

A value ``v`` written with ``d`` decimals *agrees* with an interval when it lies in
``accepted(interval, d)``: the interval widened by half a unit of the ``d``-th decimal and a
slack for binary noise. ``chainrule check`` grades "right" that way (``teach.slips.world``
builds its worlds from these functions), and the HTML practice page receives the accepted
bounds of each line from here, so that its script only compares.

>>> accepted((0.5227, 0.5227), 4)[0] < 0.52266 < 0.52274 < accepted((0.5227, 0.5227), 4)[1]
True
>>> agrees(0.5228, 4, (0.5227, 0.5227))
False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from chainrule.calculus.evaluate import evaluate_interval
from chainrule.calculus.formula import Node
from chainrule.derive.rounding import round_value

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.solution import WorkedSolution

__all__ = ["Interval", "SLACK", "DEFAULT_MARKS", "FOLLOW_THROUGH", "half_unit", "tolerance",
           "accepted", "agrees", "widened", "formula_interval", "carried", "key_intervals"]

Interval = tuple[float, float]

#: Slack for binary noise when comparing decimal answers, relative to max(1, |value|).
SLACK = 1e-9

#: Marks per value of each kind in the default scheme (``teach.grading.marks``).
DEFAULT_MARKS: Mapping[str, float] = {
    "given": 0, "input": 0, "target": 0, "weight": 0, "net": 1, "out": 1, "error_term": 1,
    "error": 1, "dout": 1, "fprime": 1, "delta": 2, "gradient": 1, "change": 1, "update": 1,
    "loss": 0,
}
#: The share of its marks a follow-through value earns unless a scheme says otherwise.
FOLLOW_THROUGH = 1.0


def half_unit(decimals: int | None) -> float:
    """Half a unit of the last decimal: the rounding error of a printed value."""
    return 0.0 if decimals is None else 0.5 * 10.0 ** (-decimals)


def tolerance(decimals: int | None, near: float) -> float:
    """How far from a number ``near`` a value written with ``decimals`` places may lie and
    still be a rounding of it: half a unit, and the slack for binary noise."""
    return half_unit(decimals) + SLACK * max(1.0, abs(near))


def accepted(interval: Interval, decimals: int | None) -> Interval | None:
    """The values written with ``decimals`` places that agree with ``interval``; ``None``
    when the interval is unbounded (nothing agrees with it)."""
    lo, hi = interval
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return lo - tolerance(decimals, lo), hi + tolerance(decimals, hi)


def agrees(value: float, decimals: int, interval: Interval) -> bool:
    """Whether ``value`` written with ``decimals`` places can be a rounding of a number in
    ``interval``."""
    bounds = accepted(interval, decimals)
    return bounds is not None and bounds[0] <= value <= bounds[1]


def widened(interval: Interval, decimals: int | None) -> Interval:
    """Where a value may lie as later equations use it, carried either at full precision or
    rounded to its ``decimals``."""
    h = half_unit(decimals)
    return interval[0] - h, interval[1] + h


def formula_interval(formula: Node, usable: Callable[[str], Interval]) -> Interval:
    """Where ``formula``'s value may lie when each reference ``r`` lies in ``usable(r)``;
    unbounded where the arithmetic fails (a division by an interval holding 0)."""
    try:
        with np.errstate(all="ignore"):
            lo, hi = evaluate_interval(formula, usable)
    except (ArithmeticError, ValueError, TypeError):
        return -math.inf, math.inf
    return (lo, hi) if lo <= hi else (-math.inf, math.inf)


def carried(value: float, decimals: int | None, carry: str, tie: str) -> float:
    """``value`` as later equations use it: as computed for carry ``"full"``, else rounded to
    its printed ``decimals`` with the tie rule ``tie``."""
    if carry == "full" or decimals is None or not math.isfinite(value):
        return value
    return float(round_value(value, decimals, tie))


def key_intervals(solution: WorkedSolution) -> dict[str, Interval]:
    """Every equation's interval (module doc), in the solution's order: the values
    ``chainrule check`` grades right are those that agree with them."""
    eqs = solution.equations
    out: dict[str, Interval] = {}

    def interval(qid: str) -> Interval:
        if qid not in out:
            eq = eqs[qid]
            out[qid] = ((float(eq.value), float(eq.value)) if eq.formula is None
                        else formula_interval(eq.formula, usable))
        return out[qid]

    def usable(qid: str) -> Interval:
        return widened(interval(qid), eqs[qid].decimals)

    for qid in eqs:  # in order, so that references resolve without deep recursion
        interval(qid)
    return out
