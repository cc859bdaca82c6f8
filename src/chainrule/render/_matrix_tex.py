"""The matrix form of a solution (``solution.matrix``) in LaTeX: ``bmatrix`` matrices in
``aligned``/``align*`` rows, for Markdown (``$$…$$``) and for a complete LaTeX document that
``pdflatex`` compiles (amsmath only). Formats only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chainrule.render._matrix_text import (
    PHASE_TITLES,
    conventions_line,
    hidden_line,
    network_line,
    step_title,
)
from chainrule.render.latex_math import latex_text, number

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.matrix import Matrix, MatrixEquation, MatrixStep
    from chainrule.derive.solution import WorkedSolution

__all__ = ["markdown", "latex", "matrix_latex", "equation_rows"]

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
\setcounter{MaxMatrixCols}{30}
"""


def matrix_latex(m: Matrix) -> str:
    """``\\begin{bmatrix} 0.1 & 0.3 \\\\ 0.2 & 0.4 \\end{bmatrix}``."""
    rows = r" \\ ".join(" & ".join(number(e.printed) for e in row) for row in m.rows)
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


def equation_rows(eq: MatrixEquation) -> list[str]:
    """``lhs &= symbolic``, ``&= numbers``, ``&= result``: rows of an alignment."""
    forms = []
    if eq.symbolic is not None:
        forms.append(eq.symbolic[1])
    if eq.numeric:
        forms.append(" ".join(p.latex if p.matrix is None else matrix_latex(p.matrix)
                              for p in eq.numeric))
    forms.append(matrix_latex(eq.result))
    return [(eq.lhs[1] if i == 0 else "") + " &= " + form for i, form in enumerate(forms)]


def _phases(step: MatrixStep) -> list[tuple[str, list[str]]]:
    out = []
    for name, title in PHASE_TITLES:
        rows = [row for eq in step.phase(name) for row in equation_rows(eq)]
        if rows:
            out.append((title, rows))
    return out


def markdown(solution: WorkedSolution, escape: Callable[[str], str]) -> str:
    """The matrix form as Markdown with LaTeX math, ending with a newline; ``escape`` writes
    user text as literal Markdown (the Markdown renderer's)."""
    form = solution.matrix
    assert form is not None
    title = escape(solution.title) if solution.title else "Worked solution (matrix form)"
    lines = [f"# {title}", "", "**Conventions:** " + escape(conventions_line(solution)),
             "", escape(network_line(solution)), ""]
    for step in form.steps:
        lines += [f"## {escape(step_title(step, form))}", ""]
        for title, rows in _phases(step):
            lines += [f"### {title}", "", "$$", r"\begin{aligned}", " \\\\\n".join(rows),
                      r"\end{aligned}", "$$", ""]
    if hidden_line(form):
        lines += [f"*{escape(hidden_line(form))}*", ""]
    lines += ["## Notes", ""] + [f"- {escape(n)}" for n in form.notes + solution.notes]
    return "\n".join(lines) + "\n"


def latex(solution: WorkedSolution) -> str:
    """The matrix form as a complete LaTeX document, ending with a newline."""
    form = solution.matrix
    assert form is not None
    title = latex_text(solution.title) if solution.title else "Worked solution (matrix form)"
    lines = [_PREAMBLE.rstrip("\n"), r"\begin{document}", r"\raggedright",
             rf"\section*{{{title}}}",
             r"\textbf{Conventions:} " + latex_text(conventions_line(solution)), "",
             latex_text(network_line(solution))]
    for step in form.steps:
        lines.append(rf"\subsection*{{{latex_text(step_title(step, form))}}}")
        for title, rows in _phases(step):
            lines += [rf"\paragraph{{{title}}}", r"\begin{align*}", " \\\\\n".join(rows),
                      r"\end{align*}"]
    if hidden_line(form):
        lines += ["", rf"\emph{{{latex_text(hidden_line(form))}}}"]
    lines += [r"\subsection*{Notes}", r"\begin{itemize}"]
    lines += [r"\item{} " + latex_text(n) for n in form.notes + solution.notes]
    lines += [r"\end{itemize}", r"\end{document}"]
    return "\n".join(lines) + "\n"
