"""Training plots for XOR and moons (fixed seeds): what is drawn is what the model says.

Oracles: ``model.predict`` on the plotted grid for the decision regions, the History's own
numbers for the curves, central finite differences of the loss for the gradient sizes.
The PNG of every plot is kept under ``build/artifacts/plots`` to be looked at.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is needed for the plots (extra 'plot')")

import chainrule as cr  # noqa: E402
from chainrule.nn.layers import Dense  # noqa: E402
from chainrule.viz import plots  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "artifacts" / "plots"


def train(name: str):
    """A small model trained on ``name`` with a fixed seed, with its History and the
    gradient sizes recorded each epoch."""
    norms = plots.GradientNorms()
    if name == "xor":
        x, y = cr.datasets.xor()
        model = cr.Sequential([Dense(2, activation="sigmoid", input_dim=2),
                               Dense(1, activation="sigmoid")], seed=0)
        model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(learning_rate=2.0),
                      metrics=["accuracy"])
        history = model.fit(x, y, epochs=600, batch_size=1, verbose=0, seed=0,
                            callbacks=[norms])
    else:
        x, y = cr.datasets.moons(seed=0)
        model = cr.Sequential([Dense(8, activation="tanh", input_dim=2),
                               Dense(1, activation="sigmoid")], seed=0)
        model.compile(loss="binary_crossentropy", metrics=["accuracy"],
                      optimizer=cr.optimizers.Adam(learning_rate=0.02))
        history = model.fit(x, y, epochs=120, batch_size=32, verbose=0, seed=0,
                            validation_split=0.2, callbacks=[norms])
    return model, history, norms, x, y


@pytest.fixture(scope="module", params=["xor", "moons"])
def run(request):
    return (request.param, *train(request.param))


def test_the_runs_learn_their_task(run):
    name, model, history, _, x, y = run
    correct = plots.predicted_classes(model.predict(x)) == plots.target_classes(y)
    # XOR: all four; moons (noise 0.1): the two half circles are separable
    assert correct.mean() >= (1.0 if name == "xor" else 0.97), (name, correct.mean())


def test_decision_regions_are_model_predict_on_the_plotted_grid(run):
    name, model, _, _, x, y = run
    fig = plots.plot_decision_boundary(model, x, y, resolution=80)
    image = fig.axes[0].images[0]
    shown = np.asarray(image.get_array())
    left, right, bottom, top = image.get_extent()
    rows, cols = shown.shape
    # pixel centres, rebuilt from what matplotlib was given, then classified independently
    cx = left + (np.arange(cols) + 0.5) * (right - left) / cols
    cy = bottom + (np.arange(rows) + 0.5) * (top - bottom) / rows
    gx, gy = np.meshgrid(cx, cy)
    out = model.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    expected = (out[:, 0] > 0.5).astype(int).reshape(rows, cols)
    disagree = int(np.sum(shown != expected))
    assert disagree == 0, f"{name}: {disagree} of {shown.size} pixels differ from predict"
    assert 0 < expected.mean() < 1, f"{name}: the plot shows a single class"
    # the grid covers every training point
    assert left < x[:, 0].min() and right > x[:, 0].max()
    assert bottom < x[:, 1].min() and top > x[:, 1].max()
    xx, yy, classes = plots.decision_grid(model, x, resolution=80)
    assert np.allclose(xx, gx) and np.allclose(yy, gy) and np.array_equal(classes, expected)


def test_curves_are_the_history_numbers(run):
    name, _, history, _, _, _ = run
    fig = plots.plot_history(history)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy"], titles
    for ax, key in zip(fig.axes, ("loss", "accuracy")):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert np.array_equal(lines["training"].get_ydata(), history.history[key])
        assert list(lines["training"].get_xdata()) == list(range(1, len(history.epoch) + 1))
        if name == "moons":
            assert lines["validation"].get_linestyle() == "--"
            assert np.array_equal(lines["validation"].get_ydata(), history.history["val_" + key])
        else:
            assert "validation" not in lines


def test_gradient_sizes_are_recorded_every_epoch_and_plotted(run):
    _, _, history, norms, _, _ = run
    assert set(norms.norms) == {"layer 1", "layer 2"}
    assert all(len(v) == len(history.epoch) for v in norms.norms.values())
    fig = plots.plot_gradient_norms(norms)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    for line in ax.get_lines():
        assert np.array_equal(line.get_ydata(), norms.norms[line.get_label()])


def test_gradient_size_equals_finite_differences_of_the_loss():
    x, y = cr.datasets.xor()
    model = cr.Sequential([Dense(3, activation="tanh", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=3)
    model.compile(loss="half_sse", optimizer="sgd")
    model.build(2)
    norms = plots.layer_gradient_norms(model, x, y)
    weights = model.get_weights()
    h = 1e-6
    for layer, (k, b) in enumerate(((0, 1), (2, 3)), start=1):
        grads = []
        for index in (k, b):
            for flat in range(weights[index].size):
                values = []
                for sign in (1, -1):
                    moved = [w.copy() for w in weights]
                    moved[index].reshape(-1)[flat] += sign * h
                    model.set_weights(moved)
                    values.append(float(model.compute_loss(x, y).data))
                grads.append((values[0] - values[1]) / (2 * h))
        model.set_weights(weights)
        expected = float(np.linalg.norm(grads))
        got = norms[f"layer {layer}"]
        assert abs(got - expected) <= 1e-7 * max(1.0, expected), (layer, got, expected)
    assert all(w.grad is None or not np.any(w.grad) for w in model.trainable_weights)


def test_vanishing_gradients_show_in_a_deep_sigmoid_stack():
    x, y = cr.datasets.moons(n=64, seed=0)
    model = cr.Sequential([Dense(8, activation="sigmoid", input_dim=2)]
                          + [Dense(8, activation="sigmoid") for _ in range(5)]
                          + [Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.SGD(learning_rate=0.1))
    norms = plots.GradientNorms()
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, seed=0, callbacks=[norms])
    first, last = norms.norms["layer 1"][-1], norms.norms["layer 7"][-1]
    # each sigmoid multiplies the backward signal by at most 1/4
    assert first < last / 50, (first, last)
    save = ARTIFACTS / "deep_sigmoid"
    save.mkdir(parents=True, exist_ok=True)
    plots.save_figure(plots.plot_gradient_norms(norms), save / "gradients.png")


def test_write_training_plots_writes_png_and_svg_files(run, tmp_path):
    name, model, history, norms, x, y = run
    paths = plots.write_training_plots(model, history, x, y, tmp_path / name, gradients=norms)
    assert [p.name for p in paths] == ["loss.png", "loss.svg", "decision_boundary.png",
                                       "decision_boundary.svg", "gradients.png",
                                       "gradients.svg"]
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".png":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
    # kept for people to look at
    keep = plots.write_training_plots(model, history, x, y, ARTIFACTS / name,
                                      gradients=norms, formats=("png",))
    assert all(p.stat().st_size > 5000 for p in keep)


def test_saved_figures_are_byte_identical(run, tmp_path):
    _, _, history, _, _, _ = run
    for suffix in (".png", ".svg"):
        a = plots.save_figure(plots.plot_history(history), tmp_path / f"a{suffix}")
        b = plots.save_figure(plots.plot_history(history), tmp_path / f"b{suffix}")
        assert a.read_bytes() == b.read_bytes(), suffix
    assert a.read_text(encoding="utf-8")[a.read_text().index("<svg"):] == plots.figure_svg(
        plots.plot_history(history))


def test_a_figure_that_fails_half_written_leaves_the_old_file(tmp_path):
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    path = tmp_path / "loss.png"
    path.write_bytes(b"old plot")
    real = fig.savefig

    def half(handle, **kwargs):
        handle.write(b"\x89PNG half")
        raise RuntimeError("renderer died")

    fig.savefig = half
    with pytest.raises(RuntimeError, match="renderer died"):
        plots.save_figure(fig, path)
    assert path.read_bytes() == b"old plot"
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]  # no temporary file left
    fig.savefig = real
    plots.save_figure(fig, path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(FileNotFoundError, match="folder .*nosuch.* does not exist"):
        plots.save_figure(fig, tmp_path / "nosuch" / "loss.png")


def test_bad_arguments_name_what_was_received(tmp_path):
    model = cr.Sequential([Dense(1, input_dim=3)], seed=0)
    with pytest.raises(ValueError, match=r"2 input features.*\(4, 3\)"):
        plots.decision_grid(model, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="resolution"):
        plots.decision_grid(model, np.zeros((4, 2)), resolution=1)
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    with pytest.raises(ValueError, match=r"\.png or \.svg.*plot\.jpg"):
        plots.save_figure(fig, tmp_path / "plot.jpg")
    with pytest.raises(ValueError, match="empty history"):
        plots.plot_history({})
    with pytest.raises(ValueError, match="GradientNorms"):
        plots.plot_gradient_norms({})


def test_classes_from_outputs_and_targets():
    assert plots.predicted_classes(np.array([[-0.2], [0.3]]), "tanh").tolist() == [0, 1]
    assert plots.predicted_classes(np.array([[0.3], [0.6]]), "sigmoid").tolist() == [0, 1]
    assert plots.target_classes(np.array([[-1.0], [1.0]])).tolist() == [0, 1]
    assert plots.target_classes(np.array([[0, 0, 1], [1, 0, 0]])).tolist() == [2, 0]


def test_diagrams_and_pages_do_not_import_matplotlib():
    code = ("import sys, numpy as np\n"
            "from chainrule import viz\n"
            "from chainrule.derive import explain\n"
            "s = explain([([[0.5]], [0.0], 'sigmoid')], [1.0], [1.0], learning_rate=0.5)\n"
            "viz.diagram(s); viz.render_html(s)\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
