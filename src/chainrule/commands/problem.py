"""``chainrule problem``: generate exam problems with question sheets and answer keys."""

from __future__ import annotations

from typing import Any

HELP = "generate backpropagation problems with nice numbers, a question sheet and an answer key"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "problem", help=HELP, description=HELP + ". Writes questions.md and answers.md (and "
        ".tex/.html when those renderers are available) and key-N.toml, an answers file of "
        "problem N's key for chainrule check. The same --seed gives the same files.",
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
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--variants", type=int, default=1,
                   help="number of different problems on the sheet (default: 1)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="directory to write the files to (created if missing)")


def run(args: Any) -> int:
    from chainrule.teach.generate import generate_problems
    from chainrule.teach.sheets import write_problem_set

    problems = generate_problems(
        args.arch, variants=args.variants, activation=args.activation,
        convention=args.convention, decimals=args.decimals, seed=args.seed,
        answer_decimals=args.answer_decimals)
    for path in write_problem_set(problems, args.output):
        print(path)
    return 0
