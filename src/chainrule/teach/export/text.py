"""The question text of a variant, as every LMS export shows it: HTML, symbols as text.

``intro_html(variant)`` is the problem: the network (layers, activations), the given weights
and biases layer by layer, the example(s), the learning rate and a one-sentence rules line.
The asked values follow it, one field each, written by the format's module with
``field_text`` as its words. Everything is HTML-escaped; no TeX, so nothing depends on an
LMS's math filter.
"""

from __future__ import annotations

from html import escape
from string import ascii_lowercase

from chainrule import render
from chainrule._util.text import text_number
from chainrule.derive import ids
from chainrule.derive.describe import INDEXING_TEXT
from chainrule.derive.solution import Equation, WorkedSolution
from chainrule.teach.export.exam import Field, Part, Variant
from chainrule.teach.grading.marks import marks_text
from chainrule.teach.problems.rules import CARRY

__all__ = ["intro_html", "network_line", "rules_line", "field_text", "part_heading",
           "marks_text", "solution_text"]


def intro_html(variant: Variant) -> str:
    """The problem of ``variant`` as HTML paragraphs (see the module doc)."""
    s = variant.solution
    lines = [f"<p>{escape(network_line(s))}</p>"]
    lines += [f"<p>{escape(text)}</p>" for text in _weight_lines(s)]
    lines += [f"<p>{escape(text)}</p>" for text in _example_lines(s)]
    lines.append(f"<p>{escape(rules_line(s))}</p>")
    lines.append("<p>Compute the training step and give each value below.</p>")
    return "\n".join(lines)


def network_line(s: WorkedSolution) -> str:
    """``A 2-3-1 network: inputs x_1, x_2; hidden layer z_1, z_2, z_3 (sigmoid); …``"""
    layers = s.network.layers
    sizes = "-".join(str(layer.units) for layer in layers)
    parts = [f"inputs {_names(layers[0].names)}"]
    hidden = layers[1:-1]
    for n, layer in enumerate(hidden, start=1):
        which = "hidden layer" + (f" {n}" if len(hidden) > 1 else "")
        parts.append(f"{which} {_names(layer.names)} ({layer.activation})")
    last = layers[-1]
    noun = "output" if last.units == 1 else "outputs"
    parts.append(f"{noun} {_names(last.names)} ({last.activation})")
    return f"A {sizes} network: " + "; ".join(parts) + "."


def _names(symbols: tuple) -> str:
    return ", ".join(symbol.text for symbol in symbols)


def _given(eq: Equation) -> str:
    return f"{eq.symbol.text} = {text_number(eq.printed)}"


def _weight_lines(s: WorkedSolution) -> list[str]:
    """The given weights and biases, one line per layer, then the learning rate."""
    layers: dict[int, list[Equation]] = {}
    rates = []
    for eq in s.given:
        parsed = ids.parse(eq.id)
        if parsed.name == "param":
            layers.setdefault(parsed.index[1], []).append(eq)
        else:
            rates.append(eq)
    count = len(s.network.layers) - 1
    lines = []
    for layer, eqs in sorted(layers.items()):
        frm = "inputs" if layer == 1 else "hidden layer" + (f" {layer - 1}" if count > 2
                                                            else "")
        to = "output" if layer == count else "hidden layer" + (f" {layer}" if count > 2
                                                               else "")
        lines.append(f"Weights, {frm} to {to}: " + ", ".join(_given(eq) for eq in eqs) + ".")
    names = {"eta": "Learning rate", "mu": "Momentum"}
    lines += [f"{names.get(eq.id, eq.label.capitalize())}: {_given(eq)}." for eq in rates]
    return lines


def _example_lines(s: WorkedSolution) -> list[str]:
    steps = s.shown_steps
    lines = []
    for step in steps:
        given = step.section("given")
        inputs = ", ".join(_given(eq) for eq in given if eq.kind == "input")
        targets = ", ".join(_given(eq) for eq in given if eq.kind == "target")
        head = "Example" if len(steps) == 1 else f"Step {step.index} (example {step.example})"
        lines.append(f"{head}: {inputs}; target {targets}.")
    return lines


def rules_line(s: WorkedSolution) -> str:
    """One sentence of rules: error, update, bias, weight names, decimals and carry (and
    momentum or the hidden δ's weights when they are not the usual)."""
    c = s.conventions
    text = dict(c.summary())
    clauses = [text["error"], text["sign"], text["bias"],
               f"weight names {INDEXING_TEXT[c.indexing]}"]
    if c.hidden_delta_weights != "before":
        clauses.append(text["hidden_delta_weights"])
    if c.momentum:
        clauses.append(text["updates"])
    clauses.append(f"give every value to {text['decimals']} and {CARRY[c.carry]}")
    return "Rules: " + "; ".join(clauses) + "."


def field_text(field: Field) -> str:
    """``z_in_1 (net input of z1)``: the words before an answer field."""
    return f"{field.symbol} ({field.label})" if field.label else field.symbol


def part_heading(n: int, part: Part) -> str:
    """``(a) Forward pass [8 marks]`` for the first part (``n = 0``)."""
    letter = ascii_lowercase[n] if n < len(ascii_lowercase) else str(n + 1)
    return f"({letter}) {part.title} [{marks_text(part.marks)}]"


def solution_text(variant: Variant) -> str:
    """The worked solution of ``variant`` as plain text (for feedback shown afterwards)."""
    return render.text(variant.solution)
