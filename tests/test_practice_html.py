"""Practice mode (``chainrule explain --format html --practice``), as text and in Chromium.

The page's verdicts are held to ``chainrule check`` grading the same values (right,
follow-through, wrong, and the marks), a follow-through value is computed in plain Python
from a deliberately wrong earlier value, and the script's evaluator is held to the
activation table's Python values for every entry. Browser tests use Debian's Chromium
through Playwright as ``test_viz_html`` does, and are skipped without them.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.evaluate import evaluate, evaluate_interval
from chainrule.calculus.formula import Call, Const, Ref
from chainrule.cli import main
from chainrule.derive import explain
from chainrule.render import html
from chainrule.render._json import formula_tree
from chainrule.render._practice import activation_data, practice_data, render_practice
from chainrule.teach import check
from chainrule.teach.problems.files import bundled
from test_viz_html import (  # noqa: F401 - browser: the fixture, shared
    Visit,
    browser,
    demo_solution,
    hostile_solution,
    xor_epoch_solution,
)

DOCS_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
PAGE_STATUS = {"cr-right": "right", "cr-follow": "follow-through", "cr-wrong": "wrong"}


def data_of(page: str) -> dict:
    match = re.search(r'<script type="application/json" class="cr-practice-data">(.*?)'
                      r"</script>", page)
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def demo():
    return demo_solution()


@pytest.fixture(scope="module")
def demo_file(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("practice") / "practice.html"
    path.write_text(html(demo, practice=True), encoding="utf-8")
    return path


# --- the page as text ----------------------------------------------------------------------
def _tree_value(tree: dict, resolve) -> float:
    """A plain-Python reading of the JSON tree form (``docs/json-format.md``, "Tree")."""
    args = [_tree_value(a, resolve) for a in tree.get("args", [])]
    op = tree["op"]
    if op == "const":
        return float(tree["value"])
    if op == "ref":
        return resolve(tree["id"])
    if op == "call":
        return evaluate(Call(tree["fn"], tuple(Const(a) for a in args), tree["index"],
                             tree["derivative"]), lambda _: math.nan)
    table = {"add": lambda: math.fsum(args), "mul": lambda: math.prod(args),
             "sub": lambda: args[0] - args[1], "neg": lambda: -args[0],
             "div": lambda: args[0] / args[1], "pow": lambda: args[0] ** args[1],
             "exp": lambda: math.exp(args[0]), "log": lambda: math.log(args[0]),
             "step": lambda: 1.0 if args[0] > 0 else args[1]}
    return table[op]()


NETS = {
    "tanh_relu": [([[0.3, -0.2], [0.5, 0.4]], [0.1, -0.1], "tanh"),
                  ([[0.7], [-0.6]], [0.05], "relu")],
    "leaky_softplus": [([[-0.8, 0.2], [0.3, -0.9]], [0.0, 0.1], "leaky_relu"),
                       ([[0.5], [0.25]], [-0.3], "softplus")],
    "bipolar_linear": [([[0.6, -0.1], [-0.3, 0.4]], [0.3, 0.5], "bipolar_sigmoid"),
                       ([[0.4], [0.1]], [-0.2], "linear")],
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_json_trees_give_every_equations_exact_value(name):
    solution = explain(NETS[name], [[1.0, -0.5], [0.2, 0.9]], [[0.5], [-0.2]],
                       learning_rate=0.3, epochs=1)
    doc = json.loads(solution.to_json())
    eqs = [eq for step in doc["steps"] for sec in step["sections"] for eq in sec["equations"]]
    exact = {eq["id"]: eq["exact"] for eq in doc["given"] + eqs}
    checked = 0
    for eq in eqs:
        if eq["formula"] is None:
            continue
        got = _tree_value(eq["formula"]["tree"], exact.__getitem__)
        assert got == pytest.approx(eq["exact"], rel=1e-12, abs=1e-15), (name, eq["id"])
        checked += 1
    assert checked > 40


def test_softmax_with_cross_entropy_is_a_tree_too():
    solution = explain([([[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]], [0.0, 0.1, -0.1], "softmax")],
                       [1.0, 0.5], [0.0, 1.0, 0.0], learning_rate=0.1,
                       loss="categorical_crossentropy")
    doc = json.loads(solution.to_json())
    exact = {eq["id"]: eq["exact"] for eq in doc["given"]}
    for step in doc["steps"]:
        for sec in step["sections"]:
            for eq in sec["equations"]:
                exact[eq["id"]] = eq["exact"]
                if eq["formula"] is not None:
                    got = _tree_value(eq["formula"]["tree"], exact.__getitem__)
                    assert got == pytest.approx(eq["exact"], rel=1e-12, abs=1e-15), eq["id"]


def _sheet_of(solution, ids: list[str]) -> dict[str, str]:
    return {qid: solution.equation(qid).printed for qid in ids}


@pytest.mark.parametrize("problem", ["han_kamber", "fausett_binary"])
def test_accepted_bounds_are_what_check_grades_right(problem):
    """At the printed value and one unit either side, a value lies in the page's bounds
    exactly when ``chainrule check`` grades it right."""
    solution = bundled(problem).solve()
    lines = practice_data(solution)["lines"]
    for shift in (-1, 0, 1):
        sheet = {}
        for line in lines:
            unit = 10.0 ** -line["decimals"]
            sheet[line["id"]] = f"{float(line['printed']) + shift * unit:.{line['decimals']}f}"
        report = check(solution, sheet, only_answered=True)
        graded = {r.id: r.status for r in report.results}
        for line in lines:
            value = float(sheet[line["id"]])
            inside = line["accept"][0] <= value <= line["accept"][1]
            assert inside == (graded[line["id"]] == "right"), (problem, shift, line["id"])


def test_page_is_offline_asks_every_computed_value_and_escapes_names():
    solution = hostile_solution()
    page = render_practice(solution)
    assert "default-src 'none'" in page and "script-src 'sha256-" in page
    assert not re.search(r"\b(src|href)=\"(?!data:)", page)
    assert "<img" not in page and page.count("&lt;img src=x onerror=alert(1)&gt;") >= 4
    data = data_of(page)
    asked = [eq.id for step in solution.shown_steps for name in
             ("forward", "error", "backward", "update") for eq in step.section(name)]
    assert [line["id"] for line in data["lines"]] == asked
    assert page.count('class="cr-pr-line"') == len(asked)
    # every value a line uses is a given value, another line, or a copy of one
    for line in data["lines"]:
        for ref in solution.equation(line["id"]).refs:
            assert ref in data["known"] or ref in data["alias"] or ref in asked, ref


def test_cli_writes_the_practice_page_and_refuses_it_in_another_format(tmp_path, capsys):
    out = tmp_path / "practice.html"
    assert main(["explain", "blog_xor", "--format", "html", "--practice", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "data-cr-practice" in page and data_of(page)["lines"]
    assert main(["explain", "blog_xor", "--format", "markdown", "--practice"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--format html" in err and "markdown" in err, err
    assert main(["explain", "blog_xor", "--format", "html"]) == 0
    assert "data-cr-practice" not in capsys.readouterr().out


# --- in a real browser ---------------------------------------------------------------------
def _answer(visit: Visit, text: str) -> str:
    """Type ``text`` into the open line, press Enter; the line's id and the page's verdict."""
    line = visit.page.locator(".cr-pr-line.cr-current")
    qid = line.get_attribute("data-eq-id")
    line.locator("input").fill(text)
    line.locator("input").press("Enter")
    classes = visit.page.locator(f'.cr-pr-line[data-eq-id="{qid}"]').get_attribute("class")
    status = [PAGE_STATUS[c] for c in classes.split() if c in PAGE_STATUS]
    return qid, status[0] if status else ""


def _score(visit: Visit) -> float:
    return float(visit.page.eval_on_selector("[data-cr-practice]",
                                             "el => el.getAttribute('data-score')"))


def _png_is_not_blank(data: bytes) -> bool:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat))) > 8


def test_right_wrong_and_follow_through_as_check_grades_them(browser, demo_file, demo,  # noqa: F811
                                                              tmp_path):
    visit = Visit(browser, demo_file, width=1200, height=900)
    eq = demo.equation
    wrong_out = "0.8109"  # out_h1 is 0.7109
    # net_o computed correctly, in plain Python, from the wrong out_h1 and the right out_h2
    net_o = (eq("s1.w.2.1.1").value * float(wrong_out) + eq("s1.w.2.2.1").value
             * float(eq("s1.out.1.2").printed) + eq("s1.b.2.1").value * 1.0)
    typed = {"s1.net.1.1": eq("s1.net.1.1").printed, "s1.net.1.2": "1.4",
             "s1.out.1.1": wrong_out, "s1.out.1.2": eq("s1.out.1.2").printed,
             "s1.net.2.1": f"{net_o:.4f}", "s1.out.2.1": "0.1234"}
    assert typed["s1.net.2.1"] != eq("s1.net.2.1").printed
    page_says = dict(_answer(visit, text) for text in typed.values())
    assert list(page_says) == list(typed)
    report = check(demo, typed, only_answered=True)
    checked = {r.id: r.status for r in report.results}
    assert page_says == checked
    assert [page_says[q] for q in typed] == ["right", "right", "wrong", "right",
                                             "follow-through", "wrong"]
    assert _score(visit) == report.marks == 4.0
    counts = {c: visit.page.locator(f'.cr-pr-score [data-count="{c}"]').inner_text()
              for c in ("right", "follow", "wrong", "shown")}
    assert counts == {"right": "3", "follow": "1", "wrong": "2", "shown": "0"}
    # each marked line shows its working, the next ones do not
    working = visit.page.locator(".cr-pr-line .cr-pr-working:not([hidden]) math")
    assert working.count() == len(typed)
    verdict = visit.page.locator('.cr-pr-line[data-eq-id="s1.out.1.1"] .cr-pr-verdict')
    assert "0.7109" in verdict.inner_text()
    shot = (DOCS_IMAGES if os.environ.get("CHAINRULE_SCREENSHOTS") == "1" else tmp_path)
    shot.mkdir(parents=True, exist_ok=True)
    visit.page.evaluate("window.scrollTo(0, document.querySelector('.cr-step').offsetTop"
                        " - 60)")
    visit.page.screenshot(path=str(shot / "practice.png"))
    assert _png_is_not_blank((shot / "practice.png").read_bytes())
    visit.page.locator(".cr-pr-line.cr-current button[data-action='show']").click()
    assert visit.page.locator('.cr-pr-score [data-count="shown"]').inner_text() == "1"
    visit.page.locator(".cr-controls button[data-action='reset']").click()
    assert _score(visit) == 0.0
    assert visit.page.locator(".cr-pr-working:not([hidden])").count() == 0
    assert visit.page.locator(".cr-pr-line.cr-current").get_attribute("data-eq-id") == \
        "s1.net.1.1"
    visit.assert_clean()


def test_a_value_carried_unrounded_from_a_wrong_one_is_follow_through(browser,  # noqa: F811
                                                                       demo_file, demo):
    """The student's out_h1 is 0.810851 (written 0.8109: wrong) and they carry it, and
    out_h2, unrounded into net_o: computed from the written values alone their net_o is off
    by more than half a unit, but it is follow-through, as ``chainrule check`` grades it."""
    visit = Visit(browser, demo_file, width=1200, height=900)
    eq = demo.equation
    mine, out_h2 = 0.810851, eq("s1.out.1.2").value
    w1, w2, b = (eq(q).value for q in ("s1.w.2.1.1", "s1.w.2.2.1", "s1.b.2.1"))
    net_o = f"{w1 * mine + w2 * out_h2 + b:.4f}"
    typed = {"s1.net.1.1": "0.9000", "s1.net.1.2": "1.4000", "s1.out.1.1": f"{mine:.4f}",
             "s1.out.1.2": eq("s1.out.1.2").printed, "s1.net.2.1": net_o}
    from_written = w1 * 0.8109 + w2 * float(typed["s1.out.1.2"]) + b
    assert abs(float(net_o) - from_written) > 0.00005 and net_o != eq("s1.net.2.1").printed
    page_says = dict(_answer(visit, text) for text in typed.values())
    checked = {r.id: r.status for r in check(demo, typed, only_answered=True).results}
    assert page_says == checked
    assert page_says["s1.out.1.1"] == "wrong" and page_says["s1.net.2.1"] == "follow-through"
    visit.assert_clean()


@pytest.mark.parametrize("name", ["demo", *sorted(NETS)])
def test_the_page_evaluates_each_formula_in_intervals_as_python_does(browser, demo_file,  # noqa: F811
                                                                      name):
    """Each asked line's tree, with every reference in the interval the page gives it when
    the line was only shown, evaluated by the page and by ``calculus.evaluate_interval``."""
    from chainrule.calculus.evaluate import evaluate_interval
    from chainrule.derive.marking import key_intervals, widened

    if name == "demo":
        solution = demo_solution()
    else:
        solution = explain(NETS[name], [[1.0, -0.5]], [[0.5]], learning_rate=0.3)
    data = practice_data(solution)
    intervals = key_intervals(solution)
    usable = {q: list(widened(intervals[q], solution.equation(q).decimals))
              for q in solution.equations}
    trees = [line["tree"] for line in data["lines"]]
    visit = Visit(browser, demo_file, width=800, height=600)
    got = visit.page.evaluate(
        "([trees, usable, table]) => trees.map(t => crPractice.evaluate(t, id => usable[id],"
        " table, null))", [trees, usable, data["activations"]])
    for line, ends in zip(data["lines"], got):
        want = evaluate_interval(solution.equation(line["id"]).formula,
                                 lambda q: tuple(usable[q]))
        assert ends == pytest.approx(list(want), rel=1e-12, abs=1e-15), (name, line["id"])
    visit.assert_clean()


def test_follow_through_reaches_the_next_step_through_the_updated_weights(browser, tmp_path):  # noqa: F811
    solution = xor_epoch_solution()
    path = tmp_path / "epoch.html"
    path.write_text(render_practice(solution), encoding="utf-8")
    visit = Visit(browser, path, width=1200, height=900)
    step1 = [line["id"] for line in practice_data(solution)["lines"] if line["step"] == "s1"]
    x = [solution.equation(f"s2.x.{i}").value for i in (1, 2)]
    slipped = f"s1.new.w.1.{x.index(1.0) + 1}.1"  # a weight step 2's input multiplies by 1
    typed = _sheet_of(solution, step1)
    typed[slipped] = f"{solution.equation(slipped).value + 0.1:.4f}"
    for text in typed.values():
        _answer(visit, text)
    # net_h1 of step 2 from the student's own updated weights and step 2's inputs
    value = lambda qid: float(typed[qid])  # noqa: E731
    net = (value("s1.new.w.1.1.1") * x[0] + value("s1.new.w.1.2.1") * x[1]
           + value("s1.new.b.1.1") * 1.0)
    qid, status = _answer(visit, f"{net:.4f}")
    assert qid == "s2.net.1.1" and status == "follow-through", (net, status)
    report = check(solution, {**typed, qid: f"{net:.4f}"}, only_answered=True)
    assert report.result(qid).status == "follow-through"
    assert report.result(slipped).status == "wrong"
    visit.assert_clean()


def _adam_epoch():
    return explain(NETS["tanh_relu"], [[1.0, -0.5], [0.2, 0.9]], [[0.5], [-0.2]],
                   learning_rate=0.1, optimizer="adam", epochs=1)


KEYS = {name: functools.partial(lambda n: bundled(n).solve(), name)
        for name in ("han_kamber", "negnevitsky_xor", "hagan_ch11", "mazur_2015")}
KEYS["adam_epoch"] = _adam_epoch


@pytest.mark.parametrize("name", sorted(KEYS))
def test_the_printed_key_typed_line_by_line_is_marked_as_check_marks_it(browser, tmp_path,  # noqa: F811
                                                                        name):
    """Every printed value typed in order: marked as ``chainrule check`` grades the same
    sheet, value by value and in marks, whatever the convention (rounded carry,
    thresholds, F = e², shared fixed biases, Adam's moments and √v̂); all right, full marks."""
    solution = KEYS[name]()
    path = tmp_path / "key.html"
    path.write_text(render_practice(solution), encoding="utf-8")
    visit = Visit(browser, path, width=1000, height=700)
    lines = practice_data(solution)["lines"]
    classes = visit.page.evaluate("""printed => printed.map(text => {
        const line = document.querySelector('.cr-pr-line.cr-current');
        line.querySelector('input').value = text;
        line.querySelector("button[data-action='check']").click();
        return line.className; })""", [line["printed"] for line in lines])
    page_says = {line["id"]: next(PAGE_STATUS[c] for c in cls.split() if c in PAGE_STATUS)
                 for line, cls in zip(lines, classes)}
    report = check(solution, {line["id"]: line["printed"] for line in lines},
                   only_answered=True)
    assert page_says == {r.id: r.status for r in report.results}
    assert _score(visit) == pytest.approx(report.marks)
    assert "Finished" in visit.page.locator(".cr-pr-total").inner_text()
    assert set(page_says.values()) == {"right"} and report.marks == report.out_of > 0
    visit.assert_clean()


def test_every_activation_of_the_table_evaluates_in_the_page_as_in_python(browser,  # noqa: F811
                                                                          demo_file):
    visit = Visit(browser, demo_file, width=800, height=600)
    table = activation_data(ACTIVATIONS)
    assert list(table) == sorted(ACTIVATIONS)
    points = [-40.0, -3.0, -0.5, -1e-3, 0.0, 1e-3, 0.7, 2.0, 40.0]
    cases = []
    for name, act in ACTIVATIONS.items():
        if not act.elementwise:
            zs = np.array([0.3, -1.2, 2.5])
            cases += [(Call(name, tuple(Const(z) for z in zs), k),
                       float(act.forward(zs, act.alpha)[k])) for k in range(3)]
            continue
        for z in points:
            value = Call(name, (Const(z),))
            slope = Call(name, (Const(z),), derivative=True)
            cases += [(value, act.scalar(z, act.alpha)), (slope, evaluate(slope, None))]
    trees = [formula_tree(node) for node, _ in cases]
    got = visit.page.evaluate(
        "([trees, table]) => trees.map(t => crPractice.evaluate(t, id => [NaN, NaN], table,"
        " null))", [trees, table])
    names = set()
    for (node, want), ends in zip(cases, got):
        for value in ends:  # a point is the interval [x, x]
            assert value is not None and math.isfinite(value), (node, ends)
            assert value == pytest.approx(want, rel=1e-13, abs=1e-15), (node, ends, want)
        names.add(node.fn)
    assert names == set(ACTIVATIONS)
    # over an interval, as chainrule's interval arithmetic bounds it (SiLU falls, then rises)
    boxes = [(-3.0, 1.0), (-3.0, -2.0), (-0.5, 2.0)]
    calls = [(Call(name, (Ref("z"),)), box) for name, act in ACTIVATIONS.items()
             if act.elementwise for box in boxes]
    got = visit.page.evaluate(
        "([cases, table]) => cases.map(([t, box]) => crPractice.evaluate(t, id => box, table,"
        " null))", [[(formula_tree(node), box) for node, box in calls], table])
    for (node, box), ends in zip(calls, got):
        want = evaluate_interval(node, {"z": box}.__getitem__)
        assert ends == pytest.approx(want, rel=1e-13, abs=1e-15), (node.fn, box, ends, want)
    visit.assert_clean()
