"""Build an export in memory, then write it atomically: a file, or a folder renamed into place.

``export(exam, "moodle" | "qti" | "prairielearn")`` returns an :class:`Export`: the bytes of
one file (Moodle XML, the QTI zip) or the files of a folder (the PrairieLearn question), and
the notes a lecturer must read before importing (marks scaled to whole weights, values an LMS
cannot take). ``write_export`` writes a file with ``chainrule._util.files`` (a temporary
sibling, renamed over the target) and a folder with its ``atomic_folder`` (built as a
temporary sibling, swapped in whole, with a manifest of its files); a folder is replaced
only when it holds an earlier export of this kind, never a folder of something else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from chainrule._util.files import atomic_folder, check_output, write_bytes_atomic
from chainrule.teach.export import moodle, prairielearn, qti
from chainrule.teach.export.exam import Exam

__all__ = ["FORMATS", "Export", "export", "write_export", "check_target"]

#: The formats, as ``chainrule export --to`` names them.
FORMATS = ("moodle", "qti", "prairielearn")
#: What a folder must hold to be an earlier PrairieLearn export that may be replaced.
_MARKERS = ("server.py", "problems/index.json")
#: The names a PrairieLearn export has at its top (one written before folders had manifests).
_FOLDER_FILES = re.compile(r"info\.json|question\.html|server\.py|problems")
_WHOLE = {"moodle": "Moodle's cloze weights", "prairielearn": "PrairieLearn's weights"}
_EXAMPLE = {"moodle": "exam.xml", "qti": "exam.zip"}


@dataclass(frozen=True)
class Export:
    """An export in memory: ``data`` is a file's bytes, or relative path → bytes of a
    folder's files; ``notes`` are one-line remarks for the lecturer."""

    format: str
    data: bytes | Mapping[str, bytes]
    notes: tuple[str, ...] = ()

    @property
    def is_folder(self) -> bool:
        return not isinstance(self.data, bytes)


def export(exam: Exam, to: str) -> Export:
    """``exam`` in format ``to`` (one of :data:`FORMATS`)."""
    notes = []
    if to in ("moodle", "prairielearn") and exam.scale != 1:
        notes.append(f"marks are fractional and {_WHOLE[to]} are whole numbers: every "
                     f"weight is {exam.scale} times its marks")
    if to == "moodle":
        return Export(to, moodle.moodle_xml(exam).encode("utf-8"), tuple(notes))
    if to == "qti":
        return Export(to, qti.qti_package(exam), tuple(qti.notes(exam)))
    if to == "prairielearn":
        return Export(to, prairielearn.question_files(exam), tuple(notes))
    raise ValueError(f"format must be one of {', '.join(FORMATS)}. Received: to={to!r}")


def check_target(path: str | os.PathLike[str], to: str, exam_folder: str | os.PathLike[str]
                 ) -> None:
    """Refuse ``path`` as the output of format ``to`` before any work: a file format's
    target must be a file that is none of the exam folder's own files; PrairieLearn's a new
    folder or an earlier export."""
    if to == "prairielearn":
        _check_earlier_export(Path(path))
        return
    _refuse_folder(Path(path), to)
    folder = Path(exam_folder)
    inputs = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    check_output(path, inputs)


def write_export(result: Export, path: str | os.PathLike[str]) -> Path:
    """Write ``result`` to ``path`` atomically; return the path.

    Raises:
        ValueError: ``path`` is a folder where a file belongs, a file where a folder
            belongs, or a folder that is not an earlier export.
        OSError: the parent folder is missing or cannot be written.
    """
    target = Path(path)
    if not result.is_folder:
        _refuse_folder(target, result.format)
        write_bytes_atomic(target, result.data)  # type: ignore[arg-type]
        return target
    _check_earlier_export(target)
    _write_folder(result.data, target)  # type: ignore[arg-type]
    return target


def _refuse_folder(target: Path, to: str) -> None:
    if target.is_dir():
        raise ValueError(f"{target}: is a folder; give a file name, such as {_EXAMPLE[to]}")


def _check_earlier_export(target: Path) -> None:
    if target.is_dir() and any(target.iterdir()) and not all(
            (target / marker).is_file() for marker in _MARKERS):
        raise ValueError(f"{target}: a folder that is not an earlier chainrule export (no "
                         f"{' and '.join(_MARKERS)}); give a new folder name")


def _write_folder(files: Mapping[str, bytes], target: Path) -> None:
    with atomic_folder(target, _FOLDER_FILES) as building:
        for name, data in sorted(files.items()):
            path = building / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
