"""Replay a source's printed numbers against the worked solution of its problem file.

A problem file's ``[published]`` table holds numbers as the source prints them. Each is
compared, at its printed precision, with the solution under the source's own rules (the
file's conventions) and at full precision. A number that does not follow from the source's
rules is a *slip*; the replay then evaluates the variants of the slip catalogue — the very
ones a student's sheet is graded against (``chainrule.teach.slips``): the other carry or tie
rule first, then every slip, alone and in pairs — and says which one reproduces it. The
findings become notes of the solution::

    Err_6 = 0.1311 as printed is the value carried as printed (rounded carry); at full
    precision it is 0.1312.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

import numpy as np

from chainrule._util.text import text_number
from chainrule.derive import ids
from chainrule.derive.conventions import Conventions
from chainrule.derive.rounding import format_value
from chainrule.derive.solution import WorkedSolution
from chainrule.teach.problems.schema import name_key
from chainrule.teach.slips.catalogue import ROUNDING, Variant, candidates, combine, world_of
from chainrule.teach.slips.world import World

__all__ = ["Published", "Comparison", "compare", "notes"]


@dataclass(frozen=True)
class Published:
    """A number as the source prints it: ``key`` names the quantity (a symbol of the
    solution, ``symbol@sN`` for step N, or an equation id), ``printed`` is the source's
    digits; ``product`` names factors when the source prints a product the solution does
    not write as its own equation (Mazur's ∂E_o2/∂out_h1 = δ_o2·w_7)."""

    key: str
    printed: str
    product: tuple[str, ...] = ()


class Problem(Protocol):
    """What the replay reads of a problem file (``files.Problem``)."""

    name: str
    x: np.ndarray
    epochs: int
    published: tuple[Published, ...]

    def conventions(self) -> Conventions: ...

    def explain(self, conventions: Conventions, epochs: int | None = None
                ) -> WorkedSolution: ...


@dataclass(frozen=True)
class Comparison:
    """One published number against the solution.

    Attributes:
        key: the ``[published]`` key as written in the file.
        label: the quantity as the solution names it (``Err_6``, ``E_total in step 2``).
        printed: the source's digits.
        ours: the value under the source's rules (the file's conventions), at the printed
            number of decimals.
        full: the value at full precision, at the printed number of decimals.
        reproduced_by: for a slip, the variant rules under which the printed number comes
            out (descriptions), empty if none does.
    """

    key: str
    label: str
    printed: str
    ours: str
    full: str
    reproduced_by: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``ok``; ``rounded_carry`` (follows from the source's rules only as printed
        values are carried); ``slip`` (does not follow from the source's rules)."""
        if self.ours != self.printed:
            return "slip"
        return "ok" if self.full == self.printed else "rounded_carry"


def compare(problem: Problem, solution: WorkedSolution | None = None) -> tuple[Comparison, ...]:
    """Every ``[published]`` number of ``problem`` against its solution under the file's
    conventions (``solution``, if already computed under them)."""
    if not problem.published:
        return ()
    epochs = _epochs_needed(problem)
    if solution is None or solution.epochs < epochs:
        solution = problem.explain(problem.conventions(), epochs)
    own, full = World(solution), World(solution, carry="full")
    tried: list[Variant] | None = None
    out = []
    for entry in problem.published:
        ids, label = _resolve(problem.name, entry, solution)
        ours = _printed(own, ids, entry)
        found: tuple[str, ...] = ()
        if ours != entry.printed:
            tried = tried if tried is not None else _candidates(solution)
            found = _reproducing(solution, ids, entry, tried)
        out.append(Comparison(entry.key, label, entry.printed, ours, _printed(full, ids, entry),
                              found))
    return tuple(out)


def notes(comparisons: tuple[Comparison, ...]) -> list[str]:
    """A note for every published number that is not simply reproduced."""
    out = []
    for cmp in comparisons:
        printed, ours, full = (text_number(v) for v in (cmp.printed, cmp.ours, cmp.full))
        if cmp.status == "rounded_carry":
            out.append(f"The source prints {cmp.label} = {printed}: the value carried as "
                       f"printed (rounded carry), as the source works; at full precision it "
                       f"is {full}.")
        elif cmp.status == "slip":
            how = (f"; the printed number follows from {' with '.join(cmp.reproduced_by)}"
                   if cmp.reproduced_by else "; no variant rule chainrule knows gives it")
            out.append(f"Published slip: the source prints {cmp.label} = {printed}, but its "
                       f"own rules give {ours}{how}.")
    return out


# --- resolving keys ------------------------------------------------------------------------
def _step_of(key: str) -> int:
    """The step a key refers to: ``s2.E`` and ``E_total@s2`` → 2; a bare symbol → 1."""
    head = key.partition("@")[2] or key.partition(".")[0]
    if head.startswith("s") and head[1:].isdigit():
        return int(head[1:])
    return 1


def _epochs_needed(problem: Problem) -> int:
    steps = max(_step_of(k) for e in problem.published for k in (e.key, *e.product))
    return max(problem.epochs, math.ceil(steps / len(problem.x)))


def _resolve(name: str, entry: Published, solution: WorkedSolution) -> tuple[list[str], str]:
    """The equation ids an entry refers to (its own, or its product's factors) and a label."""
    step = _step_of(entry.key)
    if not entry.product:
        qid = _lookup(name, entry.key, solution, step)
        eq = solution.equation(qid)
        return [qid], eq.symbol.text + _after(step)
    ids = [_lookup(name, f, solution, step) for f in entry.product]
    return ids, entry.key.partition("@")[0] + _after(step)


def _after(step: int) -> str:
    updates = step - 1
    return f" in step {step} (after {updates} update{'s' * (updates > 1)})" if updates else ""


def _lookup(name: str, key: str, solution: WorkedSolution, step: int) -> str:
    if key in solution.equations:
        return key
    symbol = key.partition("@")[0]
    found = _symbols(solution, ids.step(step)).get(name_key(symbol), set())
    if len(found) == 1:
        return next(iter(found))
    where = f"{name}: [published] {key!r}"
    if found:
        raise ValueError(f"{where}: {symbol!r} names several quantities ({', '.join(found)}); "
                         "write the equation id instead")
    raise ValueError(f"{where}: the solution has no quantity {symbol!r} in step {step}; write "
                     "a symbol as the solution prints it (e.g. Err_6, w_46⁺) or an equation "
                     "id (e.g. s1.delta.2.1)")


def _symbols(solution: WorkedSolution, step: str) -> dict[str, set[str]]:
    """Spelling → ids of the step's equations, then of the given values it does not name."""
    table: dict[str, set[str]] = {}
    for eq in solution.step(step).equations():
        table.setdefault(name_key(eq.symbol.text), set()).add(eq.id)
    for eq in solution.given:
        table.setdefault(name_key(eq.symbol.text), {eq.id})
    return table


# --- values at printed precision -----------------------------------------------------------
def _printed(world: World, ids: list[str], entry: Published) -> str:
    """The value of ``entry`` in ``world`` at the printed decimals; a product's factors are
    used as the world carries them (as printed under rounded carry)."""
    if entry.product:
        value = math.prod(world.carried(i) for i in ids)
    else:
        value = world.value(ids[0])
    return format_value(value, _decimals(entry.printed), world.tie)


def _decimals(printed: str) -> int:
    return len(printed.partition(".")[2])


def _reproducing(solution: WorkedSolution, ids: list[str], entry: Published,
                 tried: list[Variant]) -> tuple[str, ...]:
    """The rules (one, else two together) under which the printed number comes out: the
    slips' own variants, the rounding ones first (the same method, rounded another way)."""
    for size in (1, 2):
        for combo in combinations(tried, size):
            if _printed(world_of(solution, combine(*combo)), ids, entry) == entry.printed:
                return tuple(v.follows for v in combo)
    return ()


def _candidates(solution: WorkedSolution) -> list[Variant]:
    found = candidates(solution)
    return ([v for v in found if v.slip in ROUNDING]
            + [v for v in found if v.slip not in ROUNDING])
