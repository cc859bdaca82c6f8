"""Atomic file writes: readers see the old file or the whole new one, never a part.

The data goes to a temporary file in the target's directory, is flushed and fsynced, gets
the target's permissions, and is ``os.replace``-d over the target; on any error the
temporary file is removed and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_writer", "write_text_atomic", "write_bytes_atomic", "write_output"]


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w",
                  encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` when the block ends without error.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_writer(target) as handle:
    ...     _ = handle.write("whole")
    >>> target.read_text()
    'whole'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb'. Received: mode={mode!r}")
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: the folder {str(directory)!r} "
                                "does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        text_options = {} if mode == "wb" else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **text_options) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _file_mode(path))
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(directory)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_writer(path, "w") as handle:
        handle.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data)


def write_output(path: str | os.PathLike[str] | None, text: str) -> None:
    """``text`` to the file ``path`` atomically, or to standard output when ``path`` is
    None: what every command's ``-o/--output`` does."""
    if path:
        write_text_atomic(path, text)
    else:
        sys.stdout.write(text)


def _file_mode(path: Path) -> int:
    # keep an existing file's permissions; a new file gets the usual 0o666 & ~umask
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    # make the rename itself durable; not every platform can open a directory
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
