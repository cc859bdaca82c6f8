"""The matrix form: its numbers against PyTorch, the scalar form and ``fit``; its renderers,
its CLI and its HTML switch in Chromium."""

from __future__ import annotations

import math
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.calculus import activations as table
from chainrule.cli import main
from chainrule.derive import ids, matrix_numbers
from chainrule.derive.truth import ConsistencyError
from chainrule.layers import Dense
from chainrule.teach.problems.files import bundled

torch = pytest.importorskip("torch")
from test_calculus import torch_activation  # noqa: E402 - PyTorch's twin of each table entry

ROOT = Path(__file__).resolve().parents[1]
SIZES = (3, 4, 3, 2)
ETA = 0.3


def network(name: str, seed: int):
    """A random 3-layer network with ``name`` on every layer (softmax: tanh hidden layers)."""
    rng = np.random.default_rng(seed)
    acts = ("tanh", "tanh", "softmax") if name == "softmax" else (name,) * 3
    layers = [(rng.normal(0, 0.6, (a, b)), rng.normal(0, 0.2, b), act)
              for a, b, act in zip(SIZES, SIZES[1:], acts)]
    x = rng.normal(0, 1, (4, SIZES[0]))
    t = np.eye(2)[[0, 1, 1, 0]] if name == "softmax" else rng.uniform(0, 1, (4, 2))
    loss = "categorical_crossentropy" if name == "softmax" else "half_sse"
    return layers, x, t, loss


def torch_steps(layers, x, t, loss, batch_size):
    """PyTorch's SGD steps over the blocks of ``batch_size`` rows: per step the net inputs,
    outputs, each row's δ = ∂E_r/∂z, the mean gradients and the weights after."""
    params = [(torch.tensor(k, requires_grad=True), torch.tensor(b, requires_grad=True), act)
              for k, b, act in layers]
    optimizer = torch.optim.SGD([p for k, b, _ in params for p in (k, b)], lr=ETA)
    steps = []
    for start in range(0, len(x), batch_size):
        a, nets, outs = torch.tensor(x[start:start + batch_size]), [], []
        target = torch.tensor(t[start:start + batch_size])
        for kernel, bias, act in params:
            z = a @ kernel + bias
            z.retain_grad()
            a = torch_activation(act)(z)
            nets.append(z)
            outs.append(a)
        if loss == "categorical_crossentropy":
            rows = -(target * torch.log_softmax(nets[-1], dim=1)).sum(1)
        else:
            rows = 0.5 * ((target - outs[-1]) ** 2).sum(1)
        optimizer.zero_grad()
        rows.mean().backward()
        k = len(target)
        step = {"E": rows.detach().numpy()[:, None]}
        for layer, (z, out, (kernel, _, _)) in enumerate(zip(nets, outs, params), 1):
            step[("net", layer)] = z.detach().numpy()
            step[("out", layer)] = out.detach().numpy()
            step[("delta", layer)] = z.grad.numpy() * k
            step[("grad.w", layer)] = kernel.grad.numpy().copy()
        optimizer.step()
        for layer, (kernel, bias, _) in enumerate(params, 1):
            step[("new.w", layer)] = kernel.detach().numpy().copy()
            step[("new.b", layer)] = bias.detach().numpy().copy()[None, :]
        steps.append(step)
    return steps


def values(step, name, layer, layout):
    """An equation's result as an array, examples as rows (kernels (in, out))."""
    eq = next(e for e in step.equations if e.id == ids.matrix(step.id, name, layer))
    array = np.array([[entry.value for entry in row] for row in eq.result.rows])
    return array.T if layout == "column" else array


def errors(step, layout):
    """Each example's error, as a column: a mini-batch's E line shows them before the mean."""
    eq = next(e for e in step.equations if e.id == ids.matrix(step.id, "E"))
    shown = next((p.matrix for p in eq.numeric if p.matrix is not None), eq.result)
    array = np.array([[entry.value for entry in row] for row in shown.rows])
    return array.T if layout == "column" else array


CASES = [(name, layout, batch) for name in table.names() for layout in ("column", "row")
         for batch in (None, 2)]


@pytest.mark.parametrize("name,layout,batch", CASES)
def test_matrix_numbers_equal_pytorch_and_the_scalar_form(name, layout, batch):
    layers, x, t, loss = network(name, seed=len(name))
    solution = cr.explain(layers, x, t, learning_rate=ETA, loss=loss, form="matrix",
                          layout=layout, batch_size=batch, convention="layered")
    form = solution.matrix
    assert (form.layout, form.batch_size, form.total) == (layout, batch or 1, 4 // (batch or 1))
    theirs = torch_steps(layers, x, t, loss, batch or 1)
    for step, oracle in zip(form.steps, theirs, strict=True):
        for key, expected in oracle.items():
            got = errors(step, layout) if key == "E" else values(step, *key, layout)
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} {layout} {batch} {step.id} {key}")
    if batch is None:
        _same_as_scalar(solution)
    else:
        _rows_as_single_examples(solution, layers, x, t, loss, layout)


def _same_as_scalar(solution):
    """Each entry with a scalar equation prints as it does and has its value; every net,
    out and δ entry has one."""
    linked = 0
    for step in solution.matrix.steps:
        for eq in step.equations:
            for entry in (e for row in eq.result.rows for e in row):
                scalar = solution.equations.get(entry.id)
                if scalar is None:
                    assert eq.kind not in ("net", "out", "delta"), entry.id
                    continue
                linked += 1
                assert entry.printed == scalar.printed, entry.id
                assert abs(entry.value - scalar.exact) <= 1e-12 * max(1, abs(scalar.exact))
    assert linked > 4 * (4 + 3 + 2) * 3


def _rows_as_single_examples(solution, layers, x, t, loss, layout):
    """Row r of the first mini-batch is example r alone from the same weights: its z, a, δ
    are the scalar equations of a one-example solution."""
    step = solution.matrix.steps[0]
    for r in range(2):
        alone = cr.explain(layers, x[r], t[r], learning_rate=ETA, loss=loss,
                           convention="layered")
        for name in ("net", "out", "delta"):
            for layer in (1, 2, 3):
                row = values(step, name, layer, layout)[r]
                scalar = [alone.equation(f"s1.{name}.{layer}.{j}").exact
                          for j in range(1, len(row) + 1)]
                np.testing.assert_allclose(row, scalar, rtol=1e-12, atol=1e-13)


def sequential(seed=3):
    model = cr.Sequential([Dense(4, activation="tanh", input_dim=3),
                           Dense(3, activation="sigmoid"), Dense(2, activation="linear")],
                          seed=seed)
    model.build(3)
    return model


@pytest.mark.parametrize("layout,size,last_rows", [("column", 3, (4, 5, 6)),
                                                   ("row", 4, (5, 6))])
def test_a_mini_batch_step_is_what_fit_trains(layout, size, last_rows):
    model = sequential()
    rng = np.random.default_rng(5)
    x, t = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    solution = model.explain(x, t, learning_rate=0.2, loss="mse", form="matrix",
                             batch_size=size, layout=layout)
    model.compile(loss="mse", optimizer=cr.optimizers.SGD(learning_rate=0.2))
    model.fit(x, t, epochs=1, batch_size=size, shuffle=False, verbose=0)
    last = solution.matrix.steps[-1]
    assert last.id == "b2" and last.examples == last_rows  # a last, shorter batch: its mean
    dense = [layer for layer in model.layers]
    for layer, trained in enumerate(dense, start=1):
        np.testing.assert_allclose(values(last, "new.w", layer, layout), trained.kernel.data,
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(values(last, "new.b", layer, layout)[0], trained.bias.data,
                                   rtol=1e-12, atol=1e-14)


def test_entries_carry_the_scalar_ids_in_either_layout():
    layers, x, t, _ = network("sigmoid", seed=1)
    for layout, index in (("column", (1, 0)), ("row", (0, 1))):
        solution = cr.explain(layers, x[0], t[0], learning_rate=ETA, form="matrix",
                              layout=layout)
        z1 = solution.matrix.steps[0].equations
        net = next(eq for eq in z1 if eq.id == "s1.M.net.1").result
        assert net.rows[index[0]][index[1]].id == "s1.net.1.2"  # entry (2, 1) ↔ s1.net.1.2
        w = next(eq for eq in z1 if eq.id == "s1.M.w.2").result
        assert w.shape == ((3, 4) if layout == "column" else (4, 3))
    batch = cr.explain(layers, x, t, learning_rate=ETA, form="matrix", batch_size=4)
    z = next(eq for eq in batch.matrix.steps[0].equations if eq.id == "b1.M.net.1").result
    assert z.rows[1][2].id == "b1.r3.net.1.2" == ids.net(ids.batch_row(ids.batch(1), 3), 1, 2)


def test_momentum_threshold_and_the_plus_form_still_match_the_scalar_form():
    layers, x, t, _ = network("sigmoid", seed=2)
    for switches in ({"convention": "fausett", "momentum": 0.5},
                     {"convention": "negnevitsky"}, {"momentum": 0.9, "bias": "threshold"},
                     {"convention": "han"}):
        solution = cr.explain(layers, x, t, learning_rate=ETA, form="matrix", **switches)
        _same_as_scalar(solution)


def test_a_wrong_number_raises_consistency_error(monkeypatch):
    layers, x, t, _ = network("tanh", seed=4)
    fprime, sgd = matrix_numbers._fprime, matrix_numbers._sgd
    monkeypatch.setattr(matrix_numbers, "_fprime", lambda *a: fprime(*a) * (1 + 1e-9))
    with pytest.raises(ConsistencyError, match="delta1"):
        cr.explain(layers, x, t, learning_rate=ETA, form="matrix", batch_size=2)
    monkeypatch.setattr(matrix_numbers, "_fprime", fprime)

    def off(*args):
        params = sgd(*args)
        params.kernels[1] = params.kernels[1] + 1e-9
        return params

    monkeypatch.setattr(matrix_numbers, "_sgd", off)
    with pytest.raises(ConsistencyError, match=r"W2\+"):
        cr.explain(layers, x, t, learning_rate=ETA, form="matrix")


@pytest.mark.parametrize("kwargs,message", [
    ({"form": "tensor"}, "unknown form"),
    ({"form": "matrix", "batch_size": 0}, "batch_size must be an integer from 1"),
    ({"form": "matrix", "batch_size": 5}, "batch_size must be an integer from 1"),
    ({"batch_size": 2}, "batch_size belongs to the matrix form"),
    ({"form": "matrix", "optimizer": "adam"}, "optimizer='adam'"),
    ({"form": "matrix", "hidden_delta_weights": "after"}, "hidden_delta_weights"),
    ({"form": "matrix", "batch_size": 2, "carry": "rounded"}, "carry='rounded'"),
    ({"form": "matrix", "layout": "diagonal"}, "layout='diagonal'"),
])
def test_refusals_name_the_value(kwargs, message):
    layers, x, t, _ = network("sigmoid", seed=6)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        cr.explain(layers, x, t, learning_rate=ETA, **kwargs)


# --- renderers ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def batch_solution():
    layers, x, t, _ = network("sigmoid", seed=7)
    return cr.explain(layers, x, t, learning_rate=ETA, form="matrix", batch_size=2,
                      title="Mini-batch & <matrices>")


def test_text_aligns_matrices_in_brackets():
    solution = cr.explain([([[0.1, 0.2], [0.3, 0.4]], [0.1, 0.1], "sigmoid")], [1, 0],
                          [1, 0], learning_rate=ETA, form="matrix")
    text = solution.to_text()
    # z = W x + b with W = kernelᵀ: (0.1·1 + 0.3·0 + 0.1, 0.2·1 + 0.4·0 + 0.1) = (0.2, 0.3)
    assert ("    z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾\n"
            "         = ⎡0.1  0.3⎤⎡1⎤ + ⎡0.1⎤\n"
            "           ⎣0.2  0.4⎦⎣0⎦   ⎣0.1⎦\n"
            "         = ⎡0.2000⎤\n"
            "           ⎣0.3000⎦\n") in text
    assert str(solution) == text


def test_json_validates_and_latex_compiles(batch_solution, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "worked-solution.schema.json").read_text("utf-8"))
    doc = json.loads(batch_solution.to_json())
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert "; mini-batches of 2 (the mean gradient of each)" in batch_solution.to_text()
    first = doc["matrix"]["steps"][0]["equations"]
    z = next(eq for eq in first if eq["id"] == "b1.M.net.1")["result"]
    assert z["shape"] == [4, 2] and z["ids"][0][1] == "b1.r2.net.1.1"
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-recommended)")
    (tmp_path / "m.tex").write_text(batch_solution.to_latex(), encoding="utf-8")
    done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "m.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "m.pdf").stat().st_size > 1000


@pytest.mark.parametrize("fmt,marker", [
    ("text", "z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾"), ("markdown", r"\begin{bmatrix}"),
    ("latex", r"\begin{bmatrix}"), ("json", '"matrix": {'), ("html", "data-cr-matrix"),
])
def test_cli_form_matrix_in_every_format(capsys, fmt, marker):
    assert main(["explain", "blog_xor", "--form", "matrix", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert marker in out
    if fmt != "html":
        assert "0.7109" in out  # out_h1 = σ(0.9), the blog step's first hidden output


def test_cli_row_layout_and_the_notebook_display(capsys):
    assert main(["explain", "blog_xor", "--form", "matrix", "--layout", "row",
                 "--batch-size", "1"]) == 0
    out = capsys.readouterr().out
    assert "z⁽¹⁾ = xW⁽¹⁾ + b⁽¹⁾" in out and "row layout" in out
    solution = bundled("blog_xor").solve(form="matrix")
    assert "data-cr-matrix" in solution._repr_html_()
    assert r"\begin{bmatrix}" in solution._repr_markdown_()


@pytest.mark.parametrize("argv", [
    ["--form", "tensor"], ["--form", "matrix", "--batch-size", "0"],
    ["--form", "matrix", "--batch-size", "two"], ["--batch-size", "1"],
    ["--form", "matrix", "--layout", "diagonal"],
])
def test_cli_bad_form_values_are_one_line_and_exit_2(capsys, argv):
    assert main(["explain", "blog_xor", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured.err


def test_html_switch_and_links_in_chromium(tmp_path):
    from test_viz_html import CHROMIUM, FLAGS, Visit, _browser_or_skip

    sync_playwright = _browser_or_skip()
    solution = bundled("blog_xor").solve(form="matrix")  # the demo's step: 2-2-1, x = (1, 0)
    path = tmp_path / "matrix.html"
    path.write_text(solution.to_html(), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        visit = Visit(browser, path, width=1300, height=900)
        page = visit.page
        assert page.is_visible("[data-cr-matrix]") and not page.is_visible(".cr-equations")
        shot = (ROOT / "docs" / "images" / "matrix.png"
                if os.environ.get("CHAINRULE_SCREENSHOTS") == "1" else tmp_path / "matrix.png")
        page.screenshot(path=str(shot))
        page.click('.cr-form-switch button[data-form="scalar"]')
        assert page.is_visible(".cr-equations") and not page.is_visible("[data-cr-matrix]")
        page.click('.cr-form-switch button[data-form="matrix"]')
        page.click('[data-cr-matrix] a[data-eq-id="s1.net.1.2"]')
        assert page.is_visible(".cr-equations")
        linked = page.eval_on_selector_all(".cr-linked", "els => els.map(e => e.dataset.eqId)")
        assert linked == ["s1.net.1.2"]
        visit.assert_clean()
        browser.close()
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(set(data[100:2000])) > 20


def test_a_mini_batch_prints_by_the_conventions_significant_figures():
    """Hagan's profile prints 3 decimals but keeps 3 significant figures (−0.0495): the
    batch form's computed entries follow the same rule as the scalar form's lines."""
    layers, x, t, _ = network("sigmoid", seed=3)
    solution = cr.explain(layers, x[:2], t[:2], learning_rate=0.5, form="matrix",
                          batch_size=2, convention="hagan")
    checked = 0
    for step in solution.matrix.steps:
        for eq in step.equations:
            if eq.phase not in ("backward", "update"):
                continue
            for entry in (e for row in eq.result.rows for e in row):
                if entry.value == 0 or abs(entry.value) >= 1:
                    continue
                decimals = len(entry.printed.split(".")[1]) if "." in entry.printed else 0
                wanted = max(3, 3 - 1 - math.floor(math.log10(abs(entry.value))))
                assert decimals >= min(wanted, 15), (eq.id, entry.id, entry.printed)
                checked += 1
    assert checked > 10
