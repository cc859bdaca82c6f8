"""The rules line of an exam sheet: one sentence a student reads before computing anything.

It says the activation of every layer (with its formula), the error function, the update
rule with the learning rate (and momentum), the decimals of the answers (naming the values
asked with more, where the generator raised them) and how values are carried::

    Use the binary sigmoid f(x) = 1/(1 + e^(−x)) in every unit, the error E = ½Σ(t − y)²,
    the update w⁺ = w + α·δ·x with δ = −∂E/∂net and the learning rate α = 0.25; round every
    answer to 4 decimals (Δv and Δw to 6) and keep full precision in later calculations.

The sentence is a list of :class:`Piece`: plain text, or a formula with its LaTeX, so that
the LaTeX sheet sets formulas as math and the HTML sheet prints the same words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainrule._util.text import counted
from chainrule.calculus import activations, losses
from chainrule.calculus.formula import Call, Sym
from chainrule.derive.symbol import Symbol
from chainrule.render.latex_math import latex_text, symbol_latex
from chainrule.render.printing import to_latex, to_text

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.solution import Equation
    from chainrule.teach.problems.generate import GeneratedProblem

__all__ = ["Piece", "rules", "rules_text", "rules_latex"]

#: How later calculations use a printed value, per carry rule, as an instruction.
CARRY = {
    "full": "keep full precision in later calculations",
    "rounded": "use each value as rounded in later calculations",
    "calculator": "use each value as rounded, rounding what e^x and f return and keeping "
                  "sums and products of printed numbers exact",
}

#: What a kind of value is called where its symbol has no base letter (∂E/∂w).
KIND_WORDS = {"gradient": "∂E/∂w", "net": "net inputs", "out": "outputs", "error": "E",
              "delta": "δ", "change": "Δw", "update": "new weights"}


@dataclass(frozen=True)
class Piece:
    """A run of the sentence: ``text`` (Unicode), set in LaTeX as ``latex`` math if given,
    else as escaped text."""

    text: str
    latex: str | None = None

    def to_latex(self) -> str:
        return latex_text(self.text) if self.latex is None else f"${self.latex}$"


def rules_text(problem: GeneratedProblem) -> str:
    """The rules sentence as plain Unicode text."""
    return "".join(p.text for p in rules(problem))


def rules_latex(problem: GeneratedProblem) -> str:
    """The rules sentence for LaTeX text mode, formulas as math."""
    return "".join(p.to_latex() for p in rules(problem))


def rules(problem: GeneratedProblem) -> list[Piece]:
    """The rules sentence of ``problem`` as pieces (see the module doc)."""
    c = problem.conventions
    pieces = [Piece("Use ")] + _activation_clause([a for _, _, a in problem.layers])
    error = losses.get(c.error).text.removesuffix(" per example")
    pieces += [Piece(", the error "), Piece(error)]
    pieces += _update_clause(problem)
    if len(problem.examples) > 1:
        pieces.append(Piece(f", updating after each of the {len(problem.examples)} examples "
                            "in turn"))
    if not c.update_bias and problem.layers[0][1] is not None:
        pieces.append(Piece(" (the biases stay fixed)"))
    pieces += [Piece("; ")] + _decimals_clause(problem)
    return pieces + [Piece(f" and {CARRY[c.carry]}.")]


def _formula(act: str) -> Piece:
    """``f(x) = …`` of an activation, from the calculus table's definition."""
    if act == "softmax":
        return Piece("y_k = e^(net_k)/Σ_m e^(net_m)",
                     r"y_k = e^{\mathrm{net}_k} / \sum_m e^{\mathrm{net}_m}")
    if act == "linear":
        return Piece("f(x) = x", "f(x) = x")
    entry = activations.get(act)
    if act == "leaky_relu":  # the table keeps no closed form of it to print
        slope = f"{entry.alpha:g}"
        return Piece(f"f(x) = x for x > 0, {slope}·x otherwise",
                     rf"f(x) = x \text{{ for }} x > 0,\ {slope}\,x \text{{ otherwise}}")
    call = Call(act, (Sym(Symbol("x")),))
    return Piece(f"f(x) = {to_text(call)}", f"f(x) = {to_latex(call)}")


def _activation_clause(acts: Sequence[str]) -> list[Piece]:
    """"the binary sigmoid f(x) = … in every unit", or layer by layer."""
    if len(set(acts)) == 1:
        return [_named(acts[0]), _formula(acts[0]), Piece(" in every unit")]
    hidden, output = list(acts[:-1]), acts[-1]
    pieces: list[Piece] = []
    if len(set(hidden)) == 1:
        pieces += [_named(hidden[0]), _formula(hidden[0]), Piece(" in the hidden units")]
    else:
        for n, act in enumerate(hidden, start=1):
            pieces += [Piece(", " if n > 1 else ""), _named(act), _formula(act),
                       Piece(f" in hidden layer {n}")]
    return pieces + [Piece(" and "), _named(output), _formula(output),
                     Piece(" at the output")]


def _named(act: str) -> Piece:
    """"the binary sigmoid ": the activation as a course names it (the table's ``said``)."""
    return Piece(f"the {activations.get(act).said} ")


def _update_clause(problem: GeneratedProblem) -> list[Piece]:
    c = problem.conventions
    rate = next(eq for eq in problem.solution.given if eq.kind == "given"
                and eq.key == ("eta",))
    eta, eta_tex = rate.symbol.text, symbol_latex(rate.symbol)
    if c.sign == "plus":
        rule = Piece(f"w⁺ = w + {eta}·δ·x with δ = −∂E/∂net",
                     rf"w^{{+}} = w + {eta_tex}\,\delta\,x \text{{ with }} "
                     r"\delta = -\partial E/\partial \mathrm{net}")
    else:
        rule = Piece(f"w⁺ = w − {eta}·∂E/∂w with δ = ∂E/∂net",
                     rf"w^{{+}} = w - {eta_tex}\,\partial E/\partial w \text{{ with }} "
                     r"\delta = \partial E/\partial \mathrm{net}")
    pieces = [Piece(", the update "), rule, Piece(" and the learning rate "),
              Piece(f"{eta} = {rate.printed}", f"{eta_tex} = {rate.printed}")]
    if c.momentum:
        pieces += [Piece(", with momentum "),
                   Piece(f"μ = {c.momentum:g}", rf"\mu = {c.momentum:g}"),
                   Piece(" (each weight change adds μ times the one before)")]
    return pieces


def _decimals_clause(problem: GeneratedProblem) -> list[Piece]:
    """"round every answer to 4 decimals (Δv and Δw to 6)": the most common decimals of
    the asked values, then the values asked with other decimals."""
    asked = [problem.solution.equation(q) for q in problem.asked()]
    common = Counter(eq.decimals or 0 for eq in asked).most_common(1)[0][0]
    others: dict[int, list[Equation]] = {}
    for eq in asked:
        if (eq.decimals or 0) != common:
            others.setdefault(eq.decimals or 0, []).append(eq)
    pieces = [Piece(f"round every answer to {counted(common, 'decimal')}")]
    exceptions = []
    for places, eqs in sorted(others.items()):
        names = list(dict.fromkeys(_short(eq) for eq in eqs))
        exceptions.append(" and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1
                                       else names) + f" to {places}")
    if exceptions:
        pieces.append(Piece(" (" + "; ".join(exceptions) + ")"))
    return pieces


def _short(eq: Equation) -> str:
    """A value's symbol without its indices (Δv_11 → Δv), or its kind in words."""
    symbol = eq.symbol
    if isinstance(symbol, Symbol) and symbol.base:
        return Symbol(symbol.base, (), symbol.sup).text
    return KIND_WORDS.get(eq.kind, eq.kind)
