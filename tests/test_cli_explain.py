"""``chainrule explain`` and ``chainrule demo`` in-process: output, files and bad input.

The demo's output is compared byte for byte with ``tests/golden/demo.txt``. After an
intended change of the demo (or of the text renderer), regenerate the golden file with

    python tests/test_cli_explain.py --regenerate

and review the difference with ``git diff tests/golden/demo.txt`` before committing it.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from chainrule.cli import main
from chainrule.teach.problems.files import bundled

GOLDEN = Path(__file__).resolve().parent / "golden" / "demo.txt"


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, argv) -> str:
    code, out, err = run(capsys, argv)
    assert code == 2, (code, out, err)
    assert out == "", out
    assert err.count("\n") == 1 and err.startswith("chainrule explain: error: "), err
    return err


# --- demo ----------------------------------------------------------------------------------
def demo_output() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["demo"])
    assert code == 0
    return out.getvalue()


def test_demo_matches_the_golden_text_byte_for_byte():
    expected = GOLDEN.read_bytes().decode("utf-8")
    actual = demo_output()
    assert actual == expected, "demo output changed; see this module's docstring to regenerate"
    assert demo_output() == actual


def test_demo_explains_the_blog_step_then_trains_until_correct():
    text = GOLDEN.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "chainrule's own choice" in lines[1] and "lost" in lines[1]
    assert "w_11⁺ = w_11 − η·∂E/∂w_11" in text  # the blog's W, V and η
    assert "v_0⁺ = v_0 − η·∂E/∂v_0" in text
    table = lines[lines.index("x1  x2  t       y  correct") + 1:][:4]
    assert [row.split()[:3] for row in table] == [["0", "0", "0"], ["0", "1", "1"],
                                                  ["1", "0", "1"], ["1", "1", "0"]]
    assert all(row.endswith("yes") for row in table)
    # correct as a student calls it: every output within 0.1 of its target, not merely on
    # its side of 0.5 (0.5008 is no correct 1)
    assert all(abs(float(row.split()[3]) - float(row.split()[2])) <= 0.1 for row in table)
    assert re.fullmatch(r"4/4 correct after \d+ epochs \(\d+ updates\); mean E [0-9.]+",
                        lines[-1])


# --- explain -------------------------------------------------------------------------------
def test_explain_prints_the_solution_of_a_file_or_a_bundled_name(capsys, tmp_path):
    expected = bundled("han_kamber").solve().to_text()
    code, out, err = run(capsys, ["explain", "han_kamber"])
    assert (code, err) == (0, "") and out == expected
    path = tmp_path / "han.toml"
    path.write_bytes((Path(__file__).resolve().parents[1] / "src" / "chainrule" / "examples"
                      / "han_kamber.toml").read_bytes())
    code, out, _ = run(capsys, ["explain", str(path)])
    assert code == 0 and out.splitlines()[2:] == expected.splitlines()[2:]


def test_explain_options_reach_the_solution(capsys):
    code, out, _ = run(capsys, ["explain", "han_kamber", "--carry", "full"])
    assert code == 0 and "= 0.1312" in out and "values carried at full precision" in out
    code, out, _ = run(capsys, ["explain", "han_kamber", "--decimals", "2"])
    assert code == 0 and "2 decimals" in out
    code, out, _ = run(capsys, ["explain", "fausett_binary", "--convention", "blog"])
    assert code == 0 and "blog notation" in out and "net_h1 =" in out


def test_output_file_is_written_atomically(capsys, tmp_path):
    target = tmp_path / "han.txt"
    target.write_text("old", encoding="utf-8")
    code, out, err = run(capsys, ["explain", "han_kamber", "-o", str(target)])
    assert (code, out, err) == (0, "", "")
    assert target.read_text(encoding="utf-8") == bundled("han_kamber").solve().to_text()
    assert [p.name for p in tmp_path.iterdir()] == ["han.txt"]  # no temporary file left


def test_no_partial_file_on_error(capsys, tmp_path, monkeypatch):
    target = tmp_path / "out.tex"
    one_line_error(capsys, ["explain", "nowhere.toml", "-o", str(target)])
    assert list(tmp_path.iterdir()) == []

    from chainrule.derive.solution import WorkedSolution

    def failing(self):
        raise ValueError("the renderer failed")

    monkeypatch.setattr(WorkedSolution, "to_latex", failing)
    target.write_text("old", encoding="utf-8")
    err = one_line_error(capsys, ["explain", "han_kamber", "--format", "latex",
                                  "-o", str(target)])
    assert "the renderer failed" in err
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.tex"]


def test_a_write_error_is_one_line(capsys, tmp_path):
    err = one_line_error(capsys, ["explain", "han_kamber", "-o",
                                  str(tmp_path / "missing" / "out.txt")])
    assert "missing" in err and "does not exist" in err


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json", "svg", "html"])
def test_every_format_is_written(capsys, fmt):
    code, out, err = run(capsys, ["explain", "mazur_2015", "--format", fmt])
    assert (code, err) == (0, ""), err
    assert out.endswith("\n")
    # every format carries the printed numbers: Mazur's out_o1 before the update
    assert "0.75136507" in out


@pytest.mark.parametrize("contents,words", [
    ("[network\n", ["bad.toml: TOML syntax error", "line 1, column"]),
    ('[network]\nlayers = [1, 1]\n[weights]\nv1 = 1\nv0 = 0\n[[examples]]\nx = 1\nt = 1\n'
     '[training]\nlearning_rate = 0.1\n[convention]\nname = "hann"\n',
     ["bad.toml", "'hann'", "blog, fausett, mazur, han, layered"]),
    ('[network]\nlayers = [1, 1]\n[weights]\nv1 = 1\n[[examples]]\nx = 1\nt = 1\n'
     '[training]\nlearning_rate = 0.1\n', ["bad.toml", "missing weight v_0"]),
    ('[network]\nlayers = [1, 1]\n[weights.layer1]\nkernel = [[1, 2]]\nbias = 0\n'
     '[[examples]]\nx = 1\nt = 1\n[training]\nlearning_rate = 0.1\n',
     ["bad.toml", "[weights.layer1] kernel", "expected shape (1, 1)"]),
])
def test_bad_problem_files_are_one_line_and_exit_code_2(capsys, tmp_path, contents, words):
    path = tmp_path / "bad.toml"
    path.write_text(contents, encoding="utf-8")
    err = one_line_error(capsys, ["explain", str(path)])
    for word in words:
        assert word in err, (word, err)


@pytest.mark.parametrize("argv,words", [
    (["explain", "nowhere"], ["nowhere", "blog_xor, fausett_binary"]),
    (["explain", "han_kamber", "--convention", "hann"], ["'hann'", "layered"]),
    (["explain", "han_kamber", "--decimals", "-1"], ["decimals", "-1"]),
])
def test_bad_arguments_are_one_line_and_exit_code_2(capsys, argv, words):
    err = one_line_error(capsys, argv)
    for word in words:
        assert word in err, (word, err)


def test_usage_errors_exit_with_code_2(capsys):
    code, _, err = run(capsys, ["explain", "han_kamber", "--format", "pdf"])
    assert code == 2 and "invalid choice" in err


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: python {sys.argv[0]} --regenerate   (rewrites {GOLDEN})")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_bytes(demo_output().encode("utf-8"))
    print(f"wrote {GOLDEN}")
