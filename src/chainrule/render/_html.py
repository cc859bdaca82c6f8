"""The HTML walk-through of a worked solution: one self-contained, offline page.

The page holds the network diagram of each step shown in full, every equation typeset as
MathML generated from the solution's formula trees (``printing.to_mathml``), and controls
that step through the equations — forward pass, error, backward pass, update, next example
— highlighting the neuron or edge each equation is about (``[data-eq~=id]`` in the SVG).
Clicking a weight lists its whole chain-rule derivation. Arrow keys step. A print stylesheet
gives a clean handout.

Nothing is fetched: the CSS and the script are inlined from ``chainrule/viz/assets``, and a
Content-Security-Policy forbids every request and every script but ours (by its hash). Every
piece of text is escaped; the data the script needs is JSON inside
``<script type="application/json">`` with ``<``, ``>`` and ``&`` written as ``\\u003c`` …

>>> import numpy as np
>>> from chainrule.derive import explain
>>> solution = explain([([[0.5]], [0.0], "sigmoid")], [1.0], [1.0], learning_rate=0.5)
>>> page = render_html(solution)
>>> page.startswith("<!DOCTYPE html>") and "<math" in page and "default-src 'none'" in page
True
"""

from __future__ import annotations

import base64
import hashlib
import json
import xml.etree.ElementTree as ET
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from chainrule._util.text import text_number
from chainrule.calculus.formula import Node
from chainrule.derive import ids
from chainrule.render import _matrix_html
from chainrule.render._graph_html import graph_views, toggle
from chainrule.render._svg import diagram
from chainrule.render._text import render as render_text
from chainrule.render.printing import equation_parts, to_mathml

__all__ = ["render_html", "render_fragment", "equation_mathml", "wrapping_math", "page",
           "json_script", "DERIVATION_KINDS"]

#: Kinds an edge's chain-rule derivation lists (the forward values it uses are in its
#: formulas as numbers).
DERIVATION_KINDS = ("error_term", "error", "dout", "fprime", "delta", "gradient", "change",
                    "update")
PHASES = (("forward", "Forward pass"), ("error", "Error"), ("backward", "Backward pass"),
          ("update", "Update"))


@cache
def asset(name: str) -> str:
    """The text of ``chainrule/render/assets/<name>``."""
    return resources.files("chainrule.render").joinpath("assets", name).read_text("utf-8")


def json_script(data: Any, css_class: str) -> str:
    """``data`` as JSON in a ``<script type="application/json">`` that no text can close:
    ``<``, ``>`` and ``&`` are written as JSON escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" class="{css_class}">{text}</script>'


def page(title: str, body: str, *, scripts: tuple[str, ...] = (), css: str = "") -> str:
    """A complete offline HTML document. Its Content-Security-Policy allows no request
    at all (``default-src 'none'``), images only from ``data:`` URIs, and only the given
    inline scripts (by their SHA-256), so an injected handler could not run either."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts)
    csp = (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
           f"script-src {hashes or chr(39) + 'none' + chr(39)}; base-uri 'none'; "
           f"form-action 'none'")
    tags = "".join(f"<script>{s}</script>" for s in scripts)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
            f"{body}\n{tags}\n</body>\n</html>\n")


# --- equations -------------------------------------------------------------------------------
def _number(printed: str) -> str:
    if printed.startswith("-"):
        return f"<mrow><mo>−</mo><mn>{escape(printed[1:])}</mn></mrow>"
    return f"<mrow><mn>{escape(printed)}</mn></mrow>"


def equation_mathml(eq: Any, solution: Any, *, display: bool = True) -> str:
    """``symbol = expansion = formula = numbers = value`` as one ``<math>`` element,
    each distinct form once (``printing.equation_parts``)."""
    kept = equation_parts(eq, solution, symbol=lambda s: f"<mrow>{s.mathml}</mrow>",
                          formula=to_mathml, number=_number)
    mode = ' display="block"' if display else ""
    return f"<math{mode}><mrow>{'<mo>=</mo>'.join(kept)}</mrow></math>"


def _derivation_line_mathml(lhs: Node, forms: tuple[Node, ...]) -> str:
    parts = [to_mathml(lhs)] + [to_mathml(f) for f in forms]
    return wrapping_math("<mo>=</mo>".join(parts))


#: Operators a long formula may wrap before, where they join two terms.
BREAKS = frozenset("=+−-")
CLOSERS = frozenset(")]}|")
_SCRIPTS = ("msup", "msub", "msubsup")


def _tokens(element: ET.Element) -> list[ET.Element]:
    """``element`` as a flat row of atoms: rows opened, and a script over a parenthesised
    row moved onto its last atom (``(a + b)²`` → ``(``, ``a``, ``+``, ``b``, ``)²``), which
    sets the same glyphs in the same places."""
    if element.tag == "mrow":
        children = list(element)
        if len(children) > 1:  # keep the form a row's place gave (a leading − is unary)
            for child, form in ((children[0], "prefix"), (children[-1], "postfix")):
                if child.tag == "mo" and "form" not in child.attrib:
                    child.set("form", form)
        return [t for child in children for t in _tokens(child)]
    if element.tag in _SCRIPTS and len(element) and element[0].tag == "mrow":
        inner = _tokens(element[0])
        if len(inner) > 1:
            script = ET.Element(element.tag, element.attrib)
            script.extend([inner[-1], *list(element)[1:]])
            return inner[:-1] + [script]
    return [element]


def wrapping_math(row: str) -> str:
    """The MathML row ``row`` as inline ``<math>`` pieces, cut before each ``=``, ``+`` or
    ``−`` that joins two terms, with a line-break opportunity between them: a long formula
    wraps at an operator, as a typeset one would, instead of running out of its box.
    MathML in browsers does not break lines itself.

    >>> wrapping_math("<mi>a</mi><mo>+</mo><mi>b</mi>").count("<math")
    2
    """
    tokens = _tokens(ET.fromstring(f"<mrow>{row}</mrow>"))
    pieces: list[list[ET.Element]] = [[]]
    for n, token in enumerate(tokens):
        before = tokens[n - 1] if n else None  # after "(" or "=", a − is a sign
        joins = (token.tag == "mo" and (token.text or "") in BREAKS and before is not None
                 and (before.tag != "mo" or (before.text or "") in CLOSERS))
        if joins and pieces[-1]:
            token.set("form", "infix")  # first in its piece, still a binary operator
            pieces.append([])
        pieces[-1].append(token)
    maths = ['<math displaystyle="true"><mrow>'
             + "".join(ET.tostring(t, encoding="unicode") for t in piece) + "</mrow></math>"
             for piece in pieces]
    return f'<span class="cr-wrap">{"<wbr>".join(maths)}</span>'


def _equation_item(eq: Any, solution: Any) -> str:
    label = f'<span class="cr-eq-label">{escape(eq.label)}</span>' if eq.label else ""
    return (f'<li class="cr-eq" data-eq-id="{escape(eq.id)}" data-kind="{escape(eq.kind)}">'
            f"{equation_mathml(eq, solution)}{label}</li>")


def _inline_values(equations: Any) -> str:
    return ", ".join(f"<math><mrow>{eq.symbol.mathml}<mo>=</mo>{_number(eq.printed)}"
                     f"</mrow></math>" for eq in equations)


# --- data for the script ----------------------------------------------------------------------
def _derivation(step: Any, solution: Any, start: str) -> list[str]:
    """Ids of the equations ``start`` rests on, in the step's order, kinds in
    :data:`DERIVATION_KINDS` only."""
    eqs = solution.equations
    seen, todo = set(), [start]
    while todo:
        qid = todo.pop()
        if qid in seen or qid not in eqs or eqs[qid].kind not in DERIVATION_KINDS:
            continue
        seen.add(qid)
        todo.extend(eqs[qid].refs)
    return [eq.id for eq in step.equations() if eq.id in seen]


def _step_data(step: Any, solution: Any, example_names: list[str]) -> dict[str, Any]:
    order, phases = [], {}
    for name, _ in PHASES:
        section = step.section(name)
        if section.equations:
            phases[name] = len(order)
        order += [eq.id for eq in section]
    derivations, names = {}, {}
    for eq in step.section("given"):
        if eq.kind != "weight":
            continue
        param = ids.param(eq.key)
        start = next((i for i in (ids.updated(step.id, eq.key), ids.gradient(step.id, eq.key))
                      if i in solution.equations), None)
        derivations[param] = _derivation(step, solution, start) if start else []
        names[param] = eq.symbol.text
    return {"id": step.id, "title": _step_title(step, example_names), "order": order,
            "phases": phases, "derivations": derivations, "names": names}


def _example_names(solution: Any) -> list[str]:
    names = solution.meta.get("examples", ()) if isinstance(solution.meta, dict) else ()
    return [str(n) for n in names]


def _step_title(step: Any, example_names: list[str]) -> str:
    title = f"Step {step.index} (epoch {step.epoch}, example {step.example})"
    if 0 < step.example <= len(example_names):
        title += f": {example_names[step.example - 1]}"
    return title


# --- the page ------------------------------------------------------------------------------------
def _header(solution: Any) -> str:
    net = solution.network
    units = "; ".join(
        f"{'inputs' if i == 0 else 'layer ' + str(i)} "
        + ", ".join(escape(n.text) for n in layer.names)
        + ("" if i == 0 else f" ({escape(layer.activation)})")
        for i, layer in enumerate(net.layers))
    sizes = "-".join(str(n) for n in net.sizes)
    title = escape(solution.title or f"Worked solution: network {sizes}")
    return (f'<header class="cr-head"><h1>{title}</h1>'
            f'<p class="cr-conv"><strong>Conventions:</strong> '
            f"{escape(solution.conventions.describe())}</p>"
            f'<p class="cr-net"><strong>Network {sizes}:</strong> {units}; loss '
            f"{escape(net.loss)}</p>"
            f'<p class="cr-given"><strong>Given:</strong> {_inline_values(solution.given)}</p>'
            "</header>")


def _controls() -> str:
    phases = "".join(f'<button type="button" data-action="phase" data-phase="{name}">'
                     f"{title}</button>" for name, title in PHASES)
    # hidden until the script shows it: where no script runs, no button that does nothing
    return ('<nav class="cr-controls" hidden aria-label="Step through the solution">'
            '<button type="button" data-action="back" title="previous equation (←)">'
            "◀ Back</button>"
            '<button type="button" data-action="forward" title="next equation (→)">'
            "Forward ▶</button>" + phases +
            '<button type="button" data-action="next-example">Next example »</button>'
            '<span class="cr-status" aria-live="polite">Press → to step through the '
            "solution; click a weight for its chain rule.</span></nav>")


def _figure(solution: Any, graphs: bool) -> str:
    """The diagrams and, with ``graphs``, each shown step's computation graph behind a
    toggle (the page; a notebook output leaves them out: ``cr.viz.graph`` draws one)."""
    diagrams = "".join(
        f'<figure class="cr-diagram-wrap" data-step="{escape(step.id)}">'
        f"{diagram(solution, show_updates=True, step=step.id)}</figure>"
        for step in solution.shown_steps)
    views = ""
    if graphs:
        markup, graph_data = graph_views(solution)
        views = toggle() + markup + json_script(graph_data, "cr-graph-data")
    return ('<div class="cr-figure">' + views + '<div class="cr-diagrams">' + diagrams
            + "</div>" +
            '<div class="cr-now" aria-live="polite"></div>'
            '<aside class="cr-derivation" hidden><button type="button" data-action="close" '
            'title="close" aria-label="close">×</button><h2 class="cr-derivation-title"></h2>'
            '<ol class="cr-derivation-list"></ol></aside></div>')


def _general(solution: Any) -> str:
    if not solution.derivation:
        return ""
    items = "".join(
        f'<li>{_derivation_line_mathml(line.lhs, line.forms)}'
        + (f'<span class="cr-eq-label">{escape(line.note)}</span>' if line.note else "")
        + "</li>" for line in solution.derivation)
    return (f'<section class="cr-general"><h2>General derivation</h2>'
            f'<ol class="cr-list">{items}</ol></section>')


def _step_section(step: Any, solution: Any, example_names: list[str]) -> str:
    given = step.section("given")
    example = [eq for eq in given if eq.kind in ("input", "target")]
    weights = [eq for eq in given if eq.kind == "weight"]
    parts = [f'<section class="cr-step" data-step="{escape(step.id)}">'
             f"<h2>{escape(_step_title(step, example_names))}</h2>"
             f'<p class="cr-given"><strong>Given:</strong> {_inline_values(example)}</p>']
    if step.index > 1 and weights:
        parts.append(f'<details class="cr-start"><summary>Weights at the start of this step'
                     f"</summary><p>{_inline_values(weights)}</p></details>")
    for name, title in PHASES:
        section = step.section(name)
        if not section.equations:
            continue
        items = "".join(_equation_item(eq, solution) for eq in section)
        parts.append(f'<section class="cr-phase" data-phase="{name}"><h3>{title}</h3>'
                     f'<ol class="cr-list">{items}</ol></section>')
    return "".join(parts) + "</section>"


def _weight_table(solution: Any) -> str:
    head = "".join(f"<th>after epoch {e}</th>" for e in range(1, solution.epochs + 1))
    rows = []
    for row in solution.weight_table:
        cells = [solution.equation(row.given).printed]
        cells += [solution.equation(i).printed for i in row.after]
        tds = "".join(f"<td>{escape(text_number(c))}</td>" for c in cells)
        rows.append(f'<tr data-param="{escape(row.param)}"><th><math><mrow>'
                    f"{row.symbol.mathml}</mrow></math></th>{tds}</tr>")
    losses = "".join(_equation_item(eq, solution) for eq in solution.losses)
    notes = "".join(f"<li>{escape(n)}</li>" for n in solution.notes)
    out = (f'<section class="cr-weights"><h2>Weights</h2><table><thead><tr><th></th>'
           f"<th>initial</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
           f'</section><section class="cr-losses"><h2>Loss per epoch</h2>'
           f'<ol class="cr-list">{losses}</ol></section>')
    if notes:
        out += f'<section class="cr-notes"><h2>Notes</h2><ul>{notes}</ul></section>'
    return out


def _body(solution: Any, graphs: bool = True) -> str:
    names = _example_names(solution)
    steps = solution.shown_steps or solution.steps[:1]
    data = {"steps": [_step_data(step, solution, names) for step in steps]}
    hidden = len(solution.steps) - len(steps)
    more = (f'<p class="cr-more">({hidden} further steps computed the same way are not '
            f"shown.)</p>" if hidden else "")
    equations = (_general(solution) + "".join(_step_section(s, solution, names) for s in steps)
                 + more + _weight_table(solution))
    return ('<div class="cr-walkthrough" data-cr-walkthrough>' + _header(solution)
            + _controls() + _matrix_html.switch(solution) + '<div class="cr-layout">'
            + _figure(solution, graphs) + f'<div class="cr-equations">{equations}</div>'
            + _matrix_html.section(solution) + "</div>"
            + json_script(data, "cr-data") + "</div>")


def render_fragment(solution: Any) -> str:
    """The walk-through as an HTML fragment (its own ``<style>`` and ``<script>``), for a
    notebook's ``_repr_html_``. Where the notebook runs no script it is a static solution:
    every equation and value shown, no controls. The arrow keys step it only while the
    focus is inside it.

    A notebook that sanitizes an output it does not trust (JupyterLab) drops the stylesheet
    and the MathML and SVG elements, keeping their text run together, but keeps an inline
    ``display``: so the walk-through is hidden (inline style and ``hidden``) unless the
    stylesheet shows it, and the solution as plain text (``render.text``) is shown unless
    the stylesheet hides it."""
    return (f'<div class="cr-notebook" data-cr-fragment><style>{asset("walkthrough.css")}'
            f'{asset("notebook.css")}{"".join(_matrix_assets(solution, 1))}</style>'
            f'<pre class="cr-plain">{escape(render_text(solution))}</pre>'
            f'<div class="cr-rich" hidden style="display: none">{_body(solution, False)}</div>'
            f"<script>{asset('walkthrough.js')}</script>"
            + "".join(f"<script>{s}</script>" for s in _matrix_assets(solution, 0))
            + "</div>")


def render_html(solution: Any) -> str:
    """The walk-through as a complete, self-contained HTML document (what
    ``chainrule explain --format html`` writes)."""
    sizes = "-".join(str(n) for n in solution.network.sizes)
    title = solution.title or f"Worked solution: network {sizes}"
    return page(title, _body(solution),
                scripts=(asset("walkthrough.js"), asset("graph.js"),
                         *_matrix_assets(solution, 0)),
                css=asset("walkthrough.css") + asset("graph.css")
                + "".join(_matrix_assets(solution, 1)))


def _matrix_assets(solution: Any, kind: int) -> tuple[str, ...]:
    """The matrix form's script (``kind`` 0) or style (1), if the solution has one."""
    if solution.matrix is None:
        return ()
    return (asset((_matrix_html.SCRIPT, _matrix_html.STYLE)[kind]),)
