"""Render a ``WorkedSolution`` as a complete LaTeX document. Formats only; computes nothing.

The document uses ``article`` with amsmath, geometry, longtable and booktabs only (all in
Debian's texlive-latex-base / texlive-latex-recommended) and compiles with ``pdflatex``.
Each section of a step is one ``align*``; an equation chain that does not fit the line is
continued on the next row at its ``=``, and a sum that does not fit alone is split at its
top-level ``+``/``−`` (``\\right.``/``\\left.`` close and reopen the delimiters it spans).

The math helpers here (``math_text``, ``symbol_latex``, ``formula_latex``, ``align_rows``)
are shared with the Markdown renderer, whose ``$…$`` spans are this same LaTeX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule.render import _matrix_tex
from chainrule.render._text import hidden_steps, layer_rows
from chainrule.render.latex_math import (
    Entry,
    align_rows,
    derivation_entries,
    equation_entries,
    latex_text,
    number,
    symbol_latex,
    width,
)

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.solution import Equation, Step, WorkedSolution

__all__ = ["render", "PREAMBLE"]

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{longtable}
\usepackage{booktabs}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
\renewcommand{\labelitemi}{$\bullet$}
"""

#: Width of the text block in points (A4 with 2 cm margins) and the room an ``align*``
#: leaves for its rows; the estimate in ``latex_math.width`` errs on the wide side.
TEXT_WIDTH = 483.0


def _inline(eq: Equation) -> str:
    return f"${symbol_latex(eq.symbol)} = {number(eq.printed)}$"


def _align(entries: list[Entry]) -> list[str]:
    """An ``align*`` of ``(lhs, right-hand forms, note)`` entries, broken to fit the page."""
    if not entries:
        return []
    rows = align_rows(entries, TEXT_WIDTH)
    return [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    lines = [r"\begin{longtable}{" + align + "}", r"\toprule", " & ".join(header) + r" \\",
             r"\midrule", r"\endhead"]
    lines += [" & ".join(r) + r" \\" for r in rows]
    return lines + [r"\bottomrule", r"\end{longtable}"]


def _network(solution: WorkedSolution) -> list[str]:
    net = solution.network
    sizes = "-".join(str(n) for n in net.sizes)
    lines = [rf"Network {sizes}, loss \texttt{{{latex_text(net.loss)}}}.", ""]
    rows = layer_rows(solution, lambda s: f"${symbol_latex(s)}$", latex_text)
    return lines + _table(["layer", "units", "activation", "bias"], rows,
                          "lp{0.35\\textwidth}lp{0.22\\textwidth}")


def _given(solution: WorkedSolution) -> list[str]:
    pairs = [[f"${symbol_latex(eq.symbol)}$", f"${number(eq.printed)}$"]
             for eq in solution.given]
    per_row = 3
    rows = []
    for start in range(0, len(pairs), per_row):
        chunk = pairs[start:start + per_row]
        chunk += [["", ""]] * (per_row - len(chunk))
        rows.append([cell for pair in chunk for cell in pair])
    header = ["given", "value"] * per_row
    return ["Given values:", ""] + _table(header, rows, "lr" * per_row)


def _step(step: Step, solution: WorkedSolution) -> list[str]:
    lines = [rf"\subsection*{{Step {step.index} (epoch {step.epoch}, example {step.example})}}"]
    given = step.section("given")
    examples = [eq for eq in given if eq.kind in ("input", "target")]
    weights = [eq for eq in given if eq.kind == "weight"]
    lines.append("Given: " + ", ".join(_inline(eq) for eq in examples) + ".")
    if step.index > 1 and weights:
        lines += ["", "Weights at the start: " + ", ".join(_inline(eq) for eq in weights) + "."]
    for name in ("forward", "error", "backward", "update"):
        section = step.section(name)
        if section.equations:
            lines += [rf"\paragraph{{{latex_text(section.title)}}}"]
            lines += _align(equation_entries(section, solution))
    return lines


def _column_chunks(columns: list[list[str]], room: float) -> list[slice]:
    """``columns`` (lists of LaTeX cells) in as few runs as fit ``room``, of even length."""
    widths = [max(width(c) for c in cells) + 12.0 for cells in columns]
    for count in range(1, len(columns) + 1):
        size = -(-len(columns) // count)
        chunks = [slice(k, k + size) for k in range(0, len(columns), size)]
        if all(sum(widths[c]) <= room for c in chunks) or size == 1:
            return chunks
    return [slice(0, len(columns))]


def _weight_table(solution: WorkedSolution) -> list[str]:
    """The weights before and after each epoch; columns that do not fit continue below."""
    header = ["initial"] + [f"after epoch {e + 1}" for e in range(solution.epochs)]
    names = [f"${symbol_latex(row.symbol)}$" for row in solution.weight_table]
    columns = []
    for k, title in enumerate(header):
        ids = [row.given if k == 0 else row.after[k - 1] for row in solution.weight_table]
        columns.append([title] + [f"${number(solution.equation(i).printed)}$" for i in ids])
    room = TEXT_WIDTH - max(width(n) for n in names) - 12.0
    lines: list[str] = []
    for part in _column_chunks(columns, room):
        chosen = columns[part]
        rows = [[name] + [col[r + 1] for col in chosen] for r, name in enumerate(names)]
        lines += _table([""] + [col[0] for col in chosen], rows, "l" + "r" * len(chosen))
    return lines


def render(solution: WorkedSolution) -> str:
    """The whole solution as a LaTeX document, ending with a newline (its matrix form if it
    has one)."""
    if solution.matrix is not None:
        return _matrix_tex.latex(solution)
    title = latex_text(solution.title) if solution.title else "Worked solution"
    lines = [PREAMBLE.rstrip("\n"), r"\begin{document}", r"\raggedright", rf"\section*{{{title}}}",
             r"\textbf{Conventions:} " + latex_text(solution.conventions.describe()),
             r"\subsection*{Network and given values}"]
    lines += _network(solution) + _given(solution)
    lines += [r"\subsection*{General derivation}"] + _align(derivation_entries(solution))
    for step in solution.shown_steps:
        lines += _step(step, solution)
    if hidden_steps(solution):
        lines += ["", rf"\emph{{{hidden_steps(solution)}}}"]
    lines += [r"\subsection*{Weights}"] + _weight_table(solution)
    lines += [r"\subsection*{Loss per epoch}"]
    lines += _align(equation_entries(solution.losses, solution))
    if solution.notes:
        lines += [r"\subsection*{Notes}", r"\begin{itemize}"]
        # the braces stop a note that starts with "[" from being read as \item's label
        lines += [r"\item{} " + latex_text(note) for note in solution.notes]
        lines += [r"\end{itemize}"]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
