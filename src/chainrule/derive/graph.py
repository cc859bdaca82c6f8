"""One training step of a worked solution as the engine's computation graph, tied to the
solution's equations.

The step's forward pass is built again on scalar engine Tensors, one box per quantity a
student writes: each product w·x, the sums that make net = Σ w·x + b (the bias as the
convention has it: w₀·1, + b, − θ, one b shared by a layer, or none), out = f(net), each
output's share of the error and E. ``backward()`` fills every gradient, and
``chainrule.engine.trace`` turns the graph into plain data whose nodes carry the ids of the
equations they are (``s1.net.1.2``, ``s1.out.2.1``, ``s1.E``) and of the gradient lines they
hold (``s1.delta.1.2`` for a net input, ``s1.dout.1.2`` for an output, ``s1.grad.w.1.1.2``
for a weight), with the sign the convention gives δ. The numbers are the engine's at full
precision from the weights the step starts with, so they equal the solution's in full carry
(the tests hold them to it); in rounded carry the solution's printed values may differ in
the last digit.

>>> from chainrule.derive import explain
>>> solution = explain([([[0.5]], [0.1], "sigmoid")], [1.0], [1.0], learning_rate=0.5)
>>> g = step_graph(solution)
>>> net = next(n for n in g.nodes if "s1.net.1.1" in n.value_eqs)
>>> net.grad_eqs, round(float(net.grad), 6) == round(solution.equation("s1.delta.1.1").exact, 6)
((('s1.delta.1.1', 1.0),), True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chainrule.calculus import activations
from chainrule.calculus.losses import EPSILON, LOSSES
from chainrule.derive import ids
from chainrule.engine import functional as F
from chainrule.engine import losses as engine_losses
from chainrule.engine import ops
from chainrule.engine.losses import clip
from chainrule.engine.tensor import Tensor
from chainrule.engine.trace import Graph, check_size, trace

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.solution import WorkedSolution

__all__ = ["step_graph"]

class _Builder:
    """The forward pass of one step on scalar Tensors, remembering each tensor's ties."""

    def __init__(self, solution: WorkedSolution, step_id: str) -> None:
        self.eqs: Mapping[str, Any] = solution.equations
        self.s = step_id
        self.c = solution.conventions
        self.sign = 1.0 if self.c.sign == "minus" else -1.0
        self.network = solution.network
        self.ties: dict[Tensor, dict[str, Any]] = {}
        self.params: dict[tuple, Tensor] = {}

    def tie(self, tensor: Tensor, value: tuple[str, ...] = (), grad: tuple[str, ...] = (),
            line: str = "", sign: float = 1.0) -> None:
        """Tie ``tensor`` to the equations that exist among ``value`` and ``grad`` ids (a
        ``grad`` equation's value is ``sign`` × the tensor's gradient)."""
        entry = self.ties.setdefault(tensor, {"value_eqs": (), "grad_eqs": (), "line": ""})
        entry["value_eqs"] += tuple(i for i in value if i in self.eqs)
        entry["grad_eqs"] += tuple((i, sign) for i in grad if i in self.eqs)
        if line in self.eqs and not entry["line"]:
            entry["line"] = line

    def quantity(self, qid: str, requires_grad: bool = False) -> Tensor:
        """A leaf holding equation ``qid``'s value, named by its symbol."""
        eq = self.eqs[qid]
        tensor = Tensor(eq.value, requires_grad=requires_grad, name=eq.symbol.text)
        self.tie(tensor, (qid,))
        return tensor

    def param(self, key: tuple) -> Tensor:
        if key not in self.params:
            tensor = self.quantity(ids.weight(self.s, key), requires_grad=True)
            self.tie(tensor, grad=(ids.gradient(self.s, key),),
                     line=next((i for i in (ids.gradient(self.s, key), ids.change(self.s, key))
                                if i in self.eqs), ""))
            self.params[key] = tensor
        return self.params[key]

    def net(self, layer: int, j: int, inputs: list[Tensor], one: Tensor) -> Tensor:
        """net = Σ_i w_ij·a_i, then the bias in the convention's form."""
        terms = []
        for i, a in enumerate(inputs, start=1):
            w = self.param(("w", layer, i, j))
            terms.append(_named(w * a, "{}·{}", w, a))
        bias = self.c.bias
        if bias == "input":
            b = self.param(("b", layer, j))
            terms.append(_named(b * one, "{}·{}", b, one))
        elif bias in ("separate", "shared"):
            terms.append(self.param(("b", layer) if bias == "shared" else ("b", layer, j)))
        total = terms[0]
        for term in terms[1:]:
            total = _named(total + term, "{} + {}", total, term)
        if bias == "threshold":
            theta = self.param(("b", layer, j))
            total = _named(total - theta, "{} − {}", total, theta)
        return total

    def unit(self, layer: int, j: int, inputs: list[Tensor], one: Tensor) -> Tensor:
        """out of unit j of ``layer``, its net and out tied to their equations."""
        name = self.network.layers[layer].activation
        entry = activations.get(name)
        if not entry.elementwise:
            raise ValueError(f"the step graph draws one box per unit, which a {name} layer "
                             f"couples. Received: activation {name!r} in layer {layer}")
        net = self.net(layer, j, inputs, one)
        n_id, d_id = ids.net(self.s, layer, j), ids.delta(self.s, layer, j)
        net.name = self.eqs[n_id].symbol.text if n_id in self.eqs else None
        self.tie(net, (n_id,), (d_id,), d_id, self.sign)
        out = net if entry.name == "linear" else F.activation(net, entry)
        o_id, g_id = ids.out(self.s, layer, j), ids.dout(self.s, layer, j)
        if out is not net and o_id in self.eqs:
            out.name = self.eqs[o_id].symbol.text
        self.tie(out, (o_id,), (g_id,), g_id, self.sign)
        return out

    def error(self, outs: list[Tensor]) -> Tensor:
        """E = Σ_k share_k, share_k = [−][½][1/K]·term(t_k, y_k) as the loss table says."""
        entry = LOSSES[self.c.error]
        summand = engine_losses.term(entry.name)
        factor = entry.factor / (len(outs) if entry.mean else 1.0)
        total = None
        for k, y in enumerate(outs, start=1):
            t = self.quantity(ids.t(self.s, k))
            if entry.clip and not EPSILON <= y.item() <= 1.0 - EPSILON:
                y = clip(y, EPSILON, 1.0 - EPSILON)  # drawn only where it acts, as Keras clips
            share = summand(t, y)
            for node in _inside(share, (t, y)):
                if node._op is ops.Sub and node._parents[0] is t and node._parents[1] is y:
                    self.tie(_named(node, "{} − {}", t, y), (ids.signal(self.s, k),))
            share = share if factor == 1.0 else share * factor
            self.tie(share, (ids.error_term(self.s, k),))
            total = share if total is None else total + share
        assert total is not None
        total.name = self.eqs[ids.error(self.s)].symbol.text
        self.tie(total, (ids.error(self.s),))
        return total


def _named(tensor: Tensor, form: str, *parts: Tensor) -> Tensor:
    """``tensor`` named ``form`` of its parts' names (``w_11·x_1``), while that stays short:
    the boxes of a long sum are left unnamed."""
    name = form.format(*(p.name for p in parts)) if all(p.name for p in parts) else ""
    tensor.name = name if 0 < len(name) <= 24 else None
    return tensor


def _inside(tensor: Tensor, inputs: tuple[Tensor, ...]) -> list[Tensor]:
    """The tensors of the formula that made ``tensor`` from ``inputs``, not what made them."""
    found, seen, todo = [], {id(t) for t in inputs}, [tensor]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        todo.extend(node._parents)
    return found


def step_graph(solution: WorkedSolution, step: str | None = None, *,
               max_nodes: int | None = None) -> Graph:
    """The computation graph of step ``step`` (default: the first shown) of ``solution``,
    forward to the error E and backward, as plain data tied to the solution's equation ids.

    Raises:
        ValueError: a softmax layer (its units are not separate boxes), or more nodes than
            ``max_nodes`` (default 400, ``CHAINRULE_MAX_GRAPH_NODES``).
        KeyError: no step ``step``.
    """
    shown = solution.shown_steps or solution.steps
    target = solution.step(step) if step is not None else shown[0]
    b = _Builder(solution, target.id)
    sizes = solution.network.sizes
    a = [b.quantity(ids.x(target.id, i)) for i in range(1, sizes[0] + 1)]
    for layer in range(1, len(sizes)):
        one = Tensor(1.0, name="1")
        a = [b.unit(layer, j, a, one) for j in range(1, sizes[layer] + 1)]
    error = b.error(a)
    check_size(error, max_nodes)  # before paying for the gradients of a big network
    error.backward()
    return trace(error, max_nodes=max_nodes, ties=b.ties,
                 title=f"Computation graph of step {target.index}")
