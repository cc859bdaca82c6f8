"""Formula trees: evaluation, intervals, rounding (tie rule) and printing in three dialects."""

import math
import xml.etree.ElementTree as ET

import pytest

from chainrule.calculus.evaluate import evaluate, evaluate_interval
from chainrule.calculus.formula import (
    HALF,
    ONE,
    TWO,
    Add,
    Call,
    Const,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Pow,
    Ref,
    Sigma,
    Sub,
    Sym,
    flatten,
    refs,
    substitute,
)
from chainrule.derive.rounding import format_exact, format_value, round_value
from chainrule.derive.symbol import Applied, Partial, Symbol
from chainrule.render.printing import to_latex, to_mathml, to_text

W = Symbol("w", ("1", "1"))
X = Symbol("x", ("1",))
NET = Symbol("net", (Symbol("h", ("1",)),))
TABLE = {"w": (W, "-0.3"), "x": (X, "1"), "net": (NET, "-0.7000"), "y": (Symbol("y"), "0.474")}
VALUES = {"w": -0.3, "x": 1.0, "net": -0.7, "y": 0.474}


def lookup(i):
    return TABLE[i]


# --- evaluation -------------------------------------------------------------------------------
@pytest.mark.parametrize("node, expected", [
    (Add((Mul((Ref("w"), Ref("x"))), Const(0.5))), 0.2),
    (Sub(ONE, Ref("y")), 0.526),
    (Mul((Ref("y"), Sub(ONE, Ref("y")), Sub(ONE, Ref("y")))), 0.474 * 0.526 * 0.526),
    (Div(ONE, Add((ONE, Exp(Neg(Ref("net")))))), 1 / (1 + math.exp(0.7))),
    (Pow(Sub(ONE, Ref("y")), TWO), 0.526**2),
    (Log(Ref("y")), math.log(0.474)),
    (Mul((HALF, Ref("x"))), 0.5),
    (Call("sigmoid", (Ref("net"),)), 1 / (1 + math.exp(0.7))),
    (Call("bipolar_sigmoid", (Ref("net"),)), math.tanh(-0.35)),
    (Call("relu", (Ref("net"),)), 0.0),
    (Call("relu", (Ref("net"),), derivative=True), 0.0),
    (Call("softmax", (Ref("net"), Ref("x")), index=1),
     math.exp(1) / (math.exp(1) + math.exp(-0.7))),
])
def test_evaluate(node, expected):
    got = evaluate(node, VALUES.__getitem__)
    assert got == pytest.approx(expected, rel=1e-15, abs=1e-15), (node, got, expected)


def test_symbolic_nodes_have_no_value():
    with pytest.raises(TypeError):
        evaluate(Sym(W), VALUES.__getitem__)


def test_refs_in_order_of_first_appearance_and_substitute():
    node = Add((Mul((Ref("x"), Ref("w"))), Ref("x"), Neg(Ref("y"))))
    assert refs(node) == ("x", "w", "y")
    replaced = substitute(node, lambda r: Const(2.0) if r.id == "x" else None)
    assert refs(replaced) == ("w", "y")
    assert evaluate(replaced, VALUES.__getitem__) == pytest.approx(2 * -0.3 + 2 - 0.474)


def test_flatten_merges_nested_products_and_sums_at_any_depth():
    w, x, y, net = (Ref(n) for n in ("w", "x", "y", "net"))
    cases = [  # Hagan's update once its hidden gradient is inlined: w − α·(s·a)
        (Sub(w, Mul((x, Mul((y, net))))), Sub(w, Mul((x, y, net)))),
        (Neg(Add((w, Add((x, y))))), Neg(Add((w, x, y)))),
        (Div(Mul((Mul((w, x)), y)), Add((Add((w, x)), Mul((y, Mul((x, net))))))),
         Div(Mul((w, x, y)), Add((w, x, Mul((y, x, net)))))),
        (Call("tanh", (Exp(Mul((w, Mul((x, y))))),)), Call("tanh", (Exp(Mul((w, x, y))),))),
        (Mul((Add((w, Add((x, y)))), net)), Mul((Add((w, x, y)), net))),
    ]
    for node, flat in cases:
        assert flatten(node) == flat, node
        assert evaluate(flatten(node), VALUES.__getitem__) == pytest.approx(
            evaluate(node, VALUES.__getitem__), rel=1e-15)


@pytest.mark.parametrize("node", [
    Mul((Ref("y"), Sub(ONE, Ref("y")), Sub(ONE, Ref("y")))),
    Div(ONE, Add((ONE, Exp(Neg(Ref("net")))))),
    Pow(Sub(Ref("y"), ONE), TWO),
    Call("softmax", (Ref("net"), Ref("y")), index=0),
    Call("tanh", (Mul((Ref("w"), Ref("net"))),)),
    Div(Ref("w"), Add((Pow(Mul((Ref("y"), Ref("y"))), Const(0.5)), Const(1e-8)))),  # Adam's m̂/√v̂
])
def test_interval_contains_every_value_in_the_box(node):
    h = 0.05
    box = {k: (v - h, v + h) for k, v in VALUES.items()}
    lo, hi = evaluate_interval(node, box.__getitem__)
    for corner in range(16):
        values = {k: v + (h if corner >> i & 1 else -h) for i, (k, v) in enumerate(VALUES.items())}
        value = evaluate(node, values.__getitem__)
        assert lo - 1e-12 <= value <= hi + 1e-12, (node, corner, lo, value, hi)


def test_a_root_is_bounded_on_the_base_that_is_not_negative():
    """√ over an interval is increasing on its non-negative part, as ``math.sqrt``; a base
    wholly below 0 has no real root (unbounded: nothing agrees with it)."""
    root = Pow(Ref("v"), Const(0.5))
    assert evaluate_interval(root, {"v": (4.0, 9.0)}.__getitem__) == (2.0, 3.0)
    assert evaluate_interval(root, {"v": (-1e-9, 4.0)}.__getitem__) == (0.0, 2.0)
    with pytest.raises(ValueError):
        evaluate_interval(root, {"v": (-2.0, -1.0)}.__getitem__)
    with pytest.raises(ValueError):  # a real number or an error, never a complex one
        evaluate(root, {"v": -1.0}.__getitem__)


# --- rounding: the tie rule on the decimal digits ------------------------------------------------
@pytest.mark.parametrize("value, decimals, tie, expected", [
    (0.13114, 4, "half_away", "0.1311"),          # Han & Kamber's Err6 by hand
    (0.131169, 4, "half_away", "0.1312"),         # the same at full precision
    (0.00295, 4, "half_away", "0.0030"),          # 0.25 × 0.0118, an exact tie
    (0.00285, 4, "half_even", "0.0028"),
    (0.00295, 4, "half_even", "0.0030"),
    (-0.0190491185, 9, "half_away", "-0.019049119"),   # Mazur's S2.1 tie, away from zero
    (-0.0190491185, 9, "half_even", "-0.019049118"),
    (0.125, 2, "half_away", "0.13"),
    (0.1 + 0.2, 16, "half_away", "0.3000000000000000"),  # binary noise is not a digit
    (0.12499999999999999, 2, "half_away", "0.13"),      # a calculator shows 0.125
    (-0.00001, 4, "half_away", "0.0000"),               # never −0.0000
    (2.5, 0, "half_away", "3"),
    (-2.5, 0, "half_away", "-3"),
    (1.5e40, 4, "half_away", "15000000000000000000000000000000000000000.0000"),
])
def test_round_value_tie_rules(value, decimals, tie, expected):
    assert format_value(value, decimals, tie) == expected
    assert str(round_value(value, decimals, tie)) == expected


def test_rounding_rejects_unknown_tie_rule_and_non_finite_values():
    with pytest.raises(ValueError, match="half_away, half_even"):
        round_value(1.0, 2, "up")
    with pytest.raises(ValueError, match="non-finite"):
        round_value(math.inf, 2)


@pytest.mark.parametrize("value, text", [(0.15, "0.15"), (1.0, "1"), (-0.3, "-0.3"),
                                         (1e-5, "0.00001"), (100.0, "100"), (-0.0, "0")])
def test_format_exact(value, text):
    assert format_exact(value) == text


# --- printing ------------------------------------------------------------------------------
def test_text_symbolic_and_numeric_forms():
    node = Add((Mul((Ref("w"), Ref("x"))), Ref("w")))
    assert to_text(node, lookup) == "w_11·x_1 + w_11"
    assert to_text(node, lookup, numeric=True) == "(−0.3)·1 + (−0.3)"


def test_text_activation_expansion_folds_double_minus():
    sigma = Call("sigmoid", (Ref("net"),))
    assert to_text(sigma, lookup) == "1/(1 + e^(−net_h1))"
    assert to_text(sigma, lookup, numeric=True) == "1/(1 + e^(0.7000))"  # Han: 1/(1 + e^0.7)


def test_text_precedence_and_coefficients():
    y = Ref("y")
    assert to_text(Mul((HALF, Pow(Sub(ONE, y), TWO))), lookup) == "½(1 − y)²"
    assert to_text(Neg(Sub(ONE, y)), lookup) == "−(1 − y)"
    assert to_text(Sub(y, Sub(ONE, y)), lookup) == "y − (1 − y)"
    assert to_text(Mul((Neg(Sub(ONE, y)), y)), lookup) == "−(1 − y)·y"
    assert to_text(Div(Mul((y, y)), Mul((y, y))), lookup) == "y·y/(y·y)"
    assert to_text(Add((y, Neg(y))), lookup) == "y − y"
    # a subtracted negative value is substituted as it stands (Negnevitsky's x·w − θ)
    assert to_text(Add((y, Neg(Ref("w")))), lookup, numeric=True) == "0.474 − (−0.3)"
    assert to_text(Call("relu", (y,)), lookup) == "max(0, y)"
    assert to_text(Call("relu", (y,), derivative=True), lookup) == "relu′(y)"
    assert to_text(Call("f", (y,)), lookup) == "f(y)"
    assert to_text(Sigma(Mul((Sym(W), Sym(X))), "i"), lookup) == "Σ_i w_11·x_1"


def test_latex_form():
    node = Mul((HALF, Pow(Sub(ONE, Ref("y")), TWO)))
    assert to_latex(node, lookup) == r"\tfrac{1}{2} \left(1 - y\right)^{2}"
    sigma = Call("sigmoid", (Ref("net"),))
    assert to_latex(sigma, lookup) == r"\frac{1}{1 + e^{-\mathrm{net}_{h_{1}}}}"
    assert to_latex(Mul((Ref("w"), Ref("x"))), lookup, numeric=True) == r"\left(-0.3\right) \cdot 1"


def test_mathml_is_well_formed():
    node = Add((Mul((Ref("w"), Ref("x"))), Call("sigmoid", (Ref("net"),)), Sym(Partial(W, X))))
    for numeric in (False, True):
        ET.fromstring(f"<math>{to_mathml(node, lookup, numeric=numeric)}</math>")


@pytest.mark.parametrize("symbol, text, latex", [
    (Symbol("w", ("1", "1"), mark="+"), "w_11⁺", "w^{+}_{11}"),
    (Symbol("w", ("1", "12")), "w_1,12", "w_{1,12}"),
    (NET, "net_h1", r"\mathrm{net}_{h_{1}}"),
    (Symbol("a", ("1",), "(2)"), "a⁽²⁾_1", "a^{(2)}_{1}"),
    (Symbol("δ_in", ("1",)), "δ_in_1", r"\delta_{\mathrm{in},1}"),
    (Symbol("Δw", ("1", "1")), "Δw_11", r"\Delta w_{11}"),
    (Symbol("E", ("total",)), "E_total", r"E_{\mathrm{total}}"),
    (Partial(Symbol("E"), W), "∂E/∂w_11", r"\frac{\partial E}{\partial w_{11}}"),
    (Applied("f′", Symbol("z_in", ("1",))), "f′(z_in_1)", r"f'\left(z_{\mathrm{in},1}\right)"),
])
def test_symbols(symbol, text, latex):
    assert symbol.text == text
    assert symbol.latex == latex
    ET.fromstring(f"<math>{symbol.mathml}</math>")
