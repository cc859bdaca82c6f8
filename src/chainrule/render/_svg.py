"""The network diagram as SVG, drawn by hand: a network of a few neurons needs no graph engine.

Neurons stand in columns, one per layer, inputs on the left; a bias unit (``1``, or ``−1``
for thresholds) heads the column below the layer it feeds when the convention has one.
Edges are labelled with their weight (``before → after`` with ``show_updates``), coloured
by sign (blue +, red −) and as wide as their magnitude; every neuron shows its net input,
output and δ as the solution prints them. A layer of more than :data:`MAX_UNITS` neurons is
summarised: its first and last neurons are drawn and the rest become one "⋮ N more" box.

Labels never overlap each other, a neuron or its values: each slides along its edge to a
clear spot, the gap between two columns widens until every label of that pair has one, and
a pair with more than :data:`MAX_LABELLED` drawn edges (or whose labels find no room) is
left unlabelled; its weights stay in each edge's tooltip (and a page's click).

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

from chainrule._util.display import SvgImage
from chainrule.render._netview import Edge, Unit, Value, View, view_of
from chainrule.render._svg_text import (
    STYLE,
    Box,
    attrs,
    fmt,
    number,
    overlap,
    symbol_tspans,
    symbol_width,
    text_width,
)

__all__ = ["diagram", "render_svg", "MAX_UNITS", "MAX_LABELLED"]

#: Layers wider than this are summarised: the first HEAD neurons and the last are drawn.
MAX_UNITS = 12
HEAD = 5
#: A pair of layers with more drawn edges than this carries no edge labels: they could not
#: stand clear of each other in a diagram of sensible width.
MAX_LABELLED = 40

RADIUS = 22
ROW = 13           # height of a value row under a neuron
MARGIN = 40
LABEL_PAD = 4      # px of white between a label's text and its box, each side
MIN_GAP = 200.0    # px between two columns
GAP_STEPS = 9      # a pair's gap grows by a quarter of its first width at most this often
POSITIVE, NEGATIVE = "#1f5fa8", "#c0392b"


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
        Valid XML; byte-identical for the same input. A ``str`` that a notebook displays as
        the picture (``_repr_svg_``).
    """
    return SvgImage(_Drawing(view_of(solution_or_model, step=step), bool(show_updates)).svg())


def render_svg(solution: Any, *, show_updates: bool = True, step: str | None = None) -> str:
    """The diagram of a worked solution as a standalone ``.svg`` file's text (what
    ``chainrule explain --format svg`` writes): weights before → after the update."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + diagram(solution, show_updates=show_updates, step=step) + "\n")


# --- layout ---------------------------------------------------------------------------------
class _Drawing:
    def __init__(self, view: View, show_updates: bool) -> None:
        self.v = view
        self.show_updates = show_updates
        self.rows = max((len(u.values) for layer in view.units for u in layer), default=0)
        self.gap_y = max(64.0, 2 * RADIUS + 30 + ROW * self.rows)
        self.visible = [self._visible(len(layer)) for layer in view.units]
        self.symbols = [self._labels_with_symbols(layer) for layer in range(len(view.units))]
        self.ys: dict[tuple[int, int], float] = {}
        self.height = self._rows()
        magnitudes = [abs(e.value) for e in view.edges if self._drawn(e)]
        self.scale = max(magnitudes, default=1.0) or 1.0
        self.xs = [MARGIN + RADIUS + 20.0]
        self.labels: dict[int, Box] = {}     # edge index → its label's box
        self.unlabelled: list[int] = []      # layers whose incoming edges carry no label
        for layer in range(1, len(view.units)):
            self._add_column(layer)

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
        after = number(e.after) if self.show_updates and e.after is not None else None
        return name, number(e.before), after

    def _label_width(self, e: Edge) -> float:
        """The width of the label's text (its box adds LABEL_PAD each side)."""
        name, before, after = self._label_text(e)
        width = symbol_width(e.symbol) + text_width(" = ") if name else 0.0
        return width + text_width(before) + (text_width(" → " + after) if after else 0.0)

    def _drawn_into(self, layer: int) -> list[tuple[int, Edge]]:
        return [(n, e) for n, e in enumerate(self.v.edges)
                if e.layer == layer and self._drawn(e)]

    def _add_column(self, layer: int) -> None:
        """Place column ``layer`` right of the previous one: as close as lets every label
        of the edges between them stand clear, or MIN_GAP apart with no labels."""
        edges = self._drawn_into(layer)
        widest = max((self._label_width(e) for _, e in edges), default=0.0)
        first = max(MIN_GAP, 2 * widest + 2 * RADIUS + 40)
        if len(edges) <= MAX_LABELLED:
            for k in range(GAP_STEPS + 1):
                self.xs.append(self.xs[-1] + first * (1 + k / 4))
                placed = self._place_labels(layer, edges)
                if placed is not None:
                    self.labels.update(placed)
                    return
                self.xs.pop()
        self.unlabelled.append(layer)
        self.xs.append(self.xs[-1] + MIN_GAP)

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

    def _obstacles(self, layer: int) -> list[Box]:
        """What labels must not cover in column ``layer``: neurons with their value rows,
        the bias unit, the "N more" box."""
        x, boxes = self.xs[layer], []
        if layer in self.v.bias_units:
            boxes.append((x, self.ys[(layer, 0)], 14.0, 14.0))
        for index in self.visible[layer]:
            y = self.ys[(layer, index)]
            if index == -1:
                boxes.append((x, y, 42.0, 18.0))
                continue
            boxes.append((x, y, float(RADIUS), float(RADIUS)))
            unit = self.v.units[layer][index - 1]
            for k, value in enumerate(unit.values):  # a row's text spans its baseline −10…+3
                baseline = y + RADIUS + 16 + k * ROW
                boxes.append((x, baseline - 3.5, self._value_width(value) / 2, 6.5))
        return boxes

    def _place_labels(self, layer: int, edges: list[tuple[int, Edge]]
                      ) -> dict[int, Box] | None:
        """Each edge's label box into ``layer``: at its preferred fraction of the edge or
        the nearest one (in steps of 0.02) where it covers no other label, neuron or value;
        None when one finds no such place. Greedy and deterministic."""
        taken = self._obstacles(layer - 1) + self._obstacles(layer)
        taken += [box for n, box in self.labels.items() if self.v.edges[n].layer == layer - 1]
        where: dict[int, Box] = {}
        for n, e in edges:
            x0, y0, x1, y1 = self._end_points(e)
            half = self._label_width(e) / 2 + LABEL_PAD
            preferred = self._label_t(e)
            ts = sorted((0.1 + 0.02 * k for k in range(41)),
                        key=lambda t: (round(abs(t - preferred), 6), t))
            for t in ts:
                box = (x0 + t * (x1 - x0), y0 + t * (y1 - y0), half, 8.0)
                if not any(overlap(box, other) for other in taken):
                    break
            else:
                return None
            taken.append(box)
            where[n] = box
        return where

    def _label_t(self, e: Edge) -> float:
        targets = [i for i in self.visible[e.layer] if i > 0]
        if len(targets) == 1:
            return 0.5
        return 0.22 + 0.48 * targets.index(e.target) / (len(targets) - 1)

    def _value_text(self, value: Value) -> tuple[str, str | None]:
        after = number(value.after) if value.after is not None and self.show_updates else None
        return number(value.printed), after

    def _value_width(self, value: Value) -> float:
        printed, after = self._value_text(value)
        return (symbol_width(value.label) + text_width(" = " + printed)
                + (text_width(" → " + after) if after else 0.0))

    # --- drawing -------------------------------------------------------------------------------
    def svg(self) -> str:
        legend = self._legend()
        height = self.height + 16 * (len(legend) - 1)
        width = max([self.xs[-1] + RADIUS + 120]
                    + [2 * MARGIN + text_width(line, 12) for line in legend])
        sizes = "-".join(str(n) for n in self.v.sizes)
        title = self.v.title or f"Network {sizes}"
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="cr-diagram" '
                f'viewBox="0 0 {fmt(width)} {fmt(height)}" width="{fmt(width)}" '
                f'height="{fmt(height)}" role="img" {attrs(data_step=self.v.step)}>')
        parts = [head, f"<title>{escape(title)}</title>", f"<style>{STYLE}</style>",
                 f'<rect width="{fmt(width)}" height="{fmt(height)}" fill="#fff"/>']
        parts += ['<g class="cr-edges">'] + self._edges() + ["</g>"]
        parts += ['<g class="cr-units">'] + self._units() + ["</g>"]
        parts += ['<g class="cr-labels">'] + self._edge_labels() + ["</g>"]
        parts += self._captions(self.height, legend) + ["</svg>"]
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
            tip = f"{e.symbol.text} = {number(e.before)}"
            if e.after is not None:
                tip += f" → {number(e.after)}"
            out.append(f'<g class="cr-edge {sign}" {attrs(data_param=e.param)} '
                       f'{attrs(data_eq=" ".join(e.eqs))}><title>{escape(tip)}</title>'
                       f'<line x1="{fmt(x0)}" y1="{fmt(y0)}" x2="{fmt(x1)}" y2="{fmt(y1)}" '
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
                    out.append(f'<line class="cr-edge-more" x1="{fmt(x0)}" y1="{fmt(y0)}" '
                               f'x2="{fmt(x1)}" y2="{fmt(y1)}" stroke="#bbb" '
                               f'stroke-dasharray="4 3"/>')
        return out

    def _edge_labels(self) -> list[str]:
        out = []
        for n, (x, y, half, half_height) in sorted(self.labels.items()):
            e = self.v.edges[n]
            name, before, after = self._label_text(e)
            text = (symbol_tspans(e.symbol) + " = ") if name else ""
            text += f"<tspan>{escape(before)}</tspan>"
            if after:
                text += (f'<tspan class="cr-after" {attrs(data_reveal=e.after_eq)}>'
                         f" → {escape(after)}</tspan>")
            out.append(f'<g class="cr-edge-label" {attrs(data_param=e.param)} '
                       f'{attrs(data_eq=" ".join(e.eqs))}><rect x="{fmt(x - half)}" '
                       f'y="{fmt(y - half_height)}" width="{fmt(2 * half)}" '
                       f'height="{fmt(2 * half_height)}" rx="3"/>'
                       f'<text x="{fmt(x)}" y="{fmt(y + 4)}" text-anchor="middle">{text}'
                       '</text></g>')
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
        return (f'<g class="cr-unit cr-{u.kind}" {attrs(data_unit=f"{u.layer}.{u.index}")} '
                f'{attrs(data_eq=" ".join(u.eqs))}><title>{escape(u.name.text)}</title>'
                f'<circle cx="{fmt(x)}" cy="{fmt(y)}" r="{RADIUS}"/>'
                f'<text class="cr-name" x="{fmt(x)}" y="{fmt(y + 4.5)}" text-anchor="middle">'
                f"{symbol_tspans(u.name)}</text>" + "".join(rows) + "</g>")

    def _value_row(self, value: Value, x: float, y: float) -> str:
        printed, after = self._value_text(value)
        text = f"{symbol_tspans(value.label)} = <tspan>{escape(printed)}</tspan>"
        if after:
            text += (f'<tspan class="cr-after" {attrs(data_reveal=value.after_eq)}>'
                     f" → {escape(after)}</tspan>")
        eqs = " ".join(i for i in (value.eq, value.after_eq) if i)
        cls = "cr-val cr-bias" if value.param else "cr-val"
        return (f'<text class="{cls} cr-halo" {attrs(data_eq=eqs, data_param=value.param)} '
                f'x="{fmt(x)}" y="{fmt(y)}" text-anchor="middle"><title>'
                f"{escape(value.symbol)}</title>{text}</text>")

    def _bias_unit(self, u: Unit) -> str:
        x, y = self.xs[u.layer], self.ys[(u.layer, 0)]
        return (f'<g class="cr-bias-unit" {attrs(data_unit=f"{u.layer}.0")}>'
                f"<title>bias unit: a constant input of {escape(u.name.text)}</title>"
                f'<rect x="{fmt(x - 14)}" y="{fmt(y - 14)}" width="28" height="28" rx="4"/>'
                f'<text class="cr-name" x="{fmt(x)}" y="{fmt(y + 4.5)}" text-anchor="middle">'
                f"{escape(u.name.text)}</text></g>")

    def _more(self, layer: int, hidden: int) -> str:
        x, y = self.xs[layer], self.ys[(layer, -1)]
        return (f'<g class="cr-more" data-hidden="{hidden}"><rect x="{fmt(x - 42)}" '
                f'y="{fmt(y - 18)}" width="84" height="36" rx="6"/><text x="{fmt(x)}" '
                f'y="{fmt(y + 4)}" text-anchor="middle">⋮ {hidden} more</text></g>')

    def _layer_name(self, layer: int) -> str:
        last = len(self.v.units) - 1
        if layer == 0:
            return "input"
        if layer == last:
            return "output"
        return "hidden" if last == 2 else f"hidden {layer}"

    def _legend(self) -> list[str]:
        """The legend's lines: what colour and width mean, what the labels show, and
        which pairs of layers are not labelled."""
        lines = ["edge colour: blue + / red −; width ∝ |w|"]
        if self.show_updates and len(self.unlabelled) < len(self.xs) - 1:
            lines[0] += "; labels: before → after the update"
        if self.unlabelled:
            pairs = ", ".join(f"{self._layer_name(layer - 1)} → {self._layer_name(layer)}"
                              for layer in self.unlabelled)
            lines.append(f"too many edges to label ({pairs}): hover an edge for its weight")
        return lines

    def _captions(self, height: float, legend: list[str]) -> list[str]:
        out = []
        last = len(self.v.units) - 1
        for layer, x in enumerate(self.xs):
            n = len(self.v.units[layer])
            if layer == 0:
                what = f"input ({n})"
            else:
                kind = "output" if layer == last else "hidden"
                what = f"{kind} ({n}, {self.v.activations[layer]})"
            out.append(f'<text class="cr-caption" x="{fmt(x)}" y="{fmt(height - 34)}" '
                       f'text-anchor="middle">{escape(what)}</text>')
        for k, line in enumerate(legend):
            out.append(f'<text class="cr-caption cr-legend" x="{MARGIN}" '
                       f'y="{fmt(height - 12 + 16 * k)}">{escape(line)}</text>')
        return out
