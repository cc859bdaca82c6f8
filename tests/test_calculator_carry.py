"""The calculator carry, against a hand calculation written out in this file.

A student with a pocket calculator copies each printed number back in: what the calculator
returns from the sigmoid is written rounded to 4 decimals; sums and products of numbers on
the page are written exactly (0.25 · 0.00245 = 0.0006125, 0.4 + 0.0006125 = 0.4006125), up
to 10 decimals.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from chainrule.derive import calculator
from chainrule.derive.conventions import get
from chainrule.teach import check
from chainrule.teach.problems.files import bundled

D = Decimal


def sigmoid4(x: Decimal) -> Decimal:
    """The calculator's 1/(1 + e^−x), written to 4 decimals."""
    return D(str(1 / (1 + math.exp(-float(x))))).quantize(D("0.0001"), ROUND_HALF_UP)


def cap10(x: Decimal) -> Decimal:
    return x.quantize(D("1e-10"), ROUND_HALF_UP).normalize() if -x.as_tuple().exponent > 10 \
        else x.normalize()


def hand_fausett_binary() -> dict[str, Decimal]:
    """Fausett's 2-2-1 step (x = (0, 1), t = 1, α = 0.25) as worked by hand."""
    v = {"v11": D("0.6"), "v21": D("-0.1"), "v01": D("0.3"),
         "v12": D("-0.3"), "v22": D("0.4"), "v02": D("0.5")}
    w1, w2, w0, alpha = D("0.4"), D("0.1"), D("-0.2"), D("0.25")
    z_in1 = v["v01"] + 0 * v["v11"] + 1 * v["v21"]                    # 0.2
    z_in2 = v["v02"] + 0 * v["v12"] + 1 * v["v22"]                    # 0.9
    z1, z2 = sigmoid4(z_in1), sigmoid4(z_in2)                         # 0.5498, 0.7109
    y_in = w0 + z1 * w1 + z2 * w2                                     # 0.09101
    y = sigmoid4(y_in)                                                # 0.5227
    fy = y * (1 - y)                                                  # 0.24948471
    delta = cap10((1 - y) * fy)                                       # 0.1190790521
    dw1 = cap10(alpha * delta * z1)
    din2 = cap10(delta * w2)
    fz2 = z2 * (1 - z2)
    d2 = cap10(din2 * fz2)
    dv22 = cap10(alpha * d2 * 1)
    return {"z_in_1": z_in1, "z_1": z1, "y_in": y_in, "y": y, "f′(y_in)": fy, "δ": delta,
            "Δw_1": dw1, "w_1(new)": w1 + dw1, "δ_in_2": din2, "f′(z_in_2)": fz2, "δ_2": d2,
            "Δv_22": dv22, "v_22(new)": v["v22"] + dv22}


def calculator_solution():
    return bundled("fausett_binary").solve(carry="calculator")


def printed(solution) -> dict[str, str]:
    return {eq.symbol.text: eq.printed for step in solution.steps
            for section in step.sections for eq in section.equations}


def test_the_examples_of_the_rule():
    assert str(calculator.exact(calculator_formula(), {"a": D("0.25"),
                                                       "b": D("0.00245")}.__getitem__,
                                "half_away")) == "0.0006125"
    assert str(calculator.capped(D("0.4") + D("0.0006125"), "half_away")) == "0.4006125"
    assert str(calculator.capped(D("0.1234567890123"), "half_away")) == "0.123456789"


def calculator_formula():
    from chainrule.calculus.formula import Mul, Ref
    return Mul((Ref("a"), Ref("b")))


def test_calculator_carry_prints_the_hand_calculation():
    hand = hand_fausett_binary()
    assert str(hand["y_in"]) == "0.09101" and str(hand["f′(y_in)"]) == "0.24948471"
    lines = printed(calculator_solution())
    for symbol, value in hand.items():
        assert lines[symbol] == format(value, "f"), symbol


def test_full_and_rounded_carry_are_unchanged_beside_it():
    solution = bundled("fausett_binary").solve()
    assert printed(solution)["y_in"] == "0.0910"
    assert get("fausett", carry="calculator").describe().count("calculator carry") == 1


@pytest.mark.parametrize("key_carry, sheet_carry", [("full", "calculator"),
                                                     ("calculator", "full")])
def test_check_accepts_answers_computed_either_way(key_carry, sheet_carry):
    problem = bundled("fausett_binary")
    key = problem.solve(carry=key_carry)
    sheet = {symbol: value for symbol, value in printed(problem.solve(carry=sheet_carry)).items()
             if symbol in ("z_1", "y_in", "y", "f′(y_in)", "δ", "Δw_1", "w_1(new)", "δ_2",
                           "Δv_22", "v_22(new)")}
    report = check(key, sheet, only_answered=True)
    assert {r.symbol: r.status for r in report.results if r.status not in ("right",
                                                                            "follow-through")} \
        == {}
