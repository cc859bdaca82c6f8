"""When a generated problem is a fair exam question, and with how many decimals it is asked.

A problem is *well posed* (``ill_posed`` returns ``None``) when, at full precision and
whatever decimals the answers are printed with:

- every net input satisfies 0.05 ≤ |net| ≤ 2.5 (no unit saturated, none on a kink) and every
  f′ is at least 0.05 (no zero derivative: ReLU units active);
- every output is at least 0.05 from its target (an error worth propagating);
- every asked value is non-zero (|value| ≥ 10⁻⁶) and below 10 in size;
- every slip that applies moves some asked value by at least 2 % of its size.

A slip of the catalogue *applies* to a problem when it changes some asked value by more than
one part in a thousand (``net_for_out`` does not apply to active ReLU units, whose output is
their net input). The decimals are then chosen (``asked_decimals``), never the problem: each
kind of value starts at the decimals asked for and is raised until its smallest value keeps
two significant figures; then every kind gets one more decimal at a time until every
applicable slip moves some asked value by more than its rounding — so the same seed gives
the same problem whatever the answer decimals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from chainrule.calculus import activations
from chainrule.calculus.evaluate import evaluate
from chainrule.derive import ids
from chainrule.derive.solution import WorkedSolution
from chainrule.teach.slips.catalogue import ROUNDING, Variant, candidates, world_of
from chainrule.teach.slips.world import World

__all__ = ["ill_posed", "judge", "slip_changes", "asked_decimals", "detectable", "applicable",
           "hidden_slip", "MAX_DECIMALS"]

#: The most decimals an answer is raised to (a calculator's eight, and one more).
MAX_DECIMALS = 9
_TINY = 1e-6
_SLIP_CHANGE = 1e-3  # a slip moving no asked value by more than this does not apply
_CLEAR_CHANGE = 2e-2  # an applicable slip moves some asked value by at least this


Changes = list[tuple[Variant, float]]


def ill_posed(solution: WorkedSolution, asked: Sequence[str]) -> str | None:
    """Why ``solution`` is not a fair exam problem (see the module doc), or ``None``."""
    return judge(solution, asked)[0]


def judge(solution: WorkedSolution, asked: Sequence[str]) -> tuple[str | None, Changes]:
    """``ill_posed``'s reason, and each slip variant with the change it makes
    (``slip_changes``; empty when a cheaper test failed first)."""
    reason = _unfair(solution, asked)
    if reason is not None:
        return reason, []
    changes = slip_changes(solution, asked)
    for variant, change in changes:
        if _SLIP_CHANGE < change < _CLEAR_CHANGE:
            return f"the slip {variant.slip} barely changes any asked value", changes
    return None, changes


def _unfair(solution: WorkedSolution, asked: Sequence[str]) -> str | None:
    acts = [layer.activation for layer in solution.network.layers]
    for step in solution.steps:
        for eq in step.equations():
            value = eq.exact
            if not math.isfinite(value) or abs(value) >= 10:
                return f"{eq.symbol.text} = {value!r} is out of range"
            if eq.kind == "net" and not 0.05 <= abs(value) <= 2.5:
                return f"{eq.symbol.text} = {value:.4f} saturates or sits at zero"
            if eq.kind == "net" and _fprime(acts[eq.key[1]], value) < 0.05:
                return f"f′({eq.symbol.text}) is (nearly) zero"
        for k in range(1, solution.network.sizes[-1] + 1):
            gap = abs(solution.equation(ids.t(step.id, k)).exact
                      - solution.equation(ids.out(step.id, len(acts) - 1, k)).exact)
            if gap < 0.05:
                return "an output is already at its target"
    for qid in asked:
        if abs(solution.equation(qid).exact) < _TINY:
            return f"{solution.equation(qid).symbol.text} is zero"
    return None


def slip_changes(solution: WorkedSolution, asked: Sequence[str]) -> Changes:
    """Each slip variant of the catalogue (not a rounding rule) with the largest change it
    makes to an asked value, relative to the value's size (told apart up to 2 %)."""
    key = World(solution)  # the key under the solution's own carry: drift is no change
    return [(v, _change(world_of(solution, v), key, asked)) for v in candidates(solution)
            if v.slip not in ROUNDING]


def _change(world: World, key_world: World, asked: Sequence[str]) -> float:
    """The largest relative change ``world`` makes to an asked value of the key, or any
    value from ``_CLEAR_CHANGE`` up (infinite: a value that is not finite)."""
    most = 0.0
    for qid in asked:
        key = key_world.value(qid)
        value = world.value(qid)
        if not math.isfinite(value):
            return math.inf
        most = max(most, abs(value - key) / max(abs(key), _TINY))
        if most >= _CLEAR_CHANGE:
            break
    return most


def _fprime(act: str, net: float) -> float:
    """f′(net) from the calculus table's derivative (1 for a softmax, never asked)."""
    entry = activations.get(act)
    if entry.derivative is None:
        return 1.0
    values = {"z": net, "a": entry.scalar(net, entry.alpha), "alpha": entry.alpha}
    return evaluate(entry.derivative, values.__getitem__)


# --- decimals --------------------------------------------------------------------------------
Explain = Callable[[dict[str, int]], WorkedSolution]


def asked_decimals(solve: Explain, start: dict[str, int], asked: Sequence[str],
                   applies: set[tuple[str, str]] | None = None
                   ) -> tuple[WorkedSolution, dict[str, int], str | None]:
    """The solution at the decimals the answers are asked with, those decimals per kind,
    and the first slip that still shows in no asked value (``None``: every one shows):
    ``start`` raised until two significant figures and every slip show (see the module
    doc). ``solve(decimals)`` explains the problem with decimals per kind; ``applies`` are
    the (slip, where) of the variants that apply (default: ``applicable`` at each step)."""
    decimals = dict(start)
    solution = solve(decimals)
    for kind in {solution.equation(q).kind for q in asked}:
        smallest = min(abs(solution.equation(q).exact) for q in asked
                       if solution.equation(q).kind == kind)
        needed = 1 - math.floor(math.log10(smallest))  # two significant figures
        decimals[kind] = min(MAX_DECIMALS, max(decimals[kind], needed))
    solution = solve(decimals)
    # a slip hidden by the rounding of the values it is computed from shows only when those
    # are printed finer too: every kind gets one more decimal, until each slip shows
    hidden = hidden_slip(solution, asked, applies)
    while hidden is not None and min(decimals.values()) < MAX_DECIMALS:
        decimals = {k: min(MAX_DECIMALS, n + 1) for k, n in decimals.items()}
        solution = solve(decimals)
        hidden = hidden_slip(solution, asked, applies)
    return solution, decimals, hidden


def detectable(solution: WorkedSolution, slip_world: World, asked: Sequence[str],
               key: World | None = None) -> bool:
    """Whether a sheet computed under a slip has some asked value the key marks wrong."""
    key = key or World(solution)
    for qid in asked:
        printed = slip_world.printed(qid)
        decimals = solution.equation(qid).decimals or 0
        if printed == "nan" or not key.right(qid, float(printed), decimals):
            return True
    return False


def applicable(solution: WorkedSolution, asked: Sequence[str],
               changes: Changes | None = None) -> list[Variant]:
    """The slip variants that change some asked value (see the module doc), from
    ``slip_changes`` if given."""
    changes = slip_changes(solution, asked) if changes is None else changes
    return [v for v, change in changes if change > _SLIP_CHANGE]


def hidden_slip(solution: WorkedSolution, asked: Sequence[str],
                applies: set[tuple[str, str]] | None = None) -> str | None:
    """The first applicable slip no asked value shows at the solution's decimals;
    ``applies``: the (slip, where) of the variants that apply (default: ``applicable``)."""
    if applies is None:
        found = applicable(solution, asked)
    else:
        found = [v for v in candidates(solution) if (v.slip, v.where) in applies]
    key = World(solution)
    for variant in found:
        if not detectable(solution, world_of(solution, variant), asked, key):
            return variant.slip
    return None
