"""Explaining the blog's 2-2-1 step in-process: the budget is 20 ms.

    python benchmarks/bench_explain.py [--repeats N]

Times, after one warm-up call: ``explain`` of one online step of a 2-2-1 sigmoid network in
the blog's notation (derivation, full-precision and rounded evaluation, the engine check),
``to_text()`` of the result, and an epoch of the four XOR examples. Prints one JSON line
with median milliseconds and whether the single step is within the budget.
"""

from __future__ import annotations

import argparse

from common import median_time, report

BUDGET_MS = 20.0


def network():
    import numpy as np

    # our own weight set (the blog's weights were images and are lost)
    return [
        (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.1, -0.1]), "sigmoid"),
        (np.array([[0.5], [0.6]]), np.array([0.2]), "sigmoid"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    from chainrule.derive import explain

    net = network()
    xor_x, xor_t = [[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]

    def one_step():
        return explain(net, [1, 0], [1], learning_rate=0.3)

    solution = one_step()  # warm-up: imports, first calls
    step, _ = median_time(one_step, args.repeats)
    text, _ = median_time(solution.to_text, args.repeats)
    epoch, _ = median_time(lambda: explain(net, xor_x, xor_t, learning_rate=0.3),
                           max(3, args.repeats // 5))
    rounded, _ = median_time(lambda: explain(net, [1, 0], [1], learning_rate=0.3,
                                             carry="rounded"), args.repeats)
    report(job="explain", impl="chainrule", step_ms=round(step * 1e3, 3),
           step_rounded_ms=round(rounded * 1e3, 3), to_text_ms=round(text * 1e3, 3),
           xor_epoch_ms=round(epoch * 1e3, 3), budget_ms=BUDGET_MS,
           within_budget=step * 1e3 < BUDGET_MS)


if __name__ == "__main__":
    main()
