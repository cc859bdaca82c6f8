"""Question sheets and answer keys for generated problems, written atomically.

``write_problem_set(problems, directory)`` writes

- ``questions.md`` and ``answers.md``: every problem's question (network, given values, the
  values to compute part by part with their marks) and its key (the mark scheme and the
  worked solution, ``WorkedSolution.to_markdown``);
- ``questions.tex`` and ``answers.tex`` when the LaTeX renderer is available;
- ``questions.html`` and ``answers-N.html`` (one walk-through page per problem,
  ``WorkedSolution.to_html``) when the HTML renderer is available;
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
from html import escape
from pathlib import Path

from chainrule._util.files import atomic_folder
from chainrule._util.text import counted
from chainrule.derive.conventions import PROFILES, Conventions
from chainrule.derive.solution import Equation, Step
from chainrule.render._html import page
from chainrule.render._latex import PREAMBLE
from chainrule.render._markdown import escape as md_escape
from chainrule.render.latex_math import latex_text, number, symbol_latex
from chainrule.teach.grading.report import SECTION_TITLES
from chainrule.teach.problems.generate import GeneratedProblem

#: The names of the files a problem set has.
SET_FILES = re.compile(r"(questions|answers)\.(md|tex|html)|answers-\d+\.html|"
                       r"(problem|key)-\d+\.toml")

__all__ = ["SET_FILES", "write_problem_set", "question_markdown", "answers_markdown", "key_toml",
           "problem_toml", "parts"]

Part = tuple[str, list[Equation], float]  # (section name, equations asked, marks)


def parts(problem: GeneratedProblem, step: Step | None = None) -> list[Part]:
    """The question's parts in ``step`` (default: the first): each section of the step with
    the values it asks, and their marks."""
    step = step or problem.solution.steps[0]
    out = []
    for section in step.sections:
        asked = [eq for eq in section if problem.marks.for_equation(eq, {}) > 0]
        if asked:
            marks = sum(problem.marks.for_equation(eq, {}) for eq in asked)
            out.append((section.name, asked, marks))
    return out


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _marks(x: float) -> str:
    return f"{_num(x)} mark" + ("" if x == 1 else "s")


def _givens(problem: GeneratedProblem) -> list[Equation]:
    step = problem.solution.steps[0]
    examples = [eq for eq in step.section("given") if eq.kind in ("input", "target")]
    return examples + list(problem.solution.given)


def _intro(problem: GeneratedProblem) -> str:
    net = problem.solution.network
    sizes = "-".join(str(n) for n in net.sizes)
    acts = ", ".join(dict.fromkeys(layer.activation for layer in net.layers[1:]))
    decimals = problem.conventions.decimals_for("delta")
    return (f"A {sizes} network ({acts}) is trained on one example by online "
            f"backpropagation. Compute one training step, rounding every value to "
            f"{counted(decimals, 'decimal')}.")


# --- Markdown --------------------------------------------------------------------------------
def _m(eq: Equation) -> str:
    return f"${symbol_latex(eq.symbol)}$"


def question_markdown(problems: Sequence[GeneratedProblem]) -> str:
    lines = ["# Backpropagation: questions", ""]
    for p in problems:
        lines += [f"## Problem {p.number}", "", "**Conventions:** "
                  + _md_text(p.conventions.describe()), "", _intro(p), "",
                  "| given | value |", "| --- | --: |"]
        lines += [f"| {_m(eq)} | ${number(eq.printed)}$ |" for eq in _givens(p)]
        lines.append("")
        for letter, (name, asked, marks) in zip("abcdefgh", parts(p)):
            values = ", ".join(_m(eq) for eq in asked)
            lines += [f"({letter}) **{SECTION_TITLES[name].capitalize()}** "
                      f"[{_marks(marks)}]: {values}.", ""]
        lines += [f"Total: {_marks(sum(m for _, _, m in parts(p)))}.", ""]
    return "\n".join(lines)


def _md_text(text: str) -> str:
    return md_escape(text)


def answers_markdown(problems: Sequence[GeneratedProblem]) -> str:
    lines = ["# Backpropagation: answer key", ""]
    for p in problems:
        lines += [f"## Problem {p.number}: mark scheme", "", "| part | value | answer | marks |",
                  "| --- | --- | --: | --: |"]
        for name, asked, _ in parts(p):
            lines += [f"| {SECTION_TITLES[name]} | {_m(eq)} | ${number(eq.printed)}$ | "
                      f"{_num(p.marks.for_equation(eq, {}))} |" for eq in asked]
        follow = p.marks.fraction
        lines += ["", f"A value computed correctly from the student's own earlier wrong "
                  f"values (follow-through) earns {_num(follow * 100)}% of its marks.", ""]
        lines += [p.solution.to_markdown(), ""]
    return "\n".join(lines)


# --- LaTeX -----------------------------------------------------------------------------------
def _l(eq: Equation) -> str:
    return f"${symbol_latex(eq.symbol)}$"


def question_latex(problems: Sequence[GeneratedProblem]) -> str:
    lines = [PREAMBLE.rstrip("\n"), r"\begin{document}", r"\section*{Backpropagation: questions}"]
    for p in problems:
        lines += [rf"\subsection*{{Problem {p.number}}}",
                  r"\textbf{Conventions:} " + latex_text(p.conventions.describe()), "",
                  latex_text(_intro(p)), "", r"\begin{tabular}{lr}", r"\toprule",
                  r"given & value \\", r"\midrule"]
        lines += [rf"{_l(eq)} & ${number(eq.printed)}$ \\" for eq in _givens(p)]
        lines += [r"\bottomrule", r"\end{tabular}", "", r"\begin{enumerate}"]
        for name, asked, marks in parts(p):
            values = ", ".join(_l(eq) for eq in asked)
            lines.append(rf"\item \textbf{{{SECTION_TITLES[name].capitalize()}}} "
                         rf"[{_marks(marks)}]: {values}.")
        lines += [r"\end{enumerate}", f"Total: {_marks(sum(m for _, _, m in parts(p)))}."]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def answers_latex(problems: Sequence[GeneratedProblem]) -> str:
    lines = [PREAMBLE.rstrip("\n"), r"\begin{document}"]
    for p in problems:
        document = p.solution.to_latex()
        body = document.split("\\begin{document}\n", 1)[-1].rsplit("\\end{document}", 1)[0]
        lines += [r"\clearpage" if p.number > 1 else "", body.rstrip("\n")]
    lines.append(r"\end{document}")
    return "\n".join(line for line in lines if line) + "\n"


# --- HTML ------------------------------------------------------------------------------------
def question_html(problems: Sequence[GeneratedProblem]) -> str:
    def sym(eq: Equation) -> str:
        return f'<math display="inline">{eq.symbol.mathml}</math>'

    body = ["<h1>Backpropagation: questions</h1>"]
    for p in problems:
        body += [f"<h2>Problem {p.number}</h2>", "<p><strong>Conventions:</strong> "
                 f"{escape(p.conventions.describe())}</p>", f"<p>{escape(_intro(p))}</p>",
                 "<table><tr><th>given</th><th>value</th></tr>"]
        body += [f"<tr><td>{sym(eq)}</td><td>{escape(eq.printed.replace('-', '−'))}</td></tr>"
                 for eq in _givens(p)]
        body += ["</table>", "<ol type=\"a\">"]
        for name, asked, marks in parts(p):
            values = ", ".join(sym(eq) for eq in asked)
            body.append(f"<li><strong>{SECTION_TITLES[name].capitalize()}</strong> "
                        f"[{_marks(marks)}]: {values}.</li>")
        body += ["</ol>", f"<p>Total: {_marks(sum(m for _, _, m in parts(p)))}.</p>"]
    css = "body{font-family:serif;max-width:48em;margin:2em auto}td,th{padding:0 1em}"
    return page("Backpropagation: questions", "\n".join(body), css=css)


# --- the key as an answers file --------------------------------------------------------------
def key_toml(problem: GeneratedProblem) -> str:
    """Problem ``problem``'s key as an answers file ``chainrule check`` reads."""
    lines = [f"# Answer key of problem {problem.number} (seed {problem.seed}), one value a "
             "line as the worked solution prints it", ""]
    for index, step in enumerate(problem.solution.shown_steps, start=1):
        if index > 1:  # a later step's values under its own table, as answer sheets have
            lines += [f"[{step.id}]", ""]
        for name, asked, _ in parts(problem, step):
            lines.append(f"# {SECTION_TITLES[name]}")
            lines += [f'"{eq.symbol.text}" = "{eq.printed}"' for eq in asked]
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
    return "\n".join(lines) + "\n"


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
    """Write the question sheet, answer key and key files of ``problems`` into
    ``directory`` (created if missing); return the paths written, in order."""
    files: dict[str, str] = {
        "questions.md": question_markdown(problems),
        "answers.md": answers_markdown(problems),
        "questions.tex": question_latex(problems),
        "answers.tex": answers_latex(problems),
        "questions.html": question_html(problems),
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
