"""docs/interop.md: every example runs and prints the output shown under it."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras writes the example's file
pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("keras")

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAIRS = re.compile(r"```python\n(.*?)```\n\n```text\n(.*?)```", re.S)


def agreed(text: str) -> str:
    """The text with the size of the agreement with PyTorch left out: the last bits of a
    difference of 1e-17 belong to the machine's arithmetic, not to the example."""
    return re.sub(r"to within \S+ \(", "to within … (", text)


def test_every_example_of_docs_interop_prints_what_is_shown():
    doc = (ROOT / "docs" / "interop.md").read_text(encoding="utf-8")
    pairs = PAIRS.findall(doc)
    assert len(pairs) == 5
    namespace: dict = {}
    for number, (code, shown) in enumerate(pairs, start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"docs/interop.md example {number}", "exec"), namespace)
        assert agreed(printed.getvalue()) == agreed(shown), f"example {number}"
