"""``chainrule demo``: the project's main job on its embedded default problem.

The blog's XOR step (``chainrule/examples/blog_xor.toml``) explained in the blog's notation
(W input→hidden, V hidden→output, bias input 1, η = 0.3), then the same network trained on
all four XOR patterns until every output is one a student calls correct — within 0.1 of its
target, not merely on its side of 0.5 — with the final table and the epochs it took. The output is
byte-identical across runs (``tests/golden/demo.txt``).
"""

from __future__ import annotations

import argparse
from typing import Any

import chainrule as cr
from chainrule._util.text import counted
from chainrule.cli.train import format_table
from chainrule.teach.problems.files import bundled

PROBLEM = "blog_xor"
TOLERANCE = 0.1  # an output a student calls correct: within 0.1 of its target
LOST = ("The weights are chainrule's own choice: the post's weights were published as images "
        "that are lost, so no weight set here is the post's.")


def train(problem: Any, max_epochs: int) -> tuple[str, bool]:
    """Train ``problem``'s network on the four XOR patterns, online and in order, from its
    initial weights until every output is within ``TOLERANCE`` of its target; the results
    table and a summary line with the epochs it took."""
    model = cr.Sequential([cr.layers.Dense(k.shape[1], activation=act, input_dim=k.shape[0])
                           for k, _, act in problem.layers])
    model.build(problem.sizes[0])
    model.set_weights([w.copy() for k, b, _ in problem.layers for w in (k, b)])
    model.compile(loss=problem.loss,
                  optimizer=cr.optimizers.SGD(learning_rate=problem.learning_rate))
    x, y = cr.datasets.xor()
    judge = cr.callbacks.StopWhenCorrect(tolerance=TOLERANCE)
    history = model.fit(x, y, epochs=max_epochs, batch_size=1, shuffle=False,
                        callbacks=[judge], verbose=0)
    out = model.predict(x)
    correct = judge.correct(y, out)
    loss = model.evaluate(x, y, return_dict=True)["loss"]
    epochs = counted(len(history.epoch), "epoch")
    summary = (f"{int(correct.sum())}/{len(x)} correct after {epochs} "
               f"({len(history.epoch) * len(x)} updates); mean E {loss:.6f}")
    return format_table(["x1", "x2"], x, y, out, correct) + "\n" + summary, bool(correct.all())


def run(args: argparse.Namespace) -> int:
    if args.max_epochs < 1:
        raise ValueError(f"--max-epochs must be a positive integer. Received: {args.max_epochs}")
    problem = bundled(PROBLEM)
    rate = f"{problem.learning_rate:g}"
    print("chainrule demo: the blog's XOR step, explained, then the network trained.")
    print(LOST)
    print()
    print(problem.solve().to_text())
    print(f"Training the same network from the same weights on all four XOR patterns: online "
          f"(one pattern at a time, in order), η = {rate}, E = ½(t − y)², until every output "
          f"is within {TOLERANCE:g} of its target.")
    table, done = train(problem, args.max_epochs)
    print(table)
    if not done:
        print(f"not every output is correct after {counted(args.max_epochs, 'epoch')}")
    return 0
