"""`chainrule examples`: the bundled published examples beside their printed numbers."""

from chainrule.cli import main
from chainrule.teach.problems import files as problems


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_list_names_every_bundled_example(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    for name in problems.bundled_names():
        assert name in out
    assert "chainrule examples NAME" in out


def test_mazur_shows_which_rule_each_slipped_number_follows(capsys):
    # docs/published-examples.md S2.1 and S2.2
    code, out, _ = run(capsys, "examples", "mazur_2015")
    assert code == 0 and out.startswith("Mazur (2015)")
    table = out[out.index("Published numbers (mazur_2015.toml)"):]
    row = next(line for line in table.splitlines() if "∂E_o2/∂out_h1" in line)
    assert "−0.019049119" in row and "−0.019049118" in row
    assert "slip: follows from rounded carry" in row
    row = next(line for line in table.splitlines() if "step 2" in line)
    assert "0.291027924" in row and "0.291027774" in row and "already-updated" in row
    assert sum("slip" in line for line in table.splitlines()) == 2


def test_han_kamber_in_markdown(capsys, tmp_path):
    target = tmp_path / "han.md"
    code, out, _ = run(capsys, "examples", "han_kamber", "--format", "markdown", "-o",
                       str(target))
    assert code == 0 and out == ""
    text = target.read_text(encoding="utf-8")
    assert "| Err\\_6 | $0.1311$ | $0.1311$ | $0.1312$ | follows, carried as printed |" in text


def test_an_example_without_printed_numbers_says_so(capsys):
    code, out, _ = run(capsys, "examples", "fausett_binary")
    assert code == 0 and "none: the source's printed numbers could not be retrieved" in out


def test_an_unknown_example_is_one_line_with_exit_code_2(capsys):
    code, _, err = run(capsys, "examples", "nope")
    assert code == 2 and err.count("\n") == 1
    assert "no bundled problem named 'nope'; bundled problems: " in err
