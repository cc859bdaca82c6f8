"""Grading a whole class: every sheet against its exam variant, a gradebook, feedback.

An *exam* is a folder of problem files ``problem-N.toml`` (``chainrule problem`` writes them;
N is the variant). A *class* is either a folder of answer sheets (``*.toml`` or ``*.csv``,
one a student) or a roster CSV with the columns ``student``, ``sheet`` (a path, relative to
the roster) and optionally ``variant``. A sheet's variant is, first found: the roster's
column, the sheet's own ``variant = N`` line, a number in its file name (``ada-7.toml``,
``variant7.csv``). Its student is the roster's column, the sheet's ``student = "…"`` line, or
its file name.

Each sheet is graded by ``chainrule.teach.check`` against its variant's worked solution, with
the mark scheme ``chainrule check`` gives it (the problem file's ``[marks]`` over the
sheet's). A
sheet with most of its values not right is also compared with every other variant: when
another variant's key fits it (80 % right) it is flagged ``does not match variant N; it
matches variant M``; when none does and next to nothing is right or follows through (20 %)
it is flagged ``does not match variant N``. A student who slipped early has values that
follow through, and stays unflagged. A sheet
that cannot be read is a row with its one-line error, never the end of the run.
Sheets are graded in parallel, one process a core.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainrule._util.files import check_input_file, read_text
from chainrule._util.text import one_line
from chainrule.derive.solution import WorkedSolution
from chainrule.teach.grading.answers import parse_number, read_answers
from chainrule.teach.grading.grade import check, key_world
from chainrule.teach.grading.marks import problem_scheme
from chainrule.teach.grading.report import SECTION_TITLES, CheckReport
from chainrule.teach.problems.files import Problem, load_problem
from chainrule.teach.slips.world import World

__all__ = ["Entry", "Graded", "load_exam", "exam_for", "class_entries", "grade_class",
           "MATCH_WORSE"]

_PROBLEM = re.compile(r"problem-(\d+)\.toml")
_NUMBER_IN_NAME = re.compile(r"(?:variant|v|-|_)(\d+)$", re.IGNORECASE)
#: A sheet with less than this share of its values right is compared with the other variants.
MATCH_WORSE = 0.5
#: Another variant is named when at least this share of the sheet's values is right there.
MATCH_OTHER = 0.8
#: With no other variant fitting, a sheet is flagged when at most this share of its values
#: is right or follows through: an answer typed at random does better.
CHANCE = 0.2


@dataclass(frozen=True)
class Entry:
    """One student's sheet: its path and, if the roster says, the student and variant."""

    sheet: str
    student: str | None = None
    variant: int | None = None


@dataclass(frozen=True)
class Graded:
    """One row of the gradebook: the sheet's report, or why there is none."""

    student: str
    variant: int | None
    sheet: str
    report: CheckReport | None = None
    flag: str = ""
    error: str = ""

    @property
    def all_right(self) -> bool:
        return (self.report is not None and not self.flag and not self.error
                and not self.report.missing
                and all(r.status == "right" for r in self.report.results))


# --- the exam and the class ------------------------------------------------------------------
def load_exam(folder: str | os.PathLike[str]) -> dict[int, WorkedSolution]:
    """Variant number → its worked solution, from the problem files in ``folder``."""
    return {number: problem.explain(problem.conventions())
            for number, problem in _problems(folder).items()}


def _problems(folder: str | os.PathLike[str]) -> dict[int, Problem]:
    path = Path(folder)
    if not path.is_dir():
        raise ValueError(f"{folder}: no such folder of problem files")
    found = sorted((int(m.group(1)), p) for p in path.iterdir()
                   if (m := _PROBLEM.fullmatch(p.name)))
    if not found:
        raise ValueError(f"{folder}: holds no problem-N.toml files (chainrule problem writes "
                         "them)")
    return {number: load_problem(file) for number, file in found}


def class_entries(source: str | os.PathLike[str]) -> list[Entry]:
    """The sheets of a class: a folder of sheets, or a roster CSV (see the module doc)."""
    path = Path(source)
    if path.is_dir():
        sheets = sorted(p for p in path.iterdir()
                        if p.is_file() and p.suffix.lower() in (".toml", ".csv"))
        if not sheets:
            raise ValueError(f"{source}: holds no answer sheets (*.toml or *.csv)")
        return [Entry(str(p)) for p in sheets]
    return _roster(path)


def _roster(path: Path) -> list[Entry]:
    rows = list(csv.DictReader(read_text(check_input_file(path)).splitlines()))
    if not rows or "sheet" not in rows[0]:
        raise ValueError(f"{path}: a roster needs a header with the columns student, sheet "
                         "and optionally variant")
    entries = []
    for line, row in enumerate(rows, start=2):
        variant = (row.get("variant") or "").strip()
        if variant and not variant.isdigit():
            raise ValueError(f"{path}, line {line}: variant must be a whole number. "
                             f"Received: {variant!r}")
        sheet = (row.get("sheet") or "").strip()
        if not sheet:
            raise ValueError(f"{path}, line {line}: sheet is empty")
        entries.append(Entry(str(path.parent / sheet), (row.get("student") or "").strip()
                             or None, int(variant) if variant else None))
    return entries


# --- grading ---------------------------------------------------------------------------------
def grade_class(exam_folder: str | os.PathLike[str], entries: list[Entry],
                jobs: int | None = None) -> list[Graded]:
    """Every entry graded, in the order given, over ``jobs`` processes (default: the
    cores); the exam is loaded once per process."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(entries)))
    _start(str(exam_folder))  # here first: processes forked from this one inherit it
    if jobs == 1:
        return [_grade(e) for e in entries]
    chunk = max(1, len(entries) // (jobs * 4))
    with ProcessPoolExecutor(jobs, initializer=_start, initargs=(str(exam_folder),)) as pool:
        return list(pool.map(_grade, entries, chunksize=chunk))


def exam_for(exam_folder: str | os.PathLike[str]) -> Mapping[int, WorkedSolution]:
    """The exam of ``exam_folder`` as ``grade_class`` grades against it: loaded once a
    process, again only when its problem files change."""
    _start(str(exam_folder))
    return _EXAM


_EXAM: dict[int, WorkedSolution] = {}  # each process's exam, loaded once by _start
_MARKS: dict[int, Mapping[str, Any]] = {}  # each variant's [marks], as its problem file has it
_KEYS: dict[int, World] = {}  # each process's keys, held: check keeps only the latest few
_LOADED: list[object] = [None]  # what _EXAM was loaded from: the folder and its files


def _start(exam_folder: str) -> None:
    stamp = _stamp(exam_folder)
    if stamp is not None and _LOADED[0] == stamp:
        return  # loaded already, or inherited from the process that forked this one
    problems = _problems(exam_folder)
    for cache in (_EXAM, _KEYS, _MARKS):
        cache.clear()
    for number, problem in problems.items():
        _EXAM[number] = problem.explain(problem.conventions())
        _MARKS[number] = problem.marks
    _LOADED[0] = stamp


def _stamp(exam_folder: str) -> object:
    path = Path(exam_folder)
    if not path.is_dir():
        return None
    files = sorted(p for p in path.iterdir() if _PROBLEM.fullmatch(p.name))
    return (str(path.resolve()), tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                                       for p in files))


def _grade(entry: Entry) -> Graded:
    name = Path(entry.sheet).stem
    try:
        sheet = read_answers(entry.sheet)
    except (ValueError, OSError) as exc:
        return Graded(entry.student or name, entry.variant, entry.sheet,
                      error=one_line(exc))
    student = entry.student or sheet.student or name
    variant = entry.variant or sheet.variant or _variant_in_name(name)
    if variant is None:
        return Graded(student, None, entry.sheet, error="names no variant (add variant = N)")
    if variant not in _EXAM:
        return Graded(student, variant, entry.sheet,
                      error=f"variant {variant} is not in the exam ({_variants()})")
    try:
        marks = problem_scheme(_MARKS[variant], sheet.marks, f"problem-{variant}.toml")
        report = check(_EXAM[variant], sheet, marks=marks)
    except ValueError as exc:
        return Graded(student, variant, entry.sheet, error=one_line(exc))
    return Graded(student, variant, entry.sheet, report, _mismatch(variant, report))


def _mismatch(variant: int, report: CheckReport) -> str:
    """"" or the flag of a sheet that fits its variant badly: most values not right, and
    another variant's key fitting it, or next to nothing right or following through."""
    answered = len(report.results)
    right = report.count("right")
    if answered < 3 or right >= MATCH_WORSE * answered:
        return ""
    written = [(r.id, r.value, parse_number(r.answer)[1]) for r in report.results]
    fits = {other: _right_in(other, written) for other in _EXAM if other != variant}
    best = max(fits, key=lambda n: (fits[n], -n), default=None)
    if best is not None and fits[best] >= MATCH_OTHER * answered:
        return f"does not match variant {variant}; it matches variant {best}"
    follows = report.count("follow-through")
    if right + follows <= CHANCE * answered:  # worse than chance, and no other variant fits
        return f"does not match variant {variant}"
    return ""


def _right_in(variant: int, written: list[tuple[str, float, int]]) -> int:
    """How many of the sheet's values (id, value, decimals written) variant ``variant``'s key
    grades right: check's test of a right value, without its search for slips."""
    key = _KEYS.get(variant) or _KEYS.setdefault(variant, key_world(_EXAM[variant]))
    return sum(qid in key.equations and key.right(qid, value, decimals)
               for qid, value, decimals in written)


def _variant_in_name(name: str) -> int | None:
    match = _NUMBER_IN_NAME.search(name)
    return int(match.group(1)) if match else None


def _variants() -> str:
    numbers = sorted(_EXAM)
    return f"variants {numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else f"variant {numbers[0]}"


SECTIONS = tuple(name for name in SECTION_TITLES if name not in ("given", "other"))
