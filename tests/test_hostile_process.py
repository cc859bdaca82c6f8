"""What needs a real process: a reader that closed its pipe, and a process killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import chainrule
from chainrule.teach.export import export, read_exam, write_export

SRC = str(Path(chainrule.__file__).resolve().parents[1])
ENV = {**os.environ, "PYTHONPATH": SRC}


def closed_pipe(argv, cwd):
    """Run ``chainrule argv`` with standard output a pipe whose reader has gone; the exit code
    and standard error."""
    read, write = os.pipe()
    os.close(read)  # every write fails with EPIPE, whatever the timing
    try:
        done = subprocess.run([sys.executable, "-m", "chainrule", *argv], stdout=write,
                              stderr=subprocess.PIPE, cwd=cwd, env=ENV, timeout=120)
    finally:
        os.close(write)
    return done.returncode, done.stderr.decode()


@pytest.mark.parametrize("argv", [
    ["demo"],
    ["train", "xor", "--epochs", "3"],
    ["check", "--json", "--published", "han_kamber"],
    ["problem", "-o", "set"],
    ["explain", "blog_xor"],
])
def test_a_closed_pipe_ends_quietly_with_141(tmp_path, argv):
    code, err = closed_pipe(argv, tmp_path)
    assert code == 128 + signal.SIGPIPE, (argv, code, err)
    assert err == "", err


def test_dev_stdout_as_the_output_is_written_through(tmp_path):
    argv = [sys.executable, "-m", "chainrule", "explain", "blog_xor"]
    plain = subprocess.run(argv, capture_output=True, cwd=tmp_path, env=ENV, timeout=120)
    through = subprocess.run([*argv, "-o", "/dev/stdout"], capture_output=True, cwd=tmp_path,
                             env=ENV, timeout=120)
    assert through.returncode == 0 and through.stderr == b"", through.stderr
    assert through.stdout == plain.stdout and plain.stdout.startswith(b"The blog")
    assert os.listdir(tmp_path) == []


WRITER = textwrap.dedent("""
    import sys, time
    from chainrule._util.files import atomic_writer
    with atomic_writer(sys.argv[1]) as handle:
        handle.write("new " * 5_000_000)
        handle.flush()
        print("writing", flush=True)
        time.sleep(120)
""")


def test_sigkill_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    killed_mid_write([sys.executable, "-c", WRITER, str(target)], tmp_path)
    assert os.listdir(tmp_path) == ["out.txt"]
    assert target.read_text() == "old"


def killed_mid_write(argv, cwd):
    """Run ``argv``, and SIGKILL it once it prints ``writing``."""
    child = subprocess.Popen(argv, env=ENV, stdout=subprocess.PIPE, cwd=cwd)
    try:
        assert child.stdout.readline() == b"writing\n"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
        child.stdout.close()


FOLDER_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from chainrule.teach.export import export, read_exam, write_export

    def stalled(self, data):
        print("writing", flush=True)
        time.sleep(120)

    exam = read_exam(sys.argv[1])
    Path.write_bytes = stalled
    write_export(export(exam, "prairielearn"), sys.argv[2])
""")


def test_sigkill_mid_folder_export_keeps_the_old_one_and_the_next_run_cleans_up(tmp_path):
    exam = tmp_path / "exam"
    exam.mkdir()
    (exam / "han_kamber.toml").write_bytes(
        (Path(chainrule.__file__).parent / "examples" / "han_kamber.toml").read_bytes())
    target = tmp_path / "question"
    write_export(export(read_exam(exam), "prairielearn"), target)
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    killed_mid_write([sys.executable, "-c", FOLDER_WRITER, str(exam), str(target)], tmp_path)
    assert {p.relative_to(target): p.read_bytes()
            for p in target.rglob("*") if p.is_file()} == before
    assert len(os.listdir(tmp_path)) == 3  # the killed run's building folder is left
    write_export(export(read_exam(exam), "prairielearn"), target)
    assert sorted(os.listdir(tmp_path)) == ["exam", "question"]


def test_sigterm_mid_problem_set_keeps_the_old_set_and_leaves_nothing(tmp_path):
    subprocess.run([sys.executable, "-m", "chainrule", "problem", "-o", "set"], cwd=tmp_path,
                   env=ENV, check=True, capture_output=True, timeout=120)
    before = {p.name: p.read_bytes() for p in (tmp_path / "set").iterdir()}
    # 300 variants take a minute: the signal comes while they are drawn or written
    child = subprocess.Popen([sys.executable, "-m", "chainrule", "problem", "--variants",
                              "300", "--seed", "1", "-o", "set"], cwd=tmp_path, env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=3)
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        child.kill()
        child.stdout.close()
        child.stderr.close()
    assert sorted(os.listdir(tmp_path)) == ["set"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "set").iterdir()} == before
