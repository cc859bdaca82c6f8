"""``chainrule check``: grade an answer sheet against a problem's worked solution."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from chainrule.cli.explain import load
from chainrule.teach import check, parse_answers, read_answers
from chainrule.teach.grading.answers import read_marks
from chainrule.teach.grading.marks import MarkScheme, problem_scheme
from chainrule.teach.grading.names import split_step


def run(args: Any) -> int:
    if (args.answers is None) == (not args.published):
        raise ValueError("give an ANSWERS file or --published (not both)")
    problem = load(args.problem)
    if args.published:
        sheet = parse_answers(_published_sheet(problem), source=f"{problem.name} [published]")
    else:
        sheet = read_answers(args.answers)
    solution = problem.explain(problem.conventions(), _epochs(problem, sheet))
    marks = _marks(args.marks, problem, sheet)
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


def _marks(marks_file: str | None, problem: Any, sheet: Any) -> MarkScheme:
    """The mark scheme: --marks over the problem file's [marks] over the sheet's own."""
    scheme = problem_scheme(problem.marks, sheet.marks, problem.name)
    return scheme.merged(read_marks(marks_file)) if marks_file else scheme
