"""A graded class as a gradebook CSV and one feedback page per student (Markdown and HTML).

The gradebook has one row a sheet: ``student``, ``variant``, the marks of each section of
the step, ``total``, ``out_of``, ``first_wrong`` (the symbol), ``slip`` (its name),
``flag`` (a sheet that does not match its variant, or could not be read) and ``sheet``.
Text cells that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) are
written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

from chainrule.derive.solution import WorkedSolution
from chainrule.render import fragment, markdown
from chainrule.render._html import page
from chainrule.render._markdown import escape as md_escape
from chainrule.teach.grading.batch import SECTIONS, Graded
from chainrule.teach.grading.marks import num
from chainrule.teach.grading.report import SECTION_TITLES

__all__ = ["gradebook_csv", "feedback_pages", "feedback_markdown", "feedback_html",
           "feedback_name", "COLUMNS"]

COLUMNS = ("student", "variant", *SECTIONS, "total", "out_of", "first_wrong", "slip",
           "flag", "sheet")
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def gradebook_csv(graded: Sequence[Graded]) -> str:
    """The gradebook as CSV text (see the module doc)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([SECTION_TITLES.get(c, c) if c in SECTIONS else c for c in COLUMNS])
    for g in graded:
        writer.writerow([_cell(v) for v in _row(g)])
    return out.getvalue()


def _row(g: Graded) -> list[object]:
    r = g.report
    sections = r.sections() if r is not None else {}
    marks = [num(sections[name][0]) if name in sections else "" for name in SECTIONS]
    first = r.first_wrong.symbol if r is not None and r.first_wrong else ""
    slip = r.slip.name if r is not None and r.slip else ""
    total = (num(r.marks), num(r.out_of)) if r is not None else ("", "")
    return [g.student, "" if g.variant is None else g.variant, *marks, *total, first, slip,
            g.flag or (f"error: {g.error}" if g.error else ""), g.sheet]


def _cell(value: object) -> object:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value  # a spreadsheet must show it, not run it
    return value



# --- feedback --------------------------------------------------------------------------------
def feedback_name(student: str, taken: set[str]) -> str:
    """A file name for ``student``'s feedback: letters, digits, ``-`` and ``_``, unique."""
    stem = re.sub(r"[^\w-]+", "_", student, flags=re.ASCII).strip("_")[:60] or "student"
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name)
    return name


def _summary(g: Graded) -> str:
    if g.report is None:
        return f"Your sheet could not be graded: {g.error}."
    text = g.report.to_text()
    return text + (f"\nNote: this sheet {g.flag}.\n" if g.flag else "")


def feedback_pages(g: Graded, exam: Mapping[int, WorkedSolution]) -> tuple[str, str]:
    """``(feedback_markdown, feedback_html)``, the report written once for both."""
    summary = _summary(g)
    return feedback_markdown(g, exam, summary), feedback_html(g, exam, summary)


def feedback_markdown(g: Graded, exam: Mapping[int, WorkedSolution],
                      summary: str | None = None) -> str:
    """The student's report and the worked solution of their variant, as Markdown."""
    summary = (_summary(g) if summary is None else summary).rstrip()
    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", summary)), default=0))
    lines = [f"# Feedback for {md_escape(g.student)}", "",
             f"Variant {g.variant if g.variant is not None else '?'} · sheet "
             f"`{g.sheet.replace('`', '')}`", "", fence, summary, fence, ""]
    if g.variant in exam:
        lines += ["## The worked solution of your variant", "",
                  _solution_markdown(exam[g.variant])]
    return "\n".join(lines).rstrip() + "\n"


def feedback_html(g: Graded, exam: Mapping[int, WorkedSolution],
                  summary: str | None = None) -> str:
    """The same as an offline HTML page (the worked solution as the walk-through)."""
    summary = _summary(g) if summary is None else summary
    body = [f"<h1>Feedback for {escape(g.student)}</h1>",
            f"<p>Variant {g.variant if g.variant is not None else '?'} · sheet "
            f"<code>{escape(g.sheet)}</code></p>", f"<pre>{escape(summary)}</pre>"]
    if g.variant in exam:
        body += ["<h2>The worked solution of your variant</h2>",
                 _solution_fragment(exam[g.variant])]
    return page(f"Feedback: {g.student}", "\n".join(body))


def _solution_markdown(solution: WorkedSolution) -> str:
    return _rendered("md", solution, markdown)


def _solution_fragment(solution: WorkedSolution) -> str:
    return _rendered("html", solution, fragment)


# one rendering per variant for a whole class (the solution is kept, so its id stays its own)
_RENDERED: dict[tuple[str, int], tuple[WorkedSolution, str]] = {}


def _rendered(kind: str, solution: WorkedSolution, render: Callable[[WorkedSolution], str]
              ) -> str:
    found = _RENDERED.get((kind, id(solution)))
    if found is None or found[0] is not solution:
        found = _RENDERED[(kind, id(solution))] = (solution, render(solution))
    return found[1]
