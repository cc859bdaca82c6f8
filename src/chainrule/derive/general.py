"""The general symbolic derivation for an architecture, before any number.

Written for representative units — the first unit of each layer and its first weight, as
the blog derives ∂E/∂v_1 and ∂E/∂w_11 — in the convention's notation:

1. E as a function of the outputs, and (for small networks) of the weights themselves;
2. for each layer from the output down: δ by the chain rule, symbolic; for a hidden layer
   first ∂E/∂out as the sum over the units it feeds;
3. the delta rule ∂E/∂w_ij = δ_j·x_i (or Δw_ij = η·δ_j·x_i) and the update rule.

The lines hold symbols only: the step-1 formulas with every reference turned into its symbol.
"""

from __future__ import annotations

from chainrule.calculus.formula import (
    Add,
    Call,
    Mul,
    Neg,
    Node,
    Ref,
    Sub,
    Sym,
    flatten,
    substitute,
    walk,
)
from chainrule.calculus.losses import fuses
from chainrule.derive import adam, ids
from chainrule.derive.derivation import Builder, Quantity
from chainrule.derive.solution import DerivationLine
from chainrule.derive.symbol import Applied, Partial, Symbol

__all__ = ["general_derivation"]

_NESTED_LEAVES = 24  # write E as a function of the weights only while it stays readable


def _symbolic(node: Node, quantities: dict[str, Quantity]) -> Node:
    return substitute(node, lambda r: Sym(quantities[r.id].symbol))  # type: ignore[arg-type]


def _expand(node: Node, quantities: dict[str, Quantity], names: tuple[str, ...]) -> Node:
    """``node`` with references to the quantities ``names`` (``"dout"``, ``"fp"``) replaced
    by their formulas, every other reference by its symbol."""
    def replace(r: Ref) -> Node:
        q = quantities[r.id]
        if r.id.split(".")[1] in names and q.formula is not None:
            return _symbolic(q.formula, quantities)
        return Sym(q.symbol)  # type: ignore[arg-type]

    return flatten(substitute(node, replace))


def _nested_error(b: Builder, s: str) -> Node | None:
    """E with every output replaced by f(net) and every net by its formula, down to x."""
    q = b.quantities

    def unfold(r: Ref) -> Node | None:
        kind = r.id.split(".")[1]
        if kind == "out":
            net = Ref(r.id.replace(".out.", ".net."))
            return Call("f", (unfold(net),))  # type: ignore[arg-type]
        if kind in ("net", "E"):  # a net input, or one output's share of the error
            return substitute(q[r.id].formula, unfold)  # type: ignore[arg-type]
        return Sym(q[r.id].symbol)  # type: ignore[arg-type]

    error = q[ids.error(s)].formula
    assert error is not None
    nested = substitute(error, unfold)
    leaves = sum(1 for n in walk(nested) if isinstance(n, Sym))
    return nested if leaves <= _NESTED_LEAVES else None


def general_derivation(b: Builder) -> tuple[DerivationLine, ...]:
    """The derivation lines for the network of ``b`` (after its first step was built)."""
    s = b.step_ids[0]
    q, n, c = b.quantities, b.n, b.c
    error = q[ids.error(s)]
    lines = [DerivationLine(Sym(n.error()), (_symbolic(error.formula, q),),  # type: ignore
                            "the error of one example")]
    if len(b.net.activations) > 1 or b.sizes[-1] == 1:
        nested = _nested_error(b, s)
        if nested is not None:
            lines.append(DerivationLine(Sym(n.error()), (nested,),
                                        "as a function of the weights, f the activation"))
    for layer in range(b.depth, 0, -1):
        lines += _layer_lines(b, s, layer)
    eta = Sym(n.learning_rate())
    key = ("w", 1, 1, 1)
    w = n.weight(1, 1, 1)
    now = Sym(n.current(key) or w)
    if c.optimizer == "adam":
        return tuple(lines + _adam_lines(b, eta))
    if c.sign == "minus":
        rule: Node = Sub(now, Mul((eta, Sym(Partial(n.error(), w)))))
    else:
        rule = Add((now, Sym(n.change(key))))
    lines.append(DerivationLine(Sym(n.updated(key)), (rule,), "the update, for every weight"))
    return tuple(lines)


def _adam_lines(b: Builder, eta: Node) -> list[DerivationLine]:
    """Adam's rule at step t for a representative weight: the moments, the change, the
    update."""
    n, key = b.n, ("w", 1, 1, 1)
    w, g = n.param(key), Sym(Partial(n.error(), n.param(key)))
    m, v = Sym(n.moment(key, 1)), Sym(n.moment(key, 2))
    rates = adam.Rates(eta, Sym(n.beta(1)), Sym(n.beta(2)), Sym(n.epsilon()))
    change = adam.change(m, v, Sym(Symbol("t")), b.c.adam_epsilon == "corrected", rates)
    return [
        DerivationLine(m, (adam.moment(1, g, m, rates),),
                       "Adam's first moment, from 0 before step 1"),
        DerivationLine(v, (adam.moment(2, g, v, rates),),
                       "Adam's second moment, from 0 before step 1"),
        DerivationLine(Sym(n.change(key)), (change,),
                       "the change at step t, the moments corrected for their start at 0"),
        DerivationLine(Sym(n.updated(key)), (Add((Sym(n.current(key) or w),
                                                  Sym(n.change(key)))),),
                       "the update, for every weight"),
    ]


def _layer_lines(b: Builder, s: str, layer: int) -> list[DerivationLine]:
    q, n, c = b.quantities, b.n, b.c
    j, lines = 1, []
    net, out = n.net(layer, j), n.out(layer, j)
    delta = q[ids.delta(s, layer, j)]
    dnet_sign = "" if c.sign == "minus" else "−"
    act = b.net.activations[layer - 1]
    if layer < b.depth:
        dout = q[ids.dout(s, layer, j)]
        chain = [Mul((Sym(Partial(n.error(), n.net(layer + 1, k))),
                      Sym(Partial(n.net(layer + 1, k), out))))
                 for k in range(1, b.sizes[layer + 1] + 1)]
        first = chain[0] if len(chain) == 1 else Add(tuple(chain))
        forms = (first, _expand(dout.formula, q, ("dout",)))  # type: ignore[arg-type]
        lhs = Sym(Partial(n.error(), out))
        if c.sign == "plus":
            lhs, forms = Sym(dout.symbol), (Neg(Sym(Partial(n.error(), out))),) + forms[1:]
        lines.append(DerivationLine(lhs, forms, "chain rule, summed over the units it feeds"))
    if layer == b.depth and fuses(c.error, act):
        chain_form: Node = Sym(Partial(n.error(), net))
        note = "the derivative of the activation cancels"
    else:
        chain_form = Mul((Sym(Partial(n.error(), out)), Sym(Partial(out, net))))
        note = "chain rule"
    if c.sign == "plus":
        chain_form = Neg(chain_form)
    named = c.shows("fprime") and isinstance(n.fprime(layer, j), Applied)  # f′(y_in), ḟ(n)
    inlined = ("dout",) if named else ("dout", "fp")
    forms = (chain_form, _expand(delta.formula, q, inlined))  # type: ignore[arg-type]
    lines.append(DerivationLine(Sym(delta.symbol), forms,  # type: ignore[arg-type]
                                f"δ = {dnet_sign}∂{n.error().text}/∂net: {note}"))
    key = ("w", layer, 1, j)
    grad = q[ids.gradient(s, key)]
    x = Sym(q[ids.out(s, layer - 1, 1)].symbol)
    weight = n.weight(*key[1:])
    chain = Mul((Sym(Partial(n.error(), net)), Sym(Partial(net, weight))))
    if c.sign == "minus":
        lines.append(DerivationLine(Sym(grad.symbol), (chain, Mul((Sym(delta.symbol), x))),
                                    "the delta rule"))
    else:
        change = n.change(key)
        lines.append(DerivationLine(
            Sym(change), (Neg(Mul((Sym(n.learning_rate()), Sym(grad.symbol)))),
                          Mul((Sym(n.learning_rate()),
                               *((x, Sym(delta.symbol)) if n.change_input_first
                                 else (Sym(delta.symbol), x))))),
            "the delta rule"))
    return lines

