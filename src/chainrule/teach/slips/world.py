"""Evaluate a worked solution's equations again: under other rules, or from a student's values.

A :class:`World` gives every equation of a ``WorkedSolution`` a value and an interval, from
the equations' formula trees. Three things can differ from the solution itself:

- ``formulas``: some equations rewritten (a *variant* derivation: a slip, see ``slips``);
- ``carry`` / ``tie``: the other carry or tie rule (rounding drift);
- ``pinned``: some values fixed to what a student wrote (follow-through marking).

An equation's *interval* is where its unrounded value may lie when every value it uses may
have been carried either at full precision or rounded to its printed decimals::

    interval(id) = evaluate_interval(formula, r ↦ interval(r) ± ½·10^−decimals(r))

A student's value ``v`` written with ``d`` decimals agrees with an equation when
``v`` lies within ½·10^−d of that interval (``agrees``). The rule itself (half units, the
widening, the slack) is ``chainrule.derive.marking``'s, which the HTML practice page reads too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from chainrule.calculus.evaluate import evaluate
from chainrule.calculus.formula import Node
from chainrule.derive import explain, ids
from chainrule.derive.marking import (
    Interval,
    agrees,
    carried,
    formula_interval,
    half_unit,
    widened,
)
from chainrule.derive.rounding import format_exact, format_value
from chainrule.derive.solution import Equation, WorkedSolution

__all__ = ["World", "Pin", "half_unit", "agrees", "rederive", "Interval"]

Pin = tuple[float, int]  # (value as written, decimals written)


class World:
    """Values and intervals of every equation of ``solution`` under changed rules.

    Args:
        solution: the worked solution whose equations are re-evaluated.
        formulas: id → formula replacing the equation's own (a variant derivation).
        extra: equations the solution does not have (e.g. a frozen bias's update).
        carry, tie: rounding rules (default: the solution's conventions).
        pinned: id → (value, decimals) a student wrote; the value is used as written.
    """

    def __init__(self, solution: WorkedSolution, *, formulas: Mapping[str, Node] | None = None,
                 extra: Mapping[str, Equation] | None = None, carry: str | None = None,
                 tie: str | None = None, pinned: Mapping[str, Pin] | None = None) -> None:
        self.solution = solution
        self.equations: dict[str, Equation] = dict(solution.equations)
        self.equations.update(extra or {})
        self.formulas = dict(formulas or {})
        self.carry = carry or solution.conventions.carry
        self.tie = tie or solution.conventions.tie
        self.pinned = dict(pinned or {})
        self._ids = _ordered(list(solution.equations.values()), list((extra or {}).values()))
        self.order = {qid: n for n, qid in enumerate(self._ids)}
        self._values: dict[str, float] = {}
        self._intervals: dict[str, Interval] = {}
        self._primed = 0
        self._priming = False

    # --- structure ---------------------------------------------------------------------------
    def formula(self, qid: str) -> Node | None:
        if qid in self.formulas:
            return self.formulas[qid]
        return self.equation(qid).formula

    def equation(self, qid: str) -> Equation:
        try:
            return self.equations[qid]
        except KeyError:
            raise KeyError(f"no equation with id {qid!r}") from None

    def decimals(self, qid: str) -> int | None:
        return self.equation(qid).decimals

    def _prime(self, qid: str) -> None:
        """Compute every equation before ``qid`` first, in order, so that recursion only
        follows references within a step (long runs would otherwise recurse per step)."""
        if self._priming:  # a reference ahead of the loop below: plain recursion
            return
        self._priming = True
        try:
            stop = self.order.get(qid, 0)
            while self._primed < stop:
                earlier = self._ids[self._primed]
                self._primed += 1
                self.value(earlier)
                self.interval(earlier)
        finally:
            self._priming = False

    # --- values ------------------------------------------------------------------------------
    def derived_value(self, qid: str) -> float:
        """The value the formula gives (ignoring a pin on ``qid`` itself)."""
        formula = self.formula(qid)
        if formula is None:
            return float(self.equation(qid).value)
        with np.errstate(all="ignore"):
            return evaluate(formula, self.carried)

    def value(self, qid: str) -> float:
        """The value before its own rounding (a pinned value as written)."""
        if qid in self.pinned:
            return self.pinned[qid][0]
        if qid not in self._values:
            self._prime(qid)
            self._values[qid] = _finite_or_nan(self.derived_value, qid)
        return self._values[qid]

    def carried(self, qid: str) -> float:
        """The value as later equations use it under this world's carry rule."""
        value = self.value(qid)
        if qid in self.pinned:
            return value
        return carried(value, self.decimals(qid), self.carry, self.tie)

    def printed(self, qid: str) -> str:
        """The value as this world would print it."""
        decimals, value = self.decimals(qid), self.value(qid)
        if not math.isfinite(value):
            return "nan"
        if decimals is None:
            return format_exact(value)
        return format_value(value, decimals, self.tie)

    def printed_derived(self, qid: str) -> str:
        """What the formula gives (ignoring a pin on ``qid``), printed as the solution would."""
        decimals, value = self.decimals(qid), _finite_or_nan(self.derived_value, qid)
        if value != value:
            return "nan"
        return format_exact(value) if decimals is None else format_value(value, decimals,
                                                                         self.tie)

    # --- intervals ---------------------------------------------------------------------------
    def derived_interval(self, qid: str) -> Interval:
        """Where the formula's value may lie (ignoring a pin on ``qid`` itself)."""
        formula = self.formula(qid)
        if formula is None:
            value = float(self.equation(qid).value)
            return value, value
        return formula_interval(formula, self.usable)

    def interval(self, qid: str) -> Interval:
        """Where the value may lie before its own rounding (a pin: as written ± ½ unit)."""
        if qid in self.pinned:
            value, decimals = self.pinned[qid]
            h = half_unit(decimals)
            return value - h, value + h
        if qid not in self._intervals:
            self._prime(qid)
            self._intervals[qid] = self.derived_interval(qid)
        return self._intervals[qid]

    def right(self, qid: str, value: float, decimals: int) -> bool:
        """Whether ``value``, written to ``decimals`` places, is right for ``qid`` in this
        world (a rounding of a number in its interval): ``check``'s test in the key's world."""
        return agrees(value, decimals, self.interval(qid))

    def usable(self, qid: str) -> Interval:
        """Where the value may lie as used by later equations, carried either way."""
        if qid in self.pinned:
            return self.interval(qid)
        return widened(self.interval(qid), self.decimals(qid))


def _ordered(equations: list[Equation], extra: list[Equation]) -> list[str]:
    """Ids in the solution's order, each extra equation after the last one of its step."""
    order = [eq.id for eq in equations if eq.id not in {e.id for e in extra}]
    for eq in extra:
        last = max((n for n, qid in enumerate(order)
                    if ids.parse(qid).step == eq.step), default=len(order) - 1)
        order.insert(last + 1, eq.id)
    return order


def _finite_or_nan(f: Any, qid: str) -> float:
    try:
        value = float(f(qid))
    except (ArithmeticError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


# --- re-deriving a solution under other switches ----------------------------------------------
def rederive(solution: WorkedSolution, **switches: Any) -> WorkedSolution:
    """The same problem explained again with some convention switches changed.

    The network, examples, learning rate and epochs are read back from the solution's given
    values, so this works for any ``WorkedSolution``::

        rederive(solution, update_bias=True)      # the frozen biases updated after all
    """
    eqs = solution.equations
    c = solution.conventions
    sizes = solution.network.sizes
    layers = []
    for layer in range(1, len(sizes)):
        kernel = np.array([[eqs[ids.weight(None, ("w", layer, i, j))].value
                            for j in range(1, sizes[layer] + 1)]
                           for i in range(1, sizes[layer - 1] + 1)], dtype=np.float64)
        layers.append((kernel, _bias(solution, layer), solution.network.layers[layer].activation))
    first = [s for s in solution.steps if s.epoch == 1]
    xs = [[eqs[ids.x(s.id, i)].value for i in range(1, sizes[0] + 1)] for s in first]
    ts = [[eqs[ids.t(s.id, k)].value for k in range(1, sizes[-1] + 1)] for s in first]
    return explain(layers, xs, ts, learning_rate=eqs[ids.ETA].value, convention=c.replace(
        **switches), epochs=solution.epochs, title=solution.title)


def _bias(solution: WorkedSolution, layer: int) -> np.ndarray | None:
    eqs, form = solution.equations, solution.conventions.bias
    units = solution.network.sizes[layer]
    if form == "none":
        return None
    if form == "shared":
        return np.full(units, eqs[ids.weight(None, ("b", layer))].value, dtype=np.float64)
    sign = -1.0 if form == "threshold" else 1.0
    return np.array([sign * eqs[ids.weight(None, ("b", layer, j))].value
                     for j in range(1, units + 1)],
                    dtype=np.float64)
