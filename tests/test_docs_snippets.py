"""Every code snippet of README.md and docs/*.md, run, so that the docs cannot drift from
the code.

- Python: the ``python`` blocks of a page run in order in one namespace (a page's later
  snippets build on its earlier ones), in a temporary folder that holds ``docs/`` and
  ``examples/`` of the repository; a few names a page takes from its reader (``model``,
  ``x``, ``y``, ``t``: the README's XOR network) are defined first. A value written in a
  comment after an expression — ``solution.equation("s1.delta.1.2").printed  # '-0.0065'``
  — is compared with what the expression gives.
- Shell: every ``chainrule …`` command of the ``sh`` blocks (continued lines joined, ``&&``
  chains split, comments dropped) runs in-process in the same kind of folder; it must exit
  0 or 1 (``check`` exits 1 for a wrong value). The folder holds an exam (``chainrule problem
  -o exam``); a command that needs a file only its reader has (``data.csv``, ``run.npz``)
  must refuse its absence in one line; a usage synopsis (``[--data NAME|FILE]``) is not run.
- ``SKIP`` lists the snippets that are not programs, each with its reason.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)

#: (page, text the snippet starts with) → why it is not run.
SKIP = {
    ("architecture.md", 'Activation("silu"'):
        "an entry of a table inside calculus/activations.py, not a program",
    ("explain.md", "explain(model, x, t, *, learning_rate"):
        "a signature, not a call",
    ("checking.md", "from chainrule.derive import explain"):
        "reads the page's own answers.toml, which the page shows as TOML, not as a file",
}


def blocks(page: Path, language: str) -> list[tuple[int, str]]:
    """(line number, code) of the fenced blocks of ``language`` on ``page``."""
    text = page.read_text(encoding="utf-8")
    return [(text[:m.start()].count("\n") + 2, m.group(2)) for m in _FENCE.finditer(text)
            if m.group(1) == language]


def skipped(page: Path, code: str) -> str | None:
    first = code.lstrip()
    return next((why for (name, start), why in SKIP.items()
                 if page.name == name and first.startswith(start)), None)


@pytest.fixture(scope="session")
def exam(tmp_path_factory) -> Path:
    """The exam folder the pages' export commands read (``chainrule problem -o exam``)."""
    from chainrule.cli.entry import main

    made = tmp_path_factory.mktemp("docs-exam") / "exam"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["problem", "--arch", "2-2-1", "--seed", "7", "--variants", "2",
                     "-o", str(made)]) == 0
    return made


@pytest.fixture
def folder(tmp_path, monkeypatch, exam):
    """A temporary working folder that sees the repository's docs/ and examples/, and an
    exam folder ``exam`` as ``chainrule problem -o exam`` writes it."""
    for name in ("docs", "examples"):
        if (ROOT / name).is_dir():
            (tmp_path / name).symlink_to(ROOT / name)
    shutil.copytree(exam, tmp_path / "exam")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- Python -----------------------------------------------------------------------------------
def prelude() -> dict:
    """The names a page takes from its reader: the README's XOR network, trained a little."""
    import chainrule as cr
    from chainrule.layers import Dense

    x, y = cr.datasets.xor()
    model = cr.Sequential([Dense(2, activation="sigmoid", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(learning_rate=0.5))
    model.fit(x, y, epochs=5, batch_size=1, verbose=0, seed=0)
    return {"cr": cr, "model": model, "x": x, "y": y, "t": y, "np": np}


def _expected(comment: str) -> tuple[bool, object]:
    """The literal a comment states a value as (``# '-0.0065' (Err_5)``), if any."""
    text = comment.lstrip("#").strip()
    for candidate in (text, *re.findall(r"^('(?:[^'\\]|\\.)*')", text)):
        try:
            return True, ast.literal_eval(candidate)
        except (ValueError, SyntaxError):
            continue
    return False, None


def run_python(code: str, namespace: dict, where: str) -> None:
    """Run ``code``; compare each value stated in a comment after an expression."""
    tree = ast.parse(code, where)
    lines = code.splitlines()
    for node in tree.body:
        module = ast.Module([node], type_ignores=[])
        if isinstance(node, ast.Expr):
            value = eval(compile(ast.Expression(node.value), where, "eval"), namespace)
            after = lines[node.end_lineno - 1][node.end_col_offset:].strip()
            if not after and node.end_lineno < len(lines):  # the value on the next line
                after = lines[node.end_lineno].strip()
            if after.startswith("#"):
                stated, literal = _expected(after)
                if stated:
                    assert value == literal, f"{where}, line {node.lineno}: {value!r}"
        else:
            exec(compile(module, where, "exec"), namespace)


def python_pages() -> list:
    return [pytest.param(page, id=page.name) for page in PAGES if blocks(page, "python")]


@pytest.mark.parametrize("page", python_pages())
def test_the_python_snippets_of_a_page_run(page, folder):
    namespace = prelude()
    ran = 0
    for line, code in blocks(page, "python"):
        if skipped(page, code):
            continue
        run_python(code, namespace, f"{page.name}:{line}")
        ran += 1
    assert ran or all(skipped(page, c) for _, c in blocks(page, "python"))


# --- shell ------------------------------------------------------------------------------------
def commands() -> list:
    found = []
    for page in PAGES:
        for line, code in blocks(page, "sh"):
            joined = re.sub(r"\\\n\s*", " ", code)
            for n, text in enumerate(joined.splitlines()):
                for part in text.split("&&"):
                    words = shlex.split(part, comments=True)
                    env = {}
                    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                        key, _, value = words.pop(0).partition("=")
                        env[key] = value
                    if words and words[0] == "chainrule" and not synopsis(words[1:]):
                        found.append(pytest.param(words[1:], env,
                                                  id=f"{page.name}:{line + n}:{words[1]}"))
    return found


def synopsis(argv: list[str]) -> bool:
    """A usage line with placeholders (``chainrule report RUN.npz [--data NAME|FILE]``)."""
    return any(re.fullmatch(r"\[.*|.*\]|[A-Z][A-Z.|_]+", word) for word in argv)


@pytest.mark.parametrize("argv, env", commands())
def test_the_chainrule_commands_of_the_docs_run(argv, env, folder, monkeypatch):
    from chainrule.cli.entry import main

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    message = err.getvalue().strip()
    if code == 2 and re.search(r"no such file|no dataset or file named", message, re.I):
        # a file of the reader's own (data.csv, run.npz): the command must refuse its absence
        # in one line, naming it (CI fails on a skipped test, so this is the assertion)
        assert "\n" not in message and "Traceback" not in message, message
        return
    assert code in (0, 1), f"chainrule {' '.join(argv)}: exit {code}: {message}"
    written = [p for p in folder.iterdir() if p.name not in ("docs", "examples")]
    assert out.getvalue() or written  # printed, or wrote its -o file


def test_the_extractor_finds_the_snippets_it_must():
    """A page rewritten in parallel may move snippets; the README's must still be found."""
    readme = ROOT / "README.md"
    assert len(blocks(readme, "python")) >= 2
    ids = [p.id for p in commands()]
    assert any(i.startswith("README.md:") and i.endswith(":demo") for i in ids)
    assert any(i.endswith(":explain") for i in ids)


def test_a_value_stated_in_a_comment_is_compared():
    namespace: dict = {}
    run_python('a = "x"\na    # \'x\'\n(1, 2)\n# (1, 2)\n', namespace, "ok")
    with pytest.raises(AssertionError, match="'x'"):
        run_python("a    # '-0.0065' (Err_5)\n", namespace, "wrong")
