"""`chainrule problem` and `chainrule check`, run in-process through `chainrule.cli.main`."""

import json
import os

import pytest

from chainrule.cli import main


@pytest.fixture
def problem_set(tmp_path):
    out = tmp_path / "set"
    assert main(["problem", "--arch", "2-2-1", "--activation", "sigmoid", "--convention",
                 "fausett", "--decimals", "1", "--seed", "7", "-o", str(out)]) == 0
    return out


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_problem_writes_the_sheets_and_prints_their_paths(tmp_path, capsys):
    out = tmp_path / "set"
    code, stdout, _ = run(capsys, "problem", "--seed", "7", "--variants", "3", "-o", str(out))
    assert code == 0
    printed = stdout.splitlines()
    assert str(out / "questions.md") in printed and str(out / "key-3.toml") in printed
    assert all((out / line.rsplit("/", 1)[-1]).exists() for line in printed)
    code, again, _ = run(capsys, "problem", "--seed", "7", "--variants", "3", "-o",
                         str(tmp_path / "again"))
    for name in ("questions.md", "answers.md", "key-2.toml", "problem-3.toml"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_a_problem_set_folder_is_readable_as_the_umask_allows(tmp_path, capsys):
    # built in a temporary folder (mkdtemp makes it 0700), then swapped in: the set a
    # lecturer shares must get the permissions any new folder gets
    old = os.umask(0o022)
    try:
        code, _, _ = run(capsys, "problem", "--seed", "7", "-o", str(tmp_path / "set"))
    finally:
        os.umask(old)
    assert code == 0 and (tmp_path / "set").stat().st_mode & 0o777 == 0o755


def test_the_key_gets_full_marks(problem_set, capsys):
    code, out, _ = run(capsys, "check", str(problem_set / "problem-1.toml"),
                       str(problem_set / "key-1.toml"))
    assert code == 0
    assert "No wrong values." in out and "total 36/36" in out


def test_a_students_sheet_with_a_slip(problem_set, tmp_path, capsys):
    key = (problem_set / "key-1.toml").read_text(encoding="utf-8")
    # seed 7: y = 0.3429, t = 0, so t − y = −0.3429 is δ without f′ = y(1 − y)
    sheet = tmp_path / "answers.toml"
    sheet.write_text(key.replace('"δ" = "-0.0773"', 'delta = -0.3429'), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(problem_set / "problem-1.toml"), str(sheet))
    assert code == 1  # a value is wrong: a script can tell
    assert "First wrong value: δ = −0.3429 (answers.toml, line 16)" in out
    assert "Most likely slip: derivative factor f′ missing" in out
    code, out, _ = run(capsys, "check", str(problem_set / "problem-1.toml"), str(sheet),
                       "--json")
    data = json.loads(out)
    assert data["slip"]["name"] == "fprime_missing" and data["first_wrong"] == "s1.delta.2.1"


def test_csv_answers_and_a_marks_file(problem_set, tmp_path, capsys):
    sheet = tmp_path / "answers.csv"
    sheet.write_text("symbol,value\nz_in_1,0.0700\ny,0.3429\n", encoding="utf-8")
    marks = tmp_path / "marks.toml"
    marks.write_text("[marks]\nnet = 5\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(problem_set / "problem-1.toml"), str(sheet),
                       "--marks", str(marks))
    assert code == 1 and "forward pass 6/18" in out  # 3 nets at 5, 3 outputs at 1; the rest
    # of the values are missing, so not every value is right


def one_line_error(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert err.count("\n") == 1, err
    return err


def test_an_unknown_symbol_is_one_line_listing_the_valid_ones(problem_set, tmp_path, capsys):
    sheet = tmp_path / "answers.toml"
    sheet.write_text("z_in_1 = 0.58\nz_in_9 = 0.1\n", encoding="utf-8")
    err = one_line_error(capsys, "check", str(problem_set / "problem-1.toml"), str(sheet))
    assert err.startswith("chainrule check: error: answers.toml, line 2: unknown symbol "
                          "'z_in_9'")
    assert "Valid symbols: " in err and "δ_in_1" in err and "w_0(new)" in err


def test_a_malformed_number_names_the_line(problem_set, tmp_path, capsys):
    sheet = tmp_path / "answers.toml"
    sheet.write_text("z_in_1 = 0.58\n\ny = 0,2140\n", encoding="utf-8")
    err = one_line_error(capsys, "check", str(problem_set / "problem-1.toml"), str(sheet))
    assert "answers.toml, line 3: y: expected a number, received '0,2140'" in err


@pytest.mark.parametrize("argv,message", [
    (["check", "{set}/problem-1.toml"], "give an ANSWERS file or --published"),
    (["check", "{set}/problem-1.toml", "{set}/nope.toml"], "No such file"),
    (["check", "{set}/nope.toml", "{set}/key-1.toml"], "No such file"),
    (["check", "{set}/key-1.toml", "{set}/key-1.toml"], "key-1.toml"),
    (["check", "{set}/problem-1.toml", "{set}/key-1.toml", "--marks", "{set}/key-1.toml"],
     "a marks file holds only [marks] tables"),
    (["problem", "--arch", "2-x-1", "-o", "{set}/x"], "arch must be layer sizes"),
    (["problem", "--arch", "1-1-1-1-1-1-1", "-o", "{set}/x"], "two to 6 layers"),
    (["problem", "--decimals", "7", "-o", "{set}/x"], "decimals must be 1, 2 or 3"),
    (["problem", "--activation", "softmax", "-o", "{set}/x"], "unknown activation"),
    (["problem", "--seed", "1"], "required: -o/--output"),
    (["problem", "--variants", "x", "-o", "{set}/x"], "invalid int value"),
])
def test_cli_errors_are_one_line_with_exit_code_2(problem_set, capsys, argv, message):
    err = one_line_error(capsys, *[a.format(set=problem_set) for a in argv])
    assert message in err, err


HAN_KAMBER = """
title = "Han, Kamber & Pei, Data Mining (3rd ed.), §9.2.3"

[network]
layers = [3, 2, 1]
activation = "sigmoid"

[weights.layer1]
kernel = [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]
bias = [-0.4, 0.2]

[weights.layer2]
kernel = [[-0.3], [-0.2]]
bias = [0.1]

[[examples]]
x = [1, 0, 1]
t = [1]

[training]
learning_rate = 0.9

[convention]
name = "han"

[published]
"O_4" = "0.332"
"O_6" = "0.474"
"Err_6" = "0.1311"
"Err_4" = "-0.0087"
"w_46+" = "-0.261"
"θ_4+" = "-0.408"
"""


def test_the_published_numbers_of_a_problem(tmp_path, capsys):
    path = tmp_path / "han.toml"
    path.write_text(HAN_KAMBER, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--published")
    assert code == 0 and "Checked 6 values" in out and "No wrong values." in out
    code, out, _ = run(capsys, "check", str(path), "--published", "--json")
    assert json.loads(out)["counts"]["right"] == 6


def test_the_published_slips_of_mazur_2015(capsys):
    # docs/published-examples.md, S2.1 and S2.2: ∂E_o2/∂out_h1 = −0.019049119 comes from
    # carrying rounded values; E_total = 0.291027924 after the first round comes from hidden
    # δ computed with the updated w5…w8, though the printed w1⁺…w4⁺ follow the stated rule.
    code, out, _ = run(capsys, "check", "mazur_2015", "--published", "--json")
    data = json.loads(out)
    assert code == 1 and data["first_wrong"] == "s2.E"
    assert data["slip"]["name"] == "updated_weights" and data["slip"]["alone"] == ["s2.E"]
    assert data["drift"]["explains"] == ["s1.dout.1.1.2"]
    assert data["missing"] == [] and data["marks"] == data["out_of"] - 1  # E_total [s2]
    code, out, _ = run(capsys, "check", "mazur_2015", "--published")
    assert "E_total [s2] = 0.291027924" in out
    assert "Most likely slip: hidden δ from the updated weights" in out
    assert "Rounding drift: the last digits of ∂E_o2/∂out_h1 come from values carried " \
           "rounded as printed" in out


def test_a_mark_scheme_in_the_problem_file(problem_set, tmp_path, capsys):
    problem = tmp_path / "problem.toml"
    problem.write_text((problem_set / "problem-1.toml").read_text(encoding="utf-8")
                       + "\n[marks]\ndelta = 5\nfollow_through = 0.5\n\n[marks.symbols]\n"
                       '"y" = 4\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", str(problem), str(problem_set / "key-1.toml"),
                       "--json")
    data = json.loads(out)
    assert code == 0 and data["out_of"] == 36 + 3 * 3 + 3 and data["follow_through"] == 0.5
    problem.write_text(problem.read_text(encoding="utf-8") + "net = -1\n", encoding="utf-8")
    err = run(capsys, "check", str(problem), str(problem_set / "key-1.toml"))[2]
    assert "marks must be non-negative" in err and err.count("\n") == 1
