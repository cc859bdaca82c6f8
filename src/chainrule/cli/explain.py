"""``chainrule explain``: a problem file's training step(s) as a worked solution."""

from __future__ import annotations

import argparse
import os
from typing import Any

from chainrule._util.files import write_output

HELP = "explain the training step(s) of a problem file as an exam-style worked solution"
FORMATS = ("text", "markdown", "latex", "json", "svg", "html")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "explain", help=HELP, description=HELP + ": forward pass, error, every δ, every "
        "gradient, every update, in the notation and rounding of the file's convention. The "
        "format of problem files is described in docs/problem-format.md.",
    )
    p.add_argument("file", metavar="FILE",
                   help="a problem file (.toml), or the name of a problem shipped with "
                   "chainrule: blog_xor, mazur_2015, han_kamber, fausett_binary, "
                   "fausett_bipolar, negnevitsky_xor, hagan_ch11")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="output format (default: text); svg is the annotated network "
                   "(weights before → after), html an offline step-through page")
    p.add_argument("--convention", metavar="NAME",
                   help="write the solution in another notation profile: blog, fausett, "
                   "mazur, han or layered (default: the file's)")
    p.add_argument("--decimals", type=int, metavar="N",
                   help="print every quantity with N decimals (default: the convention's)")
    p.add_argument("--carry", choices=("full", "rounded"),
                   help="full: compute exactly, print rounded; rounded: use each value as "
                   "printed, as by hand (default: the convention's)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT (atomically) instead of standard output")


def load(file: str) -> Any:
    """The problem in ``file``, or the bundled problem of that name."""
    from chainrule.teach.problems import files as problem

    if os.path.exists(file):
        return problem.load_problem(file)
    bare = "/" not in file and os.sep not in file
    if bare and file.removesuffix(".toml") in problem.bundled_names():
        return problem.bundled(file)
    raise ValueError(f"{file}: no such file, and no problem of that name is shipped with "
                     "chainrule; shipped problems: " + ", ".join(problem.bundled_names()))


def render(solution: Any, fmt: str) -> str:
    """``solution`` in format ``fmt``, ending with a newline."""
    method = {"text": solution.to_text, "markdown": solution.to_markdown,
              "latex": solution.to_latex, "json": solution.to_json,
              "svg": lambda: solution.diagram(show_updates=True),
              "html": solution.to_html}[fmt]
    text = method()
    return text if text.endswith("\n") else text + "\n"


def run(args: argparse.Namespace) -> int:
    problem = load(args.file)
    solution = problem.solve(args.convention, decimals=args.decimals, carry=args.carry)
    text = render(solution, args.format)
    write_output(args.output, text)
    return 0
