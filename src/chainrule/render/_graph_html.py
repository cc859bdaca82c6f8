"""The computation-graph view of the HTML walk-through: each shown step's graph, a toggle
between it and the network diagram, and the data for stepping the backward pass node by node.

Stepping visits the nodes in reverse topological order (the order ``backward()`` fills
them), from E to the inputs. At each node the page writes its gradient as the chain rule
makes it, local derivative × upstream gradient, summed over the node's consumers::

    ∂E/∂net_h1 = ∂out_h1/∂net_h1 × ∂E/∂out_h1 = 0.2055 × 0.1215 = 0.02498

and highlights the worked-solution line that writes the same product (the node's ``line``:
δ for a net input, ∂E/∂out for an output, ∂E/∂w for a weight). The sentences are made here
from the graph's numbers; ``assets/graph.js`` only shows them (as text, never as markup).

>>> from chainrule.derive import explain
>>> solution = explain([([[0.5]], [0.1], "sigmoid")], [1.0], [1.0], learning_rate=0.5)
>>> markup, data = graph_views(solution)
>>> data["s1"]["order"][0] == data["s1"]["output"], 'class="cr-graph-wrap"' in markup
(True, True)
"""

from __future__ import annotations

from html import escape
from typing import Any

from chainrule.derive.graph import step_graph
from chainrule.engine.trace import Graph, GraphNode
from chainrule.render._graph import graph_svg, number_text

__all__ = ["graph_views", "backward_steps", "toggle"]


def _name(node: GraphNode) -> str:
    """How a sentence names a node: its name, in parentheses when it is a formula."""
    if not node.name:
        return f"[{node.label} {node.id}]"
    return f"({node.name})" if any(c in node.name for c in " ·+−") else node.name


def _factor(x: float) -> str:
    """A factor of a product: a negative one in parentheses, ``(−0.9)``."""
    text = number_text(x)
    return f"({text})" if text.startswith("−") else text


def _node_step(g: Graph, node: GraphNode) -> dict[str, Any]:
    """One stop of the backward pass: the node, its terms (local, upstream) and the sentence."""
    grad = float(node.grad.ravel()[0]) if node.grad is not None else 0.0
    name = _name(node)
    if node.id == g.output:
        text = f"∂{name}/∂{name} = {number_text(grad)}: the backward pass starts here"
        return {"node": node.id, "terms": [], "grad": grad, "line": node.line, "text": text}
    terms, symbols, numbers = [], [], []
    for child, k in g.children(node.id):
        local = child.local[k] if child.local else None
        if local is None or child.grad is None:
            continue
        upstream = float(child.grad.ravel()[0])
        terms.append([local, upstream, child.id])
        top = _name(g.node(g.output))
        symbols.append(f"∂{_name(child)}/∂{name} × ∂{top}/∂{_name(child)}")
        numbers.append(f"{_factor(local)} × {_factor(upstream)}")
    top = _name(g.node(g.output))
    text = (f"∂{top}/∂{name} = {' + '.join(symbols)} = {' + '.join(numbers)} = "
            f"{number_text(grad)}")
    return {"node": node.id, "terms": terms, "grad": grad, "line": node.line, "text": text}


def backward_steps(g: Graph) -> list[dict[str, Any]]:
    """The backward pass's stops: every scalar node with a gradient, output first, in reverse
    topological order; each ``{"node", "terms": [[local, upstream, child id]], "grad",
    "line", "text"}``."""
    return [_node_step(g, n) for n in reversed(g.nodes)
            if n.grad is not None and n.scalar]


def toggle() -> str:
    """The two buttons that switch the figure between the network and the graph; hidden
    until ``graph.js`` runs, so a page shown without scripts offers no dead control."""
    return ('<div class="cr-view-toggle" role="group" aria-label="View" hidden>'
            '<button type="button" data-graph-action="network" aria-pressed="true" '
            'title="the network diagram (g toggles)">Network</button>'
            '<button type="button" data-graph-action="graph" aria-pressed="false" '
            'title="the computation graph of the step (g toggles)">Computation graph</button>'
            "</div>")


def _controls() -> str:
    return ('<div class="cr-graph-controls">'
            '<button type="button" data-graph-action="previous" '
            'title="previous node of the backward pass (p)">◀ Previous node</button>'
            '<button type="button" data-graph-action="next" '
            'title="next node of the backward pass, from E to the inputs (n)">'
            "Backward: next node ▶</button>"
            '<span class="cr-graph-now" aria-live="polite">Press n to step the backward '
            "pass node by node.</span></div>")


def graph_views(solution: Any) -> tuple[str, dict[str, Any]]:
    """``(markup, data)``: a hidden ``.cr-graphs`` block with each shown step's graph (or a
    line saying why it is not drawn) and, by step id, its backward stops."""
    figures, data = [], {}
    for step in solution.shown_steps or solution.steps[:1]:
        try:
            g = step_graph(solution, step.id)
        except ValueError as error:
            figures.append(f'<figure class="cr-graph-wrap" data-step="{escape(step.id)}">'
                           f'<p class="cr-graph-none">The computation graph is not drawn: '
                           f"{escape(str(error))}</p></figure>")
            continue
        stops = backward_steps(g)
        data[step.id] = {"output": g.output, "order": [s["node"] for s in stops],
                         "stops": stops}
        svg = graph_svg(g, marker=f"cr-garrow-{step.id}")
        figures.append(f'<figure class="cr-graph-wrap" data-step="{escape(step.id)}">'
                       f"{svg}</figure>")
    markup = (f'<div class="cr-graphs" hidden>{_controls()}{"".join(figures)}</div>')
    return markup, data
