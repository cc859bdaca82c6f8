"""``chainrule problem``: generate exam problems with question sheets and answer keys."""

from __future__ import annotations

from typing import Any

from chainrule._util.files import check_folder
from chainrule.teach.problems.generate import generate_problems
from chainrule.teach.problems.sheets import SET_FILES, write_problem_set


def run(args: Any) -> int:
    check_folder(args.output, SET_FILES)  # before the work, not after it
    problems = generate_problems(
        args.arch, variants=args.variants, activation=args.activation,
        convention=args.convention, decimals=args.decimals, seed=args.seed,
        answer_decimals=args.answer_decimals)
    for path in write_problem_set(problems, args.output):
        print(path)
    return 0
