"""Symbols: the names equations print under, in text (Unicode), LaTeX and MathML.

A symbol is data, not a string, so that every renderer can typeset it its own way::

    w_11⁺        Symbol("w", sub=("1", "1"), mark="+")
    net_h1       Symbol("net", sub=(Symbol("h", ("1",)),))
    a⁽²⁾_1       Symbol("a", sub=("1",), sup="(2)")
    ∂E/∂w_11     Partial(Symbol("E"), Symbol("w", ("1", "1")))

Text uses ``_`` before a subscript (``net_h1``, as one writes it in a plain-text answer),
Unicode superscripts (``⁽²⁾``, ``⁺``) and ``∂E/∂w``. Subscript parts are joined without a
separator (``w_11``) unless a part is longer than one character, in which case they are
joined with commas (``w_1,12``): the same symbol is then never read two ways.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

__all__ = ["Symbol", "Partial", "Applied", "AnySymbol", "superscript", "GREEK_LATEX", "renamed"]

#: Greek letters and signs that appear in symbols, with their LaTeX names.
GREEK_LATEX = {
    "α": r"\alpha", "β": r"\beta", "δ": r"\delta", "Δ": r"\Delta", "η": r"\eta",
    "θ": r"\theta", "μ": r"\mu", "σ": r"\sigma", "Σ": r"\Sigma", "ε": r"\varepsilon",
    "Ē": r"\bar{E}", "ḟ": r"\dot{f}",
}

#: Writes a piece of a symbol that LaTeX cannot take as it is; ``None``: it can.
Escape = Callable[[str], "str | None"]

_SUPERSCRIPT = str.maketrans("0123456789()+-−n=", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻⁻ⁿ⁼")


def superscript(text: str) -> str:
    """``text`` in Unicode superscript characters (digits, parentheses, signs)."""
    return text.translate(_SUPERSCRIPT)


def _latex_name(name: str) -> str:
    """LaTeX for a base or subscript word: Greek letters by name, words upright."""
    if name in GREEK_LATEX:
        return GREEK_LATEX[name]
    if name[0] in GREEK_LATEX:  # Δw
        return GREEK_LATEX[name[0]] + " " + _latex_name(name[1:])
    if len(name) > 1 and name.isalpha():
        return rf"\mathrm{{{name}}}"
    return name


@dataclass(frozen=True)
class Symbol:
    """A name with optional subscript parts, a superscript and a mark.

    Attributes:
        base: the letter or word (``"w"``, ``"net"``, ``"δ"``, ``"z_in"``).
        sub: subscript parts, each a string or a nested ``Symbol`` (``net_h1``).
        sup: superscript text, e.g. ``"(2)"`` for a layer (typeset as a superscript).
        mark: a trailing mark: ``"+"`` for an updated value (``w⁺``), ``"′"`` for a derivative.
    """

    base: str
    sub: tuple[str | Symbol, ...] = ()
    sup: str = ""
    mark: str = ""

    def __post_init__(self) -> None:
        sub = self.sub
        if isinstance(sub, (str, Symbol)):
            sub = (sub,)
        if type(sub) is not tuple or not all(type(p) in (str, Symbol) for p in sub):
            sub = tuple(p if isinstance(p, Symbol) else str(p) for p in sub)
        if sub is not self.sub:
            object.__setattr__(self, "sub", sub)

    # --- text ---------------------------------------------------------------------------
    def _sub_text(self) -> str:
        parts = [p.flat_text() if isinstance(p, Symbol) else p for p in self.sub]
        if any(len(p) > 1 for p in parts) and len(parts) > 1:
            return ",".join(parts)
        return "".join(parts)

    def flat_text(self) -> str:
        """The symbol as a subscript inside another one: ``h1`` (no underscore)."""
        return self.base + self._sub_text() + superscript(self.sup) + self._mark_text()

    def _mark_text(self) -> str:
        return "⁺" if self.mark == "+" else self.mark

    @property
    def text(self) -> str:
        """Plain Unicode: ``w_11⁺``, ``net_h1``, ``a⁽²⁾_1``."""
        sub = self._sub_text()
        return (self.base + superscript(self.sup) + (f"_{sub}" if sub else "")
                + self._mark_text())

    # --- LaTeX --------------------------------------------------------------------------
    @property
    def latex(self) -> str:
        """LaTeX math: ``w_{11}^{+}``, ``\\mathrm{net}_{h_{1}}``, ``a^{(2)}_{1}``."""
        return self.latex_escaped(_as_is)

    def latex_escaped(self, escape: Escape) -> str:
        """:attr:`latex`'s layout with each piece (a word of the base, a subscript part, the
        superscript, the mark) for which ``escape`` returns LaTeX written so (the renderers
        escape the characters LaTeX reserves; ``None``: the piece as :attr:`latex` writes it)."""
        head, _, tail = self.base.partition("_")  # Fausett's z_in_1: z_{\mathrm{in},1}
        out = _piece(head, escape, _latex_name)
        parts = [p.latex_escaped(escape) if isinstance(p, Symbol)
                 else _piece(p, escape, _latex_name) for p in self.sub]
        plain = [p for p in self.sub if not isinstance(p, Symbol)]
        sep = "," if len(parts) > 1 and any(len(p) > 1 for p in plain) else ""
        if tail:
            parts, sep = [_piece(tail, escape, lambda t: rf"\mathrm{{{t}}}"), *parts], ","
        sup = self.sup + ("+" if self.mark == "+" else "")
        if sup:
            out += "^{" + _piece(sup, escape, str) + "}"
        if parts:
            out += "_{" + sep.join(parts) + "}"
        if self.mark and self.mark != "+":  # w_{1}(k+1), \Delta w_{1}(t-1)
            out += "'" if self.mark == "′" else _piece(self.mark, escape,
                                                       lambda m: m.replace("−", "-"))
        return out

    # --- MathML -------------------------------------------------------------------------
    @property
    def mathml(self) -> str:
        """Presentation MathML (without the ``<math>`` wrapper)."""
        base = f"<mi>{escape(self.base)}</mi>"
        if len(self.base) > 1 and self.base not in GREEK_LATEX:
            base = f'<mi mathvariant="normal">{escape(self.base)}</mi>'
        parts = "".join(p.mathml if isinstance(p, Symbol) else _mathml_token(p)
                        for p in self.sub)
        sup = self.sup + ("+" if self.mark == "+" else "")
        sub = f"<mrow>{parts}</mrow>"
        sup_ml = f"<mrow>{_mathml_token(sup)}</mrow>"
        if parts and sup:
            out = f"<msubsup>{base}{sub}{sup_ml}</msubsup>"
        elif parts:
            out = f"<msub>{base}{sub}</msub>"
        elif sup:
            out = f"<msup>{base}{sup_ml}</msup>"
        else:
            out = base
        if self.mark and self.mark != "+":
            out = f"<mrow>{out}<mo>{escape(self.mark)}</mo></mrow>"
        return out

    def __str__(self) -> str:
        return self.text

    def updated(self) -> Symbol:
        """The same symbol marked as the value after the update: ``w`` → ``w⁺``."""
        return Symbol(self.base, self.sub, self.sup, "+")


def _as_is(text: str) -> None:
    return None


def _piece(text: str, escape: Escape, own: Callable[[str], str]) -> str:
    written = escape(text)
    return own(text) if written is None else written


def _mathml_token(text: str) -> str:
    if text.isdigit():
        return f"<mn>{text}</mn>"
    if text and text[0] in "(+":
        return f"<mo>{escape(text)}</mo>" if len(text) == 1 else f"<mtext>{escape(text)}</mtext>"
    return f"<mi>{escape(text)}</mi>"


@dataclass(frozen=True)
class Partial:
    """The partial derivative ∂num/∂den, e.g. ``∂E/∂w_11`` or ``∂out_o/∂net_o``."""

    num: Symbol
    den: Symbol

    @property
    def text(self) -> str:
        return f"∂{self.num.text}/∂{self.den.text}"

    @property
    def latex(self) -> str:
        return self.latex_escaped(_as_is)

    def latex_escaped(self, escape: Escape) -> str:
        num, den = self.num.latex_escaped(escape), self.den.latex_escaped(escape)
        return rf"\frac{{\partial {num}}}{{\partial {den}}}"

    @property
    def mathml(self) -> str:
        return (f"<mfrac><mrow><mo>∂</mo>{self.num.mathml}</mrow>"
                f"<mrow><mo>∂</mo>{self.den.mathml}</mrow></mfrac>")

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Applied:
    """A function symbol applied to a symbol: ``f′(z_in_1)``, ``f′(I_4)``, ``ḟ¹(n¹_1)``
    (a ``Symbol`` as the function: Hagan's ḟ with its layer as a superscript)."""

    fn: str | Symbol
    arg: Symbol

    @property
    def text(self) -> str:
        fn = self.fn.text if isinstance(self.fn, Symbol) else self.fn
        return f"{fn}({self.arg.text})"

    @property
    def latex(self) -> str:
        return self.latex_escaped(_as_is)

    def latex_escaped(self, escape: Escape) -> str:
        if isinstance(self.fn, Symbol):
            fn = self.fn.latex_escaped(escape)
        else:  # f′: the name, then its primes
            name = self.fn.rstrip("′")
            fn = _piece(name, escape, _latex_name) + "'" * (len(self.fn) - len(name))
        return f"{fn}\\left({self.arg.latex_escaped(escape)}\\right)"

    @property
    def mathml(self) -> str:
        fn = self.fn.mathml if isinstance(self.fn, Symbol) else f"<mi>{escape(self.fn)}</mi>"
        return f"{fn}<mo>(</mo>{self.arg.mathml}<mo>)</mo>"

    def __str__(self) -> str:
        return self.text


AnySymbol = Symbol | Partial | Applied


def renamed(obj: object, table: dict[str, str]) -> object:
    """``obj`` (a symbol, ∂a/∂b or f′(a)) with each letter of ``table`` replaced, also in
    subscripts and in a compound name's head (z_in → h_in, Δw → Δu)."""
    if isinstance(obj, Partial):
        return Partial(renamed(obj.num, table), renamed(obj.den, table))  # type: ignore
    if isinstance(obj, Applied):
        return Applied(renamed(obj.fn, table) if isinstance(obj.fn, Symbol)  # type: ignore
                       else obj.fn, renamed(obj.arg, table))  # type: ignore[arg-type]
    if not isinstance(obj, Symbol):
        return obj
    head, sep, tail = obj.base.partition("_")
    if head in table:
        head = table[head]
    elif head[:1] == "Δ" and head[1:] in table:
        head = "Δ" + table[head[1:]]
    sub = tuple(renamed(p, table) if isinstance(p, Symbol) else p for p in obj.sub)
    return Symbol(head + sep + tail, sub, obj.sup, obj.mark)  # type: ignore[arg-type]
