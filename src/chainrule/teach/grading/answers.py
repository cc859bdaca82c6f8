"""Answer sheets: a student's values, read from a small TOML or CSV file, or a mapping.

TOML (any file not ending in ``.csv``): one ``symbol = value`` per line, in any order::

    # my answers to question 2
    net_h1 = 0.3775
    "δ_o" = "0.1385"          # a string keeps the decimals exactly as written
    "w_11+" = 0.1498
    delta_h1 = 0.0088         # ASCII spellings are fine (see chainrule.teach.grading.names)

    [s2]                      # names below belong to step 2 (default: step 1)
    net_h1 = 0.3791

    [marks]                   # optional: the teacher's mark scheme (chainrule.teach.grading.marks)
    delta = 3

Two names are not answers but say whose sheet it is, for grading a class
(``chainrule grade``): ``student = "Ada Lovelace"`` and ``variant = 7`` (the exam variant the
sheet answers).

The number of decimals a value is written with sets its tolerance, so it is read from the
text as written (``0.50`` has two decimals), never from a parsed float. The file is read
with ``tomllib`` (``tomli`` on Python 3.10), TOML's escapes included (``"\\u0394w" = 0.9``
is ``Δw``). Before that, each line is made strict: a name TOML would need quoted is quoted
(``δ_o = 0.1385``, ``w_11+ = 0.1498``, ``s2.net_h1 = 0.3791`` is one name) and every
unquoted value becomes a string, so its digits stay as written and the typographic minus
``−`` reads as a minus.

CSV (``.csv``): ``symbol,value`` per line; an optional header ``symbol,value``; ``#`` comments;
``student,…`` and ``variant,…`` lines as in TOML.

Errors name the file and line: ``answers.toml, line 4: δ_o: expected a number, received
'0.13a'``.
"""

from __future__ import annotations

import csv
import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chainrule._util import toml
from chainrule._util.files import read_text
from chainrule.derive import ids
from chainrule.teach.grading.marks import MarkScheme, marks_from_mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Answer", "AnswerSheet", "read_answers", "read_marks", "parse_answers",
           "parse_number", "answers_from_mapping"]

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
    student: str | None = None
    variant: int | None = None

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
    text = read_text(path)
    kind = "csv" if path.suffix.lower() == ".csv" else "toml"
    return parse_answers(text, format=kind, source=path.name)


def read_marks(path: str | os.PathLike[str]) -> MarkScheme | None:
    """The scheme of a marks file: a TOML file of ``[marks]`` tables only (None: it gives
    none)."""
    sheet = parse_answers(read_text(path), source=Path(path).name)
    if sheet.answers:
        raise ValueError(f"{path}: a marks file holds only [marks] tables; found "
                         f"{sheet.answers[0].name!r} on line {sheet.answers[0].line}")
    return sheet.marks


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
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ValueError(f"{name}: expected a number or its text, such as 0.3775. "
                             f"Received: {value!r}")
        text = value if isinstance(value, str) else repr(float(value))
        try:
            number, decimals = parse_number(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        answers.append(Answer(str(name), text.strip(), number, decimals))
    return AnswerSheet(tuple(answers))


# --- TOML ------------------------------------------------------------------------------------
# A pair line whose key is quoted TOML or a loose name (anything up to the ``=``), and a
# table header ``[name]``. Each line is loosened on its own, so line numbers stay the same.
_PAIR = re.compile(r"""^\s*(?P<key>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'#\[=][^="#]*?)
                       \s*=\s*(?P<rest>.*)$""", re.X)
_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\[\]]*?)\s*\]\s*(?:#.*)?$")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_WHERE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


def _basic_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table_name(name: str, where: str) -> str:
    """``marks``, ``marks.symbols`` or a step ``sN`` (from ``[s2]``, ``[step 2]``, …)."""
    name = name.strip("\"'")
    if name in ("marks", "marks.symbols"):
        return name
    match = _STEP_TABLE.match(name.strip())
    if not match:
        raise ValueError(f"{where}: unknown table [{name}]; valid tables: [marks], "
                         "[marks.symbols] and steps such as [s2]")
    return ids.step(int(match.group(1)))


def _bad_line(line: str, where: str) -> ValueError:
    try:
        tomllib.loads(line)
    except tomllib.TOMLDecodeError as exc:
        if str(exc).startswith("Unterminated string"):
            return ValueError(f"{where}: unterminated string in {line.strip()!r}")
    return ValueError(f"{where}: expected `symbol = value`, received {line.strip()!r}")


def _strict(text: str, source: str) -> tuple[str, dict[tuple[str | None, str], int]]:
    """``text`` as strict TOML, and the line of each (table, key).

    Loose names are quoted (``δ_o``, ``w_11+``, ``s2.net_h1``: one name, not a dotted
    key), every unquoted value becomes a string so its text is kept as written (``0.50``,
    ``−0.0650``, and ``0,2140`` is reported as a number, not as TOML syntax), and a step
    table is written ``[sN]``."""
    lines, where_is = [], {}
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{source}, line {number}"
        stripped = line.strip()
        header, pair = _HEADER.match(line), _PAIR.match(line)
        if not stripped or stripped.startswith("#"):
            lines.append(line)
        elif stripped.startswith("["):
            if header is None:
                raise ValueError(f"{where}: unknown table {stripped}")
            table = _table_name(header["name"], where)
            lines.append(f"[{table}]")
        elif pair is None or not pair["rest"].split("#")[0].strip():
            raise _bad_line(line, where)
        else:
            key, strict_key = _key(pair["key"])
            if (table, key) in where_is:
                raise ValueError(f"{where}: {key!r} is given twice (first on line "
                                 f"{where_is[table, key]})")
            where_is[table, key] = number
            lines.append(f"{strict_key} = {_value(pair['rest'])}")
    return "\n".join(lines) + "\n", where_is


def _key(written: str) -> tuple[str, str]:
    """The name a key spells and the key as strict TOML writes it."""
    if written[0] == "'" or written[0] == '"' and "\\" not in written:
        return written[1:-1], written  # no escapes to decode (the whole file is parsed later)
    if written[0] == '"':
        return next(iter(tomllib.loads(f"{written} = 0"))), written
    name = written.strip()
    return name, name if _BARE_KEY.fullmatch(name) else _basic_string(name)


def _value(rest: str) -> str:
    if rest[:1] in "\"'[{":  # TOML's own: a string (with any comment), an array, a table
        return rest
    return _basic_string(rest.split("#")[0].strip())


def _parse_toml(text: str, source: str) -> AnswerSheet:
    strict, lines = _strict(text, source)
    try:
        data = toml.load(strict, source, parse_float=str)
    except toml.TOMLDecodeError as exc:
        line = _WHERE.search(str(exc))
        where = f"{source}, line {line[1]}" if line and line[1] else source
        raise ValueError(f"{where}: TOML syntax error: {_WHERE.sub('', str(exc))}") from None
    written = _Lines(source, lines)
    answers: list[Answer] = []
    marks: dict[str, Any] = {}
    about = {k: data.pop(k) for k in _ABOUT if k in data and not isinstance(data[k], dict)}
    for key, value in data.items():
        if key == "marks" and isinstance(value, dict):
            marks = _marks(value, written)
        elif isinstance(value, dict) and _STEP_TABLE.match(key):
            answers += [_answer(name, v, key, written) for name, v in value.items()]
        else:
            answers.append(_answer(key, value, None, written))
    scheme = None
    if marks:
        try:
            scheme = marks_from_mapping(marks)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    return AnswerSheet(tuple(answers), scheme, source, *_about(about, source))


#: Names in a sheet that say whose it is, not what was computed.
_ABOUT = ("student", "variant")


def _about(values: Mapping[str, Any], where: str) -> tuple[str | None, int | None]:
    """``(student, variant)`` of a sheet from its ``student`` and ``variant`` entries."""
    student = values.get("student")
    student = None if student is None else str(student).strip() or None
    variant = values.get("variant")
    if variant is not None:
        text = str(variant).strip()
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"{where}: variant must be a whole number from 1. Received: "
                             f"{text!r}")
        variant = int(text)
    return student, variant


@dataclass(frozen=True)
class _Lines:
    """Where each key of a TOML answer sheet was written: (table, key) → line."""

    source: str
    lines: dict[tuple[str | None, str], int]

    def number(self, name: str, value: Any, table: str | None) -> tuple[str, float, int, int]:
        """The value's text, number and decimals, and its line (0: not known)."""
        line = self.lines.get((table, name), 0)
        text = str(value).strip()
        try:
            return (text, *parse_number(text), line)
        except ValueError as exc:
            where = f"{self.source}, line {line}" if line else self.source
            raise ValueError(f"{where}: {name}: {exc}") from None


def _answer(name: str, value: Any, step: str | None, lines: _Lines) -> Answer:
    text, number, decimals, line = lines.number(name, value, step)
    return Answer(name, text, number, decimals, line, step)


def _marks(table: dict[str, Any], lines: _Lines) -> dict[str, Any]:
    """The ``[marks]`` table with its numbers read (``[marks.symbols]`` nested in it)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "symbols" and isinstance(value, dict):
            out[key] = {name: lines.number(name, v, "marks.symbols")[1]
                        for name, v in value.items()}
        else:
            out[key] = lines.number(key, value, "marks")[1]
    return out


# --- CSV -------------------------------------------------------------------------------------
def _parse_csv(text: str, source: str) -> AnswerSheet:
    answers = []
    about: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source}, line {number}"
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in next(csv.reader([raw]))]
        if len(cells) != 2 or not cells[0]:
            raise ValueError(f"{where}: expected `symbol,value`, received {raw.strip()!r}")
        if not answers and cells[0].lower() in ("symbol", "name") and cells[1].lower() == "value":
            continue  # header
        if cells[0] in _ABOUT:
            about[cells[0]] = cells[1]
            continue
        try:
            value, decimals = parse_number(cells[1])
        except ValueError as exc:
            raise ValueError(f"{where}: {cells[0]}: {exc}") from None
        answers.append(Answer(cells[0], cells[1], value, decimals, number))
    return AnswerSheet(tuple(answers), None, source, *_about(about, source))
