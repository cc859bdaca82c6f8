"""Answer sheets: TOML and CSV, decimals as written, errors that name the line."""

import pytest

from chainrule.teach import parse_answers, read_answers
from chainrule.teach.grading.answers import answers_from_mapping, parse_number
from chainrule.teach.grading.names import canonical, split_step


@pytest.mark.parametrize("text,value,decimals", [
    ("0.1191", 0.1191, 4), ("0.50", 0.5, 2), ("-0.0065", -0.0065, 4), ("−0.0065", -0.0065, 4),
    ("+1", 1.0, 0), (".5", 0.5, 1), ("3", 3.0, 0), ("1.20e-2", 0.012, 4), (" 0.3 ", 0.3, 1),
    ("1e2", 100.0, 0),
])
def test_numbers_and_their_decimals(text, value, decimals):
    assert parse_number(text) == (pytest.approx(value), decimals)


@pytest.mark.parametrize("text", ["0,5", "0.5.1", "abc", "", "nan", "inf", "1/2", "0.5x"])
def test_malformed_numbers(text):
    with pytest.raises(ValueError, match="expected a number"):
        parse_number(text)


def test_the_toml_subset():
    sheet = parse_answers(
        "# my answers\n"
        "net_h1 = 0.3775\n"
        '"δ_o" = "0.1385"   # a string keeps its decimals\n'
        "w_11+ = 0.1500\n"
        "δ_h1 = −0.0088\n"
        "'∂E/∂w_11' = '0.0004'\n"
        "\n[s2]\n"
        "net_h1 = 0.3791\n"
        "[marks]\n"
        "delta = 3\n"
        "follow_through = 0.5\n"
        "[marks.symbols]\n"
        '"δ_o" = 4\n', source="a.toml")
    names = [(a.name, a.text, a.decimals, a.line, a.step) for a in sheet.answers]
    assert names == [("net_h1", "0.3775", 4, 2, None), ("δ_o", "0.1385", 4, 3, None),
                     ("w_11+", "0.1500", 4, 4, None), ("δ_h1", "−0.0088", 4, 5, None),
                     ("∂E/∂w_11", "0.0004", 4, 6, None), ("net_h1", "0.3791", 4, 9, "s2")]
    assert sheet.marks.kinds["delta"] == 3 and sheet.marks.kinds["net"] == 1
    assert sheet.marks.symbols == {"δ_o": 4.0} and sheet.marks.follow_through == 0.5
    assert sheet.where(sheet.answers[1]) == "a.toml, line 3"


def test_a_real_toml_file_reads_the_same(tmp_path):
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    text = 'net_h1 = 0.3775\n"δ_o" = "0.1385"\n[s2]\nnet_h1 = 0.3791\n[marks]\ndelta = 3\n'
    parsed = tomllib.loads(text)  # the subset is TOML
    assert parsed["s2"]["net_h1"] == 0.3791 and parsed["marks"]["delta"] == 3
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    sheet = read_answers(path)
    assert [a.value for a in sheet.answers] == [0.3775, 0.1385, 0.3791]
    assert sheet.source == "answers.toml"


def test_toml_escapes_are_decoded_and_loose_names_kept_whole():
    sheet = parse_answers('"\\u0394w" = 0.90\n"δ\\u005fo" = "0.1385"\n'
                          "s2.net_h1 = 0.3791\nf'(z_in_1) = 0.2\n\\delta_o = 0.1\n"
                          "[step 3]\nnet_h1 = 0.4\n", source="a.toml")
    got = [(a.name, a.text, a.decimals, a.line, a.step) for a in sheet.answers]
    assert got == [("Δw", "0.90", 2, 1, None), ("δ_o", "0.1385", 4, 2, None),
                   ("s2.net_h1", "0.3791", 4, 3, None), ("f'(z_in_1)", "0.2", 1, 4, None),
                   ("\\delta_o", "0.1", 1, 5, None), ("net_h1", "0.4", 1, 7, "s3")]


@pytest.mark.parametrize("text,message", [
    ("net_h1 = 0.3775\nout_h1 = 0.5a\n", r"a\.toml, line 2: out_h1: expected a number, "
                                          r"received '0\.5a'"),
    ("net_h1 0.3775\n", r"a\.toml, line 1: expected `symbol = value`"),
    ("net_h1 =\n", r"a\.toml, line 1: expected `symbol = value`"),
    ("[answers]\n", r"a\.toml, line 1: unknown table \[answers\]"),
    ('"net_h1 = 0.3\n', r"a\.toml, line 1: unterminated string"),
    ("[marks]\ndelta = -1\n", r"a\.toml: marks must be non-negative"),
    ("[marks]\ndeltas = 1\n", r"a\.toml: unknown kind in the mark scheme"),
    ("[marks]\nfollow_through = 3\n", r"a\.toml: follow_through must be a fraction"),
    ("net_h1 = 0.3775\n\nnet_h1 = 0.3\n", r"a\.toml, line 3: 'net_h1' is given twice "
                                            r"\(first on line 1\)"),
    ("[s2]\nx = 1\n[s2]\n", r"a\.toml, line 3: TOML syntax error"),
    ("x = true\n", r"a\.toml, line 1: x: expected a number, received 'true'"),
])
def test_toml_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_answers(text, source="a.toml")


def test_csv(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("symbol,value\n# a comment\nnet_h1,0.3775\n\n\"δ_o\",−0.1385\n"
                    "w_11+, 0.1500\n", encoding="utf-8")
    sheet = read_answers(path)
    assert [(a.name, a.text, a.line) for a in sheet.answers] == [
        ("net_h1", "0.3775", 3), ("δ_o", "−0.1385", 5), ("w_11+", "0.1500", 6)]


@pytest.mark.parametrize("text,message", [
    ("net_h1,0.37a\n", r"b\.csv, line 1: net_h1: expected a number"),
    ("net_h1,0,3775\n", r"b\.csv, line 1: expected `symbol,value`"),
    ("symbol,value\nnet_h1\n", r"b\.csv, line 2: expected `symbol,value`"),
])
def test_csv_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_answers(text, format="csv", source="b.csv")


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="unknown answers format"):
        parse_answers("", format="xml")
    with pytest.raises(OSError):
        read_answers(tmp_path / "nope.toml")


def test_mappings():
    sheet = answers_from_mapping({"a": 0.15, "b": "0.1500", "c": 2})
    assert [(a.value, a.decimals) for a in sheet.answers] == [(0.15, 2), (0.15, 4), (2.0, 1)]
    with pytest.raises(ValueError, match="b: expected a number"):
        answers_from_mapping({"b": "x"})


@pytest.mark.parametrize("a,b", [
    ("δ_o", "delta_o"), ("δ_o", "\\delta_{o}"), ("w_11⁺", "w_11+"), ("w_11⁺", "new w_11"),
    ("w_11⁺", "w_11_new"), ("w_11⁺", "w_11 (new)"), ("∂E/∂w_11", "dE/dw_11"),
    ("∂E/∂w_11", "\\partial E/\\partial w_{11}"), ("f′(z_in_1)", "f'(z_in_1)"),
    ("f′(z_in_1)", "fprime(z_in_1)"), ("a⁽²⁾_1", "a^(2)_1"), ("θ_4", "theta_4"),
    ("Ē_1", "Ebar_1"), ("x₁", "x_1"),
])
def test_canonical_spellings_meet(a, b):
    assert canonical(a) == canonical(b)


def test_split_step():
    assert split_step("s2.net_h1") == ("s2", "net_h1")
    assert split_step("step 3: δ_o") == ("s3", "δ_o")
    assert split_step("net_h1") == (None, "net_h1")
