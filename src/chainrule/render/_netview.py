"""What a network diagram shows, read from a ``WorkedSolution`` or a model: plain data.

The diagram draws a :class:`View` and computes nothing. From a solution every number is an
equation's ``printed`` value and every drawn element names the ids of the equations it
shows (``docs/explain.md`` §3), so a page can highlight the element an equation is about.
From a model (no example, no training step) only the weights are known; they are printed
with 4 decimals.

>>> import numpy as np
>>> view = from_model([(np.array([[0.5], [-0.25]]), np.array([0.1]), "sigmoid")])
>>> [(e.param, e.before) for e in view.edges]
[('w.1.1.1', '0.5000'), ('w.1.2.1', '-0.2500'), ('b.1.1', '0.1000')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainrule.derive import ids
from chainrule.derive.conventions import get
from chainrule.derive.families import notation_for
from chainrule.derive.network import Network
from chainrule.derive.rounding import format_value
from chainrule.derive.symbol import Symbol

__all__ = ["Value", "Unit", "Edge", "View", "from_solution", "from_model", "view_of"]

#: Bias forms drawn as a bias unit in the layer below (a constant input of +1 or −1).
BIAS_UNIT_FORMS = {"input": "1", "shared": "1", "threshold": "−1"}


@dataclass(frozen=True)
class Value:
    """One printed value shown at a unit: ``label = printed`` (``net = 0.3775``)."""

    label: Symbol    # the symbol without its unit index: net, out, δ, I, Err, z⁽¹⁾
    symbol: str      # the full symbol as text, for tooltips: net_h1
    printed: str     # the equation's printed value (ASCII minus)
    eq: str          # the equation's id
    after: str | None = None   # a bias drawn at its unit: the value after the update
    after_eq: str | None = None
    param: str | None = None   # a bias drawn at its unit: its parameter id


@dataclass(frozen=True)
class Unit:
    """A neuron (``index`` from 1), a bias unit (``index`` 0) of layer ``layer``."""

    layer: int
    index: int
    name: Symbol
    kind: str                      # "input", "hidden", "output" or "bias"
    values: tuple[Value, ...] = ()
    eqs: tuple[str, ...] = ()      # every equation about this unit


@dataclass(frozen=True)
class Edge:
    """A weight (or a bias drawn as an edge from a bias unit) into unit ``target`` of
    layer ``layer`` from unit ``source`` of layer ``layer − 1`` (0: the bias unit)."""

    param: str                     # "w.1.2.1", "b.1.1" or "b.1" (a shared bias)
    layer: int
    source: int
    target: int
    symbol: Symbol
    before: str                    # printed value at the start of the step
    after: str | None              # printed value after the step's update (None: frozen)
    value: float                   # the value before, for colour and width
    eqs: tuple[str, ...] = ()      # weight, gradient, change and update equations
    after_eq: str | None = None


@dataclass(frozen=True)
class View:
    """A network to draw: ``units[l]`` are layer l's neurons (layer 0: the inputs),
    ``bias_units[l]`` the bias unit in layer l feeding layer l + 1, if drawn."""

    units: tuple[tuple[Unit, ...], ...]
    activations: tuple[str, ...]
    edges: tuple[Edge, ...]
    bias_units: dict[int, Unit]
    bias: str
    step: str | None = None
    title: str = ""

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(layer) for layer in self.units)


def view_of(subject: Any, *, step: str | None = None) -> View:
    """A :class:`View` of a ``WorkedSolution`` (at ``step``) or of a model."""
    if hasattr(subject, "steps") and hasattr(subject, "network"):
        return from_solution(subject, step=step)
    if step is not None:
        raise ValueError(f"step is only meaningful for a worked solution. Received: step={step!r}")
    return from_model(subject)


# --- from a worked solution ------------------------------------------------------------------
def _label(symbol: Any) -> Symbol:
    """A value's row label: the symbol without its unit index (net_h1 → net)."""
    if isinstance(symbol, Symbol):
        return Symbol(symbol.base, (), symbol.sup)
    return Symbol(getattr(symbol, "text", str(symbol)))


def from_solution(solution: Any, *, step: str | None = None) -> View:
    """The units, values and weights of one step of ``solution`` (default: the first
    step shown in full)."""
    if step is None:
        chosen = (solution.shown_steps or solution.steps)[0]
    else:
        chosen = solution.step(step)
    s, eqs, net = chosen.id, solution.equations, solution.network
    depth = len(net.layers) - 1
    layers = []
    for layer, info in enumerate(net.layers):
        kind = "input" if layer == 0 else ("output" if layer == depth else "hidden")
        layers.append(tuple(_solution_unit(eqs, s, layer, j, name, kind)
                            for j, name in enumerate(info.names, start=1)))
    edges, separate = _solution_edges(chosen, eqs, net.bias, layers)
    if separate:  # a bias per neuron, no bias unit: written at its neuron
        layers = [tuple(_with_bias(u, separate.get((u.layer, u.index))) for u in units)
                  for units in layers]
    mark = BIAS_UNIT_FORMS.get(net.bias)
    bias_units = {}
    if mark is not None:
        for layer in sorted({e.layer for e in edges if e.source == 0}):
            bias_units[layer - 1] = Unit(layer - 1, 0, Symbol(mark), "bias")
    activations = tuple(info.activation for info in net.layers)
    return View(tuple(layers), activations, tuple(edges), bias_units, net.bias, s,
                solution.title)


def _solution_unit(eqs: Any, s: str, layer: int, j: int, name: Symbol, kind: str) -> Unit:
    if layer == 0:
        names = [ids.x(s, j)]
    else:
        names = [f(s, layer, j) for f in (ids.net, ids.out, ids.dout, ids.fprime, ids.delta)]
        if kind == "output":
            names[2:2] = [ids.t(s, j), ids.error_term(s, j), ids.error(s)]
    present = tuple(i for i in names if i in eqs)
    shown = ("x", "net", "out", "t", "delta")
    values = tuple(Value(_label(eqs[i].symbol), eqs[i].symbol.text, eqs[i].printed, i)
                   for i in present if ids.parse(i).name in shown)
    return Unit(layer, j, name, kind, values, present)


def _param_eqs(eqs: Any, s: str, key: tuple) -> tuple[tuple[str, ...], str | None]:
    found = tuple(i for i in (f(s, key) for f in (ids.weight, ids.gradient, ids.change,
                                                  ids.updated)) if i in eqs)
    after = ids.updated(s, key)
    return found, (after if after in eqs else None)


def _solution_edges(step: Any, eqs: Any, bias: str, layers: list[tuple[Unit, ...]]
                    ) -> tuple[list[Edge], dict[tuple[int, int], Value]]:
    edges: list[Edge] = []
    separate: dict[tuple[int, int], Value] = {}
    for eq in step.section("given"):
        if eq.kind != "weight":
            continue
        key = eq.key
        param = ids.param(key)
        shown, after_eq = _param_eqs(eqs, step.id, key)
        after = eqs[after_eq].printed if after_eq else None
        if key[0] == "w":
            edges.append(Edge(param, key[1], key[2], key[3], eq.symbol, eq.printed, after,
                              eq.value, shown, after_eq))
        elif len(key) == 2:  # one shared bias, an edge from the bias unit to every neuron
            for j in range(1, len(layers[key[1]]) + 1):
                edges.append(Edge(param, key[1], 0, j, eq.symbol, eq.printed, after,
                                  eq.value, shown, after_eq))
        elif bias in BIAS_UNIT_FORMS:
            edges.append(Edge(param, key[1], 0, key[2], eq.symbol, eq.printed, after,
                              eq.value, shown, after_eq))
        else:
            separate[(key[1], key[2])] = Value(_label(eq.symbol), eq.symbol.text, eq.printed,
                                               shown[0], after, after_eq, param)
    return edges, separate


def _with_bias(unit: Unit, value: Value | None) -> Unit:
    if value is None:
        return unit
    ids = tuple(i for i in (value.eq, value.after_eq) if i)
    return Unit(unit.layer, unit.index, unit.name, unit.kind, unit.values + (value,),
                unit.eqs + ids)


# --- from a model ------------------------------------------------------------------------------
def from_model(model: Any) -> View:
    """The units and weights of a ``Sequential`` of Dense layers (or a list of
    ``(kernel, bias, activation)``), named in the blog's notation; weights to 4 decimals."""
    network = Network.from_any(model)
    sizes = network.sizes
    depth = len(sizes) - 1
    notation = notation_for(get("blog"), sizes)
    layers = []
    for layer, n in enumerate(sizes):
        kind = "input" if layer == 0 else ("output" if layer == depth else "hidden")
        layers.append(tuple(Unit(layer, j, notation.unit(layer, j), kind)
                            for j in range(1, n + 1)))
    edges, bias_units = [], {}
    for layer, (kernel, b) in enumerate(zip(network.kernels, network.biases), start=1):
        for j in range(1, kernel.shape[1] + 1):
            for i in range(1, kernel.shape[0] + 1):
                key = ("w", layer, i, j)
                w = float(kernel[i - 1, j - 1])
                edges.append(Edge(ids.param(key), layer, i, j, notation.param(key),
                                  format_value(w, 4), None, w))
            if b is not None:
                bias_units[layer - 1] = Unit(layer - 1, 0, Symbol("1"), "bias")
                value = float(b[j - 1])
                edges.append(Edge(ids.param(("b", layer, j)), layer, 0, j,
                                  notation.param(("b", layer, j)), format_value(value, 4),
                                  None, value))
    activations = ("input",) + network.activations
    return View(tuple(layers), activations, tuple(edges), bias_units, "input")
