"""Hostile input through the Python API: a ``ValueError`` that names the argument and quotes
what was received, before any work; nothing replaced that should not be."""

from __future__ import annotations

import json
import os
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule._util import files, limits, toml
from chainrule.derive.api import equations_needed
from chainrule.teach import MarkScheme, check

NET = [([[0.5]], [0.0], "linear")]


def solution():
    return cr.explain(NET, [2.0], [1.0], learning_rate=0.1)


class peak_memory:
    """The most memory NumPy and Python allocated inside the block, in bytes."""

    def __enter__(self):
        tracemalloc.start()
        return self

    def __exit__(self, *exc):
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# --- arguments ----------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", ["0.3", True, b"0.3", float("nan"), -0.1])
def test_a_learning_rate_that_is_not_a_positive_number_is_refused(rate):
    with pytest.raises(ValueError, match=r"learning_rate.*Received: learning_rate="):
        cr.explain(NET, [2.0], [1.0], learning_rate=rate)
    for optimizer in (cr.optimizers.SGD, cr.optimizers.Adam):
        with pytest.raises(ValueError, match="learning_rate"):
            optimizer(learning_rate=rate)


@pytest.mark.parametrize("value", [None, "abc", [1.0], {"a": 1}])
def test_an_answer_that_is_not_a_number_is_a_value_error_naming_it(value):
    with pytest.raises(ValueError, match=r"^y: "):
        check(solution(), {"y": value})


@pytest.mark.parametrize("decimals", [2.5, -1, 16, "4", True])
def test_bad_decimals_are_named_with_the_value(decimals):
    with pytest.raises(ValueError, match=r"decimals.*Received: decimals"):
        cr.explain(NET, [2.0], [1.0], learning_rate=0.1, decimals=decimals)


@pytest.mark.parametrize("field,value", [("title", "x" * 10_000_001), ("title", "\x1b[31m"),
                                         ("notes", ["\x07"]), ("learning_rate_symbol", "\x07"),
                                         ("learning_rate_symbol", "η" * 10_001)])
def test_text_a_page_cannot_show_is_refused(field, value):
    with pytest.raises(ValueError, match="(limit|control character)"):
        cr.explain(NET, [2.0], [1.0], learning_rate=0.1, **{field: value})


def test_marks_beyond_a_million_are_refused():
    for marks in (1e308, float("inf"), 1_000_001, -1):
        with pytest.raises(ValueError, match=r"at most 1000000\. Received: delta="):
            MarkScheme(kinds={"delta": marks})
    assert MarkScheme(kinds={"delta": 1_000_000}).kinds["delta"] == 1_000_000


# --- bounded work -------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [(784, 512, 512, 10), (2, 10_000, 1)])
def test_explaining_a_large_network_is_refused_quickly(sizes):
    model = cr.Sequential([cr.layers.Dense(n, activation="sigmoid") for n in sizes[1:]],
                          seed=0)
    model.build(sizes[0])
    x, t = np.zeros(sizes[0]), np.zeros(sizes[-1])
    with peak_memory() as memory, pytest.raises(ValueError, match="CHAINRULE_MAX_EQUATIONS"):
        model.explain(x, t, learning_rate=0.1)
    assert memory.peak < 30_000_000, memory.peak  # a copy of the weights, not a derivation
    with pytest.raises(ValueError, match="CHAINRULE_MAX_EQUATIONS"):
        cr.explain(model, x, t, learning_rate=0.1)


def test_explaining_a_hundred_million_epochs_is_refused():
    with pytest.raises(ValueError, match="100000000 steps"):
        cr.explain(NET, [2.0], [1.0], learning_rate=0.1, epochs=100_000_000)


def test_the_equations_bound_holds_for_what_is_derived():
    # the bound checked before the work is never below what the work then makes
    for sizes, steps in (((2, 2, 1), 1), ((3, 2, 2), 2), ((1, 1), 5), ((2, 3, 3, 2), 1)):
        layers = [(np.full((a, b), 0.1), np.zeros(b), "sigmoid")
                  for a, b in zip(sizes, sizes[1:])]
        x, t = np.full((steps, sizes[0]), 0.5), np.full((steps, sizes[-1]), 0.2)
        for adam in (False, True):  # Adam writes m and v for every parameter, and 3 givens
            made = len(cr.explain(layers, x, t, learning_rate=0.1,
                                  optimizer="adam" if adam else "sgd").equations)
            assert made <= equations_needed(sizes, steps, adam), (sizes, steps, adam, made)


@pytest.mark.parametrize("text", ["abc", "0", "-5", "1e3"])
def test_a_limit_variable_that_is_not_a_positive_whole_number_is_named(monkeypatch, text):
    monkeypatch.setenv("CHAINRULE_MAX_EQUATIONS", text)
    with pytest.raises(ValueError, match=f"CHAINRULE_MAX_EQUATIONS.*{text!r}"):
        limits.get("equations")


def test_docs_limits_lists_every_limit_with_its_default_and_variable():
    text = (Path(__file__).parents[1] / "docs" / "limits.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines()
            if line.startswith("| ") and "`CHAINRULE_MAX_" in line}
    assert len(rows) == len(limits.LIMITS), sorted(rows)
    for limit in limits.LIMITS.values():
        row = rows[limit.name.replace("_", " ").replace("chars", "characters")]
        assert f"| {limit.default:,} |" in row and f"`{limit.variable}`" in row, row


def test_the_nesting_check_ignores_brackets_in_strings_and_counts_real_ones():
    quoted = 'a = "' + "[" * 100 + '"\nb = \'' + "{" * 100 + "'\n"
    assert toml.parse(quoted, "q.toml") == {"a": "[" * 100, "b": "{" * 100}
    deep = "a = " + "[" * 33 + "]" * 33
    with pytest.raises(ValueError, match="33 levels"):
        toml.parse(deep, "d.toml")
    assert toml.parse("a = " + "[" * 32 + "]" * 32, "ok.toml")["a"]


# --- one-unit softmax ---------------------------------------------------------------------------
def test_a_softmax_over_one_unit_is_refused_by_compile_and_explain():
    model = cr.Sequential([cr.layers.Dense(1, activation="softmax", input_dim=2)], seed=0)
    with pytest.raises(ValueError, match="softmax over one unit"):
        model.compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match="softmax over one unit"):
        cr.explain([([[0.1], [0.2]], [0.0], "softmax")], [1.0, 0.0], [1.0],
                   learning_rate=0.1, loss="categorical_crossentropy")
    two = cr.Sequential([cr.layers.Dense(2, activation="softmax", input_dim=2)], seed=0)
    two.compile(loss="categorical_crossentropy", optimizer="sgd")  # two units learn
    # a softmax over one unit is exp(z)/exp(z) = 1 whatever the input: nothing to learn
    out = cr.Sequential([cr.layers.Dense(1, activation="softmax", input_dim=2)],
                        seed=0).predict(np.array([[3.0, -7.0], [0.0, 1.0]]))
    assert np.all(out == 1.0)


# --- saving and loading -------------------------------------------------------------------------
def test_nan_weights_are_never_saved_over_a_good_checkpoint(tmp_path):
    path = tmp_path / "model.npz"
    model = cr.Sequential([cr.layers.Dense(1, input_dim=2)], seed=0)
    model.save(path)
    good = path.read_bytes()
    kernel = model.get_weights()[0]
    for bad in (np.nan, np.inf):
        model.trainable_weights[1].data[:] = bad  # as a diverged run leaves it
        with pytest.raises(ValueError, match="weight 1 holds NaN or infinity"):
            model.save(path)
        assert path.read_bytes() == good and os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(cr.load(path).get_weights()[0], kernel)


def saved(tmp_path, **extra):
    path = tmp_path / "model.npz"
    cr.Sequential([cr.layers.Dense(1, input_dim=2)], seed=0).save(path)
    if extra:
        with np.load(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
        np.savez_compressed(path, **arrays, **extra)
    return path


def test_a_model_with_an_extra_array_is_refused_before_it_is_decompressed(tmp_path):
    path = saved(tmp_path, extra=np.zeros(8_000_000))  # 64 MB unpacked
    assert path.stat().st_size < 500_000
    with peak_memory() as memory, pytest.raises(ValueError, match=r"model\.npz.*'extra'"):
        cr.load(path)
    assert memory.peak < 10_000_000, memory.peak


def test_a_model_array_over_the_limit_is_refused_before_it_is_decompressed(
        tmp_path, monkeypatch):
    path = saved(tmp_path, weight_7=np.zeros(8_000_000))
    monkeypatch.setenv("CHAINRULE_MAX_ARRAY_BYTES", "1000000")
    with peak_memory() as memory, pytest.raises(ValueError, match="CHAINRULE_MAX_ARRAY_BYTES"):
        cr.load(path)
    assert memory.peak < 10_000_000, memory.peak


def test_a_model_config_nested_deeply_is_refused(tmp_path):
    path = tmp_path / "deep.npz"
    text = json.dumps({"format": "chainrule.Sequential"})[:-1] + ', "x": ' + \
        "[" * 100_000 + "]" * 100_000 + "}"
    np.savez(path, config=np.frombuffer(text.encode(), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"deep\.npz.*nesting"):
        cr.load(path)


def test_a_zip_bomb_member_of_a_data_file_is_sized_from_its_header(tmp_path, monkeypatch):
    path = tmp_path / "d.npz"
    np.savez_compressed(path, x=np.zeros((3, 2)), y=np.zeros(3))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("big.npy", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(40):  # 40 MB of zeros, deflated to about 40 kB
                member.write(block)
    monkeypatch.setenv("CHAINRULE_MAX_ARRAY_BYTES", "10000000")
    with peak_memory() as memory, pytest.raises(ValueError, match=r"'big'.*41943040 bytes"):
        cr.data.load_file(path)
    assert memory.peak < 5_000_000, memory.peak


# --- reading and writing files ------------------------------------------------------------------
@pytest.mark.parametrize("data,what", [("é".encode("utf-16"), "UTF-16"),
                                       (b"\x00\x00binary", "binary"),
                                       (b"ok \xff\xfe", "byte 3")])
def test_read_text_names_the_file_that_is_not_utf8(tmp_path, data, what):
    path = tmp_path / "odd.toml"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=rf"odd\.toml: is not UTF-8.*{what}"):
        files.read_text(path)


def test_a_byte_order_mark_is_allowed(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufefftitle = 1\n".encode())
    assert files.read_text(path) == "title = 1\n"


def test_a_file_over_the_text_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * 2_000)
    monkeypatch.setenv("CHAINRULE_MAX_TEXT_BYTES", "1000")
    with pytest.raises(ValueError, match=r"big\.toml: 2000 bytes.*CHAINRULE_MAX_TEXT_BYTES"):
        files.read_text(path)


def test_an_error_inside_a_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), files.atomic_writer(target) as handle:
        handle.write("half")
        raise RuntimeError("stopped")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]


def test_an_atomic_write_keeps_the_file_s_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    files.write_text_atomic(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640
