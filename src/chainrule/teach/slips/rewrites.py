"""Rewrites of formula trees: each turns a worked solution's formulas into those a student
who makes one slip evaluates (see ``slips`` for the table of slips).

Every function takes a ``Context`` (the solution, read) and returns ``{equation id: new
formula}``. References are compared by id alone (``Ref.symbol`` only changes printing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.formula import (
    HALF,
    ONE,
    TWO,
    Add,
    Call,
    Const,
    Mul,
    Neg,
    Node,
    Ref,
    Sub,
    bind,
    factors,
    flatten,
    plain,
    substitute,
    transform,
)
from chainrule.calculus.losses import fuses
from chainrule.derive import ids
from chainrule.derive.solution import Equation, WorkedSolution

__all__ = ["Context", "REWRITES", "transform", "plain"]



def _rename(node: Node, mapping: dict[str, str]) -> Node:
    return substitute(node, lambda r: Ref(mapping[r.id]) if r.id in mapping else None)


def _find_run(factors: tuple[Node, ...], run: tuple[Node, ...]) -> int | None:
    for i in range(len(factors) - len(run) + 1):
        if factors[i:i + len(run)] == run:
            return i
    return None


def _replace_run(node: Node, run: tuple[Node, ...], new: tuple[Node, ...]) -> Node | None:
    """``node`` (a product) with the consecutive factors ``run`` replaced by ``new``."""
    if not isinstance(node, Mul):
        return None
    i = _find_run(node.factors, run)
    if i is None:
        return None
    rest = node.factors[:i] + new + node.factors[i + len(run):]
    return ONE if not rest else rest[0] if len(rest) == 1 else Mul(rest)


# --- reading a solution ----------------------------------------------------------------------
class Context:
    def __init__(self, solution: WorkedSolution) -> None:
        self.solution = solution
        self.eqs = solution.equations
        self.c = solution.conventions
        self.depth = len(solution.network.layers) - 1

    def act(self, layer: int) -> str:
        return self.solution.network.layers[layer].activation

    def fused(self, layer: int) -> bool:
        return layer == self.depth and fuses(self.c.error, self.act(layer))

    def step_eqs(self, *kinds: str) -> Iterator[Equation]:
        """The step equations of ``kinds``, their references stripped of printing
        overrides (``Ref.symbol``) so that formulas compare by structure alone."""
        for eq in self.eqs.values():
            if eq.step is not None and eq.kind in kinds and eq.formula is not None:
                yield replace(eq, formula=plain(eq.formula))

    def shows_fprime(self, s: str, layer: int, j: int) -> bool:
        return ids.fprime(s, layer, j) in self.eqs

    def fprime_run(self, s: str, layer: int, j: int) -> tuple[Node, ...]:
        """The factors f′(net) is written as inside a δ (see the module doc)."""
        fp = ids.fprime(s, layer, j)
        if fp in self.eqs:
            return (Ref(fp),)
        out, net = Ref(ids.out(s, layer, j)), Ref(ids.net(s, layer, j))
        entry = ACTIVATIONS[self.act(layer)]
        if entry.written_as_call:
            return (Call(entry.name, (net,), derivative=True),)
        if entry.derivative is None:
            return ()
        return factors(flatten(bind(entry.derivative, a=out, z=net,
                                    alpha=Const(entry.alpha))))

    def signal_eq(self, s: str, layer: int, j: int) -> Equation | None:
        """The equation holding the error signal of a unit: its ∂E/∂out (or δ_in) when the
        convention writes it, its δ otherwise."""
        for signal in (ids.dout, ids.delta):
            eq = self.eqs.get(signal(s, layer, j))
            if eq is not None and eq.formula is not None:
                return replace(eq, formula=plain(eq.formula))
        return None


# --- the rewrites ----------------------------------------------------------------------------
Rewrites = dict[str, Node]


def _fprime_missing(ctx: Context) -> Rewrites:
    out = {}
    for eq in ctx.step_eqs("delta"):
        layer, j = eq.key[1], eq.key[2]
        run = ctx.fprime_run(eq.step, layer, j)
        if run and not ctx.fused(layer):
            new = _replace_run(eq.formula, run, ())
            if new is not None:
                out[eq.id] = new
    return out


def _fprime_rewrite(ctx: Context, change: Callable[[str, int, int, Node], Node]) -> Rewrites:
    """Rewrite f′ where it is written: its own equation, or its factors inside δ."""
    out = {}
    for eq in ctx.step_eqs("fprime"):
        out[eq.id] = change(eq.step, eq.key[1], eq.key[2], eq.formula)
    for eq in ctx.step_eqs("delta"):
        layer, j = eq.key[1], eq.key[2]
        run = ctx.fprime_run(eq.step, layer, j)
        if not run or ctx.fused(layer) or ctx.shows_fprime(eq.step, layer, j):
            continue  # a written f′ is rewritten in its own equation above
        new = _replace_run(eq.formula, run, tuple(change(eq.step, layer, j, f) for f in run))
        if new is not None:
            out[eq.id] = new
    return out


def _net_for_out_fprime(ctx: Context) -> Rewrites:
    return _fprime_rewrite(ctx, lambda s, layer, j, node: _rename(
        node, {ids.out(s, layer, j): ids.net(s, layer, j)}))


def _out_for_net_fprime(ctx: Context) -> Rewrites:
    def at_out(s: str, layer: int, j: int, node: Node) -> Node:
        out = ids.out(s, layer, j)
        applied = Call(ctx.act(layer), (Ref(out),))
        return substitute(node, lambda r: applied if r.id == out else
                          Ref(out) if r.id == ids.net(s, layer, j) else None)
    return _fprime_rewrite(ctx, at_out)


def _hidden_nets(s: str, layer: int, units: int) -> dict[str, str]:
    """Each unit's output id of ``layer`` mapped to its net input's id."""
    return {ids.out(s, layer, i): ids.net(s, layer, i) for i in range(1, units + 1)}


def _net_for_out_forward(ctx: Context) -> Rewrites:
    sizes = ctx.solution.network.sizes
    return {eq.id: _rename(eq.formula, _hidden_nets(eq.step, eq.key[1] - 1,
                                                    sizes[eq.key[1] - 1]))
            for eq in ctx.step_eqs("net") if eq.key[1] > 1}


def _param_layer(eq: Equation) -> int | None:
    """The layer of the weight a gradient, change or update equation is about."""
    return eq.key[2] if len(eq.key) > 2 and eq.key[1] == "w" else None


def _net_for_out_gradient(ctx: Context) -> Rewrites:
    sizes = ctx.solution.network.sizes
    out = {}
    for eq in ctx.step_eqs("gradient", "change", "update"):
        layer = _param_layer(eq)
        if layer and layer > 1:
            out[eq.id] = _rename(eq.formula, _hidden_nets(eq.step, layer - 1,
                                                          sizes[layer - 1]))
    return out


def _output_signals(ctx: Context) -> Iterator[Equation]:
    for s in ctx.solution.steps:
        for k in range(1, ctx.solution.network.sizes[-1] + 1):
            eq = ctx.signal_eq(s.id, ctx.depth, k)
            if eq is not None:
                yield eq


def _error_sign(ctx: Context) -> Rewrites:
    out = {}
    for eq in _output_signals(ctx):
        k = eq.key[2]
        t, y = Ref(ids.t(eq.step, k)), Ref(ids.out(eq.step, ctx.depth, k))

        def swap(node: Node, t: Ref = t, y: Ref = y) -> Node | None:
            if node == Sub(t, y):
                return Sub(y, t)
            return Sub(t, y) if node == Sub(y, t) else None
        out[eq.id] = transform(eq.formula, swap)
    return out


def _half(factor: float) -> Callable[[Context], Rewrites]:
    def rewrite(ctx: Context) -> Rewrites:
        if ctx.c.error not in ("half_sse", "sse", "mse"):
            return {}
        if factor > 1 and ctx.c.error != "half_sse":
            return {}
        scale = TWO if factor > 1 else HALF
        terms = list(ctx.step_eqs("error_term")) or list(ctx.step_eqs("error"))
        return {eq.id: Mul((scale, eq.formula)) for eq in terms + list(_output_signals(ctx))}
    return rewrite


def _hidden_signals(ctx: Context) -> Iterator[Equation]:
    """Equations that use the weights of the layer above to send the error back: hidden
    ∂E/∂out (or δ_in) and each output's part of it, or hidden δ when those are inline."""
    for eq in ctx.step_eqs("dout", "delta"):
        if eq.key[1] < ctx.depth:
            yield eq


def _updated_weights(ctx: Context) -> Rewrites:
    out = {}
    for eq in _hidden_signals(ctx):
        s, layer = eq.step, eq.key[1]
        above = [ids.parse(r) for r in eq.refs]
        mapping = {ids.unparse(p): ids.updated(s, p.index) for p in above
                   if p.step == s and p.name == "param" and p.index[:2] == ("w", layer + 1)
                   and ids.updated(s, p.index) in ctx.eqs}
        if mapping:
            out[eq.id] = _rename(eq.formula, mapping)
    return out


def _eta(replacement: Node) -> Callable[[Context], Rewrites]:
    def rewrite(ctx: Context) -> Rewrites:
        return {eq.id: substitute(eq.formula, lambda r: replacement if r.id == ids.ETA
                                  else None)
                for eq in ctx.step_eqs("gradient", "change", "update") if ids.ETA in eq.refs}
    return rewrite


def _swapped(ref: str) -> str:
    """The id of the same quantity of w_ji for one of w_ij (any other id as it is)."""
    parsed = ids.parse(ref)
    key = parsed.index
    if parsed.name not in ("param", "grad", "change", "new") or key[0] != "w":
        return ref
    return ids.unparse(parsed._replace(index=(key[0], key[1], key[3], key[2])))


def _swap_weights(ctx: Context, eqs: Iterator[Equation]) -> Rewrites:
    out = {}
    for eq in eqs:
        mapping = {r: _swapped(r) for r in eq.refs
                   if _swapped(r) != r and _swapped(r) in ctx.eqs}
        if mapping:
            out[eq.id] = _rename(eq.formula, mapping)
    return out


def _index_swap_forward(ctx: Context) -> Rewrites:
    return _swap_weights(ctx, ctx.step_eqs("net"))


def _index_swap_backprop(ctx: Context) -> Rewrites:
    return _swap_weights(ctx, _hidden_signals(ctx))


def _index_swap_gradient(ctx: Context) -> Rewrites:
    """Δw_ij computed as Δw_ji would be (δ_i·x_j): the partner's formula, renamed."""
    out = {}
    for eq in ctx.step_eqs("gradient", "change", "update"):
        if _param_layer(eq) is None:
            continue
        _, l_, i, j = eq.key[1:]
        partner = ctx.eqs.get(_swapped(eq.id))
        if partner is None or i == j or partner.formula is None:
            continue
        mine, theirs = ("w", l_, i, j), ("w", l_, j, i)
        own = {f(eq.step, theirs): f(eq.step, mine)
               for f in (ids.gradient, ids.change, ids.updated, ids.weight)}
        out[eq.id] = _rename(partner.formula, own)
    return out


def _bias_frozen(ctx: Context) -> Rewrites:
    return {eq.id: Ref(ids.weight(eq.step, ids.parse(eq.id).index))
            for eq in ctx.step_eqs("update") if eq.key[1] == "b"}


def _update_sign_change(ctx: Context) -> Rewrites:
    """Δw written with the wrong sign (w⁺ = w + Δw then goes uphill)."""
    return {eq.id: Neg(eq.formula) for eq in ctx.step_eqs("change")}


def _update_sign_update(ctx: Context) -> Rewrites:
    """w⁺ = w + η·∂E/∂w for w − η·∂E/∂w, or w − Δw for w + Δw."""
    out = {}
    for eq in ctx.step_eqs("update"):
        if isinstance(eq.formula, Sub):
            out[eq.id] = Add((eq.formula.left, eq.formula.right))
        elif isinstance(eq.formula, Add) and len(eq.formula.terms) == 2:
            out[eq.id] = Sub(*eq.formula.terms)
    return out


REWRITES: tuple[tuple[str, str, Callable[[Context], Rewrites]], ...] = (
    ("fprime_missing", "in δ", _fprime_missing),
    ("error_sign", "in the output δ", _error_sign),
    ("half_dropped", "in E and ∂E/∂out", _half(2.0)),
    ("half_doubled", "in E and ∂E/∂out", _half(0.5)),
    ("updated_weights", "in the hidden δ", _updated_weights),
    ("eta_missing", "in the updates", _eta(ONE)),
    ("eta_twice", "in the updates", _eta(Mul((Ref(ids.ETA), Ref(ids.ETA))))),
    ("net_for_out", "in the forward pass", _net_for_out_forward),
    ("net_for_out", "in f′", _net_for_out_fprime),
    ("net_for_out", "in ∂E/∂w", _net_for_out_gradient),
    ("out_for_net", "in f′", _out_for_net_fprime),
    ("index_swap", "in the forward pass", _index_swap_forward),
    ("index_swap", "in the hidden δ", _index_swap_backprop),
    ("index_swap", "in Δw", _index_swap_gradient),
    ("bias_frozen", "in the bias updates", _bias_frozen),
    ("update_sign", "in w⁺", _update_sign_update),
    ("update_sign", "in Δw", _update_sign_change),
)


