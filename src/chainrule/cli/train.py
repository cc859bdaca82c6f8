"""``chainrule train``: train a Dense network on a toy dataset or a data file."""

from __future__ import annotations

import argparse
import math
import os
import warnings
from typing import Any

HELP = "train a network on a toy dataset (xor, moons, ...) or a CSV/.npy/.npz file"
# datasets small enough that the blog's online training (one example per update) is the
# natural default; larger data trains in mini-batches of 32
ONLINE_UP_TO = 64
TABLE_ROWS = 16


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train", help=HELP, description=HELP + ". Progress goes to stdout, then a table of "
        "inputs, targets and outputs. The same --seed gives the same output.",
    )
    p.add_argument("data", help="a dataset name (and, or, nand, xor, moons, circles, spirals) "
                   "or a .csv, .npy or .npz file")
    p.add_argument("--target", help="the target column of a CSV file (default: the last)")
    p.add_argument("--hidden", default="2", type=_widths,
                   help="hidden layer widths, comma-separated, e.g. 16,8 (default: 2)")
    p.add_argument("--activation", default="sigmoid",
                   help="hidden activation (default: sigmoid)")
    p.add_argument("--output-activation", default="auto",
                   help="output activation (default: softmax for categorical_crossentropy, "
                   "tanh for -1/+1 targets, sigmoid for 0/1 targets, linear otherwise)")
    p.add_argument("--loss", default="half_sse", help="loss (default: half_sse, ½Σ(t−y)²)")
    p.add_argument("--optimizer", default="sgd", choices=("sgd", "adam"),
                   help="optimizer (default: sgd)")
    p.add_argument("--lr", "--learning-rate", dest="lr", type=float, default=0.5,
                   help="learning rate η (default: 0.5)")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default: 0)")
    p.add_argument("--epochs", type=int, default=1000, help="epochs (default: 1000)")
    p.add_argument("--batch-size", type=int, default=None,
                   help=f"examples per update (default: 1, online, up to {ONLINE_UP_TO} "
                   "examples; else 32)")
    p.add_argument("--until-correct", action="store_true",
                   help="stop as soon as every training output is correct")
    p.add_argument("--tolerance", type=float, default=None,
                   help="with --until-correct: correct means |t − y| <= TOLERANCE")
    p.add_argument("--validation-split", type=float, default=0.0,
                   help="fraction of the data held out for validation (default: 0)")
    p.add_argument("--no-shuffle", action="store_true", help="keep the examples in order")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and order (default: 0)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                   help="0 silent, 1 progress bar (lines when not a terminal), 2 lines")
    p.add_argument("--save", metavar="PATH", help="save the trained model (.npz) and its "
                   "history beside it (PATH with .history.json), for chainrule report")
    p.add_argument("--plot", metavar="DIR", help="write the loss curve, the decision regions "
                   "(2-input data) and the gradient size per layer to DIR as PNG and SVG")


def _widths(text: str) -> list[int]:
    try:
        widths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 16,8; got {text!r}") from None
    if not widths:
        raise argparse.ArgumentTypeError(f"expected at least one width, like 16,8; got {text!r}")
    if any(w <= 0 for w in widths):
        raise argparse.ArgumentTypeError(f"widths must be positive; got {text!r}")
    return widths


def load_data(name: str, target: str | None, seed: int) -> tuple[Any, Any, list[str]]:
    """(x, y, feature names) from a dataset name or a file."""
    from chainrule import data

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


def build_model(args: argparse.Namespace, x: Any, y: Any) -> Any:
    import chainrule as cr
    from chainrule.nn.layers import Dense

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


def run(args: argparse.Namespace) -> int:
    from chainrule._util.text import counted
    from chainrule.nn.callbacks import StopWhenCorrect

    if args.save and os.path.isdir(args.save):
        raise ValueError(f"--save: {args.save!r} is a folder; give a file name such as run.npz")
    x, y, names = load_data(args.data, args.target, args.seed)
    model = build_model(args, x, y)
    judge = StopWhenCorrect(tolerance=args.tolerance)
    callbacks: list[Any] = [judge] if args.until_correct else []
    norms = None
    if args.plot or args.save:
        from chainrule.viz import GradientNorms

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
        from chainrule.viz import write_training_plots

        paths = write_training_plots(model, history, x, y, args.plot, gradients=norms)
        print(f"wrote {len(paths)} plots to {args.plot}")
    return 0


def history_path(model_path: str) -> str:
    """Where ``--save PATH`` puts the history: ``run.npz`` → ``run.history.json``."""
    root, ext = os.path.splitext(model_path)
    return (root if ext == ".npz" else model_path) + ".history.json"


def save_run(args: argparse.Namespace, model: Any, history: Any, norms: Any) -> None:
    from chainrule._util.files import write_text_atomic
    from chainrule.viz import history_json

    parent = os.path.dirname(args.save)
    if parent:
        os.makedirs(parent, exist_ok=True)
    model.save(args.save)
    # a file is recorded by its absolute path, so the report finds it from any folder
    name = os.path.abspath(args.data) if os.path.isfile(args.data) else args.data
    data = {"name": name, "seed": args.seed}
    if args.target:
        data["target"] = args.target
    write_text_atomic(history_path(args.save), history_json(history, gradients=norms, data=data))
    print(f"saved the model to {args.save} and its history to {history_path(args.save)}")
