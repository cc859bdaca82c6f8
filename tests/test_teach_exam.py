"""A lecturer's exam: every generated variant's every applicable slip is detected and named.

A seeded batch of 200 variants (100 of a 2-2-1 and 100 of a 2-3-1 network). For each variant
and each slip of the catalogue that applies to it, a planted-slip sheet is computed by the
plain-Python hand calculation of ``test_teach_slips.hand_step`` (independent of the library's
formula trees), printed at the decimals the problem asks for, and graded by
``chainrule.teach.check``: some value must be marked wrong and the slip named. The variants
are split over the machine's cores (each process generates and grades its own share).
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor

import pytest

from chainrule.teach import check
from chainrule.teach.problems.generate import generate_problem
from chainrule.teach.problems.posed import applicable
from test_teach_slips import hand_step, printed

# the slips the hand calculation can plant, for sigmoid networks with a bias per neuron
PLANTABLE = ("fprime_missing", "error_sign", "half_dropped", "half_doubled",
             "updated_weights", "eta_missing", "eta_twice", "net_for_out", "out_for_net",
             "index_swap", "bias_frozen", "update_sign")
SEED, VARIANTS = 2024, 100
CHANGE = re.compile(r"s1\.change\.w\.(\d+)\.(\d+)\.(\d+)")


def swapped_changes(values):
    """The index swap in Δw alone: Δw_ij written as Δw_ji where both weights exist, and
    w⁺_ij = w_ij + Δw_ji from it (the hand calculation swaps in the net inputs, which
    changes nothing where w_ij = w_ji)."""
    out = dict(values)
    for qid, change in values.items():
        m = CHANGE.fullmatch(qid)
        partner = m and f"s1.change.w.{m[1]}.{m[3]}.{m[2]}"
        if m and m[2] != m[3] and partner in values:
            out[qid] = values[partner]
            new = f"s1.new.w.{m[1]}.{m[2]}.{m[3]}"
            out[new] = values[new] - change + values[partner]
    return out


def planted(problem, slip):
    asked = {i: problem.solution.equation(i).decimals for i in problem.asked()}
    net = [(k, b) for k, b, _ in problem.layers]
    (x, t), = problem.examples
    values = hand_step(net, x, t, sign=problem.conventions.sign, shown=asked, slip=slip,
                       learning_rate=problem.learning_rate)
    sheet = {problem.solution.equation(i).symbol.text: printed(values[i], d)
             for i, d in asked.items()}
    if slip == "index_swap" and sheet == problem.key():
        clean = hand_step(net, x, t, sign=problem.conventions.sign, shown=asked,
                          learning_rate=problem.learning_rate)
        values = swapped_changes(clean)
        sheet = {problem.solution.equation(i).symbol.text: printed(values[i], d)
                 for i, d in asked.items()}
    return sheet


def grade_share(arch, numbers):
    """Generate variants ``numbers`` of the exam and grade a planted sheet for each slip
    that applies; return (slips graded, what went wrong)."""
    graded, wrong = 0, []
    for number in numbers:
        problem = generate_problem(arch, seed=SEED, number=number, convention="fausett")
        found = {v.slip for v in applicable(problem.solution, problem.asked())}
        if not found <= set(PLANTABLE):
            wrong.append(f"{arch} variant {number}: cannot plant {found - set(PLANTABLE)}")
        for slip in sorted(found & set(PLANTABLE)):
            report = check(problem.solution, planted(problem, slip))
            named = report.slip.name if report.slip is not None else None
            graded += 1
            if report.first_wrong is None or named != slip:
                wrong.append(f"{arch} variant {number}: planted {slip}, named {named}")
    return graded, wrong


@pytest.mark.slow
def test_every_applicable_slip_of_two_hundred_variants_is_named():
    workers = max(1, min(4, os.cpu_count() or 1))
    shares = [(arch, range(1 + k, VARIANTS + 1, workers)) for arch in ("2-2-1", "2-3-1")
              for k in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(grade_share, *zip(*shares)))
    wrong = [line for _, lines in results for line in lines]
    assert not wrong, "\n".join(wrong[:20])
    assert sum(graded for graded, _ in results) >= 200 * 10  # ten slips or more a variant
