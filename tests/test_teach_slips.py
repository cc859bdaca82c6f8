"""Plant every slip into an otherwise correct answer sheet and check that `check` names it.

The sheets are written by `hand_step`, an independent transcription of one online
backpropagation step in plain Python (the textbook rules, value by value, not the
derivation's formula trees), with the slip switched on where a student would make it.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from chainrule.derive import explain
from chainrule.teach import SLIPS, check

# 2-2-1 and 2-3-2 sigmoid networks, weights in the engine layout kernel[in, out]
NET_221 = [([[0.6, -0.3], [-0.1, 0.4]], [0.3, 0.5]), ([[0.4], [0.1]], [-0.2])]
NET_232 = [([[0.3, -0.2, 0.5], [0.7, 0.4, -0.6]], [0.1, -0.3, 0.2]),
           ([[0.5, -0.4], [0.2, 0.6], [-0.7, 0.3]], [0.1, -0.2])]
PROBLEMS = {"2-2-1": (NET_221, [0.4, 0.9], [1.0]), "2-3-2": (NET_232, [0.6, -0.8], [1.0, 0.0])}
ETA = 0.3


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def printed(value, decimals=4):
    shown = Decimal(format(float(value), ".15g"))  # a calculator display: no binary noise
    text = format(shown.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP), "f")
    return text[1:] if text.startswith("-") and float(text) == 0 else text


class Sheet:
    """Values written down by id; with `carry_rounded`, each written value is used as
    written (rounded) from then on, as by hand."""

    def __init__(self, shown, carry_rounded=False, override=None):
        self.shown, self.carry_rounded = shown, carry_rounded  # shown: id → decimals
        self.override = override or {}
        self.values = {}

    def write(self, qid, value):
        value = self.override.get(qid, value)
        self.values[qid] = value
        if self.carry_rounded and qid in self.shown:
            return float(printed(value, self.shown[qid]))
        return value


def hand_step(net, x, t, *, sign, shown, slip=None, carry_rounded=False, override=None,
              update_bias=True, learning_rate=ETA):
    """One step of online backpropagation for a sigmoid network with E = ½Σ(t − y)² and a
    bias per neuron, written out the way a student does it, with `slip` planted."""
    sheet = Sheet(shown, carry_rounded, override)
    w = sheet.write
    kernels = [np.array(k, dtype=float) for k, _ in net]
    biases = [np.array(b, dtype=float) for _, b in net]
    depth = len(net)
    a, nets = [list(x)], [None]
    for layer in range(1, depth + 1):  # forward pass
        kernel, prev = kernels[layer - 1], a[layer - 1]
        fed = nets[layer - 1] if slip == "net_for_out" and layer > 1 else prev
        n_in, n_out = kernel.shape
        net_l, out_l = [], []
        for j in range(n_out):
            total = biases[layer - 1][j]
            for i in range(n_in):
                weight = kernel[i, j]
                if slip == "index_swap" and j < n_in and i < n_out:
                    weight = kernel[j, i]  # w_ji read for w_ij where it exists
                total += fed[i] * weight
            net_l.append(w(f"s1.net.{layer}.{j + 1}", total))
        for j in range(n_out):
            out_l.append(w(f"s1.out.{layer}.{j + 1}", sigmoid(net_l[j])))
        nets.append(net_l)
        a.append(out_l)
    y = a[-1]
    half = {"half_dropped": 1.0, "half_doubled": 0.25}.get(slip, 0.5)
    w("s1.E", half * sum((tk - yk) ** 2 for tk, yk in zip(t, y)))

    # the step's change for each parameter: η·δ·x (plus) or −η·∂E/∂w (minus)
    eta = {"eta_missing": 1.0, "eta_twice": learning_rate ** 2}.get(slip, learning_rate)
    new_kernels = [k.copy() for k in kernels]
    new_biases = [b.copy() for b in biases]
    deltas = [None] * (depth + 1)
    for layer in range(depth, 0, -1):
        deltas[layer] = _deltas(layer, depth, kernels, new_kernels, deltas, a, nets, t, w,
                                sign, slip)
        _changes(layer, kernels, biases, new_kernels, new_biases, deltas, a, nets, eta, w,
                 sign, slip, update_bias)
    for layer in range(1, depth + 1):  # updates, in the solution's order
        kernel = kernels[layer - 1]
        for j in range(kernel.shape[1]):
            for i in range(kernel.shape[0]):
                w(f"s1.new.w.{layer}.{i + 1}.{j + 1}", new_kernels[layer - 1][i, j])
            if update_bias or slip == "bias_updated":
                w(f"s1.new.b.{layer}.{j + 1}", new_biases[layer - 1][j])
    return sheet.values


def _deltas(layer, depth, kernels, new_kernels, deltas, a, nets, t, w, sign, slip):
    out = []
    s = 1.0 if sign == "plus" else -1.0  # plus: δ = (t − y)f′; minus: δ = −(t − y)f′
    for j, (o, n) in enumerate(zip(a[layer], nets[layer])):
        unit = f"{layer}.{j + 1}"
        if layer == depth:
            error = (o - t[j]) if slip == "error_sign" else (t[j] - o)
            error *= {"half_dropped": 2.0, "half_doubled": 0.5}.get(slip, 1.0)
            signal = w(f"s1.dout.{unit}", s * error)
        else:
            weights = new_kernels[layer] if slip == "updated_weights" else kernels[layer]
            signal = w(f"s1.dout.{unit}", sum(
                deltas[layer + 1][k] * weights[j, k] for k in range(weights.shape[1])))
        if slip == "net_for_out":
            fp = n * (1 - n)
        elif slip == "out_for_net":
            fp = sigmoid(o) * (1 - sigmoid(o))
        else:
            fp = o * (1 - o)
        fp = w(f"s1.fp.{unit}", fp)
        out.append(w(f"s1.delta.{unit}", signal if slip == "fprime_missing" else signal * fp))
    return out


def _changes(layer, kernels, biases, new_kernels, new_biases, deltas, a, nets, eta, w, sign,
             slip, update_bias):
    kernel = kernels[layer - 1]
    inputs = a[layer - 1]
    direction = -1.0 if slip == "update_sign" else 1.0
    for j in range(kernel.shape[1]):
        for i in range(kernel.shape[0]):
            pid = f"w.{layer}.{i + 1}.{j + 1}"
            change = _change(pid, eta, deltas[layer][j], inputs[i], w, sign)
            new_kernels[layer - 1][i, j] = kernel[i, j] + direction * change
        if update_bias or slip == "bias_updated":
            pid = f"b.{layer}.{j + 1}"
            change = _change(pid, eta, deltas[layer][j], 1.0, w, sign)
            frozen = slip == "bias_frozen"
            new_biases[layer - 1][j] = biases[layer - 1][j] + (0 if frozen else direction
                                                              * change)


def _change(pid, eta, delta, x, w, sign):
    if sign == "plus":
        return w(f"s1.change.{pid}", eta * delta * x)
    grad = w(f"s1.grad.{pid}", delta * x)
    return -eta * grad


def solve(problem, convention, **switches):
    net, x, t = PROBLEMS[problem]
    layers = [(k, b, "sigmoid") for k, b in net]
    return explain(layers, x, t, learning_rate=ETA, convention=convention, **switches)


def planted_sheet(solution, problem, slip=None, carry_rounded=False, override=None,
                  extra_ids=()):
    net, x, t = PROBLEMS[problem]
    decimals = solution.conventions.decimals_for("update")
    asked = {i: eq.decimals for i, eq in solution.equations.items()
             if eq.step and eq.kind not in ("input", "target", "weight")}
    asked.update({i: decimals for i in extra_ids})
    c = solution.conventions
    values = hand_step(net, x, t, sign=c.sign, shown=asked, slip=slip,
                       carry_rounded=carry_rounded, override=override,
                       update_bias=c.update_bias)
    missing = set(asked) - set(values)
    assert not missing, f"the oracle does not compute {sorted(missing)}"
    return {i: printed(values[i], asked[i]) for i in sorted(asked, key=list(values).index)}


PLANTED = ["fprime_missing", "net_for_out", "out_for_net", "error_sign", "half_dropped",
           "half_doubled", "updated_weights", "eta_missing", "eta_twice", "index_swap",
           "bias_frozen", "update_sign"]


@pytest.mark.parametrize("convention", ["blog", "fausett"])
@pytest.mark.parametrize("problem", ["2-2-1", "2-3-2"])
@pytest.mark.parametrize("slip", PLANTED)
def test_a_planted_slip_is_named_first(slip, problem, convention):
    solution = solve(problem, convention)
    sheet = planted_sheet(solution, problem, slip)
    report = check(solution, sheet)
    assert report.first_wrong is not None, f"{slip} on {problem}: no value is wrong"
    assert report.slip is not None, f"{slip} on {problem}: no slip found\n{report.to_text()}"
    assert report.slip.name == slip, (f"{slip} on {problem} ({convention}): check named "
                                      f"{report.slip.name}\n{report.to_text()}")
    assert report.slip.explains_first
    assert report.marks < report.out_of


@pytest.mark.parametrize("convention", ["blog", "fausett"])
@pytest.mark.parametrize("problem", ["2-2-1", "2-3-2"])
def test_a_bias_updated_where_the_convention_freezes_it_is_named(problem, convention):
    solution = solve(problem, convention, update_bias=False)
    units = [len(b) for _, b in PROBLEMS[problem][0]]
    extra = [f"s1.new.b.{layer}.{j}" for layer, n in enumerate(units, start=1)
             for j in range(1, n + 1)]
    report = check(solution, planted_sheet(solution, problem, "bias_updated", extra_ids=extra))
    assert report.slip is not None and report.slip.name == "bias_updated", report.to_text()
    assert report.first_wrong.id in extra
    assert report.marks == report.out_of  # the frozen biases carry no marks; the rest is right


@pytest.mark.parametrize("convention", ["blog", "fausett"])
@pytest.mark.parametrize("problem", ["2-2-1", "2-3-2"])
def test_rounding_drift_from_carrying_rounded_values_is_named_and_costs_nothing(problem,
                                                                               convention):
    solution = solve(problem, convention)
    sheet = planted_sheet(solution, problem, carry_rounded=True)
    differ = [i for i, v in sheet.items() if v != solution.equation(i).printed]
    assert differ, "precondition: rounded carry changes some printed value"
    report = check(solution, sheet)
    assert report.first_wrong is None and report.full_marks, report.to_text()
    assert report.slip is None, report.to_text()  # drift is not a slip
    assert report.drift is not None and report.drift.name == "carry", report.to_text()
    assert set(report.drift.explains) == set(differ)


def test_carrying_full_precision_where_the_convention_carries_rounded_values():
    # Han & Kamber, Data Mining (3rd ed., §9.2.3): Err6 = 0.1311 only under rounded carry,
    # (0.474)(1 − 0.474)(1 − 0.474); at full precision it is 0.1312.
    solution = han_kamber()
    assert solution.equation("s1.delta.2.1").printed == "0.1311"
    report = check(solution, {"O_6": "0.474", "Err_6": "0.1312"})
    assert [r.status for r in report.results] == ["right", "right"]
    assert report.slip is None
    assert report.drift.name == "carry" and report.drift.explains == ("s1.delta.2.1",)


def han_kamber():
    kernel1 = [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]  # w14 w15 / w24 w25 / w34 w35
    layers = [(kernel1, [-0.4, 0.2], "sigmoid"), ([[-0.3], [-0.2]], [0.1], "sigmoid")]
    return explain(layers, [1, 0, 1], [1], learning_rate=0.9, convention="han")


def test_han_kamber_printed_numbers_get_full_marks():
    # the book's printed values (Tables 9.2–9.4), as docs/published-examples.md records them
    printed_values = {
        "O_4": "0.332", "O_5": "0.525", "O_6": "0.474", "Err_6": "0.1311", "Err_5": "-0.0065",
        "Err_4": "-0.0087", "w_46+": "-0.261", "w_56+": "-0.138", "w_14+": "0.192",
        "w_15+": "-0.306", "w_34+": "-0.508", "w_35+": "0.194", "θ_6+": "0.218",
        "θ_5+": "0.194", "θ_4+": "-0.408",
    }
    report = check(han_kamber(), printed_values)
    assert report.count("right") == len(printed_values), report.to_text()
    assert report.first_wrong is None and report.slip is None


def test_mazur_printed_last_digit_is_rounding_drift():
    # Mazur (2015) prints ∂E_o2/∂out_h1 = −0.019049119; full precision gives −0.019049118.
    # The printed digit comes from carrying rounded values (and ties away from zero).
    layers = [([[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35], "sigmoid"),
              ([[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60], "sigmoid")]
    solution = explain(layers, [0.05, 0.10], [0.01, 0.99], learning_rate=0.5,
                       convention="mazur")
    report = check(solution, {"∂E_o2/∂out_h1": "-0.019049119", "out_o1": "0.75136507"})
    assert report.count("right") == 2 and report.first_wrong is None
    assert report.slip is None and report.drift is not None and report.drift.name == "carry"
    assert report.drift.explains == ("s1.dout.1.1.2",)


def test_a_tie_rounded_half_to_even_is_rounding_drift_and_costs_nothing():
    # net = 0.25·0.5 = 0.125 exactly: 0.13 half away from zero (the convention), 0.12 to even
    solution = explain([([[0.25]], [0.0], "linear")], [0.5], [1.0], learning_rate=0.1,
                       decimals=2)
    assert solution.equation("s1.net.1.1").printed == "0.13"
    report = check(solution, {"net_o": "0.12"})
    assert report.count("right") == 1 and report.first_wrong is None
    assert report.slip is None and report.drift is not None, report.to_text()
    assert report.drift.name == "tie" and report.drift.explains == ("s1.net.1.1",)
    assert report.results[0].marks == report.results[0].out_of > 0  # drift costs nothing


def test_every_listed_slip_has_a_test():
    assert set(PLANTED) | {"bias_updated", "carry", "tie"} == set(SLIPS)


def test_the_oracle_agrees_with_the_solution_without_a_slip():
    for problem in PROBLEMS:
        for convention in ("blog", "fausett"):
            solution = solve(problem, convention)
            sheet = planted_sheet(solution, problem)
            wrong = {i: (v, solution.equation(i).printed) for i, v in sheet.items()
                     if v != solution.equation(i).printed}
            assert not wrong, f"{problem} {convention}: {wrong}"


@pytest.mark.parametrize("convention", ["blog", "fausett"])
def test_a_slip_made_once_is_named_when_the_rest_follows_through(convention):
    solution = solve("2-2-1", convention)
    correct = planted_sheet(solution, "2-2-1")
    slipped = planted_sheet(solution, "2-2-1", "fprime_missing")
    delta_o = "s1.delta.2.1"
    override = {delta_o: float(slipped[delta_o])}  # f′ forgotten at the output only
    sheet = planted_sheet(solution, "2-2-1", override=override)
    assert sheet[delta_o] != correct[delta_o]
    report = check(solution, sheet)
    assert report.first_wrong.id == delta_o
    assert report.count("wrong") == 1 and report.count("follow-through") > 5
    assert report.slip.name == "fprime_missing"


def test_a_slip_is_found_from_the_updated_weights_alone():
    # a student who writes only the new weights: the slip sits in values never written
    solution = solve("2-3-2", "blog")
    sheet = {i: v for i, v in planted_sheet(solution, "2-3-2", "eta_twice").items()
             if ".new." in i}
    report = check(solution, sheet)
    assert report.slip is not None and report.slip.name == "eta_twice", report.to_text()


def test_slips_need_not_be_searched_when_all_is_right():
    solution = solve("2-2-1", "blog")
    report = check(solution, planted_sheet(solution, "2-2-1"))
    assert report.full_marks and report.slip is None and report.first_wrong is None



def test_a_slip_that_rounding_cannot_tell_apart_is_ambiguous_not_drift():
    # at 2 decimals, f′ evaluated at the output (σ(y)(1 − σ(y)) instead of y(1 − y)) gives a
    # δ within rounding of the right one: the sheet is right, and the report says which
    # slip could also have produced its digits
    layers = [([[0.0, 0.9], [-0.7, 0.9]], [-0.4, -0.2], "sigmoid"),
              ([[0.7], [-0.2]], [0.1], "sigmoid")]
    solution = explain(layers, [1, 0], [1], learning_rate=0.1, decimals=2,
                       convention="fausett")
    z = [sigmoid(-0.4 + 0.0), sigmoid(-0.2 + 0.9)]
    y = sigmoid(0.1 + 0.7 * z[0] - 0.2 * z[1])
    delta = (1 - y) * sigmoid(y) * (1 - sigmoid(y))  # the slip: f′ at out
    sheet = {"y": printed(y, 2), "δ": printed(delta, 2), "δ_in_1": printed(delta * 0.7, 2)}
    assert sheet["δ"] != solution.equation("s1.delta.2.1").printed  # precondition
    report = check(solution, sheet)
    assert report.first_wrong is None and report.slip is None, report.to_text()
    assert report.ambiguous is not None and report.ambiguous.name == "out_for_net"
    assert "s1.delta.2.1" in report.ambiguous.explains
    assert "Ambiguous" in report.to_text() and report.to_dict()["ambiguous"]["name"]
