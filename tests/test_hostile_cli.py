"""Hostile input through the command line, in-process: every case is refused (or handled)
with exit code 2 and one line that names the field or the file, before the work starts, and
no file is replaced or left behind. ``test_hostile_process.py`` holds the cases that need a
real process (closed pipes, SIGKILL)."""

from __future__ import annotations

import os
import stat
import sys
import threading
import tracemalloc
from importlib import resources

import numpy as np
import pytest

from chainrule._util import files
from chainrule.cli import main

BLOG = resources.files("chainrule").joinpath("examples/blog_xor.toml").read_text("utf-8")


def run(capsys, argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, argv, *words):
    """Run ``argv``; assert exit code 2 and one line on stderr holding each of ``words``."""
    code, out, err = run(capsys, argv)
    assert code == 2, (argv, code, err)
    assert "Traceback" not in err and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    return out, err


def problem(tmp_path, *lines_, name="p.toml"):
    """The blog problem with each given line in place of the line of the same key."""
    lines = BLOG.splitlines()
    for new in lines_:
        key = new.split("=")[0]
        at = next(i for i, line in enumerate(lines) if line.startswith(key))
        lines[at] = new
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_line(tmp_path, after, line, name="p.toml"):
    """The blog problem with ``line`` added after the line ``after``."""
    text = BLOG.replace(after + "\n", after + "\n" + line + "\n", 1)
    assert line in text
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- unbounded work from small input -----------------------------------------------------------
@pytest.mark.parametrize("sheet,steps", [("[s999999999]\ny = 0.2\n", "999999999"),
                                         ("s5000.y = 0.2\n", "5000")])
def test_a_sheet_naming_a_far_step_is_refused_before_the_work(tmp_path, capsys, sheet, steps):
    answers = tmp_path / "a.toml"
    answers.write_text(sheet)
    refused(capsys, ["check", "blog_xor", answers], f"{steps} steps", "CHAINRULE_MAX_EQUATIONS")


@pytest.mark.parametrize("epochs", [100_000_000, 20_000])
def test_a_problem_asking_for_many_epochs_is_refused(tmp_path, capsys, epochs):
    path = with_line(tmp_path, "[training]", f"epochs = {epochs}")
    out, _ = refused(capsys, ["explain", path], f"{epochs} steps", "CHAINRULE_MAX_EQUATIONS")
    assert out == ""


def test_the_equations_limit_is_read_from_its_variable(tmp_path, capsys, monkeypatch):
    # a 2-2-1 step is 57 equations, plus 12 for the givens and the losses: 2 steps are 127
    path = with_line(tmp_path, "[training]", "epochs = 2")
    monkeypatch.setenv("CHAINRULE_MAX_EQUATIONS", "126")
    refused(capsys, ["explain", path], "2 steps", "127 equations", "limit of 126")
    monkeypatch.setenv("CHAINRULE_MAX_EQUATIONS", "127")
    code, out, err = run(capsys, ["explain", path])
    assert code == 0 and "Loss per epoch" in out, err
    monkeypatch.setenv("CHAINRULE_MAX_EQUATIONS", "lots")
    refused(capsys, ["explain", path], "CHAINRULE_MAX_EQUATIONS", "'lots'")


@pytest.mark.parametrize("layers", ["[2, 10000, 1]", "[784, 512, 512, 10]",
                                    "[2, 100000000, 1]", "[100000, 100000, 1]"])
def test_a_huge_network_is_refused_before_its_weights_are_read(tmp_path, capsys, layers):
    path = problem(tmp_path, f"layers = {layers}")
    tracemalloc.start()
    try:
        refused(capsys, ["explain", path], "-".join(layers.strip("[]").split(", ")),
                "CHAINRULE_MAX_EQUATIONS")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, peak  # not one array of the network's size


def test_training_a_network_larger_than_memory_is_refused_before_any_array(capsys):
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    width = memory // 40  # 2-width-1: 4 (4 width + 1) float64 weights alone pass half of it
    tracemalloc.start()
    try:
        refused(capsys, ["train", "xor", "--hidden", width, "--epochs", "1"],
                f"2-{width}-1 network", "GB", "--hidden")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, peak


def test_explain_of_a_device_or_fifo_input_does_not_read_it(tmp_path, capsys):
    refused(capsys, ["explain", "/dev/zero"], "/dev/zero", "not a regular file")
    fifo = tmp_path / "in.toml"
    os.mkfifo(fifo)  # opening it to read would block forever
    refused(capsys, ["explain", fifo], str(fifo), "not a regular file")


def test_a_csv_target_of_twenty_thousand_classes_is_refused(tmp_path, capsys):
    path = tmp_path / "many.csv"
    path.write_text("x,label\n" + "".join(f"{i % 7},c{i}\n" for i in range(20_000)))
    refused(capsys, ["train", path, "--epochs", "1"], "label", "20000 classes",
            "CHAINRULE_MAX_CLASSES")


def test_an_npz_with_an_extra_large_array_is_refused_before_decompressing(
        tmp_path, capsys, monkeypatch):
    path = tmp_path / "data.npz"
    np.savez_compressed(path, x=np.zeros((4, 2)), y=np.zeros(4),
                        extra=np.zeros(4_000_000))  # 32 MB unpacked, a few kB on disk
    assert path.stat().st_size < 200_000
    monkeypatch.setenv("CHAINRULE_MAX_ARRAY_BYTES", "1000000")
    tracemalloc.start()
    try:
        refused(capsys, ["train", path, "--epochs", "1"], "'extra'", "32000128 bytes",
                "CHAINRULE_MAX_ARRAY_BYTES")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, peak


def test_a_huge_title_is_refused_in_a_file_and_as_an_option(tmp_path, capsys):
    big = tmp_path / "big.toml"
    big.write_text('title = "' + "x" * 10_000_001 + '"\n' + BLOG.split("\n", 3)[3])
    refused(capsys, ["explain", big], "big.toml", "CHAINRULE_MAX_TEXT_BYTES")
    long = problem(tmp_path, 'title = "' + "x" * 10_001 + '"')
    refused(capsys, ["explain", long], "title", "10001 characters", "CHAINRULE_MAX_STRING_CHARS")
    refused(capsys, ["problem", "--title", "x" * 10_001, "-o", tmp_path / "set"], "--title",
            "10001 characters")
    assert not (tmp_path / "set").exists()


# --- tracebacks become one line -----------------------------------------------------------------
def test_nesting_a_hundred_thousand_deep_is_refused(tmp_path, capsys):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    refused(capsys, ["explain", deep], "deep.toml", "nesting", "CHAINRULE_MAX_NESTING")
    refused(capsys, ["check", "blog_xor", deep], "deep.toml", "nesting")
    tables = tmp_path / "tables.toml"
    tables.write_text("x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n")
    refused(capsys, ["check", "blog_xor", tables], "tables.toml", "nesting")


def test_marks_of_1e308_are_refused(tmp_path, capsys):
    marks = tmp_path / "m.toml"
    marks.write_text("[marks]\ndelta = 1e308\nnet = 1e308\n")
    refused(capsys, ["check", "--published", "han_kamber", "--marks", marks], "m.toml",
            "1000000", "1e+308")


@pytest.mark.parametrize("where,line,words", [
    ("title", 'title = "\\u001b[31mred"', ["title", "U+001B"]),
    ("convention", 'learning_rate_symbol = "\\u0007"', ["learning_rate_symbol", "U+0007"]),
])
def test_control_characters_in_a_problem_are_refused(tmp_path, capsys, where, line, words):
    path = (problem(tmp_path, line) if where == "title"
            else with_line(tmp_path, "[convention]", line))
    for fmt in ("text", "html", "svg"):
        refused(capsys, ["explain", path, "--format", fmt], *words)
    refused(capsys, ["report", "missing.npz", "--title", "\x1b[2J"], "--title", "U+001B")


@pytest.mark.parametrize("line,words", [
    ("decimals = 2.5", ["decimals", "2.5"]),
    ("decimals = [1, 2]", ["decimals", "[1, 2]"]),
])
def test_bad_decimals_in_a_problem_are_named(tmp_path, capsys, line, words):
    refused(capsys, ["explain", with_line(tmp_path, "[convention]", line)], *words)


@pytest.mark.parametrize("value", ['"0.3"', "true"])
def test_a_learning_rate_that_is_not_a_number_is_refused(tmp_path, capsys, value):
    path = problem(tmp_path, f"learning_rate = {value}")
    refused(capsys, ["explain", path], "learning_rate")


@pytest.mark.parametrize("data,what", [
    (BLOG.encode("utf-16"), "UTF-16"),
    (b"\x00\x01\x02\x89PNG binary", "binary"),
    (b"title = \"caf\xe9\"\n", "byte 12"),
])
def test_text_that_is_not_utf8_names_the_file(tmp_path, capsys, data, what):
    path = tmp_path / "odd.toml"
    path.write_bytes(data)
    refused(capsys, ["explain", path], "odd.toml", "not UTF-8", what)
    refused(capsys, ["check", "blog_xor", path], "odd.toml", "not UTF-8")


@pytest.mark.parametrize("data,what", [("a,b\n1,0\n0,1\n".encode("utf-16"), "UTF-16"),
                                       (b"a,b\n1,\xff\n", "byte 6")])
def test_a_csv_that_is_not_utf8_names_the_file(tmp_path, capsys, data, what):
    path = tmp_path / "odd.csv"
    path.write_bytes(data)
    refused(capsys, ["train", path, "--epochs", "1"], "odd.csv", "not UTF-8", what)


# --- one-unit softmax and missing matplotlib ----------------------------------------------------
@pytest.mark.parametrize("option", [["--loss", "categorical_crossentropy"],
                                    ["--output-activation", "softmax"]])
def test_a_one_unit_softmax_is_refused_before_training(capsys, option):
    out, _ = refused(capsys, ["train", "xor", "--epochs", "3", *option], "softmax", "one unit")
    assert "correct" not in out


def test_plot_and_report_without_matplotlib_name_the_extra_before_any_work(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    save, plots = tmp_path / "run.npz", tmp_path / "plots"
    out, _ = refused(capsys, ["train", "xor", "--epochs", "3", "--save", save, "--plot", plots],
                     "matplotlib", "chainrule[plot]")
    assert out == "" and sorted(os.listdir(tmp_path)) == []
    refused(capsys, ["report", save, "-o", tmp_path / "r.html"], "matplotlib",
            "chainrule[plot]")
    assert sorted(os.listdir(tmp_path)) == []


# --- outputs ------------------------------------------------------------------------------------
def test_a_character_device_output_is_written_through_never_replaced(tmp_path, capsys):
    fake = tmp_path / "fakenull"
    try:
        os.mknod(fake, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device's numbers
    except PermissionError:
        pytest.skip("mknod needs root")
    code, out, err = run(capsys, ["explain", "blog_xor", "-o", fake])
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat(fake).st_mode) and os.listdir(tmp_path) == ["fakenull"]


def test_a_fifo_output_is_written_through(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    code, _, err = run(capsys, ["explain", "blog_xor", "-o", fifo])
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    expected = run(capsys, ["explain", "blog_xor"])[1]
    assert received == [expected.encode("utf-8")]


def test_a_symbolic_link_output_writes_its_target_and_stays_a_link(tmp_path, capsys):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("old")
    link.symlink_to(target.name)
    code, _, err = run(capsys, ["explain", "blog_xor", "-o", link])
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "target.txt"
    assert target.read_text(encoding="utf-8") == run(capsys, ["explain", "blog_xor"])[1]
    assert sorted(os.listdir(tmp_path)) == ["link.txt", "target.txt"]


def test_standard_output_by_dash(capsys):
    code, out, err = run(capsys, ["explain", "blog_xor", "-o", "-"])
    assert code == 0 and out == run(capsys, ["explain", "blog_xor"])[1]


def test_an_input_is_never_overwritten(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv = tmp_path / "mydata.csv"
    csv.write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    before = csv.read_bytes()
    for spelling in ("mydata.csv", "./mydata.csv", str(csv)):
        refused(capsys, ["train", "mydata.csv", "--epochs", "2", "--save", spelling],
                "input of this command")
    link = tmp_path / "alias.csv"
    link.symlink_to(csv)
    refused(capsys, ["train", "mydata.csv", "--epochs", "2", "--save", link],
            "input of this command")
    assert csv.read_bytes() == before
    prob = problem(tmp_path, name="prob.toml")
    text = prob.read_bytes()
    refused(capsys, ["explain", prob, "-o", prob], "prob.toml", "input of this command")
    assert prob.read_bytes() == text
    assert sorted(os.listdir(tmp_path)) == ["alias.csv", "mydata.csv", "prob.toml"]


def test_a_folder_output_is_refused_without_naming_a_temporary(tmp_path, capsys):
    (tmp_path / "adir").mkdir()
    _, err = refused(capsys, ["explain", "blog_xor", "-o", tmp_path / "adir"], "adir",
                     "is a folder")
    assert ".tmp" not in err
    refused(capsys, ["explain", "blog_xor", "-o", f"{tmp_path}/newdir/"], "newdir/",
            "names a folder")
    refused(capsys, ["explain", "blog_xor", "-o", tmp_path / "no" / "where.txt"],
            "does not exist")
    assert sorted(os.listdir(tmp_path)) == ["adir"] and os.listdir(tmp_path / "adir") == []


def test_a_problem_set_rerun_with_fewer_variants_leaves_no_stale_file(tmp_path, capsys):
    out = tmp_path / "set"
    assert run(capsys, ["problem", "--variants", "3", "-o", out])[0] == 0
    assert (out / "key-3.toml").exists()
    code, _, err = run(capsys, ["problem", "--variants", "1", "-o", out])
    assert code == 0, err
    names = sorted(os.listdir(out))
    assert not any(n.endswith(("-2.toml", "-3.toml", "-2.html", "-3.html")) for n in names)
    assert "key-1.toml" in names and "problem-1.toml" in names
    assert sorted(os.listdir(tmp_path)) == ["set"]  # no building folder left beside it


def test_a_killed_run_s_building_folder_is_removed_by_the_next_run(tmp_path, capsys):
    out = tmp_path / "set"
    orphan = tmp_path / ".set.999999999.x1y2.new"  # no process has that id
    orphan.mkdir()
    (orphan / "key-7.toml").write_text("half")
    live = tmp_path / f".set.{os.getpid()}.x1y2.new"  # a run still at work
    live.mkdir()
    assert run(capsys, ["problem", "-o", out])[0] == 0
    assert sorted(os.listdir(tmp_path)) == [live.name, "set"]


def test_a_run_killed_mid_swap_gets_the_older_set_back(tmp_path, capsys):
    old = tmp_path / ".set.999999999.x1y2.old"  # the older set, moved aside, then a kill
    assert run(capsys, ["problem", "-o", old])[0] == 0
    key = (old / "key-1.toml").read_bytes()
    files._remove_orphans(tmp_path, "set")
    assert sorted(os.listdir(tmp_path)) == ["set"]
    assert (tmp_path / "set" / "key-1.toml").read_bytes() == key


def test_a_problem_set_never_replaces_a_folder_of_other_files(tmp_path, capsys):
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("mine")
    refused(capsys, ["problem", "-o", mine], "chapter1.tex", "did not write")
    assert os.listdir(mine) == ["chapter1.tex"]


def test_a_diverged_run_is_not_saved_over_a_good_checkpoint(tmp_path, capsys):
    save = tmp_path / "run.npz"
    good = ["train", "xor", "--epochs", "20", "--seed", "0", "--save", save]
    assert run(capsys, good)[0] == 0
    before = save.read_bytes()
    refused(capsys, ["train", "xor", "--epochs", "50", "--lr", "1e300", "--activation",
                     "linear", "--save", save], "diverged")
    assert save.read_bytes() == before
