"""The network of an exam sheet, drawn with its given weights and nothing a student computes.

``question_solution(solution)`` is the worked solution cut down to what the question gives:
the first step's given section (inputs and targets when the problem has one example, every
weight) and the solution-level givens; no net input, output, δ or update is left in it.
Both drawings are of that cut-down solution, so neither can show an answer:

- ``svg(problem)``: chainrule's SVG diagram (``chainrule.render.diagram``), for the HTML sheet;
- ``tikz(problem)``: the same network as a TikZ picture, for the LaTeX sheet: neurons in
  columns, a bias unit (``1`` or ``−1``) heading the column below the layer it feeds where
  the convention has one, a bias per neuron written above its neuron otherwise, every edge
  labelled with its weight, drawn after every edge so that no line crosses a label, at the
  clear spot along its edge nearest 0.25 + 0.45·(k − 1)/(n − 1) of its length for an edge
  into the k-th of n units (so labels of neighbouring edges stand apart).

>>> from chainrule.teach.problems.generate import generate_problem
>>> picture = tikz(generate_problem("2-2-1", seed=7))
>>> picture.startswith(r"\\begin{tikzpicture}") and "0.5" in picture
True
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chainrule.derive.solution import Section, Step, WorkedSolution
from chainrule.render import diagram
from chainrule.render._netview import Edge, Unit, View, from_solution
from chainrule.render.latex_math import number, symbol_latex, width

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.teach.problems.generate import GeneratedProblem

__all__ = ["question_solution", "svg", "tikz", "LABELLED_UNITS"]

#: Edge labels name their weight (v_11 = 0.9) when no layer of the pair has more units;
#: wider pairs print the value alone, as the SVG diagram does.
LABELLED_UNITS = 4
DX, DY = 4.2, 2.0         # cm between columns and between neurons at most
WIDTH, HEIGHT = 7.4, 6.6  # cm the picture may take at most (before its captions)


def question_solution(solution: WorkedSolution) -> WorkedSolution:
    """``solution`` with only what the question gives (see the module doc)."""
    first = solution.steps[0]
    keep = ("input", "target", "weight") if len(solution.steps) == 1 else ("weight",)
    given = Section("given", "Given", tuple(eq for eq in first.section("given")
                                            if eq.kind in keep))
    step = Step(first.id, first.index, first.epoch, first.example, (given,))
    return replace(solution, steps=(step,), shown=(step.id,), weight_table=(),
                   losses=Section("losses", "Losses", ()), notes=())


def svg(problem: GeneratedProblem) -> str:
    """The given network as chainrule's SVG diagram (weights, inputs and targets only)."""
    return diagram(question_solution(problem.solution))


# --- TikZ ------------------------------------------------------------------------------------
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # centre x, centre y, half width, half height (cm)


def tikz(problem: GeneratedProblem) -> str:
    """The given network as a ``tikzpicture`` (no library beyond TikZ itself)."""
    given = question_solution(problem.solution)
    view = from_solution(given)
    slots = [len(units) + (1 if layer in view.bias_units else 0)
             for layer, units in enumerate(view.units)]
    dx = min(DX, WIDTH / max(1, len(view.units) - 1))
    dy = min(DY, HEIGHT / max(1, max(slots) - 1))
    at = _positions(view, slots, dx, dy)
    named = max(view.sizes) <= LABELLED_UNITS
    lines = [r"\begin{tikzpicture}[>=stealth, font=\small,",
             r"  unit/.style={circle, draw, thick, fill=white, minimum size=8mm, inner sep=0pt},",
             r"  bias/.style={rectangle, draw, fill=black!5, minimum size=6mm, inner sep=0pt},",
             r"  weight/.style={fill=white, inner sep=1pt, font=\scriptsize},",
             r"  value/.style={font=\scriptsize, inner sep=1pt}]"]
    taken: list[Box] = []
    for layer, unit in sorted(view.bias_units.items()):
        x, y = at[(layer, 0)]
        taken.append((x, y, 0.35, 0.35))
        lines.append(rf"\node[bias] (u{layer}-0) at ({x:.2f},{y:.2f}) "
                     rf"{{${unit.name.text.replace('−', '-')}$}};")
    for units in view.units:
        for u in units:
            x, y = at[(u.layer, u.index)]
            taken.append((x, y, 0.45, 0.45))
            lines.append(rf"\node[unit] (u{u.layer}-{u.index}) at ({x:.2f},{y:.2f}) "
                         rf"{{${symbol_latex(u.name)}$}};")
            lines += _values(u, given, (x, y), len(view.units) - 1, taken)
    lines += [rf"\draw[->] (u{e.layer - 1}-{e.source}) -- (u{e.layer}-{e.target});"
              for e in view.edges]
    lines += _labels(view, at, named, taken)  # after every edge: no line crosses a label
    lines += _captions(view, at, min(y for _, y in at.values()))
    return "\n".join(lines + [r"\end{tikzpicture}"])


def _positions(view: View, slots: list[int], dx: float, dy: float) -> dict[tuple[int, int], Point]:
    """(layer, index) → (x, y) in cm; index 0 is the layer's bias unit, on top."""
    at = {}
    for layer, units in enumerate(view.units):  # each column centred on y = 0
        top = (slots[layer] - 1) * dy / 2
        row = 0
        if layer in view.bias_units:
            at[(layer, 0)] = (layer * dx, top)
            row = 1
        for u in units:
            at[(layer, u.index)] = (layer * dx, top - row * dy)
            row += 1
    return at


def _text_cm(latex: str) -> float:
    """The width of ``latex`` set in \\scriptsize (7 pt of the estimate's 11), in cm."""
    return width(latex) * 7 / 11 / 28.45


def _overlap(a: Box, b: Box) -> bool:
    return abs(a[0] - b[0]) < a[2] + b[2] and abs(a[1] - b[1]) < a[3] + b[3]


def _labels(view: View, at: dict[tuple[int, int], Point], named: bool, taken: list[Box]
            ) -> list[str]:
    """Each weight's label, layer by layer: named (v_11 = 0.9) where every label of the
    layer finds a clear spot, else the value alone; where even those do not all fit, each
    at its preferred spot. A shared bias is labelled once."""
    out = []
    for layer in range(1, len(view.units)):
        edges = list({e.param: e for e in reversed(view.edges) if e.layer == layer}.values())
        edges.reverse()  # the first edge of each parameter, in drawing order
        placed = None
        for names, force in ((True, False), (False, False), (False, True)):
            if names and not named:
                continue
            placed = _place(edges, at, names, taken, force)
            if placed is not None:
                break
        for box, label in placed or []:
            taken.append(box)
            out.append(rf"\node[weight] at ({box[0]:.2f},{box[1]:.2f}) {{${label}$}};")
    return out


def _place(edges: list[Edge], at: dict[tuple[int, int], Point], named: bool,
           taken: list[Box], force: bool) -> list[tuple[Box, str]] | None:
    """Each edge's label at the clear spot along its edge nearest its preferred one
    (0.25 + 0.45·(k − 1)/(n − 1) into the k-th of n units); greedy and deterministic. None
    when one finds no clear spot, unless ``force`` (then it takes its preferred spot)."""
    mine: list[Box] = []
    out = []
    for e in edges:
        label = f"{symbol_latex(e.symbol)} = {number(e.before)}" if named else number(e.before)
        (x0, y0), (x1, y1) = at[(e.layer - 1, e.source)], at[(e.layer, e.target)]
        targets = max(i for (layer, i) in at if layer == e.layer)
        preferred = 0.5 if targets == 1 else 0.25 + 0.45 * (e.target - 1) / (targets - 1)
        tall = named and "^" in label  # a superscript: w^{(2)}_{11}
        half = (_text_cm(f"${label}$") / 2 + 0.05, 0.22 if tall else 0.17)
        spots = sorted((0.15 + 0.025 * k for k in range(29)),
                       key=lambda t: (round(abs(t - preferred), 6), t))
        boxes = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0)) + half for t in spots]
        box = next((b for b in boxes if not any(_overlap(b, o) for o in taken + mine)), None)
        if box is None and not force:
            return None
        mine.append(box or boxes[0])
        out.append((box or boxes[0], label))
    return out


def _values(u: Unit, given: WorkedSolution, centre: Point, last: int, taken: list[Box]
            ) -> list[str]:
    """The given values written at a neuron: an input's x left of it, an output's t right
    of it, a bias per neuron above it."""
    out = []
    x, y = centre
    for value in u.values:
        text = f"${symbol_latex(given.equation(value.eq).symbol)} = {number(value.printed)}$"
        w = _text_cm(text) + 0.1
        if value.param is not None:
            anchor, (vx, vy), box = "south", (x, y + 0.42), (x, y + 0.6, w / 2, 0.18)
        elif u.layer == last and u.layer > 0:
            anchor, (vx, vy), box = "west", (x + 0.5, y), (x + 0.5 + w / 2, y, w / 2, 0.18)
        else:
            anchor, (vx, vy), box = "east", (x - 0.5, y), (x - 0.5 - w / 2, y, w / 2, 0.18)
        taken.append(box)
        out.append(rf"\node[value, anchor={anchor}] at ({vx:.2f},{vy:.2f}) {{{text}}};")
    return out


def _captions(view: View, at: dict[tuple[int, int], Point], bottom: float) -> list[str]:
    out = []
    last = len(view.units) - 1
    for layer in range(len(view.units)):
        x = at[(layer, 1)][0]
        if layer == 0:
            what = "input"
        else:
            kind = "output" if layer == last else ("hidden" if last == 2 else f"hidden {layer}")
            what = rf"{kind}\\({view.activations[layer].replace('_', ' ')})"
        out.append(rf"\node[value, anchor=north, align=center] at ({x:.2f},{bottom - 0.55:.2f}) "
                   rf"{{{what}}};")
    return out
