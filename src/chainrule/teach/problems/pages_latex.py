"""The exam sheet and the answer key as LaTeX documents: one variant a page (``pages.py``).

Each variant is set in a box the width of the text; a box taller than the page is scaled
down to the page's height, and a ``\\clearpage`` follows it, so the PDF has exactly one page
per variant. The document needs ``graphicx`` and TikZ (Debian's texlive-latex-recommended
and texlive-pictures) besides the LaTeX base, and compiles with ``pdflatex``. Every text a
user gives (the title) is escaped (``latex_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chainrule.render.latex_math import latex_text, number, symbol_latex
from chainrule.teach.problems.drawing import tikz
from chainrule.teach.problems.pages import (
    DEFAULT_HEADING,
    Grid,
    Part,
    givens,
    grid,
    marks_text,
    num,
    parts,
    total,
    wording,
)
from chainrule.teach.problems.rules import rules_latex

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.teach.problems.generate import GeneratedProblem

__all__ = ["exam_latex", "PREAMBLE"]

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[a4paper,margin=1.5cm]{geometry}
\usepackage{amsmath}
\usepackage{graphicx}
\usepackage{tikz}
\pagestyle{empty}
\setlength{\parindent}{0pt}
\setlength{\fboxsep}{3pt}
\newsavebox{\variantbox}
\newsavebox{\netbox}
% the network's picture, scaled down to the width of its column if it is wider
\newcommand{\fitwidth}{\ifdim\wd\netbox>\linewidth
  \resizebox{\linewidth}{!}{\usebox{\netbox}}\else\usebox{\netbox}\fi}
% an answer box #1 wide holding #2 (empty on the question sheet)
\newcommand{\answerbox}[2]{\fbox{\makebox[#1][r]{\rule[-0.8ex]{0pt}{3ex}#2}}}
% the variant's box, scaled down to the page's height if it is taller
\newcommand{\fitpage}{\ifdim\dimexpr\ht\variantbox+\dp\variantbox\relax>\textheight
  \resizebox*{!}{\textheight}{\usebox{\variantbox}}\else\usebox{\variantbox}\fi}
"""


def exam_latex(problems: Sequence[GeneratedProblem], *, title: str = "",
               key: bool = False) -> str:
    """The question sheet (``key=False``: empty boxes, name and ID fields) or the answer key
    (every box filled) of ``problems``, one variant a page."""
    lines = [PREAMBLE.rstrip("\n"), r"\begin{document}"]
    for p in problems:
        lines += [r"\begin{lrbox}{\variantbox}\begin{minipage}{\linewidth}"]
        lines += _heading(p, title, key) + _top(p) + _answers(p, key)
        lines += [r"\end{minipage}\end{lrbox}", r"\fitpage", r"\clearpage", ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def _heading(p: GeneratedProblem, title: str, key: bool) -> list[str]:
    what = wording(p, key).subtitle
    lines = [rf"{{\Large\bfseries {latex_text(title or DEFAULT_HEADING)}}}\hfill"
             rf"{{\Large Variant {p.number}}}\par\smallskip",
             rf"{{\large {what}}}\par\medskip"]
    if not key:
        lines.append(r"Name\ \rule{7.5cm}{0.4pt}\hfill Student ID\ \rule{4cm}{0.4pt}\hfill "
                     rf"Variant\ \fbox{{\ {p.number}\ }}\par\medskip")
    lines.append(r"\fbox{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}{"
                 rf"\textbf{{Rules.}} {rules_latex(p)}}}}}\par\medskip")
    return lines


def _top(p: GeneratedProblem) -> list[str]:
    """The drawing of the network beside the table of given values."""
    lines = [r"\begin{minipage}[c]{0.6\linewidth}\centering", r"\begin{lrbox}{\netbox}", tikz(p),
             r"\end{lrbox}\fitwidth", r"\end{minipage}\hfill",
             r"\begin{minipage}[c]{0.38\linewidth}\small\textbf{Given}\par\smallskip",
             r"\renewcommand{\arraystretch}{1.15}\begin{tabular}{@{}lll@{}}"]
    for name, eqs in givens(p):
        cells = [f"${symbol_latex(eq.symbol)} = {number(eq.printed)}$" for eq in eqs]
        rows = [cells[k:k + 3] for k in range(0, len(cells), 3)] or [[]]
        lines.append(rf"\multicolumn{{3}}{{@{{}}l}}{{\emph{{{name}}}}} \\")
        lines += [" & ".join(row + [""] * (3 - len(row))) + r" \\" for row in rows]
    return lines + [r"\end{tabular}", r"\end{minipage}\par\medskip"]


def _answers(p: GeneratedProblem, key: bool) -> list[str]:
    layout, words = grid(p), wording(p, key)
    lines = [rf"\textbf{{Answers}} --- {words.answers}.\par"]
    steps = parts(p)
    for step, found in steps:
        if len(steps) > 1:
            lines.append(rf"\smallskip\textbf{{Step {step.index}}} (example {step.example})\par")
        for part in found:
            lines += _part(part, layout, key)
    return lines + [rf"\medskip\textbf{{Total: {marks_text(total(p))}.}}"
                    rf"{latex_text(words.after_total)}\par"]


def _part(part: Part, layout: Grid, key: bool) -> list[str]:
    each = f", {marks_text(part.marks[0])} each" if part.uniform and len(part.asked) > 1 else ""
    lines = [rf"\smallskip({part.letter}) \textbf{{{part.title}}} "
             rf"[{marks_text(part.total)}{each}]\par\nopagebreak",
             r"\renewcommand{\arraystretch}{1.25}",
             r"\begin{tabular}{@{}" + r"r@{\ }l@{\hspace{5mm}}" * layout.columns + "@{}}"]
    cells = []
    for eq, marks in zip(part.asked, part.marks):
        value = f"${number(eq.printed)}$" if key else ""
        extra = "" if part.uniform else rf"\,{{\scriptsize({num(marks)})}}"
        cells.append(f"${symbol_latex(eq.symbol)}$ & "
                     rf"\answerbox{{{layout.box_cm:.2f}cm}}{{{value}}}{extra}")
    for k in range(0, len(cells), layout.columns):
        lines.append(" & ".join(cells[k:k + layout.columns]) + r" \\[2pt]")
    return lines + [r"\end{tabular}\par"]
