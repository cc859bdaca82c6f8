"""The HTML walk-through and the training report, checked as text and in real headless Chromium.

The browser tests load each page from a file with every request routed through a guard
that fails any URL not ``file:`` or ``data:``; they assert zero console errors, zero
network requests, that stepping moves the highlight, that clicking a weight shows its
chain rule, and that a name like ``<img src=x onerror=alert(1)>`` stays text. Screenshots
go to ``build/artifacts/`` to be looked at. Without Chromium or Playwright for Python those
tests are skipped (``.ci/run`` installs both).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.derive import explain
from chainrule.derive.symbol import Symbol
from chainrule.nn.layers import Dense
from chainrule.render._html import json_script
from chainrule.viz import render_fragment, render_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "artifacts"
XSS = "<img src=x onerror=alert(1)>"
CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def demo_solution():
    """The demo's page: the bundled problem ``chainrule demo`` explains, the blog's XOR step
    (one example of a 2-2-1 sigmoid network, η = 0.3). Every screenshot is of this page."""
    from chainrule.teach.problems.files import bundled

    return bundled("blog_xor").solve()


def xor_epoch_solution():
    """Several steps to walk through, which the demo's one step cannot give: one epoch of
    online backpropagation on XOR for a 2-2-1 sigmoid network with the seed-0 initial
    weights rounded to 2 decimals, as an exam states them, η = 0.5, in the blog's notation."""
    x, y = cr.datasets.xor()
    model = cr.Sequential([Dense(2, activation="sigmoid", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=0)
    model.build(2)
    model.set_weights([np.round(w, 2) + 0.1 * (w.ndim == 1) for w in model.get_weights()])
    return explain(model, x, y, learning_rate=0.5, title="XOR: one epoch of backpropagation")


def hostile_solution():
    """The XOR epoch with a title, a neuron, an equation, a note and an example all named
    ``XSS``, as a problem file could name them."""
    s = xor_epoch_solution()
    layers = list(s.network.layers)
    layers[1] = dataclasses.replace(layers[1], names=(Symbol(XSS), layers[1].names[1]))
    step = s.steps[0]
    forward = step.section("forward")
    first = dataclasses.replace(forward.equations[0], label=XSS,
                                symbol=Symbol("net", (Symbol(XSS),)))
    sections = tuple(dataclasses.replace(sec, equations=(first,) + sec.equations[1:])
                     if sec.name == "forward" else sec for sec in step.sections)
    steps = (dataclasses.replace(step, sections=sections),) + s.steps[1:]
    return dataclasses.replace(
        s, title=XSS, notes=(XSS,), steps=steps, meta={"examples": [XSS] * 4},
        network=dataclasses.replace(s.network, layers=tuple(layers)))


@pytest.fixture(scope="module")
def demo():
    return demo_solution()


@pytest.fixture(scope="module")
def epoch():
    return xor_epoch_solution()


# --- the page as text ----------------------------------------------------------------------
def data_of(page: str) -> dict:
    match = re.search(r'<script type="application/json" class="cr-data">(.*?)</script>', page)
    return json.loads(match.group(1))


def test_page_is_self_contained_and_forbids_every_request(demo):
    page = render_html(demo)
    assert "default-src 'none'" in page and "script-src 'sha256-" in page
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}, urls  # a namespace name, never fetched
    assert not re.search(r"<(link|iframe|object|embed)\b", page)
    assert not re.search(r"\b(src|href)=\"(?!data:)", page)


@pytest.mark.parametrize(("which", "steps"), [("demo", ["s1"]),
                                              ("epoch", ["s1", "s2", "s3", "s4"])])
def test_every_equation_is_mathml_from_the_formula_trees(request, which, steps):
    solution = request.getfixturevalue(which)
    page = render_html(solution)
    data = data_of(page)
    assert [s["id"] for s in data["steps"]] == steps
    for step in data["steps"]:
        for qid in step["order"]:
            eq = solution.equation(qid)
            item = re.search(rf'<li class="cr-eq" data-eq-id="{re.escape(qid)}"[^>]*>(.*?)</li>',
                             page)
            assert item, qid
            assert "<math display=\"block\">" in item.group(1), qid
            value = eq.printed.lstrip("-")
            assert f"<mn>{value}</mn>" in item.group(1), (qid, eq.printed)
    net = solution.equation("s1.net.1.1")
    assert net.symbol.mathml in page


def test_a_weights_derivation_is_its_whole_chain_rule(demo):
    data = data_of(render_html(demo))
    chain = data["steps"][0]["derivations"]["w.1.1.1"]
    # w_11⁺ ← ∂E/∂w_11 ← δ_h1 ← (∂E/∂out_h1 ← δ_o ← ∂E/∂out_o, f′_o), f′_h1
    assert chain == ["s1.dout.2.1", "s1.fp.2.1", "s1.delta.2.1", "s1.dout.1.1", "s1.fp.1.1",
                     "s1.delta.1.1", "s1.grad.w.1.1.1", "s1.new.w.1.1.1"]
    assert data["steps"][0]["derivations"]["b.2.1"] == [
        "s1.dout.2.1", "s1.fp.2.1", "s1.delta.2.1", "s1.grad.b.2.1", "s1.new.b.2.1"]


MAZUR = [(np.array([[0.15, 0.25], [0.2, 0.3]]), np.array([0.35, 0.35]), "sigmoid"),
         (np.array([[0.4, 0.5], [0.45, 0.55]]), np.array([0.6, 0.6]), "sigmoid")]


@pytest.mark.parametrize("convention", ["blog", "fausett", "mazur", "han", "layered"])
def test_every_convention_renders_every_step_it_shows(convention):
    solution = explain(MAZUR, [[0.05, 0.1], [1, 0]], [[0.01, 0.99], [1, 0]],
                       learning_rate=0.5, convention=convention, epochs=2)
    page = render_html(solution)
    data = data_of(page)
    assert [s["id"] for s in data["steps"]] == list(solution.shown) == ["s1", "s4"]
    for step in data["steps"]:
        for qid in step["order"]:
            assert f'data-eq-id="{qid}"' in page, (convention, qid)
        for param, chain in step["derivations"].items():
            assert set(chain) <= set(step["order"]), (convention, param)
            if f"{step['id']}.new.{param}" in solution.equations:
                assert chain[-1] == f"{step['id']}.new.{param}"
    assert "(2 further steps computed the same way are not shown.)" in page


def _glyphs(mathml: str) -> list[str]:
    import xml.etree.ElementTree as ET

    return [e.text for e in ET.fromstring(f"<r>{mathml}</r>").iter() if e.text]


def test_a_long_general_formula_is_cut_only_before_an_operator_joining_two_terms(demo):
    from chainrule.render._html import wrapping_math
    from chainrule.render.printing import to_mathml

    line = demo.derivation[1]  # E as a function of the weights: the longest line
    row = "<mo>=</mo>".join(to_mathml(f) for f in (line.lhs, *line.forms))
    wrapped = wrapping_math(row)
    pieces = re.findall(r"<math displaystyle=\"true\"><mrow>(.*?)</mrow></math>", wrapped)
    assert "<wbr>".join(f'<math displaystyle="true"><mrow>{p}</mrow></math>'
                        for p in pieces) in wrapped
    # the same glyphs in the same order: nothing lost, nothing added
    assert [g for p in pieces for g in _glyphs(p)] == _glyphs(row)
    assert len(pieces) == 1 + 1 + 7  # E | = ½(t | − f(… and the six + between terms
    for piece in pieces[1:]:
        assert re.match(r'<mo form="infix">[=+−]</mo>', piece), piece
    assert '<msup><mo form="postfix">)</mo><mrow><mn>2</mn></mrow></msup>' in pieces[-1]  # (…)²


def test_json_data_cannot_close_its_script():
    text = json_script({"name": "</script><script>alert(1)</script> & \u2028"}, "x")
    assert text.count("</script>") == 1 and "\\u003c/script\\u003e" in text
    assert "\\u0026" in text and "\u2028" not in text
    inner = text[len('<script type="application/json" class="x">'):-len("</script>")]
    assert json.loads(inner)["name"].startswith("</script>")


def test_hostile_names_are_escaped_everywhere():
    page = render_html(hostile_solution())
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 5


# --- in a real browser ---------------------------------------------------------------------
def _browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Visit:
    """A page opened from a file, with everything it tried to do recorded."""

    def __init__(self, browser, path: Path, width: int = 1500, height: int = 1000) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.console, self.errors, self.requests, self.blocked, self.dialogs = [], [], [], [], []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._guard)
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")

    def _guard(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self):
        errors = [text for kind, text in self.console if kind in ("error", "warning")]
        assert errors == [] and self.errors == [], (errors, self.errors)
        assert self.blocked == [], self.blocked
        assert [u for u in self.requests if u != self.url] == [], self.requests
        assert self.dialogs == [], self.dialogs

    def current(self) -> str:
        return self.page.eval_on_selector("[data-cr-walkthrough]",
                                          "el => el.getAttribute('data-current')")

    def highlighted(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".cr-diagram-wrap:not([hidden]) .cr-hl",
            "els => els.map(e => e.getAttribute('data-unit') || e.getAttribute('data-param')"
            " || e.getAttribute('data-eq'))")


@pytest.fixture(scope="module")
def demo_file(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "walkthrough.html"
    path.write_text(render_html(demo), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def epoch_file(epoch, tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "epoch.html"
    path.write_text(render_html(epoch), encoding="utf-8")
    return path


def test_page_loads_offline_with_no_errors_and_no_requests(browser, demo_file, demo):
    visit = Visit(browser, demo_file)
    listed = sum(len(step["order"]) for step in data_of(render_html(demo))["steps"])
    assert visit.page.locator(".cr-eq").count() == listed + len(demo.losses) > 30
    assert visit.page.locator(".cr-diagram-wrap:not([hidden])").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visit.page.keyboard.press("ArrowRight")
    visit.page.keyboard.press("ArrowRight")
    visit.page.keyboard.press("ArrowRight")
    visit.page.screenshot(path=str(ARTIFACTS / "walkthrough.png"))
    visit.page.locator(".cr-diagram-wrap:not([hidden]) svg").screenshot(
        path=str(ARTIFACTS / "diagram.png"))
    visit.assert_clean()


@pytest.mark.parametrize("width", [1500, 900])
def test_no_general_formula_runs_out_of_its_box(browser, demo_file, width):
    visit = Visit(browser, demo_file, width=width)
    rows = visit.page.eval_on_selector_all(
        ".cr-general li", "els => els.map(e => [e.scrollWidth, e.clientWidth, "
        "e.querySelector('.cr-wrap').getClientRects().length, e.offsetHeight])")
    assert len(rows) == 8
    for n, (scroll, client, _, _) in enumerate(rows):
        assert scroll <= client + 1, (width, n, scroll, client)
    if width == 900:
        visit.page.locator(".cr-general").screenshot(path=str(ARTIFACTS / "general.png"))
    visit.assert_clean()


def test_arrows_and_buttons_move_the_highlighted_equation_and_element(browser, epoch_file,
                                                                      epoch):
    visit = Visit(browser, epoch_file)
    page = visit.page
    assert visit.current() == "" and visit.highlighted() == []
    page.keyboard.press("ArrowRight")
    assert visit.current() == "s1.net.1.1"
    assert "1.1" in visit.highlighted()  # the neuron h1
    assert page.locator('.cr-eq.cr-current').get_attribute("data-eq-id") == "s1.net.1.1"
    page.keyboard.press("ArrowRight")
    assert visit.current() == "s1.net.1.2" and "1.2" in visit.highlighted()
    assert "1.1" not in visit.highlighted()
    page.keyboard.press("ArrowLeft")
    assert visit.current() == "s1.net.1.1"
    page.click("button[data-phase='backward']")
    first_backward = epoch.steps[0].section("backward").equations[0].id
    assert visit.current() == first_backward
    page.click("button[data-phase='update']")
    assert visit.current() == "s1.new.w.1.1.1"
    assert "w.1.1.1" in visit.highlighted()  # the edge and its label
    assert page.locator(".cr-diagram-wrap:not([hidden]) .cr-edge.cr-hl").count() == 1
    page.click("button[data-action='next-example']")
    assert visit.current() == "s2.net.1.1"
    assert page.locator(".cr-diagram-wrap:not([hidden])").get_attribute("data-step") == "s2"
    page.click("button[data-action='back']")
    last = epoch.steps[0].section("update").equations[-1].id
    assert visit.current() == last
    assert page.locator(".cr-diagram-wrap:not([hidden])").get_attribute("data-step") == "s1"
    visit.assert_clean()


def test_values_appear_in_the_diagram_as_the_walk_reaches_them(browser, demo_file):
    visit = Visit(browser, demo_file)
    page = visit.page
    pending = ".cr-diagram-wrap:not([hidden]) .cr-val.cr-pending[data-eq='s1.out.1.1']"
    assert page.locator(pending).count() == 1
    for _ in range(3):  # net h1, net h2, out h1
        page.keyboard.press("ArrowRight")
    assert visit.current() == "s1.out.1.1" and page.locator(pending).count() == 0
    visit.assert_clean()


def test_clicking_a_weight_shows_its_chain_rule(browser, demo_file, demo):
    visit = Visit(browser, demo_file)
    page = visit.page
    panel = page.locator(".cr-derivation")
    assert not panel.is_visible()
    page.locator(".cr-diagram-wrap:not([hidden]) .cr-edge-label[data-param='w.1.1.1']").click()
    assert panel.is_visible()
    ids = page.eval_on_selector_all(".cr-derivation-list .cr-eq",
                                    "els => els.map(e => e.getAttribute('data-eq-id'))")
    assert ids == data_of(render_html(demo))["steps"][0]["derivations"]["w.1.1.1"]
    title = page.locator(".cr-derivation-title").inner_text()
    assert title.startswith("Chain rule for w_11"), title
    assert page.locator(".cr-derivation-list math").count() == len(ids)
    panel.screenshot(path=str(ARTIFACTS / "derivation.png"))
    page.click(".cr-derivation button[data-action='close']")
    assert not panel.is_visible()
    page.locator(".cr-diagram-wrap:not([hidden]) .cr-edge[data-param='w.2.2.1'] line").click(
        force=True)
    assert panel.get_attribute("data-param") == "w.2.2.1"
    visit.assert_clean()


MEASURE = """svg => {
  const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
  const all = s => Array.from(svg.querySelectorAll(s));
  return {
    labels: all('.cr-edge-label').map(g => ({param: g.getAttribute('data-param'),
      rect: box(g.querySelector('rect')), text: box(g.querySelector('text'))})),
    rows: all('.cr-val').map(box),
    circles: all('.cr-unit circle').map(box)};
}"""


def _shared(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


@pytest.mark.parametrize("sizes", [(2, 2, 1), (2, 8, 1), (3, 12, 12, 2), (20, 30, 13, 3), "demo"])
def test_rendered_edge_labels_fit_their_boxes_and_cover_nothing(browser, tmp_path, sizes):
    """The glyphs as Chromium sets them: each label's text inside its box, and no label's
    box over another's, a neuron or a row of values."""
    from chainrule.viz import diagram
    from test_viz_diagram import sequential

    if sizes == "demo":
        name, svg = "demo", diagram(demo_solution(), show_updates=True)
    else:
        name, svg = "-".join(map(str, sizes)), diagram(sequential(sizes))
    path = tmp_path / f"diagram-{name}.html"
    path.write_text(f"<!DOCTYPE html><html><body style='margin:0'>{svg}</body></html>",
                    encoding="utf-8")
    visit = Visit(browser, path, width=1400, height=900)
    got = visit.page.eval_on_selector("svg", MEASURE)
    for label in got["labels"]:
        rect, text = label["rect"], label["text"]
        assert (rect[0] <= text[0] and text[2] <= rect[2]), (name, label)
    for n, label in enumerate(got["labels"]):
        others = [o["rect"] for o in got["labels"][n + 1:]] + got["rows"] + got["circles"]
        for other in others:
            assert _shared(label["rect"], other) < 1.0, (name, label["param"], other)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visit.page.locator("svg").screenshot(path=str(ARTIFACTS / f"diagram-{name}.png"))
    visit.assert_clean()


def test_a_hostile_name_renders_as_text_and_runs_nothing(browser, tmp_path):
    path = tmp_path / "hostile.html"
    path.write_text(render_html(hostile_solution()), encoding="utf-8")
    visit = Visit(browser, path)
    page = visit.page
    assert page.locator("img").count() == 0
    assert page.locator("h1").inner_text() == XSS
    assert XSS in page.locator(".cr-notes").inner_text()
    label = page.locator(".cr-eq[data-eq-id='s1.net.1.1'] .cr-eq-label").inner_text()
    assert label == XSS
    unit = page.locator(".cr-diagram-wrap:not([hidden]) [data-unit='1.1'] .cr-name")
    assert unit.text_content() == XSS
    page.keyboard.press("ArrowRight")
    assert XSS in page.locator(".cr-status").inner_text()  # the example's name, as text
    page.locator(".cr-diagram-wrap:not([hidden]) .cr-edge-label[data-param='w.1.1.1']").click()
    page.wait_for_timeout(200)
    visit.assert_clean()  # among others: no dialog opened


def test_a_bias_written_at_its_neuron_opens_its_chain_rule(browser, tmp_path):
    solution = explain(MAZUR, [0.05, 0.1], [0.01, 0.99], learning_rate=0.5, convention="han")
    path = tmp_path / "han.html"
    path.write_text(render_html(solution), encoding="utf-8")
    visit = Visit(browser, path)
    page = visit.page
    page.click("button[data-phase='update']")
    assert visit.current() == "s1.new.w.1.1.1"
    page.locator(".cr-diagram-wrap:not([hidden]) .cr-bias[data-param='b.1.2']").click()
    ids = page.eval_on_selector_all(".cr-derivation-list .cr-eq",
                                    "els => els.map(e => e.getAttribute('data-eq-id'))")
    # Han & Kamber update θ_j directly from Err_j: θ⁺ = θ + l·Err_j
    assert ids == ["s1.delta.2.1", "s1.delta.2.2", "s1.delta.1.2", "s1.new.b.1.2"], ids
    assert page.locator(".cr-derivation-title").inner_text().startswith("Chain rule for θ_4")
    visit.assert_clean()


def test_print_stylesheet_gives_a_clean_handout(browser, demo_file):
    visit = Visit(browser, demo_file, width=900)
    page = visit.page
    page.keyboard.press("ArrowRight")
    page.emulate_media(media="print")
    assert not page.locator(".cr-controls").is_visible()
    assert not page.locator(".cr-now").is_visible()
    faded = page.eval_on_selector(".cr-eq[data-eq-id='s1.new.w.1.1.1']",
                                  "el => getComputedStyle(el).opacity")
    assert faded == "1"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "walkthrough-print.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": 900, "height": 1800})
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-"
    visit.assert_clean()


def test_notebook_fragment_works_inside_a_host_page(browser, demo, tmp_path):
    path = tmp_path / "notebook.html"
    # no Content-Security-Policy here, as in a notebook: escaping alone must hold
    host = ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><h1>notebook</h1>"
            + render_fragment(demo) + "<p>next cell</p>" + render_fragment(demo)
            + render_fragment(hostile_solution()) + "</body></html>")
    path.write_text(host, encoding="utf-8")
    visit = Visit(browser, path)
    roots = visit.page.locator("[data-cr-walkthrough]")
    assert roots.count() == 3
    roots.nth(1).locator("button[data-action='forward']").click()
    current = visit.page.eval_on_selector_all(
        "[data-cr-walkthrough]", "els => els.map(e => e.getAttribute('data-current'))")
    assert current == ["", "s1.net.1.1", ""]
    hostile = roots.nth(2)
    hostile.locator("button[data-action='forward']").click()
    hostile.locator(".cr-diagram-wrap:not([hidden]) .cr-edge-label[data-param='w.1.1.1']").click()
    assert XSS in hostile.locator(".cr-status").inner_text()
    assert visit.page.locator("img").count() == 0
    visit.page.wait_for_timeout(200)
    visit.assert_clean()


def test_report_page_shows_plots_and_predictions_offline(browser, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from chainrule.cli import main
    from chainrule.viz import GradientNorms, history_json

    x, y = cr.datasets.moons(seed=0)
    model = cr.Sequential([Dense(8, activation="tanh", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.Adam(learning_rate=0.02),
                  metrics=["accuracy"])
    norms = GradientNorms()
    history = model.fit(x, y, epochs=60, batch_size=32, verbose=0, seed=0, callbacks=[norms])
    model.save(tmp_path / "run.npz")
    (tmp_path / "run.json").write_text(history_json(history, gradients=norms,
                                                    data={"name": "moons", "seed": 0}))
    out = tmp_path / "report.html"
    code = main(["report", str(tmp_path / "run.npz"), "--history", str(tmp_path / "run.json"),
                 "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    visit = Visit(browser, out, width=1300)
    page = visit.page
    sizes = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert len(sizes) == 3 and all(w > 100 for w in sizes), sizes
    assert page.locator("table tbody tr").count() == 50
    assert "correct" in page.locator("table thead").inner_text()
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    visit.assert_clean()


def test_the_demo_diagram_svg_is_what_the_page_embeds(demo):
    from chainrule.viz import diagram

    page = render_html(demo)
    assert diagram(demo, show_updates=True, step="s1") in page
    assert np.isclose(float(demo.equation("s1.net.1.1").printed),
                      demo.equation("s1.net.1.1").value, atol=5e-5)
