"""A lecturer's exam: every generated variant's every applicable slip is detected and named.

Each planted-slip sheet is computed by the plain-Python hand calculation of
``test_teach_slips.hand_step`` (independent of the library's formula trees), printed at the
decimals the problem asks for, and graded by ``chainrule.teach.check``.
"""

from __future__ import annotations

import pytest

from chainrule.teach import check
from chainrule.teach.problems.generate import generate_problems
from chainrule.teach.problems.posed import applicable
from test_teach_slips import hand_step, printed

# the slips the hand calculation can plant, for sigmoid networks with a bias per neuron
PLANTABLE = ("fprime_missing", "error_sign", "half_dropped", "half_doubled",
             "updated_weights", "eta_missing", "eta_twice", "net_for_out", "out_for_net",
             "index_swap", "bias_frozen", "update_sign")


def planted(problem, slip):
    asked = {i: problem.solution.equation(i).decimals for i in problem.asked()}
    net = [(k, b) for k, b, _ in problem.layers]
    (x, t), = problem.examples
    values = hand_step(net, x, t, sign=problem.conventions.sign, shown=asked, slip=slip,
                       learning_rate=problem.learning_rate)
    return {problem.solution.equation(i).symbol.text: printed(values[i], d)
            for i, d in asked.items()}


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["2-2-1", "2-3-1"])
def test_every_applicable_slip_of_a_hundred_variants_is_named(arch):
    for problem in generate_problems(arch, variants=100, seed=2024, convention="fausett"):
        found = {v.slip for v in applicable(problem.solution, problem.asked())}
        assert found <= set(PLANTABLE) | {"bias_updated"}, found
        for slip in sorted(found & set(PLANTABLE)):
            sheet = planted(problem, slip)
            label = f"{arch} variant {problem.number}: {slip}"
            if slip == "index_swap" and sheet == problem.key():
                continue  # swapped in Δw only: the hand calculation swaps in net inputs
            report = check(problem.solution, sheet)
            assert report.first_wrong is not None, label
            assert report.slip is not None and report.slip.name == slip, (
                label, report.slip and report.slip.name, report.to_text())
