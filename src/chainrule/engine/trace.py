"""The engine's graph behind a tensor, as plain data: one node per operation and per leaf.

``trace(y)`` walks the ops that made ``y`` (the same parents ``backward()`` walks, plus the
constants they were given) and returns a :class:`Graph`: its nodes in topological order,
inputs first, each with the op, the forward value, the gradient ``backward()`` left on the
tensor (``None`` before it ran), its parents and — for a scalar node — the local derivative
∂node/∂parent of each edge, asked of the op's own VJP with an upstream gradient of 1. The
SVG view (``chainrule.render.graph``) and the worked solution's step graph
(``chainrule.derive.graph``) read this data; nothing here draws.

>>> from chainrule.engine import Tensor
>>> a = Tensor(2.0, requires_grad=True, name="a")
>>> y = a * a + 1
>>> y.backward()
>>> g = trace(y)
>>> [(n.label, float(n.value), n.local) for n in g.nodes]
[('a', 2.0, ()), ('×', 4.0, (2.0, 2.0)), ('1', 1.0, ()), ('+', 5.0, (1.0, 1.0))]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule._util import limits
from chainrule.engine.tensor import Tensor, _topological_order

__all__ = ["GraphNode", "Graph", "trace", "check_size", "OP_LABELS"]

#: What a node's box says for each op (an activation says its own name).
OP_LABELS = {
    "Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Neg": "−x", "Power": "^", "MatMul": "@",
    "Exp": "exp", "Log": "ln", "Maximum": "max", "Sum": "Σ", "Mean": "mean",
    "Reshape": "reshape", "Transpose": "ᵀ", "GetItem": "[ ]", "LogSoftmax": "log softmax",
    "SoftmaxCrossEntropy": "softmax CE", "SigmoidBinaryCrossEntropy": "σ BCE",
}


@dataclass(frozen=True)
class GraphNode:
    """One tensor of the graph.

    Attributes:
        id: ``"n0"``, ``"n1"`` … in topological order.
        op: the op's class name (``"Mul"``, ``"Elementwise"``), ``"leaf"`` for a tensor that
            requires a gradient and was made by no op, ``"const"`` for any other leaf.
        label: what the box says: the op's sign (``×``), an activation's name, or a leaf's
            name or value.
        name: the tensor's or the quantity's name (``"w"``, ``"net_h1"``), ``""`` if none.
        value: the forward value (an array; shape ``()`` for a scalar).
        grad: ∂output/∂node as ``backward()`` left it, or ``None``.
        parents: ids of the op's inputs, in argument order (an input used twice appears twice).
        local: ∂node/∂parent for each parent when node and parents are scalars, else ``()``;
            an entry is ``None`` where the op gives that input no gradient.
        value_eqs: ids of worked-solution equations whose value is this node's value.
        grad_eqs: ``(id, sign)`` pairs: equation ``id``'s value is ``sign`` × this gradient.
        line: the id of the worked-solution line that writes this node's gradient as a
            product (``""`` for none).
    """

    id: str
    op: str
    label: str
    name: str
    value: np.ndarray
    grad: np.ndarray | None
    parents: tuple[str, ...] = ()
    local: tuple[float | None, ...] = ()
    value_eqs: tuple[str, ...] = ()
    grad_eqs: tuple[tuple[str, float], ...] = ()
    line: str = ""

    @property
    def scalar(self) -> bool:
        return self.value.size == 1


@dataclass(frozen=True)
class Graph:
    """A computation graph as plain data: ``nodes`` in topological order (parents first),
    ``output`` the id of the node it was traced from, ``title`` an optional heading."""

    nodes: tuple[GraphNode, ...]
    output: str
    title: str = ""

    def node(self, node_id: str) -> GraphNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(f"no node with id {node_id!r}")

    def children(self, node_id: str) -> list[tuple[GraphNode, int]]:
        """``(child, position)`` for every edge out of ``node_id`` (position in its parents)."""
        return [(n, k) for n in self.nodes for k, p in enumerate(n.parents) if p == node_id]


def check_size(root: Tensor, max_nodes: int | None = None) -> None:
    """Raise the one-line ``ValueError`` that counts the graph's nodes if ``root``'s graph has
    more than ``max_nodes`` (default: the ``graph_nodes`` limit); a producer calls it before
    ``backward()`` to refuse a big graph before paying for its gradients."""
    _bounded(_topological_order(root, constants=True), max_nodes)


def _bounded(order: list[Tensor], max_nodes: int | None) -> list[Tensor]:
    """``order``, if it has at most ``max_nodes`` tensors (``check_size``)."""
    bound = limits.get("graph_nodes") if max_nodes is None else max_nodes
    count = len(order)
    if count > bound:
        raise ValueError(
            f"this graph has {count} nodes, more than max_nodes={bound}: draw a smaller "
            f"expression, or raise max_nodes (its default is "
            f"{limits.LIMITS['graph_nodes'].variable})")
    return order


def _label(tensor: Tensor) -> tuple[str, str]:
    """``(op, label)`` of a tensor's box."""
    op = tensor._op
    if op is None:
        kind = "leaf" if tensor.requires_grad else "const"
        if tensor.name:
            return kind, tensor.name
        return kind, (f"{float(tensor.data):.4g}" if tensor.size == 1 else "tensor")
    if op.__name__ == "Elementwise":
        return op.__name__, tensor._residuals[2].name
    return op.__name__, OP_LABELS.get(op.__name__, op.__name__)


def _local(tensor: Tensor) -> tuple[float | None, ...]:
    """∂tensor/∂parent of each parent, from the op's VJP with an upstream gradient of 1."""
    if tensor._op is None or tensor.size != 1 or any(p.size != 1 for p in tensor._parents):
        return ()
    with np.errstate(all="ignore"):  # a local derivative may be ±inf (ln at 0): shown so
        grads = tensor._op.vjp(tensor._residuals, np.ones_like(tensor.data))
    return tuple(None if g is None else float(np.sum(g)) for g in grads)


def trace(root: Tensor, *, max_nodes: int | None = None, title: str = "",
          ties: Mapping[Tensor, Mapping[str, Any]] | None = None) -> Graph:
    """The graph that made ``root``, as plain data (see :class:`GraphNode`).

    Args:
        root: any tensor; run ``root.backward()`` first to have gradients in the graph.
        max_nodes: refuse a graph of more nodes (default: the ``graph_nodes`` limit, 400,
            ``CHAINRULE_MAX_GRAPH_NODES``): a drawing of thousands of boxes shows nothing.
        title: the graph's heading.
        ties: for some tensors, the equation fields of their node (``value_eqs``,
            ``grad_eqs``, ``line``), as a worked solution's step graph gives them.

    Raises:
        ValueError: the graph has more than ``max_nodes`` nodes (the message counts them).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace() needs a chainrule Tensor. Received: {type(root).__name__}")
    order = _bounded(_topological_order(root, constants=True), max_nodes)
    ids = {id(t): f"n{k}" for k, t in enumerate(order)}
    nodes = []
    for tensor in order:
        op, label = _label(tensor)
        grad = None if tensor.grad is None else np.array(tensor.grad, dtype=np.float64)
        nodes.append(GraphNode(
            id=ids[id(tensor)], op=op, label=label, name=tensor.name or "",
            value=np.array(tensor.data, dtype=np.float64), grad=grad,
            parents=tuple(ids[id(p)] for p in tensor._parents), local=_local(tensor),
            **(ties or {}).get(tensor, {})))
    return Graph(nodes=tuple(nodes), output=ids[id(root)], title=title)
