"""What a notebook shows for chainrule's objects: an SVG string that displays as a picture,
and small HTML tables whose every cell is escaped text.

Jupyter (IPython's display formatters) looks for ``_repr_svg_`` and ``_repr_html_`` on the
value of a cell's last line; everything else keeps working as before (an :class:`SvgImage`
is a ``str``).

>>> svg = SvgImage('<svg xmlns="http://www.w3.org/2000/svg"/>')
>>> svg == '<svg xmlns="http://www.w3.org/2000/svg"/>', svg._repr_svg_() == svg
(True, True)
>>> html_table(["name", "value"], [["<b>", "1"]], caption="a & b").split("<tbody>")[1]
'<tr><td>&lt;b&gt;</td><td>1</td></tr></tbody></table>'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

__all__ = ["SvgImage", "html_table"]


class SvgImage(str):
    """An SVG document as a ``str`` that a notebook displays as the picture it describes.

    Written to a file, compared or searched, it is the plain text of the document.
    """

    __slots__ = ()

    def _repr_svg_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # where the picture is not shown (an untrusted notebook, a terminal), a line that
        # says what it is rather than pages of markup; print() still gives the text
        printer.text(f"<SVG image, {len(self):,} characters: print() it for its text>")


def html_table(head: Sequence[str], rows: Iterable[Sequence[str]], *, caption: str = "",
               footer: Iterable[str] = ()) -> str:
    """An HTML ``<table>`` of text cells, each escaped; ``footer`` lines go in a ``<tfoot>``,
    one spanning row each."""
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    ths = "".join(f"<th>{escape(str(h))}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
                  for row in rows)
    foot = "".join(f'<tr><td colspan="{len(head)}">{escape(str(line))}</td></tr>'
                   for line in footer)
    return (f"<table>{cap}<thead><tr>{ths}</tr></thead><tbody>{trs}</tbody>"
            + (f"<tfoot>{foot}</tfoot>" if foot else "") + "</table>")
