"""Render a ``WorkedSolution`` as JSON. Formats only; computes nothing.

The format is documented in ``docs/json-format.md`` and defined by the JSON Schema
``docs/worked-solution.schema.json``; ``FORMAT`` and ``VERSION`` name it in every document.
Output is deterministic: keys sorted, lists in the solution's order, two-space indent,
UTF-8 text (``ensure_ascii=False``). Floats are written by ``repr`` and so read back as the
same float; a non-finite value (not produced by a checked derivation, but representable)
is written as the string ``"Infinity"``, ``"-Infinity"`` or ``"NaN"``.

>>> import json
>>> from chainrule.derive import explain
>>> doc = json.loads(explain([([[0.5]], [0.0], "linear")], [2.0], [1.0],
...                          learning_rate=0.1).to_json())
>>> doc["format"], doc["version"], doc["steps"][0]["sections"][1]["equations"][0]["printed"]
('chainrule.worked-solution', 1, '1.0000')
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from chainrule.calculus import formula as f
from chainrule.render import _matrix_json
from chainrule.render._text import equation_line
from chainrule.render.latex_math import formula_latex, latex_text, symbol_latex
from chainrule.render.printing import to_text

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.solution import Equation, Section, Step, WorkedSolution

__all__ = ["render", "document", "formula_tree", "FORMAT", "VERSION"]

FORMAT = "chainrule.worked-solution"
#: Incremented whenever a field is removed or changes meaning (adding one does not).
VERSION = 1


def _float(value: float | None) -> float | str | None:
    if value is None:
        return None
    value = float(value)
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _symbol(symbol: Any) -> dict[str, str]:
    return {"text": symbol.text, "latex": symbol_latex(symbol)}


def _written(node: Any, solution: WorkedSolution | None = None,
             numeric: bool = False) -> dict[str, str]:
    lookup = solution.lookup if solution is not None else None
    return {"text": to_text(node, lookup, numeric=numeric),
            "latex": formula_latex(node, lookup, numeric=numeric)}


#: The node types of a formula tree by JSON name (``docs/json-format.md``, "Tree").
_OPS = {f.Add: "add", f.Sub: "sub", f.Neg: "neg", f.Mul: "mul", f.Div: "div", f.Pow: "pow",
        f.Exp: "exp", f.Log: "log", f.Step: "step", f.Call: "call"}


def formula_tree(node: f.Node) -> dict[str, Any] | None:
    """``node`` as an evaluable JSON tree: ``{"op": "const", "value": …}``, ``{"op": "ref",
    "id": …}``, ``{"op": "var", "name": …}``, or ``{"op": "add" | "sub" | "neg" | "mul" |
    "div" | "pow" | "exp" | "log" | "step", "args": [...]}`` (a step's args: its argument and
    its value at and below 0), ``{"op": "call", "fn": …, "args": [...], "index": …,
    "derivative": …}``; ``None`` for a symbolic-only formula (Σ, bare symbols).

    >>> formula_tree(f.Mul((f.Ref("s1.x.1"), f.Const(0.5))))["args"][1]
    {'op': 'const', 'value': 0.5}
    """
    if isinstance(node, f.Const):
        return {"op": "const", "value": _float(node.value)}
    if isinstance(node, f.Ref):
        return {"op": "ref", "id": node.id}
    if isinstance(node, f.Var):
        return {"op": "var", "name": node.name}
    op = _OPS.get(type(node))
    if op is None:
        return None
    args = [formula_tree(child) for child in f.children(node)]
    if any(a is None for a in args):
        return None
    tree: dict[str, Any] = {"op": op, "args": args}
    if isinstance(node, f.Call):
        tree.update(fn=node.fn, index=node.index, derivative=node.derivative)
    return tree


def equation(eq: Equation, solution: WorkedSolution) -> dict[str, Any]:
    """One equation as a JSON object (``docs/json-format.md``, "Equation")."""
    formula = None
    if eq.formula is not None:
        formula = {"symbolic": _written(eq.formula, solution),
                   "numeric": _written(eq.formula, solution, numeric=True),
                   "tree": formula_tree(eq.formula)}
    return {
        "id": eq.id,
        "kind": eq.kind,
        "label": eq.label,
        "symbol": _symbol(eq.symbol),
        "formula": formula,
        "expansion": None if eq.expansion is None else _written(eq.expansion, solution),
        "line": equation_line(eq, solution),
        "value": _float(eq.value),
        "exact": _float(eq.exact),
        "engine": _float(eq.engine),
        "printed": eq.printed,
        "decimals": eq.decimals,
        "refs": list(eq.refs),
        "key": [p if isinstance(p, (int, str)) else str(p) for p in eq.key],
        "step": eq.step,
    }


def _section(section: Section, solution: WorkedSolution) -> dict[str, Any]:
    return {"name": section.name, "title": section.title,
            "equations": [equation(eq, solution) for eq in section]}


def _step(step: Step, solution: WorkedSolution) -> dict[str, Any]:
    return {"id": step.id, "index": step.index, "epoch": step.epoch, "example": step.example,
            "shown": step.id in solution.shown,
            "sections": [_section(s, solution) for s in step.sections]}


def _conventions(solution: WorkedSolution) -> dict[str, Any]:
    c = solution.conventions
    return {
        "name": c.name, "notation": c.notation, "error": c.error, "sign": c.sign,
        "bias": c.bias, "update_bias": c.update_bias,
        "hidden_delta_weights": c.hidden_delta_weights, "layer_letters": list(c.layer_letters),
        "unit_letters": list(c.unit_letters), "letters": dict(c.letters),
        "indexing": c.indexing, "decimals": dict(c.decimals),
        "significant": c.significant, "carry": c.carry, "tie": c.tie,
        "momentum": _float(c.momentum), "optimizer": c.optimizer, "beta_1": _float(c.beta_1),
        "beta_2": _float(c.beta_2), "epsilon": _float(c.epsilon),
        "adam_epsilon": c.adam_epsilon, "updates": c.updates, "show": sorted(c.show),
        "input_first": c.input_first, "bias_first": c.bias_first,
        "learning_rate_symbol": c.learning_rate_symbol, "layout": c.layout,
        "description": {"text": c.describe(), "latex": latex_text(c.describe())},
        "summary": [{"switch": switch, "text": text} for switch, text in c.summary()],
    }


def _network(solution: WorkedSolution) -> dict[str, Any]:
    net = solution.network
    return {
        "sizes": list(net.sizes), "loss": net.loss, "bias": net.bias,
        "layers": [{"units": layer.units, "activation": layer.activation,
                    "names": [_symbol(n) for n in layer.names]} for layer in net.layers],
        "bias_symbols": [[_symbol(s) for s in layer] for layer in net.bias_symbols],
    }


def _derivation(solution: WorkedSolution) -> list[dict[str, Any]]:
    lines = []
    for line in solution.derivation:
        lhs, forms = _written(line.lhs), [_written(f) for f in line.forms]
        whole = [lhs] + forms
        lines.append({
            "lhs": lhs, "forms": forms, "note": line.note,
            "text": " = ".join(p["text"] for p in whole),
            "latex": " = ".join(p["latex"] for p in whole),
        })
    return lines


def _weight_table(solution: WorkedSolution) -> dict[str, Any]:
    columns = ["initial"] + [f"after epoch {e + 1}" for e in range(solution.epochs)]
    rows = []
    for row in solution.weight_table:
        ids = [row.given, *row.after]
        eqs = [solution.equation(i) for i in ids]
        rows.append({"param": row.param, "symbol": _symbol(row.symbol), "given": row.given,
                     "after": list(row.after), "printed": [e.printed for e in eqs],
                     "values": [_float(e.value) for e in eqs]})
    return {"columns": columns, "rows": rows}


def document(solution: WorkedSolution) -> dict[str, Any]:
    """The solution as plain JSON-ready data (what ``render`` serialises); a solution with
    a matrix form has it as ``"matrix"``."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "title": solution.title,
        "conventions": _conventions(solution),
        "network": _network(solution),
        "given": [equation(eq, solution) for eq in solution.given],
        "derivation": _derivation(solution),
        "steps": [_step(s, solution) for s in solution.steps],
        "shown": list(solution.shown),
        "weight_table": _weight_table(solution),
        "losses": [equation(eq, solution) for eq in solution.losses],
        "notes": list(solution.notes),
    }
    if solution.matrix is not None:
        doc["matrix"] = _matrix_json.document(solution.matrix)
    return doc


def render(solution: WorkedSolution) -> str:
    """The solution as a JSON document (UTF-8 text ending with a newline)."""
    return json.dumps(document(solution), sort_keys=True, indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"
