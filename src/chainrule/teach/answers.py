"""Answer sheets: a student's values, read from a small TOML or CSV file, or a mapping.

TOML (any file not ending in ``.csv``): one ``symbol = value`` per line, in any order::

    # my answers to question 2
    net_h1 = 0.3775
    "δ_o" = "0.1385"          # a string keeps the decimals exactly as written
    "w_11+" = 0.1498
    delta_h1 = 0.0088         # ASCII spellings are fine (see chainrule.teach.names)

    [s2]                      # names below belong to step 2 (default: step 1)
    net_h1 = 0.3791

    [marks]                   # optional: the teacher's mark scheme (chainrule.teach.marks)
    delta = 3

The number of decimals a value is written with sets its tolerance, so it is read from the
text as written (``0.50`` has two decimals), never from a parsed float. That is why this is
a line-by-line reader of the TOML subset above rather than a TOML library (which forgets
trailing zeros). Beyond strict TOML it also accepts names with Unicode or ``+`` unquoted
(``δ_o = 0.1385``, ``w_11+ = 0.1498``) and the typographic minus ``−``.

CSV (``.csv``): ``symbol,value`` per line; an optional header ``symbol,value``; ``#`` comments.

Errors name the file and line: ``answers.toml, line 4: δ_o: expected a number, received
'0.13a'``.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chainrule.teach.marks import MarkScheme, marks_from_mapping

__all__ = ["Answer", "AnswerSheet", "read_answers", "parse_answers", "parse_number",
           "answers_from_mapping"]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_STEP_TABLE = re.compile(r"(?i)^(?:s|step[\s_.]*)(\d+)$")


@dataclass(frozen=True)
class Answer:
    """One value a student wrote: the name and number as written, where it was written."""

    name: str
    text: str
    value: float
    decimals: int
    line: int = 0
    step: str | None = None


@dataclass(frozen=True)
class AnswerSheet:
    """A student's answers and, optionally, the teacher's mark scheme from the same file."""

    answers: tuple[Answer, ...]
    marks: MarkScheme | None = None
    source: str = "<answers>"

    def where(self, answer: Answer) -> str:
        """``"answers.toml, line 4"`` (or just the source for a mapping)."""
        return f"{self.source}, line {answer.line}" if answer.line else self.source


def parse_number(text: str) -> tuple[float, int]:
    """``"−0.0650"`` → ``(-0.065, 4)``: the value and the decimals as written.

    Raises:
        ValueError: not a plain decimal number.
    """
    clean = text.strip().replace("−", "-").replace("_", "")
    if not _NUMBER.match(clean):
        raise ValueError(f"expected a number, received {text.strip()!r}")
    try:
        number = Decimal(clean)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        raise ValueError(f"expected a number, received {text.strip()!r}") from None
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, received {text.strip()!r}")
    return value, max(0, -exponent)


def read_answers(path: str | os.PathLike[str]) -> AnswerSheet:
    """Read an answer sheet: CSV if the name ends in ``.csv``, TOML otherwise.

    Raises:
        OSError: the file cannot be read.
        ValueError: a malformed line (the message names the file and line).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    kind = "csv" if path.suffix.lower() == ".csv" else "toml"
    return parse_answers(text, format=kind, source=path.name)


def parse_answers(text: str, *, format: str = "toml", source: str = "<answers>") -> AnswerSheet:
    """Parse the text of an answer sheet (``format`` ``"toml"`` or ``"csv"``)."""
    if format == "csv":
        return _parse_csv(text, source)
    if format == "toml":
        return _parse_toml(text, source)
    raise ValueError(f"unknown answers format. Received: format={format!r}; valid: toml, csv")


def answers_from_mapping(values: Mapping[str, Any]) -> AnswerSheet:
    """Answers from ``{name: value}``; a string value keeps its decimals, a float gets the
    decimals of its shortest repr (``0.15`` → 2)."""
    answers = []
    for name, value in values.items():
        text = value if isinstance(value, str) else repr(float(value))
        try:
            number, decimals = parse_number(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        answers.append(Answer(str(name), text.strip(), number, decimals))
    return AnswerSheet(tuple(answers))


# --- TOML subset -----------------------------------------------------------------------------
def _strip_comment(line: str) -> str:
    quote = None
    for n, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:n]
    return line


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text[:1] in "\"'":
        raise ValueError(f"{where}: unterminated string {text!r}")
    return text


def _split_pair(line: str, where: str) -> tuple[str, str]:
    quote = None
    for n, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "=":
            key, value = line[:n], line[n + 1:]
            if not key.strip() or not value.strip():
                break
            return _unquote(key, where), value.strip()
    if quote:
        raise ValueError(f"{where}: unterminated string in {line.strip()!r}")
    raise ValueError(f"{where}: expected `symbol = value`, received {line.strip()!r}")


class _Reader:
    """State of the TOML reader: the current table, answers and marks seen so far."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.table: str | None = None  # None: top level (answers of the default step)
        self.step: str | None = None
        self.answers: list[Answer] = []
        self.marks: dict[str, Any] = {}

    def header(self, name: str, where: str) -> None:
        name = _unquote(name, where)
        if name in ("marks", "marks.symbols"):
            self.table, self.step = name, None
            return
        match = _STEP_TABLE.match(name.strip())
        if not match:
            raise ValueError(f"{where}: unknown table [{name}]; valid tables: [marks], "
                             "[marks.symbols] and steps such as [s2]")
        self.table, self.step = "step", f"s{int(match.group(1))}"

    def pair(self, key: str, raw: str, where: str, number: int) -> None:
        text = _unquote(raw, where)
        try:
            value, decimals = parse_number(text)
        except ValueError as exc:
            raise ValueError(f"{where}: {key}: {exc}") from None
        if self.table == "marks":
            self.marks[key] = value
        elif self.table == "marks.symbols":
            self.marks.setdefault("symbols", {})[key] = value
        else:
            self.answers.append(Answer(key, text.strip(), value, decimals, number, self.step))


def _parse_toml(text: str, source: str) -> AnswerSheet:
    reader = _Reader(source)
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source}, line {number}"
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]") and not line.startswith("[["):
            reader.header(line[1:-1].strip(), where)
            continue
        key, value = _split_pair(line, where)
        reader.pair(key.strip(), value, where, number)
    marks = None
    if reader.marks:
        try:
            marks = marks_from_mapping(reader.marks)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    return AnswerSheet(tuple(reader.answers), marks, source)


# --- CSV -------------------------------------------------------------------------------------
def _parse_csv(text: str, source: str) -> AnswerSheet:
    answers = []
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source}, line {number}"
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([raw]))]
        if len(cells) != 2 or not cells[0]:
            raise ValueError(f"{where}: expected `symbol,value`, received {raw.strip()!r}")
        if not answers and cells[0].lower() in ("symbol", "name") and cells[1].lower() == "value":
            continue  # header
        try:
            value, decimals = parse_number(cells[1])
        except ValueError as exc:
            raise ValueError(f"{where}: {cells[0]}: {exc}") from None
        answers.append(Answer(cells[0], cells[1], value, decimals, number))
    return AnswerSheet(tuple(answers), None, source)
