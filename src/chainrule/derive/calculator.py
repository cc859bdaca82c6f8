"""The calculator carry: a hand calculation done with a pocket calculator.

A student copies every number from the page into the calculator. What the calculator
returns from an exponential (the activation f, its exp, a logarithm) is written rounded to
the printed decimals; sums, differences and products of numbers already on the page are
written out exactly, with as many decimals as they have (0.25 · 0.00245 = 0.0006125,
0.4 + 0.0006125 = 0.4006125), up to ``CAP`` decimals, where a calculator's display ends::

    >>> from chainrule.calculus.formula import Const, Mul, Ref
    >>> values = {"a": Decimal("0.25"), "b": Decimal("0.00245")}
    >>> str(exact(Mul((Ref("a"), Ref("b"))), values.__getitem__, "half_away"))
    '0.0006125'
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext

from chainrule.calculus.formula import Add, Const, Div, Mul, Neg, Node, Pow, Ref, Sub, walk
from chainrule.derive.rounding import TIE_RULES, format_exact

__all__ = ["CAP", "linear", "exact", "places", "capped", "as_decimal"]

#: The most decimals a number written out exactly keeps (a calculator's display).
CAP = 10
_LINEAR = (Const, Ref, Add, Sub, Neg, Mul, Div)


def linear(node: Node) -> bool:
    """Whether ``node`` is arithmetic on numbers (+, −, ·, /, whole powers), which a
    student writes out exactly, rather than a function a calculator rounds (f, exp, ln)."""
    for n in walk(node):
        if isinstance(n, Pow):
            if not (isinstance(n.exponent, Const) and float(n.exponent.value).is_integer()
                    and n.exponent.value >= 0):
                return False
        elif not isinstance(n, _LINEAR):
            return False
    return True


def as_decimal(value: float) -> Decimal:
    """A number as it is written: 0.1 → Decimal('0.1'), never its binary approximation."""
    return Decimal(format_exact(value))


def places(d: Decimal) -> int:
    """The decimals ``d`` is written with once trailing zeros are dropped."""
    exponent = d.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def capped(d: Decimal, tie: str, cap: int = CAP) -> Decimal:
    """``d`` without trailing zeros, rounded to ``cap`` decimals if it has more."""
    if places(d) > cap:
        d = d.quantize(Decimal(1).scaleb(-cap), rounding=TIE_RULES[tie])
    d = d.normalize()
    if d == 0:
        return Decimal(0)
    return d.quantize(Decimal(1)) if d.as_tuple().exponent > 0 else d  # 1E+2 → 100


def exact(node: Node, lookup: Callable[[str], Decimal], tie: str) -> Decimal:
    """``node`` (``linear``) evaluated in decimal arithmetic over the referenced numbers."""
    with localcontext() as context:
        context.prec = 60
        return capped(_value(node, lookup), tie)


def _value(node: Node, lookup: Callable[[str], Decimal]) -> Decimal:
    if isinstance(node, Const):
        return as_decimal(node.value)
    if isinstance(node, Ref):
        return lookup(node.id)
    if isinstance(node, Add):
        return sum((_value(t, lookup) for t in node.terms), Decimal(0))
    if isinstance(node, Sub):
        return _value(node.left, lookup) - _value(node.right, lookup)
    if isinstance(node, Neg):
        return -_value(node.arg, lookup)
    if isinstance(node, Mul):
        product = Decimal(1)
        for f in node.factors:
            product *= _value(f, lookup)
        return product
    if isinstance(node, Div):
        return _value(node.num, lookup) / _value(node.den, lookup)
    assert isinstance(node, Pow) and isinstance(node.exponent, Const), node
    return _value(node.base, lookup) ** int(node.exponent.value)
