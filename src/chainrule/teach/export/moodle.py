"""Moodle XML: one cloze question per variant, in a category named after the exam.

Import it in Moodle's question bank (Question bank → Import → Moodle XML format, with "Get
category from file" ticked). Each variant is a cloze (``multianswer``) question whose text is
the problem (``text.intro_html``) followed, part by part, by one embedded NUMERICAL
sub-question per asked value::

    z_in_1 (net input of z1): {1:NUMERICAL:=-0.8600:0.00005#Right}

- the weight (``{1:``) is the value's marks; Moodle's cloze weights are whole numbers, so
  fractional marks are all multiplied by the exam's ``scale`` and a note says so;
- the printed key is the first 100 % answer, ``=v:t`` with the absolute tolerance ``t`` of
  half a unit of its last decimal; where ``chainrule check`` also grades other last digits
  right (values carried the other way), a second 100 % answer covers them;
- numbers are written with a decimal point and no thousands separator (Moodle reads a lone
  comma as a decimal point), tolerances without exponents.

The question text is HTML in CDATA; ``{`` in prose is written ``&#123;`` so that nothing but
the fields can look like a sub-question to Moodle's parser. The worked solution is the
general feedback, shown after the attempt. A quiz made of these questions ("random question
from the category" for one variant per student) marks each value on its own: there is no
follow-through in Moodle (docs/export.md).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from chainrule._util.text import counted
from chainrule.teach.export.exam import Exam, Field, Variant
from chainrule.teach.export.text import field_text, intro_html, part_heading, solution_text

__all__ = ["moodle_xml", "category_path", "cloze_field"]

#: Moodle's default penalty per wrong try (question/format.php, defaultquestion).
PENALTY = "0.3333333"


def moodle_xml(exam: Exam) -> str:
    """The exam as a Moodle XML question file (UTF-8 text)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>", _category(exam)]
    parts += [_question(exam, v) for v in exam.variants]
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


def category_path(exam: Exam) -> str:
    """``$course$/top/NAME``; a ``/`` inside the name is doubled, as Moodle escapes it."""
    return "$course$/top/" + exam.name.replace("/", "//")


def _category(exam: Exam) -> str:
    info = (f"{exam.name}: {counted(len(exam.variants), 'variant')}, written by "
            "chainrule export; one cloze question per variant.")
    if exam.scale != 1:
        info += (f" Marks are fractional and cloze weights are whole numbers, so every "
                 f"weight is {exam.scale} times its marks.")
    return "\n".join([
        '  <question type="category">',
        f"    <category><text>{escape(category_path(exam))}</text></category>",
        f'    <info format="html"><text>{_cdata(f"<p>{escape(info)}</p>")}</text></info>',
        "    <idnumber></idnumber>",
        "  </question>",
    ])


def _question(exam: Exam, variant: Variant) -> str:
    return "\n".join([
        '  <question type="cloze">',
        f"    <name><text>{escape(_title(exam, variant))}</text></name>",
        f'    <questiontext format="html"><text>{_cdata(_question_html(exam, variant))}'
        "</text></questiontext>",
        f'    <generalfeedback format="html"><text>{_cdata(_feedback_html(variant))}'
        "</text></generalfeedback>",
        f"    <penalty>{PENALTY}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{escape(_idnumber(exam, variant))}</idnumber>",
        "  </question>",
    ])


def _title(exam: Exam, variant: Variant) -> str:
    return f"{exam.name}: variant {variant.name}"


def _idnumber(exam: Exam, variant: Variant) -> str:
    # unique in the category; names the variant for the way back to chainrule
    return f"{exam.name}-{variant.name}"


def _question_html(exam: Exam, variant: Variant) -> str:
    lines = [_prose(intro_html(variant))]
    for n, part in enumerate(variant.parts):
        lines.append(f"<p><strong>{_prose(escape(part_heading(n, part)))}</strong></p>")
        lines += [f"<p>{_prose(escape(field_text(f)))}: {cloze_field(f, exam.weight(f))}</p>"
                  for f in part.fields]
    return "\n".join(lines)


def cloze_field(field: Field, weight: int) -> str:
    """``{W:NUMERICAL:=v:t#Right}``, and with drift a second full-marks answer covering
    ``low − t … high + t``: ``~=mid:half#Right: …``. Moodle takes the first that matches."""
    answers = [f"={field.value}:{field.tolerance}#Right"]
    if field.drift:
        low, high, t = Decimal(field.low), Decimal(field.high), Decimal(field.tolerance)
        mid, half = (low + high) / 2, (high - low) / 2 + t
        # feedback ends at an unescaped ~ or } and # starts it: none of them may appear in it
        answers.append(f"={format(mid, 'f')}:{format(half, 'f')}#Right: carrying values the "
                       "other way moves the last digit")
    return "{" + f"{weight}:NUMERICAL:" + "~".join(answers) + "}"


def _feedback_html(variant: Variant) -> str:
    return ("<p>Worked solution (chainrule):</p>\n<pre>" + escape(solution_text(variant))
            + "</pre>")


def _prose(html: str) -> str:
    """HTML text outside the fields, with ``{`` written so Moodle never reads a field."""
    return html.replace("{", "&#123;")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
