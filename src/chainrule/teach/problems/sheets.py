"""Question sheets and answer keys for generated problems, written atomically.

``write_problem_set(problems, directory, title=…)`` writes

- ``questions.tex`` and ``questions.html``: the exam, one variant a printed page (the title,
  name, student ID and variant fields, the rules sentence, the network drawn with its given
  weights, the answer table with a box and the marks for every value; ``pages.py``);
- ``answers.tex`` and ``answers.html``: the answer keys, the same pages with every box filled;
- ``questions.md`` and ``answers.md``: every problem's question (given values, the values to
  compute part by part with their marks) and its key (the mark scheme and the worked
  solution, ``WorkedSolution.to_markdown``);
- ``solutions.tex``: every problem's worked solution (``WorkedSolution.to_latex``), and
  ``answers-N.html``: problem N's walk-through page (``WorkedSolution.to_html``);
- ``problem-N.toml``: problem N as a problem file (``docs/problem-format.md``), and
  ``key-N.toml``: its key as an answers file, ``symbol = "value"``; so
  ``chainrule check problem-1.toml key-1.toml`` gives full marks, and a student's sheet is
  checked the same way.

The set is written into a new folder that then replaces ``directory`` whole, so a reader
never sees half a set, and no file of an older set (``key-30.toml`` of a 30-variant run)
stays beside a new one; a folder holding files chainrule did not write is refused. Nothing
depends on the clock: the same problems give byte-identical files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from chainrule._util.files import atomic_folder
from chainrule.derive.conventions import PROFILES, Conventions
from chainrule.derive.solution import Equation
from chainrule.render._latex import PREAMBLE
from chainrule.render._markdown import escape as md_escape
from chainrule.render.latex_math import number, symbol_latex
from chainrule.teach.grading.marks import DEFAULT_MARKS, MarkScheme
from chainrule.teach.grading.report import SECTION_TITLES
from chainrule.teach.problems.generate import GeneratedProblem
from chainrule.teach.problems.pages import (
    DEFAULT_HEADING,
    givens,
    marks_text,
    num,
    parts,
    step_parts,
    total,
)
from chainrule.teach.problems.pages_html import exam_html
from chainrule.teach.problems.pages_latex import exam_latex
from chainrule.teach.problems.rules import rules_text

#: The names of the files a problem set has.
SET_FILES = re.compile(r"(questions|answers)\.(md|tex|html)|solutions\.tex|answers-\d+\.html|"
                       r"(problem|key)-\d+\.toml")

__all__ = ["SET_FILES", "write_problem_set", "question_markdown", "answers_markdown",
           "solutions_latex", "key_toml", "problem_toml"]

# --- Markdown --------------------------------------------------------------------------------
def _m(eq: Equation) -> str:
    return f"${symbol_latex(eq.symbol)}$"


def question_markdown(problems: Sequence[GeneratedProblem], *, title: str = "") -> str:
    """Every problem's question: the rules sentence, the given values and the values to
    compute part by part with their marks."""
    lines = [f"# {md_escape(title or DEFAULT_HEADING)}: questions", ""]
    for p in problems:
        lines += [f"## Problem {p.number}", "", "**Rules:** " + md_escape(rules_text(p)), ""]
        for name, eqs in givens(p):
            values = ", ".join(f"${symbol_latex(eq.symbol)} = {number(eq.printed)}$"
                               for eq in eqs)
            lines += [f"*{name}:* {values}", ""]
        steps = parts(p)
        for step, found in steps:
            if len(steps) > 1:
                lines += [f"**Step {step.index}** (example {step.example})", ""]
            for part in found:
                values = ", ".join(_m(eq) for eq in part.asked)
                lines += [f"({part.letter}) **{part.title}** [{marks_text(part.total)}]: "
                          f"{values}.", ""]
        lines += [f"Total: {marks_text(total(p))}.", ""]
    return "\n".join(lines)


def answers_markdown(problems: Sequence[GeneratedProblem], *, title: str = "") -> str:
    """Every problem's mark scheme and worked solution."""
    lines = [f"# {md_escape(title or DEFAULT_HEADING)}: answer key", ""]
    for p in problems:
        lines += [f"## Problem {p.number}: mark scheme", "", "| part | value | answer | marks |",
                  "| --- | --- | --: | --: |"]
        for _, found in parts(p):
            lines += [f"| ({part.letter}) {part.title.lower()} | {_m(eq)} | "
                      f"${number(eq.printed)}$ | {num(marks)} |"
                      for part in found for eq, marks in zip(part.asked, part.marks)]
        lines += ["", f"A value computed correctly from the student's own earlier wrong "
                  f"values (follow-through) earns {num(p.marks.fraction * 100)}% of its "
                  "marks.", ""]
        lines += [p.solution.to_markdown(), ""]
    return "\n".join(lines)


# --- LaTeX -----------------------------------------------------------------------------------
def solutions_latex(problems: Sequence[GeneratedProblem]) -> str:
    """Every problem's worked solution, one after another, each from a new page."""
    lines = [PREAMBLE.rstrip("\n"), r"\begin{document}"]
    for n, p in enumerate(problems):
        document = p.solution.to_latex()
        body = document.split("\\begin{document}\n", 1)[-1].rsplit("\\end{document}", 1)[0]
        lines += [r"\clearpage" if n else "", body.rstrip("\n")]
    lines.append(r"\end{document}")
    return "\n".join(line for line in lines if line) + "\n"


# --- the key as an answers file --------------------------------------------------------------
def key_toml(problem: GeneratedProblem) -> str:
    """Problem ``problem``'s key as an answers file ``chainrule check`` reads."""
    lines = [f"# Answer key of problem {problem.number} (seed {problem.seed}), one value a "
             "line as the worked solution prints it", ""]
    for index, step in enumerate(problem.solution.shown_steps, start=1):
        if index > 1:  # a later step's values under its own table, as answer sheets have
            lines += [f"[{step.id}]", ""]
        for part in step_parts(problem, step):
            lines.append(f"# {SECTION_TITLES[part.name]}")
            lines += [f'"{eq.symbol.text}" = "{eq.printed}"' for eq in part.asked]
            lines.append("")
    return "\n".join(lines)


def problem_toml(problem: GeneratedProblem) -> str:
    """Problem ``problem`` as a problem file that ``chainrule explain`` and ``check`` read."""
    c = problem.conventions
    lines = [f"title = {_toml_value(problem.solution.title)}", "",
             "[network]", f"layers = {list(problem.sizes)}",
             "activations = [" + ", ".join(f'"{a}"' for _, _, a in problem.layers) + "]", ""]
    for n, (kernel, bias, _) in enumerate(problem.layers, start=1):
        lines += [f"[weights.layer{n}]  # kernel[i][j]: from input i to unit j",
                  f"kernel = {_toml_value(kernel)}", f"bias = {_toml_value(bias)}", ""]
    for x, t in problem.examples:
        lines += ["[[examples]]", f"x = {_toml_value(list(x))}", f"t = {_toml_value(list(t))}",
                  ""]
    lines += ["[training]", f"learning_rate = {problem.learning_rate!r}"]
    if c.error != "half_sse":
        lines.append(f'loss = "{c.error}"')
    if c.momentum:
        lines.append(f"momentum = {c.momentum!r}")
    lines += ["", "[convention]", f'name = "{c.name}"']
    lines += [f"{k} = {_toml_value(v)}" for k, v in _switches(c).items()]
    return "\n".join(lines + _marks_toml(problem.marks)) + "\n"


def _marks_toml(marks: MarkScheme) -> list[str]:
    """The ``[marks]`` table of a scheme that is not the default, so that ``chainrule check``
    and ``grade`` mark as the sheet printed."""
    kinds = {k: v for k, v in marks.kinds.items() if DEFAULT_MARKS.get(k) != v}
    if not kinds and not marks.symbols and marks.follow_through is None:
        return []
    lines = ["", "[marks]"] + [f"{k} = {_toml_value(v)}" for k, v in kinds.items()]
    if marks.follow_through is not None:
        lines.append(f"follow_through = {_toml_value(marks.follow_through)}")
    if marks.symbols:
        lines += ["", "[marks.symbols]"]
        lines += [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in marks.symbols.items()]
    return lines


def _switches(c: Conventions) -> dict[str, object]:
    """The switches of ``c`` that differ from its profile's."""
    base = PROFILES.get(c.name, Conventions())
    out: dict[str, object] = {}
    for f in fields(c):
        value = getattr(c, f.name)
        if f.name in ("name", "error", "momentum") or value == getattr(base, f.name):
            continue
        if f.name == "decimals":
            table = dict(value)
            value = next(iter(table.values())) if len(set(table.values())) == 1 else table
        out[f.name] = value
    return out


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, frozenset):
        value = sorted(value)
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"  # type: ignore[attr-defined]


# --- writing ---------------------------------------------------------------------------------
def write_problem_set(problems: Sequence[GeneratedProblem], directory: str | os.PathLike[str],
                      *, title: str = "") -> list[Path]:
    """Write the question sheets, answer keys, worked solutions and key files of
    ``problems`` into ``directory`` (created if missing), ``title`` (the course or exam)
    heading every page; return the paths written, in order."""
    files: dict[str, str] = {
        "questions.md": question_markdown(problems, title=title),
        "answers.md": answers_markdown(problems, title=title),
        "questions.tex": exam_latex(problems, title=title),
        "answers.tex": exam_latex(problems, title=title, key=True),
        "solutions.tex": solutions_latex(problems),
        "questions.html": exam_html(problems, title=title),
        "answers.html": exam_html(problems, title=title, key=True),
    }
    for p in problems:
        files[f"answers-{p.number}.html"] = p.solution.to_html()
        files[f"problem-{p.number}.toml"] = problem_toml(p)
        files[f"key-{p.number}.toml"] = key_toml(p)
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(target, SET_FILES) as building:  # replaces an older set whole
        for name, text in files.items():
            (building / name).write_text(text, encoding="utf-8", newline="")
    return [target / name for name in files]
