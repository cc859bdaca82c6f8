"""QTI 1.2 as Canvas imports it: a zip content package, one quiz (assessment) per variant.

Canvas Classic Quizzes have no multi-blank numerical question with a tolerance, and an item
group ("pick n") draws items independently, which would mix one student's parts from
several variants. So each variant is its own assessment: a text item with the problem
(``text.intro_html``), then one ``numerical_question`` item per asked value. A lecturer
assigns each quiz to its students. The package::

    imsmanifest.xml                      an IMS content package manifest
    non_cc_assessments/                  (an empty folder, as Canvas's own exports have)
    <ident>/<ident>.xml                  the assessment (questestinterop, QTI 1.2 ASI)
    <ident>/assessment_meta.xml          Canvas's quiz settings: title, points, attempts

Each item has the value's marks as ``points_possible`` (Canvas reads a float) and the key as
``or(varequal v, and(vargte v − t, varlte v + t))``, which Canvas imports as an exact answer
with margin ``t``, half a unit of the last printed decimal; where ``chainrule check`` also
grades other last digits right (values carried the other way), a second condition with the
bounds alone, ``vargte low − t`` and ``varlte high + t`` (Canvas's form of a range answer),
covers them. These are the forms Canvas's own exports and text2qti write. The bounds are
computed in ``Decimal``, never in binary floats.
Canvas replaces a student's entry below 1e-4 in size by zero, so a key that small cannot be
answered there (raised decimals, kept for two significant figures, make such keys common):
``notes(exam)`` counts them and names the first few.

Identifiers, file order and zip timestamps are fixed, so the same exam gives the same bytes.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from html import escape

from chainrule._util.text import counted
from chainrule.teach.export.exam import Exam, Field, Part, Variant
from chainrule.teach.export.text import field_text, intro_html, marks_text, part_heading

__all__ = ["qti_package", "assessment_xml", "manifest_xml", "meta_xml", "notes",
           "identifier", "QTI_NS", "CANVAS_SMALLEST",
           "NOTE_NAMES"]

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_QTI_XSD = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
_CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Canvas turns a numerical entry smaller than this (in size) into 0 (gpoore/text2qti#51).
CANVAS_SMALLEST = Decimal("0.0001")
#: How many of those values the note names (it counts them all).
NOTE_NAMES = 3
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def identifier(exam: Exam, variant: Variant | None = None) -> str:
    """``chainrule_<exam>_v007``: an identifier from the exam's name and the variant."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", exam.name).strip("_") or "exam"
    return f"chainrule_{slug}" + (f"_v{variant.number:03d}" if variant else "")


def qti_package(exam: Exam) -> bytes:
    """The zip package of the exam (see the module doc)."""
    files: dict[str, str] = {"imsmanifest.xml": manifest_xml(exam)}
    for variant in exam.variants:
        ident = identifier(exam, variant)
        files[f"{ident}/{ident}.xml"] = assessment_xml(exam, variant)
        files[f"{ident}/assessment_meta.xml"] = meta_xml(exam, variant)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _add(archive, "imsmanifest.xml", files.pop("imsmanifest.xml"))
        _add(archive, "non_cc_assessments/", "")
        for name, text in files.items():
            _add(archive, name, text)
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    folder = name.endswith("/")
    info.external_attr = (0o40755 if folder else 0o100644) << 16
    info.compress_type = zipfile.ZIP_STORED if folder else zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode("utf-8"))


def notes(exam: Exam) -> list[str]:
    """What a lecturer must know before importing into Canvas: the keys it cannot take
    (all counted, the first ``NOTE_NAMES`` named)."""
    small = [(v.name, f) for v in exam.variants for f in v.fields
             if 0 < abs(Decimal(f.value)) < CANVAS_SMALLEST]
    if not small:
        return []
    named = "; ".join(f"variant {name}: {f.symbol} = {f.value}" for name, f in small[:NOTE_NAMES])
    more = len(small) - NOTE_NAMES
    variants = len({name for name, _ in small})
    return [f"Canvas turns an entry below {CANVAS_SMALLEST} in size into 0, so "
            f"{counted(len(small), 'answer')} in {counted(variants, 'variant')} cannot be "
            f"entered there ({named}{f'; {more} more' if more > 0 else ''}); Moodle and "
            "PrairieLearn take them"]


# --- the assessment --------------------------------------------------------------------------
def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _xml(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _metadata(parent: ET.Element, fields: dict[str, str]) -> None:
    block = _el(parent, "qtimetadata")
    for label, entry in fields.items():
        field = _el(block, "qtimetadatafield")
        _el(field, "fieldlabel", label)
        _el(field, "fieldentry", entry)


def _points(marks: float) -> str:
    return str(int(marks)) if float(marks).is_integer() else repr(float(marks))


def assessment_xml(exam: Exam, variant: Variant) -> str:
    """The ``questestinterop`` document of one variant."""
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NS, "xmlns:xsi": _XSI, "xsi:schemaLocation": f"{QTI_NS} {_QTI_XSD}"})
    ident = identifier(exam, variant)
    assessment = _el(root, "assessment", ident=ident, title=_title(exam, variant))
    _metadata(assessment, {"cc_maxattempts": "1"})
    section = _el(assessment, "section", ident="root_section")
    _intro_item(section, ident, variant)
    for n, part in enumerate(variant.parts):
        for k, field in enumerate(part.fields, start=1):
            _numerical_item(section, f"{ident}_{n + 1}_{k}", n, part, field)
    return _xml(root)


def _title(exam: Exam, variant: Variant) -> str:
    return f"{exam.name}: variant {variant.name}"


def _intro_item(section: ET.Element, ident: str, variant: Variant) -> None:
    item = _el(section, "item", ident=f"{ident}_problem", title="The problem")
    _metadata(_el(item, "itemmetadata"), {"question_type": "text_only_question",
                                          "points_possible": "0"})
    material = _el(_el(item, "presentation"), "material")
    _el(material, "mattext", intro_html(variant), texttype="text/html")


def _numerical_item(section: ET.Element, ident: str, n: int, part: Part,
                    field: Field) -> None:
    item = _el(section, "item", ident=ident, title=field.symbol)
    _metadata(_el(item, "itemmetadata"), {"question_type": "numerical_question",
                                          "points_possible": _points(field.marks)})
    presentation = _el(item, "presentation")
    html = (f"<p>{escape(part_heading(n, part))}</p><p>{escape(field_text(field))}, to "
            f"{counted(field.decimals, 'decimal')} [{escape(marks_text(field.marks))}]:</p>")
    _el(_el(presentation, "material"), "mattext", html, texttype="text/html")
    response = _el(presentation, "response_str", ident="response1", rcardinality="Single")
    _el(_el(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    processing = _el(item, "resprocessing")
    _el(_el(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
        vartype="Decimal")
    t = Decimal(field.tolerance)
    exact = _el(_condition(processing), "or")
    _el(exact, "varequal", field.value, respident="response1")
    _bounds(_el(exact, "and"), Decimal(field.value) - t, Decimal(field.value) + t)
    if field.drift:  # a range answer: the bounds alone, as Canvas writes one
        _bounds(_condition(processing), Decimal(field.low) - t, Decimal(field.high) + t)


def _condition(processing: ET.Element) -> ET.Element:
    """A condition that sets the score to 100; returns its ``conditionvar`` to fill."""
    condition = _el(processing, "respcondition", **{"continue": "No"})
    test = _el(condition, "conditionvar")
    _el(condition, "setvar", "100", action="Set", varname="SCORE")
    return test


def _bounds(parent: ET.Element, low: Decimal, high: Decimal) -> None:
    _el(parent, "vargte", format(low, "f"), respident="response1")
    _el(parent, "varlte", format(high, "f"), respident="response1")


# --- the package around it -------------------------------------------------------------------
def manifest_xml(exam: Exam) -> str:
    """``imsmanifest.xml``: each assessment a resource, its settings a dependency."""
    root = ET.Element("manifest", {
        "identifier": identifier(exam) + "_manifest", "xmlns": _CP_NS, "xmlns:xsi": _XSI,
        "xsi:schemaLocation": f"{_CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"})
    metadata = _el(root, "metadata")
    _el(metadata, "schema", "IMS Content")
    _el(metadata, "schemaversion", "1.1.3")
    _el(root, "organizations")
    resources = _el(root, "resources")
    for variant in exam.variants:
        ident = identifier(exam, variant)
        resource = _el(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
        _el(resource, "file", href=f"{ident}/{ident}.xml")
        _el(resource, "dependency", identifierref=f"{ident}_meta")
        meta = _el(resources, "resource", identifier=f"{ident}_meta",
                   type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                   href=f"{ident}/assessment_meta.xml")
        _el(meta, "file", href=f"{ident}/assessment_meta.xml")
    return _xml(root)


def meta_xml(exam: Exam, variant: Variant) -> str:
    """``assessment_meta.xml``: the Canvas quiz settings of one variant (unpublished, one
    attempt, answers in order, points = the variant's marks)."""
    ident = identifier(exam, variant)
    root = ET.Element("quiz", {
        "identifier": ident, "xmlns": _CANVAS_NS, "xmlns:xsi": _XSI,
        "xsi:schemaLocation": f"{_CANVAS_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"})
    points = _points(variant.total)
    settings = {"title": _title(exam, variant), "description": intro_html(variant),
                "shuffle_answers": "false", "scoring_policy": "keep_highest",
                "quiz_type": "assignment", "points_possible": points,
                "show_correct_answers": "false", "allowed_attempts": "1",
                "one_question_at_a_time": "false", "cant_go_back": "false",
                "available": "false"}
    for tag, text in settings.items():
        _el(root, tag, text)
    assignment = _el(root, "assignment", identifier=f"{ident}_assignment")
    for tag, text in {"title": _title(exam, variant), "workflow_state": "unpublished",
                      "quiz_identifierref": ident, "points_possible": points,
                      "grading_type": "points", "submission_types": "online_quiz"}.items():
        _el(assignment, tag, text)
    return _xml(root)
