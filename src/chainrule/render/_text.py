"""Render a ``WorkedSolution`` as plain Unicode text. Formats only; computes nothing.

The output is a pure function of the solution, so it is byte-identical across runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from chainrule._util.text import counted, text_number
from chainrule.render import _matrix_text
from chainrule.render.printing import equation_parts, to_text

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.solution import Equation, Section, Step, WorkedSolution
    from chainrule.derive.symbol import Symbol

__all__ = ["render", "equation_line", "hidden_steps"]

_INDENT = "  "


def equation_line(eq: Equation, solution: WorkedSolution) -> str:
    """``symbol = formula = numbers = value`` for one equation."""
    return " = ".join(equation_parts(eq, solution))


def hidden_steps(solution: WorkedSolution) -> str:
    """The remark on the steps not shown in full, or ``""`` when every step is shown."""
    hidden = len(solution.steps) - len(solution.shown_steps)
    if not hidden:
        return ""
    verb = "is" if hidden == 1 else "are"
    return f"({counted(hidden, 'further step')} computed the same way {verb} not shown.)"


def _section(section: Section, solution: WorkedSolution, title: str | None = None) -> list[str]:
    if not section.equations:
        return []
    lines = [f"{_INDENT}{title or section.title}"]
    lines += [f"{_INDENT * 2}{equation_line(eq, solution)}" for eq in section]
    return lines


def _given_values(equations: Iterable[Equation]) -> str:
    return ", ".join(f"{eq.symbol.text} = {text_number(eq.printed)}" for eq in equations)


def _step(step: Step, solution: WorkedSolution) -> list[str]:
    lines = [f"Step {step.index} (epoch {step.epoch}, example {step.example})"]
    given = step.section("given")
    examples = [eq for eq in given if eq.kind in ("input", "target")]
    weights = [eq for eq in given if eq.kind == "weight"]
    lines.append(f"{_INDENT}Given: " + _given_values(examples))
    if step.index > 1 and weights:
        lines.append(f"{_INDENT}Weights at the start: "
                     + _given_values(weights))
    for name in ("forward", "error", "backward", "update"):
        lines += _section(step.section(name), solution)
    return lines


def _weight_table(solution: WorkedSolution) -> list[str]:
    header = ["", "initial"] + [f"after epoch {e + 1}" for e in range(solution.epochs)]
    rows = [header]
    for row in solution.weight_table:
        cells = [row.symbol.text, text_number(solution.equation(row.given).printed)]
        cells += [text_number(solution.equation(i).printed) for i in row.after]
        rows.append(cells)
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    out = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[c].rjust(widths[c]) for c in range(1, len(r))]
        out.append(_INDENT + "  ".join(cells).rstrip())
    return out


def layer_rows(solution: WorkedSolution, symbol: Callable[[Symbol], str],
               text: Callable[[str], str]) -> list[list[str]]:
    """Per layer, inputs first: its kind, its units' names, its activation and its bias
    symbols (``symbol`` and ``text`` write them in a renderer's language)."""
    net, rows = solution.network, []
    for i, layer in enumerate(net.layers):
        kind = "inputs" if i == 0 else ("outputs" if i == len(net.layers) - 1 else "hidden")
        biases = net.bias_symbols[i - 1] if i else ()
        rows.append([kind, ", ".join(map(symbol, layer.names)),
                     text(layer.activation) if i else "", ", ".join(map(symbol, biases))])
    return rows


def _network(solution: WorkedSolution) -> str:
    layers = [f"{kind} {names}" + (f": {act}" if act else "")
              for kind, names, act, _ in layer_rows(solution, lambda s: s.text, str)]
    net = solution.network
    sizes = "-".join(str(n) for n in net.sizes)
    return f"Network {sizes}: " + "; ".join(layers) + f"; loss {net.loss}"


def render(solution: WorkedSolution) -> str:
    """The whole solution as text, ending with a newline (its matrix form if it has one)."""
    if solution.matrix is not None:
        return _matrix_text.render(solution)
    lines = []
    if solution.title:
        lines += [solution.title, ""]
    lines += ["Conventions: " + solution.conventions.describe(), "", _network(solution)]
    lines.append("Given: " + _given_values(solution.given))
    lines += ["", "General derivation"]
    for line in solution.derivation:
        forms = [to_text(line.lhs)] + [to_text(f) for f in line.forms]
        note = f"    ({line.note})" if line.note else ""
        lines.append(_INDENT + " = ".join(forms) + note)
    for step in solution.shown_steps:
        lines += [""] + _step(step, solution)
    if hidden_steps(solution):
        lines += ["", hidden_steps(solution)]
    lines += ["", "Weights"] + _weight_table(solution)
    lines += ["", "Loss per epoch"] + [f"{_INDENT}{equation_line(eq, solution)}"
                                       for eq in solution.losses]
    if solution.notes:
        lines += ["", "Notes"] + [f"{_INDENT}- {note}" for note in solution.notes]
    return "\n".join(lines) + "\n"
