"""`chainrule grade`: a class of sheets against an exam, into a gradebook and feedback pages."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from chainrule.cli import main
from chainrule.teach.grading.batch import class_entries, exam_for, grade_class
from chainrule.teach.grading import batch


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exam") / "exam"
    assert main(["problem", "--arch", "2-2-1", "--seed", "11", "--variants", "3", "-o",
                 str(folder)]) == 0
    return folder


def key_lines(exam, variant):
    text = (exam / f"key-{variant}.toml").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith('"')]


def write_sheet(folder, name, lines, header=()):
    path = folder / name
    path.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")
    return path


def rows_of(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_class_folder_gives_a_gradebook_and_a_feedback_page_per_student(exam, tmp_path,
                                                                          capsys):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    write_sheet(sheets, "ada.toml", key_lines(exam, 1), ['student = "Ada"', "variant = 1"])
    write_sheet(sheets, "bob-2.toml", key_lines(exam, 2))  # the variant from the file name
    slipped = [line.replace('"δ" = ', '"δ" = "0.9999" #') for line in key_lines(exam, 3)]
    write_sheet(sheets, "cy.toml", slipped, ["variant = 3"])
    write_sheet(sheets, "dee.toml", key_lines(exam, 3), ["variant = 1"])  # the wrong variant
    write_sheet(sheets, "eve.toml", ["this is not toml ="])
    write_sheet(sheets, "fay.toml", key_lines(exam, 1))  # names no variant
    book = tmp_path / "grades.csv"
    code = main(["grade", str(sheets), "--problems", str(exam), "-o", str(book)])
    out = capsys.readouterr().out
    assert code == 1 and "graded 6 sheets: 2 all right" in out, out
    rows = {r["student"]: r for r in rows_of(book)}
    assert rows["Ada"]["total"] == rows["Ada"]["out_of"] and rows["Ada"]["variant"] == "1"
    assert rows["bob-2"]["variant"] == "2" and rows["bob-2"]["total"] == rows["bob-2"]["out_of"]
    cy = rows["cy"]
    assert cy["first_wrong"] == "δ" and float(cy["total"]) < float(cy["out_of"])
    assert rows["dee"]["flag"] == "does not match variant 1; it matches variant 3"
    assert rows["eve"]["flag"].startswith("error: ") and "eve.toml" in rows["eve"]["flag"]
    assert rows["fay"]["flag"] == "error: names no variant (add variant = N)"
    feedback = tmp_path / "grades-feedback"
    page = (feedback / "cy.md").read_text(encoding="utf-8")
    assert "First wrong value: δ = 0.9999" in page and "worked solution of your variant" in page
    assert (feedback / "Ada.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_class_with_every_sheet_right_exits_0(exam, tmp_path, capsys):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for v in (1, 2, 3):
        write_sheet(sheets, f"s{v}.toml", key_lines(exam, v), [f"variant = {v}"])
    code = main(["grade", str(sheets), "--problems", str(exam), "-o", str(tmp_path / "g.csv")])
    assert code == 0 and "3 all right" in capsys.readouterr().out


def test_a_roster_names_student_sheet_and_variant(exam, tmp_path, capsys):
    write_sheet(tmp_path, "one.toml", key_lines(exam, 2))
    write_sheet(tmp_path, "two.csv", ["symbol,value"] + [
        line.replace('"', "").replace(" = ", ",") for line in key_lines(exam, 3)])
    roster = tmp_path / "roster.csv"
    roster.write_text("student,sheet,variant\n=HYPERLINK(\"x\"),one.toml,2\nTwo,two.csv,3\n",
                      encoding="utf-8")
    book = tmp_path / "g.csv"
    assert main(["grade", str(roster), "--problems", str(exam), "-o", str(book)]) == 0
    text = book.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text  # a spreadsheet shows the name, it does not run it
    rows = rows_of(book)
    assert [r["variant"] for r in rows] == ["2", "3"] and rows[1]["student"] == "Two"
    assert capsys.readouterr().err == ""


def test_grading_in_parallel_gives_the_same_results(exam, tmp_path):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for n in range(8):
        lines = key_lines(exam, n % 3 + 1)
        if n % 2:
            lines = [line.replace('" = "0.', '" = "0.1') if i == 3 else line
                     for i, line in enumerate(lines)]
        write_sheet(sheets, f"s{n}.toml", lines, [f"variant = {n % 3 + 1}"])
    entries = class_entries(sheets)
    one = grade_class(exam, entries, jobs=1)
    two = grade_class(exam, entries, jobs=2)
    assert [g.report.to_dict() for g in one] == [g.report.to_dict() for g in two]


@pytest.mark.parametrize("argv,message", [
    (["grade", "{tmp}/none", "--problems", "{exam}", "-o", "{tmp}/g.csv"], "No such file"),
    (["grade", "{tmp}", "--problems", "{tmp}", "-o", "{tmp}/g.csv"], "holds no problem-N"),
    (["grade", "{tmp}", "--problems", "{exam}", "-o", "{tmp}"], "is a folder"),
])
def test_bad_input_is_one_line_and_exit_code_2(exam, tmp_path, capsys, argv, message):
    write_sheet(tmp_path, "a.toml", key_lines(exam, 1), ["variant = 1"])
    argv = [a.format(tmp=tmp_path, exam=exam) for a in argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


# --- practice sheets -------------------------------------------------------------------------
def planted(path):
    return path.read_text(encoding="utf-8").splitlines()[1].removeprefix("# Planted: ")[:-1]


def test_practice_sheets_are_graded_as_what_was_planted(exam, tmp_path, capsys):
    sheets = tmp_path / "class"
    code = main(["grade", str(sheets), "--problems", str(exam), "--make-sheets", "12",
                 "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith(f"wrote 12 practice sheets in {sheets}: "), out
    files = sorted(sheets.glob("*.toml"))
    assert [f.name for f in files] == [f"student-{n:02d}.toml" for n in range(1, 13)]
    kinds = {f.stem: planted(f) for f in files}
    assert kinds["student-07"] == "the values of variant 2"  # the middle one copies
    assert {k.split(" ")[0] for k in kinds.values()} >= {"right", "slip"}
    book = tmp_path / "g.csv"
    assert main(["grade", str(sheets), "--problems", str(exam), "-o", str(book)]) == 1
    rows = {r["sheet"].rsplit("/", 1)[-1][:-5]: r for r in rows_of(book)}
    for name, kind in kinds.items():
        row, variant = rows[name], (int(name[-2:]) - 1) % 3 + 1
        assert row["variant"] == str(variant) and row["student"] == f"Student {name[-2:]}"
        full = row["total"] == row["out_of"]
        if kind in ("right", "drift"):  # drift is never a slip
            assert full and row["slip"] == row["first_wrong"] == row["flag"] == "", (name, row)
        elif kind.startswith("slip "):
            assert not full and row["slip"] == kind[5:], (name, kind, row)
        elif kind == "arithmetic":  # one net input wrong, the rest follows through
            assert row["first_wrong"].startswith(("z_in", "y_in")) and row["slip"] == ""
        elif kind == "missing":
            assert row["updates"] == "0" and row["first_wrong"] == "", (name, row)
        else:
            assert row["flag"] == "does not match variant 1; it matches variant 2", row


def test_a_right_practice_sheet_holds_the_key(exam, tmp_path, capsys):
    sheets = tmp_path / "class"
    assert main(["grade", str(sheets), "--problems", str(exam), "--make-sheets", "9"]) == 0
    right = [f for f in sorted(sheets.glob("*.toml")) if planted(f) == "right"]
    assert right
    for f in right:
        lines = f.read_text(encoding="utf-8").splitlines()
        variant = int(lines[3].removeprefix("variant = "))
        assert [line for line in lines if line.startswith('"')] == key_lines(exam, variant)
    first = {f.name: f.read_bytes() for f in sheets.iterdir()}
    assert main(["grade", str(sheets), "--problems", str(exam), "--make-sheets", "9"]) == 0
    assert {f.name: f.read_bytes() for f in sheets.iterdir()} == first  # the same seed


def test_grade_needs_a_gradebook_unless_it_makes_sheets(exam, tmp_path, capsys):
    code = main(["grade", str(tmp_path), "--problems", str(exam)])
    err = capsys.readouterr().err
    assert code == 2 and "-o GRADEBOOK.csv is required" in err and err.count("\n") == 1
    (tmp_path / "mine.txt").write_text("x", encoding="utf-8")
    code = main(["grade", str(tmp_path), "--problems", str(exam), "--make-sheets", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "holds files chainrule did not write (mine.txt)" in err


def test_feedback_escapes_what_the_sheet_holds(exam, tmp_path, capsys):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    name = "<b>Eve</b> ```"
    write_sheet(sheets, "e``` `x`.toml", key_lines(exam, 1)[:3] + ['"q```" = "1.0"'],
                [f'student = "{name}"', "variant = 1"])
    book = tmp_path / "g.csv"
    assert main(["grade", str(sheets), "--problems", str(exam), "-o", str(book)]) == 1
    feedback = tmp_path / "g-feedback"
    (page,) = feedback.glob("*.html")
    html = page.read_text(encoding="utf-8")
    assert "<b>Eve" not in html and "&lt;b&gt;Eve&lt;/b&gt;" in html
    md = next(feedback.glob("*.md")).read_text(encoding="utf-8")
    fences = [line for line in md.splitlines() if line and set(line) == {"`"}]
    assert len(fences) == 2 and len(fences[0]) > 3  # longer than any run in the report
    body = md.split(fences[0])[1]
    assert "q```" in body
    assert md.splitlines()[0] == r"# Feedback for \<b\>Eve\</b\> \`\`\`"


def test_a_sheet_no_variant_fits_is_flagged_without_a_match(exam, tmp_path, capsys):
    # every value 0.1234: nothing right, nothing follows through, no other key fits
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    junk = [line.split(" = ")[0] + ' = "0.1234"' for line in key_lines(exam, 2)]
    write_sheet(sheets, "zed.toml", junk, ["variant = 2"])
    slipped = [line.replace('"δ" = ', '"δ" = "0.9999" #') for line in key_lines(exam, 2)]
    write_sheet(sheets, "yan.toml", slipped, ["variant = 2"])  # one slip: not flagged
    book = tmp_path / "g.csv"
    assert main(["grade", str(sheets), "--problems", str(exam), "-o", str(book)]) == 1
    rows = {r["student"]: r for r in rows_of(book)}
    assert rows["zed"]["flag"] == "does not match variant 2" and rows["zed"]["total"] == "0"
    assert rows["yan"]["flag"] == ""
    assert "1 flagged" in capsys.readouterr().out


def test_make_sheets_is_bounded_by_its_limit(exam, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHAINRULE_MAX_SHEETS", "5")
    code = main(["grade", str(tmp_path / "c"), "--problems", str(exam), "--make-sheets", "6"])
    err = capsys.readouterr().err
    assert code == 2 and "students must be a whole number from 1 to 5. Received: " \
        "students=6" in err and not (tmp_path / "c").exists()


def test_the_exam_is_loaded_again_only_when_its_files_change(exam, tmp_path):
    folder = tmp_path / "exam"
    shutil.copytree(exam, folder)
    first = exam_for(folder)[1]
    assert exam_for(folder)[1] is first  # kept
    text = (folder / "problem-1.toml").read_text(encoding="utf-8")
    (folder / "problem-1.toml").write_text(text.replace("learning_rate = ", "learning_rate = "
                                                        "0.5 #"), encoding="utf-8")
    again = exam_for(folder)[1]
    assert again is not first
    assert again.equation("eta").value == 0.5 != first.equation("eta").value


def test_the_problem_files_marks_are_the_class_gradebooks(tmp_path, capsys):
    (tmp_path / "marks.toml").write_text("[marks]\ndelta = 5\nfprime = 0\n", encoding="utf-8")
    exam = tmp_path / "exam"
    assert main(["problem", "--arch", "2-2-1", "--seed", "11", "--marks",
                 str(tmp_path / "marks.toml"), "-o", str(exam)]) == 0
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    write_sheet(sheets, "ada-1.toml", key_lines(exam, 1))  # the key's values, not its [marks]
    book = tmp_path / "g.csv"
    assert main(["grade", str(sheets), "--problems", str(exam), "-o", str(book)]) == 0
    capsys.readouterr()
    assert main(["check", str(exam / "problem-1.toml"), str(sheets / "ada-1.toml"),
                 "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    # the default scheme: 1 a value, 2 a δ; this one: 5 a δ, f′ not asked
    out_of = {r["id"]: r["out_of"] for r in alone["results"] + alone["missing"]}
    deltas = [i for i in out_of if ".delta." in i]
    assert len(deltas) == 3 and {out_of[i] for i in deltas} == {5}
    assert not any(".fp." in i for i in out_of)
    assert float(rows_of(book)[0]["out_of"]) == alone["out_of"] == sum(out_of.values())


def test_a_missing_problems_folder_is_refused_in_a_fresh_process(tmp_path, capsys,
                                                                monkeypatch):
    """A fresh process has loaded no exam (its key is None), and a folder that is not there
    has no key either: it must be refused, not taken for the exam already loaded."""
    monkeypatch.setattr(batch, "_LOADED", [None])
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "a.toml").write_text('variant = 1\n[answers]\n"out_o" = "0.5"\n', "utf-8")
    code = main(["grade", str(sheets), "--problems", str(tmp_path / "nope"), "-o",
                 str(tmp_path / "g.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no such folder of problem files" in err
    assert not (tmp_path / "g.csv").exists()
