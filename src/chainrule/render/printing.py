"""Print formula trees as text, LaTeX or MathML — symbolic or with numbers substituted.

One walker handles precedence and parentheses for every dialect; a dialect only says how
to write each construct. ``numeric=False`` prints a reference by its symbol (``w_11·x_1``);
``numeric=True`` by its printed value (``0.15·0.05``), with negative numbers in parentheses
wherever a sign could be misread (``0.3·(−0.2)``, ``x + (−0.2)``) and ``−(−0.7)`` folded to
``0.7`` (so σ(−0.7) prints ``1/(1 + e^(0.7))``, as Han & Kamber write it).

Activations are expanded into the formula a student writes (σ(x) → ``1/(1 + e^(−x))``,
bipolar → ``2/(1 + e^(−x)) − 1``, relu → ``max(0, x)``, softmax → ``e^(x_k)/Σ e^(x_m)``).

>>> from chainrule.calculus.formula import Add, Mul, Ref, Const
>>> from chainrule.derive.symbol import Symbol
>>> lookup = {"w": (Symbol("w", ("1",)), "-0.3"), "x": (Symbol("x", ("1",)), "1")}
>>> node = Add((Mul((Ref("w"), Ref("x"))), Const(0.5)))
>>> to_text(node, lookup.__getitem__), to_text(node, lookup.__getitem__, numeric=True)
('w_1·x_1 + 0.5', '(−0.3)·1 + 0.5')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chainrule._util.text import text_number
from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.formula import (
    Add,
    Call,
    Const,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Node,
    Pow,
    Ref,
    Sigma,
    Sub,
    Sym,
)
from chainrule.derive.rounding import format_exact
from chainrule.derive.symbol import Partial, Symbol
from chainrule.render._dialects import (
    ATOM,
    POWER,
    PRODUCT,
    SIGNED,
    SUM,
    Dialect,
    Latex,
    MathML,
    Text,
)

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.solution import Equation, WorkedSolution

__all__ = ["to_text", "to_latex", "to_mathml", "Lookup", "equation_parts"]

#: id → (symbol, printed value); a ``WorkedSolution`` provides one as ``solution.lookup``.
Lookup = Callable[[str], tuple[Symbol | Partial, str]]

# precedence: sums 1, signed terms 2, products and quotients 3, powers 4, atoms 5


class _Printer:
    def __init__(self, dialect: Dialect, lookup: Lookup | None, numeric: bool) -> None:
        self.d, self.lookup, self.numeric = dialect, lookup, numeric

    def __call__(self, node: Node) -> str:
        return self.p(node)[0]

    def wrap(self, node: Node, need: int) -> str:
        text, prec = self.p(node)
        return self.d.paren(text) if prec < need else text

    def leaf_number(self, printed: str) -> tuple[str, int]:
        return self.d.number(printed), (SIGNED if printed.startswith("-") else ATOM)

    def p(self, node: Node) -> tuple[str, int]:  # noqa: C901 - one branch per node type
        d = self.d
        if isinstance(node, Const):
            written = d.const(node)
            return (written, ATOM) if written else self.leaf_number(format_exact(node.value))
        if isinstance(node, Ref):
            if self.lookup is None:
                raise ValueError(f"cannot print reference {node.id!r} without a lookup")
            symbol, printed = self.lookup(node.id)
            if self.numeric:
                return self.leaf_number(printed)
            return d.symbol(node.symbol or symbol), ATOM
        if isinstance(node, Sym):
            return d.symbol(node.symbol), ATOM
        if isinstance(node, Add):
            return self.add(node), SUM
        if isinstance(node, Sub):
            return self.wrap(node.left, SUM) + d.minus() + self.wrap(node.right, SIGNED + 1), SUM
        if isinstance(node, Neg):
            return self.neg(node)
        if isinstance(node, Mul):
            parts = [self.wrap(f, self.factor_precedence(f, i)) for i, f in enumerate(node.factors)]
            head = node.factors[0]
            if isinstance(head, Const) and head.text is not None and len(parts) > 1:
                # a written coefficient is juxtaposed: ½(t − y)², not ½·(t − y)²
                return d.juxtapose(parts[0], d.times().join(parts[1:])), PRODUCT
            return d.times().join(parts), PRODUCT
        if isinstance(node, Div):
            if d.div_precedence == ATOM:
                return d.div(self(node.num), self(node.den)), ATOM
            return d.div(self.wrap(node.num, PRODUCT), self.wrap(node.den, POWER)), PRODUCT
        if isinstance(node, Pow):
            return self.pow(node), POWER
        if isinstance(node, Exp):
            return d.exp(self(node.arg)), ATOM
        if isinstance(node, Log):
            return d.func("ln", [self(node.arg)]), ATOM
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Sigma):
            return d.sigma(node.index, self.wrap(node.body, PRODUCT)), SIGNED
        raise TypeError(f"cannot print {type(node).__name__}")

    def add(self, node: Add) -> str:
        out = []
        for i, term in enumerate(node.terms):
            if i and isinstance(term, Neg):  # x − θ, and x − (−0.1) when θ is negative
                out.append(self.d.minus() + self.wrap(term.arg, SIGNED + 1))
                continue
            text = self.wrap(term, SUM if i == 0 else SIGNED + 1)
            out.append(text if i == 0 else self.d.plus() + text)
        return "".join(out)

    def factor_precedence(self, factor: Node, position: int) -> int:
        """The precedence a factor needs to go without parentheses: a leading symbolic
        minus may stay bare (−(t − y)·f′), a negative number never does ((−0.3)·0.332)."""
        if position:
            return PRODUCT + 1
        if isinstance(factor, Neg) and not self.negative_leaf(factor.arg):
            return SIGNED
        return PRODUCT

    def negative_leaf(self, node: Node) -> bool:
        """Whether ``node`` prints as a negative number (only in numeric mode)."""
        if isinstance(node, Const) and node.text is None:
            return node.value < 0
        if isinstance(node, Ref) and self.numeric and self.lookup is not None:
            return self.lookup(node.id)[1].startswith("-")
        return False

    def neg(self, node: Neg) -> tuple[str, int]:
        if self.negative_leaf(node.arg):  # −(−0.7) is written 0.7
            return self.leaf_number(self._printed(node.arg)[1:])
        return self.d.neg(self.wrap(node.arg, PRODUCT)), SIGNED

    def _printed(self, node: Node) -> str:
        if isinstance(node, Const):
            return format_exact(node.value)
        assert isinstance(node, Ref) and self.lookup is not None
        return self.lookup(node.id)[1]

    def pow(self, node: Pow) -> str:
        base = self.wrap(node.base, ATOM)
        if not self.numeric and self.is_partial(node.base):  # (∂E/∂w)², not ∂E/∂w²
            base = self.d.paren(base)
        exponent = node.exponent
        small = None
        if isinstance(exponent, Const) and exponent.text is None and exponent.value in (2, 3):
            small = format_exact(exponent.value)
        return self.d.pow(base, self(exponent), small)

    def is_partial(self, node: Node) -> bool:
        """Whether ``node`` prints as a symbol ∂a/∂b (a quotient, though it binds as one)."""
        if isinstance(node, Sym):
            return isinstance(node.symbol, Partial)
        if isinstance(node, Ref) and self.lookup is not None:
            return isinstance(node.symbol or self.lookup(node.id)[0], Partial)
        return False

    def call(self, node: Call) -> tuple[str, int]:
        if node.fn == "softmax":
            assert node.index is not None
            terms = tuple(Exp(a) for a in node.args)
            return self.p(Div(terms[node.index], Add(terms)))
        if node.derivative:
            return self.d.func(f"{node.fn}'", [self(node.args[0])]), ATOM
        known = ACTIVATIONS.get(node.fn)  # an unknown name (the generic f, max) prints f(x)
        definition = None if known is None else known.definition
        if definition is None:
            return self.d.func(node.fn, [self(a) for a in node.args]), ATOM
        return self.p(definition(node.args[0]))


def to_text(node: Node, lookup: Lookup | None = None, *, numeric: bool = False) -> str:
    """``node`` as plain Unicode text; references by symbol, or by value if ``numeric``."""
    return _Printer(Text(), lookup, numeric)(node)


def to_latex(node: Node, lookup: Lookup | None = None, *, numeric: bool = False) -> str:
    """``node`` as LaTeX math (no ``$`` delimiters)."""
    return _Printer(Latex(), lookup, numeric)(node)


def to_mathml(node: Node, lookup: Lookup | None = None, *, numeric: bool = False) -> str:
    """``node`` as presentation MathML, wrapped in one ``<mrow>`` (no ``<math>``)."""
    return f"<mrow>{_Printer(MathML(), lookup, numeric)(node)}</mrow>"


#: How a dialect prints a formula: ``to_text``, ``to_latex``, ``to_mathml`` or a wrapper.
FormulaPrinter = Callable[..., str]


def equation_parts(eq: Equation, solution: WorkedSolution, *,
                   symbol: Callable[[Symbol | Partial], str] = lambda s: s.text,
                   formula: FormulaPrinter = to_text,
                   number: Callable[[str], str] = text_number) -> list[str]:
    """The parts of an equation line, left to right, each written by the dialect's
    functions: symbol, chain-rule expansion, symbolic formula, substituted numbers,
    printed value — a part equal to the one before it dropped, so a carried-over weight
    reads ``w_11 = 0.1``, not ``w_11 = w_11 = 0.1 = 0.1``.

    ``formula(node, lookup, numeric=…)`` prints a formula tree; ``number(printed)`` a
    printed value.

    >>> from chainrule.derive import explain
    >>> solution = explain([([[0.5]], [0.0], "linear")], [2.0], [1.0], learning_rate=0.1)
    >>> equation_parts(solution.equation("s1.net.1.1"), solution)
    ['net_o', 'v_1·x_1 + v_0·1', '0.5·2 + 0·1', '1.0000']
    """
    parts = [symbol(eq.symbol)]
    if eq.formula is not None:
        if eq.expansion is not None:
            parts.append(formula(eq.expansion, solution.lookup))
        parts.append(formula(eq.formula, solution.lookup))
        parts.append(formula(eq.formula, solution.lookup, numeric=True))
    parts.append(number(eq.printed))
    out: list[str] = []
    for part in parts:
        if not out or out[-1] != part:
            out.append(part)
    return out
