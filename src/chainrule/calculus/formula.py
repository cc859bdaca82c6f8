"""Formula trees: the language every piece of calculus and every equation is written in.

A formula is a small immutable tree. Its leaves are constants (``Const``), variables of a
definition (``Var``: the ``z`` and ``a`` of an activation's derivative, the ``t`` and ``y`` of
a loss), references to the value of another equation (``Ref`` by equation id) and, in
symbolic-only lines, bare symbols (``Sym``). Its inner nodes are ``Add``, ``Sub``, ``Neg``,
``Mul``, ``Div``, ``Pow``, ``Exp``, ``Log``, ``Call`` (an activation or its derivative),
``Step`` (1 where the argument is positive, else a constant) and ``Sigma`` (a symbolic Σ).

The same tree is evaluated (``chainrule.calculus.evaluate``: full values, rounded carry,
intervals), compiled to NumPy and scalar code (``chainrule.calculus.compile``: the engine's
VJPs and the fused kernels), and printed (``chainrule.render.printing``: text, LaTeX,
MathML). This module holds the nodes and the operations on their structure only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Node", "Const", "Var", "Ref", "Sym", "Add", "Sub", "Neg", "Mul", "Div", "Pow", "Exp",
    "Log", "Call", "Step", "Sigma", "HALF", "ONE", "TWO", "children", "walk", "refs",
    "substitute", "transform", "plain", "flatten", "factors", "rebuild", "bind", "simplify",
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
class Var(Node):
    """A variable of a definition: ``z`` (net input), ``a`` (output), ``t``, ``y``, ``K``."""

    name: str


@dataclass(frozen=True)
class Ref(Node):
    """The value of the equation ``id``; prints as its symbol or as its printed value.

    ``symbol`` overrides the symbol printed for this one use, where the equation's own
    symbol would be ambiguous (the errors E of several steps in an epoch's mean: E⁽¹⁾, E⁽²⁾).
    """

    id: str
    symbol: Any = None  # a chainrule.derive.symbol.Symbol


@dataclass(frozen=True)
class Sym(Node):
    """A symbol with no value: for symbolic lines (general derivation, chain-rule forms)."""

    symbol: Any  # a chainrule.derive.symbol.Symbol or Partial


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
    """The activation ``fn`` of ``chainrule.calculus.activations`` (or, with ``derivative``,
    its derivative) applied to ``args``.

    Elementwise functions take one argument. ``softmax`` takes every net input of the layer
    and ``index`` says which output (0-based) it is. ``derivative=True`` stands for f′(x)
    written as such (``relu′(net)``), for an activation whose derivative a textbook does not
    write in its output. Printers expand a call into the activation's definition where it
    has one (σ(x) → 1/(1 + e^(−x))); an unknown name (the generic ``f``) prints as f(x).
    """

    fn: str
    args: tuple[Node, ...]
    index: int | None = None
    derivative: bool = False


@dataclass(frozen=True)
class Step(Node):
    """1 where ``arg`` > 0, else ``low``: the derivative of a ReLU (``low`` 0) or a leaky ReLU
    (``low`` α); at the kink itself the subgradient ``low``, as PyTorch and Keras take it."""

    arg: Node
    low: Node = Const(0.0)


@dataclass(frozen=True)
class Sigma(Node):
    """Σ over ``index`` of ``body`` — symbolic only (no value), for general derivations."""

    body: Node
    index: str


HALF = Const(0.5, "½", r"\tfrac{1}{2}")
ONE = Const(1.0)
TWO = Const(2.0)


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
    if isinstance(node, Step):
        return node.arg, node.low
    if isinstance(node, (Neg, Exp, Log)):
        return (node.arg,)
    if isinstance(node, Sigma):
        return (node.body,)
    if isinstance(node, Call):
        return node.args
    return ()


def rebuild(node: Node, new: Callable[[Node], Node]) -> Node:
    """``node`` with each direct sub-node ``c`` replaced by ``new(c)``."""
    if isinstance(node, Add):
        return Add(tuple(new(t) for t in node.terms))
    if isinstance(node, Mul):
        return Mul(tuple(new(f) for f in node.factors))
    if isinstance(node, Sub):
        return Sub(new(node.left), new(node.right))
    if isinstance(node, Div):
        return Div(new(node.num), new(node.den))
    if isinstance(node, Pow):
        return Pow(new(node.base), new(node.exponent))
    if isinstance(node, (Neg, Exp, Log)):
        return type(node)(new(node.arg))
    if isinstance(node, Step):
        return Step(new(node.arg), new(node.low))
    if isinstance(node, Call):
        return Call(node.fn, tuple(new(a) for a in node.args), node.index, node.derivative)
    if isinstance(node, Sigma):
        return Sigma(new(node.body), node.index)
    return node


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


def transform(node: Node, fn: Callable[[Node], Node | None]) -> Node:
    """``node`` rebuilt bottom-up, each sub-node replaced by ``fn(sub)`` unless ``None``."""
    rebuilt = rebuild(node, lambda child: transform(child, fn))
    new = fn(rebuilt)
    return rebuilt if new is None else new


def substitute(node: Node, replace: Callable[[Any], Node | None]) -> Node:
    """``node`` with each reference (``Ref``) or variable (``Var``) ``r`` replaced by
    ``replace(r)`` (kept when ``None``); the replacements are not searched again."""
    if isinstance(node, (Ref, Var)):
        new = replace(node)
        return node if new is None else new
    return rebuild(node, lambda child: substitute(child, replace))


def bind(node: Node, **values: Node) -> Node:
    """A definition's variables bound to formulas: ``bind(a·(1 − a), a=Ref("s1.out.1.1"))``."""
    return substitute(node, lambda v: values.get(v.name) if isinstance(v, Var) else None)


def plain(node: Node) -> Node:
    """``node`` with every reference stripped of its printing override (``Ref.symbol``), so
    that formulas compare by structure alone."""
    return transform(node, lambda n: Ref(n.id) if isinstance(n, Ref) and n != Ref(n.id)
                     else None)


def flatten(node: Node) -> Node:
    """Merge products inside products and sums inside sums, at any depth (after inlining)."""
    def merge(n: Node) -> Node | None:  # bottom-up, so the children are flat already
        if isinstance(n, Mul):
            return Mul(tuple(g for f in n.factors for g in factors_of(f)))
        if isinstance(n, Add):
            return Add(tuple(u for t in n.terms for u in (t.terms if isinstance(t, Add) else (t,))))
        return None

    def factors_of(f: Node) -> tuple[Node, ...]:
        return f.factors if isinstance(f, Mul) else (f,)

    return transform(node, merge)


def simplify(node: Node) -> Node:
    """``node`` with products by 1 and divisions by 1 written without the 1, as a student
    writes a definition once its variables are bound (``y·1 − t`` → ``y − t``)."""
    def drop_one(n: Node) -> Node | None:
        if isinstance(n, Div) and n.den == ONE:
            return n.num
        if isinstance(n, Mul) and ONE in n.factors and len(n.factors) > 1:
            rest = tuple(f for f in n.factors if f != ONE)
            return rest[0] if len(rest) == 1 else Mul(rest) if rest else ONE
        return None
    return transform(node, drop_one)


def factors(node: Node) -> tuple[Node, ...]:
    """The factors a product is written with (one factor for anything else; none for 1)."""
    if node == ONE:
        return ()
    return node.factors if isinstance(node, Mul) else (node,)
