"""The exam sheet and the answer key as one offline HTML page: one variant a printed page.

On screen each variant is an A4 sheet; printed (Chromium's print or ``page.pdf()``), the
print CSS puts each variant on its own A4 page (``break-after: page``). The network is
chainrule's SVG diagram of the given values only (``drawing.svg``); symbols are MathML. A
variant whose estimated height exceeds the page is zoomed down to fit it. Every text a user
gives (the title) is escaped; the page has no script and makes no request
(``render._html.page``'s Content-Security-Policy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from chainrule.derive.symbol import Partial
from chainrule.render._html import page
from chainrule.teach.problems.drawing import svg
from chainrule.teach.problems.pages import (
    DEFAULT_HEADING,
    Grid,
    Part,
    givens,
    grid,
    marks_text,
    num,
    parts,
    total,
    wording,
)
from chainrule.teach.problems.rules import rules_text

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.solution import Equation
    from chainrule.teach.problems.generate import GeneratedProblem

__all__ = ["exam_html", "CSS", "PAGE_MM"]

#: The printable height of an A4 page with 12 mm margins, in mm.
PAGE_MM = 273.0
FIGURE_MM = (115.0, 78.0)  # the drawing's width on the page and its greatest height

CSS = """
@page{size:A4;margin:12mm}
body{font-family:"DejaVu Serif",Georgia,serif;margin:0;background:#e8e8e8;color:#111}
.variant{background:#fff;box-sizing:border-box;width:210mm;min-height:297mm;margin:6mm auto;
 padding:12mm;box-shadow:0 1px 4px #888}
@media print{body{background:#fff}.variant{width:auto;min-height:0;margin:0;padding:0;
 box-shadow:none;break-after:page}.variant:last-child{break-after:auto}}
.head{display:flex;justify-content:space-between;align-items:baseline}
.head h1{font-size:16pt;margin:0}.head .number{font-size:14pt}
.sub{font-size:12pt;margin:1mm 0 3mm}
.fields{display:flex;justify-content:space-between;margin:0 0 3mm;font-size:11pt}
.fields .line{display:inline-block;border-bottom:1px solid #000;width:72mm;height:1.1em}
.fields .short{width:40mm}.fields .box{border:1px solid #000;padding:0 2mm}
.rules{border:1px solid #000;padding:2mm 3mm;margin:0 0 3mm;font-size:10pt;line-height:1.35}
.top{display:flex;gap:4mm;align-items:center}
.top figure{flex:0 0 62%;margin:0}.top svg{display:block;width:100%;height:auto;max-height:78mm}
.given{flex:1;font-size:9.5pt}.given table{border-collapse:collapse}
.given td{padding:0 3mm 0 0;white-space:nowrap}
.given th{text-align:left;font-style:italic;font-weight:normal;padding:1mm 0 0}
h2{font-size:11pt;margin:3mm 0 1mm}h3{font-size:10.5pt;font-weight:normal;margin:2mm 0 1mm}
h4{font-size:10.5pt;margin:2mm 0 1mm}
.grid{display:grid;gap:1.2mm 4mm;justify-content:start;align-items:center}
.cell{display:flex;align-items:center;gap:1.5mm}
.cell .sym{text-align:right}
.cell .box{display:inline-block;box-sizing:border-box;border:1px solid #000;height:7mm;
 line-height:7mm;text-align:right;padding:0 1.5mm;font-size:10.5pt}
.cell .mk{font-size:7.5pt}
.total{font-weight:bold;margin:3mm 0 0}
"""


def exam_html(problems: Sequence[GeneratedProblem], *, title: str = "",
              key: bool = False) -> str:
    """The question sheet (``key=False``: empty boxes, name and ID fields) or the answer key
    (every box filled) of ``problems`` as one HTML page, one variant a printed page."""
    heading = title or DEFAULT_HEADING
    body = [_variant(p, heading, key) for p in problems]
    what = "answer key" if key else "questions"
    return page(f"{heading}: {what}", "\n".join(body), css=CSS)


def _variant(p: GeneratedProblem, heading: str, key: bool) -> str:
    layout = grid(p)
    drawing = svg(p)
    zoom = min(1.0, PAGE_MM / (1.04 * _height(p, layout, drawing, key)))  # 4 % to spare
    style = f' style="zoom:{zoom:.3f}"' if zoom < 1 else ""
    words = wording(p, key)
    out = [f'<section class="variant" data-variant="{p.number}"{style}>',
           f'<div class="head"><h1>{escape(heading)}</h1>'
           f'<span class="number">Variant {p.number}</span></div>',
           f'<p class="sub">{words.subtitle}</p>']
    if not key:
        out.append('<div class="fields"><span>Name <span class="line"></span></span>'
                   '<span>Student ID <span class="line short"></span></span>'
                   f'<span>Variant <span class="box">{p.number}</span></span></div>')
    out += [f'<p class="rules"><strong>Rules.</strong> {escape(rules_text(p))}</p>',
            f'<div class="top"><figure>{drawing}</figure>{_givens(p)}</div>']
    out += _answers(p, layout, key)
    return "\n".join(out + ["</section>"])


def _math(eq: Equation) -> str:
    return f'<math display="inline">{eq.symbol.mathml}</math>'


def _value(eq: Equation) -> str:
    return escape(eq.printed.replace("-", "−"))


def _givens(p: GeneratedProblem) -> str:
    rows = ['<div class="given"><strong>Given</strong><table>']
    for name, eqs in givens(p):
        rows.append(f'<tr><th colspan="3">{escape(name)}</th></tr>')
        cells = [f"<td>{_math(eq)} = {_value(eq)}</td>" for eq in eqs]
        rows += ["<tr>" + "".join(cells[k:k + 3]) + "</tr>" for k in range(0, len(cells), 3)]
    return "\n".join(rows + ["</table></div>"])


def _answers(p: GeneratedProblem, layout: Grid, key: bool) -> list[str]:
    words = wording(p, key)
    out = [f"<h2>Answers <span style=\"font-weight:normal\">— {words.answers}.</span></h2>"]
    steps = parts(p)
    for step, found in steps:
        if len(steps) > 1:
            out.append(f"<h4>Step {step.index} (example {step.example})</h4>")
        out += [_part(part, layout, key) for part in found]
    return out + [f'<p class="total">Total: {marks_text(total(p))}.<span '
                  f'style="font-weight:normal">{escape(words.after_total)}</span></p>']


def _part(part: Part, layout: Grid, key: bool) -> str:
    each = f", {marks_text(part.marks[0])} each" if part.uniform and len(part.asked) > 1 else ""
    cells = []
    for eq, marks in zip(part.asked, part.marks):
        mark = "" if part.uniform else f'<span class="mk">({num(marks)})</span>'
        cells.append(f'<div class="cell" data-eq="{escape(eq.id)}"><span class="sym" '
                     f'style="min-width:{layout.symbol_cm * 10:.0f}mm">{_math(eq)}</span>'
                     f'<span class="box" style="width:{layout.box_cm * 10 + 3:.0f}mm">'
                     f'{_value(eq) if key else ""}</span>{mark}</div>')
    columns = f"grid-template-columns:repeat({layout.columns},auto)"
    return (f"<h3>({part.letter}) <b>{escape(part.title)}</b> [{marks_text(part.total)}{each}]"
            f'</h3>\n<div class="grid" style="{columns}">' + "".join(cells) + "</div>")


def _height(p: GeneratedProblem, layout: Grid, drawing: str, key: bool) -> float:
    """An estimate of the variant's height in mm, erring tall."""
    match = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', drawing)
    w, h = (float(match.group(1)), float(match.group(2))) if match else FIGURE_MM
    figure = min(FIGURE_MM[1], FIGURE_MM[0] * h / w)
    given_rows = sum(1 + -(-len(eqs) // 3) for _, eqs in givens(p))
    steps = parts(p)
    answers = 0.0
    for part in (part for _, found in steps for part in found):
        tall = any(isinstance(eq.symbol, Partial) for eq in part.asked)  # ∂E/∂w: a fraction
        answers += 7.5 + (10.5 if tall else 8.4) * -(-len(part.asked) // layout.columns)
    rules_lines = len(rules_text(p)) / 120 + 1
    return (17 + (0 if key else 9) + 5 * rules_lines + max(figure, 4.4 * given_rows + 6)
            + 8 + (6 * len(steps) if len(steps) > 1 else 0) + answers + 8)
