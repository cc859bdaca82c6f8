"""``chainrule problem``: generate exam problems with question sheets and answer keys."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "generate backpropagation problems with nice numbers, a question sheet and an answer key"


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if seed < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0; got {text!r}")
    return seed


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "problem", help=HELP, description=HELP + ". Writes the question sheet and the answer "
        "key as Markdown, LaTeX and HTML, problem-N.toml (the problem file) and key-N.toml "
        "(its key, an answers file for chainrule check). The same --seed gives the same files.",
    )
    p.add_argument("--arch", default="2-2-1", help="layer sizes (default: 2-2-1)")
    p.add_argument("--activation", default="sigmoid",
                   help="sigmoid, bipolar_sigmoid, tanh or relu (default: sigmoid)")
    p.add_argument("--convention", default="fausett",
                   help="notation profile: blog, fausett, mazur, han, layered (default: fausett)")
    p.add_argument("--decimals", type=int, default=1,
                   help="decimals of the given weights and inputs, 1 to 3 (default: 1)")
    p.add_argument("--answer-decimals", type=int, default=None,
                   help="decimals of the answers (default: the convention's)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="random seed, a whole number >= 0 (default: 0)")
    p.add_argument("--variants", type=int, default=1,
                   help="number of different problems on the sheet (default: 1)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="directory to write the files to (created if missing)")


def run(args: Any) -> int:
    from chainrule.teach.problems.generate import generate_problems
    from chainrule.teach.problems.sheets import write_problem_set

    problems = generate_problems(
        args.arch, variants=args.variants, activation=args.activation,
        convention=args.convention, decimals=args.decimals, seed=args.seed,
        answer_decimals=args.answer_decimals)
    for path in write_problem_set(problems, args.output):
        print(path)
    return 0
