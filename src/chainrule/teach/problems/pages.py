"""What one printed exam page holds, for the LaTeX and the HTML sheets alike.

A page is one variant: a heading (the course or exam title, the variant number), the fields a
student fills in (name, student ID; the variant number printed in its own field), the rules
sentence (``rules.py``), the network drawn with its given weights beside a table of the given
values, and the answer table: per part of each step (forward pass, error, backward pass,
updates) a grid of the values asked, each with a box to write it in, and the part's marks.
An answer key is the same page with every box filled in (the value as the key prints it).

The grid's column count follows from the widest symbol and the widest answer, so a page of
a 2-3-1 problem (46 values) or of a 2-2-1 problem with momentum (two steps, 60 values) fits
on one A4 page; a bigger problem is scaled down to fit its page (the LaTeX sheet measures
its box, the HTML sheet estimates its height), so a sheet always has one page per variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainrule.render.latex_math import symbol_latex, width
from chainrule.teach.grading.marks import marks_text, num
from chainrule.teach.grading.report import SECTION_TITLES

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.solution import Equation, Step
    from chainrule.teach.problems.generate import GeneratedProblem

__all__ = ["Part", "parts", "step_parts", "givens", "Grid", "grid", "marks_text", "num",
           "total", "Wording", "wording", "DEFAULT_HEADING"]

#: The page's heading when the sheet has no title of its own.
DEFAULT_HEADING = "Backpropagation"
TEXT_WIDTH_CM = 18.0    # A4 with 1.5 cm margins
MAX_COLUMNS = 5
PT_PER_CM = 28.45


@dataclass(frozen=True)
class Part:
    """A part of the question: a section of a step, the values it asks and their marks."""

    letter: str
    name: str
    title: str
    asked: tuple[Equation, ...]
    marks: tuple[float, ...]

    @property
    def total(self) -> float:
        return sum(self.marks)

    @property
    def uniform(self) -> bool:
        """Whether every value of the part earns the same marks."""
        return len(set(self.marks)) == 1


def step_parts(problem: GeneratedProblem, step: Step, first_letter: int = 0) -> list[Part]:
    """The parts of one step, lettered from ``first_letter`` (0 → a)."""
    out = []
    for section in step.sections:
        asked = tuple(eq for eq in section if problem.marks_of(eq) > 0)
        if asked:
            letter = "abcdefghijklmnopqrstuvwxyz"[(first_letter + len(out)) % 26]
            out.append(Part(letter, section.name, SECTION_TITLES[section.name].capitalize(),
                            asked, tuple(problem.marks_of(eq) for eq in asked)))
    return out


def parts(problem: GeneratedProblem) -> list[tuple[Step, list[Part]]]:
    """Every step the question asks about, with its parts, lettered on across steps."""
    out: list[tuple[Step, list[Part]]] = []
    letter = 0
    for step in problem.solution.shown_steps:
        found = step_parts(problem, step, letter)
        if found:
            out.append((step, found))
            letter += len(found)
    return out


def givens(problem: GeneratedProblem) -> list[tuple[str, list[Equation]]]:
    """The given values in groups: each example's inputs and targets (one group per
    example), the learning rate and momentum, then each layer's weights and biases."""
    out = []
    many = len(problem.solution.steps) > 1
    for n, step in enumerate(problem.solution.steps, start=1):
        eqs = [eq for eq in step.section("given") if eq.kind in ("input", "target")]
        out.append((f"Example {n}" if many else "Example", eqs))
    weights = [eq for eq in problem.solution.given if eq.key[:1] in (("w",), ("b",))]
    out.append(("Training", [eq for eq in problem.solution.given if eq not in weights]))
    for layer in sorted({eq.key[1] for eq in weights}):
        out.append((f"Layer {layer}", [eq for eq in weights if eq.key[1] == layer]))
    return out


@dataclass(frozen=True)
class Grid:
    """How the answer table is laid out: columns, and the widths of a symbol and a box."""

    columns: int
    symbol_cm: float
    box_cm: float


def grid(problem: GeneratedProblem) -> Grid:
    """The answer grid of ``problem``'s page: as many columns (up to five) as the widest
    symbol and the widest answer allow across the page."""
    asked = [eq for _, found in parts(problem) for p in found for eq in p.asked]
    symbol_cm = max(width(symbol_latex(eq.symbol)) for eq in asked) / PT_PER_CM + 0.2
    box_cm = max(2.0, 0.2 * max(len(eq.printed) for eq in asked) + 0.5)
    cell = symbol_cm + box_cm + 0.8  # the gaps, and a mark count beside a box
    return Grid(max(1, min(MAX_COLUMNS, int(TEXT_WIDTH_CM // cell))), symbol_cm, box_cm)


def total(problem: GeneratedProblem) -> float:
    """The marks of the whole question."""
    return sum(part.total for _, found in parts(problem) for part in found)


@dataclass(frozen=True)
class Wording:
    """The words of a page: under the heading, over the answer table, after the total."""

    subtitle: str
    answers: str
    after_total: str


def wording(problem: GeneratedProblem, key: bool) -> Wording:
    """The words of the question page (``key=False``) or of the answer key's page."""
    if not key:
        return Wording("One training step by backpropagation",
                       "write each value, rounded as the rules say, in its box", "")
    return Wording("Answer key", "the answers as the key prints them",
                   " A value right from the student's own earlier values earns "
                   f"{num(problem.marks.fraction * 100)}% of its marks.")
