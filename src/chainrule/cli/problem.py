"""``chainrule problem``: generate exam problems with question sheets and answer keys."""

from __future__ import annotations

from typing import Any

from chainrule._util.files import check_folder
from chainrule.teach.grading.answers import read_marks
from chainrule.teach.grading.marks import MarkScheme
from chainrule.teach.problems.generate import generate_problems
from chainrule.teach.problems.sheets import SET_FILES, write_problem_set


def run(args: Any) -> int:
    check_folder(args.output, SET_FILES)  # before the work, not after it
    problems = generate_problems(
        args.arch, variants=args.variants, activation=args.activation, loss=args.loss,
        momentum=args.momentum, carry=args.carry, convention=args.convention,
        decimals=args.decimals, seed=args.seed, answer_decimals=args.answer_decimals,
        marks=_marks(args.marks))
    for path in write_problem_set(problems, args.output, title=args.title):
        print(path)
    return 0


def _marks(path: str | None) -> MarkScheme | None:
    """The scheme of a marks file (``[marks]`` tables only), over the default."""
    return None if path is None else MarkScheme().merged(read_marks(path))
