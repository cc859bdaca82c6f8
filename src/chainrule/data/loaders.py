"""Loading a dataset from a file: CSV with a header row, ``.npy`` and ``.npz``.

Every loader returns ``(x, y, info)``: ``x`` (n, d) and ``y`` (n, 1) or (n, k) float64, and a
:class:`DatasetInfo` naming the columns and, for class labels, the classes. Nothing is ever
unpickled, and every error is a ``ValueError`` naming the file, the field and the value::

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "gates.csv"
    >>> _ = path.write_text("a,b,out\\n0,0,no\\n0,1,yes\\n1,0,yes\\n1,1,no\\n")
    >>> x, y, info = load_csv(path, "out")
    >>> x.shape, y.ravel().tolist(), info.classes
    ((4, 2), [0.0, 1.0, 1.0, 0.0], ('no', 'yes'))
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chainrule._util import limits
from chainrule._util.files import DAMAGED, check_input_file, check_not_binary, check_npz

__all__ = ["DatasetInfo", "check_finite", "load_csv", "load_file", "load_npy"]

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class DatasetInfo:
    """What a loader found besides the numbers.

    ``features``: the names of the columns of ``x``, in order (for ``.npy`` / ``.npz`` files
    the column indices as strings). ``target``: the name of the target column (or array).
    ``classes``: the class names in the order of their codes 0..k-1 when the target holds
    class labels, else ``None``.
    """

    features: tuple[str, ...]
    target: str
    classes: tuple[str, ...] | None = None


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``x`` (any shape, numeric) holds a NaN or an infinity.

    The message gives the first offending entry in row-major order: for a 2-D array
    ``"{name} contains non-finite values (first at row {i}, column {j}: {v})"``.

    >>> check_finite(np.array([[1.0, np.inf]]), "x")
    Traceback (most recent call last):
    ...
    ValueError: x contains non-finite values (first at row 0, column 1: inf)
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biufc":
        raise ValueError(f"{name} is not numeric (dtype {x.dtype})")
    if x.dtype.kind in "biu":
        return
    bad = np.argwhere(~np.isfinite(x))
    if len(bad) == 0:
        return
    index = tuple(int(k) for k in bad[0])
    value = x[index]
    if x.ndim == 2:
        where = f"row {index[0]}, column {index[1]}"
    elif x.ndim == 1:
        where = f"row {index[0]}"
    else:
        where = f"index {index}"
    raise ValueError(f"{name} contains non-finite values (first at {where}: {value})")


# ---------------------------------------------------------------- CSV


def load_csv(
    path: PathLike,
    target: str,
    *,
    delimiter: str = ",",
    one_hot: bool = False,
) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    """Read a CSV file with a header row; the column named ``target`` becomes ``y``.

    Every other column must be numeric and finite; it goes into ``x`` (n, d) in file order.
    A numeric target gives ``y`` (n, 1). A target with any non-numeric value holds class
    labels: the distinct labels, sorted as strings, are coded 0..k-1 and listed in
    ``info.classes``; two classes give ``y`` (n, 1) of 0/1, more give one-hot ``y`` (n, k).
    ``one_hot=True`` always gives one-hot ``y`` (n, k); a numeric target then must hold
    integers, and the classes are its distinct values in increasing order.

    Quoted fields follow the rules of the ``csv`` module; spaces around a field are ignored,
    blank lines are skipped. Rows in messages are numbered as lines of the file (header = 1).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("x1;x2;t\\n1;2;3.5\\n4;5;6\\n")
    >>> x, y, info = load_csv(path, "t", delimiter=";")
    >>> y.ravel().tolist(), info.features
    ([3.5, 6.0], ('x1', 'x2'))
    """
    if not isinstance(target, str):
        raise ValueError(f"expected target to be a column name (str). Received: target={target!r}")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise ValueError(
            f"expected delimiter to be one character other than a quote or newline. "
            f"Received: delimiter={delimiter!r}"
        )
    return _load_csv(path, target, delimiter, one_hot)


def _load_csv(
    path: PathLike, target: str | None, delimiter: str, one_hot: bool
) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    """:func:`load_csv`, with ``target=None`` meaning the last column."""
    header, rows = _read_rows(path, delimiter)
    if target is None:
        target = header[-1]
    if target not in header:
        raise ValueError(f"{path}: no target column {target!r}; columns are: {', '.join(header)}")
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]
    if not features:
        raise ValueError(f"{path}: no feature columns; the only column is the target {target!r}")
    x = np.empty((len(rows), len(features)))
    for i, (line, fields) in enumerate(rows):
        for k, j in enumerate(features):
            x[i, k] = _parse_number(path, line, header[j], fields[j])
    labels = [(line, fields[t]) for line, fields in rows]
    y, classes = _encode_target(path, target, labels, one_hot)
    info = DatasetInfo(tuple(header[j] for j in features), target, classes)
    return x, y, info


def _read_rows(path: PathLike, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The stripped header and the non-blank rows, each with its line number."""
    check_input_file(path, "data_bytes")
    with open(path, "rb") as f:
        check_not_binary(f.read(4096), path)
    # utf-8-sig drops the byte-order mark spreadsheet programs put before the header
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            records = [
                (reader.line_num, [s.strip() for s in row])
                for row in reader
                if any(s.strip() for s in row)
            ]
        except csv.Error as e:
            raise ValueError(f"{path}: row {reader.line_num}: malformed CSV ({e})") from None
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: is not UTF-8 text (byte {e.start} of a line near row "
                             f"{reader.line_num + 1})") from None
    if not records:
        raise ValueError(f"{path}: empty file; expected a header row and data rows")
    _, header = records[0]
    for j, name in enumerate(header):
        if not name:
            raise ValueError(f"{path}: column {j + 1} of the header has no name")
        if header.index(name) != j:
            raise ValueError(f"{path}: duplicate column name {name!r} in the header")
    rows = records[1:]
    if not rows:
        raise ValueError(f"{path}: no data rows after the header")
    for line, fields in rows:
        if len(fields) != len(header):
            raise ValueError(
                f"{path}: row {line} has {len(fields)} fields; the header has {len(header)} "
                f"({delimiter.join(fields)!r})"
            )
    return header, rows


def _parse_number(path: PathLike, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"{path}: row {line}, column {column!r}: expected a number. Received: {text!r}"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{path}: row {line}, column {column!r}: non-finite value {text!r}")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _encode_target(
    path: PathLike, target: str, labels: list[tuple[int, str]], one_hot: bool
) -> tuple[np.ndarray, tuple[str, ...] | None]:
    for line, text in labels:
        if not text:
            raise ValueError(f"{path}: row {line}, column {target!r}: empty value")
    if all(_is_number(text) for _, text in labels):
        values = np.array([_parse_number(path, line, target, text) for line, text in labels])
        if not one_hot:
            return values.reshape(-1, 1), None
        for (line, text), v in zip(labels, values, strict=True):
            if v != round(v):
                raise ValueError(
                    f"{path}: row {line}, column {target!r}: one_hot=True needs integer "
                    f"class labels. Received: {text!r}"
                )
        distinct = np.unique(values)
        _check_classes(path, target, len(distinct))
        codes = np.searchsorted(distinct, values)
        classes = tuple(str(int(v)) for v in distinct)
    else:
        names = sorted({text for _, text in labels})
        _check_classes(path, target, len(names))
        code_of = {name: k for k, name in enumerate(names)}
        codes = np.array([code_of[text] for _, text in labels], dtype=np.intp)
        classes = tuple(names)
    if one_hot or len(classes) > 2:
        return np.eye(len(classes))[codes], classes
    return codes.astype(np.float64).reshape(-1, 1), classes


def _check_classes(path: PathLike, target: str, count: int) -> None:
    """Refuse more classes than the limit before a one-hot matrix of them is made."""
    if count > limits.get("classes"):
        raise limits.exceeded("classes", count, f"{path}: column {target!r}")


# ---------------------------------------------------------------- NumPy files


def load_npy(
    path: PathLike,
    target: int | None = None,
    *,
    x_key: str = "x",
    y_key: str = "y",
) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    """Read a ``.npy`` (one 2-D array) or ``.npz`` (arrays ``x`` and ``y``) file.

    ``.npy``: a numeric array (n, c), c >= 2; column ``target`` (default the last, -1 allowed)
    is ``y`` (n, 1), the others are ``x`` (n, c - 1). ``.npz``: ``x`` (n, d) from the array
    named ``x_key`` and ``y`` from ``y_key``, shape (n,) (returned as (n, 1)) or (n, k).
    Arrays must be numeric (bool, integer or float) and finite; they come back as float64.
    Files are read with ``allow_pickle=False``.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.npy"
    >>> np.save(path, np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]))
    >>> x, y, info = load_npy(path)
    >>> x.tolist(), y.tolist()
    ([[1.0, 2.0], [3.0, 4.0]], [[0.0], [1.0]])
    """
    if Path(path).suffix.lower() == ".npz":
        if target is not None:
            raise ValueError(
                f"{path}: target= selects a column of a .npy file; for .npz use y_key=. "
                f"Received: target={target!r}"
            )
        return _load_npz(path, x_key, y_key)
    loaded = _np_load(path)
    if not isinstance(loaded, np.ndarray):
        loaded.close()
        raise ValueError(f"{path}: expected a single array (.npy). Received: a .npz archive")
    data = _numeric(loaded, str(path))
    if data.ndim != 2 or data.shape[1] < 2 or data.shape[0] < 1:
        raise ValueError(
            f"{path}: expected a 2-D array (n, columns) with at least 1 row and 2 columns. "
            f"Received: shape {data.shape}"
        )
    columns = data.shape[1]
    t = _target_column(path, target, columns)
    check_finite(data, str(path))
    features = [j for j in range(columns) if j != t]
    info = DatasetInfo(tuple(str(j) for j in features), str(t))
    return data[:, features].copy(), data[:, t : t + 1].copy(), info


def _target_column(path: PathLike, target: object, columns: int) -> int:
    """The target's column index, 0 … columns − 1 (``None``: the last; −1 allowed)."""
    t = columns - 1 if target is None else target
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not -columns <= t < columns:
        raise ValueError(
            f"{path}: expected target to be a column index in [-{columns}, {columns - 1}]. "
            f"Received: target={target!r}"
        )
    return int(t) % columns


def _load_npz(path: PathLike, x_key: str, y_key: str) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    archive = _np_load(path)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: expected a .npz archive of arrays")
    with archive:
        present = sorted(archive.files)
        for key in (x_key, y_key):
            if key not in present:
                raise ValueError(
                    f"{path}: no array {key!r}; arrays present: {', '.join(present) or 'none'}"
                )
        x = _numeric(_read_member(archive, x_key, path), f"{path} array {x_key!r}")
        y = _numeric(_read_member(archive, y_key, path), f"{path} array {y_key!r}")
    if x.ndim != 2 or len(x) < 1:
        raise ValueError(
            f"{path}: expected array {x_key!r} of shape (n, features) with n >= 1. "
            f"Received: shape {x.shape}"
        )
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or len(y) != len(x):
        raise ValueError(
            f"{path}: expected array {y_key!r} of shape ({len(x)},) or ({len(x)}, outputs) "
            f"to match {x_key!r} {x.shape}. Received: shape {y.shape}"
        )
    check_finite(x, f"{path} array {x_key!r}")
    check_finite(y, f"{path} array {y_key!r}")
    info = DatasetInfo(tuple(str(j) for j in range(x.shape[1])), y_key)
    return x, y, info


def _np_load(path: PathLike) -> np.ndarray | np.lib.npyio.NpzFile:
    check_input_file(path, "data_bytes")
    try:
        loaded = np.load(path, allow_pickle=False)
    except EOFError:
        raise ValueError(f"{path}: empty file; expected a NumPy .npy or .npz file") from None
    except (ValueError, *DAMAGED) as e:
        raise ValueError(f"{path}: {_load_error(e)}") from None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        try:
            check_npz(loaded, path)  # before an array is decompressed
        except ValueError:
            loaded.close()
            raise
    return loaded


def _read_member(archive: np.lib.npyio.NpzFile, key: str, path: PathLike) -> np.ndarray:
    try:
        return archive[key]
    except (ValueError, *DAMAGED) as e:  # a damaged member
        raise ValueError(f"{path} array {key!r}: {_load_error(e)}") from None


def _load_error(e: Exception) -> str:
    if "Object arrays" in str(e):
        return "an object array cannot be loaded without unpickling (allow_pickle=False)"
    # anything else np.load refuses is, without pickling, not a NumPy file
    return f"not a NumPy .npy or .npz file ({e})"


def _numeric(a: np.ndarray, name: str) -> np.ndarray:
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a numeric array. Received: dtype {a.dtype}")
    return a.astype(np.float64)


def load_file(
    path: PathLike, target: str | int | None = None
) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    """Load ``path`` with the loader its extension calls for: ``.csv``, ``.npy`` or ``.npz``.

    ``target``: for CSV a column name (default: the last column of the header); for ``.npy``
    a column index (default: the last); for ``.npz`` it must be ``None``. Returns
    ``(x, y, info)`` as :func:`load_csv` and :func:`load_npy` do.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a,b\\n1,0\\n2,1\\n")
    >>> load_file(path)[2].target
    'b'
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        if target is not None and not isinstance(target, str):
            raise ValueError(
                f"{path}: expected target to be a column name or None for a CSV file. "
                f"Received: target={target!r}"
            )
        return _load_csv(path, target, ",", False)
    if suffix in (".npy", ".npz"):
        if isinstance(target, str):
            raise ValueError(
                f"{path}: a {suffix} file has no column names; expected target to be a "
                f"column index or None. Received: target={target!r}"
            )
        return load_npy(path, target)
    raise ValueError(
        f"{path}: unsupported file type {suffix or '(no extension)'!r}; "
        "expected one of: .csv, .npy, .npz"
    )
