"""Adam's update as formula trees, for the step-by-step derivation (the given rates as
``Ref``s, t a number) and for the general lines of a solution (symbols, t a symbol) alike
(PyTorch's ``Adam``)::

    m = β₁·m(t−1) + (1 − β₁)·∂E/∂w        v = β₂·v(t−1) + (1 − β₂)·(∂E/∂w)²
    Δw = −η·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)          (``corrected``: PyTorch)
    Δw = −η·(m/(1 − β₁ᵗ))·√(1 − β₂ᵗ) / (√v + ε)            (uncorrected: Keras)

At step t = 1 the corrections are written 1 − β rather than 1 − β¹.
"""

from __future__ import annotations

from typing import NamedTuple

from chainrule.calculus.formula import (
    HALF,
    ONE,
    TWO,
    Add,
    Const,
    Div,
    Mul,
    Neg,
    Node,
    Pow,
    Ref,
    Sub,
)
from chainrule.derive import ids

__all__ = ["Rates", "GIVEN", "moment", "change", "MOMENT_LABELS"]

MOMENT_LABELS = {1: "first moment (mean of ∂E/∂w)", 2: "second moment (mean of (∂E/∂w)²)"}


class Rates(NamedTuple):
    """The nodes that stand for η, β₁, β₂ and ε in the formulas."""

    eta: Node
    beta_1: Node
    beta_2: Node
    epsilon: Node


#: The given rates of a worked solution, by id.
GIVEN = Rates(Ref(ids.ETA), Ref(ids.BETA1), Ref(ids.BETA2), Ref(ids.EPS))


def moment(order: int, gradient: Node, before: Node | None, rates: Rates = GIVEN) -> Node:
    """The ``order``-th moment after a step whose gradient is ``gradient``; ``before`` is
    the previous step's moment (``None`` at the first step, when it is 0)."""
    beta = rates.beta_1 if order == 1 else rates.beta_2
    formula: Node = Mul((Sub(ONE, beta), gradient if order == 1 else Pow(gradient, TWO)))
    return formula if before is None else Add((Mul((beta, before)), formula))


def change(m: Node, v: Node, t: int | Node, corrected: bool, rates: Rates = GIVEN) -> Node:
    """Δw of step ``t`` (a number, or a symbol) from its moments ``m`` and ``v``;
    ``corrected``: ε added to the corrected √v (PyTorch), else to √v with v's correction
    folded into the rate (Keras)."""
    m_hat = Div(m, _one_minus(rates.beta_1, t))
    if corrected:
        v_hat = Div(v, _one_minus(rates.beta_2, t))
        return Neg(Mul((rates.eta, Div(m_hat, Add((Pow(v_hat, HALF), rates.epsilon))))))
    root = Pow(_one_minus(rates.beta_2, t), HALF)
    return Neg(Mul((rates.eta, m_hat, Div(root, Add((Pow(v, HALF), rates.epsilon))))))


def _one_minus(beta: Node, t: int | Node) -> Node:
    """1 − βᵗ, written 1 − β at the first step."""
    if isinstance(t, int):
        return Sub(ONE, beta if t == 1 else Pow(beta, Const(float(t))))
    return Sub(ONE, Pow(beta, t))
