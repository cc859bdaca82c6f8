"""The derivation: a network, examples and conventions → an ordered list of quantities.

Each quantity is one would-be equation: an id, a symbol, a formula over other quantities'
ids and constants. Nothing here evaluates or prints; ``assemble`` evaluates the formulas
(full precision and rounded carry), inlines the quantities the convention does not write
out, and makes the ``Equation`` records. Per example (online updates, in order):

- forward: net = Σ w·x + bias term; out = f(net)
- error: E (and each output's share when the convention lists them)
- backward, from the output layer down: ∂E/∂out (or the error signal), f′(net), δ; hidden
  units: Σ_k δ_k·w_jk (weights before the update) · f′(net); then ∂E/∂w = δ·x per parameter
  (in the ``plus`` sign form Δw = η·δ·x instead)
- update: w⁺ = w − η·∂E/∂w (or w + Δw); with Adam the moments m and v, then
  Δw = −η·(m/(1 − β₁ᵗ))/(√(v/(1 − β₂ᵗ)) + ε) and w⁺ = w + Δw
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.calculus.formula import (
    HALF,
    ONE,
    Add,
    Call,
    Const,
    Div,
    Mul,
    Neg,
    Node,
    Ref,
    Sub,
    Sym,
    bind,
    simplify,
    transform,
    walk,
)
from chainrule.calculus.losses import LOSSES, fuses
from chainrule.derive import adam, ids, written
from chainrule.derive.conventions import Conventions
from chainrule.derive.network import Network, param_keys
from chainrule.derive.notation import Notation
from chainrule.derive.symbol import Partial, Symbol

__all__ = ["Quantity", "Builder"]

MINUS_ONE = Const(-1.0)


@dataclass
class Quantity:
    """A would-be equation. ``shown=False``: written inside the formulas that use it."""

    id: str
    key: tuple
    kind: str
    symbol: object
    formula: Node | None
    section: str
    label: str = ""
    shown: bool = True
    value: float | None = None  # given values only
    expansion: Node | None = None
    step: str | None = None


def _sum(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else Add(tuple(nodes))


class Builder:
    """Collects the quantities of a whole run, step by step."""

    def __init__(self, network: Network, conventions: Conventions, notation: Notation,
                 params: dict[tuple, float], learning_rate: float) -> None:
        self.net, self.c, self.n = network, conventions, notation
        self.sizes = network.sizes
        self.depth = network.depth
        self.keys = param_keys(self.sizes, conventions.bias)
        self.params = params
        self.learning_rate = learning_rate
        self.loss = LOSSES[conventions.error]
        self.quantities: dict[str, Quantity] = {}
        self.step_ids: list[str] = []

    def add(self, q: Quantity) -> Ref:
        assert q.id not in self.quantities, q.id
        self.quantities[q.id] = q
        return Ref(q.id)

    def updated(self, key: tuple) -> bool:
        return key[0] == "w" or self.c.update_bias

    # --- given values ---------------------------------------------------------------------
    def givens(self) -> None:
        self.add(Quantity(ids.ETA, ("eta",), "given", self.n.learning_rate(), None, "given",
                          "learning rate", value=self.learning_rate))
        if self.c.momentum:
            self.add(Quantity(ids.MU, ("mu",), "given", self.n.momentum(), None, "given",
                              "momentum", value=float(self.c.momentum)))
        if self.c.optimizer == "adam":
            for qid, symbol, label, value in (
                    (ids.BETA1, self.n.beta(1), "decay of the first moment", self.c.beta_1),
                    (ids.BETA2, self.n.beta(2), "decay of the second moment", self.c.beta_2),
                    (ids.EPS, self.n.epsilon(), "Adam's ε", self.c.epsilon)):
                self.add(Quantity(qid, (qid,), "given", symbol, None, "given", label,
                                  value=float(value)))
        for key in self.keys:
            self.add(Quantity(ids.weight(None, key), key, "given", self.n.param(key), None, "given",
                              "initial value", value=self.params[key]))

    # --- one step ---------------------------------------------------------------------------
    def step(self, x: list[float], t: list[float]) -> str:
        s = ids.step(len(self.step_ids) + 1)
        previous = self.step_ids[-1] if self.step_ids else None
        self.step_ids.append(s)
        self._given(s, previous, x, t)
        self._forward(s)
        self._error(s)
        for layer in range(self.depth, 0, -1):
            for j in range(1, self.sizes[layer] + 1):
                self._delta(s, layer, j, t)
            for key in self.keys:
                if key[1] == layer and self.updated(key):
                    self._gradient(s, key)
        for key in self.keys:
            if self.updated(key):
                self._update(s, previous, key)
        return s

    def q(self, s: str, qid: str, key: tuple, kind: str, symbol: object, formula: Node,
          section: str, label: str = "", shown: bool = True,
          expansion: Node | None = None) -> Ref:
        return self.add(Quantity(qid, key, kind, symbol, formula, section, label, shown,
                                 expansion=expansion, step=s))

    def _given(self, s: str, previous: str | None, x: list[float], t: list[float]) -> None:
        for i, value in enumerate(x, start=1):
            self.add(Quantity(ids.x(s, i), ("x", i), "input", self.n.input(i), None, "given",
                              f"input {i}", value=value, step=s))
        for k, value in enumerate(t, start=1):
            self.add(Quantity(ids.t(s, k), ("t", k), "target", self.n.target(k), None,
                              "given", f"target {k}", value=value, step=s))
        for key in self.keys:
            if previous is None:
                source = ids.weight(None, key)
            elif self.updated(key):
                source = ids.updated(previous, key)
            else:
                source = ids.weight(previous, key)
            self.q(s, ids.weight(s, key), key, "weight", self.n.param(key), Ref(source), "given",
                   "value at the start of the step")

    def x(self, s: str, layer: int, i: int) -> Ref:
        return Ref(ids.out(s, layer, i))

    def _forward(self, s: str) -> None:
        for layer in range(1, self.depth + 1):
            act = self.net.activations[layer - 1]
            for j in range(1, self.sizes[layer] + 1):
                unit = self.n.unit(layer, j).flat_text()
                self.q(s, ids.net(s, layer, j), ("net", layer, j), "net", self.n.net(layer, j),
                       self._net_formula(s, layer, j), "forward", f"net input of {unit}")
            for j in range(1, self.sizes[layer] + 1):
                unit = self.n.unit(layer, j).flat_text()
                if act == "softmax":
                    nets = tuple(Ref(ids.net(s, layer, m))
                                 for m in range(1, self.sizes[layer] + 1))
                    formula: Node = Call("softmax", nets, index=j - 1)
                else:
                    formula = Call(act, (Ref(ids.net(s, layer, j)),))
                self.q(s, ids.out(s, layer, j), ("out", layer, j), "out", self.n.out(layer, j),
                       formula, "forward", f"output of {unit}")

    def _net_formula(self, s: str, layer: int, j: int) -> Node:
        terms: list[Node] = []
        for i in range(1, self.sizes[layer - 1] + 1):
            w, x = Ref(ids.weight(s, ("w", layer, i, j))), self.x(s, layer - 1, i)
            terms.append(Mul((x, w)) if self.c.input_first else Mul((w, x)))
        form = self.c.bias
        if form != "none":
            b = Ref(ids.weight(s, ("b", layer) if form == "shared" else ("b", layer, j)))
            bias = {"input": Mul((b, ONE)), "shared": Mul((b, ONE)), "separate": b,
                    "threshold": Neg(b)}[form]
            terms = [bias] + terms if self.c.bias_first else terms + [bias]
        return _sum(terms)

    # --- error --------------------------------------------------------------------------------
    def _term(self, s: str, k: int) -> Node:
        """Output k's share of E, without the loss's ½, 1/K or sign."""
        t, y = Ref(ids.t(s, k)), Ref(ids.out(s, self.depth, k))
        return bind(self.loss.term, t=t, y=y)

    def _scaled(self, node: Node) -> Node:
        """``node`` (a term or a sum of terms) times the loss's 1/K, ½ and sign."""
        outputs = self.sizes[-1]
        if self.loss.mean and outputs > 1:
            node = Div(node, Const(float(outputs)))
        if self.loss.half:
            node = Mul((HALF, node))
        return Neg(node) if self.loss.negated else node

    def _error(self, s: str) -> None:
        outputs = self.sizes[-1]
        terms = [self._term(s, k) for k in range(1, outputs + 1)]
        if outputs > 1 and self.c.shows("error_term"):
            parts = [self.q(s, ids.error_term(s, k), ("E", k), "error_term", self.n.error_term(k),
                            self._scaled(term), "error", f"error of output {k}")
                     for k, term in enumerate(terms, start=1)]
            formula = _sum(list(parts))
        else:
            formula = self._scaled(_sum(terms))
        self.q(s, ids.error(s), ("E",), "error", self.n.error(), formula, "error", "error")

    # --- backward pass ------------------------------------------------------------------------
    def _delta(self, s: str, layer: int, j: int, t: list[float]) -> None:
        unit = self.n.unit(layer, j).flat_text()
        act = self.net.activations[layer - 1]
        out, net = Ref(ids.out(s, layer, j)), Ref(ids.net(s, layer, j))
        if layer == self.depth and fuses(self.c.error, act):
            formula = self._fused_delta(s, j, t)
        else:
            if layer == self.depth:
                dout = self._output_dout(s, j, t)
                shown = self.c.shows("dout")
            else:
                dout = self._backprop(s, layer, j)
                shown = self.c.shows("backprop")
            d = self.q(s, ids.dout(s, layer, j), ("dout", layer, j), "dout",
                       self.n.dout(layer, j), dout, "backward",
                       f"error at the output of {unit}", shown)
            fp = self.q(s, ids.fprime(s, layer, j), ("fp", layer, j), "fprime",
                        self.n.fprime(layer, j), written.fprime(act, out, net), "backward",
                        f"derivative of the activation of {unit}", self.c.shows("fprime"))
            formula = written.delta(fp, d, dout if not shown else None, self.n.fprime_first)
        self.q(s, ids.delta(s, layer, j), ("delta", layer, j), "delta", self.n.delta(layer, j),
               formula, "backward", f"delta of {unit}")

    def _bound(self, node: Node, s: str, k: int, t: list[float]) -> Node:
        """A definition of the loss table bound to output k of step s."""
        return simplify(bind(node, t=Ref(ids.t(s, k)), y=Ref(ids.out(s, self.depth, k)),
                             K=Const(float(self.sizes[-1])), sum_t=Const(float(sum(t)))))

    def _output_dout(self, s: str, k: int, t: list[float]) -> Node:
        """The error signal −∂E/∂y_k (t − y for ½Σ(t − y)²); ∂E/∂y_k in the minus form.
        With ``signal`` shown, e = t − y is a line of its own that this formula uses."""
        assert self.loss.signal is not None, self.loss.name
        signal = self._bound(self.loss.signal, s, k, t)
        difference = Sub(Ref(ids.t(s, k)), Ref(ids.out(s, self.depth, k)))
        if self.c.shows("signal") and difference in walk(signal) and signal != difference:
            e = self.q(s, ids.signal(s, k), ("e", k), "dout", self.n.signal(k), difference,
                       "backward", f"error of output {k}")
            signal = transform(signal, lambda node: e if node == difference else None)
        return Neg(signal) if self.c.sign == "minus" else signal

    def _fused_delta(self, s: str, k: int, t: list[float]) -> Node:
        """δ written in one go (σ(z) − t), the loss's and the activation's factors cancelled;
        in the plus form its negation, written t − y."""
        delta = self._bound(self.loss.fused[self.net.activations[-1]], s, k, t)
        return delta if self.c.sign == "minus" else written.negated(delta)

    def _backprop(self, s: str, layer: int, j: int) -> Node:
        """Σ_k δ_k·w_jk over the units k the unit feeds (weights before the update, unless
        the convention asks for the slip)."""
        weight = ids.updated if self.c.hidden_delta_weights == "after" else ids.weight
        pairs = [(Ref(ids.delta(s, layer + 1, k)), Ref(weight(s, ("w", layer + 1, j, k))))
                 for k in range(1, self.sizes[layer + 1] + 1)]
        terms: list[Node] = [Mul((w, d) if self.n.weight_first else (d, w)) for d, w in pairs]
        if (self.c.shows("backprop_terms") and self.c.sign == "minus" and len(terms) > 1
                and layer + 1 == self.depth):
            # Mazur: ∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1, each δ_k·w_jk
            out = self.n.out(layer, j)
            terms = [self.q(s, ids.dout_term(s, layer, j, k), ("dout", layer, j, k), "dout",
                            Partial(self.n.error_term(k), out), term, "backward",
                            f"error at the output of {out} through output {k}")
                     for k, term in enumerate(terms, start=1)]
        return _sum(terms)

    def _dnet(self, s: str, key: tuple) -> Node | None:
        """∂net/∂parameter: x_i for a weight, 1 or −1 for a bias, None for an added bias."""
        if key[0] == "w":
            return self.x(s, key[1] - 1, key[2])
        return {"input": ONE, "shared": ONE, "threshold": MINUS_ONE}.get(self.c.bias)

    def _delta_times_dnet(self, s: str, key: tuple) -> Node:
        layer = key[1]
        shared = key[0] == "b" and len(key) == 2
        units = list(range(1, self.sizes[layer] + 1)) if shared else [key[-1]]
        deltas = [Ref(ids.delta(s, layer, j)) for j in units]
        dnet = self._dnet(s, key)
        if len(deltas) > 1:  # shared bias: the sum over the layer
            return _sum(deltas)
        return deltas[0] if dnet is None else Mul((deltas[0], dnet))

    def _gradient(self, s: str, key: tuple) -> None:
        product = self._delta_times_dnet(s, key)
        formula = product if self.c.sign == "minus" else Neg(product)
        self.q(s, ids.gradient(s, key), ("grad",) + key, "gradient", self.n.gradient(key), formula,
               "backward", "gradient", self.c.shows("gradient"), self._chain(key))
        if self.c.sign == "plus" and self.c.optimizer == "sgd":
            self._change(s, key, "backward")

    def _chain(self, key: tuple) -> Node | None:
        """The chain rule ∂E/∂out·∂out/∂net·∂net/∂w, for the ``minus`` form's gradients."""
        if self.c.sign != "minus" or len(key) < 3:
            return None
        layer, j = key[1], key[-1]
        n, net = self.n, self.n.net(layer, j)
        dnet = Sym(Partial(net, n.param(key)))
        act = self.net.activations[layer - 1]
        if layer == self.depth and fuses(self.c.error, act):
            return Mul((Sym(Partial(n.error(), net)), dnet))
        return Mul((Sym(Partial(n.error(), n.out(layer, j))),
                    Sym(Partial(n.out(layer, j), net)), dnet))

    def _change(self, s: str, key: tuple, section: str) -> None:
        eta = Ref(ids.ETA)
        if self.c.sign == "minus":
            step: Node = Neg(Mul((eta, Ref(ids.gradient(s, key)))))
        else:
            product = self._delta_times_dnet(s, key)
            factors = product.factors if isinstance(product, Mul) else (product,)
            if self.n.change_input_first:  # Negnevitsky: Δw_35 = α·y_3·δ_5
                factors = factors[::-1]
            step = Mul((eta,) + tuple(factors))
        previous = self.step_ids[-2] if len(self.step_ids) > 1 else None
        symbol = self.n.change(key)
        if self.c.momentum:  # Δw(t) = μ·Δw(t−1) + …: never the same symbol on both sides
            earlier = Symbol(symbol.base, symbol.sub, symbol.sup, "(t−1)")
            symbol = Symbol(symbol.base, symbol.sub, symbol.sup, "(t)")
            if previous is not None:
                step = Add((Mul((Ref(ids.MU), Ref(ids.change(previous, key), earlier))), step))
        self.q(s, ids.change(s, key), ("change",) + key, "change", symbol, step,
               section, "change", self.c.shows("change"))

    def _adam(self, s: str, previous: str | None, key: tuple) -> None:
        """Adam's moments after step s and its change Δw (``derive/adam.py``)."""
        g = Ref(ids.gradient(s, key))
        moments = []
        for order in (1, 2):
            before = None if previous is None else Ref(ids.moment(previous, key, order))
            moments.append(self.q(s, ids.moment(s, key, order), ("moment", order) + key,
                                  "change", self.n.moment(key, order),
                                  adam.moment(order, g, before), "update",
                                  adam.MOMENT_LABELS[order]))
        step = adam.change(moments[0], moments[1], len(self.step_ids),
                           self.c.adam_epsilon == "corrected")
        self.q(s, ids.change(s, key), ("change",) + key, "change", self.n.change(key), step,
               "update", "change")

    def _update(self, s: str, previous: str | None, key: tuple) -> None:
        if self.c.optimizer == "adam":
            self._adam(s, previous, key)
        elif self.c.sign == "minus":
            self._change(s, key, "update")
        w = Ref(ids.weight(s, key), self.n.current(key))
        if self.c.sign == "minus" and not self.c.shows("change"):  # never with Adam
            formula: Node = Sub(w, Mul((Ref(ids.ETA), Ref(ids.gradient(s, key)))))
        else:
            formula = Add((w, Ref(ids.change(s, key))))
        self.q(s, ids.updated(s, key), ("new",) + key, "update", self.n.updated(key), formula,
               "update", "value after the update")

    # --- epochs -------------------------------------------------------------------------------
    def epoch_loss(self, epoch: int, steps: list[str]) -> None:
        e = self.n.error()
        errors = [Ref(ids.error(s), Symbol(e.base, e.sub, f"({i})") if len(steps) > 1 else None)
                  for i, s in enumerate(steps, start=1)]
        formula = errors[0] if len(errors) == 1 else Div(Add(tuple(errors)),
                                                         Const(float(len(errors))))
        self.add(Quantity(ids.loss(epoch), ("loss", epoch), "loss", self.n.loss(epoch),
                          formula, "loss", f"mean error of epoch {epoch}"))
