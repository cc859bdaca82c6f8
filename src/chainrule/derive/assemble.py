"""Evaluate the derivation's quantities and assemble them into equations and steps.

- *Inlining*: a quantity the convention does not write out (``shown=False``) is replaced by
  its formula wherever it is used, so it is computed in one go and never rounded on its own.
- *Full precision*: every formula evaluated from full-precision values (``Equation.exact``).
- *Rounded carry*: every reference resolved to the referenced equation's printed value.
- *Calculator carry*: every reference resolved to the printed value; what a function (f,
  exp, ln) returns rounded to the printed decimals, arithmetic on printed numbers written
  out exactly (``derive/calculator.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from chainrule.calculus.evaluate import evaluate
from chainrule.calculus.formula import (
    Node,
    Ref,
    flatten,
    refs,
    substitute,
)
from chainrule.derive import calculator, ids
from chainrule.derive.conventions import Conventions
from chainrule.derive.derivation import Quantity
from chainrule.derive.rounding import format_exact, format_value, round_value
from chainrule.derive.solution import SECTIONS, Equation, Section, Step

__all__ = ["Evaluator", "SECTION_TITLES"]

SECTION_TITLES = {
    "given": "Given", "forward": "Forward pass", "error": "Error",
    "backward": "Backward pass", "update": "Updates",
}


class Evaluator:
    """Values of all quantities of a run, in full precision and in the carry mode."""

    def __init__(self, quantities: dict[str, Quantity], conventions: Conventions) -> None:
        self.q = quantities
        self.c = conventions
        self.formulas: dict[str, Node] = {}
        self.full: dict[str, float] = {}
        self.carried: dict[str, float] = {}
        self.rounded: dict[str, float] = {}
        self.calculated: dict[str, Decimal] = {}
        self.by_step: dict[str | None, list[str]] = {}
        for qid, q in quantities.items():
            self.by_step.setdefault(q.step, []).append(qid)
        for qid in quantities:  # creation order keeps the recursion shallow
            self.full_value(qid)
            if conventions.carry != "full":
                self.carry_value(qid)

    def decimals(self, qid: str) -> int | None:
        q = self.q[qid]
        if q.formula is None:
            return self.given_decimals(qid)
        if q.kind == "weight":  # a carried-over value keeps the precision it was printed with
            assert isinstance(q.formula, Ref)
            return self.decimals(q.formula.id)
        if self.c.carry == "calculator" and calculator.linear(self.formula(qid)):
            return calculator.places(self.calculated_value(qid))  # written out exactly
        return self.c.places(q.kind, self.value(qid))

    def given_decimals(self, qid: str) -> int | None:
        """``None`` (printed exactly as given) unless a given weight has more decimals than
        a weight prints — a trained model's 0.6627933157180583 — then a weight's decimals.
        Inputs, targets, η, μ (and Adam's β₁, β₂, ε) are the problem's data and always print
        as given."""
        q = self.q[qid]
        if q.kind != "given" or qid in ids.GIVEN_RATES or q.value is None:
            return None
        places = self.c.decimals_for("update")
        written = format_exact(float(q.value))
        return places if len(written.partition(".")[2]) > places else None

    def rounded_givens(self) -> list[str]:
        """The ids of the given weights printed rounded (see ``given_decimals``)."""
        return [qid for qid, q in self.q.items()
                if q.formula is None and self.given_decimals(qid) is not None]

    def formula(self, qid: str) -> Node | None:
        """The formula as printed: hidden quantities replaced by their own formulas."""
        q = self.q[qid]
        if q.formula is None:
            return None
        if qid not in self.formulas:
            def inline(r: Ref) -> Node | None:
                target = self.q[r.id]
                return None if target.shown else self.formula(r.id)

            self.formulas[qid] = flatten(substitute(q.formula, inline))
        return self.formulas[qid]

    def full_value(self, qid: str) -> float:
        if qid not in self.full:
            q = self.q[qid]
            if q.formula is None:
                assert q.value is not None, qid
                self.full[qid] = float(q.value)
            else:
                self.full[qid] = evaluate(self.formula(qid), self.full_value)
        return self.full[qid]

    def carry_value(self, qid: str) -> float:
        """The value in rounded-carry arithmetic, before its own rounding."""
        if qid not in self.carried:
            q = self.q[qid]
            if self.c.carry == "calculator":
                self.carried[qid] = float(self.calculated_value(qid))
            elif q.formula is None:
                self.carried[qid] = float(q.value)  # type: ignore[arg-type]
            else:
                self.carried[qid] = evaluate(self.formula(qid), self.as_printed)
        return self.carried[qid]

    def calculated_value(self, qid: str) -> Decimal:
        """The number a student with a calculator writes (``carry="calculator"``)."""
        if qid not in self.calculated:
            q, formula = self.q[qid], self.formula(qid)
            tie = self.c.tie
            if formula is None:
                decimals = self.given_decimals(qid)
                value = float(q.value)  # type: ignore[arg-type]
                number = (calculator.as_decimal(value) if decimals is None
                          else round_value(value, decimals, tie))
            elif calculator.linear(formula):
                number = calculator.exact(formula, self.calculated_value, tie)
            else:  # what the calculator returns from f, exp or ln, rounded as printed
                value = evaluate(formula, lambda r: float(self.calculated_value(r)))
                self.carried[qid] = value
                number = round_value(value, self.decimals(qid), tie)  # type: ignore[arg-type]
            self.calculated[qid] = number
        return self.calculated[qid]

    def as_printed(self, qid: str) -> float:
        if qid not in self.rounded:
            decimals = self.decimals(qid)
            value = self.carry_value(qid)
            self.rounded[qid] = (value if decimals is None
                                 else float(round_value(value, decimals, self.c.tie)))
        return self.rounded[qid]

    def value(self, qid: str) -> float:
        return self.full_value(qid) if self.c.carry == "full" else self.carry_value(qid)

    def printed(self, qid: str) -> str:
        if self.c.carry == "calculator" and self.q[qid].formula is not None:
            return format(self.calculated_value(qid), "f")
        decimals = self.decimals(qid)
        value = self.value(qid)
        return format_exact(value) if decimals is None else format_value(value, decimals,
                                                                         self.c.tie)

    def equation(self, qid: str, engine: Callable[[str], float | None]) -> Equation:
        q = self.q[qid]
        formula = self.formula(qid)
        return Equation(
            id=qid, symbol=q.symbol, kind=q.kind, formula=formula,  # type: ignore[arg-type]
            value=self.value(qid), exact=self.full_value(qid), decimals=self.decimals(qid),
            printed=self.printed(qid), refs=() if formula is None else refs(formula),
            expansion=q.expansion, label=q.label, key=q.key, step=q.step, engine=engine(qid),
        )

    def sections(self, step: str, engine: Callable[[str], float | None]) -> tuple[Section, ...]:
        grouped: dict[str, list[Equation]] = {name: [] for name in SECTIONS}
        for qid in self.by_step.get(step, ()):
            q = self.q[qid]
            if q.shown:
                grouped[q.section].append(self.equation(qid, engine))
        return tuple(Section(name, SECTION_TITLES[name], tuple(grouped[name]))
                     for name in SECTIONS)

    def step(self, step: str, index: int, epoch: int, example: int,
             engine: Callable[[str], float | None]) -> Step:
        return Step(step, index, epoch, example, self.sections(step, engine))
