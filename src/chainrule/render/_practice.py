"""Practice mode: the HTML page of a worked solution with every value to compute hidden.

The page shows what the problem gives (conventions, network, given values, each step's
inputs and targets) and asks the rest line by line: the student types a value, the page
marks it and only then reveals the line with its working (the walk-through's MathML line).

- **right**: the value lies in the bounds ``chainrule check`` accepts at the printed
  decimals, values carried at full precision or rounded (``derive.marking.accepted`` of the
  key's interval; computed here, so that the script only compares);
- **follow-through**: not right, but the line's formula evaluated with the student's own
  earlier values gives it to within ``derive.marking.tolerance``: the script evaluates the
  formula trees of ``docs/json-format.md`` ("Tree") in intervals, each typed value standing
  for itself give or take half a unit of its decimals (as ``chainrule check`` pins it), so
  that a student who carried their own value unrounded is credited too;
- **wrong** otherwise. "Show" reveals a line unanswered (no marks; later lines then use the
  key's value).

Marks are the default scheme's (``derive.marking.DEFAULT_MARKS``), a follow-through value
earning ``FOLLOW_THROUGH`` of its marks; the score counts each verdict and totals the marks.
The activations the formulas call come from the table as data (their names, their slope α
and their derivative trees); the script implements each entry's value by name.

>>> from chainrule.derive import explain
>>> solution = explain([([[0.5]], [0.0], "sigmoid")], [1.0], [1.0], learning_rate=0.5)
>>> data = practice_data(solution)
>>> [line["id"] for line in data["lines"]][:2], data["known"]["s1.x.1"]
(['s1.net.1.1', 's1.out.1.1'], [1.0, 1.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING, Any

from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.formula import Call, Ref, walk
from chainrule.derive.marking import (
    DEFAULT_MARKS,
    FOLLOW_THROUGH,
    accepted,
    half_unit,
    key_intervals,
    tolerance,
    widened,
)
from chainrule.render._html import (
    PHASES,
    _example_names,
    _header,
    _inline_values,
    _step_title,
    asset,
    equation_mathml,
    json_script,
    page,
    render_html,
)
from chainrule.render._json import formula_tree

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.solution import Equation, Step, WorkedSolution

__all__ = ["html", "render_practice", "practice_data", "activation_data"]


def activation_data(names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The table's entries called ``names``, and those their trees call (softplus′ is σ), as
    the page's script needs them: the slope ``alpha``, the value tree over ``z`` and
    ``alpha``, the derivative tree over ``z``, ``a`` and ``alpha`` (``None`` where the table
    has none: softmax) and ``lowest_at``. The script knows no activation by name: a new entry
    of the table works in the page as it is. Names not in the table are left out (the script
    then has no value for them)."""
    out: dict[str, dict[str, Any]] = {}
    todo = sorted(set(names))
    while todo:
        act = ACTIVATIONS.get(todo.pop())
        if act is None or act.name in out:
            continue
        trees = [t for t in (act.tree, act.derivative) if t is not None]
        out[act.name] = {"alpha": act.alpha, "lowest_at": act.lowest_at,
                         **{k: None if t is None else formula_tree(t)
                            for k, t in (("value", act.tree), ("derivative", act.derivative))}}
        todo += [n.fn for t in trees for n in walk(t) if isinstance(n, Call)]
    return dict(sorted(out.items()))


def _called(formulas: Iterable[Any]) -> set[str]:
    return {n.fn for tree in formulas for n in walk(tree) if isinstance(n, Call)}


def _asked_steps(solution: WorkedSolution) -> tuple[Step, ...]:
    return solution.shown_steps or solution.steps[:1]


def _asked(solution: WorkedSolution) -> list[Equation]:
    return [eq for step in _asked_steps(solution) for name, _ in PHASES
            for eq in step.section(name) if eq.formula is not None]


def _bounds(interval: tuple[float, float]) -> list[float] | None:
    """An interval as JSON can carry it: ``None`` for an unbounded one."""
    return list(interval) if all(math.isfinite(v) for v in interval) else None


def _line(eq: Equation, interval: tuple[float, float]) -> dict[str, Any]:
    bounds = accepted(interval, eq.decimals)
    return {"id": eq.id, "step": eq.step, "kind": eq.kind, "decimals": eq.decimals,
            "printed": eq.printed, "tree": formula_tree(eq.formula),
            "accept": None if bounds is None else list(bounds),
            "tolerance": tolerance(eq.decimals, eq.value), "half": half_unit(eq.decimals),
            "usable": _bounds(widened(interval, eq.decimals)),
            "marks": float(DEFAULT_MARKS.get(eq.kind, 0))}


def _references(solution: WorkedSolution, asked: list[Equation],
                intervals: dict[str, tuple[float, float]]
                ) -> tuple[dict[str, list[float] | None], dict[str, str]]:
    """What the asked lines refer to besides each other: a value the problem gives or the
    solution computed elsewhere (``known``: where it lies as later lines use it, carried
    either way), or a copy of another value (a step's starting weight is the previous
    step's update: ``alias``), followed to the line the student typed where there is one."""
    eqs, ids = solution.equations, {eq.id for eq in asked}
    known: dict[str, list[float] | None] = {}
    alias: dict[str, str] = {}
    todo = [r for eq in asked for r in eq.refs]
    while todo:
        qid = todo.pop()
        if qid in ids or qid in known or qid in alias:
            continue
        eq = eqs[qid]
        if isinstance(eq.formula, Ref):
            alias[qid] = eq.formula.id
            todo.append(eq.formula.id)
        else:
            known[qid] = _bounds(widened(intervals[qid], eq.decimals))
    return known, alias


def practice_data(solution: WorkedSolution) -> dict[str, Any]:
    """What the page's script reads: the asked lines in order (each with its tree, the
    bounds that count as right, the follow-through tolerance, half a unit of its decimals,
    where its value lies if it is only shown, and its marks), the values and copies they
    refer to, and the activations they call. Intervals are ``[lo, hi]``, ``None`` where
    unbounded."""
    asked = _asked(solution)
    intervals = key_intervals(solution)
    known, alias = _references(solution, asked, intervals)
    return {"lines": [_line(eq, intervals[eq.id]) for eq in asked],
            "known": known, "alias": alias, "follow_through": FOLLOW_THROUGH,
            "activations": activation_data(_called(eq.formula for eq in asked))}


# --- the page ------------------------------------------------------------------------------------
def _ask(eq: Equation, solution: WorkedSolution) -> str:
    decimals = "" if eq.decimals is None else f"{eq.decimals} decimals"
    label = f'<span class="cr-eq-label">{escape(eq.label)}</span>' if eq.label else ""
    return (f'<li class="cr-pr-line" data-eq-id="{escape(eq.id)}" data-kind="{escape(eq.kind)}">'
            f'<div class="cr-pr-ask"><math><mrow>{eq.symbol.mathml}<mo>=</mo></mrow></math>'
            f'<input type="text" inputmode="decimal" autocomplete="off" spellcheck="false" '
            f'aria-label="{escape(eq.symbol.text)}" placeholder="{decimals}" disabled>'
            '<button type="button" data-action="check" disabled>Check</button>'
            '<button type="button" data-action="show" disabled>Show</button>'
            '<span class="cr-pr-verdict" aria-live="polite"></span></div>'
            f'<div class="cr-pr-working" hidden>{equation_mathml(eq, solution)}{label}</div>'
            "</li>")


def _start(step: Step, solution: WorkedSolution) -> str:
    """Where a step's weights come from: the student's own updates of the step before, or
    (after steps not asked) the values the solution gives."""
    if step.index == 1:
        return ""
    asked = {s.id for s in _asked_steps(solution)}
    before = next((s for s in solution.steps if s.index == step.index - 1), None)
    if before is not None and before.id in asked:
        return ('<p class="cr-pr-note">This step starts from the weights you updated in the '
                "step before.</p>")
    weights = [eq for eq in step.section("given") if eq.kind == "weight"]
    return (f'<p class="cr-given"><strong>Weights at the start of this step:</strong> '
            f"{_inline_values(weights)}</p>")


def _step_section(step: Step, solution: WorkedSolution, names: list[str]) -> str:
    example = [eq for eq in step.section("given") if eq.kind in ("input", "target")]
    parts = [f'<section class="cr-step" data-step="{escape(step.id)}">'
             f"<h2>{escape(_step_title(step, names))}</h2>"
             f'<p class="cr-given"><strong>Given:</strong> {_inline_values(example)}</p>'
             + _start(step, solution)]
    for name, title in PHASES:
        lines = [eq for eq in step.section(name) if eq.formula is not None]
        if lines:
            items = "".join(_ask(eq, solution) for eq in lines)
            parts.append(f'<section class="cr-phase" data-phase="{name}"><h3>{title}</h3>'
                         f'<ol class="cr-list">{items}</ol></section>')
    return "".join(parts) + "</section>"


_HOW = ("Type each value as the solution prints it (to its decimals) and press Enter or "
        "Check: it is marked right, follow-through (right from your own earlier values) or "
        "wrong, and then the line is shown with its working. Show reveals a line without "
        "marks.")

_SCORE = ('<section class="cr-pr-score" aria-live="polite"><h2>Score</h2>'
          '<p class="cr-pr-total"></p><table><tbody>'
          + "".join(f'<tr><th>{title}</th><td data-count="{name}">0</td></tr>'
                    for name, title in (("right", "right"), ("follow", "follow-through"),
                                        ("wrong", "wrong"), ("shown", "shown unanswered"),
                                        ("todo", "still to do")))
          + '</tbody></table><button type="button" data-action="reset">Start again</button>'
          "</section>")


def _body(solution: WorkedSolution) -> str:
    names = _example_names(solution)
    steps = "".join(_step_section(s, solution, names) for s in _asked_steps(solution))
    return ('<div class="cr-walkthrough cr-practice" data-cr-practice>' + _header(solution)
            + '<nav class="cr-controls" aria-label="Practice"><button type="button" '
            'data-action="reset">Start again</button><span class="cr-status" '
            'aria-live="polite"></span></nav>'
            f'<p class="cr-pr-how">{escape(_HOW)}</p>'
            f'<div class="cr-equations">{steps}{_SCORE}</div>'
            + json_script(practice_data(solution), "cr-practice-data") + "</div>")


def render_practice(solution: WorkedSolution) -> str:
    """The practice page: a complete, self-contained HTML document (``chainrule explain
    --format html --practice``), under the walk-through's Content-Security-Policy."""
    sizes = "-".join(str(n) for n in solution.network.sizes)
    title = "Practice: " + (solution.title or f"worked solution, network {sizes}")
    return page(title, _body(solution), scripts=(asset("practice.js"),),
                css=asset("walkthrough.css") + asset("practice.css"))


def html(solution: WorkedSolution, *, practice: bool = False) -> str:
    """The HTML page of ``solution``: the walk-through (``render_html``), or with
    ``practice`` the practice page (``render_practice``). ``chainrule.render.html``."""
    return render_practice(solution) if practice else render_html(solution)
