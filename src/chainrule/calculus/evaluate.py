"""Evaluate formula trees: a value in full precision or rounded carry, or an interval.

``evaluate(node, resolve)`` is the value of a tree, ``resolve(id)`` giving the value each
reference (``Ref``) or variable (``Var``) stands for; activations (``Call``) take their
values from ``chainrule.calculus.activations``. A worked solution evaluates its equations
with the full values (``carry="full"``) or with every referenced value rounded to its printed
decimals first (``carry="rounded"``, as by hand).

``evaluate_interval(node, resolve)`` bounds the value when each reference lies in an
interval: how far a rounded-carry value may drift from full precision, and what a student's
rounded answer may be.

>>> from chainrule.calculus.activations import ACTIVATIONS
>>> evaluate(ACTIVATIONS["sigmoid"].derivative, {"a": 0.5}.__getitem__)
0.25
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np

from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.compile import derivative_function
from chainrule.calculus.formula import (
    Add,
    Call,
    Const,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Node,
    Pow,
    Ref,
    Step,
    Sub,
    Var,
)

__all__ = ["evaluate", "evaluate_interval", "Interval", "Resolver"]

# --- evaluation ---------------------------------------------------------------------------
Resolver = Callable[[str], float]


def evaluate(node: Node, resolve: Resolver) -> float:
    """The value of ``node``; ``resolve(id)`` gives the value a reference stands for."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, (Ref, Var)):
        return resolve(node.id if isinstance(node, Ref) else node.name)
    if isinstance(node, Add):
        return math.fsum(evaluate(t, resolve) for t in node.terms)
    if isinstance(node, Sub):
        return evaluate(node.left, resolve) - evaluate(node.right, resolve)
    if isinstance(node, Neg):
        return -evaluate(node.arg, resolve)
    if isinstance(node, Mul):
        product = 1.0
        for factor in node.factors:
            product *= evaluate(factor, resolve)
        return product
    if isinstance(node, Div):
        return evaluate(node.num, resolve) / evaluate(node.den, resolve)
    if isinstance(node, Pow):
        # math.pow: a fractional power of a negative number is a ValueError, never complex
        return math.pow(evaluate(node.base, resolve), evaluate(node.exponent, resolve))
    if isinstance(node, Exp):
        return math.exp(evaluate(node.arg, resolve))
    if isinstance(node, Log):
        return math.log(evaluate(node.arg, resolve))
    if isinstance(node, Step):
        return 1.0 if evaluate(node.arg, resolve) > 0.0 else evaluate(node.low, resolve)
    if isinstance(node, Call):
        return _call(node, [evaluate(a, resolve) for a in node.args])
    raise TypeError(f"{type(node).__name__} has no value (symbolic only)")


@cache
def _scalar_derivative(name: str) -> Callable[[float, float], float]:
    act = ACTIVATIONS[name]
    assert act.derivative is not None, name
    return derivative_function(act.derivative, act.alpha, kind="scalar")


def _softmax(xs: tuple[float, ...], k: int) -> float:
    return float(ACTIVATIONS["softmax"].forward(np.array(xs, dtype=np.float64))[k])


def _call(node: Call, args: list[float]) -> float:
    if node.fn == "softmax":
        assert node.index is not None and not node.derivative
        return _softmax(tuple(args), node.index)
    act = ACTIVATIONS[node.fn]
    if node.derivative:
        return _scalar_derivative(node.fn)(args[0], act.scalar(args[0], act.alpha))
    assert act.scalar is not None, node.fn
    return act.scalar(args[0], act.alpha)


Interval = tuple[float, float]


def evaluate_interval(node: Node, resolve: Callable[[str], Interval]) -> Interval:
    """An interval [lo, hi] that holds the value of ``node`` whenever each reference ``id``
    lies in ``resolve(id)``. Used to bound rounded-carry drift and to grade answers."""
    if isinstance(node, Const):
        return node.value, node.value
    if isinstance(node, (Ref, Var)):
        return resolve(node.id if isinstance(node, Ref) else node.name)
    if isinstance(node, Add):
        parts = [evaluate_interval(t, resolve) for t in node.terms]
        return _bound_sum([p[0] for p in parts], -1), _bound_sum([p[1] for p in parts], 1)
    if isinstance(node, Sub):
        (a, b), (c, d) = (evaluate_interval(n, resolve) for n in (node.left, node.right))
        return a - d, b - c
    if isinstance(node, Neg):
        lo, hi = evaluate_interval(node.arg, resolve)
        return -hi, -lo
    if isinstance(node, Mul):
        out: Interval = (1.0, 1.0)
        for factor in node.factors:
            out = _mul_interval(out, evaluate_interval(factor, resolve))
        return out
    if isinstance(node, Div):
        lo, hi = evaluate_interval(node.den, resolve)
        if lo <= 0.0 <= hi:
            return -math.inf, math.inf
        return _mul_interval(evaluate_interval(node.num, resolve), (1.0 / hi, 1.0 / lo))
    if isinstance(node, Pow):
        return _pow_interval(node, resolve)
    if isinstance(node, (Exp, Log)):
        lo, hi = evaluate_interval(node.arg, resolve)
        if isinstance(node, Log):
            if lo <= 0.0:
                return -math.inf, math.log(hi) if 0.0 < hi < math.inf else math.inf
            return math.log(lo), math.log(hi) if hi < math.inf else math.inf
        return _exp(lo), _exp(hi)
    if isinstance(node, Step):  # non-decreasing where low ≤ 1
        lo, hi = evaluate_interval(node.arg, resolve)
        low = evaluate(node.low, _unbound)
        return (1.0 if lo > 0.0 else low), (1.0 if hi > 0.0 else low)
    if isinstance(node, Call):
        return _call_interval(node, [evaluate_interval(a, resolve) for a in node.args])
    raise TypeError(f"{type(node).__name__} has no value (symbolic only)")


def _unbound(name: str) -> float:
    raise TypeError(f"a step's lower value must be a constant; bind {name!r} first")


def _bound_sum(values: list[float], side: int) -> float:
    """A sum of interval ends; an infinite end makes the sum that infinity (side −1: lower
    ends, +1: upper ends)."""
    if any(math.isinf(v) for v in values):
        return math.inf * side
    return math.fsum(values)


def _mul_interval(a: Interval, b: Interval) -> Interval:
    products = [x * y for x in a for y in b if not (math.isinf(x) or math.isinf(y))]
    if len(products) < 4:
        return -math.inf, math.inf
    return min(products), max(products)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _pow_interval(node: Pow, resolve: Callable[[str], Interval]) -> Interval:
    lo, hi = evaluate_interval(node.base, resolve)
    e_lo, e_hi = evaluate_interval(node.exponent, resolve)
    if e_lo != e_hi or e_lo < 0:
        raise TypeError("interval power needs a constant non-negative exponent")
    if e_lo != int(e_lo):  # a root (Adam's √v̂): defined and increasing on a base ≥ 0 only
        if hi < 0.0:
            raise ValueError("a fractional power of a negative base")
        return max(lo, 0.0) ** e_lo, hi**e_lo
    n = int(e_lo)
    try:
        ends = (lo**n, hi**n)
    except OverflowError:
        return (0.0 if n % 2 == 0 else -math.inf), math.inf
    if n % 2 == 0 and lo <= 0.0 <= hi:
        return 0.0, max(ends)
    return min(ends), max(ends)


def _call_interval(node: Call, args: list[Interval]) -> Interval:
    if node.fn == "softmax":
        k = node.index
        assert k is not None
        low = tuple(a[1] if i != k else a[0] for i, a in enumerate(args))
        high = tuple(a[0] if i != k else a[1] for i, a in enumerate(args))
        return _softmax(low, k), _softmax(high, k)
    # every elementwise activation of the table is non-decreasing but where it says it
    # falls first (``lowest_at``: SiLU), and so is a derivative written as a call (a step)
    act = None if node.derivative else ACTIVATIONS.get(node.fn)
    (lo, hi), low_at = args[0], getattr(act, "lowest_at", None)
    if low_at is not None and lo < hi:
        ends = _call(node, [lo]), _call(node, [hi])
        if lo < low_at < hi:
            return _call(node, [low_at]), max(ends)
        return min(ends), max(ends)
    return _call(node, [lo]), _call(node, [hi])


