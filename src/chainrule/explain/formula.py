"""Formula trees: the right-hand side of every equation in a worked solution.

A formula is a small immutable tree. Its leaves are constants (``Const``), references to the
value of another equation (``Ref`` by equation id) and, in symbolic-only lines, bare symbols
(``Sym``). Its inner nodes are ``Add``, ``Sub``, ``Neg``, ``Mul``, ``Div``, ``Pow``, ``Exp``,
``Log``, ``Call`` (an activation function or its derivative) and ``Sigma`` (a symbolic Σ).

The same tree is

- *evaluated* (``evaluate``) with a resolver for references: the full values (``carry="full"``)
  or the values as printed (``carry="rounded"``: each referenced value rounded to its printed
  decimals before use, as by hand);
- *bounded* (``evaluate_interval``): the interval of values the formula can take when each
  reference lies in an interval — how far a rounded-carry value may drift from full precision;
- *printed* by ``chainrule.explain.printing`` as the symbolic form (references by symbol),
  the substituted form (references by printed value) and the value, in text, LaTeX, MathML.

Rounding (``round_value``, ``format_value``, ``format_exact``) lives in
``chainrule.explain.rounding`` and is re-exported here: 15 significant digits as a
calculator shows them, then the tie rule ``half_away`` or ``half_even`` on the decimal digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from chainrule.explain.rounding import TIE_RULES, format_exact, format_value, round_value
from chainrule.explain.symbol import Partial, Symbol

__all__ = [
    "Node", "Const", "Ref", "Sym", "Add", "Sub", "Neg", "Mul", "Div", "Pow", "Exp", "Log",
    "Call", "Sigma", "FUNCTIONS", "TIE_RULES", "evaluate", "evaluate_interval", "refs",
    "substitute", "round_value", "format_value", "format_exact", "HALF", "ONE", "TWO",
]



class Node:
    """Base class of formula nodes (immutable, hashable, compared by value)."""

    __slots__ = ()


@dataclass(frozen=True)
class Const(Node):
    """A number written as given. ``text``/``latex`` override how it prints (``½``)."""

    value: float
    text: str | None = None
    latex: str | None = None


@dataclass(frozen=True)
class Ref(Node):
    """The value of the equation ``id``; prints as its symbol or as its printed value.

    ``symbol`` overrides the symbol printed for this one use, where the equation's own
    symbol would be ambiguous (the errors E of several steps in an epoch's mean: E⁽¹⁾, E⁽²⁾).
    """

    id: str
    symbol: Symbol | None = None


@dataclass(frozen=True)
class Sym(Node):
    """A symbol with no value: for symbolic lines (general derivation, chain-rule forms)."""

    symbol: Symbol | Partial


@dataclass(frozen=True)
class Add(Node):
    """terms[0] + terms[1] + …  (a ``Neg`` term prints as ``− x``)."""

    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Sub(Node):
    """left − right."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    """−arg."""

    arg: Node


@dataclass(frozen=True)
class Mul(Node):
    """factors[0] · factors[1] · …"""

    factors: tuple[Node, ...]


@dataclass(frozen=True)
class Div(Node):
    """num / den."""

    num: Node
    den: Node


@dataclass(frozen=True)
class Pow(Node):
    """base ** exponent."""

    base: Node
    exponent: Node


@dataclass(frozen=True)
class Exp(Node):
    """e ** arg."""

    arg: Node


@dataclass(frozen=True)
class Log(Node):
    """ln arg (natural logarithm)."""

    arg: Node


@dataclass(frozen=True)
class Call(Node):
    """An activation ``fn`` (or its derivative) applied to ``args``.

    Elementwise functions take one argument. ``softmax`` takes every net input of the layer
    and ``index`` says which output (0-based) it is. ``derivative=True`` is only used for
    ``relu`` (f′(x) = 1 if x > 0 else 0); the other derivatives are written as formulas in
    the unit's output (``out(1 − out)``). Printers may expand a call into its definition
    (``FUNCTIONS[fn].definition``), e.g. σ(x) → 1/(1 + e^(−x)).
    """

    fn: str
    args: tuple[Node, ...]
    index: int | None = None
    derivative: bool = False


@dataclass(frozen=True)
class Sigma(Node):
    """Σ over ``index`` of ``body`` — symbolic only (no value), for general derivations."""

    body: Node
    index: str


HALF = Const(0.5, "½", r"\tfrac{1}{2}")
ONE = Const(1.0)
TWO = Const(2.0)


# --- the activation functions a Call may name ------------------------------------------
def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softmax(xs: tuple[float, ...], k: int) -> float:
    top = max(xs)
    exps = [math.exp(x - top) for x in xs]
    return exps[k] / math.fsum(exps)


@dataclass(frozen=True)
class Function:
    """An activation for ``Call``: its value, monotonicity and defining formula."""

    name: str
    value: Callable[[float], float]
    derivative: Callable[[float], float] | None
    definition: Callable[[Node], Node] | None  # x ↦ the formula a student writes for f(x)


FUNCTIONS: dict[str, Function] = {
    f.name: f for f in (
        Function("sigmoid", _sigmoid, None,
                 lambda x: Div(ONE, Add((ONE, Exp(Neg(x)))))),
        Function("bipolar_sigmoid", lambda x: 2.0 * _sigmoid(x) - 1.0, None,
                 lambda x: Sub(Div(TWO, Add((ONE, Exp(Neg(x))))), ONE)),
        Function("tanh", math.tanh, None, None),
        Function("relu", lambda x: x if x > 0 else 0.0,
                 lambda x: 1.0 if x > 0 else 0.0, None),
        Function("linear", lambda x: x, lambda x: 1.0, lambda x: x),
    )
}
_INCREASING = {"sigmoid", "bipolar_sigmoid", "tanh", "relu", "linear"}


# --- evaluation ---------------------------------------------------------------------------
Resolver = Callable[[str], float]


def evaluate(node: Node, resolve: Resolver) -> float:
    """The value of ``node``; ``resolve(id)`` gives the value a reference stands for."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Ref):
        return resolve(node.id)
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
        return evaluate(node.base, resolve) ** evaluate(node.exponent, resolve)
    if isinstance(node, Exp):
        return math.exp(evaluate(node.arg, resolve))
    if isinstance(node, Log):
        return math.log(evaluate(node.arg, resolve))
    if isinstance(node, Call):
        return _call(node, [evaluate(a, resolve) for a in node.args])
    raise TypeError(f"{type(node).__name__} has no value (symbolic only)")


def _call(node: Call, args: list[float]) -> float:
    if node.fn == "softmax":
        assert node.index is not None and not node.derivative
        return _softmax(tuple(args), node.index)
    fn = FUNCTIONS[node.fn]
    if node.derivative:
        assert fn.derivative is not None, node.fn
        return fn.derivative(args[0])
    return fn.value(args[0])


Interval = tuple[float, float]


def evaluate_interval(node: Node, resolve: Callable[[str], Interval]) -> Interval:
    """An interval [lo, hi] that holds the value of ``node`` whenever each reference ``id``
    lies in ``resolve(id)``. Used to bound rounded-carry drift and to grade answers."""
    if isinstance(node, Const):
        return node.value, node.value
    if isinstance(node, Ref):
        return resolve(node.id)
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
    if isinstance(node, Call):
        return _call_interval(node, [evaluate_interval(a, resolve) for a in node.args])
    raise TypeError(f"{type(node).__name__} has no value (symbolic only)")


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
    if e_lo != e_hi or e_lo != int(e_lo) or e_lo < 0:
        raise TypeError("interval power needs a constant non-negative integer exponent")
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
    assert node.fn in _INCREASING, node.fn
    return _call(node, [args[0][0]]), _call(node, [args[0][1]])


# --- structure ------------------------------------------------------------------------------
def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``, in printing order."""
    if isinstance(node, Add):
        return node.terms
    if isinstance(node, Mul):
        return node.factors
    if isinstance(node, Sub):
        return node.left, node.right
    if isinstance(node, Div):
        return node.num, node.den
    if isinstance(node, Pow):
        return node.base, node.exponent
    if isinstance(node, (Neg, Exp, Log)):
        return (node.arg,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Sigma):
        return (node.body,)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """``node`` and all its descendants, depth first, left to right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def refs(node: Node) -> tuple[str, ...]:
    """The equation ids ``node`` refers to, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Ref):
            seen.setdefault(n.id)
    return tuple(seen)


def substitute(node: Node, replace: Callable[[Ref], Node | None]) -> Node:
    """``node`` with each reference ``r`` replaced by ``replace(r)`` (kept when ``None``)."""
    if isinstance(node, Ref):
        new = replace(node)
        return node if new is None else new
    if isinstance(node, Add):
        return Add(tuple(substitute(t, replace) for t in node.terms))
    if isinstance(node, Mul):
        return Mul(tuple(substitute(f, replace) for f in node.factors))
    if isinstance(node, Sub):
        return Sub(substitute(node.left, replace), substitute(node.right, replace))
    if isinstance(node, Div):
        return Div(substitute(node.num, replace), substitute(node.den, replace))
    if isinstance(node, Pow):
        return Pow(substitute(node.base, replace), substitute(node.exponent, replace))
    if isinstance(node, (Neg, Exp, Log)):
        return type(node)(substitute(node.arg, replace))
    if isinstance(node, Call):
        return Call(node.fn, tuple(substitute(a, replace) for a in node.args),
                    node.index, node.derivative)
    if isinstance(node, Sigma):
        return Sigma(substitute(node.body, replace), node.index)
    return node
