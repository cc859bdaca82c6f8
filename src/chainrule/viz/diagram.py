"""The network diagram as SVG, drawn by hand: a network of a few neurons needs no graph engine.

Neurons stand in columns, one per layer, inputs on the left; a bias unit (``1``, or ``−1``
for thresholds) heads the column below the layer it feeds when the convention has one.
Every edge is labelled with its weight (``before → after`` with ``show_updates``), coloured
by sign (blue +, red −) and as wide as its magnitude; every neuron shows its net input,
output and δ as the solution prints them. A layer of more than :data:`MAX_UNITS` neurons is
summarised: its first and last neurons are drawn and the rest become one "⋮ N more" box.

Every element an equation is about carries ``data-eq`` (the ids of its equations,
space-separated), so a page can find it with ``[data-eq~="s1.net.1.2"]``; edges and biases
carry ``data-param`` (``w.1.2.1``), neurons ``data-unit`` (``1.2``). All text is escaped.

>>> import numpy as np
>>> svg = diagram([(np.array([[0.5], [-0.25]]), np.array([0.1]), "sigmoid")])
>>> svg.startswith("<svg")
True
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from chainrule.explain.symbol import Symbol
from chainrule.viz.netview import Edge, Unit, Value, View, view_of

__all__ = ["diagram", "render_svg", "MAX_UNITS"]

#: Layers wider than this are summarised: the first HEAD neurons and the last are drawn.
MAX_UNITS = 12
HEAD = 5

RADIUS = 22
ROW = 13           # height of a value row under a neuron
MARGIN = 40
FONT = 11          # px, edge labels and value rows
CHAR = 6.3         # px, the mean advance of a character at FONT
POSITIVE, NEGATIVE = "#1f5fa8", "#c0392b"

STYLE = """
.cr-diagram{font-family:"DejaVu Sans",Arial,sans-serif;font-size:11px}
.cr-diagram text{fill:#222}
.cr-diagram .cr-halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.cr-diagram .cr-edge line{stroke-linecap:round}
.cr-diagram .cr-edge-label rect{fill:#fff;fill-opacity:.92;stroke:#ddd;stroke-width:.5px}
.cr-diagram .cr-unit circle{fill:#fff;stroke:#444;stroke-width:1.5px}
.cr-diagram .cr-bias-unit rect{fill:#f3f3f3;stroke:#888;stroke-width:1px}
.cr-diagram .cr-more rect{fill:#f7f7f7;stroke:#aaa;stroke-dasharray:4 3}
.cr-diagram .cr-name{font-size:13px;font-weight:600}
.cr-diagram .cr-caption{font-size:12px;fill:#555}
.cr-diagram .cr-after{fill:#0a7d3b}
"""


def diagram(solution_or_model: Any, *, show_updates: bool = False,
            step: str | None = None) -> str:
    """The network as an SVG document (a string starting with ``<svg``).

    Args:
        solution_or_model: a ``WorkedSolution`` (values of one step are shown) or a
            ``Sequential`` of Dense layers / list of ``(kernel, bias, activation)``
            (weights only).
        show_updates: label edges ``before → after`` the step's update (a solution only).
        step: the step to show, e.g. ``"s2"``; default the first step shown in full.

    Returns:
        Valid XML; byte-identical for the same input.
    """
    return _Drawing(view_of(solution_or_model, step=step), bool(show_updates)).svg()


def render_svg(solution: Any, *, show_updates: bool = True, step: str | None = None) -> str:
    """The diagram of a worked solution as a standalone ``.svg`` file's text (what
    ``chainrule explain --format svg`` writes): weights before → after the update."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + diagram(solution, show_updates=show_updates, step=step) + "\n")


# --- text ------------------------------------------------------------------------------------
def _number(printed: str) -> str:
    return printed.replace("-", "−")


def symbol_tspans(symbol: Symbol) -> str:
    """A symbol as SVG text: base, then subscript and superscript in smaller, shifted
    tspans (``w`` ``11`` ``+``); escaped."""
    out = escape(symbol.base)
    sup = symbol.sup + ("+" if symbol.mark == "+" else "")
    sub = _sub_text(symbol)
    if sup:
        out += f'<tspan dy="-5" font-size="75%">{escape(sup)}</tspan><tspan dy="5"></tspan>'
    if sub:
        out += f'<tspan dy="3" font-size="75%">{escape(sub)}</tspan><tspan dy="-3"></tspan>'
    if symbol.mark and symbol.mark != "+":
        out += escape(symbol.mark)
    return out


def _sub_text(symbol: Symbol) -> str:
    """The subscript as the text renderer joins it: ``11``, ``h1``, ``1,12``."""
    parts = [p.flat_text() if isinstance(p, Symbol) else p for p in symbol.sub]
    if len(parts) > 1 and any(len(p) > 1 for p in parts):
        return ",".join(parts)
    return "".join(parts)


def _text_width(text: str, sub: int = 0) -> float:
    return CHAR * len(text) - 1.5 * sub


def _attrs(**attrs: Any) -> str:
    parts = []
    for name, value in attrs.items():
        if value is None or value == "":
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value), quote=True)}"')
    return " ".join(parts)


def _f(x: float) -> str:
    return f"{x:.1f}"


# --- layout ----------------------------------------------------------------------------------
class _Drawing:
    def __init__(self, view: View, show_updates: bool) -> None:
        self.v = view
        self.show_updates = show_updates
        self.rows = max((len(u.values) for layer in view.units for u in layer), default=0)
        self.gap_y = max(64.0, 2 * RADIUS + 30 + ROW * self.rows)
        self.visible = [self._visible(len(layer)) for layer in view.units]
        self.symbols = [self._labels_with_symbols(layer) for layer in range(len(view.units))]
        self.xs = self._columns()
        self.ys: dict[tuple[int, int], float] = {}
        self.height = self._rows()
        magnitudes = [abs(e.value) for e in view.edges if self._drawn(e)]
        self.scale = max(magnitudes, default=1.0) or 1.0

    @staticmethod
    def _visible(n: int) -> list[int]:
        """Unit indices drawn in a layer of n; -1 marks the "N more" box."""
        if n <= MAX_UNITS:
            return list(range(1, n + 1))
        return list(range(1, HEAD + 1)) + [-1, n]

    def _labels_with_symbols(self, layer: int) -> bool:
        """Edge labels into ``layer`` name the weight (w_11 = …) when the layers are small;
        wider layers print the value only (the name is in the tooltip)."""
        if layer == 0:
            return False
        return max(len(self.visible[layer]), len(self.visible[layer - 1])) <= 4

    def _label_text(self, e: Edge) -> tuple[str, str, str | None]:
        """(name, before, after) as they are printed on the edge."""
        name = e.symbol.text + " = " if self.symbols[e.layer] else ""
        after = _number(e.after) if self.show_updates and e.after is not None else None
        return name, _number(e.before), after

    def _label_width(self, e: Edge) -> float:
        name, before, after = self._label_text(e)
        width = _text_width(name + before)
        return width + (_text_width(" → " + after) if after else 0.0)

    def _columns(self) -> list[float]:
        xs = [MARGIN + RADIUS + 20.0]
        for layer in range(1, len(self.v.units)):
            into = [e for e in self.v.edges if e.layer == layer and self._drawn(e)]
            width = max((self._label_width(e) for e in into), default=40.0)
            targets = len(self.visible[layer])
            # labels into different targets stand at different fractions of the gap
            # labels into different targets start at different fractions of the gap
            # (_label_t) and slide along their edges to clear each other (_place_labels)
            spread = 0.9 * (targets - 1)
            if len(into) > 48:  # too many labels to clear each other: a label's width apart
                spread = (targets - 1) / 0.48
            gap = max(200.0, width * (1 + spread) + 2 * RADIUS + 40)
            xs.append(xs[-1] + gap)
        return xs

    def _rows(self) -> float:
        columns = []
        for layer, visible in enumerate(self.visible):
            slots = len(visible) + (1 if layer in self.v.bias_units else 0)
            columns.append(slots)
        tallest = max(columns) * self.gap_y
        for layer, visible in enumerate(self.visible):
            top = MARGIN + 20 + (tallest - columns[layer] * self.gap_y) / 2 + RADIUS
            slot = 0
            if layer in self.v.bias_units:
                self.ys[(layer, 0)] = top
                slot = 1
            for index in visible:
                self.ys[(layer, index)] = top + slot * self.gap_y
                slot += 1
        return MARGIN + 20 + tallest + 60

    def _drawn(self, e: Edge) -> bool:
        source_ok = e.source == 0 or e.source in self.visible[e.layer - 1]
        return source_ok and e.target in self.visible[e.layer]

    def _place_labels(self) -> dict[int, tuple[float, float]]:
        """Each drawn edge's label centre: at its preferred fraction of the edge, or the
        nearest fraction (in steps of 0.04) where it overlaps no placed label and no
        neuron. Greedy and deterministic."""
        placed: list[tuple[float, float, float]] = []  # centre x, centre y, half width
        circles = [(self.xs[layer], y) for (layer, _), y in self.ys.items()]
        where: dict[int, tuple[float, float]] = {}
        for n, e in enumerate(self.v.edges):
            if not self._drawn(e):
                continue
            x0, y0, x1, y1 = self._end_points(e)
            half = self._label_width(e) / 2 + 4
            best = self._label_t(e)
            for k in range(0, 30):
                t = best + (0.04 * ((k + 1) // 2) * (1 if k % 2 else -1) if k else 0.0)
                if not 0.12 <= t <= 0.88:
                    continue
                x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                clear = all(abs(x - px) >= half + ph or abs(y - py) >= 17
                            for px, py, ph in placed)
                clear = clear and all(abs(x - cx) >= half + RADIUS or abs(y - cy) >= RADIUS + 9
                                      for cx, cy in circles)
                if clear:
                    best = t
                    break
            x, y = x0 + best * (x1 - x0), y0 + best * (y1 - y0)
            placed.append((x, y, half))
            where[n] = (x, y)
        return where

    def _label_t(self, e: Edge) -> float:
        targets = [i for i in self.visible[e.layer] if i > 0]
        if len(targets) == 1:
            return 0.5
        return 0.22 + 0.48 * targets.index(e.target) / (len(targets) - 1)

    # --- drawing -------------------------------------------------------------------------------
    def svg(self) -> str:
        width = self.xs[-1] + RADIUS + 120
        height = self.height
        sizes = "-".join(str(n) for n in self.v.sizes)
        title = self.v.title or f"Network {sizes}"
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-diagram" '
                f'viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" '
                f'height="{_f(height)}" role="img" {_attrs(data_step=self.v.step)}>')
        parts = [head, f"<title>{escape(title)}</title>", f"<style>{STYLE}</style>",
                 f'<rect width="{_f(width)}" height="{_f(height)}" fill="#fff"/>']
        parts += ['<g class="cr-edges">'] + self._edges() + ["</g>"]
        parts += ['<g class="cr-units">'] + self._units() + ["</g>"]
        parts += ['<g class="cr-labels">'] + self._edge_labels() + ["</g>"]
        parts += self._captions(height) + ["</svg>"]
        return "\n".join(parts)

    def _edge_style(self, e: Edge) -> tuple[str, float]:
        colour = NEGATIVE if e.value < 0 else POSITIVE
        width = 0.8 + 3.2 * min(1.0, abs(e.value) / self.scale)
        return colour, width

    def _end_points(self, e: Edge) -> tuple[float, float, float, float]:
        x0, y0 = self.xs[e.layer - 1], self.ys[(e.layer - 1, e.source)]
        x1, y1 = self.xs[e.layer], self.ys[(e.layer, e.target)]
        angle = math.atan2(y1 - y0, x1 - x0)
        start = RADIUS if e.source else 14.0
        return (x0 + start * math.cos(angle), y0 + start * math.sin(angle),
                x1 - RADIUS * math.cos(angle), y1 - RADIUS * math.sin(angle))

    def _edges(self) -> list[str]:
        out = []
        for e in self.v.edges:
            if not self._drawn(e):
                continue
            colour, width = self._edge_style(e)
            x0, y0, x1, y1 = self._end_points(e)
            sign = "cr-neg" if e.value < 0 else "cr-pos"
            tip = f"{e.symbol.text} = {_number(e.before)}"
            if e.after is not None:
                tip += f" → {_number(e.after)}"
            out.append(f'<g class="cr-edge {sign}" {_attrs(data_param=e.param)} '
                       f'{_attrs(data_eq=" ".join(e.eqs))}><title>{escape(tip)}</title>'
                       f'<line x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(x1)}" y2="{_f(y1)}" '
                       f'stroke="{colour}" stroke-width="{width:.2f}"/></g>')
        out += self._more_edges()
        return out

    def _more_edges(self) -> list[str]:
        """Dashed stand-ins for the weights to and from a summarised layer."""
        out = []
        for layer in range(1, len(self.v.units)):
            for src in self.visible[layer - 1]:
                for dst in self.visible[layer]:
                    if src != -1 and dst != -1:
                        continue
                    x0, y0 = self.xs[layer - 1] + RADIUS, self.ys[(layer - 1, src)]
                    x1, y1 = self.xs[layer] - RADIUS, self.ys[(layer, dst)]
                    out.append(f'<line class="cr-edge-more" x1="{_f(x0)}" y1="{_f(y0)}" '
                               f'x2="{_f(x1)}" y2="{_f(y1)}" stroke="#bbb" '
                               f'stroke-dasharray="4 3"/>')
        return out

    def _edge_labels(self) -> list[str]:
        out = []
        for n, (x, y) in self._place_labels().items():
            e = self.v.edges[n]
            name, before, after = self._label_text(e)
            text = (symbol_tspans(e.symbol) + " = ") if name else ""
            text += f"<tspan>{escape(before)}</tspan>"
            if after:
                text += (f'<tspan class="cr-after" {_attrs(data_reveal=e.after_eq)}>'
                         f" → {escape(after)}</tspan>")
            w = self._label_width(e) + 8
            out.append(f'<g class="cr-edge-label" {_attrs(data_param=e.param)} '
                       f'{_attrs(data_eq=" ".join(e.eqs))}><rect x="{_f(x - w / 2)}" '
                       f'y="{_f(y - 8)}" width="{_f(w)}" height="16" rx="3"/>'
                       f'<text x="{_f(x)}" y="{_f(y + 4)}" text-anchor="middle">{text}</text></g>')
        return out

    def _units(self) -> list[str]:
        out = []
        for layer, visible in enumerate(self.visible):
            if layer in self.v.bias_units:
                out.append(self._bias_unit(self.v.bias_units[layer]))
            hidden = len(self.v.units[layer]) - (len(visible) - 1)
            for index in visible:
                if index == -1:
                    out.append(self._more(layer, hidden))
                else:
                    out.append(self._unit(self.v.units[layer][index - 1]))
        return out

    def _unit(self, u: Unit) -> str:
        x, y = self.xs[u.layer], self.ys[(u.layer, u.index)]
        rows = []
        for k, value in enumerate(u.values):
            rows.append(self._value_row(value, x, y + RADIUS + 16 + k * ROW))
        return (f'<g class="cr-unit cr-{u.kind}" {_attrs(data_unit=f"{u.layer}.{u.index}")} '
                f'{_attrs(data_eq=" ".join(u.eqs))}><title>{escape(u.name.text)}</title>'
                f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{RADIUS}"/>'
                f'<text class="cr-name" x="{_f(x)}" y="{_f(y + 4.5)}" text-anchor="middle">'
                f"{symbol_tspans(u.name)}</text>" + "".join(rows) + "</g>")

    def _value_row(self, value: Value, x: float, y: float) -> str:
        text = f"{symbol_tspans(value.label)} = <tspan>{escape(_number(value.printed))}</tspan>"
        if value.after is not None and self.show_updates:
            text += (f'<tspan class="cr-after" {_attrs(data_reveal=value.after_eq)}>'
                     f" → {escape(_number(value.after))}</tspan>")
        eqs = " ".join(i for i in (value.eq, value.after_eq) if i)
        cls = "cr-val cr-bias" if value.param else "cr-val"
        return (f'<text class="{cls} cr-halo" {_attrs(data_eq=eqs, data_param=value.param)} '
                f'x="{_f(x)}" y="{_f(y)}" text-anchor="middle"><title>'
                f"{escape(value.symbol)}</title>{text}</text>")

    def _bias_unit(self, u: Unit) -> str:
        x, y = self.xs[u.layer], self.ys[(u.layer, 0)]
        return (f'<g class="cr-bias-unit" {_attrs(data_unit=f"{u.layer}.0")}>'
                f"<title>bias unit: a constant input of {escape(u.name.text)}</title>"
                f'<rect x="{_f(x - 14)}" y="{_f(y - 14)}" width="28" height="28" rx="4"/>'
                f'<text class="cr-name" x="{_f(x)}" y="{_f(y + 4.5)}" text-anchor="middle">'
                f"{escape(u.name.text)}</text></g>")

    def _more(self, layer: int, hidden: int) -> str:
        x, y = self.xs[layer], self.ys[(layer, -1)]
        return (f'<g class="cr-more" data-hidden="{hidden}"><rect x="{_f(x - 42)}" '
                f'y="{_f(y - 18)}" width="84" height="36" rx="6"/><text x="{_f(x)}" '
                f'y="{_f(y + 4)}" text-anchor="middle">⋮ {hidden} more</text></g>')

    def _captions(self, height: float) -> list[str]:
        out = []
        last = len(self.v.units) - 1
        for layer, x in enumerate(self.xs):
            n = len(self.v.units[layer])
            if layer == 0:
                what = f"input ({n})"
            else:
                kind = "output" if layer == last else "hidden"
                what = f"{kind} ({n}, {self.v.activations[layer]})"
            out.append(f'<text class="cr-caption" x="{_f(x)}" y="{_f(height - 34)}" '
                       f'text-anchor="middle">{escape(what)}</text>')
        legend = "edge colour: blue + / red −; width ∝ |w|"
        if self.show_updates:
            legend += "; labels: before → after the update"
        out.append(f'<text class="cr-caption cr-legend" x="{MARGIN}" y="{_f(height - 12)}">'
                   f"{escape(legend)}</text>")
        return out
