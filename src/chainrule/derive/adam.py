"""Adam's update as formula trees over the derivation's ids (PyTorch's ``Adam``)::

    m = β₁·m(t−1) + (1 − β₁)·∂E/∂w        v = β₂·v(t−1) + (1 − β₂)·(∂E/∂w)²
    Δw = −η·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)          (``corrected``: PyTorch)
    Δw = −η·(m/(1 − β₁ᵗ))·√(1 − β₂ᵗ) / (√v + ε)            (uncorrected: Keras)

t is the step's number; at t = 1 the corrections are written 1 − β rather than 1 − β¹.
"""

from __future__ import annotations

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

__all__ = ["moment", "change", "MOMENT_LABELS"]

MOMENT_LABELS = {1: "first moment (mean of ∂E/∂w)", 2: "second moment (mean of (∂E/∂w)²)"}
_BETAS = {1: Ref(ids.BETA1), 2: Ref(ids.BETA2)}


def moment(order: int, gradient: Node, before: Node | None) -> Node:
    """The ``order``-th moment after a step whose gradient is ``gradient``; ``before`` is
    the previous step's moment (``None`` at the first step, when it is 0)."""
    beta = _BETAS[order]
    formula: Node = Mul((Sub(ONE, beta), gradient if order == 1 else Pow(gradient, TWO)))
    return formula if before is None else Add((Mul((beta, before)), formula))


def change(m: Node, v: Node, t: int, corrected: bool) -> Node:
    """Δw of step ``t`` from its moments ``m`` and ``v``; ``corrected``: ε added to the
    corrected √v (PyTorch), else to √v with v's correction folded into the rate (Keras)."""
    m_hat = _corrected(m, 1, t)
    if corrected:
        return Neg(Mul((Ref(ids.ETA), Div(m_hat, Add((Pow(_corrected(v, 2, t), HALF),
                                                       Ref(ids.EPS)))))))
    root = Pow(_one_minus(2, t), HALF)
    return Neg(Mul((Ref(ids.ETA), m_hat, Div(root, Add((Pow(v, HALF), Ref(ids.EPS)))))))


def _one_minus(order: int, t: int) -> Node:
    beta = _BETAS[order]
    return Sub(ONE, beta if t == 1 else Pow(beta, Const(float(t))))


def _corrected(value: Node, order: int, t: int) -> Node:
    return Div(value, _one_minus(order, t))
