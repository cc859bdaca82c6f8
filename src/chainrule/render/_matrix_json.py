"""The matrix form of a solution as JSON-ready data: the ``"matrix"`` member of the JSON
document (``docs/json-format.md``, "Matrix form"). Formats only."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from chainrule.render._matrix_tex import equation_rows, matrix_latex
from chainrule.render._matrix_text import equation_block

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.matrix import Matrix, MatrixEquation, MatrixForm

__all__ = ["document"]


def _float(value: float) -> float | str:
    if math.isfinite(value):
        return float(value)
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _matrix(m: Matrix) -> dict[str, Any]:
    return {"text": m.text, "latex": matrix_latex(m), "symbol_latex": m.latex,
            "shape": list(m.shape),
            "ids": [[e.id for e in row] for row in m.rows],
            "values": [[_float(e.value) for e in row] for row in m.rows],
            "printed": [[e.printed for e in row] for row in m.rows]}


def _equation(eq: MatrixEquation) -> dict[str, Any]:
    symbolic = None if eq.symbolic is None else {"text": eq.symbolic[0],
                                                 "latex": eq.symbolic[1]}
    return {"id": eq.id, "kind": eq.kind, "phase": eq.phase, "label": eq.label,
            "lhs": {"text": eq.lhs[0], "latex": eq.lhs[1]}, "symbolic": symbolic,
            "numeric": [{"text": p.text, "latex": p.latex,
                         "matrix": None if p.matrix is None else _matrix(p.matrix)}
                        for p in eq.numeric],
            "result": _matrix(eq.result),
            "text": "\n".join(equation_block(eq)),
            "latex": " \\\\\n".join(equation_rows(eq))}


def document(form: MatrixForm) -> dict[str, Any]:
    """The matrix form as plain JSON-ready data."""
    return {"layout": form.layout, "batch_size": form.batch_size, "total": form.total,
            "notes": list(form.notes),
            "steps": [{"id": s.id, "index": s.index, "epoch": s.epoch,
                       "examples": list(s.examples),
                       "equations": [_equation(eq) for eq in s.equations]}
                      for s in form.steps]}
