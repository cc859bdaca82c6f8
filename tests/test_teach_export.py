"""LMS export: every format parsed, validated and round-tripped against the worked solutions.

Oracles: Moodle's own cloze regexes (question/type/multianswer/questiontype.php, ported
below), the IMS QTI 1.2 ASI schema (tests/data/qti, validated with xmlschema), PrairieLearn's
pl-number-input attribute schema (apps/prairielearn/elements/pl-number-input/schemas), and
``chainrule.teach.check`` itself for what counts as a right value.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import chevron
import pytest
import xmlschema

from chainrule.cli import main, parsers
from chainrule.teach import check, generate_problems
from chainrule.teach.export import FORMATS, export, read_exam, write_export
from chainrule.teach.export import prairielearn as pl
from chainrule.teach.problems.sheets import write_problem_set

XSD = Path(__file__).parent / "data" / "qti" / "ims_qtiasiv1p2.xsd"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"

# --- Moodle's cloze syntax (question/type/multianswer/questiontype.php), ported ---------------
# PHP's (?<!\\|&|&amp;) has alternatives of different widths, which Python's re cannot do in
# one look-behind: three look-behinds say the same.
_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALT = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_TYPES = ("(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
          "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|(MULTICHOICE_S|MCS)|"
          "(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|(MULTIRESPONSE|MR)|"
          "(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)")
ANSWER_REGEX = re.compile(r"\{([0-9]*):(" + _TYPES + "):(" + _ALT + "(~" + _ALT + r")*)\}",
                          re.S)
_NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = re.compile(f"^({_NUMBER})(:{_NUMBER})?$", re.S)
ALTERNATIVES_GROUP = 16  # ANSWER_REGEX_ALTERNATIVES

#: pl-number-input's attributes (its JSON schema has additionalProperties: false).
PL_NUMBER_INPUT = {
    "allow-blank", "allow-complex", "allow-fractions", "answers-name", "aria-label", "atol",
    "blank-value", "comparison", "correct-answer", "custom-format", "digits", "display",
    "initial-value", "label", "placeholder", "rtol", "show-correct-answer", "show-help-text",
    "show-placeholder", "show-score", "size", "suffix", "weight"}


def cloze_subquestions(text: str) -> list[tuple[int, list[tuple[float, Decimal, Decimal]]]]:
    """(weight, [(fraction, answer, tolerance)]) per sub-question, as Moodle extracts them."""
    out = []
    while match := ANSWER_REGEX.search(text):
        assert match.group(3), f"not a NUMERICAL sub-question: {match.group(0)[:60]}"
        weight = int(match.group(1) or 1)
        alternatives, rest = [], match.group(ALTERNATIVES_GROUP)
        while alt := re.search("~?" + _ALT, rest, re.S):
            fraction = 1.0 if alt.group(1) == "=" else (
                0.01 * float(alt.group(2).replace(",", ".")) if alt.group(2) else 0.0)
            number = NUMERICAL_ALTERNATIVE.match(alt.group(3))
            assert number, f"not a number with a tolerance: {alt.group(3)!r}"
            alternatives.append((fraction, Decimal(number.group(1)),
                                 Decimal(number.group(6) or "0")))
            rest = rest.split(alt.group(0), 1)[1]
        out.append((weight, alternatives))
        text = text.replace(match.group(0), "{#n}", 1)
    return out


# --- exams -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def exam_dir(tmp_path_factory):
    """Twelve generated variants of a 2-3-1 exam, as `chainrule problem` writes them."""
    folder = tmp_path_factory.mktemp("exams") / "midterm"
    write_problem_set(generate_problems("2-3-1", variants=12, seed=2024), folder)
    return folder


@pytest.fixture(scope="module")
def exam(exam_dir):
    return read_exam(exam_dir)


XOR_TWO_EXAMPLES = """\
title = "Two examples of XOR, online"
[network]
layers = [2, 2, 1]
activation = "sigmoid"
[weights.layer1]
kernel = [[0.5, -0.4], [0.3, 0.6]]
bias = [0.1, -0.2]
[weights.layer2]
kernel = [[0.7], [-0.5]]
bias = [0.2]
[[examples]]
x = [1, 0]
t = 1
[[examples]]
x = [0, 1]
t = 1
[training]
learning_rate = 0.3
[convention]
name = "fausett"
[marks]
delta = 1.5
follow_through = 0.5
"""


@pytest.fixture(scope="module")
def hand_dir(tmp_path_factory):
    """An exam written by hand: two published problems and a two-step one with its own
    [marks] (fractional, follow-through at half), no keys."""
    folder = tmp_path_factory.mktemp("hand") / "Backprop quiz 2"
    folder.mkdir()
    for name in ("han_kamber", "hagan_ch11"):
        shutil.copy(Path(__file__).parents[1] / "src/chainrule/examples" / f"{name}.toml",
                    folder / f"{name}.toml")
    (folder / "xor-two.toml").write_text(XOR_TWO_EXAMPLES, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hand(hand_dir):
    return read_exam(hand_dir)


def test_an_exam_directory_reads_as_variants_in_natural_order(exam, exam_dir):
    assert exam.name == "midterm" and len(exam.variants) == 12 and exam.scale == 1
    assert [v.name for v in exam.variants] == [str(n) for n in range(1, 13)]
    assert [v.key.name for v in exam.variants] == [f"key-{n}.toml" for n in range(1, 13)]
    first = exam.variants[0].parts[0].fields[0]
    assert (first.id, first.symbol, first.tolerance) == ("s1.net.1.1", "z_in_1", "0.00005")


def test_every_field_round_trips_to_the_worked_solution(exam, hand):
    for variant in exam.variants + hand.variants:
        s = variant.solution
        report = check(s, {}, marks=variant.marks)
        assert [f.id for f in variant.fields] == [r.id for r in report.missing], variant.path
        for f, r in zip(variant.fields, report.missing):
            eq = s.equation(f.id)
            assert f.value == eq.printed, (variant.path, f.id)
            assert Decimal(f.low) <= Decimal(f.value) <= Decimal(f.high)
            assert f.marks == r.out_of > 0 and f.decimals == eq.decimals
            assert Decimal(f.tolerance) == Decimal(5) / 10 ** (f.decimals + 1)


def test_low_and_high_are_the_ends_of_what_check_grades_right(exam, hand):
    # "right" is judged against the key alone, so one sheet checks every field at once
    for variant in exam.variants[:4] + hand.variants:
        s, unit = variant.solution, {f.id: Decimal(1).scaleb(-f.decimals)
                                     for f in variant.fields}
        for end in ("low", "high"):
            sheet = {f.id: getattr(f, end) for f in variant.fields}
            report = check(s, sheet, marks=variant.marks)
            assert all(r.status == "right" for r in report.results), variant.path
        below = {f.id: format(Decimal(f.low) - unit[f.id], "f") for f in variant.fields}
        above = {f.id: format(Decimal(f.high) + unit[f.id], "f") for f in variant.fields}
        for sheet in (below, above):
            results = check(s, sheet, marks=variant.marks).results
            assert not [r.id for r in results if r.status == "right"], variant.path


def test_a_hand_written_exam_scales_its_fractional_marks(hand):
    assert [v.name for v in hand.variants] == ["hagan_ch11", "han_kamber", "xor-two"]
    assert hand.name == "Backprop quiz 2" and hand.scale == 2
    two = hand.variants[2]
    assert two.solution.shown == ("s1", "s2")
    assert [p.title for p in two.parts][:2] == ["Forward pass, step 1", "Error, step 1"]
    assert any(f.symbol.endswith(" [s2]") for f in two.fields)
    deltas = [f for f in two.fields if f.id.split(".")[1] == "delta"]
    assert deltas and all(f.marks == 1.5 and hand.weight(f) == 3 for f in deltas)


def test_a_key_that_disagrees_with_its_problem_is_an_error(exam_dir, tmp_path):
    folder = tmp_path / "exam"
    shutil.copytree(exam_dir, folder)
    key = folder / "key-3.toml"
    text = key.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith('"z_1"'))
    value = text.splitlines()[line - 1].split('"')[3]
    wrong = format(Decimal(value) + Decimal("0.0100"), "f")
    key.write_text(text.replace(f'"z_1" = "{value}"', f'"z_1" = "{wrong}"'), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"key-3.toml, line {line}: z_1 = {wrong}, but the "
                       rf"worked solution of problem-3.toml gives {value}"):
        read_exam(folder)
    key.rename(folder / "key-99.toml")
    with pytest.raises(ValueError, match="key-99.toml: a key without its problem"):
        read_exam(folder)


def test_files_beside_a_generated_exam_are_left_alone(exam_dir, tmp_path):
    folder = tmp_path / "exam"
    shutil.copytree(exam_dir, folder)
    (folder / "course.toml").write_text("not a problem = [", encoding="utf-8")
    exam = read_exam(folder)
    assert [v.path.name for v in exam.variants] == [f"problem-{n}.toml" for n in range(1, 13)]


def test_bad_exam_directories(tmp_path):
    with pytest.raises(ValueError, match="missing: no such exam directory"):
        read_exam(tmp_path / "missing")
    with pytest.raises(ValueError, match="no problem files in it"):
        read_exam(tmp_path)
    (tmp_path / "f.toml").write_text("[network]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="f.toml: is not a directory"):
        read_exam(tmp_path / "f.toml")
    with pytest.raises(ValueError, match="f.toml: missing table"):
        read_exam(tmp_path)


# --- Moodle ----------------------------------------------------------------------------------
def moodle_questions(data: bytes) -> list[ET.Element]:
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    return list(root)


@pytest.mark.parametrize("which", ["exam", "hand"])
def test_moodle_has_one_cloze_question_per_variant_with_every_value(which, request):
    exam = request.getfixturevalue(which)
    category, *questions = moodle_questions(export(exam, "moodle").data)
    assert category.get("type") == "category"
    assert category.findtext("category/text") == f"$course$/top/{exam.name}"
    assert len(questions) == len(exam.variants)
    assert len({q.findtext("idnumber") for q in questions}) == len(questions)
    for question, variant in zip(questions, exam.variants):
        assert question.get("type") == "cloze"
        assert question.findtext("name/text") == f"{exam.name}: variant {variant.name}"
        subs = cloze_subquestions(question.findtext("questiontext/text"))
        assert len(subs) == len(variant.fields), variant.path
        for (weight, alternatives), f in zip(subs, variant.fields):
            assert weight == exam.weight(f) == f.marks * exam.scale
            assert all(fraction == 1 for fraction, _, _ in alternatives)  # Moodle needs one
            assert alternatives[0][1:] == (Decimal(f.value), Decimal(f.tolerance))
            assert _covered(alternatives) == _covered_field(f), (variant.path, f.id)
        assert sum(w for w, _ in subs) == variant.total * exam.scale
        assert "Worked solution" in question.findtext("generalfeedback/text")


def _covered(alternatives) -> tuple[Decimal, Decimal]:
    """The span of values the answers accept (Moodle's interval is inclusive)."""
    return (min(a - t for _, a, t in alternatives), max(a + t for _, a, t in alternatives))


def _covered_field(f) -> tuple[Decimal, Decimal]:
    t = Decimal(f.tolerance)
    return Decimal(f.low) - t, Decimal(f.high) + t


def test_moodle_notes_the_scaled_marks(hand, exam):
    assert export(exam, "moodle").notes == ()
    (note,) = export(hand, "moodle").notes
    assert "every weight is 2 times its marks" in note
    category = moodle_questions(export(hand, "moodle").data)[0]
    assert "2 times its marks" in category.findtext("info/text")


# --- QTI -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema10(str(XSD))


@pytest.mark.parametrize("which", ["exam", "hand"])
def test_qti_package_validates_and_round_trips(which, request, schema):
    exam = request.getfixturevalue(which)
    archive = zipfile.ZipFile(io.BytesIO(export(exam, "qti").data))
    names = archive.namelist()
    assert names[:2] == ["imsmanifest.xml", "non_cc_assessments/"]
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter(f"{CP}file")]
    assert sorted(hrefs) == sorted(n for n in names[2:])
    assessments = [h for h in hrefs if not h.endswith("assessment_meta.xml")]
    assert len(assessments) == len(exam.variants)
    for href, variant in zip(assessments, exam.variants):
        text = archive.read(href).decode("utf-8")
        schema.validate(text)
        items = ET.fromstring(text).findall(f".//{QTI}item")
        assert _meta(items[0])["question_type"] == "text_only_question"
        assert len(items) == len(variant.fields) + 1
        for item, f in zip(items[1:], variant.fields):
            _check_item(item, f)
        meta = ET.fromstring(archive.read(href.rsplit("/", 1)[0] + "/assessment_meta.xml"))
        total = meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}points_possible")
        assert float(total) == pytest.approx(variant.total)


def _meta(item: ET.Element) -> dict[str, str]:
    return {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
            for f in item.iter(f"{QTI}qtimetadatafield")}


def _check_item(item: ET.Element, f) -> None:
    meta = _meta(item)
    assert meta["question_type"] == "numerical_question"
    assert float(meta["points_possible"]) == f.marks
    key, *drift = item.iter(f"{QTI}respcondition")
    exact = Decimal(key.findtext(f".//{QTI}varequal"))
    assert exact == Decimal(f.value)
    assert Decimal(key.findtext(f".//{QTI}varlte")) - exact == Decimal(f.tolerance)
    assert exact - Decimal(key.findtext(f".//{QTI}vargte")) == Decimal(f.tolerance)
    assert len(drift) == f.drift
    for condition in drift:  # a range answer
        assert condition.find(f".//{QTI}varequal") is None
        assert (Decimal(condition.findtext(f".//{QTI}vargte")),
                Decimal(condition.findtext(f".//{QTI}varlte"))) == _covered_field(f)
    for condition in (key, *drift):
        assert condition.findtext(f"{QTI}setvar") == "100"


def test_qti_names_the_values_canvas_cannot_take(tmp_path):
    # a small learning rate and 6 decimals: many changes of the weights fall below 1e-4
    folder = tmp_path / "six"
    folder.mkdir()
    text = XOR_TWO_EXAMPLES.replace("learning_rate = 0.3", "learning_rate = 0.005")
    text = text.replace('name = "fausett"', 'name = "fausett"\ndecimals = 6')
    (folder / "problem-1.toml").write_text(text, encoding="utf-8")
    (folder / "problem-2.toml").write_text(text, encoding="utf-8")
    exam = read_exam(folder)
    small = [(v.name, f) for v in exam.variants for f in v.fields
             if 0 < abs(Decimal(f.value)) < Decimal("1e-4")]
    assert len(small) > 3, "the 6-decimal exam should have values below 1e-4"
    assert all(f.decimals == 6 for v in exam.variants for f in v.fields)
    (note,) = export(exam, "qti").notes
    assert note.startswith(f"Canvas turns an entry below 0.0001 in size into 0, so "
                           f"{len(small)} answers in 2 variants cannot be entered there (")
    named = [f"variant {name}: {f.symbol} = {f.value}" for name, f in small]
    assert "; ".join(named[:3]) + f"; {len(small) - 3} more)" in note
    assert named[3] not in note
    assert not [n for n in export(exam, "moodle").notes if "Canvas" in n]  # Moodle takes them


# --- PrairieLearn ----------------------------------------------------------------------------
def load_server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"server_{uuid.uuid4().hex}",
                                                  folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def question(tmp_path_factory, hand):
    folder = tmp_path_factory.mktemp("pl") / "question"
    write_export(export(hand, "prairielearn"), folder)
    return folder


def new_data(seed: int, folder: Path) -> dict:
    return {"params": {}, "correct_answers": {}, "variant_seed": seed,
            "options": {"question_path": str(folder)}}


def submitted(data: dict, raw: dict) -> dict:
    return {**data, "raw_submitted_answers": raw, "submitted_answers": {},
            "partial_scores": {}, "feedback": {}, "format_errors": {}}


def variant_data(server, folder: Path, name: str) -> dict:
    for seed in range(100):
        data = new_data(seed, folder)
        server.generate(data)
        if data["params"]["variant"] == name:
            return data
    raise AssertionError(f"no seed below 100 draws {name}")


def test_the_question_folder(question, hand):
    files = sorted(str(p.relative_to(question)) for p in question.rglob("*") if p.is_file())
    assert files == [".chainrule-files.json", "info.json", "problems/hagan_ch11.toml",
                     "problems/han_kamber.toml", "problems/index.json", "problems/xor-two.toml",
                     "question.html", "server.py"]
    manifest = json.loads((question / ".chainrule-files.json").read_text(encoding="utf-8"))
    assert manifest == {"files": ["info.json", "problems", "question.html", "server.py"]}
    info = json.loads((question / "info.json").read_text(encoding="utf-8"))
    assert {"uuid", "type", "title", "topic"} <= set(info) and info["type"] == "v3"
    assert uuid.UUID(info["uuid"]) == uuid.UUID(pl.question_uuid(hand))
    index = json.loads((question / "problems/index.json").read_text(encoding="utf-8"))
    assert [v["problem"] for v in index["variants"]] == [v.path.name for v in hand.variants]
    assert index["scale"] == 2


def test_generate_draws_every_variant_from_the_seed(question, hand):
    server = load_server(question)
    drawn = {}
    for seed in range(60):
        data = new_data(seed, question)
        server.generate(data)
        again = new_data(seed, question)
        server.generate(again)
        assert again == data  # the same seed, the same variant
        json.dumps(data)      # PrairieLearn stores data as JSON
        drawn[data["params"]["variant"]] = data
    assert set(drawn) == {v.name for v in hand.variants}
    for variant in hand.variants:
        data = drawn[variant.name]
        assert data["correct_answers"] == {f.name: float(f.value) for f in variant.fields}


def test_question_html_renders_a_valid_input_per_value(question, hand):
    server = load_server(question)
    data = variant_data(server, question, "xor-two")
    html = chevron.render((question / "question.html").read_text(encoding="utf-8"), data)
    inputs = NumberInputs()
    inputs.feed(html)
    variant = hand.variants[2]
    assert [a["answers-name"] for a in inputs.found] == [f.name for f in variant.fields]
    for attrs, f in zip(inputs.found, variant.fields):
        assert set(attrs) <= PL_NUMBER_INPUT
        assert (attrs["rtol"], attrs["atol"], attrs["weight"]) == ("0", f.tolerance,
                                                                   str(hand.weight(f)))
        assert attrs["custom-format"] == f".{f.decimals}f"
        # pl-number-input parses a blank field as its blank-value: it must be a number, or
        # the blank is a format error and PrairieLearn grades nothing
        float(attrs.get("blank-value", "0"))
    assert "Learning rate" in html and "Step 2 (example 2)" in html


class NumberInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "pl-number-input":
            self.found.append(dict(attrs))


def test_grade_a_right_sheet_gets_full_marks(question, hand):
    server = load_server(question)
    data = variant_data(server, question, "xor-two")
    raw = {f.name: f.value for f in hand.variants[2].fields}
    graded = submitted(data, raw)
    server.grade(graded)
    assert graded["score"] == 1.0 and "slip" not in graded["feedback"]
    assert all(p["score"] == 1.0 for p in graded["partial_scores"].values())
    assert {p["weight"] for p in graded["partial_scores"].values()} == {2, 3}


def test_a_blank_field_is_not_answered_even_where_the_key_is_0(question, hand):
    # PrairieLearn parses a blank as the blank value 0; grade reads what was typed
    server = load_server(question)
    data = variant_data(server, question, "han_kamber")
    raw = {f.name: f.value for f in hand.variants[1].fields}
    first = hand.variants[1].fields[0].name
    graded = submitted(data, {**raw, first: "  "})
    graded["submitted_answers"] = {first: 0.0}
    server.grade(graded)
    assert graded["partial_scores"][first] == {
        "score": 0.0, "weight": hand.weight(hand.variants[1].fields[0]),
        "feedback": "Not answered."}
    assert graded["score"] < 1.0


def test_a_drawn_variant_is_graded_by_its_file_after_a_re_export(question, hand_dir, tmp_path):
    server = load_server(question)
    data = variant_data(server, question, "xor-two")
    folder = tmp_path / "more"
    shutil.copytree(hand_dir, folder)
    shutil.copy(folder / "hagan_ch11.toml", folder / "a-first.toml")  # shifts the numbers
    again = tmp_path / "question"
    write_export(export(read_exam(folder, name=hand_dir.name), "prairielearn"), again)
    graded = submitted({**data, "options": {"question_path": str(again)}},
                       {f.name: f.value for f in read_exam(hand_dir).variants[2].fields})
    server.grade(graded)
    assert graded["score"] == 1.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_grade_gives_follow_through_marks(question, hand):
    # a wrong net input, then its sigmoid computed correctly: follow-through at half marks
    server = load_server(question)
    data = variant_data(server, question, "xor-two")
    variant = hand.variants[2]
    raw = {f.name: f.value for f in variant.fields}
    wrong_net = float(raw["s1_net_1_1"]) + 0.1
    raw["s1_net_1_1"] = f"{wrong_net:.4f}"
    raw["s1_out_1_1"] = f"{sigmoid(wrong_net):.4f}"
    graded = submitted(data, raw)
    server.grade(graded)
    scores = graded["partial_scores"]
    assert scores["s1_net_1_1"]["score"] == 0.0
    assert scores["s1_out_1_1"]["score"] == 0.5
    assert scores["s1_out_1_1"]["feedback"].startswith("Follow-through")
    total = sum(f.marks for f in variant.fields)
    assert graded["score"] == pytest.approx((total - 1 - 0.5) / total)
    assert "1 follow-through" in graded["feedback"]["marks"]


def test_grade_names_the_slip(question, hand):
    # δ of the output without f′: Fausett's sign form makes it t − y (plain Python here)
    server = load_server(question)
    data = variant_data(server, question, "xor-two")
    variant = hand.variants[2]
    keep = {"net", "out", "E"}
    raw = {f.name: f.value for f in variant.fields
           if f.id.startswith("s1.") and f.id.split(".")[1] in keep}
    y = float(next(f.value for f in variant.fields if f.id == "s1.out.2.1"))
    raw["s1_delta_2_1"] = f"{1 - y:.4f}"
    graded = submitted(data, raw)
    server.grade(graded)
    assert graded["partial_scores"]["s1_delta_2_1"]["score"] == 0.0
    feedback = graded["feedback"]["slip"]
    assert feedback.startswith("First wrong value: δ. Most likely slip: derivative factor f′ "
                               "missing"), feedback
    key = next(f.value for f in variant.fields if f.id == "s1.delta.2.1")
    assert key.lstrip("-") not in feedback and "line" not in feedback  # the key stays hidden
    assert graded["partial_scores"]["s2_net_1_1"]["feedback"] == "Not answered."


def test_pl_test_expects_what_grade_finds(question, hand):
    server = load_server(question)
    data = variant_data(server, question, "han_kamber")
    correct = submitted(data, {})
    correct["test_type"] = "correct"
    server.test(correct)
    assert correct["score"] == 1.0
    incorrect = submitted(data, {f.name: format(Decimal(f.value) + 2 * Decimal(f.tolerance),
                                                "f") for f in hand.variants[1].fields})
    incorrect["test_type"] = "incorrect"
    server.test(incorrect)
    for expected in (correct, incorrect):  # PrairieLearn grades the raw answers again
        again = submitted(data, expected["raw_submitted_answers"])
        server.grade(again)
        assert again["partial_scores"] == expected["partial_scores"]
        assert again["score"] == expected["score"]
    invalid = submitted(data, {"x": "abc"})
    invalid["test_type"] = "invalid"
    server.test(invalid)
    assert invalid["partial_scores"] == {}


# --- the same exam, the same bytes; writing; the command line ---------------------------------
def test_every_export_is_byte_identical_on_a_second_run(exam_dir, tmp_path):
    for to in FORMATS:
        first, second = (export(read_exam(exam_dir), to) for _ in range(2))
        assert first.data == second.data, to
    write_export(export(read_exam(exam_dir), "qti"), tmp_path / "a.zip")
    write_export(export(read_exam(exam_dir), "qti"), tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_failed_folder_write_leaves_the_earlier_export(hand, tmp_path, monkeypatch):
    target = tmp_path / "question"
    write_export(export(hand, "prairielearn"), target)
    before = sorted(p.name for p in target.rglob("*"))

    def broken(self, data):
        raise OSError(28, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(OSError):
        write_export(export(hand, "prairielearn"), target)
    assert sorted(p.name for p in target.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["question"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("to, name", [("moodle", "exam.xml"), ("qti", "exam.zip"),
                                      ("prairielearn", "question")])
def test_cli_writes_each_format(exam_dir, tmp_path, capsys, to, name):
    code, out, err = run(capsys, "export", exam_dir, "--to", to, "-o", tmp_path / name)
    notes = "".join(f"chainrule export: note: {n}\n" for n in export(read_exam(exam_dir), to).notes)
    assert (code, out, err) == (0, f"{tmp_path / name}\n", notes)
    assert (tmp_path / name).exists()
    code, _, _ = run(capsys, "export", exam_dir, "--to", to, "-o", tmp_path / name)
    assert code == 0  # an earlier export is replaced


def test_cli_prints_notes_on_stderr(hand_dir, tmp_path, capsys):
    code, out, err = run(capsys, "export", hand_dir, "--to", "moodle", "-o", tmp_path / "q.xml",
                         "--name", "Quiz 2")
    assert code == 0 and err.startswith("chainrule export: note: marks are fractional")
    assert "$course$/top/Quiz 2" in (tmp_path / "q.xml").read_text(encoding="utf-8")


def test_cli_bad_input_is_one_line_and_exit_code_2(exam_dir, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "file.xml").write_text("x", encoding="utf-8")
    write_export(export(read_exam(exam_dir), "prairielearn"), tmp_path / "earlier")
    (tmp_path / "earlier" / "notes.txt").write_text("mine", encoding="utf-8")
    cases = [
        (["nowhere", "--to", "moodle", "-o", tmp_path / "a.xml"], "nowhere: no such exam"),
        ([tmp_path / "empty", "--to", "moodle", "-o", tmp_path / "a.xml"], "no problem files"),
        ([exam_dir, "--to", "pdf", "-o", tmp_path / "a.pdf"], "invalid choice: 'pdf'"),
        ([exam_dir, "--to", "moodle", "-o", tmp_path], "is a folder; give a file name"),
        ([exam_dir, "--to", "prairielearn", "-o", tmp_path / "file.xml"], "is a file"),
        ([exam_dir, "--to", "prairielearn", "-o", tmp_path / "other"], "not an earlier"),
        ([exam_dir, "--to", "prairielearn", "-o", tmp_path / "earlier"], "did not write"),
        ([exam_dir, "--to", "qti", "-o", tmp_path / "no" / "a.zip"], "does not exist"),
        ([exam_dir, "--to", "moodle", "-o", exam_dir / "problem-1.toml"], "is an input"),
    ]
    problem = (exam_dir / "problem-1.toml").read_bytes()
    for argv, message in cases:
        code, out, err = run(capsys, "export", *argv)
        assert code == 2 and out == "" and err.count("\n") == 1, argv
        assert err.startswith("chainrule export: error: ") and message in err, (argv, err)
    for folder in ("other", "earlier"):
        assert (tmp_path / folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (exam_dir / "problem-1.toml").read_bytes() == problem  # never replaced


def test_the_cli_formats_are_the_exporters():
    assert parsers.EXPORT_FORMATS == FORMATS
