"""The SVG network diagram: valid XML whose numbers are the worked solution's printed numbers.

The oracle is the ``WorkedSolution`` itself: every value drawn must be some equation's
``printed`` value, found through the equation ids the element names (``data-eq``).
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from chainrule.derive import explain
from chainrule.derive.rounding import format_value
from chainrule.derive.symbol import Symbol
from chainrule.viz import diagram, render_svg

SVG = "{http://www.w3.org/2000/svg}"
XSS = "<img src=x onerror=alert(1)>"

# Mazur's 2-2-2 example ("A Step by Step Backpropagation Example", 2015): w1..w8, b1, b2
MAZUR = [(np.array([[0.15, 0.25], [0.2, 0.3]]), np.array([0.35, 0.35]), "sigmoid"),
         (np.array([[0.4, 0.5], [0.45, 0.55]]), np.array([0.6, 0.6]), "sigmoid")]
X, T = [0.05, 0.1], [0.01, 0.99]


@pytest.fixture(scope="module")
def solution():
    return explain(MAZUR, X, T, learning_rate=0.5)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def text_of(element: ET.Element) -> str:
    """The visible text of an element: its text and its tspans', not its tooltip."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != f"{SVG}title":
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def number(printed: str) -> str:
    return printed.replace("-", "−")


def test_is_valid_xml_and_byte_identical_across_calls(solution):
    svg = diagram(solution, show_updates=True)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert svg == diagram(solution, show_updates=True)
    assert render_svg(solution).startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    parse(render_svg(solution))


def test_every_neuron_shows_the_printed_net_out_delta_and_target(solution):
    root = parse(diagram(solution))
    rows = by_class(root, "cr-val")
    shown = {}
    for row in rows:
        eq = solution.equation(row.get("data-eq").split()[0])
        assert text_of(row).endswith(f" = {number(eq.printed)}"), (eq.id, text_of(row))
        shown[eq.id] = text_of(row)
    step = solution.steps[0]
    expected = {eq.id for eq in step.equations()
                if eq.kind in ("input", "target", "net", "out", "delta")}
    assert set(shown) == expected, sorted(set(shown) ^ expected)
    # spot checks against Mazur's published values
    assert shown["s1.out.1.1"] == "out = 0.5933"
    assert shown["s1.delta.2.2"] == "δ = −0.0381"


@pytest.mark.parametrize("show_updates", [False, True])
def test_every_edge_is_labelled_with_its_weight_before_and_after(solution, show_updates):
    root = parse(diagram(solution, show_updates=show_updates))
    labels = {g.get("data-param"): text_of(g) for g in by_class(root, "cr-edge-label")}
    weights = [eq for eq in solution.steps[0].section("given") if eq.kind == "weight"]
    assert set(labels) == {".".join(map(str, eq.key)) for eq in weights}
    for eq in weights:
        param = ".".join(map(str, eq.key))
        after = solution.equation(f"s1.new.{param}").printed
        want = f"{eq.symbol.text.replace('_', '')} = {number(eq.printed)}"
        if show_updates:
            want += f" → {number(after)}"
        assert labels[param] == want, (param, labels[param], want)


def test_every_element_names_equations_that_exist(solution):
    root = parse(diagram(solution, show_updates=True))
    named = [e for e in root.iter() if e.get("data-eq")]
    assert len(named) > 20
    for element in named:
        for qid in element.get("data-eq").split():
            solution.equation(qid)  # raises KeyError if the id is not the solution's
    edge = next(g for g in by_class(root, "cr-edge") if g.get("data-param") == "w.2.1.1")
    assert edge.get("data-eq").split() == ["s1.w.2.1.1", "s1.grad.w.2.1.1",
                                           "s1.new.w.2.1.1"]
    unit = next(g for g in by_class(root, "cr-unit") if g.get("data-unit") == "2.1")
    assert {"s1.net.2.1", "s1.out.2.1", "s1.t.1", "s1.delta.2.1", "s1.E"} <= set(
        unit.get("data-eq").split())


def test_edge_colour_shows_sign_and_width_grows_with_magnitude():
    net = [(np.array([[0.1, -0.4], [0.8, -1.6]]), None, "sigmoid")]
    root = parse(diagram(net))
    edges = {g.get("data-param"): g.find(f"{SVG}line") for g in by_class(root, "cr-edge")}
    widths = {p: float(line.get("stroke-width")) for p, line in edges.items()}
    colours = {p: line.get("stroke") for p, line in edges.items()}
    assert colours["w.1.1.1"] == colours["w.1.2.1"] != colours["w.1.1.2"] == colours["w.1.2.2"]
    # |w| = 0.1 < 0.4 < 0.8 < 1.6
    assert widths["w.1.1.1"] < widths["w.1.1.2"] < widths["w.1.2.1"] < widths["w.1.2.2"]


@pytest.mark.parametrize(("switches", "unit_text", "bias_params"), [
    ({"convention": "blog"}, "1", {"b.1.1", "b.1.2", "b.2.1", "b.2.2"}),
    ({"convention": "blog", "bias": "threshold"}, "−1", {"b.1.1", "b.1.2", "b.2.1", "b.2.2"}),
    ({"convention": "mazur"}, "1", {"b.1", "b.2"}),
    ({"convention": "han"}, None, {"b.1.1", "b.1.2", "b.2.1", "b.2.2"}),
    ({"convention": "fausett"}, None, {"b.1.1", "b.1.2", "b.2.1", "b.2.2"}),
])
def test_bias_units_appear_where_the_convention_has_them(switches, unit_text, bias_params):
    solution = explain(MAZUR, X, T, learning_rate=0.5, **switches)
    root = parse(diagram(solution, show_updates=True))
    bias_units = by_class(root, "cr-bias-unit")
    drawn = {e.get("data-param") for e in root.iter() if (e.get("data-param") or "")[:1] == "b"}
    assert drawn == bias_params
    if unit_text is None:  # a bias per neuron, written at the neuron
        assert bias_units == []
        rows = by_class(root, "cr-bias")
        assert {r.get("data-param") for r in rows} == bias_params
        for row in rows:
            eq = solution.equation(row.get("data-eq").split()[0])
            assert f"= {number(eq.printed)}" in text_of(row)
    else:
        assert [text_of(u.find(f"{SVG}text")) for u in bias_units] == [unit_text, unit_text]
    if switches.get("convention") == "mazur":  # one shared bias: an edge to every neuron
        edges = [g for g in by_class(root, "cr-edge") if g.get("data-param") == "b.1"]
        assert len(edges) == 2


def test_no_bias_unit_without_biases():
    net = [(np.array([[0.15, 0.25], [0.2, 0.3]]), None, "sigmoid"),
           (np.array([[0.4], [0.45]]), None, "sigmoid")]
    solution = explain(net, X, [0.01], learning_rate=0.5, bias="none")
    root = parse(diagram(solution))
    assert by_class(root, "cr-bias-unit") == []
    assert len(by_class(root, "cr-edge")) == 6


def test_another_step_shows_that_steps_values(solution):
    two = explain(MAZUR, [X, [1.0, 0.0]], [T, [1.0, 0.0]], learning_rate=0.5)
    root = parse(diagram(two, step="s2"))
    rows = {r.get("data-eq"): text_of(r) for r in by_class(root, "cr-val")}
    assert rows["s2.x.1"] == "x = 1"
    assert rows["s2.net.1.1"] == f"net = {number(two.equation('s2.net.1.1').printed)}"
    with pytest.raises(KeyError):
        diagram(two, step="s9")


def test_a_model_diagram_shows_its_weights_to_four_decimals():
    import chainrule as cr
    from chainrule.nn.layers import Dense

    model = cr.Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1)], seed=0)
    model.build(2)
    root = parse(diagram(model))
    labels = {g.get("data-param"): text_of(g) for g in by_class(root, "cr-edge-label")}
    kernel = model.layers[0].kernel.data
    for i in range(2):
        for j in range(3):
            assert labels[f"w.1.{i + 1}.{j + 1}"].endswith(number(format_value(kernel[i, j], 4)))
    assert len(labels) == 2 * 3 + 3 + 3 * 1 + 1
    with pytest.raises(ValueError, match="step"):
        diagram(model, step="s1")


def test_a_wide_layer_is_summarised_not_drawn_as_a_hairball():
    rng = np.random.default_rng(0)
    net = [(rng.normal(size=(2, 30)), np.zeros(30), "relu"), (rng.normal(size=(30, 1)), None,
                                                               "sigmoid")]
    root = parse(diagram(net))
    more = by_class(root, "cr-more")
    assert len(more) == 1 and more[0].get("data-hidden") == "24"
    assert "24 more" in text_of(more[0].find(f"{SVG}text"))
    hidden = [u.get("data-unit") for u in by_class(root, "cr-unit") if u.get("data-unit")[0] == "1"]
    assert hidden == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.30"]
    # only weights between drawn neurons are labelled: (2 inputs + bias) × 6, 6 × 1
    assert len(by_class(root, "cr-edge-label")) == 3 * 6 + 6


def test_user_text_is_escaped_and_stays_text(solution):
    info = solution.network
    layers = list(info.layers)
    layers[1] = dataclasses.replace(layers[1], names=(Symbol(XSS), Symbol("h", ("2",))))
    renamed = dataclasses.replace(solution, title=f"{XSS} & </svg>",
                                  network=dataclasses.replace(info, layers=tuple(layers)))
    svg = diagram(renamed)
    assert "<img" not in svg
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag in ("img", f"{SVG}script", "script")]
    assert root.find(f"{SVG}title").text == f"{XSS} & </svg>"
    unit = next(g for g in by_class(root, "cr-unit") if g.get("data-unit") == "1.1")
    assert text_of(unit.find(f"{SVG}text")) == XSS


# --- labels stand clear of each other ------------------------------------------------------
def sequential(sizes: tuple[int, ...], seed: int = 0):
    """A tanh network of ``sizes`` with a sigmoid output, as ``chainrule train`` builds one."""
    import chainrule as cr
    from chainrule.nn.layers import Dense

    layers = [Dense(sizes[1], activation="tanh", input_dim=sizes[0])]
    layers += [Dense(n, activation="tanh") for n in sizes[2:-1]]
    layers.append(Dense(sizes[-1], activation="sigmoid"))
    model = cr.Sequential(layers, seed=seed)
    model.build(sizes[0])
    return model


def boxes(root: ET.Element) -> tuple[dict[str, tuple[float, ...]], list[tuple[float, ...]]]:
    """Each edge label's box (x0, y0, x1, y1) by parameter, and each neuron's circle's."""
    labels = {}
    for g in by_class(root, "cr-edge-label"):
        r = g.find(f"{SVG}rect")
        x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
        labels[g.get("data-param")] = (x, y, x + w, y + h)
    circles = []
    for c in root.iter(f"{SVG}circle"):
        x, y, r = (float(c.get(k)) for k in ("cx", "cy", "r"))
        circles.append((x - r, y - r, x + r, y + r))
    return labels, circles


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The area two boxes share (0 when they are apart or only touch)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


# (sizes, pairs of layers expected to be labelled: 1 = input → first hidden, …)
SIZES = [((2, 2, 1), {1, 2}), ((2, 8, 1), {1, 2}), ((3, 12, 12, 2), {3}),
         ((20, 30, 13, 3), {3})]


@pytest.mark.parametrize(("sizes", "labelled"), SIZES, ids=lambda v: "-".join(map(str, v))
                         if isinstance(v, tuple) else None)
def test_edge_labels_overlap_no_label_and_no_neuron(sizes, labelled):
    root = parse(diagram(sequential(sizes)))
    labels, circles = boxes(root)
    params = sorted(labels)
    for n, a in enumerate(params):
        for b in params[n + 1:]:
            assert overlap(labels[a], labels[b]) == 0, (sizes, a, b, labels[a], labels[b])
        for circle in circles:
            assert overlap(labels[a], circle) == 0, (sizes, a, labels[a], circle)
    # a pair is labelled whole or not at all; unlabelled edges keep their weight as a tooltip
    edges = {g.get("data-param"): g for g in by_class(root, "cr-edge")}
    pairs = {int(p.split(".")[1]) for p in labels}
    assert pairs == labelled, (sizes, pairs)
    for param, edge in edges.items():
        assert (param in labels) == (int(param.split(".")[1]) in labelled), (sizes, param)
        assert edge.find(f"{SVG}title").text.split(" = ")[1], (sizes, param)
    legend = " ".join(text_of(t) for t in by_class(root, "cr-legend"))
    assert ("hover an edge" in legend) == (len(labelled) < len(sizes) - 1), legend


def test_labels_of_a_worked_solution_clear_the_values_under_each_neuron(solution):
    """Labels before → after and the rows under the neurons: the label boxes against the
    value rows' extent as the layout measures them (the browser test measures the real
    glyphs)."""
    from chainrule.render._svg_text import symbol_width, text_width

    root = parse(diagram(solution, show_updates=True))
    labels, circles = boxes(root)
    rows = []
    for row in by_class(root, "cr-val"):
        eq = solution.equation(row.get("data-eq").split()[0])
        x, y = float(row.get("x")), float(row.get("y"))
        label = Symbol(eq.symbol.base, (), eq.symbol.sup)  # the row's name: net, out, δ
        half = (symbol_width(label) + text_width(" = " + text_of(row).split(" = ", 1)[1])) / 2
        rows.append((x - half, y - 10, x + half, y + 3))
    assert len(labels) == 12 and len(rows) == 2 + 2 * 3 + 2 * 4  # x; net out δ; + t
    for param, box in labels.items():
        for other in rows + circles + [b for p, b in labels.items() if p != param]:
            assert overlap(box, other) == 0, (param, box, other)
