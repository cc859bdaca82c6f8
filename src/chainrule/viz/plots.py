"""Training plots with matplotlib: loss curves, decision boundaries, gradient sizes per layer.

matplotlib is imported only when a plot is made, and only its object-oriented API is used
(``matplotlib.figure.Figure`` and ``savefig``): no pyplot, no global figure state, no GUI
backend — it renders headless with Agg, and a notebook's own backend is left alone.
Every function returns a ``Figure``; :func:`save_figure` writes PNG or SVG by suffix.

>>> import numpy as np
>>> predicted_classes(np.array([[0.2], [0.7]])).tolist()
[0, 1]
>>> predicted_classes(np.array([[0.1, 0.9], [0.8, 0.2]])).tolist()
[1, 0]
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._util.files import atomic_writer
from chainrule.nn.callbacks import Callback

__all__ = [
    "plot_history", "decision_grid", "predicted_classes", "target_classes",
    "plot_decision_boundary", "GradientNorms", "layer_gradient_norms", "plot_gradient_norms",
    "save_figure", "figure_svg", "write_training_plots",
]

BIPOLAR = ("tanh", "bipolar_sigmoid")
CLASS_COLOURS = ("#2b6cb0", "#c0392b", "#2f855a", "#b7791f", "#6b46c1", "#2c7a7b")
REGION_COLOURS = ("#dbe8f7", "#f8dcd8", "#d9f0e1", "#f8ecd2", "#e6dcf7", "#d5eeee")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _epoch_axis(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.25


# --- loss and metric curves -------------------------------------------------------------------
def _history_dict(history: Any) -> dict[str, list[float]]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise ValueError("history must be a History or a mapping of name -> per-epoch values. "
                         f"Received: {type(history).__name__}")
    return {str(k): [float(v) for v in values] for k, values in data.items()}


def plot_history(history: Any, *, title: str | None = None) -> Any:
    """Loss and metric curves of a ``History`` (or ``{"loss": [...], "val_loss": [...]}``):
    one panel per quantity, training solid and validation dashed. The loss axis is
    logarithmic when the loss spans more than a factor of 20."""
    data = _history_dict(history)
    names = [k for k in data if not k.startswith("val_")]
    names += [k[4:] for k in data if k.startswith("val_") and k[4:] not in names]
    names.sort(key=lambda k: k != "loss")  # the loss first, the rest as recorded
    if not names:
        raise ValueError("history holds no values to plot. Received: an empty history")
    fig = _figure(4.6 * len(names), 3.4)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, style, label in ((name, "-", "training"), ("val_" + name, "--", "validation")):
            values = data.get(key)
            if values:
                ax.plot(range(1, len(values) + 1), values, style, label=label, linewidth=1.6)
        ax.set_title(name.replace("_", " "))
        _epoch_axis(ax)
        ax.grid(True, alpha=0.3)
        values = [v for k in (name, "val_" + name) for v in data.get(k, ())]
        positive = [v for v in values if v > 0]
        if name == "loss" and len(positive) == len(values) and values \
                and max(values) > 20 * min(values):
            ax.set_yscale("log")
        ax.legend(loc="best", fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


# --- decision boundary ------------------------------------------------------------------------
def _output_activation(model: Any) -> str:
    for layer in reversed(getattr(model, "layers", [])):
        activation = getattr(layer, "activation", None)
        if isinstance(activation, str):
            return activation
    return "linear"


def predicted_classes(outputs: np.ndarray, activation: str = "sigmoid") -> np.ndarray:
    """Class per row of ``outputs`` (n, K): argmax for K > 1; for one output, 1 where it
    exceeds 0.5 (0 for ``tanh`` / ``bipolar_sigmoid``, whose targets are ±1)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[1] > 1:
        return np.argmax(outputs, axis=1)
    threshold = 0.0 if activation in BIPOLAR else 0.5
    return (outputs[:, 0] > threshold).astype(np.intp)


def target_classes(y: np.ndarray) -> np.ndarray:
    """Class per row of targets ``y``: argmax of one-hot rows; for one column, 1 where it
    exceeds 0.5 (0 when some target is negative: ±1 targets)."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return (y[:, 0] > (0.0 if np.any(y < 0) else 0.5)).astype(np.intp)


def decision_grid(model: Any, x: Any, *, resolution: int = 200, padding: float = 0.25
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's class on a ``resolution`` × ``resolution`` grid over the inputs ``x``
    (n, 2), widened by ``padding`` × their range on each side.

    Returns ``(xx, yy, classes)``, each (resolution, resolution): grid point ``[r, c]``
    is ``(xx[r, c], yy[r, c])`` and ``classes[r, c]`` the class ``model.predict`` gives
    it (see :func:`predicted_classes`).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError("a decision boundary needs 2 input features, x of shape (n, 2). "
                         f"Received: shape {x.shape}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2. Received: {resolution!r}")
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = np.where(hi > lo, padding * (hi - lo), 0.5)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    outputs = model.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    classes = predicted_classes(outputs, _output_activation(model)).reshape(xx.shape)
    return xx, yy, classes


def plot_decision_boundary(model: Any, x: Any, y: Any, *, resolution: int = 200,
                           title: str | None = None) -> Any:
    """The model's class regions over the plane of a 2-input model, with the training
    points ``x`` (n, 2) coloured by their target class ``y``. The regions are one image
    whose pixel centres are exactly the points of :func:`decision_grid`."""
    from matplotlib.colors import ListedColormap

    xx, yy, classes = decision_grid(model, x, resolution=resolution)
    labels = target_classes(y)
    k = max(int(classes.max()), int(labels.max()), 1) + 1
    dx, dy = xx[0, 1] - xx[0, 0], yy[1, 0] - yy[0, 0]
    fig = _figure(5.2, 4.6)
    ax = fig.subplots()
    ax.imshow(classes, origin="lower", interpolation="nearest", aspect="auto",
              cmap=ListedColormap(REGION_COLOURS[:k]), vmin=-0.5, vmax=k - 0.5,
              extent=(xx[0, 0] - dx / 2, xx[0, -1] + dx / 2, yy[0, 0] - dy / 2,
                      yy[-1, 0] + dy / 2))
    x = np.asarray(x, dtype=np.float64)
    for c in range(k):
        mask = labels == c
        if np.any(mask):
            ax.scatter(x[mask, 0], x[mask, 1], s=26, color=CLASS_COLOURS[c % 6],
                       edgecolors="#222", linewidths=0.6, label=f"class {c}", zorder=3)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.9)
    accuracy = float(np.mean(predicted_classes(model.predict(x), _output_activation(model))
                             == labels))
    ax.set_title(title or f"decision boundary (training accuracy {accuracy:.0%})")
    return fig


# --- gradient size per layer ------------------------------------------------------------------
def layer_gradient_norms(model: Any, x: Any, y: Any) -> dict[str, float]:
    """‖∂L/∂θ‖₂ per layer with weights, L the mean loss over ``(x, y)`` (what ``fit``
    minimises) and θ the layer's kernel and bias together; computed by the engine's
    ``backward()``. Keys: ``"layer 1"``, ``"layer 2"``, … (layers with weights, from 1).
    The parameters' ``grad`` are left as they were."""
    params = model.trainable_weights
    saved = [w.grad for w in params]
    for w in params:
        w.zero_grad()
    try:
        model.compute_loss(x, y).backward()
        norms = {}
        number = 0
        for layer in model.layers:
            if not layer.weights:
                continue
            number += 1
            total = sum(float(np.sum(w.grad * w.grad)) for w in layer.weights
                        if w.grad is not None)
            norms[f"layer {number}"] = math.sqrt(total)
    finally:
        for w, grad in zip(params, saved):
            w.grad = grad
    return norms


class GradientNorms(Callback):
    """Records :func:`layer_gradient_norms` on the training data at the end of each epoch,
    so vanishing gradients in a deep sigmoid stack show in :func:`plot_gradient_norms`.

    Attributes:
        norms: ``"layer l"`` → one value per epoch.
        epochs: the epochs recorded (from 0).

    Args:
        x, y: data to measure on; default the data ``fit`` trains on.

    >>> GradientNorms().norms
    {}
    """

    def __init__(self, x: Any = None, y: Any = None) -> None:
        super().__init__()
        self.data = None if x is None else (x, y)
        self.norms: dict[str, list[float]] = {}
        self.epochs: list[int] = []

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self.norms, self.epochs = {}, []

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        data = self.data or self.training_data
        if data is None:
            return
        for name, value in layer_gradient_norms(self.model, *data).items():
            self.norms.setdefault(name, []).append(value)
        self.epochs.append(epoch)


def plot_gradient_norms(norms: Any, *, title: str | None = None) -> Any:
    """One line per layer: the size of its loss gradient at the end of each epoch, on a
    log scale (``norms``: a :class:`GradientNorms` or ``{"layer 1": [...], ...}``)."""
    data = getattr(norms, "norms", norms)
    if not isinstance(data, Mapping) or not data:
        raise ValueError("norms must be a GradientNorms or a non-empty mapping of layer -> "
                         f"values. Received: {norms!r}")
    fig = _figure(5.6, 3.6)
    ax = fig.subplots()
    for name, values in data.items():
        values = np.asarray(values, dtype=np.float64)
        shown = np.where(values > 0, values, np.nan)  # log scale: an exact 0 has no place
        ax.plot(range(1, len(values) + 1), shown, label=str(name), linewidth=1.6)
    ax.set_yscale("log")
    _epoch_axis(ax)
    ax.set_ylabel("‖∂L/∂θ‖ of the layer")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title or "gradient size per layer")
    return fig


# --- output -----------------------------------------------------------------------------------
_SVG_CONTEXT = {"svg.hashsalt": "chainrule", "svg.fonttype": "path"}


def save_figure(fig: Any, path: Any) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG (by its suffix), atomically: a reader sees
    the old file or the whole new one. The same figure gives the same bytes. Returns the
    path."""
    import matplotlib

    path = Path(path)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        raise ValueError(f"plots are written as .png or .svg. Received: {str(path)!r}")
    metadata = {"Date": None} if kind == "svg" else {"Software": None}
    with matplotlib.rc_context(_SVG_CONTEXT), atomic_writer(path, "wb") as handle:
        fig.savefig(handle, format=kind, dpi=110, metadata=metadata)
    return path


def figure_svg(fig: Any) -> str:
    """``fig`` as SVG text, from its ``<svg`` tag on (for inlining in a page)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_SVG_CONTEXT):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def write_training_plots(model: Any, history: Any, x: Any, y: Any, directory: Any, *,
                         gradients: Any = None, formats: Sequence[str] = ("png", "svg")
                         ) -> list[Path]:
    """Write the plots of a training run into ``directory`` (created if missing), each in
    every format of ``formats``: ``loss`` (from ``history``), ``decision_boundary`` (when
    ``x`` has 2 columns) and ``gradients`` (when ``gradients``, a :class:`GradientNorms`
    passed to ``fit``, recorded any). Returns the paths written, in that order."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    figures = [("loss", plot_history(history))]
    if np.ndim(x) == 2 and np.shape(x)[1] == 2:
        figures.append(("decision_boundary", plot_decision_boundary(model, x, y)))
    data = getattr(gradients, "norms", gradients)
    if data:
        figures.append(("gradients", plot_gradient_norms(data)))
    paths = []
    for name, fig in figures:
        for kind in formats:
            paths.append(save_figure(fig, directory / f"{name}.{kind}"))
    return paths
