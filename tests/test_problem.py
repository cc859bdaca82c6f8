"""Problem files: the format (names, matrices, conventions) and every error it can raise."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from chainrule.teach.problems import replay
from chainrule.teach.problems import schema as schema
from chainrule.teach.problems.files import bundled, bundled_names, load_problem

ROOT = Path(__file__).resolve().parents[1]

# Han & Kamber's network (docs/published-examples.md, section 3) in a minimal file
HAN = """\
[network]
layers = [3, 2, 1]
activation = "sigmoid"

[weights]
w14 = 0.2
w15 = -0.3
w24 = 0.4
w25 = 0.1
w34 = -0.5
w35 = 0.2
w46 = -0.3
w56 = -0.2
theta4 = -0.4
theta5 = 0.2
theta6 = 0.1

[[examples]]
x = [1, 0, 1]
t = 1

[training]
learning_rate = 0.9

[convention]
name = "han"
"""

HAN_MATRICES = """\
[network]
layers = [3, 2, 1]
activation = "sigmoid"

[weights.layer1]
kernel = [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]
bias = [-0.4, 0.2]

[weights.layer2]
weight = [[-0.3, -0.2]]
bias = 0.1

[[examples]]
x = [1, 0, 1]
t = 1

[training]
learning_rate = 0.9

[convention]
name = "han"
"""


def error_of(text: str, name: str = "p.toml") -> str:
    with pytest.raises(ValueError) as info:
        load_problem(text, name=name)
    message = str(info.value)
    assert message.startswith(f"{name}: "), message
    assert "\n" not in message, message
    return message


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --- reading ---------------------------------------------------------------------------------
def test_names_and_matrices_give_the_same_network():
    named, matrices = load_problem(HAN), load_problem(HAN_MATRICES)
    for (k1, b1, a1), (k2, b2, a2) in zip(named.layers, matrices.layers):
        np.testing.assert_array_equal(k1, k2)
        np.testing.assert_array_equal(b1, b2)
        assert a1 == a2 == "sigmoid"
    assert named.solve().to_text() == matrices.solve().to_text()


def test_weight_names_may_be_spelt_as_printed_or_in_ascii():
    for spelling in ("theta4", '"θ_4"', '"θ4"', "theta_4", "THETA4"):
        problem = load_problem(replace_line(HAN, "theta4", spelling))
        assert problem.layers[0][1][0] == -0.4, spelling  # θ added: bias = θ


def test_a_threshold_is_subtracted_so_the_engine_bias_is_minus_theta():
    text = HAN.replace('name = "han"', 'name = "han"\nbias = "threshold"')
    problem = load_problem(text)
    np.testing.assert_array_equal(problem.layers[0][1], [0.4, -0.2])
    matrices = HAN_MATRICES.replace("bias = [-0.4, 0.2]", "threshold = [-0.4, 0.2]")
    np.testing.assert_array_equal(load_problem(matrices).layers[0][1], [0.4, -0.2])


def test_a_shared_bias_fills_its_layer_and_survives_another_profile():
    mazur = bundled("mazur_2015")
    np.testing.assert_array_equal(mazur.layers[0][1], [0.35, 0.35])
    # in the blog's notation the biases are still one per layer and still fixed
    solution = mazur.solve("blog")
    assert solution.conventions.notation == "blog"
    assert solution.conventions.bias == "shared" and not solution.conventions.update_bias
    assert solution.equation("s1.new.w.2.1.1").printed == "0.3589"


def test_a_decimals_table_overrides_only_its_kinds():
    text = HAN.replace('name = "han"', 'name = "han"\ndecimals = { delta = 5 }')
    c = load_problem(text).conventions()
    assert (c.decimals_for("delta"), c.decimals_for("out")) == (5, 3)
    assert load_problem(text).conventions(decimals=2).decimals_for("out") == 2


def test_several_examples_epochs_and_momentum():
    text = textwrap.dedent("""\
        [network]
        layers = [2, 1]
        activation = "sigmoid"
        [weights.layer1]
        kernel = [[0.1], [0.2]]
        bias = [0.0]
        [[examples]]
        x = [0, 1]
        t = 1
        [[examples]]
        x = [1, 1]
        t = 0
        [training]
        learning_rate = 0.5
        momentum = 0.9
        epochs = 3
        """)
    problem = load_problem(text)
    assert problem.x.shape == (2, 2) and problem.t.tolist() == [[1.0], [0.0]]
    solution = problem.solve()
    assert len(solution.steps) == 6 and solution.epochs == 3
    assert solution.conventions.momentum == 0.9


def test_reads_a_path_and_every_bundled_problem(tmp_path):
    path = tmp_path / "han.toml"
    path.write_text(HAN, encoding="utf-8")
    assert load_problem(path).name == str(path)
    assert load_problem(str(path)).solve().equation("s1.out.2.1").printed == "0.474"
    assert set(bundled_names()) == {"blog_xor", "mazur_2015", "han_kamber", "fausett_binary",
                                    "fausett_bipolar", "negnevitsky_xor", "hagan_ch11"}
    for name in bundled_names():
        problem = bundled(name)
        assert problem.name == f"{name}.toml"
        notes = problem.solve().notes
        assert f"Source: {problem.source.citation}" in notes, name


def test_the_repository_examples_folder_links_to_the_bundled_problems():
    link = ROOT / "examples" / "problems"
    assert link.is_symlink()
    assert sorted(p.stem for p in link.glob("*.toml")) == bundled_names()


# --- errors -------------------------------------------------------------------------------
def test_a_toml_syntax_error_gives_line_and_column(tmp_path):
    message = error_of(replace_line(HAN, "w15 = -0.3", "w15 = -0.3 0.1"))
    assert "TOML syntax error" in message and "(at line 7, column 12)" in message, message
    path = tmp_path / "broken.toml"
    path.write_text("[network\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^.*broken\.toml: TOML syntax error: .*line 1, col"):
        load_problem(path)


def test_a_matrix_of_the_wrong_shape_names_the_layer_and_the_expected_shape():
    text = replace_line(HAN_MATRICES, "kernel = [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]]",
                        "kernel = [[0.2, 0.4, -0.5], [-0.3, 0.1, 0.2]]")
    message = error_of(text)
    assert "[weights.layer1] kernel" in message and "(3, 2)" in message, message
    assert "Received: shape (2, 3)" in message, message
    message = error_of(replace_line(HAN_MATRICES, "weight = [[-0.3, -0.2]]",
                                    "weight = [[-0.3], [-0.2]]"))
    assert "[weights.layer2] weight" in message and "(1, 2)" in message, message


def test_a_missing_weight_is_named():
    message = error_of(HAN.replace("w24 = 0.4\n", "").replace("theta5 = 0.2\n", ""))
    assert "missing weights w_24, θ_5" in message, message
    message = error_of(HAN_MATRICES.replace("bias = 0.1\n", ""))
    assert "missing weight θ_6" in message, message


def test_a_weight_given_twice_is_an_error():
    message = error_of(HAN_MATRICES + "[weights]\ntheta6 = 0.1\n")
    assert "θ_6 is given twice" in message, message
    message = error_of(replace_line(HAN, "w14 = 0.2", "w14 = 0.2\nw_14 = 0.2"))
    assert "w_14 is given twice" in message, message


def test_an_unknown_weight_name_lists_the_names_of_the_notation():
    message = error_of(replace_line(HAN, "w46", "v46"))
    assert "unknown weight 'v46'" in message and "w_46, w_56, θ_6" in message, message


def test_an_unknown_convention_lists_the_valid_ones():
    message = error_of(replace_line(HAN, 'name = "han"', 'name = "hann"'))
    assert "'hann'" in message, message
    assert "blog, fausett, mazur, han, layered" in message, message
    message = error_of(HAN.replace('name = "han"', 'name = "han"\ncarry = "sometimes"'))
    assert "'sometimes'" in message and "full, rounded" in message, message


@pytest.mark.parametrize("old,new,where,key", [
    ("learning_rate = 0.9", "learnig_rate = 0.9", "[training]", "learnig_rate"),
    ('name = "han"', 'name = "han"\ncary = "full"', "[convention]", "cary"),
    ("[network]", "colour = 1\n[network]", "top level", "colour"),
    ("t = 1", "t = 1\ny = 2", "[[examples]] #1", "y"),
])
def test_an_unknown_key_is_named_with_the_valid_keys(old, new, where, key):
    message = error_of(replace_line(HAN, old, new))
    assert f"{where}: unknown key {key!r}" in message and "valid keys: " in message, message


def test_an_unknown_key_of_a_layer_table_is_named():
    message = error_of(replace_line(HAN_MATRICES, "bias = [-0.4, 0.2]", "biases = [-0.4, 0.2]"))
    assert "[weights.layer1]: unknown key 'biases'" in message, message
    assert "kernel, weight, bias, threshold" in message, message


@pytest.mark.parametrize("old,new,words", [
    ("x = [1, 0, 1]", "x = [1, 0]", ["[[examples]] #1 x", "3 numbers"]),
    ("learning_rate = 0.9", "learning_rate = -1", ["learning_rate", "positive"]),
    ("learning_rate = 0.9", 'learning_rate = 0.9\nloss = "hinge"', ["loss", "'hinge'"]),
    ('activation = "sigmoid"', 'activation = "sigmoidd"', ["activation", "sigmoidd"]),
    ("layers = [3, 2, 1]", "layers = [3]", ["[network] layers", "at least two"]),
    ("w14 = 0.2", 'w14 = "0.2"', ["[weights] w14", "must be a number"]),
])
def test_bad_values_are_named(old, new, words):
    message = error_of(replace_line(HAN, old, new))
    for word in words:
        assert word in message, (word, message)


def test_a_published_number_must_be_a_string_and_name_a_quantity():
    message = error_of(HAN + '[published]\nErr_6 = 0.1311\n')
    assert "[published] 'Err_6'" in message and "string" in message, message
    problem = load_problem(HAN + '[published]\nErr_9 = "0.1311"\n', name="p.toml")
    with pytest.raises(ValueError, match=r"^p\.toml: \[published\] 'Err_9': the solution has no"):
        problem.solve()


# --- the reference ------------------------------------------------------------------------
def test_the_json_schema_lists_the_same_keys_as_the_loader():
    doc = json.loads((ROOT / "docs" / "problem.schema.json").read_text(encoding="utf-8"))
    props = doc["properties"]
    assert tuple(props) == schema.TOP_KEYS
    assert tuple(props["network"]["properties"]) == schema.NETWORK_KEYS
    assert tuple(props["training"]["properties"]) == schema.TRAINING_KEYS
    assert tuple(props["source"]["properties"]) == schema.SOURCE_KEYS
    assert tuple(props["examples"]["items"]["properties"]) == schema.EXAMPLE_KEYS
    assert tuple(props["convention"]["properties"]) == schema.CONVENTION_KEYS
    assert tuple(doc["$defs"]["layer"]["properties"]) == schema.LAYER_KEYS


def test_every_bundled_problem_and_the_test_files_follow_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    doc = json.loads((ROOT / "docs" / "problem.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(doc)
    texts = [HAN, HAN_MATRICES] + [
        p.read_text(encoding="utf-8") for p in (ROOT / "src" / "chainrule" / "examples").glob(
            "*.toml")]
    for text in texts:
        errors = [e.message for e in validator.iter_errors(tomllib.loads(text))]
        assert not errors, errors
    assert list(validator.iter_errors(tomllib.loads(replace_line(HAN, "w14", "[x]\nw14"))))


def test_the_reference_page_documents_every_key():
    page = (ROOT / "docs" / "problem-format.md").read_text(encoding="utf-8")
    keys = (schema.TOP_KEYS + schema.NETWORK_KEYS + schema.TRAINING_KEYS + schema.SOURCE_KEYS
            + schema.EXAMPLE_KEYS + schema.CONVENTION_KEYS + schema.LAYER_KEYS
            + schema.PUBLISHED_KEYS)
    missing = [k for k in keys if f"`{k}`" not in page]
    assert not missing, missing


def test_a_published_product_is_compared_in_the_carry_of_the_conventions():
    """Han & Kamber's Δw46 = l·Err6·O4 is no equation of the han profile; as a product of
    printed values (0.9)(0.1311)(0.332) = 0.03917… → 0.0392."""
    text = HAN + ('[published]\n"Δw_46" = { printed = "0.0392", product = ["eta", "Err_6", '
                  '"O_4"] }\nbad = { printed = "0.0391", product = ["eta", "Err_6", "O_4"] }\n')
    comparisons = {c.key: c for c in replay.compare(load_problem(text))}
    assert comparisons["Δw_46"].status == "ok"
    assert comparisons["bad"].status == "slip" and comparisons["bad"].ours == "0.0392"


def test_a_marks_table_is_kept_for_chainrule_check():
    problem = load_problem(HAN + "[marks]\ndelta = 5\n")
    assert problem.marks == {"delta": 5}
    assert "marks" not in problem.solve().meta


def test_load_problem_falls_back_to_the_bundled_name_as_the_cli_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_problem("han_kamber.toml").title == bundled("han_kamber").title
    assert load_problem("han_kamber").layers[0][0].tolist() == \
        bundled("han_kamber").layers[0][0].tolist()
    (tmp_path / "han_kamber.toml").write_text('title = "a local copy"\n' + HAN,
                                              encoding="utf-8")
    assert load_problem("han_kamber.toml").title == "a local copy"  # a file comes first
    with pytest.raises(OSError):
        load_problem("no_such_problem.toml")
