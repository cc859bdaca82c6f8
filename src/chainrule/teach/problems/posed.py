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
from chainrule.teach.slips.world import World, agrees

__all__ = ["ill_posed", "asked_decimals", "detectable", "applicable", "hidden_slip",
           "MAX_DECIMALS"]

#: The most decimals an answer is raised to (a calculator's eight, and one more).
MAX_DECIMALS = 9
_TINY = 1e-6
_SLIP_CHANGE = 1e-3  # a slip moving no asked value by more than this does not apply
_CLEAR_CHANGE = 2e-2  # an applicable slip moves some asked value by at least this


def ill_posed(solution: WorkedSolution, asked: Sequence[str]) -> str | None:
    """Why ``solution`` is not a fair exam problem (see the module doc), or ``None``."""
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
    for variant in applicable(solution, asked):
        if not _changes(world_of(solution, variant), solution, asked, _CLEAR_CHANGE):
            return f"the slip {variant.slip} barely changes any asked value"
    return None


def _changes(world: World, solution: WorkedSolution, asked: Sequence[str],
             by: float = _SLIP_CHANGE) -> bool:
    """Whether ``world`` moves some asked value by more than ``by`` of its size."""
    for qid in asked:
        key = solution.equation(qid).exact
        value = world.value(qid)
        if not math.isfinite(value) or abs(value - key) > by * max(abs(key), _TINY):
            return True
    return False


def _fprime(act: str, net: float) -> float:
    """f′(net) from the calculus table's derivative (1 for a softmax, never asked)."""
    entry = activations.get(act)
    if entry.derivative is None:
        return 1.0
    values = {"z": net, "a": entry.scalar(net, entry.alpha), "alpha": entry.alpha}
    return evaluate(entry.derivative, values.__getitem__)


# --- decimals --------------------------------------------------------------------------------
Explain = Callable[[dict[str, int]], WorkedSolution]


def asked_decimals(solve: Explain, start: dict[str, int], asked: Sequence[str]
                   ) -> tuple[WorkedSolution, dict[str, int], str | None]:
    """The solution at the decimals the answers are asked with, those decimals per kind,
    and the first slip that still shows in no asked value (``None``: every one shows):
    ``start`` raised until two significant figures and every slip show (see the module
    doc). ``solve(decimals)`` explains the problem with decimals per kind."""
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
    hidden = hidden_slip(solution, asked)
    while hidden is not None and min(decimals.values()) < MAX_DECIMALS:
        decimals = {k: min(MAX_DECIMALS, n + 1) for k, n in decimals.items()}
        solution = solve(decimals)
        hidden = hidden_slip(solution, asked)
    return solution, decimals, hidden


def detectable(solution: WorkedSolution, slip_world: World, asked: Sequence[str]) -> bool:
    """Whether a sheet computed under a slip has some asked value the key marks wrong."""
    key = World(solution)
    for qid in asked:
        printed = slip_world.printed(qid)
        decimals = solution.equation(qid).decimals or 0
        if printed == "nan" or not agrees(float(printed), decimals, key.interval(qid)):
            return True
    return False


def applicable(solution: WorkedSolution, asked: Sequence[str]) -> list[Variant]:
    """The slip variants that change some asked value (see the module doc)."""
    return [v for v in candidates(solution) if v.slip not in ROUNDING
            and _changes(world_of(solution, v), solution, asked)]


def hidden_slip(solution: WorkedSolution, asked: Sequence[str]) -> str | None:
    """The first applicable slip no asked value shows at the solution's decimals."""
    for variant in applicable(solution, asked):
        if not detectable(solution, world_of(solution, variant), asked):
            return variant.slip
    return None
