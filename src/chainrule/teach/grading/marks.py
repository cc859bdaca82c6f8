"""Mark schemes: how many marks each value of a worked solution earns.

The default scheme gives one mark to each value a student computes and two to each δ (the
step examiners weight most), and nothing for values copied from the question::

    net 1 · out 1 · error_term 1 · error 1 · dout 1 · fprime 1 · delta 2 ·
    gradient 1 · change 1 · update 1 · (input, target, weight, loss: 0)

A value computed correctly from the student's own earlier wrong values ("follow-through",
error carried forward) earns ``follow_through`` of its mark (default: all of it, as most
examiners mark). A teacher gives their own scheme as a ``[marks]`` table (by kind), a
``[marks.symbols]`` table (by symbol, as the solution prints it or an ASCII spelling) and
``follow_through`` in the answers file, the problem file, or a separate marks file::

    [marks]
    delta = 3
    fprime = 0           # not asked
    follow_through = 0.5

    [marks.symbols]
    "δ_o" = 4

Values with 0 marks are not asked: they are checked when answered, but missing ones cost
nothing. Marks are totalled per section of the step (forward pass, error, backward pass,
updates) and overall.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chainrule.derive.marking import DEFAULT_MARKS, FOLLOW_THROUGH
from chainrule.derive.solution import KINDS, Equation

__all__ = ["MarkScheme", "DEFAULT_MARKS", "marks_from_mapping", "problem_scheme"]


@dataclass(frozen=True)
class MarkScheme:
    """Marks per kind of value, per symbol (overriding the kind), and for follow-through.

    Attributes:
        kinds: kind (``chainrule.derive.solution.KINDS``) → marks for each such value.
        symbols: a name as a student would write it (``"δ_o"``, ``"w_11+"``, an id) →
            marks; resolved against the solution when checking.
        follow_through: the fraction of a value's marks a follow-through value earns, 0…1
            (``None``: not given here; 1 unless a scheme laid under this one gives it).
    """

    kinds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MARKS))
    symbols: Mapping[str, float] = field(default_factory=dict)
    follow_through: float | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kind in the mark scheme. Received: {', '.join(unknown)}; "
                             f"valid kinds: {', '.join(KINDS)}")
        for name, value in list(self.kinds.items()) + list(self.symbols.items()):
            _check_marks(name, value)
        if self.follow_through is not None and not 0.0 <= float(self.follow_through) <= 1.0:
            raise ValueError("follow_through must be a fraction from 0 to 1. "
                             f"Received: follow_through={self.follow_through!r}")

    @property
    def fraction(self) -> float:
        """The share of its marks a follow-through value earns."""
        return FOLLOW_THROUGH if self.follow_through is None else float(self.follow_through)

    def merged(self, other: MarkScheme | None) -> MarkScheme:
        """This scheme with what ``other`` gives laid over it."""
        if other is None:
            return self
        follow = self.follow_through if other.follow_through is None else other.follow_through
        return MarkScheme({**self.kinds, **other.kinds}, {**self.symbols, **other.symbols},
                          follow)

    def resolved(self, resolve: Callable[[str], str]) -> dict[str, float]:
        """The per-symbol marks keyed by equation id, each name resolved by ``resolve`` (a
        ``NameTable``'s, as ``chainrule check`` reads a sheet); an unknown name raises
        ``ValueError`` naming the scheme."""
        out = {}
        for name, value in self.symbols.items():
            try:
                out[resolve(name)] = float(value)
            except ValueError as exc:
                raise ValueError(f"mark scheme: {exc}") from None
        return out

    def for_equation(self, eq: Equation, symbol_marks: Mapping[str, float]) -> float:
        """The marks of ``eq``; ``symbol_marks`` are the symbol overrides resolved to ids."""
        if eq.id in symbol_marks:
            return float(symbol_marks[eq.id])
        return float(self.kinds.get(eq.kind, DEFAULT_MARKS.get(eq.kind, 0)))


#: The most marks one value may carry: totals of a whole exam stay exact in floating point.
MAX_MARKS = 1_000_000


def _check_marks(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value) or not 0 <= value <= MAX_MARKS:
        raise ValueError(f"marks must be non-negative numbers, at most {MAX_MARKS}. "
                         f"Received: {name}={value!r}")


def marks_from_mapping(table: Mapping[str, Any], base: MarkScheme | None = None) -> MarkScheme:
    """A scheme from a ``marks`` table (as TOML parses it): kinds, a ``symbols`` sub-table
    and ``follow_through``, laid over ``base`` (default: the default scheme)."""
    base = base or MarkScheme()
    kinds, symbols = {}, {}
    follow = None
    for key, value in table.items():
        if key == "symbols":
            if not isinstance(value, Mapping):
                raise ValueError(f"marks.symbols must be a table. Received: {value!r}")
            symbols.update({str(k): v for k, v in value.items()})
        elif key == "follow_through":
            follow = value
        else:
            kinds[key] = value
    return base.merged(MarkScheme(kinds, symbols, _fraction(follow)))


def problem_scheme(problem_marks: Mapping[str, Any] | None, sheet: MarkScheme | None,
                   where: object) -> MarkScheme:
    """The scheme a problem is graded by: the default, the sheet's (or key's) ``[marks]`` laid
    over it, then the problem file's ``[marks]`` table; an error in that table names
    ``where`` (the problem)."""
    scheme = MarkScheme().merged(sheet)
    if not problem_marks:
        return scheme
    try:
        return marks_from_mapping(problem_marks, scheme)
    except ValueError as exc:
        raise ValueError(f"{where}: [marks]: {exc}") from None


def _fraction(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"follow_through must be a number from 0 to 1. Received: {value!r}")
    return float(value)


def num(x: float) -> str:
    """A mark count as a person writes it: 2, 0.5."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def marks_text(x: float) -> str:
    """``1 mark``, ``2 marks``, ``0.5 marks``."""
    return f"{num(x)} mark" + ("" if x == 1 else "s")
