r"""LaTeX pieces shared by the LaTeX and Markdown renderers: escaped text, symbols that are
safe to compile whatever their names, formulas, and rows of an ``align*``/``aligned`` that
fit a given width.

User text (titles, notes, a letter or unit name) may hold any character. ``latex_text``
writes it for text mode and ``math_text`` for math mode: plain runs stay text, LaTeX's
special characters become their escaped forms, Greek letters and signs (∂, ·, −, ½, ⁽ˡ⁾)
become math, and a character LaTeX cannot typeset with ``pdflatex``'s default fonts is
written as its code point (``U+2603``)::

    >>> latex_text("a_b%# δ")
    'a$\\_$b$\\%\\#$ $\\delta$'
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from chainrule.calculus.formula import Node, Sym
from chainrule.derive.symbol import GREEK_LATEX, Applied, Partial, Symbol
from chainrule.render.printing import Lookup, equation_parts, to_latex

__all__ = [
    "latex_text", "math_text", "symbol_latex", "formula_latex", "equation_forms", "number",
    "equation_entries", "derivation_entries", "width", "split_sum", "align_rows", "Entry",
]

_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron "
          "pi rho finalsigma sigma tau upsilon phi chi psi omega").split()

#: Characters written in math mode: Greek letters, signs, and the characters LaTeX reserves.
MATH_CHARS: dict[str, str] = {
    "∂": r"\partial", "·": r"\cdot", "−": "-", "×": r"\times", "÷": r"\div", "±": r"\pm",
    "≈": r"\approx", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "→": r"\to", "←": r"\leftarrow",
    "⇒": r"\Rightarrow", "∞": r"\infty", "√": r"\surd", "∑": r"\sum", "∈": r"\in",
    "∇": r"\nabla", "ℓ": r"\ell", "′": r"{}'", "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}",
    "¾": r"\tfrac{3}{4}", "Ē": r"\bar{E}", "…": r"\ldots", "°": r"^{\circ}",
    "\\": r"\backslash", "{": r"\{", "}": r"\}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#",
    "$": r"\$", "~": r"\sim", "^": r"\hat{}", "|": r"\vert", "<": "<", ">": ">",
}
_LATIN_CAPITALS = {"alpha": "A", "beta": "B", "epsilon": "E", "zeta": "Z", "eta": "H",
                   "iota": "I", "kappa": "K", "mu": "M", "nu": "N", "omicron": "O", "rho": "P",
                   "tau": "T", "chi": "X"}
for _i, _name in enumerate(_GREEK):
    if _name == "finalsigma":  # U+03C2 ς; U+03A2 has no capital
        MATH_CHARS[chr(0x3B1 + _i)] = r"\varsigma"
        continue
    MATH_CHARS.setdefault(chr(0x3B1 + _i), "o" if _name == "omicron" else "\\" + _name)
    MATH_CHARS.setdefault(chr(0x391 + _i), _LATIN_CAPITALS.get(_name, "\\" + _name.capitalize()))
MATH_CHARS.update({"ε": r"\varepsilon", "φ": r"\varphi"})

#: Characters written in text mode other than as themselves.
#: The braces keep ``?`` and ``!`` from forming the ligatures ¿ and ¡ with an opening quote.
TEXT_CHARS = {"—": "---", "–": "--", "‘": "{}`{}", "’": "'", "“": "{}``{}", "”": "''",
              "`": "{}`{}", "\u00a0": "~"}

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻⁼ⁿˡⁱ", "0123456789()+-=nli"))
_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'()[]/*+=-@\"")


# Latin-1 and Latin Extended-A letters the default OT1 fonts lack (found by compiling each)
_NOT_IN_OT1 = set("ÐÞðþĄąĐđĘęĦħĮįĸĿŀŉŊŋŦŧŲųſ")


def _latin(c: str) -> bool:
    """A Latin letter with a diacritic that ``inputenc`` writes with the default fonts."""
    return ("\u00c0" <= c <= "\u017f" and c not in _NOT_IN_OT1
            and unicodedata.name(c, "").startswith("LATIN"))


def _tokens(s: str) -> list[tuple[bool, str]]:
    """``s`` as (is_math, LaTeX) runs; whitespace of any kind becomes one space."""
    s = re.sub(r"\s+", " ", s)
    out: list[tuple[bool, str]] = []

    def emit(is_math: bool, piece: str) -> None:
        if out and out[-1][0] == is_math:
            joint = " " if is_math and piece[:1].isalpha() and out[-1][1][-1:].isalpha() else ""
            out[-1] = (is_math, out[-1][1] + joint + piece)
        else:
            out.append((is_math, piece))

    i = 0
    while i < len(s):
        c = s[i]
        if c in _SUPERSCRIPTS:
            j = i
            while j < len(s) and s[j] in _SUPERSCRIPTS:
                j += 1
            emit(True, "{}^{" + "".join(_SUPERSCRIPTS[ch] for ch in s[i:j]) + "}")
            i = j
            continue
        if c in _PLAIN:
            emit(False, c)
        elif c in TEXT_CHARS:
            emit(False, TEXT_CHARS[c])
        elif c in MATH_CHARS:
            emit(True, MATH_CHARS[c])
        elif _latin(c):
            emit(False, c)
        else:
            emit(False, f"[U+{ord(c):04X}]")
        i += 1
    return out


def latex_text(s: str) -> str:
    """``s`` for LaTeX text mode, every special character escaped."""
    return "".join(f"${piece}$" if is_math else piece for is_math, piece in _tokens(s))


def math_text(s: str) -> str:
    """``s`` for LaTeX math mode: words in ``\\text{}``, signs and Greek letters as math."""
    return "".join(piece if is_math else rf"\text{{{piece}}}" for is_math, piece in _tokens(s))


# --- symbols ----------------------------------------------------------------------------------
_TAME = re.compile(r"[A-Za-z0-9(),.+\-−]*\Z")  # Symbol.latex writes − as -


def _tame(name: str) -> bool:
    """Whether ``Symbol.latex`` writes the piece ``name`` as valid LaTeX (letters, digits,
    Greek, signs, and at most one inner underscore)."""
    core = "".join("a" if c in GREEK_LATEX else c for c in name)
    if core.count("_") == 1 and not core.startswith("_") and not core.endswith("_"):
        core = core.replace("_", "")
    return bool(_TAME.match(core))


def _escaped(piece: str) -> str | None:
    """A piece of a symbol (a name, a superscript, a mark) with characters LaTeX reserves,
    escaped (``a%#`` → ``{a\\%\\#}``); ``None`` for one ``Symbol.latex`` writes as it is."""
    return None if piece and _tame(piece) else "{" + math_text(piece) + "}"


@lru_cache(maxsize=4096)
def symbol_latex(symbol: Symbol | Partial | Applied) -> str:
    """``symbol.latex``, with the pieces that hold characters LaTeX reserves escaped."""
    return symbol.latex_escaped(_escaped)


@dataclass(frozen=True)
class _Written:
    """A symbol already written as LaTeX (what ``printing`` reads of a symbol: ``.latex``)."""

    latex: str

    @classmethod
    def of(cls, symbol: Symbol | Partial | Applied) -> _Written:
        return cls(symbol_latex(symbol))


def _safe(node: Node) -> Node:
    """``node`` with each ``Sym`` written through ``symbol_latex``."""
    if isinstance(node, Sym):
        return Sym(_Written.of(node.symbol))  # type: ignore[arg-type]
    changes = {}
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if isinstance(value, Node):
            changes[f.name] = _safe(value)
        elif isinstance(value, tuple) and value and isinstance(value[0], Node):
            changes[f.name] = tuple(_safe(v) for v in value)
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]


def formula_latex(node: Node, lookup: Lookup | None = None, *, numeric: bool = False) -> str:
    """``printing.to_latex`` with every symbol written by ``symbol_latex``."""
    safe_lookup = None
    if lookup is not None:
        def safe_lookup(qid: str):  # type: ignore[no-untyped-def]
            symbol, printed = lookup(qid)
            return _Written.of(symbol), printed
    return to_latex(_safe(node), safe_lookup, numeric=numeric)


def number(printed: str) -> str:
    """A printed value in math mode (the ASCII minus is LaTeX's minus)."""
    return {"Infinity": r"\infty", "-Infinity": r"-\infty", "NaN": r"\mathrm{NaN}"}.get(
        printed, printed)


def equation_forms(eq, solution) -> list[str]:  # type: ignore[no-untyped-def]
    """The LaTeX parts of an equation line without repeats (``printing.equation_parts``):
    symbol, chain-rule expansion, symbolic formula, substituted numbers, value."""
    return equation_parts(eq, solution, symbol=symbol_latex, formula=formula_latex,
                          number=number)


Entry = tuple[str, list[str], str]  # (lhs, right-hand forms, note) of ``align_rows``


def equation_entries(equations, solution) -> list[Entry]:  # type: ignore[no-untyped-def]
    """``align_rows`` entries for equations: the symbol, then each distinct form."""
    out = []
    for eq in equations:
        forms = equation_forms(eq, solution)
        out.append((forms[0], forms[1:], ""))
    return out


def derivation_entries(solution) -> list[Entry]:  # type: ignore[no-untyped-def]
    """``align_rows`` entries for the general derivation, each with its note."""
    return [(formula_latex(line.lhs), [formula_latex(f) for f in line.forms], line.note)
            for line in solution.derivation]


# --- widths and line breaking -----------------------------------------------------------------
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)
_ZERO = {"left", "right", "mathrm", "operatorname", "text", "displaystyle", "big", "bigl",
         "bigr", ","}
_SPACES = {"quad": 11.0, "qquad": 22.0, ";": 3.0, ":": 2.5, " ": 3.5}


def width(latex: str, scale: float = 1.0) -> float:
    """An estimate in points (11 pt type, erring wide) of how wide ``latex`` typesets."""
    tokens = _TOKEN.findall(latex)
    total, _ = _width(tokens, 0, scale, stop=None)
    return total


def _group(tokens: list[str], i: int, scale: float) -> tuple[float, int]:
    if i < len(tokens) and tokens[i] == "{":
        return _width(tokens, i + 1, scale, stop="}")
    if i < len(tokens):
        w, _ = _width(tokens[i:i + 1], 0, scale, stop=None)
        return w, i + 1
    return 0.0, i


def _width(tokens: list[str], i: int, scale: float, stop: str | None) -> tuple[float, int]:
    total = 0.0
    while i < len(tokens):
        t = tokens[i]
        i += 1
        if t == stop:
            break
        if t == "{":
            w, i = _width(tokens, i, scale, "}")
        elif t in ("^", "_"):
            w, i = _group(tokens, i, scale * 0.75)
        elif t in (r"\frac", r"\tfrac"):
            inner = scale if t == r"\frac" else scale * 0.75
            num, i = _group(tokens, i, inner)
            den, i = _group(tokens, i, inner)
            w = max(num, den) + 2 * scale
        elif t.startswith("\\") and t[1:] in _SPACES:
            w = _SPACES[t[1:]] * scale
        elif t.startswith("\\") and t[1:] in _ZERO:
            w = 0.0
        elif t.startswith("\\"):
            w = (5.5 * len(t[1:]) if t[1:] in ("ln", "tanh", "max", "exp") else 9.0) * scale
        elif t in "+-=<>":
            w = 14.0 * scale
        elif t == " ":
            w = 0.0
        else:
            w = 5.8 * scale
        total += w
    return total, i


_LEFT, _RIGHT = re.compile(r"\\left(?![A-Za-z])"), re.compile(r"\\right(?![A-Za-z])")


def split_sum(latex: str) -> list[tuple[str, int]]:
    """``latex`` cut before each ``+``/``-`` outside braces, as ``(piece, open)`` with the
    number of ``\\left`` delimiters open where the piece starts."""
    pieces: list[tuple[str, int]] = []
    braces = lefts = 0
    start, start_lefts = 0, 0
    i = 0
    while i < len(latex):
        if _LEFT.match(latex, i):
            lefts += 1
        elif _RIGHT.match(latex, i):
            lefts -= 1
        if latex[i] == "\\":
            i += 2
            continue
        elif latex[i] == "{":
            braces += 1
        elif latex[i] == "}":
            braces -= 1
        elif braces == 0 and latex.startswith((" + ", " - "), i) and i > start:
            pieces.append((latex[start:i], start_lefts))
            start, start_lefts = i + 1, lefts
        i += 1
    pieces.append((latex[start:], start_lefts))
    return pieces


def _pack(form: str, room: float, first_room: float) -> list[str]:
    """``form`` broken at top-level signs into lines of at most ``room`` points (the first
    of ``first_room``), each line's ``\\left``/``\\right`` balanced with ``.``."""
    pieces = split_sum(form) + [("", 0)]
    lines, current, opened = [], "", pieces[0][1]
    for k, (piece, _) in enumerate(pieces[:-1]):
        limit = first_room if not lines else room
        if current and width(current + piece) > limit:
            lines.append(r"\left." * opened + current + r"\right." * pieces[k][1])
            current, opened = "", pieces[k][1]
        current = f"{current} {piece}" if current else piece
    lines.append(r"\left." * opened + current)
    return lines


def align_rows(entries: list[Entry], total: float) -> list[str]:
    """Rows of an ``align*``/``aligned`` for ``(lhs, forms, note)`` entries, each meaning
    ``lhs = forms[0] = forms[1] = …  (note)``, broken so that no row is wider than ``total``
    points: a chain continues at ``&=``, a sum too long for a row continues at ``&\\quad``."""
    lhs_width = max(width(lhs) for lhs, _, _ in entries) + 16.0
    room = max(total - lhs_width, 120.0)
    rows: list[str] = []
    for lhs, forms, note in entries:
        tail = rf"\qquad {math_text('(' + note + ')')}" if note else ""
        current, used = f"{lhs} &", 0.0
        fresh = True  # the row holds no form yet
        for form in forms:
            need = width(form) + 14.0
            if not fresh and used + need > room:
                rows.append(current)
                current, used, fresh = "&", 0.0, True
            if need <= room - used:
                current += f"= {form}" if fresh else f" = {form}"
                used += need
                fresh = False
                continue
            lines = _pack(form, room - 25.0, room - used - 14.0)
            current += "= " + lines[0]
            for line in lines[1:]:
                rows.append(current)
                current = r"&\quad " + line
            used, fresh = width(lines[-1]) + 25.0, False
        if tail and used + width(tail) > room:
            rows.append(current)
            current = "&" + tail
        else:
            current += tail
        rows.append(current)
    return rows
