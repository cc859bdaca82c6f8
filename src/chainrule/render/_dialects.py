"""The dialects formula trees print in: plain text, LaTeX and MathML.

A dialect only says how to write each construct (a number, a product, a fraction, a call);
``printing._Printer`` walks the tree and decides precedence and parentheses for all three.
"""

from __future__ import annotations

from html import escape

from chainrule._util.text import text_number
from chainrule.calculus.formula import Const
from chainrule.derive.symbol import Partial, Symbol, superscript

__all__ = ["Dialect", "Text", "Latex", "MathML", "SUM", "SIGNED", "PRODUCT", "POWER", "ATOM"]

#: Precedence levels, loosest first: a sum, a signed term, a product, a power, an atom.
SUM, SIGNED, PRODUCT, POWER, ATOM = 1, 2, 3, 4, 5


class Dialect:
    """How one output language writes each construct (the walker decides parentheses)."""

    div_precedence = PRODUCT  # LaTeX and MathML fractions are atoms: no parentheses needed

    def const(self, c: Const) -> str | None:
        return c.text

    def number(self, s: str) -> str:
        raise NotImplementedError

    def symbol(self, s: Symbol | Partial) -> str:
        raise NotImplementedError

    def paren(self, s: str) -> str:
        raise NotImplementedError

    def plus(self) -> str:
        raise NotImplementedError

    def minus(self) -> str:
        raise NotImplementedError

    def neg(self, s: str) -> str:
        raise NotImplementedError

    def times(self) -> str:
        raise NotImplementedError

    def juxtapose(self, a: str, b: str) -> str:
        return a + b

    def div(self, a: str, b: str) -> str:
        raise NotImplementedError

    def pow(self, a: str, b: str, small: str | None) -> str:
        raise NotImplementedError

    def exp(self, a: str) -> str:
        raise NotImplementedError

    def func(self, name: str, args: list[str]) -> str:
        raise NotImplementedError

    def sigma(self, index: str, body: str) -> str:
        raise NotImplementedError


class Text(Dialect):
    def number(self, s):
        return text_number(s)

    def symbol(self, s):
        return s.text

    def paren(self, s):
        return f"({s})"

    def plus(self):
        return " + "

    def minus(self):
        return " − "

    def neg(self, s):
        return f"−{s}"

    def times(self):
        return "·"

    def div(self, a, b):
        return f"{a}/{b}"

    def pow(self, a, b, small):
        return a + superscript(small) if small else f"{a}^({b})"

    def exp(self, a):
        return f"e^({a})"

    def func(self, name, args):
        return f"{_text_name(name)}({', '.join(args)})"

    def sigma(self, index, body):
        return f"Σ_{index} {body}"


class Latex(Dialect):
    div_precedence = ATOM

    def const(self, c):
        return c.latex if c.latex is not None else c.text

    def number(self, s):
        return s

    def symbol(self, s):
        return s.latex

    def paren(self, s):
        return rf"\left({s}\right)"

    def plus(self):
        return " + "

    def minus(self):
        return " - "

    def neg(self, s):
        return f"-{s}"

    def times(self):
        return r" \cdot "

    def juxtapose(self, a, b):
        return f"{a} {b}"

    def div(self, a, b):
        return rf"\frac{{{a}}}{{{b}}}"

    def pow(self, a, b, small):
        # a base that has a superscript already (a layer's ``a^{(1)}_{1}``) is braced, as
        # LaTeX refuses a double superscript
        return f"{{{a}}}^{{{b}}}" if "^" in a else f"{a}^{{{b}}}"

    def exp(self, a):
        return f"e^{{{a}}}"

    def func(self, name, args):
        return rf"{_latex_name(name)}\left({', '.join(args)}\right)"

    def sigma(self, index, body):
        return rf"\sum_{{{index}}} {body}"


class MathML(Dialect):
    div_precedence = ATOM

    def const(self, c):
        return None if c.text is None else f"<mn>{escape(c.text)}</mn>"

    def number(self, s):
        return f"<mo>−</mo><mn>{s[1:]}</mn>" if s.startswith("-") else f"<mn>{s}</mn>"

    def symbol(self, s):
        return s.mathml

    def paren(self, s):
        return f"<mo>(</mo>{s}<mo>)</mo>"

    def plus(self):
        return "<mo>+</mo>"

    def minus(self):
        return "<mo>−</mo>"

    def neg(self, s):
        return f"<mo>−</mo>{s}"

    def times(self):
        return "<mo>·</mo>"

    def div(self, a, b):
        return f"<mfrac><mrow>{a}</mrow><mrow>{b}</mrow></mfrac>"

    def pow(self, a, b, small):
        return f"<msup><mrow>{a}</mrow><mrow>{b}</mrow></msup>"

    def exp(self, a):
        return f"<msup><mi>e</mi><mrow>{a}</mrow></msup>"

    def func(self, name, args):
        inner = "<mo>,</mo>".join(args)
        return f"<mi>{escape(_text_name(name))}</mi><mo>(</mo>{inner}<mo>)</mo>"

    def sigma(self, index, body):
        return f"<munder><mo>∑</mo><mi>{escape(index)}</mi></munder>{body}"


_LATEX_FUNCTIONS = {"tanh": r"\tanh", "ln": r"\ln", "max": r"\max", "exp": r"\exp"}


def _text_name(name: str) -> str:
    """A function's name in text: a derivative's ' as a prime (relu′)."""
    return name.replace("'", "′")


def _latex_name(name: str) -> str:
    """A function's name in LaTeX: \\tanh, \\ln, \\max; any other upright, its derivative
    primed (\\operatorname{relu}', \\operatorname{leaky\\_relu}')."""
    base, prime = (name[:-1], "'") if name.endswith("'") else (name, "")
    if base in _LATEX_FUNCTIONS:
        return _LATEX_FUNCTIONS[base] + prime
    if len(base) == 1:  # the generic f
        return base + prime
    escaped = base.replace("_", r"\_")
    return rf"\operatorname{{{escaped}}}" + prime
