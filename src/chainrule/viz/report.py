"""A training run as one offline HTML page: the network, the plots, the final predictions.

The history of a run travels as JSON (:func:`history_json` writes it, :func:`read_history`
reads it)::

    {"history": {"loss": [...], "val_loss": [...], "accuracy": [...]},
     "gradient_norms": {"layer 1": [...], "layer 2": [...]},      (optional)
     "data": {"name": "moons", "seed": 0}}                          (optional)

``data`` names the training data so that ``chainrule report`` can list predictions
without being told again: ``{"name": dataset, "seed": n}`` or ``{"path": file,
"target": column}``. A bare ``{"loss": [...], ...}`` object is read as the history alone.

>>> history, norms, data = read_history_text('{"loss": [0.5, 0.25]}')
>>> history, norms, data
({'loss': [0.5, 0.25]}, None, None)
"""

from __future__ import annotations

import base64
import json
import math
from html import escape
from typing import Any

import numpy as np

from chainrule._util.files import read_text
from chainrule.render._html import page
from chainrule.render._svg import diagram
from chainrule.viz import plots
from chainrule.viz.plots import _output_activation, figure_svg, predicted_classes, target_classes

__all__ = ["report_html", "history_json", "read_history", "read_history_text", "MAX_ROWS"]

#: Rows of the predictions table; the rest are counted, not listed.
MAX_ROWS = 50

CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#1d1d1f;max-width:1200px;margin:0 auto;
padding:0 16px 32px;line-height:1.45}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:24px}
.cr-plots{display:flex;flex-wrap:wrap;gap:16px}.cr-plots figure{margin:0}
.cr-plots img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
pre{background:#f7f7f9;padding:8px;overflow-x:auto;font-size:.85em}
table{border-collapse:collapse;font-size:.88em}
th,td{padding:2px 10px;text-align:right;border-bottom:1px solid #eee}
td{font-variant-numeric:tabular-nums}.cr-wrong{background:#fdecea}
.cr-diagram-wrap svg{max-width:100%;height:auto}
@media print{.cr-plots img{max-width:48%}}
"""


# --- history as JSON -----------------------------------------------------------------------------
def _finite(values: Any) -> list[float | None]:
    return [float(v) if math.isfinite(float(v)) else None for v in values]


def history_json(history: Any, *, gradients: Any = None, data: dict[str, Any] | None = None
                 ) -> str:
    """The JSON text ``chainrule report --history`` reads: ``history`` (a ``History`` or a
    mapping), the per-layer gradient sizes of a ``GradientNorms`` (optional) and a
    description of the training data (optional, e.g. ``{"name": "xor", "seed": 0}``)."""
    record = getattr(history, "history", history)
    out: dict[str, Any] = {"history": {str(k): _finite(v) for k, v in record.items()}}
    norms = getattr(gradients, "norms", gradients)
    if norms:
        out["gradient_norms"] = {str(k): _finite(v) for k, v in norms.items()}
    if data:
        out["data"] = dict(data)
    return json.dumps(out, indent=1, sort_keys=True) + "\n"


def read_history_text(text: str, source: str = "history"
                      ) -> tuple[dict[str, list[float]], dict[str, list[float]] | None,
                                 dict[str, Any] | None]:
    """``(history, gradient norms or None, data description or None)`` from JSON text."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ValueError(f"{source}: nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError(f"{source}: expected a JSON object. Received: {type(record).__name__}")
    if "history" in record:
        history, norms, data = record["history"], record.get("gradient_norms"), record.get("data")
    else:  # a bare {"loss": [...], ...}
        history, norms, data = record, None, None
    checked = {}
    for what, table in (("history", history), ("gradient_norms", norms)):
        if table is None:
            continue
        if not isinstance(table, dict) or not all(isinstance(v, list) for v in table.values()):
            raise ValueError(f"{source}: {what} must map names to lists of numbers")
        try:
            checked[what] = {str(k): [math.nan if v is None else float(v) for v in values]
                             for k, values in table.items()}
        except (TypeError, ValueError):
            raise ValueError(f"{source}: {what} must map names to lists of numbers") from None
    if data is not None and not isinstance(data, dict):
        raise ValueError(f"{source}: data must be an object such as "
                         f'{{"name": "xor", "seed": 0}}. Received: {data!r}')
    return checked.get("history", {}), checked.get("gradient_norms"), data


def read_history(path: Any) -> tuple[dict[str, list[float]], dict[str, list[float]] | None,
                                     dict[str, Any] | None]:
    """:func:`read_history_text` of the file ``path``."""
    return read_history_text(read_text(path), str(path))


# --- the page -------------------------------------------------------------------------------------
def _image(fig: Any, caption: str) -> str:
    data = base64.b64encode(figure_svg(fig).encode("utf-8")).decode("ascii")
    return (f'<figure><img alt="{escape(caption, quote=True)}" '
            f'src="data:image/svg+xml;base64,{data}"><figcaption>{escape(caption)}'
            f"</figcaption></figure>")


def _plots(model: Any, history: Any, x: Any, y: Any, gradients: Any) -> str:
    figures = []
    if history:
        figures.append(_image(plots.plot_history(history), "loss and metrics per epoch"))
    if x is not None and np.ndim(x) == 2 and np.shape(x)[1] == 2:
        figures.append(_image(plots.plot_decision_boundary(model, x, y),
                              "decision regions of the trained model and the training data"))
    if gradients:
        figures.append(_image(plots.plot_gradient_norms(gradients),
                              "size of each layer's loss gradient per epoch"))
    if not figures:
        return ""
    return f'<h2>Plots</h2><div class="cr-plots">{"".join(figures)}</div>'


def _is_classes(y: np.ndarray) -> bool:
    values = set(np.unique(y).tolist())
    return values <= {0.0, 1.0} or values <= {-1.0, 1.0}


def _predictions(model: Any, x: Any, y: Any, names: list[str] | None) -> str:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(len(x), -1)
    out = model.predict(x)
    names = list(names or [f"x{i + 1}" for i in range(x.shape[1])])
    k = y.shape[1]
    targets = ["t"] if k == 1 else [f"t{j + 1}" for j in range(k)]
    outputs = ["y"] if k == 1 else [f"y{j + 1}" for j in range(k)]
    classes = _is_classes(y)
    correct = (predicted_classes(out, _output_activation(model)) == target_classes(y)
               if classes else None)
    head = "".join(f"<th>{escape(h)}</th>" for h in [*names, *targets, *outputs])
    head += "<th>correct</th>" if classes else ""
    rows = []
    for i in range(min(len(x), MAX_ROWS)):
        cells = [f"{v:g}" for v in x[i]] + [f"{v:g}" for v in y[i]] + [f"{v:.4f}" for v in out[i]]
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells)
        cls = ""
        if correct is not None:
            tds += f"<td>{'yes' if correct[i] else 'no'}</td>"
            cls = "" if correct[i] else ' class="cr-wrong"'
        rows.append(f"<tr{cls}>{tds}</tr>")
    more = (f"<p>… {len(x) - MAX_ROWS} more rows not listed.</p>" if len(x) > MAX_ROWS else "")
    summary = (f"<p><strong>{int(correct.sum())}/{len(x)} correct.</strong></p>"
               if correct is not None else "")
    return (f"<h2>Final predictions</h2>{summary}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{more}")


def _final_values(history: dict[str, list[float]]) -> str:
    items = [f"<li>{escape(k)}: {v[-1]:.6g}</li>" for k, v in history.items() if v]
    return f"<h2>After the last epoch</h2><ul>{''.join(items)}</ul>" if items else ""


def report_html(model: Any, *, history: Any = None, x: Any = None, y: Any = None,
                gradients: Any = None, title: str = "Training report",
                feature_names: list[str] | None = None) -> str:
    """A self-contained HTML page for a trained ``model``: its diagram and summary, the
    loss curves of ``history`` (a ``History`` or mapping), the decision regions (2 inputs),
    the gradient sizes per layer (``gradients``: a ``GradientNorms`` or mapping) and the
    predictions on ``x`` against the targets ``y``. Plots are inline SVG images
    (``data:`` URIs); nothing is fetched."""

    record = getattr(history, "history", history) or {}
    norms = getattr(gradients, "norms", gradients) or None
    summary = model.summary(print_fn=None)
    parts = [f"<h1>{escape(title)}</h1>",
             f'<h2>Network</h2><figure class="cr-diagram-wrap">{diagram(model)}</figure>',
             f"<pre>{escape(summary)}</pre>", _final_values(record),
             _plots(model, record, x, y, norms)]
    if x is not None and y is not None:
        parts.append(_predictions(model, x, y, feature_names))
    return page(title, "\n".join(p for p in parts if p), css=CSS)
