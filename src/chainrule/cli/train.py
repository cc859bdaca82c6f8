"""``chainrule train``: train a Dense network on a toy dataset or a data file."""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import warnings
from typing import Any

import chainrule as cr
from chainrule import data
from chainrule._util.files import check_output, write_text_atomic
from chainrule._util.text import counted
from chainrule.cli.parsers import ONLINE_UP_TO
from chainrule.nn.callbacks import StopWhenCorrect
from chainrule.nn.layers import Dense
from chainrule.viz import GradientNorms, history_json, write_training_plots

TABLE_ROWS = 16  # rows of the results table printed after training


def load_data(name: str, target: str | None, seed: int) -> tuple[Any, Any, list[str]]:
    """(x, y, feature names) from a dataset name or a file."""
    if name.lower() in data.DATASETS:
        x, y = data.load(name.lower(), seed=seed)
        return x, y, [f"x{i + 1}" for i in range(x.shape[1])]
    if not os.path.exists(name):
        raise ValueError(
            f"data: no dataset or file named {name!r}; datasets are "
            + ", ".join(sorted(data.DATASETS))
        )
    x, y, info = data.load_file(name, target)
    return x, y, list(info.features)


def output_activation(choice: str, loss: str, y: Any) -> str:
    if choice != "auto":
        return choice
    if loss == "categorical_crossentropy":
        return "softmax"
    if y.min() >= 0 and y.max() <= 1:
        return "sigmoid"
    if y.min() >= -1 and y.max() <= 1:
        return "tanh"
    return "linear"


def check_memory(sizes: list[int], rows: int) -> None:
    """Refuse, before any array is made, a network whose float64 arrays would not fit in half
    the machine's memory: the weights four times over (weights, gradients, two optimizer
    slots) and three arrays per layer for ``rows`` examples (net, output, gradient)."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not a system that says
        return
    params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    needed = 8 * (4 * params + 3 * rows * sum(sizes))
    if needed > memory // 2:
        raise ValueError(f"a {'-'.join(map(str, sizes))} network on {counted(rows, 'row')} "
                         f"needs about {needed / 1e9:.1f} GB, more than half of this machine's "
                         f"memory ({memory / 1e9:.1f} GB); use fewer or smaller layers "
                         "(--hidden)")


def build_model(args: argparse.Namespace, x: Any, y: Any) -> Any:
    check_memory([x.shape[1], *args.hidden, y.shape[1]], len(x))
    hidden = [Dense(w, activation=args.activation) for w in args.hidden]
    out = Dense(y.shape[1], activation=output_activation(args.output_activation, args.loss, y))
    model = cr.Sequential([*hidden, out], seed=args.seed)
    model.build(x.shape[1])
    if args.optimizer == "sgd":
        optimizer = cr.optimizers.SGD(learning_rate=args.lr, momentum=args.momentum)
    else:
        optimizer = cr.optimizers.Adam(learning_rate=args.lr)
    model.compile(loss=args.loss, optimizer=optimizer)  # no metrics: fit may use the fast path
    return model


def format_table(names: list[str], x: Any, y: Any, out: Any, correct: Any) -> str:
    """A fixed-width table of inputs, targets, outputs and whether each is correct."""
    k = y.shape[1]
    header = [*names, *(["t"] if k == 1 else [f"t{j + 1}" for j in range(k)]),
              *(["y"] if k == 1 else [f"y{j + 1}" for j in range(k)]), "correct"]
    rows = []
    for i in range(min(len(x), TABLE_ROWS)):
        rows.append([*(f"{v:g}" for v in x[i]), *(f"{v:g}" for v in y[i]),
                     *(f"{v:.4f}" for v in out[i]), "yes" if correct[i] else "no"])
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in rows]
    if len(x) > TABLE_ROWS:
        lines.append(f"... {len(x) - TABLE_ROWS} more rows")
    return "\n".join(lines)


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any training, an output that cannot be written or would replace the
    data; and --plot without matplotlib."""
    inputs = [args.data] if os.path.isfile(args.data) else []
    if args.save:
        if os.path.isdir(args.save) or args.save.endswith(os.sep):
            raise ValueError(f"--save: {args.save!r} is a folder; give a file name such as "
                             "run.npz")
        for path in (args.save, history_path(args.save)):
            if os.path.dirname(path) and not os.path.isdir(os.path.dirname(path)):
                continue  # created when saving
            check_output(path, inputs)
    if args.plot:
        if importlib.util.find_spec("matplotlib") is None:
            raise ValueError("--plot needs matplotlib, which is not installed: "
                             "pip install 'chainrule[plot]'")
        if os.path.exists(args.plot) and not os.path.isdir(args.plot):
            raise ValueError(f"--plot: {args.plot!r} is a file; give a folder for the plots")


def run(args: argparse.Namespace) -> int:
    check_outputs(args)
    x, y, names = load_data(args.data, args.target, args.seed)
    model = build_model(args, x, y)
    judge = StopWhenCorrect(tolerance=args.tolerance)
    callbacks: list[Any] = [judge] if args.until_correct else []
    norms = None
    if args.plot or args.save:
        norms = GradientNorms()
        callbacks.append(norms)
    batch_size = args.batch_size if args.batch_size is not None else (
        1 if len(x) <= ONLINE_UP_TO else 32)
    with warnings.catch_warnings():  # a diverging run is reported below, in one line
        warnings.simplefilter("ignore", RuntimeWarning)
        history = model.fit(
            x, y, epochs=args.epochs, batch_size=batch_size, shuffle=not args.no_shuffle,
            validation_split=args.validation_split, callbacks=callbacks, verbose=args.verbose,
            seed=args.seed,
        )
    losses = history.history["loss"]
    if losses and not math.isfinite(losses[-1]):
        raise ValueError(f"training diverged: the loss is {losses[-1]} at epoch {len(losses)}; "
                         f"try a smaller --lr (received --lr {args.lr:g})")
    judge.set_model(model)
    out = model.predict(x)
    correct = judge.correct(y, out)
    epochs_run = len(history.epoch)
    print(format_table(names, x, y, out, correct))
    loss = model.evaluate(x, y, return_dict=True)["loss"]
    print(f"{int(correct.sum())}/{len(x)} correct after {counted(epochs_run, 'epoch')}; "
          f"loss {loss:.6f}")
    if args.until_correct and not correct.all():
        print(f"not every output is correct after {counted(args.epochs, 'epoch')}; try more "
              "--epochs, another --seed or a larger --lr")
    if args.save:
        save_run(args, model, history, norms)
    if args.plot:
        paths = write_training_plots(model, history, x, y, args.plot, gradients=norms)
        print(f"wrote {len(paths)} plots to {args.plot}")
    return 0


def history_path(model_path: str) -> str:
    """Where ``--save PATH`` puts the history: ``run.npz`` → ``run.history.json``."""
    root, ext = os.path.splitext(model_path)
    return (root if ext == ".npz" else model_path) + ".history.json"


def save_run(args: argparse.Namespace, model: Any, history: Any, norms: Any) -> None:
    parent = os.path.dirname(args.save)
    if parent:
        os.makedirs(parent, exist_ok=True)
    model.save(args.save)
    # a file is recorded by its absolute path, so the report finds it from any folder
    name = os.path.abspath(args.data) if os.path.isfile(args.data) else args.data
    data = {"name": name, "seed": args.seed}
    if args.target:
        data["target"] = args.target
    write_text_atomic(history_path(args.save), history_json(history, gradients=norms, data=data),
                      inputs=[args.data] if os.path.isfile(args.data) else [])
    print(f"saved the model to {args.save} and its history to {history_path(args.save)}")
