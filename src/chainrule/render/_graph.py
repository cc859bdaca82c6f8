"""A computation graph as SVG, drawn by hand: one box per operation and per leaf, with its
forward value and its gradient, inputs on the left and the output on the right.

The layout is layered: the output stands in the last column and every other box one column
left of its nearest consumer (the longest path to the output), so a weight sits beside the
product it enters and a product beside the sum; within a column, boxes are ordered by the
mean height of their neighbours (a few sweeps left to right and back), which keeps edges
short and mostly uncrossed. A scalar box reads ``op name`` / ``value …`` / ``grad …``
(``grad —`` before ``backward()``); an array box gives its shape and its first few values.

Every box is a ``<g class="cr-gnode" data-node="n3">`` with the exact value and gradient of
a scalar in ``data-value`` and ``data-grad`` and the ids of its equations in ``data-eq``;
every edge a ``<path class="cr-gedge" data-from="n1" data-to="n3">``. All text is escaped.

>>> from chainrule.engine import Tensor
>>> w = Tensor(0.5, requires_grad=True, name="w")
>>> y = (w * 3.0).sigmoid()
>>> y.backward()
>>> svg = graph_svg(y)
>>> svg.count('class="cr-gnode')  # w, the constant 3, the product, the sigmoid
4
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from chainrule._util.display import SvgImage
from chainrule._util.files import write_text_atomic
from chainrule.derive.graph import step_graph
from chainrule.engine.tensor import Tensor
from chainrule.engine.trace import Graph, GraphNode, trace
from chainrule.render._svg_text import attrs, fmt, text_width

__all__ = ["graph", "graph_svg", "GraphImage", "number_text", "layout"]

FONT = 11
LINE = 15          # px between text lines
PAD = 6            # px inside a box
MIN_WIDTH = 92     # px
COLUMN_GAP = 46    # px between columns
ROW_GAP = 16       # px between boxes of a column
MARGIN = 12
SHOWN = 4          # values of an array written out

_FILL = {"leaf": "#e8f1fb", "const": "#f4f4f4"}
STYLE = (".cr-graph{font-family:'DejaVu Sans',Arial,sans-serif;font-size:11px}"
         ".cr-graph text{fill:#222}.cr-graph .cr-gop{font-weight:600;font-size:12px}"
         ".cr-graph .cr-ggrad{fill:#a4460b}")


def number_text(x: float) -> str:
    """A value as a box prints it: 4 significant digits, typographic minus.

    >>> number_text(-0.000123456), number_text(2.0)
    ('−0.0001235', '2')
    """
    return f"{x + 0.0:.4g}".replace("-", "−")  # + 0.0: no "−0"


def _array_text(a: np.ndarray) -> str:
    flat = a.ravel()
    shown = ", ".join(number_text(float(v)) for v in flat[:SHOWN])
    return f"[{shown}{', …' if flat.size > SHOWN else ''}]"


def _lines(node: GraphNode) -> list[tuple[str, str]]:
    """``(css class, text)`` of each line of a box; a constant has no gradient line."""
    if node.op in ("leaf", "const"):
        head = node.name or ("const" if node.op == "const" else node.label)
    else:
        head = node.label if node.name in ("", node.label) else f"{node.label}  {node.name}"
    lines = [("cr-gop", head)]
    if node.scalar:
        lines.append(("cr-gval", "value " + number_text(float(node.value.ravel()[0]))))
        grad = "—" if node.grad is None else number_text(float(node.grad.ravel()[0]))
    else:
        shape = "×".join(str(n) for n in node.value.shape)
        lines.append(("cr-gval", f"shape {shape}  {_array_text(node.value)}"))
        grad = "—" if node.grad is None else _array_text(node.grad)
    if node.op != "const":
        lines.append(("cr-ggrad", "grad " + grad))
    return lines


# --- layout ------------------------------------------------------------------------------------
def _columns(g: Graph) -> dict[str, int]:
    """Each node's column, as far right as its consumers allow (one left of the nearest),
    the output last: a leaf or a product sits beside the sum it enters."""
    column = {g.output: 0}
    consumers: dict[str, list[str]] = {}
    for n in g.nodes:
        for p in n.parents:
            consumers.setdefault(p, []).append(n.id)
    for n in reversed(g.nodes):
        if n.id != g.output:
            column[n.id] = min((column[c] for c in consumers.get(n.id, ())), default=1) - 1
    first = min(column.values())
    return {nid: c - first for nid, c in column.items()}


def _order(g: Graph, column: dict[str, int], sweeps: int = 4) -> dict[str, float]:
    """Each node's row (centred per column), by barycentre sweeps."""
    count = max(column.values()) + 1
    cols: list[list[str]] = [[] for _ in range(count)]
    for n in g.nodes:
        cols[column[n.id]].append(n.id)
    ins = {n.id: list(n.parents) for n in g.nodes}
    outs: dict[str, list[str]] = {n.id: [] for n in g.nodes}
    for n in g.nodes:
        for p in n.parents:
            outs[p].append(n.id)
    row: dict[str, float] = {}

    def place() -> None:
        for col in cols:
            for k, nid in enumerate(col):
                row[nid] = k - (len(col) - 1) / 2

    place()
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        for col in (cols[1:] if forward else cols[-2::-1]):
            near = ins if forward else outs
            key = {nid: (np.mean([row[m] for m in near[nid]]) if near[nid] else row[nid])
                   for nid in col}
            col.sort(key=lambda nid: key[nid])
            place()
    return row


@dataclass(frozen=True)
class Placed:
    node: GraphNode
    x: float
    y: float
    width: float
    height: float
    lines: list[tuple[str, str]]


def layout(g: Graph) -> tuple[list[Placed], float, float]:
    """Every box placed: ``(boxes, width, height)`` of the drawing."""
    column = _columns(g)
    row = _order(g, column)
    lines = {n.id: _lines(n) for n in g.nodes}
    widths = {nid: max(MIN_WIDTH, 2 * PAD + max(text_width(t, FONT + 1) for _, t in ls))
              for nid, ls in lines.items()}
    height = 2 * PAD + 3 * LINE - 4
    count = max(column.values()) + 1
    col_width = [MIN_WIDTH] * count
    for nid, c in column.items():
        col_width[c] = max(col_width[c], widths[nid])
    left = [MARGIN + sum(col_width[:c]) + c * COLUMN_GAP for c in range(count)]
    top = min(row.values())
    placed = [Placed(n, left[column[n.id]] + (col_width[column[n.id]] - widths[n.id]) / 2,
                     MARGIN + (row[n.id] - top) * (height + ROW_GAP), widths[n.id], height,
                     lines[n.id]) for n in g.nodes]
    total_w = left[-1] + col_width[-1] + MARGIN
    total_h = MARGIN * 2 + (max(row.values()) - top) * (height + ROW_GAP) + height
    return placed, total_w, total_h


# --- drawing ---------------------------------------------------------------------------------
def _edge(a: Placed, b: Placed, k: int, marker: str) -> str:
    x1, y1 = a.x + a.width, a.y + a.height / 2
    x2 = b.x
    y2 = b.y + b.height / 2 + (k - (len(b.node.parents) - 1) / 2) * 8
    mid = (x1 + x2) / 2
    d = f"M{fmt(x1)},{fmt(y1)} C{fmt(mid)},{fmt(y1)} {fmt(mid)},{fmt(y2)} {fmt(x2)},{fmt(y2)}"
    return (f'<path {attrs(class_="cr-gedge", data_from=a.node.id, data_to=b.node.id, d=d)} '
            'fill="none" stroke="#888" stroke-width="1.2" '
            f'marker-end="url(#{marker})"/>')


def _box(p: Placed, output: str) -> str:
    n = p.node
    scalar = n.scalar
    data = attrs(class_="cr-gnode" + (" cr-goutput" if n.id == output else ""),
                 data_node=n.id, data_op=n.op, data_name=n.name,
                 data_value=repr(float(n.value.ravel()[0])) if scalar else "",
                 data_grad=repr(float(n.grad.ravel()[0])) if scalar and n.grad is not None
                 else "",
                 data_eq=" ".join([*n.value_eqs, *(i for i, _ in n.grad_eqs)]),
                 transform=f"translate({fmt(p.x)},{fmt(p.y)})")
    stroke = ' stroke="#c05600" stroke-width="2.2"' if n.id == output else \
        ' stroke="#555" stroke-width="1"'
    dash = ' stroke-dasharray="3 2"' if n.op == "const" else ""
    rect = (f'<rect width="{fmt(p.width)}" height="{fmt(p.height)}" rx="5" '
            f'fill="{_FILL.get(n.op, "#fff")}"{stroke}{dash}/>')
    texts = "".join(
        f'<text class="{css}" x="{fmt(p.width / 2)}" y="{fmt(PAD + 11 + k * LINE)}" '
        f'text-anchor="middle">{escape(text)}</text>' for k, (css, text) in enumerate(p.lines))
    tip = f"<title>{escape(' · '.join(t for _, t in p.lines))}</title>"
    return f"<g {data}>{tip}{rect}{texts}</g>"


def graph_svg(source: Tensor | Graph, *, max_nodes: int | None = None,
              marker: str = "cr-garrow") -> str:
    """The SVG text of a tensor's graph (traced with ``chainrule.engine.trace``) or of a
    :class:`~chainrule.engine.trace.Graph` (a worked solution's step graph); ``marker`` is
    the id of its arrowhead, unique per graph on a page of several."""
    g = trace(source, max_nodes=max_nodes) if isinstance(source, Tensor) else source
    if not isinstance(g, Graph):
        raise TypeError("graph() needs a chainrule Tensor, a Graph or a WorkedSolution. "
                        f"Received: {type(source).__name__}")
    placed, width, height = layout(g)
    by_id = {p.node.id: p for p in placed}
    edges = "".join(_edge(by_id[parent], p, k, escape(marker)) for p in placed
                    for k, parent in enumerate(p.node.parents))
    boxes = "".join(_box(p, g.output) for p in placed)
    title = g.title or f"Computation graph of {len(g.nodes)} nodes"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-graph" '
            f'width="{fmt(width)}" height="{fmt(height)}" '
            f'viewBox="0 0 {fmt(width)} {fmt(height)}" role="img">'
            f"<title>{escape(title)}</title><style>{STYLE}</style>"
            f'<defs><marker id="{escape(marker)}" viewBox="0 0 8 8" refX="8" refY="4" '
            'markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto">'
            '<path d="M0,0 L8,4 L0,8 z" '
            'fill="#888"/></marker></defs>'
            f'<g class="cr-gedges">{edges}</g><g class="cr-gboxes">{boxes}</g></svg>')


class GraphImage(SvgImage):
    """An SVG drawing that a notebook displays inline (``SvgImage``: it is the SVG text);
    ``save(path)`` writes it (atomically)."""

    __slots__ = ()

    @property
    def svg(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        nodes = self.count('class="cr-gnode')
        return f"<GraphImage: {nodes} nodes, {len(self)} characters of SVG>"

    def save(self, path: Any) -> None:
        write_text_atomic(path, str(self))


def graph(source: Tensor | Graph | Any, *, step: str | None = None,
          max_nodes: int | None = None) -> GraphImage:
    """The computation graph of any engine expression, drawn with its numbers (micrograd's
    ``draw_dot``): a box per op and per leaf with its value and gradient (after
    ``backward()``; ``—`` before), inputs left, output right.

    Args:
        source: a Tensor (its graph is traced), a ``Graph`` (plain data, as
            ``chainrule.engine.trace.trace`` or ``chainrule.derive.graph.step_graph`` make
            it), or a ``WorkedSolution`` (the graph of its step ``step``, default the first
            shown, each box tied to the solution's equations).
        step: a worked solution's step id (``"s2"``); only with a solution.
        max_nodes: refuse a bigger graph (default: 400, ``CHAINRULE_MAX_GRAPH_NODES``).

    >>> import chainrule as cr
    >>> x = cr.Tensor(3.0, requires_grad=True, name="x")
    >>> y = x * x
    >>> y.backward()
    >>> "grad 6" in str(cr.viz.graph(y))  # ∂(x·x)/∂x = 2x
    True
    """
    if not isinstance(source, (Tensor, Graph)) and hasattr(source, "steps"):
        source = step_graph(source, step, max_nodes=max_nodes)
    elif step is not None:
        raise ValueError("step= picks a step of a worked solution. Received: step="
                         f"{step!r} with a {type(source).__name__}")
    return GraphImage(graph_svg(source, max_nodes=max_nodes))
