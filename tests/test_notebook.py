"""The notebook display: ``examples/notebook.ipynb`` executed in a real IPython kernel.

:func:`run_notebook` executes a notebook with nbclient in a kernel that runs this very
interpreter, and returns each code cell's outputs by the cell's id. The tests read the
outputs a student would see: the worked solution's ``text/html`` (its numbers checked
against the blog's step computed here in plain Python), the diagram's ``image/svg+xml``, the
model's summary, a marked hand calculation and the training run's History. To test a new
display, add a cell to the notebook with a readable ``id`` (the cell's ``"id"`` in the
``.ipynb``, which Jupyter keeps; outputs cleared) and a test that reads
``data(executed["that-id"], "text/html")``.

Why the kernel is ours: a ``python3`` kernelspec is looked for in the user's Jupyter folders
before the environment's, and one there may run another Python (without chainrule, or
another chainrule). The fixture writes a kernelspec of its own, whose ``argv`` is
``sys.executable -m ipykernel_launcher`` (``ipykernel.kernelspec.write_kernel_spec``), into
a temporary folder put first on ``JUPYTER_PATH``, and starts that one by its own name;
nothing is installed anywhere, and a test checks that the kernel reports this interpreter
and this chainrule.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

import chainrule
import test_viz_html
from test_viz_html import Visit

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "notebook.ipynb"
CELL_TIMEOUT = 60  # seconds a cell may take before nbclient stops the run


def run_notebook(path: Path, tmp: Path, *, extra_cells: dict[str, str] | None = None
                 ) -> dict[str, list[dict]]:
    """Execute the notebook at ``path`` (cells in order, working directory its folder) and
    return ``{cell id: outputs}`` for its code cells, in order; ``extra_cells`` (id →
    source) run after them. A cell that raises fails the run (``CellExecutionError``)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    kernelspec = pytest.importorskip("ipykernel.kernelspec")

    nb = nbformat.read(path, as_version=4)
    for cell_id, source in (extra_cells or {}).items():
        nb.cells.append(nbformat.v4.new_code_cell(source, id=cell_id))
    kernelspec.write_kernel_spec(tmp / "kernels" / "chainrule-test")
    # JUPYTER_PATH's folders are searched first; nbclient then owns the kernel and shuts it
    # down, its channels closed, when the run ends
    jupyter = {"JUPYTER_PATH": str(tmp), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
               "IPYTHONDIR": str(tmp / "ipython")}
    client = nbclient.NotebookClient(nb, kernel_name="chainrule-test", timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(path.parent)}})
    with pytest.MonkeyPatch.context() as env:
        for name, value in jupyter.items():
            env.setenv(name, value)
        client.execute(env={**os.environ})
    return {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    check = "import sys, chainrule\nprint(sys.executable)\nprint(chainrule.__file__)"
    return run_notebook(NOTEBOOK, tmp_path_factory.mktemp("notebook"),
                        extra_cells={"kernel-check": check})


def data(outputs: list[dict], mime: str) -> str:
    """The one ``mime`` representation among a cell's display outputs."""
    found = [o["data"][mime] for o in outputs
             if o["output_type"] in ("execute_result", "display_data") and mime in o["data"]]
    assert len(found) == 1, (mime, [o.get("data", o).keys() for o in outputs])
    return found[0]


# --- the blog's step in plain Python: the oracle ----------------------------------------------
# The notebook's network: w_ij from input i to hidden j (row 0: the bias input 1), v_j from
# hidden j to the output (v_0: the bias), sigmoid everywhere, E = ½(t − y)², η = 0.3.
W = [[0.2, 0.5], [0.7, 0.9], [0.8, 1.0]]
V = [-0.1, -0.9, 0.7]
ETA = 0.3


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def blog_step(w: list[list[float]], v: list[float], x: tuple[float, float], t: float) -> dict:
    """One online SGD step, by hand: every quantity by the worked solution's id."""
    xs = (1.0, *x)  # the bias input first
    net_h = [sum(xs[i] * w[i][j] for i in range(3)) for j in range(2)]
    out_h = [sigmoid(n) for n in net_h]
    hs = (1.0, *out_h)
    net_o = sum(hs[j] * v[j] for j in range(3))
    y = sigmoid(net_o)
    delta_o = -(t - y) * y * (1 - y)
    delta_h = [delta_o * v[j + 1] * out_h[j] * (1 - out_h[j]) for j in range(2)]
    new_v = [v[j] - ETA * delta_o * hs[j] for j in range(3)]
    new_w = [[w[i][j] - ETA * delta_h[j] * xs[i] for j in range(2)] for i in range(3)]
    values = {"s1.net.1.1": net_h[0], "s1.net.1.2": net_h[1], "s1.out.1.1": out_h[0],
              "s1.out.1.2": out_h[1], "s1.net.2.1": net_o, "s1.out.2.1": y,
              "s1.E": 0.5 * (t - y) ** 2, "s1.delta.2.1": delta_o,
              "s1.delta.1.1": delta_h[0], "s1.delta.1.2": delta_h[1],
              "s1.dout.2.1": -(t - y), "s1.fp.2.1": y * (1 - y), "s1.grad.b.2.1": delta_o,
              "s1.new.b.2.1": new_v[0]}
    for j in range(2):
        values[f"s1.dout.1.{j + 1}"] = delta_o * v[j + 1]
        values[f"s1.fp.1.{j + 1}"] = out_h[j] * (1 - out_h[j])
        values[f"s1.grad.b.1.{j + 1}"] = delta_h[j]
        values[f"s1.new.b.1.{j + 1}"] = new_w[0][j]
        values[f"s1.grad.w.2.{j + 1}.1"] = delta_o * out_h[j]
        values[f"s1.new.w.2.{j + 1}.1"] = new_v[j + 1]
        for i in range(2):
            values[f"s1.grad.w.1.{i + 1}.{j + 1}"] = delta_h[j] * x[i]
            values[f"s1.new.w.1.{i + 1}.{j + 1}"] = new_w[i + 1][j]
    return {"values": values, "w": new_w, "v": new_v}


def printed_value(html: str, eq_id: str) -> float:
    """The value an equation of the walk-through ends with (``… = value``)."""
    item = re.search(rf'<li class="cr-eq" data-eq-id="{re.escape(eq_id)}"[^>]*>(.*?)</li>',
                     html)
    assert item, eq_id
    last = re.search(r"<mo>=</mo><mrow>(<mo>−</mo>)?<mn>([0-9.]+)</mn></mrow></mrow></math>",
                     item.group(1))
    assert last, (eq_id, item.group(1)[-200:])
    return -float(last.group(2)) if last.group(1) else float(last.group(2))


# --- the kernel and the cells --------------------------------------------------------------
def test_the_kernel_runs_this_interpreter_and_this_chainrule(executed):
    text = "".join(o["text"] for o in executed["kernel-check"] if o["output_type"] == "stream")
    assert text.split("\n")[:2] == [sys.executable, chainrule.__file__]


def test_no_cell_fails_or_writes_to_stderr(executed):
    for cell_id, outputs in executed.items():
        for o in outputs:
            assert o["output_type"] != "error", (cell_id, o.get("evalue"))
            assert o.get("name") != "stderr", (cell_id, o["text"][:500])


def test_the_solution_cell_shows_the_blog_step_with_its_numbers(executed):
    html = data(executed["solution"], "text/html")
    expected = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    assert len(expected) == 34  # every line of the step but the given values
    for eq_id, value in expected.items():
        # 4 decimals, rounded half away from zero: at most half a unit of the 4th off
        assert abs(printed_value(html, eq_id) - value) <= 0.5e-4 + 1e-12, (eq_id, value)
    assert "Conventions:" in html and "<script>" in html
    markdown = data(executed["solution"], "text/markdown")
    assert f"{expected['s1.out.2.1']:.4f}" in markdown  # where HTML is not shown


def test_the_solution_is_a_fragment_that_needs_no_page(executed):
    html = data(executed["solution"], "text/html")
    assert not re.search(r"<(html|head|body|meta|link|iframe)\b", html)
    assert not re.search(r"\b(src|href)=", html)  # nothing fetched: scripts and styles inline
    assert html.startswith('<div class="cr-notebook" data-cr-fragment>')
    # hidden until a script or the stylesheet shows them: the walk-through (the plain text
    # stands in for it), its controls (they would do nothing) and its empty panel; no graph
    # view (a notebook draws one with cr.viz.graph)
    hidden = re.findall(r"<(\w+) class=\"([^\"]*)\"[^>]*\bhidden\b", html)
    assert hidden == [("div", "cr-rich"), ("nav", "cr-controls"), ("aside", "cr-derivation")]
    assert "cr-graph-data" not in html


def test_the_matrix_cell_shows_the_step_as_matrices_with_the_same_numbers(executed):
    html = data(executed["matrix"], "text/html")
    assert 'class="cr-matrix"' in html and 'class="cr-form-switch"' in html
    expected = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    # each matrix entry names the scalar line of its number: z, a, δ, ∂E/∂W and W⁺ entries
    entries = dict(re.findall(r'<a class="cr-entry" href="#" data-eq-id="([^"]+)"[^>]*>'
                              r'(−?[0-9.]+)</a>', html))
    for eq_id in ("s1.net.1.1", "s1.out.1.2", "s1.out.2.1", "s1.delta.2.1", "s1.delta.1.1",
                  "s1.grad.w.1.1.1", "s1.grad.w.2.2.1", "s1.new.w.1.2.2", "s1.new.w.2.1.1"):
        shown = float(entries[eq_id].replace("−", "-"))
        assert abs(shown - expected[eq_id]) <= 0.5e-4 + 1e-12, (eq_id, shown)


def test_the_graph_cell_shows_each_weights_gradient(executed):
    svg = data(executed["graph"], "image/svg+xml")
    texts = [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    expected = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    leaves = {"w_11": "s1.grad.w.1.1.1", "w_12": "s1.grad.w.1.1.2", "v_1": "s1.grad.w.2.1.1",
              "v_2": "s1.grad.w.2.2.1", "v_0": "s1.grad.b.2.1"}
    for name, eq_id in leaves.items():
        at = texts.index(name)  # a leaf's box: its name, value, gradient
        assert texts[at + 2].startswith("grad "), texts[at:at + 3]
        grad = float(texts[at + 2][5:].replace("−", "-"))
        # four significant figures
        assert math.isclose(grad, expected[eq_id], rel_tol=5e-4, abs_tol=1e-12), (name, grad)


def test_the_diagram_cell_shows_the_network_as_svg(executed):
    svg = data(executed["diagram"], "image/svg+xml")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))
    step = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    for eq_id in ("s1.out.2.1", "s1.new.w.2.1.1", "s1.delta.1.1"):
        assert f"{abs(step[eq_id]):.4f}" in texts, (eq_id, texts[:400])
    # where the picture is not shown, a line instead of pages of markup
    assert data(executed["diagram"], "text/plain") == (
        f"<SVG image, {len(svg):,} characters: print() it for its text>")


def test_the_check_cell_shows_the_marked_hand_calculation(executed):
    html = data(executed["check"], "text/html")
    assert html.startswith('<pre class="cr-report">') and "&lt;answers&gt;" in html
    text = unescape(html)
    rows = {m.group(1): m.groups()[1:] for m in re.finditer(
        r"^  (\S+)\s+(\S+)\s+(\S+)\s+(right|wrong|follow-through)\b", text, re.M)}
    step = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    minus = str.maketrans("−", "-")
    solution = {name: float(row[1].translate(minus)) for name, row in rows.items()}
    assert solution["out_o"] == pytest.approx(step["s1.out.2.1"], abs=0.5e-4)
    assert solution["∂E/∂v_1"] == pytest.approx(step["s1.grad.w.2.1.1"], abs=0.5e-4)
    # the answers: out_o and δ_o as the step gives them, ∂E/∂v_1 with its sign flipped, and
    # v_1⁺ = v_1 − η·(that wrong value), right from the student's own number
    assert rows["out_o"][2] == rows["δ_o"][2] == "right"
    assert rows["∂E/∂v_1"][2] == "wrong" and step["s1.grad.w.2.1.1"] < 0
    assert rows["v_1⁺"][2] == "follow-through"
    assert float(rows["v_1⁺"][0].translate(minus)) == pytest.approx(V[1] - ETA * 0.0960)


def test_the_model_cell_shows_its_summary_table(executed):
    html = data(executed["model"], "text/html")
    counts = [int(c) for c in re.findall(r"<td>(\d+)</td></tr>", html)]
    assert counts == [(2 + 1) * 2, (2 + 1) * 1]  # (inputs + bias) × units per layer
    assert "Total params: 9" in html and html.startswith("<table>")


def test_the_training_cell_shows_its_history(executed):
    html = data(executed["train"], "text/html")
    caption = re.search(r"<caption>History: (\d+) epochs of 20000</caption>", html)
    assert caption, html[:300]
    # epoch 1's loss, by hand: four online steps in order, the mean of the errors
    # each example had before its step
    w, v, errors = W, V, []
    for x, t in (((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)):
        step = blog_step(w, v, x, t)
        errors.append(step["values"]["s1.E"])
        w, v = step["w"], step["v"]
    first = re.search(r"<td>loss</td><td>([^<]+)</td>", html).group(1)
    assert float(first) == pytest.approx(sum(errors) / 4, rel=1e-5), (first, errors)
    # the run stopped when every output was within 0.1 of its target (printed to 3 decimals)
    shown = data(executed["predict"], "text/plain")
    outputs = [float(n) for n in re.findall(r"-?\d+\.\d*(?:e-?\d+)?", shown)]
    assert len(outputs) == 4, shown
    assert all(abs(y - t) <= 0.1 + 0.5e-3 for y, t in zip(outputs, (0, 1, 1, 0))), outputs
    assert int(caption.group(1)) < 20000


def test_the_notebook_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert len({c["id"] for c in nb["cells"]}) == len(nb["cells"])


# --- the fragment in a browser, as notebooks show it ---------------------------------------
chromium = test_viz_html.browser  # the browser tests' fixture: Chromium, once for this module


def _visit(chromium, path: Path, html: str):
    path.write_text(html, encoding="utf-8")
    return Visit(chromium, path, width=1200)


class Sanitizer(HTMLParser):
    """What JupyterLab's sanitizer does to an output it does not trust, in short (as seen
    in JupyterLab 4.6): scripts and styles dropped with their content; any other element
    outside its list of allowed tags (MathML and SVG among them) dropped, its text kept;
    only some attributes kept (``class``, ``style``, ``title`` …; not ``data-*``, nor a
    ``hidden`` without a value)."""

    TAGS = set("a b br button caption div em figure figcaption h1 h2 h3 h4 h5 h6 header i li "
               "nav ol p pre section span strong sub sup table tbody td tfoot th thead tr ul "
               "aside details summary wbr".split())
    KEPT = {"class", "style", "title", "lang", "dir", "colspan", "open"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.dropping += 1
        elif tag in self.TAGS:
            kept = "".join(f' {k}="{escape(v)}"' if v is not None else f" {k}"
                           for k, v in attrs if k in self.KEPT)
            self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.dropping -= 1
        elif tag in self.TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, text):
        if not self.dropping:
            self.out.append(escape(text))

    def handle_entityref(self, name):
        self.handle_data(unescape(f"&{name};"))

    def handle_charref(self, name):
        self.handle_data(unescape(f"&#{name};"))


def _static_host(fragment: str, how: str) -> str:
    """A host page that runs none of the fragment's scripts: one whose policy forbids
    scripts, one that strips scripts and styles, or one that sanitizes the fragment."""
    head = ""
    if how == "scripts forbidden":
        head = "<meta http-equiv='Content-Security-Policy' content=\"script-src 'none'\">"
    elif how == "stripped":
        fragment = re.sub(r"<(script|style)\b.*?</\1>", "", fragment, flags=re.S)
    else:
        sanitizer = Sanitizer()
        sanitizer.feed(fragment)
        fragment = "".join(sanitizer.out)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
            f"<h1>notebook</h1>{fragment}</body></html>")


def test_without_scripts_the_fragment_is_the_whole_solution_static(executed, chromium,
                                                                     tmp_path):
    html = data(executed["solution"], "text/html")
    visit = _visit(chromium, tmp_path / "static.html", _static_host(html, "scripts forbidden"))
    page = visit.page
    assert not page.locator(".cr-controls").is_visible()
    assert not page.locator(".cr-derivation").is_visible()
    assert not page.locator(".cr-plain").is_visible()
    assert page.locator(".cr-js").count() == 0  # the script did not run
    expected = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    for eq_id in expected:
        item = page.locator(f".cr-eq[data-eq-id='{eq_id}']")
        assert item.is_visible(), eq_id
        assert item.evaluate("e => getComputedStyle(e).opacity") == "1", eq_id
    # every value in the diagram shown, none waiting for a step that cannot come
    values = page.eval_on_selector_all(
        ".cr-diagram .cr-val, .cr-diagram [data-reveal]",
        "els => els.map(e => [getComputedStyle(e).opacity, getComputedStyle(e).visibility])")
    assert values and set(map(tuple, values)) == {("1", "visible")}, values
    assert visit.blocked == [] and visit.requests == [visit.url]


@pytest.mark.parametrize("how", ["stripped", "sanitized"])
def test_without_its_stylesheet_the_fragment_is_the_solution_as_text(executed, chromium,
                                                                      tmp_path, how):
    html = data(executed["solution"], "text/html")
    visit = _visit(chromium, tmp_path / "text.html", _static_host(html, how))
    page = visit.page
    assert not page.locator(".cr-rich").is_visible()  # run-together MathML never shown
    shown = page.locator(".cr-plain").inner_text()
    heading, rest = page.locator("body").inner_text().split("\n", 1)
    assert (heading, rest.strip()) == ("notebook", shown.strip())  # nothing else shown
    expected = blog_step(W, V, (1.0, 0.0), 1.0)["values"]
    lines = {line.split(" = ")[0].strip(): line for line in shown.splitlines() if " = " in line}
    for eq_id, symbol in (("s1.out.2.1", "out_o"), ("s1.delta.1.2", "δ_h2"),
                          ("s1.new.w.2.1.1", "v_1⁺"), ("s1.grad.w.1.1.1", "∂E/∂w_11")):
        value = f"{expected[eq_id]:.4f}".replace("-", "−")
        assert lines[symbol].endswith(" = " + value), (how, symbol, lines.get(symbol), value)
    assert "1/(1 + e^(−net_h1))" in shown
    assert visit.blocked == [] and visit.requests == [visit.url]


# How JupyterLab shows a trusted output: the HTML set as the innerHTML of a node not yet in
# the page, each <script> replaced by a copy, attributes and text (which runs when the node
# is attached: rendermime's evalInnerHTMLScriptTags).
SHOW_LIKE_JUPYTERLAB = """html => {
  const output = document.createElement("div");
  output.innerHTML = html;
  output.querySelectorAll("script").forEach(old => {
    const script = document.createElement("script");
    for (const {name, value} of old.attributes) script.setAttribute(name, value);
    script.textContent = old.textContent;
    old.replaceWith(script);
  });
  document.querySelector(".jp-OutputArea").appendChild(output);
  window.prevented = [];
  document.addEventListener("keydown", e => window.prevented.push(e.defaultPrevented));
}"""

NOTEBOOK_HOST = ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                 "<div class='jp-Cell'><div class='jp-Editor' contenteditable='true'>"
                 "solution</div><div class='jp-OutputArea'></div></div></body></html>")


def test_in_a_notebook_the_walkthrough_steps_and_leaves_the_editors_keys_alone(
        executed, chromium, tmp_path):
    visit = _visit(chromium, tmp_path / "lab.html", NOTEBOOK_HOST)
    page = visit.page
    page.evaluate(SHOW_LIKE_JUPYTERLAB, data(executed["solution"], "text/html"))
    root = page.locator("[data-cr-walkthrough]")
    assert page.locator(".cr-controls").is_visible()

    def current():
        return root.get_attribute("data-current")

    page.locator(".jp-Editor").click()
    page.keyboard.press("ArrowRight")   # moves the caret in the cell being edited
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")   # the notebook's own key (focus outside)
    assert current() == ""
    assert page.evaluate("window.prevented") == [False, False]
    root.locator("button[data-action='forward']").click()
    assert current() == "s1.net.1.1"
    page.keyboard.press("ArrowRight")   # the focus is in the walk-through: it steps
    assert current() == "s1.net.1.2"
    assert page.evaluate("window.prevented") == [False, False, True]
    shot = (Path(__file__).resolve().parents[1] / "docs" / "images" / "notebook.png"
            if os.environ.get("CHAINRULE_SCREENSHOTS") == "1" else tmp_path / "notebook.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator(".jp-Cell").bounding_box()
    page.screenshot(path=str(shot), clip={"x": box["x"], "y": box["y"],
                                          "width": box["width"], "height": 760})
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    visit.assert_clean()


# --- what other objects show in a notebook (no kernel needed) -----------------------------
XSS = "<img src=x onerror=alert(1)>"


def test_a_built_model_displays_its_summary_and_an_unbuilt_one_its_repr():
    from chainrule.layers import Dense

    model = chainrule.Sequential([Dense(3, activation="tanh", name=XSS),
                                  Dense(2, activation="sigmoid")], name=XSS)
    assert model._repr_html_() is None and not model.built  # displaying never builds
    model.build(4)
    html = model._repr_html_()
    assert "<img" not in html and html.count("&lt;img src=x onerror=alert(1)&gt;") == 2
    counts = [int(c) for c in re.findall(r"<td>(\d+)</td></tr>", html)]
    assert counts == [(4 + 1) * 3, (3 + 1) * 2] == [w.size + b.size for w, b in zip(
        model.get_weights()[::2], model.get_weights()[1::2])]
    assert f"Total params: {sum(counts)}" in html
    assert [t.strip() for t in re.findall(r"<th>([^<]*)</th>", html)] == [
        "Layer (type)", "Output Shape", "Activation", "Param #"]


def test_a_history_displays_first_last_and_best_of_every_value():
    from chainrule.callbacks import History

    history = History()
    history.set_params({"epochs": 10})
    history.on_train_begin()
    losses, accuracies = [0.9, 0.4, float("nan"), 0.5], [0.25, 0.75, 0.5, 0.5]
    for epoch, (loss, acc) in enumerate(zip(losses, accuracies)):
        history.on_epoch_end(epoch, {"loss": loss, XSS: acc, "accuracy": acc})
    html = history._repr_html_()
    rows = dict((r[0], r[1:]) for r in re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html))
    # best: the smallest loss (NaN never), the largest accuracy; epochs counted from 1
    assert rows["loss"] == ("0.9", "0.5", "0.4 (epoch 2)")
    assert rows["accuracy"] == ("0.25", "0.5", "0.75 (epoch 2)")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in rows
    assert "History: 4 epochs of 10" in html
    assert repr(history).startswith("History(4 epochs of 10: loss 0.9 → 0.5, ")
    assert repr(History()) == "History(0 epochs)" and "<tbody></tbody>" in History()._repr_html_()


def test_a_diagram_is_text_that_a_notebook_shows_as_a_picture():
    from chainrule.layers import Dense

    model = chainrule.Sequential([Dense(1, activation="sigmoid", input_dim=2)], seed=0)
    model.build(2)
    solution = model.explain([1, 0], [1], learning_rate=0.5)
    for svg in (model.diagram(), solution.diagram(), solution.diagram(show_updates=True)):
        assert isinstance(svg, str) and svg._repr_svg_() == str(svg)
        assert repr(svg) == repr(str(svg)) and f"{svg}" == str(svg)  # text as before
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
