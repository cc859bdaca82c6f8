"""Render a ``WorkedSolution`` as Markdown with LaTeX math. Formats only; computes nothing.

Math is written in the delimiters that GitHub, Jupyter (MathJax), KaTeX's auto-render and
pandoc all read: ``$…$`` inline (no space inside the dollars) and ``$$`` on lines of their
own around display math. Each section of a step is one display block holding an
``aligned`` environment, broken into rows as the LaTeX renderer breaks them. The math is
the LaTeX document's math, so every span also compiles with ``pdflatex``.

User text (title, notes, names in tables) has Markdown's special characters escaped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from chainrule.render import _matrix_tex
from chainrule.render._text import hidden_steps, layer_rows
from chainrule.render.latex_math import (
    Entry,
    align_rows,
    derivation_entries,
    equation_entries,
    number,
    symbol_latex,
)

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.solution import Equation, Step, WorkedSolution

__all__ = ["render", "escape"]

#: The width, in the points of ``latex_math.width``, that display math is broken to.
DISPLAY_WIDTH = 600.0

_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~&#{}])")


def escape(text: str) -> str:
    """``text`` as literal Markdown: one line, every character that could start markup
    backslash-escaped (``a_b%#`` → ``a\\_b%\\#``)."""
    text = _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text).strip())
    if text[:1] in ("-", "+", "="):  # a list item or a heading underline
        text = "\\" + text
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # an ordered list item


def _math(latex: str) -> str:
    return f"${latex}$"


def _display(entries: list[Entry]) -> list[str]:
    if not entries:
        return []
    rows = align_rows(entries, DISPLAY_WIDTH)
    body = " \\\\\n".join(rows)
    return ["$$", r"\begin{aligned}", body, r"\end{aligned}", "$$", ""]


def _inline(equations: list[Equation]) -> str:
    return ", ".join(_math(f"{symbol_latex(eq.symbol)} = {number(eq.printed)}")
                     for eq in equations)


def _table(header: list[str], rows: list[list[str]], right: int = 0) -> list[str]:
    """A pipe table; the last ``right`` columns are right-aligned (numbers)."""
    rule = ["---"] * (len(header) - right) + ["--:"] * right
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines + [""]


def _network(solution: WorkedSolution) -> list[str]:
    net = solution.network
    sizes = "-".join(str(n) for n in net.sizes)
    lines = [f"Network {sizes}, loss `{net.loss}`.", ""]
    rows = layer_rows(solution, lambda s: _math(symbol_latex(s)), escape)
    lines += _table(["layer", "units", "activation", "bias"], rows)
    given = [[_math(symbol_latex(eq.symbol)), _math(number(eq.printed))]
             for eq in solution.given]
    return lines + _table(["given", "value"], given, right=1)


def _step(step: Step, solution: WorkedSolution) -> list[str]:
    lines = [f"## Step {step.index} (epoch {step.epoch}, example {step.example})", ""]
    given = step.section("given")
    lines += ["**Given:** " + _inline([eq for eq in given if eq.kind in ("input", "target")]),
              ""]
    weights = [eq for eq in given if eq.kind == "weight"]
    if step.index > 1 and weights:
        lines += ["**Weights at the start:** " + _inline(weights), ""]
    for name in ("forward", "error", "backward", "update"):
        section = step.section(name)
        if section.equations:
            lines += [f"### {escape(section.title)}", ""]
            lines += _display(equation_entries(section, solution))
    return lines


def _weight_table(solution: WorkedSolution) -> list[str]:
    header = ["", "initial"] + [f"after epoch {e + 1}" for e in range(solution.epochs)]
    rows = []
    for row in solution.weight_table:
        ids = (row.given,) + row.after
        rows.append([_math(symbol_latex(row.symbol))]
                    + [_math(number(solution.equation(i).printed)) for i in ids])
    return _table(header, rows, right=len(header) - 1)


def render(solution: WorkedSolution) -> str:
    """The whole solution as Markdown, ending with a newline (its matrix form if it has one)."""
    if solution.matrix is not None:
        return _matrix_tex.markdown(solution, escape)
    title = escape(solution.title) if solution.title else "Worked solution"
    lines = [f"# {title}", "", "**Conventions:** " + escape(solution.conventions.describe()),
             "", "## Network and given values", ""]
    lines += _network(solution)
    lines += ["## General derivation", ""] + _display(derivation_entries(solution))
    for step in solution.shown_steps:
        lines += _step(step, solution)
    if hidden_steps(solution):
        lines += [f"*{hidden_steps(solution)}*", ""]
    lines += ["## Weights", ""] + _weight_table(solution)
    lines += ["## Loss per epoch", ""] + _display(equation_entries(solution.losses, solution))
    if solution.notes:
        lines += ["## Notes", ""] + [f"- {escape(note)}" for note in solution.notes] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
