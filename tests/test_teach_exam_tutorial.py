"""docs/exam.md: its five commands, run in an empty folder, print what the page shows.

Each ``$ command`` of a ``console`` block is run (``chainrule …`` in-process, ``pdflatex`` as
itself when it is installed); what it prints must be the lines shown, where a line ``…``
stands for any number of lines. The gradebook's first lines are compared with the page's
excerpt, and the files the page names must exist and parse.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chainrule.cli import main

PAGE = Path(__file__).parents[1] / "docs" / "exam.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
EXCERPT = re.compile(r"<!-- the first lines of gradebook.csv -->\n```text\n(.*?)```", re.S)


def commands(text: str) -> list[tuple[str, list[str]]]:
    """(command, the lines shown after it) for every ``$`` line of the page's console blocks."""
    found: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
    return found


def shown_as(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` reads as ``expected``, each ``…`` line standing for any lines."""
    pattern = "".join(".*" if line == "…" else re.escape(line + "\n") for line in expected)
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual), re.S) is not None


def test_shown_as_elides_only_where_the_page_says():
    assert shown_as(["a", "…", "d"], ["a", "b", "c", "d"])
    assert shown_as(["a", "b"], ["a", "b"]) and not shown_as(["a"], ["a", "b"])
    assert not shown_as(["a", "…", "d"], ["a", "b", "c"])


def test_the_five_commands_of_the_tutorial(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    steps = commands(text)
    assert [c.split()[:2] for c, _ in steps] == [
        ["chainrule", "problem"], ["pdflatex", "-interaction=batchmode"],
        ["chainrule", "grade"], ["chainrule", "grade"], ["chainrule", "export"]]
    codes = []
    for command, expected in steps:
        argv = shlex.split(command)
        if argv[0] == "pdflatex":
            if shutil.which("pdflatex") is None:
                continue  # the banner is the installation's; the page count is checked below
            run = subprocess.run(argv, capture_output=True, text=True, check=False)
            assert run.returncode == 0, run.stdout[-2000:]
            log = (tmp_path / "exam" / "questions.log").read_text(encoding="utf-8",
                                                                   errors="replace")
            assert "Output written on exam/questions.pdf (30 pages" in log
            continue
        codes.append(main(argv[1:]))
        out, err = capsys.readouterr()
        actual = (out + err).splitlines()
        assert shown_as(expected, actual), f"$ {command}\n" + "\n".join(actual)
    assert codes == [0, 0, 1, 0]  # grading exits 1: some sheets have values to look at
    excerpt = EXCERPT.search(text).group(1).splitlines()
    book = (tmp_path / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert book[:len(excerpt)] == excerpt and len(book) == 31
    assert book[16].split(",")[-2] == "does not match variant 16; it matches variant 17"
    slips = {row.split(",")[9] for row in book[1:]} - {""}
    assert slips and "carry" not in slips  # drift is never a slip
    feedback = tmp_path / "gradebook-feedback"
    assert len(list(feedback.glob("Student_*.md"))) == len(list(feedback.glob("*.html"))) == 30
    questions = ET.parse(tmp_path / "exam.xml").getroot().findall("question")
    assert [q.get("type") for q in questions] == ["category"] + ["cloze"] * 30


@pytest.mark.parametrize("name", ["checking.md#grading-a-class", "export.md",
                                  "checking.md#generating-problems"])
def test_the_pages_it_links_to_exist(name):
    page, _, anchor = name.partition("#")
    text = (PAGE.parent / page).read_text(encoding="utf-8")
    assert f"({name})" in PAGE.read_text(encoding="utf-8")
    headings = {re.sub(r"[^\w -]", "", h.lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.*)$", text, re.M)}
    assert not anchor or anchor in headings
