"""An exam directory as plain data: variants, the values each asks, tolerances and marks.

An exam directory is what ``chainrule problem --variants N -o DIR`` writes, or a folder of
problem files a lecturer wrote by hand. Its variants are its ``problem-*.toml`` files when it
has any (other files beside them are left alone), else every ``*.toml`` except
``key-*.toml`` (``docs/problem-format.md``), in natural order (``problem-2`` before
``problem-10``); ``key-NAME.toml`` is the answer key of ``NAME.toml`` (or of
``problem-NAME.toml``) and may be missing.

Each problem is solved again, as ``chainrule check`` solves it (``Problem.explain`` in the
file's conventions): the worked solution is the source of truth for every asked value, its
printed decimals and, with the mark scheme, its marks. The scheme is the default one with the
key's ``[marks]`` and then the problem's ``[marks]`` laid over it (``chainrule check``'s
order). A key that disagrees with its problem's worked solution is an error: the LMS would
grade against numbers the printed key does not show.

Each asked value becomes a :class:`Field`: its printed value, the absolute tolerance of half a
unit of its last printed decimal, its marks, and ``low``/``high``: the range of values written
to those decimals that ``chainrule check`` grades right. A value carried the other way
(rounded instead of full precision, or the reverse) may end in another digit; check calls
that drift and gives the marks, and so does an LMS that accepts the range as a second answer.

>>> exam = read_exam("exam")                                  # doctest: +SKIP
>>> field = exam.variants[0].parts[0].fields[0]               # doctest: +SKIP
>>> field.symbol, field.value, field.tolerance, field.marks   # doctest: +SKIP
('z_in_1', '-0.8600', '0.00005', 1.0)
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from chainrule.derive.solution import Equation, WorkedSolution
from chainrule.teach.grading.answers import AnswerSheet, read_answers
from chainrule.teach.grading.grade import check, key_world
from chainrule.teach.grading.marks import MarkScheme, problem_scheme
from chainrule.teach.grading.report import SECTION_TITLES
from chainrule.teach.problems.files import Problem, load_problem
from chainrule.teach.slips.world import World

__all__ = ["Field", "Part", "Variant", "Exam", "read_exam", "read_variant", "variant_files",
           "mark_scale"]

#: The largest factor that may turn fractional marks into whole-number weights.
MAX_SCALE = 100


@dataclass(frozen=True)
class Field:
    """One asked value of a variant.

    Attributes:
        id: the equation id (``"s1.net.1.2"``); ``name`` is the id as an identifier.
        symbol: the symbol as the solution prints it (``"z_in_2"``, ``"δ_1"``, ``"v_11⁺"``),
            with ``[s2]`` after it for a step other than the first shown.
        label: what the value is (``"net input of z2"``).
        value: the value as the worked solution prints it (``"-0.3100"``).
        decimals: its printed decimals; ``tolerance`` is half a unit of the last one
            (``"0.00005"`` for 4), as a decimal string.
        marks: the marks the scheme gives it (> 0).
        low, high: the smallest and largest values to ``decimals`` places that
            ``chainrule check`` grades right (``value`` lies between them; equal to it
            unless carrying values the other way can move the last digit).
    """

    id: str
    symbol: str
    label: str
    value: str
    decimals: int
    tolerance: str
    marks: float
    low: str
    high: str

    @property
    def name(self) -> str:
        return self.id.replace(".", "_")

    @property
    def drift(self) -> bool:
        """Whether values other than the key are right (``low < value`` or ``value < high``)."""
        return self.low != self.value or self.high != self.value


@dataclass(frozen=True)
class Part:
    """A section of a step with the values it asks (``section``: forward, error, …)."""

    section: str
    title: str
    fields: tuple[Field, ...]

    @property
    def marks(self) -> float:
        return math.fsum(f.marks for f in self.fields)


@dataclass(frozen=True)
class Variant:
    """One problem of the exam: its file and key file, its worked solution, what it asks.

    ``number`` counts the variants from 1 in the directory's order; ``name`` is the file's
    stem without ``problem-`` (``"7"`` for ``problem-7.toml``).
    """

    number: int
    name: str
    path: Path
    key: Path | None
    problem: Problem
    solution: WorkedSolution
    marks: MarkScheme
    parts: tuple[Part, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for part in self.parts for f in part.fields)

    @property
    def total(self) -> float:
        return math.fsum(f.marks for f in self.fields)


@dataclass(frozen=True)
class Exam:
    """An exam: its name (the directory's, unless given), its variants, and ``scale``: the
    smallest whole factor that makes every mark of every variant a whole number (Moodle's
    cloze weights and PrairieLearn's weights are integers)."""

    name: str
    directory: Path
    variants: tuple[Variant, ...]
    scale: int

    def weight(self, field: Field) -> int:
        """The field's marks as a whole-number weight (marks × ``scale``)."""
        return round(field.marks * self.scale)


# --- reading ---------------------------------------------------------------------------------
def read_exam(directory: str | os.PathLike[str], *, name: str | None = None) -> Exam:
    """Read and solve every problem of an exam directory (see the module doc).

    Raises:
        ValueError: no such directory, no problem file in it, a bad problem or key file, a
            key without its problem, a key that disagrees with the solution, or marks that
            no whole factor up to 100 makes whole; the message names the file.
        OSError: a file cannot be read.
    """
    folder = Path(directory)
    problems, keys = variant_files(folder)
    variants = tuple(read_variant(path, number, keys.get(path.name))
                     for number, path in enumerate(problems, start=1))
    scale = mark_scale([f.marks for v in variants for f in v.fields], folder)
    return Exam(name or _exam_name(folder), folder, variants, scale)


def variant_files(folder: Path) -> tuple[list[Path], dict[str, Path]]:
    """The problem files of ``folder`` in natural order, and problem file name → its key."""
    if not folder.is_dir():
        what = "is not a directory" if folder.exists() else "no such exam directory"
        raise ValueError(f"{folder}: {what}")
    tomls = sorted((p for p in folder.iterdir() if p.suffix == ".toml" and p.is_file()),
                   key=lambda p: (_natural(p.stem), p.name))
    problems = [p for p in tomls if not p.name.startswith("key-")]
    # an exam chainrule problem wrote: its problem-N.toml files, whatever else is beside them
    problems = [p for p in problems if p.name.startswith("problem-")] or problems
    if not problems:
        raise ValueError(f"{folder}: no problem files in it (every *.toml but key-*.toml is "
                         "one; chainrule problem --variants N -o DIR writes them)")
    names = {p.name for p in problems}
    keys = {}
    for key in (p for p in tomls if p.name.startswith("key-")):
        stem = key.name[len("key-"):]
        match = next((n for n in (stem, f"problem-{stem}") if n in names), None)
        if match is None:
            raise ValueError(f"{key}: a key without its problem (no {stem} or "
                             f"problem-{stem} beside it)")
        keys[match] = key
    return problems, keys


def read_variant(path: Path, number: int, key: Path | None = None) -> Variant:
    """Variant ``number`` of an exam: the problem file at ``path`` solved, with its key."""
    problem = load_problem(path)
    solution = problem.explain(problem.conventions())
    sheet = read_answers(key) if key is not None else None
    scheme = problem_scheme(problem.marks, sheet.marks if sheet else None, path)
    if sheet is not None:
        _check_key(key, sheet, solution, scheme, path)
    parts = _parts(solution, scheme, path)
    stem = path.stem[len("problem-"):] if path.stem.startswith("problem-") else path.stem
    return Variant(number, stem, path, key, problem, solution, scheme, parts)


def _check_key(key: Path, sheet: AnswerSheet, solution: WorkedSolution, scheme: MarkScheme,
               path: Path) -> None:
    report = check(solution, sheet, marks=scheme)
    bad = next((r for r in report.results if r.status != "right"), None)
    if bad is not None:
        raise ValueError(f"{key}, line {bad.line}: {bad.name} = {bad.answer}, but the worked "
                         f"solution of {path.name} gives {bad.key}")


def _parts(solution: WorkedSolution, scheme: MarkScheme, path: Path) -> tuple[Part, ...]:
    """The asked values, as ``chainrule check`` lists them for an empty sheet, by section."""
    asked = check(solution, {}, marks=scheme).missing
    if not asked:
        raise ValueError(f"{path}: asks for nothing (every value has 0 marks)")
    world = key_world(solution)
    several = len(solution.shown) > 1
    groups: dict[tuple[str, str], list[Field]] = {}
    for result in asked:
        eq = solution.equation(result.id)
        symbol = eq.symbol.text
        if eq.step is not None and eq.step != solution.shown[0]:
            symbol += f" [{eq.step}]"
        groups.setdefault((eq.step or "", result.section), []).append(
            _field(eq, symbol, result.out_of, world))
    parts = []
    for (step, section), fields in groups.items():
        title = SECTION_TITLES[section].capitalize()
        if several:
            title += f", step {step[1:]}"
        parts.append(Part(section, title, tuple(fields)))
    return tuple(parts)


def _field(eq: Equation, symbol: str, marks: float, world: World) -> Field:
    decimals = eq.decimals if eq.decimals is not None else _written_decimals(eq.printed)
    tolerance = format(Decimal(5).scaleb(-(decimals + 1)), "f")
    low, high = _range(eq, decimals, world)
    return Field(eq.id, symbol, eq.label, eq.printed, decimals, tolerance, marks, low, high)


def _written_decimals(printed: str) -> int:
    return len(printed.split(".", 1)[1]) if "." in printed else 0


def _range(eq: Equation, decimals: int, world: World) -> tuple[str, str]:
    """The smallest and largest values to ``decimals`` places that check grades right (a
    run of whole units: check's test is an interval); the key alone for an unbounded one."""
    lo, hi = world.interval(eq.id)
    key = Decimal(eq.printed)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return eq.printed, eq.printed
    unit = Decimal(1).scaleb(-decimals)

    def right(d: Decimal) -> bool:
        return world.right(eq.id, float(d), decimals)

    low = min(key, Decimal(math.ceil(lo / float(unit))) * unit)
    high = max(key, Decimal(math.floor(hi / float(unit))) * unit)
    while right(low - unit):
        low -= unit
    while low < key and not right(low):
        low += unit
    while right(high + unit):
        high += unit
    while high > key and not right(high):
        high -= unit
    return format(low.quantize(unit), "f"), format(high.quantize(unit), "f")


def mark_scale(marks: list[float], where: Path) -> int:
    """The smallest whole factor (up to ``MAX_SCALE``) that makes every mark whole."""
    scale = 1
    for m in marks:
        denominator = Fraction(m).limit_denominator(MAX_SCALE).denominator
        scale = scale * denominator // math.gcd(scale, denominator)
        if scale > MAX_SCALE or abs(m * scale - round(m * scale)) > 1e-9 * scale:
            raise ValueError(f"{where}: marks={m!r} cannot be made whole by a factor up to "
                             f"{MAX_SCALE} (Moodle's cloze weights are whole numbers)")
    return scale


def _natural(stem: str) -> list[object]:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", stem) if part]


def _exam_name(folder: Path) -> str:
    return folder.resolve().name or "exam"
