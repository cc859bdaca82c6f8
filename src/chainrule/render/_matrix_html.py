"""The matrix form in the HTML walk-through: a section beside the scalar equations and a
switch scalar ⇄ matrix (``assets/matrix.js``). A matrix is an HTML table in brackets; an
entry whose number is a scalar equation's links to that line (``data-eq-id``), which the
script shows and highlights. All text is escaped; without the script both forms show."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from chainrule._util.text import text_number
from chainrule.render._matrix_text import PHASE_TITLES, hidden_line, step_title

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.matrix import Matrix, MatrixEquation, MatrixStep
    from chainrule.derive.solution import WorkedSolution

__all__ = ["section", "switch", "SCRIPT", "STYLE"]

#: The assets the page needs when the solution has a matrix form.
SCRIPT, STYLE = "matrix.js", "matrix.css"


def _entry(entry: object, linked: bool) -> str:
    eid, text = escape(entry.id), escape(text_number(entry.printed))  # type: ignore[attr-defined]
    if linked:
        return (f'<td><a class="cr-entry" href="#" data-eq-id="{eid}" '
                f'title="the scalar line of this number">{text}</a></td>')
    return f'<td><span class="cr-entry" data-entry-id="{eid}">{text}</span></td>'


def _matrix(m: Matrix, linked: set[str]) -> str:
    rows = "".join("<tr>" + "".join(_entry(e, e.id in linked) for e in row) + "</tr>"
                   for row in m.rows)
    return f'<table class="cr-mat" aria-label="{escape(m.text)}"><tbody>{rows}</tbody></table>'


def _equation(eq: MatrixEquation, linked: set[str]) -> str:
    parts = [f'<span class="cr-msym">{escape(eq.lhs[0])}</span>']
    if eq.symbolic is not None:
        parts.append(f'<span class="cr-msym">{escape(eq.symbolic[0])}</span>')
    if eq.numeric:
        parts.append("".join(
            _matrix(p.matrix, linked) if p.matrix is not None else
            f'<span class="cr-mop">{escape(p.text)}</span>' for p in eq.numeric))
    parts.append(_matrix(eq.result, linked))
    body = '<span class="cr-mop">=</span>'.join(
        f'<span class="cr-mform">{p}</span>' for p in parts)
    return (f'<li class="cr-meq" data-matrix-id="{escape(eq.id)}" '
            f'data-kind="{escape(eq.kind)}">{body}</li>')


def _step(step: MatrixStep, solution: WorkedSolution, linked: set[str]) -> str:
    form = solution.matrix
    assert form is not None
    out = [f'<section class="cr-mstep" data-step="{escape(step.id)}">'
           f"<h2>{escape(step_title(step, form))}</h2>"]
    for name, title in PHASE_TITLES:
        equations = step.phase(name)
        if equations:
            items = "".join(_equation(eq, linked) for eq in equations)
            out.append(f'<section class="cr-mphase" data-phase="{name}"><h3>{title}</h3>'
                       f'<ol class="cr-list">{items}</ol></section>')
    return "".join(out) + "</section>"


def section(solution: WorkedSolution) -> str:
    """The matrix section of the page ("" for a solution without a matrix form)."""
    form = solution.matrix
    if form is None:
        return ""
    shown = {eq.id for step in solution.shown_steps for eq in step.equations()}
    steps = "".join(_step(s, solution, shown) for s in form.steps)
    more = f'<p class="cr-more">{escape(hidden_line(form))}</p>' if hidden_line(form) else ""
    notes = "".join(f"<li>{escape(n)}</li>" for n in form.notes)
    return (f'<div class="cr-matrix" data-cr-matrix data-layout="{escape(form.layout)}">'
            f'<ul class="cr-mnotes">{notes}</ul>{steps}{more}</div>')


def switch(solution: WorkedSolution) -> str:
    """The scalar ⇄ matrix buttons ("" without a matrix form)."""
    if solution.matrix is None:
        return ""
    return ('<div class="cr-form-switch" role="group" aria-label="Form of the solution">'
            '<button type="button" data-form="scalar" aria-pressed="false">Scalar form'
            '</button><button type="button" data-form="matrix" aria-pressed="true">'
            "Matrix form</button></div>")
