"""The data model of a worked solution: equations, sections, steps, the solution itself.

Everything here is plain immutable data made by ``chainrule.derive.derivation``; renderers
(``to_text`` here, Markdown/LaTeX/JSON/HTML elsewhere) only format it. The reference for
renderer, checker and diagram authors is ``docs/explain.md``.

An :class:`Equation` reads ``symbol = formula(symbols) = formula(numbers) = value``::

    net_h1 = w_11·x_1 + w_21·x_2 + w_01·1 = 0.15·0.05 + 0.2·0.1 + 0.35·1 = 0.3775
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

# The renderers, for the convenience methods only: they are the floor above, and they read
# this module's types for annotations only, so the import goes one way (the import contract
# lists this edge).
from chainrule import render
from chainrule.calculus.formula import Node
from chainrule.derive.symbol import Partial, Symbol

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.conventions import Conventions
    from chainrule.derive.matrix import MatrixForm

__all__ = [
    "KINDS", "SECTIONS", "Equation", "Section", "Step", "DerivationLine", "LayerInfo",
    "NetworkInfo", "WeightRow", "WorkedSolution",
]

#: Equation kinds, in the order they appear in a step.
KINDS = (
    "given",      # a value stated in the problem: weight, bias, learning rate, momentum
    "input",      # an example's input x_i
    "target",     # an example's target t_k
    "weight",     # a weight or bias at the start of a step (= its value after the last step)
    "net",        # net input of a unit: Σ w·x + b
    "out",        # output of a unit: f(net)
    "error_term", # one output's share of the error (E_o1), when the convention lists them
    "error",      # the example's error E (the loss the engine minimises)
    "dout",       # ∂E/∂out of a unit (sign form "plus": the error signal t − y, or δ_in)
    "fprime",     # f′(net) = ∂out/∂net
    "delta",      # δ = ∂E/∂net (sign form "plus": −∂E/∂net, Fausett's and Han's δ / Err)
    "gradient",   # ∂E/∂w
    "change",     # Δw (with momentum: the velocity)
    "update",     # the weight after the update, w⁺
    "loss",       # the loss of an epoch: mean of the examples' errors
)

#: Section names of a step, in order.
SECTIONS = ("given", "forward", "error", "backward", "update")


@dataclass(frozen=True)
class Equation:
    """One line of a worked solution: ``symbol = formula = numbers = value``.

    Attributes:
        id: unique, stable and convention-independent, e.g. ``"s1.net.1.2"`` (step 1, net
            input of unit 2 of layer 1); see ``docs/explain.md`` for the scheme.
        symbol: the name in the convention's notation (``net_h2``, ``∂E/∂w_12``, ``w_12⁺``).
        kind: one of :data:`KINDS`.
        formula: the right-hand side over other equations' ids; ``None`` for a given value.
        value: the formula's value in the solution's carry mode, before rounding for print.
        exact: the formula's value in full precision (equal to ``value`` for carry "full").
        decimals: printed decimal places; ``None`` for a given value printed exactly (a
            given weight with more decimals than a weight prints is rounded to them).
        printed: the value as printed (``"-0.0065"``; ASCII minus; renderers may restyle).
        refs: the ids ``formula`` refers to, in order of first appearance.
        expansion: an optional symbolic-only form printed between symbol and formula (the
            chain rule: ``∂E/∂out_o·∂out_o/∂net_o·∂net_o/∂v_1``).
        label: a short description (``"net input of h2"``).
        key: the quantity without its step: ``("net", 1, 2)``, ``("w", 2, 1, 1)``.
        step: the step id (``"s1"``) or ``None`` for solution-level values.
        engine: the engine's value this equation was checked against, when it has one.
    """

    id: str
    symbol: Symbol | Partial
    kind: str
    formula: Node | None
    value: float
    exact: float
    decimals: int | None
    printed: str
    refs: tuple[str, ...] = ()
    expansion: Node | None = None
    label: str = ""
    key: tuple[Any, ...] = ()
    step: str | None = None
    engine: float | None = None

    @property
    def rounded(self) -> float:
        """The value as printed, as a float."""
        return float(self.printed)


@dataclass(frozen=True)
class Section:
    """A titled, ordered group of equations (one of :data:`SECTIONS` inside a step)."""

    name: str
    title: str
    equations: tuple[Equation, ...]

    def __iter__(self) -> Iterator[Equation]:
        return iter(self.equations)

    def __len__(self) -> int:
        return len(self.equations)


@dataclass(frozen=True)
class Step:
    """One training example processed: forward pass, error, backward pass, updates.

    ``index`` counts steps from 1 over the whole run; ``epoch`` and ``example`` (both from
    1) say which example of which epoch it is; ``sections`` follow :data:`SECTIONS`
    (a section may be empty).
    """

    id: str
    index: int
    epoch: int
    example: int
    sections: tuple[Section, ...]

    def section(self, name: str) -> Section:
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(f"step {self.id} has no section {name!r}")

    def equations(self) -> Iterator[Equation]:
        for s in self.sections:
            yield from s.equations


@dataclass(frozen=True)
class DerivationLine:
    """A symbolic line of the general derivation: ``lhs = forms[0] = forms[1] = …``.

    The nodes hold symbols (``Sym``) and constants only, never values. ``note`` says what
    the line does ("chain rule", "delta rule").
    """

    lhs: Node
    forms: tuple[Node, ...]
    note: str = ""


@dataclass(frozen=True)
class LayerInfo:
    """One layer of units. Layer 0 is the input layer (activation ``"input"``)."""

    units: int
    activation: str
    names: tuple[Symbol, ...]  # each unit's name: x_1, h1, o, 4, a⁽¹⁾_1 …


@dataclass(frozen=True)
class NetworkInfo:
    """The architecture being explained, for titles and diagrams.

    ``bias`` is the convention's bias form; ``bias_symbols[l-1]`` holds the bias symbols of
    layer ``l`` (empty for bias form ``"none"``; one symbol for ``"shared"``).
    """

    layers: tuple[LayerInfo, ...]
    loss: str
    bias: str
    bias_symbols: tuple[tuple[Symbol, ...], ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(layer.units for layer in self.layers)


@dataclass(frozen=True)
class WeightRow:
    """A row of the weight table: a parameter's initial value and its value after each
    epoch, as equation ids (``given`` is a ``"given"`` equation; ``after`` are updates)."""

    param: str
    symbol: Symbol
    given: str
    after: tuple[str, ...]


@dataclass(frozen=True)
class WorkedSolution:
    """A complete worked solution; render it with ``to_text()`` (and the other renderers).

    Attributes:
        conventions: the conventions in force (``conventions.describe()`` is the top line).
        network: the architecture.
        given: solution-level given values: learning rate, momentum, initial weights.
        derivation: the general symbolic derivation for this architecture.
        steps: every step computed, in order (epochs × examples).
        shown: ids of the steps printed in full (all of one epoch; first and last otherwise).
        weight_table: each parameter's initial value and value after each epoch.
        losses: one ``"loss"`` equation per epoch.
        notes: remarks in plain text (published slips, cancellations, kinks …).
        title: a heading ("" for none).
        meta: data a producer attaches (a problem file's name and source, example labels);
            ``explain`` leaves it empty.
        matrix: the matrix form (``chainrule.derive.matrix.MatrixForm``) when asked for
            (``explain(..., form="matrix")``); the renderers then write it.
    """

    conventions: Conventions
    network: NetworkInfo
    given: Section
    derivation: tuple[DerivationLine, ...]
    steps: tuple[Step, ...]
    shown: tuple[str, ...]
    weight_table: tuple[WeightRow, ...]
    losses: Section
    notes: tuple[str, ...] = ()
    title: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    matrix: MatrixForm | None = None

    # --- lookups --------------------------------------------------------------------------
    @cached_property
    def equations(self) -> Mapping[str, Equation]:
        """Every equation by id (given values, all steps, epoch losses)."""
        table: dict[str, Equation] = {}
        for eq in self.given:
            table[eq.id] = eq
        for step in self.steps:
            for eq in step.equations():
                table[eq.id] = eq
        for eq in self.losses:
            table[eq.id] = eq
        return table

    def equation(self, id: str) -> Equation:  # noqa: A002 - the field's name
        try:
            return self.equations[id]
        except KeyError:
            raise KeyError(f"no equation with id {id!r}") from None

    def lookup(self, id: str) -> tuple[Symbol | Partial, str]:  # noqa: A002
        """``(symbol, printed value)`` of equation ``id``: what printers need for a ``Ref``."""
        eq = self.equation(id)
        return eq.symbol, eq.printed

    def step(self, id: str) -> Step:  # noqa: A002
        for s in self.steps:
            if s.id == id:
                return s
        raise KeyError(f"no step with id {id!r}")

    @property
    def shown_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.id in self.shown)

    @property
    def epochs(self) -> int:
        return len(self.losses)

    # --- rendering: thin delegations to chainrule.render, the floor above ---------------
    def to_text(self) -> str:
        """The solution as plain Unicode text: ``chainrule.render.text(self)``."""
        return render.text(self)

    def to_markdown(self) -> str:
        """Markdown with LaTeX math: ``chainrule.render.markdown(self)``."""
        return render.markdown(self)

    def to_latex(self) -> str:
        """A complete LaTeX document: ``chainrule.render.latex(self)``."""
        return render.latex(self)

    def to_json(self) -> str:
        """The solution as JSON: ``chainrule.render.json(self)``."""
        return render.json(self)

    def to_html(self, *, practice: bool = False) -> str:
        """A self-contained, offline HTML walk-through (with ``practice``, the practice page
        that asks each value first): ``chainrule.render.html(self, practice=practice)``."""
        return render.html(self, practice=practice)

    def diagram(self, *, show_updates: bool = False, step: str | None = None) -> str:
        """The annotated network as SVG (``chainrule.render.diagram``): weights on the edges
        (before → after with ``show_updates``), net, out and δ on the neurons."""
        return render.diagram(self, show_updates=show_updates, step=step)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return render.fragment(self)

    def __str__(self) -> str:
        return self.to_text()

