"""PrairieLearn: one question folder per exam, graded by chainrule with follow-through.

The folder (copy it to ``<course>/questions/<qid>/``)::

    info.json          uuid (from the exam's name, stable across re-exports), title, topic,
                       tags, "type": "v3"
    question.html      the problem and one pl-number-input per asked value (a Mustache loop)
    server.py          generate, grade and test: a few lines calling this module
    problems/          the exam's problem files and keys, and index.json listing them;
                       files beside question.html are never sent to the browser

``generate(data, folder)`` draws a variant from PrairieLearn's seed
(``random.Random(data["variant_seed"])``, reproducible outside PrairieLearn too), solves it
and puts the question text, the fields and the worked solution in ``data["params"]`` and
the printed key in ``data["correct_answers"]``. ``grade(data, folder)`` reads the raw
submitted strings (their written decimals set their tolerance), runs
``chainrule.teach.check`` on them and writes the verdict of every value into
``data["partial_scores"]`` (score, whole-number weight, feedback), the marks into
``data["score"]`` (follow-through values earn their share) and check's diagnosis, without
the key's values, into ``data["feedback"]["slip"]``. ``test(data, folder)`` fills in what
``grade`` will find for PrairieLearn's question tests, since ``grade`` overrides the
elements' own verdicts.

``server.py`` imports chainrule: vendor it into the course's ``serverFilesCourse`` (which
PrairieLearn puts on ``sys.path``), as ``docs/export.md`` shows.
"""

from __future__ import annotations

import json
import random
import uuid
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from chainrule._util.version import __version__
from chainrule.teach.export.exam import Exam, Part, Variant, read_variant
from chainrule.teach.export.text import (
    field_text,
    intro_html,
    marks_text,
    part_heading,
    solution_text,
)
from chainrule.teach.grading.answers import parse_number
from chainrule.teach.grading.grade import check
from chainrule.teach.grading.marks import num
from chainrule.teach.grading.report import CheckReport, ValueResult

__all__ = ["question_files", "info_json", "QUESTION_HTML", "generate", "grade", "test",
           "question_uuid"]

#: A fixed namespace for the question's UUID: uuid5(this, "chainrule/" + exam name).
_NAMESPACE = uuid.UUID("8a4bd0c2-6f4e-5b2a-9d2e-2f0c1a7e5b31")
_INDEX = "problems/index.json"

QUESTION_HTML = """\
<pl-question-panel>
{{{params.intro}}}
</pl-question-panel>

{{#params.parts}}
<p><strong>{{heading}}</strong></p>
{{#fields}}
<pl-number-input answers-name="{{name}}" label="{{label}}" suffix="{{marks}}"
  comparison="relabs" rtol="0" atol="{{atol}}" weight="{{weight}}"
  custom-format=".{{decimals}}f" allow-fractions="false" allow-blank="true"
  display="block"></pl-number-input>
{{/fields}}
{{/params.parts}}

<pl-submission-panel>
{{#feedback.marks}}<p>{{feedback.marks}}</p>{{/feedback.marks}}
{{#feedback.slip}}<p>{{feedback.slip}}</p>{{/feedback.slip}}
</pl-submission-panel>

<pl-answer-panel>
<p>Worked solution (chainrule):</p>
<pre>{{params.solution}}</pre>
</pl-answer-panel>
"""


# --- exporting -------------------------------------------------------------------------------
def question_uuid(exam: Exam) -> str:
    """The question's UUID: the same exam name gives the same UUID (give each exam of a
    course its own name)."""
    return str(uuid.uuid5(_NAMESPACE, f"chainrule/{exam.name}"))


def info_json(exam: Exam) -> str:
    info = {
        "uuid": question_uuid(exam),
        "title": f"{exam.name}: a backpropagation step ({len(exam.variants)} variants)",
        "topic": "Backpropagation",
        "tags": ["chainrule"],
        "type": "v3",
        "partialCredit": True,
    }
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def question_files(exam: Exam) -> dict[str, bytes]:
    """The question folder: relative path → bytes (see the module doc)."""
    template = resources.files("chainrule.teach.export") / "pl_server.py"
    server = template.read_text(encoding="utf-8")
    files = {"info.json": info_json(exam).encode(), "question.html": QUESTION_HTML.encode(),
             "server.py": server.encode()}
    entries = []
    for variant in exam.variants:
        key = variant.key
        entries.append({"name": variant.name, "problem": variant.path.name,
                        "key": key.name if key else None})
        files[f"problems/{variant.path.name}"] = variant.path.read_bytes()
        if key:
            files[f"problems/{key.name}"] = key.read_bytes()
    index = {"exam": exam.name, "chainrule": __version__, "scale": exam.scale,
             "variants": entries}
    files[_INDEX] = (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode()
    return files


# --- server.py, in PrairieLearn --------------------------------------------------------------
# A PrairieLearn worker keeps this module between calls; the caches are keyed by the time
# index.json was written, so a course synced with a new export is never graded by an old one.
def _stamp(folder: str) -> int:
    return (Path(folder) / _INDEX).stat().st_mtime_ns


@lru_cache(maxsize=8)
def _read_index(folder: str, stamp: int) -> dict[str, Any]:
    return json.loads((Path(folder) / _INDEX).read_text(encoding="utf-8"))


def _index(folder: str) -> dict[str, Any]:
    return _read_index(folder, _stamp(folder))


@lru_cache(maxsize=64)
def _read_variant(folder: str, problem: str, stamp: int) -> Variant:
    entries = _read_index(folder, stamp)["variants"]
    number, entry = next((n, e) for n, e in enumerate(entries, 1) if e["problem"] == problem)
    problems = Path(folder) / "problems"
    key = problems / entry["key"] if entry["key"] else None
    return read_variant(problems / entry["problem"], number, key)


def _variant(folder: str, problem: str) -> Variant:
    """The variant whose problem file is ``problem``: a stored variant is found by its file's
    name, so an export re-made with more variants still grades the ones already drawn."""
    return _read_variant(folder, problem, _stamp(folder))


def generate(data: dict[str, Any], folder: str) -> None:
    """Draw a variant from ``data["variant_seed"]``; set params and correct answers."""
    entries = _index(folder)["variants"]
    entry = entries[random.Random(data["variant_seed"]).randrange(len(entries))]
    variant = _variant(folder, entry["problem"])
    scale = int(_index(folder)["scale"])
    data["params"].update({
        "problem": entry["problem"], "variant": variant.name, "intro": intro_html(variant),
        "parts": [_part_params(n, part, scale) for n, part in enumerate(variant.parts)],
        "total": marks_text(variant.total), "solution": solution_text(variant)})
    data["correct_answers"].update({f.name: float(f.value) for f in variant.fields})


def _part_params(n: int, part: Part, scale: int) -> dict[str, Any]:
    return {"heading": part_heading(n, part), "fields": [
        {"name": f.name, "label": field_text(f) + " =", "marks": f"[{marks_text(f.marks)}]",
         "atol": f.tolerance, "weight": round(f.marks * scale), "decimals": f.decimals}
        for f in part.fields]}


def grade(data: dict[str, Any], folder: str) -> None:
    """Grade the raw submitted strings with ``chainrule.teach.check``: a score, a weight
    and a verdict per value, the marks, and the most likely slip."""
    variant = _variant(folder, data["params"]["problem"])
    scale = int(_index(folder)["scale"])
    raw = data.get("raw_submitted_answers") or {}
    answers = {f.id: text for f in variant.fields
               if (text := _written(raw.get(f.name))) is not None}
    report = check(variant.solution, answers, marks=variant.marks)
    for f in variant.fields:
        result = report.result(f.id)
        data["partial_scores"][f.name] = {"score": result.marks / result.out_of,
                                          "weight": round(f.marks * scale),
                                          "feedback": _verdict(result)}
    data["score"] = report.marks / report.out_of
    data["feedback"]["marks"] = _marks_line(report)
    slip = _slip_line(report)
    if slip:
        data["feedback"]["slip"] = slip


def test(data: dict[str, Any], folder: str) -> None:
    """PrairieLearn's question test: for ``correct``, submit the printed key; for
    ``correct`` and ``incorrect``, expect what ``grade`` finds (it overrides the elements'
    verdicts, so their expectations would not hold)."""
    if data["test_type"] not in ("correct", "incorrect"):
        return  # invalid: the elements' format errors stand, nothing is graded
    variant = _variant(folder, data["params"]["problem"])
    if data["test_type"] == "correct":
        for f in variant.fields:
            data["raw_submitted_answers"][f.name] = f.value
    grade(data, folder)


def _written(text: Any) -> str | None:
    """A submitted string as written, or None when it is blank or not a decimal number."""
    if text is None or not str(text).strip():
        return None
    try:
        parse_number(str(text))
    except ValueError:
        return None
    return str(text).strip()


def _verdict(result: ValueResult) -> str:
    if result.status == "right":
        return "Right." + (f" ({result.note}.)" if result.note else "")
    if result.status == "follow-through":
        return "Follow-through: right from your own earlier values."
    if result.status == "missing":
        return "Not answered."
    return "Wrong."


def _marks_line(report: CheckReport) -> str:
    total = f"{num(report.marks)} of {num(report.out_of)} marks"
    follow = report.count("follow-through")
    if follow:
        total += f" ({follow} follow-through)"
    return f"You have {total}."


def _slip_line(report: CheckReport) -> str:
    """The check report's diagnosis without the key's values, when it has something to say."""
    if report.first_wrong is None and report.drift is None and report.ambiguous is None:
        return ""
    return " ".join(report.diagnosis(keys=False))
