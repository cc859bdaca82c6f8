"""``chainrule examples``: the bundled published examples, replayed under their own rules."""

from __future__ import annotations

from typing import Any

from chainrule._util.files import write_output
from chainrule.render._markdown import escape
from chainrule.render.latex_math import number
from chainrule.teach.problems import files as problems
from chainrule.teach.problems import replay

_VERDICT = {"ok": "follows", "rounded_carry": "follows, carried as printed"}


def run(args: Any) -> int:
    if args.name is None:
        text = _listing(problems)
    else:
        problem = problems.bundled(args.name)
        text = _replay(problem, args.format)
    write_output(args.output, text)
    return 0


def _listing(problems: Any) -> str:
    names = problems.bundled_names()
    width = max(len(n) for n in names)
    lines = [f"{name.ljust(width)}  {problems.bundled(name).title}" for name in names]
    return "\n".join(lines) + "\n\nchainrule examples NAME explains one.\n"


def _replay(problem: Any, fmt: str) -> str:
    solution = problem.solve()
    rows = [[c.label, c.printed, c.ours, c.full, _verdict(c)]
            for c in replay.compare(problem, solution)]
    body = solution.to_markdown() if fmt == "markdown" else solution.to_text()
    heading = f"Published numbers ({problem.name}), at the source's printed decimals"
    if not rows:
        return body + f"\n{heading}\n  none: the source's printed numbers could not be " \
                      "retrieved (see the notes).\n"
    header = ["quantity", "printed", "source's rules", "full precision", "verdict"]
    if fmt == "markdown":
        return body + "\n" + _markdown_table(heading, header, rows)
    return body + "\n" + _text_table(heading, header, rows)


def _verdict(comparison: Any) -> str:
    if comparison.status in _VERDICT:
        return _VERDICT[comparison.status]
    if comparison.reproduced_by:
        return "slip: follows from " + " with ".join(comparison.reproduced_by)
    return "slip: no rule chainrule knows gives it"


def _minus(text: str) -> str:
    return text.replace("-", "−") if text[:1] == "-" else text


def _text_table(heading: str, header: list[str], rows: list[list[str]]) -> str:
    rows = [header] + [[r[0]] + [_minus(v) for v in r[1:4]] + [r[4]] for r in rows]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    lines = [heading]
    for r in rows:
        lines.append(("  " + "  ".join(r[c].ljust(widths[c]) for c in range(4)) + "  "
                      + r[4]).rstrip())
    return "\n".join(lines) + "\n"


def _markdown_table(heading: str, header: list[str], rows: list[list[str]]) -> str:
    lines = [f"## {escape(heading)}", "", "| " + " | ".join(header) + " |",
             "| --- | --: | --: | --: | --- |"]
    lines += ["| " + " | ".join(f"${number(v)}$" if i in (1, 2, 3) else escape(v)
                                for i, v in enumerate(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"
