"""``chainrule check``: grade an answer sheet against a problem's worked solution."""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from chainrule._util import toml
from chainrule._util.files import read_text
from chainrule.teach import check, parse_answers, read_answers
from chainrule.teach.grading.marks import MarkScheme, marks_from_mapping
from chainrule.teach.grading.names import split_step
from chainrule.teach.problems import files as problems


def run(args: Any) -> int:
    if (args.answers is None) == (not args.published):
        raise ValueError("give an ANSWERS file or --published (not both)")
    problem = _load(args.problem)
    if args.published:
        sheet = parse_answers(_published_sheet(problem), source=f"{problem.name} [published]")
    else:
        sheet = read_answers(args.answers)
    solution = problem.explain(problem.conventions(), _epochs(problem, sheet))
    marks = _marks(args.marks, problem, args.problem, sheet)
    report = check(solution, sheet, marks=marks, only_answered=args.published)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.to_text())
    return exit_code(report)


def exit_code(report: Any) -> int:
    """0 when every value is right and none is missing, else 1 (2 is bad input), so that a
    script can tell a full-marks sheet from one to look at."""
    every_right = all(r.status == "right" for r in report.results) and not report.missing
    return 0 if every_right else 1


def _load(name: str) -> Any:
    if os.path.exists(name) or name.endswith(".toml"):
        return problems.load_problem(name)
    return problems.bundled(name)


def _epochs(problem: Any, sheet: Any) -> int:
    """Enough epochs for every step the answers name (``s3.net_h1``, ``[s3]``)."""
    steps = [answer.step or split_step(answer.name)[0] for answer in sheet.answers]
    last = max([int(s[1:]) for s in steps if s] + [1])
    return max(problem.epochs, math.ceil(last / len(problem.x)))


def _published_sheet(problem: Any) -> str:
    """The source's printed numbers as an answers file (``symbol@sN`` becomes ``sN.symbol``;
    a printed product the solution does not write as one equation is left out)."""
    lines = []
    for entry in problem.published:
        if entry.product:
            continue
        key = entry.key
        if "@" in key:
            symbol, step = key.rsplit("@", 1)
            key = f"{step}.{symbol}"
        lines.append(f'"{key}" = "{entry.printed}"')
    if not lines:
        raise ValueError(f"{problem.name}: no [published] numbers to check")
    return "\n".join(lines) + "\n"


def _marks(marks_file: str | None, problem: Any, problem_file: str, sheet: Any) -> Any:
    """The mark scheme: --marks over the problem file's [marks] over the sheet's own."""
    scheme = MarkScheme().merged(sheet.marks)
    table = problem.marks if hasattr(problem, "marks") else _problem_marks(problem_file)
    if table:
        try:
            scheme = marks_from_mapping(table, scheme)
        except ValueError as exc:
            raise ValueError(f"{problem.name}: [marks]: {exc}") from None
    if marks_file:
        extra = parse_answers(read_text(marks_file), source=os.path.basename(marks_file))
        if extra.answers:
            raise ValueError(f"{marks_file}: a marks file holds only [marks] tables; found "
                             f"{extra.answers[0].name!r} on line {extra.answers[0].line}")
        scheme = scheme.merged(extra.marks)
    return scheme


def _problem_marks(path: str) -> dict[str, Any] | None:
    if not os.path.exists(path):
        return None
    table = toml.parse(read_text(path), path).get("marks")
    return table if isinstance(table, dict) else None  # a reader that does not keep [marks]
