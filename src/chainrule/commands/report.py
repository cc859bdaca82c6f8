"""``chainrule report``: a saved training run as one offline HTML page."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

HELP = "turn a saved model (train --save) and its history into an HTML page with plots"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "report", help=HELP, description=HELP + ": the network, loss curves, the decision "
        "regions of a 2-input model, gradient sizes per layer and the final predictions. "
        "The page fetches nothing.",
    )
    p.add_argument("run", metavar="RUN.npz", help="a model saved by chainrule train --save")
    p.add_argument("--history", metavar="HISTORY.json",
                   help="the run's history (default: RUN.history.json when it exists, as "
                   "chainrule train --save writes it)")
    p.add_argument("--data", help="the training data, to list predictions: a dataset name "
                   "or a .csv/.npy/.npz file (default: the one the history names)")
    p.add_argument("--target", help="the target column of a CSV file (default: the last)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of a generated dataset (default: the history's, else 0)")
    p.add_argument("--title", default=None, help="the page's title")
    p.add_argument("-o", "--output", default="report.html",
                   help="where to write the page (default: report.html)")


def _data(args: argparse.Namespace, spec: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """(x, y, feature names) from --data, else from the history's data description."""
    from chainrule import data

    spec = dict(spec or {})
    name = args.data or spec.get("name") or spec.get("path")
    if not name:
        return None, None, None
    seed = args.seed if args.seed is not None else int(spec.get("seed", 0))
    if str(name).lower() in data.DATASETS:
        x, y = data.load(str(name).lower(), seed=seed)
        return x, y, [f"x{i + 1}" for i in range(x.shape[1])]
    if not os.path.exists(name):
        raise ValueError(f"data: no dataset or file named {name!r}; datasets are "
                         + ", ".join(sorted(data.DATASETS)))
    x, y, info = data.load_file(name, args.target or spec.get("target"))
    return x, y, list(info.features)


def run(args: argparse.Namespace) -> int:
    import chainrule as cr
    from chainrule.viz.report import read_history, report_html

    model = cr.load(args.run)
    from chainrule.commands.train import history_path

    history_file = args.history
    if history_file is None and os.path.exists(history_path(args.run)):
        history_file = history_path(args.run)
    history, norms, spec = ({}, None, None) if not history_file else read_history(history_file)
    x, y, names = _data(args, spec)
    title = args.title or f"Training report: {Path(args.run).name}"
    text = report_html(model, history=history, x=x, y=y, gradients=norms, title=title,
                       feature_names=names)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
