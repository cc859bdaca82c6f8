"""``chainrule explain``: a problem file's training step(s) as a worked solution."""

from __future__ import annotations

import argparse
import os
from typing import Any

from chainrule._util.files import check_output, write_output
from chainrule.teach.problems import files as problem


def load(file: str) -> Any:
    """The problem in ``file``, or the bundled problem of that name (``load_problem``)."""
    try:
        return problem.load_problem(file)
    except FileNotFoundError:
        if "/" in file or os.sep in file:
            raise  # a path: the system's own words name it
    raise ValueError(f"{file}: no such file, and no problem of that name is shipped with "
                     "chainrule; shipped problems: " + ", ".join(problem.bundled_names()))


def render(solution: Any, fmt: str, practice: bool = False) -> str:
    """``solution`` in format ``fmt`` (``practice``: the HTML practice page), ending with a
    newline."""
    method = {"text": solution.to_text, "markdown": solution.to_markdown,
              "latex": solution.to_latex, "json": solution.to_json,
              "svg": lambda: solution.diagram(show_updates=True),
              "html": lambda: solution.to_html(practice=practice)}[fmt]
    text = method()
    return text if text.endswith("\n") else text + "\n"


def run(args: argparse.Namespace) -> int:
    practice = getattr(args, "practice", False)
    if practice and args.format != "html":
        raise ValueError(f"--practice makes an HTML page; use it with --format html. "
                         f"Received: --format {args.format}")
    inputs = [args.file] if os.path.isfile(args.file) else []
    if args.output:
        check_output(args.output, inputs)  # before the work, not after it
    problem = load(args.file)
    solution = problem.solve(args.convention, decimals=args.decimals, carry=args.carry,
                             form=args.form, batch_size=args.batch_size, layout=args.layout)
    text = render(solution, args.format, practice)
    write_output(args.output, text, inputs=[args.file] if os.path.isfile(args.file) else [])
    return 0
