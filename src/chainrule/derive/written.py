"""Formulas as the books write them: f′ in the unit's output, δ with f′ first or last, and
a negation folded into a difference. Pure functions of formula trees, for the derivation."""

from __future__ import annotations

from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.formula import Call, Const, Div, Mul, Neg, Node, Ref, Sub, bind

__all__ = ["fprime", "delta", "negated"]


def fprime(act: str, out: Ref, net: Ref) -> Node:
    """f′(net) as the calculus table writes it: in the unit's output where textbooks do
    (out·(1 − out)), else as the call f′(net) (ReLU)."""
    entry = ACTIVATIONS[act]
    if entry.written_as_call:
        return Call(act, (net,), derivative=True)
    assert entry.derivative is not None, act
    return bind(entry.derivative, a=out, z=net, alpha=Const(entry.alpha))


def delta(fp: Ref, d: Ref, inlined: Node | None, fprime_first: bool) -> Node:
    """δ = ∂E/∂out·f′ (f′ first where the book writes it first). A written-out −c·e keeps
    its constant in front, as Hagan writes s = −2·ḟ(n)·e."""
    if fprime_first and isinstance(inlined, Neg) and isinstance(inlined.arg, Mul) \
            and isinstance(inlined.arg.factors[0], Const):
        head, *rest = inlined.arg.factors
        return Neg(Mul((head, fp, *rest)))
    return Mul((fp, d)) if fprime_first else Mul((d, fp))


def negated(node: Node) -> Node:
    """−node as a student writes it: a − b becomes b − a (also inside a quotient)."""
    if isinstance(node, Sub):
        return Sub(node.right, node.left)
    if isinstance(node, Div):
        return Div(negated(node.num), node.den)
    return Neg(node)
