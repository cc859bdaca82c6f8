"""The diagram's text: symbols and numbers as SVG markup, their widths and boxes, the styles.

Widths are estimated from DejaVu Sans's advance widths (the diagram's first font), so
labels can be placed clear of each other without a font engine.
"""

from __future__ import annotations

from html import escape
from typing import Any

from chainrule.derive.symbol import Symbol

__all__ = ["STYLE", "FONT", "Box", "overlap", "symbol_tspans", "text_width", "symbol_width",
           "attrs", "fmt", "number"]

FONT = 11  # px, edge labels and value rows

STYLE = """
.cr-diagram{font-family:"DejaVu Sans",Arial,sans-serif;font-size:11px}
.cr-diagram text{fill:#222}
.cr-diagram .cr-halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.cr-diagram .cr-edge line{stroke-linecap:round}
.cr-diagram .cr-edge-label rect{fill:#fff;fill-opacity:.92;stroke:#ddd;stroke-width:.5px}
.cr-diagram .cr-unit circle{fill:#fff;stroke:#444;stroke-width:1.5px}
.cr-diagram .cr-bias-unit rect{fill:#f3f3f3;stroke:#888;stroke-width:1px}
.cr-diagram .cr-more rect{fill:#f7f7f7;stroke:#aaa;stroke-dasharray:4 3}
.cr-diagram .cr-name{font-size:13px;font-weight:600}
.cr-diagram .cr-caption{font-size:12px;fill:#555}
.cr-diagram .cr-after{fill:#0a7d3b}
"""


# --- markup ------------------------------------------------------------------------------------
def number(printed: str) -> str:
    return printed.replace("-", "−")


def symbol_tspans(symbol: Symbol) -> str:
    """A symbol as SVG text: base, then subscript and superscript in smaller, shifted
    tspans (``w`` ``11`` ``+``); escaped."""
    out = escape(symbol.base)
    sup = symbol.sup + ("+" if symbol.mark == "+" else "")
    sub = _sub_text(symbol)
    if sup:
        out += f'<tspan dy="-5" font-size="75%">{escape(sup)}</tspan><tspan dy="5"></tspan>'
    if sub:
        out += f'<tspan dy="3" font-size="75%">{escape(sub)}</tspan><tspan dy="-3"></tspan>'
    if symbol.mark and symbol.mark != "+":
        out += escape(symbol.mark)
    return out


def _sub_text(symbol: Symbol) -> str:
    """The subscript as the text renderer joins it: ``11``, ``h1``, ``1,12``."""
    parts = [p.flat_text() if isinstance(p, Symbol) else p for p in symbol.sub]
    if len(parts) > 1 and any(len(p) > 1 for p in parts):
        return ",".join(parts)
    return "".join(parts)


# DejaVu Sans advance widths in em (the diagram's first font); any other character is
# taken as 0.79 em, as wide as its widest capitals, so estimates err on the wide side.
_ADVANCE = {**dict.fromkeys(" .,:;'", 0.318), **dict.fromkeys("ijl|", 0.278),
            **dict.fromkeys("()[]{}", 0.39), **dict.fromkeys("ftr-", 0.411),
            **dict.fromkeys("0123456789", 0.636), **dict.fromkeys("=−→+±×<>", 0.838),
            **dict.fromkeys("mwMW", 0.99), **dict.fromkeys("_sczIJ", 0.55),
            **dict.fromkeys("abdeghknopquvxyθδηLFPTYk", 0.64)}


def text_width(text: str, size: float = FONT) -> float:
    """The width in px of ``text`` set in DejaVu Sans at ``size`` px (an upper estimate
    for the diagram's other fonts' usual glyphs).

    >>> round(text_width("0.5"), 1)
    17.5
    """
    return size * sum(_ADVANCE.get(c, 0.79) for c in text)


def symbol_width(symbol: Symbol, size: float = FONT) -> float:
    """The width in px of :func:`symbol_tspans` of ``symbol``: base and mark at ``size``,
    subscript and superscript at 75 %."""
    sup = symbol.sup + ("+" if symbol.mark == "+" else "")
    mark = symbol.mark if symbol.mark and symbol.mark != "+" else ""
    return (text_width(symbol.base + mark, size)
            + text_width(sup, 0.75 * size) + text_width(_sub_text(symbol), 0.75 * size))


def attrs(**attrs: Any) -> str:
    parts = []
    for name, value in attrs.items():
        if value is None or value == "":
            continue
        parts.append(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value), quote=True)}"')
    return " ".join(parts)


def fmt(x: float) -> str:
    return f"{x:.1f}"


# --- boxes -----------------------------------------------------------------------------------
Box = tuple[float, float, float, float]  # centre x, centre y, half width, half height


def overlap(a: Box, b: Box, margin: float = 1.0) -> bool:
    return abs(a[0] - b[0]) < a[2] + b[2] + margin and abs(a[1] - b[1]) < a[3] + b[3] + margin
