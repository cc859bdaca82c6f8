"""The computation-graph view: ``cr.viz.graph`` of any expression, a worked solution's step
graph, and the graph view of the HTML walk-through in headless Chromium.

Oracles: PyTorch and central finite differences for the gradients an SVG prints, the
worked solution's own printed numbers for the step graph (and finite differences of a
plain-Python forward pass of the blog's 2-2-1 network), and counts of nodes made by hand.
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.derive import explain, ids
from chainrule.derive.graph import step_graph
from chainrule.engine.trace import trace
from chainrule.render._graph import number_text
from chainrule.render._graph_html import backward_steps
from chainrule.teach.problems.files import bundled
from test_viz_html import (
    XSS,
    Visit,
    browser,  # noqa: F401 - the headless Chromium fixture, shared
    hostile_solution,
)

SVG = "{http://www.w3.org/2000/svg}"
DOCS_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def boxes(svg: str) -> dict[str, ET.Element]:
    """The SVG's node boxes by ``data-node``; parsing also proves the SVG well-formed."""
    root = ET.fromstring(svg)
    return {g.get("data-node"): g for g in root.iter(f"{SVG}g") if g.get("data-node")}


def lines(box: ET.Element) -> list[str]:
    return [t.text for t in box.findall(f"{SVG}text")]


def expression():
    """y = (a·b + e^a) / b with a = 0.7, b = −1.3, every tensor named."""
    a = cr.Tensor(0.7, requires_grad=True, name="a")
    b = cr.Tensor(-1.3, requires_grad=True, name="b")
    ab = a * b
    ab.name = "ab"
    ea = a.exp()
    ea.name = "ea"
    s = ab + ea
    s.name = "s"
    y = s / b
    y.name = "y"
    return y, {"a": a, "b": b, "ab": ab, "ea": ea, "s": s, "y": y}


def xor_epoch():
    """One epoch of XOR (four steps) on a 2-2-1 sigmoid network in the blog's notation."""
    net = [(np.array([[0.1, -0.4], [0.3, 0.2]]), np.array([0.1, 0.1]), "sigmoid"),
           (np.array([[0.5], [-0.6]]), np.array([0.2]), "sigmoid")]
    x, y = cr.datasets.xor()
    return explain(net, x, y, learning_rate=0.5)


def f(a: float, b: float) -> float:
    return (a * b + math.exp(a)) / b


# --- cr.viz.graph of any expression ------------------------------------------------------
def test_a_box_per_op_and_leaf_with_the_engines_values_and_gradients():
    y, named = expression()
    y.backward()
    svg = str(cr.viz.graph(y))
    found = boxes(svg)
    assert len(found) == 6  # a, b and four ops: ×, exp, +, ÷ (no constant)
    by_name = {g.get("data-name"): g for g in found.values()}
    assert set(by_name) == set(named)
    for name, tensor in named.items():
        box = by_name[name]
        assert float(box.get("data-value")) == tensor.item(), name
        assert float(box.get("data-grad")) == float(tensor.grad), name
        assert lines(box)[1:] == [f"value {number_text(tensor.item())}",
                                  f"grad {number_text(float(tensor.grad))}"], name
    assert by_name["y"].get("class") == "cr-gnode cr-goutput"
    # the leaves' gradients are ∂y/∂a and ∂y/∂b: central finite differences and PyTorch
    h = 1e-6
    fd = [(f(0.7 + h, -1.3) - f(0.7 - h, -1.3)) / (2 * h),
          (f(0.7, -1.3 + h) - f(0.7, -1.3 - h)) / (2 * h)]
    grads = [float(by_name[n].get("data-grad")) for n in "ab"]
    assert np.allclose(grads, fd, rtol=1e-7), (grads, fd)
    torch = pytest.importorskip("torch")
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    ((ta * tb + ta.exp()) / tb).backward()
    assert grads == pytest.approx([ta.grad.item(), tb.grad.item()], rel=1e-14, abs=1e-15)


def test_edges_follow_the_ops_arguments_and_point_from_inputs_to_output():
    y, _ = expression()
    svg = cr.viz.graph(y).svg
    root = ET.fromstring(svg)
    name = {g.get("data-node"): g.get("data-name") for g in root.iter(f"{SVG}g")
            if g.get("data-node")}
    edges = sorted((name[p.get("data-from")], name[p.get("data-to")])
                   for p in root.iter(f"{SVG}path") if p.get("data-from"))
    assert edges == sorted([("a", "ab"), ("b", "ab"), ("a", "ea"), ("ab", "s"), ("ea", "s"),
                            ("s", "y"), ("b", "y")])
    x = {g.get("data-name"): float(g.get("transform")[10:].split(",")[0])
         for g in root.iter(f"{SVG}g") if g.get("data-node")}
    assert all(x[p] < x[c] for p, c in edges), x  # every edge runs left to right


def test_before_backward_every_gradient_is_a_dash():
    y, _ = expression()
    found = boxes(str(cr.viz.graph(y)))
    assert all(lines(g)[2] == "grad —" and g.get("data-grad") is None for g in found.values())


def test_the_local_derivative_of_each_edge_is_the_ops_own():
    y, named = expression()
    y.backward()
    g = trace(y)
    node = {n.name: n for n in g.nodes}
    a, b = 0.7, -1.3
    assert node["ab"].local == (b, a)                        # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    assert node["ea"].local == (math.exp(a),)
    assert node["s"].local == (1.0, 1.0)
    s = a * b + math.exp(a)
    assert node["y"].local == pytest.approx((1 / b, -s / b**2), rel=1e-15)


def test_an_array_box_shows_its_shape_and_first_values():
    w = cr.Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, name="W")
    x = cr.Tensor([[1.0, -2.0]], name="x")
    y = (x @ w).sigmoid().sum()
    y.backward()
    found = boxes(str(cr.viz.graph(y)))
    by_name = {g.get("data-name") or g.get("data-op"): g for g in found.values()}
    assert lines(by_name["W"])[1] == "shape 2×3  [0, 0.1, 0.2, 0.3, …]"
    expected = np.array([[1.0], [-2.0]]) * (lambda s: s * (1 - s))(
        1 / (1 + np.exp(-(np.array([[1.0, -2.0]]) @ w.data))))
    assert lines(by_name["W"])[2] == "grad [" + ", ".join(
        number_text(v) for v in expected.ravel()[:4]) + ", …]"
    assert lines(by_name["MatMul"])[1] == "shape 1×3  " + "[" + ", ".join(
        number_text(v) for v in (np.array([[1.0, -2.0]]) @ w.data).ravel()) + "]"


def test_text_is_escaped():
    hostile = "<script>alert(1)</script>&"
    a = cr.Tensor(1.0, requires_grad=True, name=hostile)
    y = a * 2.0
    y.name = '"><img src=x onerror=alert(1)>'
    svg = str(cr.viz.graph(y))
    assert "<script" not in svg and "<img" not in svg
    names = {g.get("data-name") for g in boxes(svg).values()}
    assert {hostile, y.name} <= names  # escaped, and read back as the same text


def test_a_graph_over_the_bound_is_refused_naming_its_count(monkeypatch):
    x = cr.Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(300):
        y = y + 1.0
    # x, 300 constants and 300 sums
    with pytest.raises(ValueError, match=r"this graph has 601 nodes, more than max_nodes=400"):
        cr.viz.graph(y)
    with pytest.raises(ValueError, match=r"601 nodes, more than max_nodes=50"):
        cr.viz.graph(y, max_nodes=50)
    monkeypatch.setenv("CHAINRULE_MAX_GRAPH_NODES", "601")
    assert len(boxes(str(cr.viz.graph(y)))) == 601


def test_a_notebook_shows_the_drawing_inline(tmp_path):
    y, _ = expression()
    image = cr.viz.graph(y)
    assert image._repr_svg_() == str(image) == image.svg and image.svg.startswith("<svg")
    image.save(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text(encoding="utf-8") == image.svg


# --- the step graph of a worked solution ------------------------------------------------------
@pytest.mark.parametrize("name", ["blog_xor", "mazur_2015", "negnevitsky_xor", "hagan_ch11",
                                  "fausett_binary", "fausett_bipolar", "han_kamber"])
def test_the_step_graph_holds_the_gradients_the_solution_prints(name):
    solution = bundled(name).solve()
    g = step_graph(solution)
    tied = 0
    for node in g.nodes:
        for qid in node.value_eqs:
            eq = solution.equation(qid)
            assert float(node.value) == pytest.approx(eq.exact, abs=1e-12), qid
        for qid, sign in node.grad_eqs:
            eq = solution.equation(qid)
            grad = sign * float(node.grad)
            assert grad == pytest.approx(eq.exact, abs=1e-12), qid
            # and as printed, to its decimals, where values are carried at full precision
            # (Han & Kamber carry rounded values: their Err6 = 0.1311, the graph's 0.13117)
            if eq.decimals is not None and solution.conventions.carry == "full":
                assert abs(grad - eq.rounded) <= 0.5 * 10.0 ** -eq.decimals + 1e-12, qid
            tied += 1
    step = solution.steps[0]
    wanted = {eq.id for eq in step.equations() if eq.kind in ("delta", "gradient")}
    held = {qid for n in g.nodes for qid, _ in n.grad_eqs}
    assert wanted <= held and wanted, wanted - held  # every δ and ∂E/∂w the step prints


def bce_solution(w: float):
    """A 2-2-2 tanh-sigmoid network under binary cross-entropy (the mean over 2 outputs)."""
    net = [(np.array([[0.3, -0.2], [0.5, 0.4]]), np.array([0.1, -0.1]), "tanh"),
           (np.array([[w, 0.2], [0.6, -0.7]]), np.array([0.1, 0.3]), "sigmoid")]
    return explain(net, [1.0, 0.5], [1.0, 0.0], learning_rate=0.1,
                   loss="binary_crossentropy")


def tied_pairs(solution, g) -> list[tuple[float, float]]:
    """(the solution's exact value, the graph's) for every equation a node is tied to."""
    pairs = [(solution.equation(i).exact, float(n.value)) for n in g.nodes for i in n.value_eqs]
    return pairs + [(solution.equation(i).exact, sign * float(n.grad))
                    for n in g.nodes for i, sign in n.grad_eqs]


def test_a_cross_entropy_step_graph_holds_the_solutions_numbers():
    solution = bce_solution(0.8)
    g = step_graph(solution)
    pairs = tied_pairs(solution, g)
    assert len(pairs) > 20 and all(abs(a - b) <= 1e-12 for a, b in pairs), pairs
    assert not any(n.op == "Maximum" for n in g.nodes)  # no probability needed its clip


def test_a_deep_networks_step_graph_holds_the_solutions_numbers():
    rng = np.random.default_rng(3)
    sizes = (3, 4, 4, 4, 4, 4, 2)  # six layers: no walk may go path by path
    net = [(rng.normal(size=(a, b)), rng.normal(size=b), "tanh") for a, b in zip(sizes, sizes[1:])]
    solution = explain(net, rng.normal(size=3), rng.random(2), learning_rate=0.1, loss="mse")
    g = step_graph(solution)
    pairs = tied_pairs(solution, g)
    assert len(pairs) > 150 and all(abs(a - b) <= 1e-12 for a, b in pairs)


def test_a_saturated_output_is_clipped_as_keras_clips_it_and_still_drawn():
    g = step_graph(bce_solution(60.0))  # σ(net) rounds to 1.0: ln(1 − y) needs the clip
    clipped = [n for n in g.nodes if n.op == "Maximum"]
    assert clipped and all(np.isfinite(float(n.value)) for n in g.nodes)
    out = next(n for n in g.nodes if "s1.out.2.1" in n.value_eqs)
    assert float(out.value) > 1 - 1e-7 and float(out.grad) == 0.0  # the clip passes none


def test_the_blog_steps_weight_gradients_are_finite_differences_of_its_error():
    solution = bundled("blog_xor").solve()
    s = solution.equations

    def error(p: dict[str, float]) -> float:
        sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
        x = [s["s1.x.1"].value, s["s1.x.2"].value]
        h = [sig(p[f"s1.w.1.1.{j}"] * x[0] + p[f"s1.w.1.2.{j}"] * x[1] + p[f"s1.b.1.{j}"])
             for j in (1, 2)]
        o = sig(p["s1.w.2.1.1"] * h[0] + p["s1.w.2.2.1"] * h[1] + p["s1.b.2.1"])
        return 0.5 * (s["s1.t.1"].value - o) ** 2

    start = {qid: eq.value for qid, eq in s.items() if eq.kind == "weight" and eq.step == "s1"}
    g = step_graph(solution)
    leaves = {n.value_eqs[0]: float(n.grad) for n in g.nodes if n.op == "leaf"}
    assert set(leaves) == set(start)
    for qid in start:
        up, down = dict(start), dict(start)
        up[qid] += 1e-6
        down[qid] -= 1e-6
        assert leaves[qid] == pytest.approx((error(up) - error(down)) / 2e-6, abs=1e-9), qid


def test_each_backward_stop_is_local_times_upstream_in_reverse_topological_order():
    g = step_graph(bundled("mazur_2015").solve())
    stops = backward_steps(g)
    position = {s["node"]: k for k, s in enumerate(stops)}
    assert stops[0]["node"] == g.output and stops[0]["grad"] == 1.0
    for stop in stops:
        node = g.node(stop["node"])
        consumers = g.children(node.id)
        assert all(position[c.id] < position[node.id] for c, _ in consumers)
        if consumers:
            assert sum(lo * up for lo, up, _ in stop["terms"]) == pytest.approx(
                float(node.grad), abs=1e-15)
            assert len(stop["terms"]) == len(consumers)  # out_h1 feeds both outputs: 2 terms
        for lo, up, _ in stop["terms"]:
            lo_text, up_text = (f"{v:.4g}".replace("-", "−") for v in (lo, up))
            lo_text, up_text = (f"({t})" if t[0] == "−" else t for t in (lo_text, up_text))
            assert f"{lo_text} × {up_text}" in stop["text"], stop["text"]
        assert stop["text"].endswith(f" = {number_text(float(node.grad))}") or \
            stop["node"] == g.output
    assert {len(s["terms"]) for s in stops} >= {0, 1, 2}


def test_a_solution_draws_the_graph_of_the_step_asked_for():
    solution = xor_epoch()
    for step in ("s1", "s3"):
        found = boxes(str(cr.viz.graph(solution, step=step)))
        tied = {i for g in found.values() for i in (g.get("data-eq") or "").split()}
        assert ids.net(step, 1, 1) in tied and ids.delta(step, 2, 1) in tied
        assert not any(i.startswith("s2.") for i in tied)
        for g in found.values():  # a constant (an input, a target) shows no gradient line
            assert (len(lines(g)) == 2) == (g.get("data-op") == "const")
    with pytest.raises(ValueError, match="step= picks a step of a worked solution"):
        cr.viz.graph(cr.Tensor(1.0), step="s1")


def test_a_softmax_layer_is_refused_and_the_page_says_why():
    net = [(np.array([[0.1, -0.2]]), np.array([0.0, 0.1]), "softmax")]
    solution = explain(net, [1.0], [1.0, 0.0], learning_rate=0.1,
                       loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="softmax"):
        step_graph(solution)
    page = cr.render.html(solution)
    assert 'class="cr-graph-none">The computation graph is not drawn' in page


# --- in a real browser ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def blog_page(tmp_path_factory):
    solution = bundled("blog_xor").solve()
    path = tmp_path_factory.mktemp("graph") / "walkthrough.html"
    path.write_text(cr.render.html(solution), encoding="utf-8")
    return solution, path


def test_toggle_and_backward_stepping_in_chromium(browser, blog_page, tmp_path):  # noqa: F811
    solution, path = blog_page
    g = step_graph(solution)
    stops = backward_steps(g)
    visit = Visit(browser, path, width=1900, height=1000)
    page = visit.page
    assert page.is_hidden(".cr-graphs") and page.is_visible(".cr-diagrams")
    page.click("button[data-graph-action=graph]")
    assert page.is_visible(".cr-graph-wrap[data-step=s1] svg")
    assert page.is_hidden(".cr-diagrams")
    seen = []
    for k, stop in enumerate(stops):
        page.keyboard.press("n") if k % 2 else page.click("button[data-graph-action=next]")
        node = page.get_attribute("[data-cr-walkthrough]", "data-graph-node")
        seen.append(node)
        assert page.get_attribute(f'[data-node="{node}"]', "class").endswith("cr-ghl")
        text = page.text_content(".cr-graph-now")
        assert text == f"Node {k + 1} of {len(stops)}: {stop['text']}"
        lit = page.eval_on_selector_all(".cr-graph-line", "els => els.map(e => "
                                        "e.getAttribute('data-eq-id'))")
        assert lit == ([stop["line"]] if stop["line"] else []), (node, lit)
    assert seen == [s["node"] for s in stops]  # reverse topological order, every node
    # δ_o's stop, read against the solution's own printed factors
    net_o = next(s for s in stops if s["line"] == "s1.delta.2.1")
    (local, upstream, _), = net_o["terms"]
    assert local == pytest.approx(solution.equation("s1.fp.2.1").rounded, abs=5e-5)
    assert upstream == pytest.approx(solution.equation("s1.dout.2.1").rounded, abs=5e-5)
    for _ in range(len(stops) - 1 - stops.index(net_o)):
        page.keyboard.press("p")
    assert page.get_attribute("[data-cr-walkthrough]", "data-graph-node") == net_o["node"]
    assert page.eval_on_selector_all(".cr-graph-line", "els => els.map(e => "
                                     "e.getAttribute('data-eq-id'))") == ["s1.delta.2.1"]
    h1 = next(s for s in stops if s["line"] == "s1.delta.1.1")
    for _ in range(stops.index(h1) - stops.index(net_o)):
        page.keyboard.press("n")  # on into the hidden layer: δ_h1's product
    assert page.eval_on_selector_all(".cr-graph-line", "els => els.map(e => "
                                     "e.getAttribute('data-eq-id'))") == ["s1.delta.1.1"]
    (local, upstream, _), = h1["terms"]
    assert local == pytest.approx(solution.equation("s1.fp.1.1").rounded, abs=5e-5)
    assert upstream == pytest.approx(solution.equation("s1.dout.1.1").rounded, abs=5e-5)
    shot = (DOCS_IMAGES if os.environ.get("CHAINRULE_SCREENSHOTS") == "1" else tmp_path)
    shot.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot / "graph.png"))
    page.keyboard.press("g")
    assert page.is_visible(".cr-diagrams") and page.is_hidden(".cr-graphs")
    visit.assert_clean()
    visit.page.close()
    image = pytest.importorskip("PIL.Image").open(shot / "graph.png").convert("L")
    low, high = image.getextrema()
    assert image.size == (1900, 1000) and high - low > 100  # a picture, not a blank page


def test_letters_typed_in_a_notebook_cell_do_not_step(browser, blog_page, tmp_path):  # noqa: F811
    solution, _ = blog_page
    host = tmp_path / "notebook.html"
    # the page with a notebook's editable cell and a text box above the walk-through
    editable = '<div class="cell" contenteditable="true"></div><textarea></textarea>'
    host.write_text(cr.render.html(solution).replace("<body>\n", "<body>\n" + editable, 1),
                    encoding="utf-8")
    visit = Visit(browser, host)
    page = visit.page
    page.click("button[data-graph-action=graph]")
    page.click(".cell")
    page.keyboard.type("np g")
    page.click("textarea")
    page.keyboard.type("nn")
    assert page.text_content(".cell") == "np g"
    assert page.input_value("textarea") == "nn"
    assert page.get_attribute("[data-cr-walkthrough]", "data-graph-node") == ""
    assert page.is_visible(".cr-graphs")  # "g" in the cell did not toggle the view
    page.click(".cr-graph-now")  # back on the walk-through, n steps
    page.keyboard.press("n")
    node = page.get_attribute("[data-cr-walkthrough]", "data-graph-node")
    assert node == backward_steps(step_graph(solution))[0]["node"]
    visit.assert_clean()
    visit.page.close()


def test_a_hostile_name_stays_text_in_the_graph_view(browser, tmp_path):  # noqa: F811
    solution = hostile_solution()
    path = tmp_path / "hostile.html"
    path.write_text(cr.render.html(solution), encoding="utf-8")
    stops = backward_steps(step_graph(solution))
    named = [k for k, s in enumerate(stops) if XSS in s["text"]]
    assert named  # the net input named XSS is a node of the graph
    visit = Visit(browser, path)
    page = visit.page
    page.click("button[data-graph-action=graph]")
    for _ in range(named[0] + 1):
        page.keyboard.press("n")
    assert XSS in page.text_content(".cr-graph-now")
    assert page.eval_on_selector_all(".cr-graphs img", "els => els.length") == 0
    box = page.eval_on_selector_all(
        ".cr-graph-wrap:not([hidden]) [data-node]", "els => els.map(e => "
        "e.getAttribute('data-name'))")
    assert any(XSS in name for name in box if name), box
    visit.assert_clean()  # no dialog opened, no request made
    visit.page.close()


def test_the_graph_follows_the_step_the_walk_is_on(browser, tmp_path):  # noqa: F811
    solution = xor_epoch()
    path = tmp_path / "epoch.html"
    path.write_text(cr.render.html(solution), encoding="utf-8")
    visit = Visit(browser, path)
    page = visit.page
    page.click("button[data-graph-action=graph]")
    page.keyboard.press("ArrowRight")  # the walk on s1's first equation, net_h1
    current = page.get_attribute("[data-cr-walkthrough]", "data-current")
    assert current == "s1.net.1.1"
    tied = page.eval_on_selector_all(".cr-gtied", "els => els.map(e => e.dataset.eq)")
    assert tied == ["s1.net.1.1 s1.delta.1.1"]  # the box holding net_h1 and its δ
    page.keyboard.press("n")
    page.click("button[data-action=next-example]")  # the walk moves to step 2
    assert page.eval_on_selector_all(".cr-graph-wrap:not([hidden])",
                                     "els => els.map(e => e.dataset.step)") == ["s2"]
    assert page.get_attribute("[data-cr-walkthrough]", "data-graph-node") == ""  # restarted
    for _ in range(3):
        page.keyboard.press("n")
    s2 = backward_steps(step_graph(solution, "s2"))
    assert page.text_content(".cr-graph-now") == f"Node 3 of {len(s2)}: {s2[2]['text']}"
    k = next(k for k, stop in enumerate(s2) if stop["line"] == "s2.delta.2.1")
    for _ in range(k - 2):
        page.keyboard.press("n")
    assert page.eval_on_selector_all(".cr-graph-line", "els => els.map(e => "
                                     "e.getAttribute('data-eq-id'))") == ["s2.delta.2.1"]
    visit.assert_clean()
    visit.page.close()
