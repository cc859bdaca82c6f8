"""The result of checking an answer sheet: per value, per section, the slip; text and dict."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from html import escape
from typing import Any

from chainrule._util.text import counted, text_number
from chainrule.teach.grading.marks import num

__all__ = ["ValueResult", "SlipFinding", "CheckReport", "SECTION_TITLES"]

SECTION_TITLES = {
    "given": "given", "forward": "forward pass", "error": "error",
    "backward": "backward pass", "update": "updates", "other": "other",
}
STATUSES = ("right", "follow-through", "wrong", "missing")


@dataclass(frozen=True)
class ValueResult:
    """The verdict on one value.

    Attributes:
        id, symbol, kind: the equation (``"s1.delta.2.1"``, ``"δ_o"``, ``"delta"``).
        name, answer, value: the name and number as the student wrote them.
        key: the worked solution's printed value.
        status: ``right``, ``follow-through``, ``wrong`` or ``missing`` (asked, not given).
        expected: for a value that is not right, what the solution's formula gives from the
            student's own earlier values.
        where, line: the file and line it was read from.
        marks, out_of, section: marks earned and available; the section of the step.
        note: a remark (fewer decimals than the solution prints …).
    """

    id: str
    symbol: str
    name: str
    answer: str
    value: float
    key: str
    status: str
    where: str
    line: int
    kind: str
    note: str = ""
    expected: str = ""
    marks: float = 0.0
    out_of: float = 0.0
    section: str = "other"

    def with_marks(self, marks: float, out_of: float, section: str) -> ValueResult:
        return replace(self, marks=marks, out_of=out_of, section=section)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in (
            "id", "symbol", "name", "answer", "key", "status", "expected", "marks", "out_of",
            "section", "line", "note")}
        out["value"] = None if math.isnan(self.value) else self.value
        return out


@dataclass(frozen=True)
class SlipFinding:
    """The slip that best reproduces the student's numbers.

    ``explains`` are the ids of the values it reproduces, ``explains_first`` whether the
    first wrong value is one of them, ``where`` where the slip was applied. ``alone`` are
    those it reproduces only computed from the given values under the slip's rule, not from
    the student's own other values (the student's numbers follow different rules).
    """

    name: str
    title: str
    rule: str
    where: str
    explains: tuple[str, ...]
    explains_first: bool
    alone: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "rule": self.rule, "where": self.where,
                "explains": list(self.explains), "explains_first": self.explains_first,
                "alone": list(self.alone)}


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: a result per answered value (in the solution's order), the
    asked values not answered, the first wrong value, the most likely slip (``None`` when
    nothing is wrong), ``drift``: right values whose last digits come from rounding the other
    way (no marks lost, and never a slip), and ``ambiguous``: right values whose digits a
    slip gives too, which at these decimals cannot be told from rounding."""

    results: tuple[ValueResult, ...]
    missing: tuple[ValueResult, ...]
    first_wrong: ValueResult | None
    slip: SlipFinding | None
    convention: str
    follow_through: float
    drift: SlipFinding | None = None
    ambiguous: SlipFinding | None = None

    # --- totals ------------------------------------------------------------------------------
    @property
    def marks(self) -> float:
        return math.fsum(r.marks for r in self.results)

    @property
    def out_of(self) -> float:
        return math.fsum(r.out_of for r in self.results + self.missing)

    @property
    def full_marks(self) -> bool:
        return self.out_of > 0 and self.marks == self.out_of

    def sections(self) -> dict[str, tuple[float, float]]:
        """Section name → (marks, out of), in the order of a step, sections with marks."""
        totals: dict[str, list[float]] = {name: [0.0, 0.0] for name in SECTION_TITLES}
        for r in self.results + self.missing:
            totals[r.section][0] += r.marks
            totals[r.section][1] += r.out_of
        return {k: (v[0], v[1]) for k, v in totals.items() if v[1] > 0}

    def count(self, status: str) -> int:
        return sum(1 for r in self.results + self.missing if r.status == status)

    def result(self, name_or_id: str) -> ValueResult:
        """The result for an equation id or a symbol as printed."""
        for r in self.results + self.missing:
            if name_or_id in (r.id, r.symbol, r.name):
                return r
        raise KeyError(f"no result for {name_or_id!r}")

    # --- output ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of everything in the report."""
        return {
            "convention": self.convention,
            "results": [r.to_dict() for r in self.results],
            "missing": [r.to_dict() for r in self.missing],
            "first_wrong": self.first_wrong.id if self.first_wrong else None,
            "slip": self.slip.to_dict() if self.slip else None,
            "drift": self.drift.to_dict() if self.drift else None,
            "ambiguous": self.ambiguous.to_dict() if self.ambiguous else None,
            "marks": self.marks, "out_of": self.out_of,
            "sections": {k: list(v) for k, v in self.sections().items()},
            "counts": {s: self.count(s) for s in STATUSES},
            "follow_through": self.follow_through,
        }

    def to_text(self) -> str:
        """The report as plain text: a table of values, the diagnosis and the marks."""
        lines = [f"Checked {counted(len(self.results), 'value')} against the worked solution "
                 f"({self.convention} conventions).", ""]
        lines += _table(self.results)
        lines += [""] + self.diagnosis()
        if self.missing:
            names = ", ".join(f"{r.symbol} ({num(r.out_of)})" for r in self.missing)
            lines += ["", f"Not answered: {names}."]
        parts = [f"{SECTION_TITLES[k]} {num(m)}/{num(o)}" for k, (m, o) in
                 self.sections().items()]
        parts.append(f"total {num(self.marks)}/{num(self.out_of)}")
        lines += ["", "Marks: " + " · ".join(parts)]
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        """In a notebook, the report as :meth:`to_text` writes it (escaped), not as the
        dataclass's fields."""
        return f'<pre class="cr-report">{escape(self.to_text())}</pre>'

    def diagnosis(self, *, keys: bool = True) -> list[str]:
        """The diagnosis in sentences: the first wrong value, the slip, rounding drift.
        ``keys=False`` leaves out the solution's values (and where the answer was written),
        for a student who may try again."""
        lines = []
        first = self.first_wrong
        if first is None:
            lines.append("No wrong values." + (" Follow-through values earn their marks."
                                               if self.count("follow-through") else ""))
        elif not keys:
            lines.append(f"First wrong value: {first.symbol}.")
        else:
            lines.append(f"First wrong value: {first.symbol} = {text_number(first.answer)} "
                         f"({first.where}); the solution has {text_number(first.key)}.")
        slip = self.slip
        if slip is not None:
            lead = "Most likely slip" if slip.explains_first else "A slip found later"
            found = [i for i in slip.explains if i not in slip.alone]
            text = f"{lead}: {slip.title} ({slip.where}): {slip.rule}."
            if found:
                text += f" It reproduces {self._symbols(found)}."
            if slip.alone:
                text += (f" {self._symbols(slip.alone)} follow{'s' * (len(slip.alone) == 1)} "
                         "from the given values under this rule, not from your other values.")
            lines.append(text)
        elif first is not None:
            lines.append("No known slip reproduces it.")
        if self.drift is not None:
            lines.append(f"Rounding drift: the last digits of "
                         f"{self._symbols(self.drift.explains)} come from "
                         f"{self.drift.where}; no marks are lost.")
        if self.ambiguous is not None:
            lines.append(f"Ambiguous: {self._symbols(self.ambiguous.explains)} within rounding "
                         f"of the solution, and also what {self.ambiguous.title} gives "
                         f"({self.ambiguous.where}); at these decimals the two cannot be told "
                         "apart, so no marks are lost.")
        return lines

    def _symbols(self, ids: Any) -> str:
        return ", ".join(self.result(i).symbol for i in ids)



def _table(results: tuple[ValueResult, ...]) -> list[str]:
    rows = [["value", "yours", "solution", "result", "marks", ""]]
    for r in results:
        extra = r.note
        if r.status == "follow-through":
            extra = f"from your values: {text_number(r.expected)}"
        rows.append([r.symbol, text_number(r.answer), text_number(r.key), r.status,
                     f"{num(r.marks)}/{num(r.out_of)}", extra])
    widths = [max(len(row[c]) for row in rows) for c in range(5)]
    out = []
    for row in rows:
        cells = [row[c].ljust(widths[c]) for c in range(5)] + [row[5]]
        out.append(("  " + "  ".join(cells)).rstrip())
    return out
