"""Files in and out: nothing replaced that should not be, nothing lost, nothing unbounded.

Writing (``atomic_writer``, ``write_output``, ``atomic_folder``):

- a regular file (or a new one) is written atomically: the data goes to a temporary file in
  the target's folder — unnamed where the system allows it (Linux ``O_TMPFILE``), so that even
  a killed process leaves nothing behind — is flushed and fsynced, takes the target's
  permissions and replaces the target in one rename; readers see the old file or the new one;
- ``-`` is standard output; a device or a FIFO (``/dev/null``, ``/dev/stdout``) is written
  through, never replaced; a symbolic link is followed, so its target is written and the
  link stays;
- a folder, a path ending in a separator, or a file the same command reads is refused;
- a set of files (``atomic_folder``) is built in a new folder and swapped in whole, so an
  older set never mixes with the new one — and a folder holding files chainrule did not
  write is refused rather than replaced; the building folder's name holds its process id,
  so a later run removes what a killed one left.

Reading (``read_text``): only regular files, at most a limit's bytes, UTF-8; every failure is
a ``ValueError`` that names the file. ``check_npz`` sizes an archive's arrays before one is
decompressed; ``DAMAGED`` is what a damaged ``.npz`` or ``.npy`` raises.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import tokenize
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from chainrule._util import limits

__all__ = ["atomic_writer", "write_text_atomic", "write_bytes_atomic", "write_output",
           "atomic_folder", "read_text", "read_bytes", "check_input_file", "check_output",
           "check_npz", "check_folder", "check_not_binary", "MANIFEST", "DAMAGED"]

PathLike = str | os.PathLike[str]
#: The file in a folder of outputs that lists what chainrule wrote there.
MANIFEST = ".chainrule-files.json"
#: What ``np.load`` and reading an ``.npz`` member raise on a damaged file (a broken zip, a
#: bad CRC, a header that does not parse), besides ``ValueError``.
DAMAGED = (EOFError, zipfile.BadZipFile, zlib.error, SyntaxError, tokenize.TokenError,
           KeyError, OverflowError, UnicodeDecodeError, NotImplementedError)


# --- writing one file ---------------------------------------------------------------------
@contextlib.contextmanager
def atomic_writer(path: PathLike, mode: str = "w", encoding: str | None = "utf-8", *,
                  inputs: Iterable[PathLike] = ()) -> Iterator[IO[Any]]:
    """A handle whose data replaces ``path`` when the block ends without error.

    ``inputs``: the files the command reads, which the output must not be.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_writer(target) as handle:
    ...     _ = handle.write("whole")
    >>> target.read_text()
    'whole'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb'. Received: mode={mode!r}")
    text_options = {} if mode == "wb" else {"encoding": encoding, "newline": ""}
    if str(path) == "-":
        yield sys.stdout.buffer if mode == "wb" else sys.stdout
        return
    target = _output_target(path, inputs)
    if _special(target):  # a device or a FIFO: written through, never replaced
        with open(target, mode, **text_options) as handle:
            yield handle
        return
    with _temporary(target) as (fd, commit):
        with os.fdopen(fd, mode, closefd=False, **text_options) as handle:
            yield handle
            handle.flush()
        commit()


def write_text_atomic(path: PathLike, text: str, *, inputs: Iterable[PathLike] = ()) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see ``atomic_writer``)."""
    with atomic_writer(path, "w", inputs=inputs) as handle:
        handle.write(text)


def write_bytes_atomic(path: PathLike, data: bytes, *, inputs: Iterable[PathLike] = ()) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_writer``)."""
    with atomic_writer(path, "wb", inputs=inputs) as handle:
        handle.write(data)


def write_output(path: PathLike | None, text: str, *, inputs: Iterable[PathLike] = ()) -> None:
    """``text`` to ``path`` (see ``atomic_writer``), or to standard output when ``path`` is
    None: what every command's ``-o/--output`` does."""
    if path:
        write_text_atomic(path, text, inputs=inputs)
    else:
        sys.stdout.write(text)


def check_output(path: PathLike, inputs: Iterable[PathLike] = ()) -> Path:
    """The file ``path`` names for writing, checked before any work is done: not a folder,
    in an existing folder, none of ``inputs`` (``ValueError`` or ``FileNotFoundError``)."""
    if str(path) == "-":
        return Path("-")
    return _output_target(path, inputs)


def _special(path: Path) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def _output_target(path: PathLike, inputs: Iterable[PathLike]) -> Path:
    """The file to write for ``path``: a symbolic link's target (a device or FIFO as it is);
    refusing a folder and any of ``inputs``."""
    text = os.fspath(path)
    if not text:
        raise ValueError("the output path is empty")
    if Path(text).is_dir():
        raise ValueError(f"{text}: is a folder; give the name of a file to write")
    if text.endswith((os.sep, "/")):
        raise ValueError(f"{text}: ends in {text[-1]}, so names a folder; give the name of a "
                         "file to write")
    target = Path(text) if _special(Path(text)) else Path(os.path.realpath(text))
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot write {text!r}: the folder "
                                f"{str(Path(text).parent)!r} does not exist")
    for source in inputs:
        with contextlib.suppress(OSError):
            if target.exists() and os.path.samefile(target, source):
                raise ValueError(f"{text}: is an input of this command; write the output "
                                 "to another file")
    return target


@contextlib.contextmanager
def _temporary(target: Path) -> Iterator[tuple[int, Any]]:
    """``(fd, commit)``: a temporary file beside ``target``; ``commit()`` fsyncs it and puts it
    in place. Unnamed (``O_TMPFILE``) where possible; a named one is removed on any error."""
    folder = target.parent
    mode = _file_mode(target)
    name = None
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, mode)
        os.fchmod(fd, mode)  # exactly the target's permissions, whatever the umask
    except (AttributeError, OSError):  # no O_TMPFILE here: a named temporary file
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)

    def commit() -> None:
        os.fsync(fd)
        if name is None:
            linked = tempfile.mktemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
            _link_unnamed(fd, Path(linked))
            try:
                os.replace(linked, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(linked)
                raise
        else:
            os.chmod(name, mode)
            os.replace(name, target)
        _fsync_folder(folder)

    try:
        yield fd, commit
    except BaseException:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise
    finally:
        os.close(fd)


def _link_unnamed(fd: int, path: Path) -> None:
    """Give the unnamed file ``fd`` the name ``path`` (linkat with AT_SYMLINK_FOLLOW, which
    os.link only uses when a folder descriptor is passed)."""
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _file_mode(path: Path) -> int:
    # keep an existing file's permissions; a new file gets the usual 0o666 & ~umask
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~umask()


def umask() -> int:
    """The process's umask (read by setting it, so set back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    # make the rename itself durable; not every platform can open a folder
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- writing a set of files ------------------------------------------------------------------
@contextlib.contextmanager
def atomic_folder(path: PathLike, ours: re.Pattern[str] | None = None) -> Iterator[Path]:
    """A new, empty folder to write a set of files into; when the block ends without error
    it replaces ``path`` whole (a folder chainrule wrote before, or none), with a manifest of
    its files, so no file of an older set stays beside the new ones.

    ``ours``: names a set of this kind has (so a set written before manifests existed is
    recognised as chainrule's too).

    Raises:
        ValueError: ``path`` is a file, or a folder holding files chainrule did not write.
    """
    target = Path(path)
    check_folder(target, ours)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: the folder {str(parent)!r} "
                                "does not exist")
    _remove_orphans(parent, target.name)
    building = Path(tempfile.mkdtemp(prefix=_work_prefix(target), suffix=".new", dir=parent))
    try:
        os.chmod(building, 0o777 & ~umask())  # mkdtemp's 0700 would hide the set from others
        yield building
        names = sorted(p.name for p in building.iterdir())
        (building / MANIFEST).write_text(json.dumps({"files": names}, indent=1) + "\n",
                                         encoding="utf-8")
        _swap_in(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _work_prefix(target: Path) -> str:
    # the process id in the name tells a later run whether the folder's writer is still alive
    return f".{target.name}.{os.getpid()}."


def _remove_orphans(parent: Path, name: str) -> None:
    """Remove the building folders a killed run (SIGKILL, a power cut) left beside ``name``:
    those whose process is gone."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.\w+\.(new|old)")
    for entry in parent.iterdir():
        found = pattern.fullmatch(entry.name)
        if not found or not entry.is_dir() or _alive(int(found.group(1))):
            continue
        if found.group(2) == "old" and not (parent / name).exists():
            os.rename(entry, parent / name)  # killed mid-swap: the older set comes back
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def check_folder(path: PathLike, ours: re.Pattern[str] | None = None) -> None:
    """Refuse, before any work, a folder output that is a file, or a folder holding files
    chainrule did not write (neither in its manifest nor named as ``ours``)."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{path}: is a file; give the name of a folder to write into")
    if not folder.is_dir():
        return
    present = {p.name for p in folder.iterdir() if not (ours and ours.fullmatch(p.name))}
    if not present:
        return
    try:
        listed = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        listed = set()
    foreign = sorted(present - listed - {MANIFEST})
    if foreign:
        shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise ValueError(f"{folder}: holds files chainrule did not write ({shown}); give a "
                         "new folder, or empty this one")


def _swap_in(building: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=_work_prefix(target), suffix=".old",
                                    dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(building, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- reading ---------------------------------------------------------------------------------
def check_input_file(path: PathLike, limit: str = "text_bytes") -> Path:
    """``path`` as a regular file within limit ``limit`` bytes (a folder, a device, a FIFO or
    a file too large is refused before it is read)."""
    file = Path(path)
    try:
        info = file.stat()
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: is not a regular file (a device, FIFO or socket)")
    if info.st_size > limits.get(limit):
        raise limits.exceeded(limit, info.st_size, str(path))
    return file


def read_bytes(path: PathLike, limit: str = "text_bytes") -> bytes:
    """The bytes of a regular file of at most limit ``limit`` bytes."""
    file = check_input_file(path, limit)
    with open(file, "rb") as handle:
        data = handle.read(limits.get(limit) + 1)
    if len(data) > limits.get(limit):  # it grew while we read it
        raise limits.exceeded(limit, len(data), str(path))
    return data


def check_npz(archive: Any, path: PathLike) -> None:
    """Refuse an ``.npz`` archive (``np.load``'s ``NpzFile``) holding an array larger than the
    ``array_bytes`` limit once decompressed, before any array is read: a small file can
    unpack into gigabytes."""
    limit = limits.get("array_bytes")
    for info in archive.zip.infolist():
        if info.file_size > limit:
            raise limits.exceeded("array_bytes", info.file_size,
                                  f"{path}: array {info.filename.removesuffix('.npy')!r}")


def read_text(path: PathLike, limit: str = "text_bytes") -> str:
    """A regular file's text: UTF-8 (a leading byte-order mark allowed), at most ``limit``."""
    data = read_bytes(path, limit)
    check_not_binary(data[:4096], path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: is not UTF-8 text (byte {exc.start}: "
                         f"{data[exc.start:exc.start + 1]!r})") from None


def check_not_binary(head: bytes, path: PathLike) -> None:
    """Refuse a file whose first bytes ``head`` show UTF-16 (its byte-order mark) or binary
    data (a NUL byte), with a line that says so, before it is decoded as UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise ValueError(f"{path}: is not UTF-8 text (UTF-16 or binary); save it as UTF-8")
