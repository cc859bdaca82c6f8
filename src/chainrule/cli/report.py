"""``chainrule report``: a saved training run as one offline HTML page."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import chainrule as cr
from chainrule import data
from chainrule._util.files import check_output, write_text_atomic
from chainrule.cli.train import history_path, load_data
from chainrule.viz.report import read_history, report_html


def _data_file(name: str, history_file: str | None) -> str | None:
    """The file ``name`` stands for: an absolute path as it is; a relative one in the
    history file's folder first (where a hand-written history's data usually lies), then in
    the current folder. None if neither holds it."""
    path = Path(name)
    places = [path] if path.is_absolute() else (
        ([Path(history_file).parent / path] if history_file else []) + [path])
    return next((str(p) for p in places if p.is_file()), None)


def _data(args: argparse.Namespace, spec: dict[str, Any] | None,
          history_file: str | None) -> tuple[Any, Any, Any]:
    """(x, y, feature names) from --data, else from the history's data description;
    (None, None, None) when neither names data."""

    spec = dict(spec or {})
    name = args.data or spec.get("name") or spec.get("path")
    if not name:
        return None, None, None
    name = str(name)
    seed = args.seed if args.seed is not None else int(spec.get("seed", 0))
    found = name if name.lower() in data.DATASETS else _data_file(
        name, None if args.data else history_file)
    if found is None:
        where = "" if args.data or not history_file else (
            f" (looked in {str(Path(history_file).parent) or '.'!r} and the current folder)")
        raise FileNotFoundError(f"data: no dataset or file named {name!r}{where}; datasets "
                                "are " + ", ".join(sorted(data.DATASETS)))
    return load_data(found, args.target or spec.get("target"), seed)


def _existing(path: str, option: str = "") -> str:
    """``path`` if it is a file; else a one-line error naming it (after ``option``)."""
    if Path(path).is_file():
        return path
    what = "not a file" if Path(path).exists() else "no such file"
    raise ValueError(f"{option}{path}: {what}")


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("matplotlib") is None:
        raise ValueError("chainrule report draws its plots with matplotlib, which is not "
                         "installed: pip install 'chainrule[plot]'")
    inputs = [p for p in (args.run, args.history, args.data) if p and os.path.isfile(p)]
    check_output(args.output, inputs)
    model = cr.load(_existing(args.run))
    history_file = args.history
    if history_file is None and os.path.isfile(history_path(args.run)):
        history_file = history_path(args.run)
    if history_file is not None:
        history, norms, spec = read_history(_existing(history_file, "--history "))
    else:
        history, norms, spec = {}, None, None
    try:
        x, y, names = _data(args, spec, history_file)
    except FileNotFoundError as exc:
        if args.data:  # asked for by name: a mistake to report, not to work around
            raise ValueError(str(exc)) from None
        # the history's data has moved: the rest of the report is still worth having
        print(f"chainrule report: {exc}; the page has no predictions table", file=sys.stderr)
        x, y, names = None, None, None
    title = args.title or f"Training report: {Path(args.run).name}"
    text = report_html(model, history=history, x=x, y=y, gradients=norms, title=title,
                       feature_names=names)
    write_text_atomic(args.output, text, inputs=inputs)
    print(f"wrote {args.output}")
    return 0
