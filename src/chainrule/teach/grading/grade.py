"""Check a student's hand calculation against a worked solution and name the slip.

>>> from chainrule.derive import explain
>>> net = [([[0.6, -0.3], [-0.1, 0.4]], [0.3, 0.5], "sigmoid"), ([[0.4], [0.1]], [-0.2], "sigmoid")]
>>> solution = explain(net, [0, 1], [1], learning_rate=0.25, convention="fausett")
>>> report = check(solution, {"z_in_1": "0.2000", "y": "0.5227", "delta": "0.4773"})
>>> [r.status for r in report.results]
['right', 'right', 'wrong']
>>> report.slip.name
'fprime_missing'

Each value is

- **right** when it lies within half a unit of its last written decimal of the interval the
  worked solution's formula allows, values carried at full precision or rounded
  (``world.World.interval``);
- **follow-through** when it is not, but the same formula evaluated with the student's own
  earlier values (where they gave them) reproduces it — error carried forward;
- **wrong** otherwise.

The most likely slip is found by evaluating every variant derivation of ``slips`` with the
student's own values and keeping the one that reproduces the first wrong value (and, among
those, the most wrong values); see ``docs/checking.md``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chainrule._util.text import counted
from chainrule.derive.rounding import round_value
from chainrule.derive.solution import Equation, WorkedSolution
from chainrule.teach.grading.answers import Answer, AnswerSheet, answers_from_mapping, read_answers
from chainrule.teach.grading.marks import MarkScheme
from chainrule.teach.grading.names import NameTable
from chainrule.teach.grading.report import CheckReport, SlipFinding, ValueResult
from chainrule.teach.slips.catalogue import (
    ROUNDING,
    SLIPS,
    Variant,
    frozen_bias_variant,
    variants,
    world_of,
)
from chainrule.teach.slips.world import Pin, World, agrees

__all__ = ["check", "key_world", "name_table", "CheckReport", "ValueResult", "SlipFinding"]

AnswersLike = AnswerSheet | Mapping[str, Any] | str | os.PathLike


def check(solution: WorkedSolution, answers: AnswersLike, *,
          marks: MarkScheme | None = None, only_answered: bool = False) -> CheckReport:
    """Grade ``answers`` against ``solution`` and diagnose the first mistake.

    Args:
        solution: the worked solution of the problem (``chainrule.derive``).
        answers: an answers file (TOML or CSV path), an ``AnswerSheet``, or a mapping
            ``{symbol: value}``; a string value keeps its written decimals.
        marks: the mark scheme; default: the sheet's own ``[marks]`` over the default
            scheme (``chainrule.teach.grading.marks``).
        only_answered: mark only the values answered (a source's printed numbers), not
            every value the solution asks for.

    Returns:
        A ``CheckReport``: a result per value, the marks, the first wrong value and the most
        likely slip. ``report.to_text()`` prints it; ``report.to_dict()`` is JSON-ready.

    Raises:
        ValueError: a name the solution does not have (the message lists the valid
            symbols), a value given twice, or a malformed file (the message names the line).
    """
    sheet = _sheet(answers)
    prepared = _prepare(solution)
    key_extra = prepared.frozen[1] if prepared.frozen else {}
    table = name_table(solution)
    pins, lines = _resolve(sheet, table)
    scheme = (marks or MarkScheme()).merged(None if marks else sheet.marks)
    symbol_marks = scheme.resolved(table.resolve)

    key = prepared.key
    student = World(solution, extra=key_extra, pinned=pins)
    order = sorted(pins, key=lambda i: key.order.get(i, len(key.order)))
    results = [_grade(key, student, lines[i], table.default_step) for i in order]
    found = _diagnose(solution, results, pins, key_extra, prepared)
    drift, ambiguous = _drift(solution, results, pins, prepared)
    return _report(solution, key, results, (found, drift, ambiguous), scheme, symbol_marks,
                   only_answered)


@dataclass(frozen=True)
class _Prepared:
    """What grading any sheet against one solution needs: its slip variants, the key's
    world and the variants' worlds without a student's values (each made once, when first
    needed, and kept: their values do not depend on the sheet)."""

    variants: list[Variant]
    frozen: tuple[Variant, dict[str, Equation]] | None
    key: World
    worlds: dict[tuple[int, bool], World] = field(default_factory=dict)

    def world(self, solution: WorkedSolution, variant: Variant, rounding: bool = True
              ) -> World:
        """``variant``'s world from the given values alone (without its rounding rules
        unless ``rounding``)."""
        name = (id(variant), rounding)
        found = self.worlds.get(name)
        if found is None:
            extra = self.frozen[1] if self.frozen else {}
            chosen = variant if rounding else replace(variant, carry=None, tie=None)
            found = self.worlds[name] = world_of(solution, chosen, extra=extra)
        return found


# the variants of the last solutions graded: a class of sheets against one exam variant
# re-derives them once, not per sheet (the solution is kept, so its id is not reused)
_PREPARED: OrderedDict[int, tuple[WorkedSolution, _Prepared]] = OrderedDict()
_PREPARED_KEPT = 64


def _prepare(solution: WorkedSolution) -> _Prepared:
    entry = _PREPARED.get(id(solution))
    if entry is not None and entry[0] is solution:
        _PREPARED.move_to_end(id(solution))
        return entry[1]
    frozen = frozen_bias_variant(solution)
    key = World(solution, extra=frozen[1] if frozen else {})
    prepared = _Prepared(variants(solution), frozen, key)
    _PREPARED[id(solution)] = (solution, prepared)
    while len(_PREPARED) > _PREPARED_KEPT:
        _PREPARED.popitem(last=False)
    return prepared


def key_world(solution: WorkedSolution) -> World:
    """The world ``check`` grades "right" in: the solution's values, and where the convention
    keeps biases fixed, the key's view of their update (Δb = 0, b⁺ = b)."""
    return _prepare(solution).key


def name_table(solution: WorkedSolution) -> NameTable:
    """The names ``check`` reads a sheet's (and a scheme's) values by: the solution's, and
    where the convention keeps biases fixed, their updates a student may still write."""
    frozen = _prepare(solution).frozen
    extra = frozen[1] if frozen else {}
    return NameTable(_nameable(solution, extra), _default_step(solution), extra)


def _sheet(answers: AnswersLike) -> AnswerSheet:
    if isinstance(answers, AnswerSheet):
        return answers
    if isinstance(answers, Mapping):
        return answers_from_mapping(answers)
    if isinstance(answers, (str, os.PathLike)):
        return read_answers(answers)
    raise ValueError("answers must be a file path, an AnswerSheet or a mapping of symbol to "
                     f"value. Received: {type(answers).__name__}")


def _default_step(solution: WorkedSolution) -> str:
    return solution.shown[0] if solution.shown else solution.steps[0].id


def _nameable(solution: WorkedSolution, extra: Mapping[str, Equation]) -> list[Equation]:
    eqs = [eq for eq in solution.equations.values() if eq.step is not None or eq.kind == "loss"]
    return eqs + list(extra.values())


def _resolve(sheet: AnswerSheet, table: NameTable) -> tuple[dict[str, Pin], dict[str, Any]]:
    pins: dict[str, Pin] = {}
    lines: dict[str, tuple[Answer, str, Equation]] = {}
    for answer in sheet.answers:
        try:
            qid = table.resolve(answer.name, answer.step)
        except ValueError as exc:
            raise ValueError(f"{sheet.where(answer)}: {exc}") from None
        if qid in lines:
            first = lines[qid][0]
            raise ValueError(f"{sheet.where(answer)}: {answer.name!r} is given twice (first as "
                             f"{first.name!r}{f' on line {first.line}' if first.line else ''})")
        pins[qid] = (answer.value, answer.decimals)
        lines[qid] = (answer, sheet.where(answer), table.ids[qid])
    return pins, lines


# --- grading ---------------------------------------------------------------------------------
def _grade(key: World, student: World, line: tuple[Answer, str, Equation],
           default_step: str) -> ValueResult:
    answer, where, eq = line
    if key.right(eq.id, answer.value, answer.decimals):
        status = "right"
    elif agrees(answer.value, answer.decimals, student.derived_interval(eq.id)):
        status = "follow-through"
    else:
        status = "wrong"
    note = ""
    if status == "right" and eq.decimals is not None and answer.decimals < eq.decimals \
            and key.printed(eq.id).rstrip("0").rstrip(".") != answer.text.rstrip("0").rstrip("."):
        note = (f"written to {counted(answer.decimals, 'decimal')}; the solution prints "
                f"{eq.decimals}")
    return ValueResult(
        id=eq.id, symbol=_label(eq, default_step), name=answer.name, answer=answer.text,
        value=answer.value, key=key.printed(eq.id), status=status, where=where,
        line=answer.line, kind=eq.kind, note=note,
        expected=student.printed_derived(eq.id) if status != "right" else "",
    )


def _label(eq: Equation, default_step: str) -> str:
    """The symbol, with its step when it is not the default one: ``E_total [s2]``."""
    if eq.step is None or eq.step == default_step:
        return eq.symbol.text
    return f"{eq.symbol.text} [{eq.step}]"


def _explains(world: World, result: ValueResult, decimals: int) -> bool:
    return agrees(result.value, decimals, world.derived_interval(result.id))


def _diagnose(solution: WorkedSolution, results: list[ValueResult], pins: dict[str, Pin],
              key_extra: Mapping[str, Equation], prepared: _Prepared) -> SlipFinding | None:
    """The variant that reproduces the first wrong value and the most wrong values, each
    computed from the student's own earlier values; failing that, from the given values
    alone (a number that follows a rule the student's other numbers do not)."""
    wrong = [r for r in results if r.status == "wrong"]
    if not wrong:
        return None
    tried = [v for v in prepared.variants if v.slip not in ROUNDING]
    tried += [prepared.frozen[0]] if prepared.frozen else []
    best: tuple[tuple, Variant, list[str], list[str]] | None = None
    for rank, variant in enumerate(tried):
        world = world_of(solution, variant, extra=key_extra, pinned=pins)
        explained = [r.id for r in wrong if _explains(world, r, pins[r.id][1])]
        alone_world = prepared.world(solution, variant, rounding=False)
        alone = [r.id for r in wrong if r.id not in explained
                 and _explains(alone_world, r, pins[r.id][1])]
        if not explained and not alone:
            continue
        first = wrong[0].id in explained + alone
        score = (first, wrong[0].id in explained, len(explained) + len(alone), len(explained),
                 -_order(variant.slip), -rank)
        if best is None or score > best[0]:
            best = (score, variant, explained, alone)
    if best is None:
        return None
    _, variant, explained, alone = best
    ordered = [r.id for r in wrong if r.id in explained or r.id in alone]
    return SlipFinding(variant.slip, SLIPS[variant.slip].title, SLIPS[variant.slip].rule,
                       variant.where, tuple(ordered), ordered[0] == wrong[0].id, tuple(alone))


def _order(slip: str) -> int:
    return list(SLIPS).index(slip)


def _drift(solution: WorkedSolution, results: list[ValueResult], pins: dict[str, Pin],
           prepared: _Prepared) -> tuple[SlipFinding | None, SlipFinding | None]:
    """Right values whose last digits differ from the key: rounding drift, when the other
    carry rule (or, failing that, the other tie rule) gives exactly the student's digits;
    and, apart, those digits that a slip gives too (at these decimals the two cannot be told
    apart: ambiguous, not simply drift)."""
    tie = solution.conventions.tie
    differ = [r for r in results if r.status == "right" and r.key != "nan"
              and _rounded(float(r.key), pins[r.id][1], tie) != r.value]
    if not differ:
        return None, None
    return (_first_reproducing([v for v in prepared.variants if v.slip in ROUNDING],
                               solution, differ, pins, prepared),
            _first_reproducing([v for v in prepared.variants if v.slip not in ROUNDING],
                               solution, differ, pins, prepared))


def _first_reproducing(tried: list[Variant], solution: WorkedSolution,
                       results: list[ValueResult], pins: dict[str, Pin],
                       prepared: _Prepared) -> SlipFinding | None:
    """The first of ``tried`` under which some of ``results`` come out digit for digit."""
    for variant in tried:
        world = prepared.world(solution, variant)
        explained = [r.id for r in results
                     if _rounded(world.value(r.id), pins[r.id][1], world.tie) == r.value]
        if explained:
            slip = SLIPS[variant.slip]
            return SlipFinding(variant.slip, slip.title, slip.rule, variant.where,
                               tuple(explained), True)
    return None


def _rounded(value: float, decimals: int, tie: str) -> float:
    return float(round_value(value, decimals, tie)) if value == value else value


# --- marks -----------------------------------------------------------------------------------
def _report(solution: WorkedSolution, key: World, results: list[ValueResult],
            findings: tuple[SlipFinding | None, ...], scheme: MarkScheme,
            symbol_marks: Mapping[str, float], only_answered: bool) -> CheckReport:
    sections = _sections(solution)
    answered = {r.id: r for r in results}
    graded = []
    for r in results:
        eq = key.equation(r.id)
        # a value the solution does not have (a frozen bias's update) is never asked
        asked = r.id in solution.equations
        available = scheme.for_equation(eq, symbol_marks) if asked else 0.0
        earned = {"right": available, "follow-through": available * scheme.fraction,
                  "wrong": 0.0}[r.status]
        graded.append(r.with_marks(earned, available, sections.get(r.id, "other")))
    missing = []
    for qid, section in sections.items():
        if only_answered or qid in answered or solution.equation(qid).step not in solution.shown:
            continue
        available = scheme.for_equation(solution.equation(qid), symbol_marks)
        if available > 0:
            eq = solution.equation(qid)
            missing.append(ValueResult(
                id=qid, symbol=eq.symbol.text, name="", answer="", value=float("nan"),
                key=eq.printed, status="missing", where="", line=0, kind=eq.kind,
                marks=0.0, out_of=available, section=section))
    first = next((r for r in graded if r.status == "wrong"), None)
    slip, drift, ambiguous = findings
    return CheckReport(tuple(graded), tuple(missing), first, slip, solution.conventions.name,
                       scheme.fraction, drift, ambiguous)


def _sections(solution: WorkedSolution) -> dict[str, str]:
    out = {}
    for step in solution.steps:
        for section in step.sections:
            for eq in section:
                out[eq.id] = section.name
    return out
