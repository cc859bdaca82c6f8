"""The matrix form of a solution (``solution.matrix``) as plain text: matrices in Unicode
brackets, set side by side and aligned on their middle rows. Formats only.

::

    z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾
         = ⎡0.1  0.3⎤⎡1⎤ + ⎡0.1⎤
           ⎣0.2  0.4⎦⎣0⎦   ⎣0.1⎦
         = ⎡0.2000⎤
           ⎣0.3000⎦
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainrule._util.text import text_number

if TYPE_CHECKING:  # pragma: no cover - the data model, for annotations only
    from chainrule.derive.matrix import Matrix, MatrixEquation, MatrixForm, MatrixStep
    from chainrule.derive.solution import WorkedSolution

__all__ = ["render", "step_title", "network_line", "hidden_line", "conventions_line",
           "PHASE_TITLES"]

PHASE_TITLES = (("given", "Given"), ("forward", "Forward pass"), ("error", "Error"),
                ("backward", "Backward pass"), ("update", "Update"))
_INDENT = "  "
Block = list[str]


def step_title(step: MatrixStep, form: MatrixForm) -> str:
    """``Step 2 (example 2, epoch 1)`` or ``Step 1 (examples 1–4, epoch 1)``."""
    first, last = step.examples[0], step.examples[-1]
    which = f"example {first}" if first == last else f"examples {first}–{last}"
    return f"Step {step.index} ({which}, epoch {step.epoch})"


def conventions_line(solution: WorkedSolution) -> str:
    """The conventions in force, as the matrix form follows them: its layout, and its
    mini-batches in place of online updates."""
    form = solution.matrix
    assert form is not None
    parts = []
    for switch, text in solution.conventions.summary():
        if switch == "updates" and form.batch_size > 1:
            text = text.replace("online updates", f"mini-batches of {form.batch_size} "
                                "(the mean gradient of each)", 1)
        parts.append(text)
    return "; ".join(parts) + f"; matrix form, {form.layout} layout"


def network_line(solution: WorkedSolution) -> str:
    net = solution.network
    sizes = "-".join(str(n) for n in net.sizes)
    acts = ", ".join(layer.activation for layer in net.layers[1:])
    return f"Network {sizes}: activations {acts}; loss {net.loss}"


def hidden_line(form: MatrixForm) -> str:
    hidden = form.total - len(form.steps)
    return (f"({hidden} further steps computed the same way are not shown.)" if hidden
            else "")


def _matrix_block(m: Matrix) -> Block:
    cells = [[text_number(e.printed) for e in row] for row in m.rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    if len(lines) == 1:
        return [f"[{lines[0]}]"]
    brackets = [("⎡", "⎤")] + [("⎢", "⎥")] * (len(lines) - 2) + [("⎣", "⎦")]
    return [f"{left}{line}{right}" for (left, right), line in zip(brackets, lines)]


def _join(blocks: list[Block]) -> Block:
    """Blocks side by side, each centred on the tallest one's middle row."""
    height = max(len(b) for b in blocks)
    out = [""] * height
    for block in blocks:
        top = (height - len(block)) // 2
        width = max(len(line) for line in block)
        for i in range(height):
            j = i - top
            out[i] += (block[j] if 0 <= j < len(block) else "").ljust(width)
    return [line.rstrip() for line in out]


def _numeric(eq: MatrixEquation) -> Block:
    return _join([[p.text] if p.matrix is None else _matrix_block(p.matrix)
                  for p in eq.numeric])


def _prefixed(first: str, rest: str, block: Block) -> Block:
    """``block`` after ``first`` on its middle row, ``rest`` (spaces) on the others."""
    middle = (len(block) - 1) // 2
    return [(first if i == middle else rest) + line for i, line in enumerate(block)]


def equation_block(eq: MatrixEquation) -> Block:
    """The lines of one equation: symbolic on the first, then numbers, then the result."""
    lhs = eq.lhs[0]
    pad = " " * len(lhs)
    forms: list[Block] = []
    if eq.symbolic is not None:
        forms.append([eq.symbolic[0]])
    if eq.numeric:
        forms.append(_numeric(eq))
    forms.append(_matrix_block(eq.result))
    lines: Block = []
    for number, block in enumerate(forms):
        lead = f"{lhs} = " if number == 0 else f"{pad} = "
        lines += _prefixed(lead, " " * len(lead), block)
    return lines


def _step(step: MatrixStep, form: MatrixForm) -> list[str]:
    lines = [step_title(step, form)]
    for name, title in PHASE_TITLES:
        equations = step.phase(name)
        if not equations:
            continue
        lines.append(f"{_INDENT}{title}")
        for eq in equations:
            lines += [f"{_INDENT * 2}{line}".rstrip() for line in equation_block(eq)]
    return lines


def render(solution: WorkedSolution) -> str:
    """The matrix form as text, ending with a newline."""
    form = solution.matrix
    assert form is not None
    lines = [solution.title, ""] if solution.title else []
    lines += ["Conventions: " + conventions_line(solution), "", network_line(solution)]
    for step in form.steps:
        lines += [""] + _step(step, form)
    if hidden_line(form):
        lines += ["", hidden_line(form)]
    notes = form.notes + solution.notes
    lines += ["", "Notes"] + [f"{_INDENT}- {note}" for note in notes]
    return "\n".join(lines) + "\n"
