"""Practice sheets: a made-up class to try ``chainrule grade`` (and an LMS) on before an exam.

``practice_sheets(exam, students, seed=…)`` writes one answer sheet a student, the variants
dealt in turn (student 1 gets variant 1, student 31 variant 1 again in a 30-variant exam).
Each sheet is drawn, from a seeded ``random.Random``, as one of

- ``right``: the key's values;
- ``drift``: every value carried the other way (full precision instead of rounded, or the
  reverse), so last digits may move: rounding drift, graded right, never a slip;
- ``slip``: a slip of the catalogue (``chainrule.teach.slips``) made throughout, drawn among
  those that change at least one asked value of the variant;
- ``arithmetic``: one net input of the forward pass miscomputed, everything after it
  computed correctly from it (follow-through);
- ``missing``: the key's values without the last section of the step;

and, in a class of ten or more and an exam of several variants, the middle student writes
the next variant's key under their own variant number: a sheet ``chainrule grade`` flags
("does not match variant N; it matches variant M"). Every value is printed as the worked
solution would print it, so the sheets read like a careful student's. A comment at the top of
each sheet says what was planted, so the grader's verdicts can be compared with it.

>>> from chainrule.teach.grading.batch import load_exam
>>> sheets = practice_sheets(load_exam("exam"), 30, seed=1)     # doctest: +SKIP
>>> sheets[0].name, sheets[0].variant, sheets[0].kind            # doctest: +SKIP
('student-01.toml', 1, 'right')
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from chainrule._util import limits
from chainrule.derive import ids
from chainrule.derive.rounding import format_value
from chainrule.derive.solution import WorkedSolution
from chainrule.teach.grading.grade import check
from chainrule.teach.slips.catalogue import ROUNDING, variants, world_of
from chainrule.teach.slips.world import World

__all__ = ["PracticeSheet", "practice_sheets", "KINDS"]

#: The kinds of sheet and how often each is drawn.
KINDS = {"right": 0.4, "drift": 0.1, "slip": 0.25, "arithmetic": 0.15, "missing": 0.1}


@dataclass(frozen=True)
class PracticeSheet:
    """One made-up sheet: its file name, student, variant, what was planted, and its text."""

    name: str
    student: str
    variant: int
    kind: str
    text: str
    #: what was planted, one of ``KINDS`` or ``"copied"`` (another variant's values)
    category: str = ""


def practice_sheets(exam: Mapping[int, WorkedSolution], students: int, *,
                    seed: int = 0) -> list[PracticeSheet]:
    """``students`` practice sheets for ``exam`` (variant number → worked solution).

    Raises:
        ValueError: ``students`` is not a whole number from 1 to the limit ``sheets``
            (``CHAINRULE_MAX_SHEETS``, docs/limits.md).
    """
    most = limits.get("sheets")
    if isinstance(students, bool) or not isinstance(students, int) \
            or not 1 <= students <= most:
        raise ValueError(f"students must be a whole number from 1 to {most}. "
                         f"Received: students={students!r}")
    rng = random.Random(seed)
    numbers = sorted(exam)
    asked = {n: Asked(exam[n]) for n in numbers}
    copier = students // 2 if students >= 10 and len(numbers) > 1 else None
    width = len(str(students))
    sheets = []
    for k in range(students):
        variant = numbers[k % len(numbers)]
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        source = asked[variant]
        if k == copier:
            other = numbers[(k + 1) % len(numbers)]
            source, kind = asked[other], f"the values of variant {other}"
            category, values = "copied", source.key()
        else:
            category, kind, values = _planted(kind, source, rng)
        student = f"Student {k + 1:0{width}d}"
        text = _sheet_text(student, variant, kind, values, source.solution)
        sheets.append(PracticeSheet(f"student-{k + 1:0{width}d}.toml", student, variant, kind,
                                    text, category))
    return sheets


# --- the values of each kind -----------------------------------------------------------------
class Asked:
    """A variant's solution and the values it asks for: (id, section), in order."""

    def __init__(self, solution: WorkedSolution) -> None:
        self.solution = solution
        self.ids = [(r.id, r.section) for r in check(solution, {}).missing]

    def key(self) -> dict[str, str]:
        return {qid: self.solution.equation(qid).printed for qid, _ in self.ids}

    def printed(self, world: World) -> dict[str, str]:
        return {qid: world.printed(qid) for qid, _ in self.ids}


def _planted(kind: str, asked: Asked, rng: random.Random
             ) -> tuple[str, str, dict[str, str]]:
    """What a sheet of ``kind`` holds (see the module doc): the kind as planted, its words
    (``slip index_swap``) and the values."""
    s = asked.solution
    if kind == "slip":
        key = asked.key()
        changing = [(v, values) for v in variants(s) if v.slip not in ROUNDING
                    and (values := asked.printed(world_of(s, v))) != key]
        if changing:
            variant, values = rng.choice(changing)
            return "slip", f"slip {variant.slip}", values
        kind = "arithmetic"  # no slip of the catalogue changes what this variant asks
    if kind == "drift":
        other = "full" if s.conventions.carry == "rounded" else "rounded"
        return kind, kind, asked.printed(World(s, carry=other))
    if kind == "arithmetic":
        net = next((q for q, _ in asked.ids if ids.parse(q).name == "net"), asked.ids[0][0])
        decimals = s.equation(net).decimals or 4
        shift = rng.choice((-1, 1)) * rng.randint(20, 90) * 10.0 ** -decimals
        written = format_value(s.equation(net).value + shift, decimals)
        return kind, kind, asked.printed(World(s, pinned={net: (float(written), decimals)}))
    key = asked.key()
    if kind == "missing":
        last = asked.ids[-1][1]
        return kind, kind, {qid: key[qid] for qid, section in asked.ids if section != last}
    return kind, kind, key


# --- the sheet as a file ---------------------------------------------------------------------
def _sheet_text(student: str, variant: int, kind: str, values: Mapping[str, str],
                solution: WorkedSolution) -> str:
    """The sheet as an answers file: who and which variant, then ``"symbol" = "value"``
    lines, a later step's values under its own table (as keys have them)."""
    lines = ["# A practice sheet written by chainrule grade --make-sheets, not a student's "
             "work.", f"# Planted: {kind}.", f'student = "{student}"', f"variant = {variant}"]
    step = None
    for qid, value in values.items():
        eq = solution.equation(qid)
        if eq.step != step and step is not None:
            lines += ["", f"[{eq.step}]"]
        step = eq.step
        lines.append(f'"{eq.symbol.text}" = "{value}"')
    return "\n".join(lines) + "\n"
