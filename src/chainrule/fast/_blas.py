"""GEMM with alpha and beta, through the BLAS library NumPy itself has loaded.

``np.matmul`` computes ``C = A·B`` only. The BLAS call underneath computes
``C ← α·op(A)·op(B) + β·C``, which folds the SGD step into the weight-gradient product:
``W ← W − η·(a_prevᵀ·δ)`` is one GEMM with ``α = −η, β = 1`` and no gradient array at all
(``v ← μv − η·a_prevᵀδ`` likewise, with ``β = μ``).

Only a library already mapped into this process is used. Loading a second BLAS (SciPy's own
OpenBLAS, say) gives two thread pools fighting over the cores and made every product several
times slower when measured. Each function found is checked against ``np.matmul`` once; when
none passes, ``gemm`` returns None and the caller stays with NumPy.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Callable
from functools import cache

import numpy as np

__all__ = ["gemm", "blas_library"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
# symbol pattern, integer width: NumPy's wheels ship "scipy_openblas64_" with a prefix and
# suffix on every symbol; other builds use plain CBLAS names
_SYMBOLS = (("scipy_cblas_{}gemm64_", ctypes.c_int64), ("cblas_{}gemm64_", ctypes.c_int64),
            ("cblas_{}gemm", ctypes.c_int))

def _loaded_libraries() -> list[str]:
    """Paths of the BLAS-like shared libraries mapped into this process (Linux), NumPy's first."""
    try:
        with open(f"/proc/{os.getpid()}/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[-1].strip() for line in maps if "/" in line}
    except OSError:
        return []
    names = [p for p in paths if any(key in os.path.basename(p).lower()
                                     for key in ("blas", "mkl_rt", "flexiblas"))]
    numpy_root = os.path.dirname(os.path.dirname(np.__file__))
    return sorted(names, key=lambda p: (not p.startswith(numpy_root), p))


def _bind(path: str, dtype: np.dtype) -> _Gemm | None:
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    letter = "s" if dtype == np.float32 else "d"
    scalar = ctypes.c_float if dtype == np.float32 else ctypes.c_double
    for pattern, integer in _SYMBOLS:
        if integer is ctypes.c_int and "64" in os.path.basename(path):
            continue  # an ILP64 build: 32-bit integers would be read wrongly
        function = getattr(library, pattern.format(letter), None)
        if function is None:
            continue
        function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, integer, integer, integer,
                             scalar, ctypes.c_void_p, integer, ctypes.c_void_p, integer, scalar,
                             ctypes.c_void_p, integer]
        function.restype = None
        candidate = _Gemm(function, integer, scalar)
        if _passes_check(candidate, dtype):
            return candidate
    return None


class _Gemm:
    """``gemm(a, b, c, alpha, beta, trans_a, trans_b)``: c ← alpha·op(a)·op(b) + beta·c, for
    row-major a, b, c whose rows are contiguous (C-contiguous, or leading rows or columns of
    such);
    ``gemm.bind(...)`` the same call made ready once, to run later with no arguments."""

    def __init__(self, function, integer, scalar) -> None:
        self.function, self.integer, self.scalar = function, integer, scalar

    @staticmethod
    def _arguments(a, b, c, alpha, beta, trans_a, trans_b) -> tuple:
        m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
        n = b.shape[0] if trans_b else b.shape[1]
        return (_ROW_MAJOR, _TRANS if trans_a else _NO_TRANS, _TRANS if trans_b else _NO_TRANS,
                m, n, k, alpha, a.ctypes.data, _leading(a, "a"), b.ctypes.data,
                _leading(b, "b"), beta, c.ctypes.data, _leading(c, "c"))

    def __call__(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, alpha: float = 1.0,
                 beta: float = 0.0, trans_a: bool = False, trans_b: bool = False) -> None:
        self.function(*self._arguments(a, b, c, alpha, beta, trans_a, trans_b))

    def bind(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, alpha: float = 1.0,
             beta: float = 0.0, trans_a: bool = False,
             trans_b: bool = False) -> Callable[[], None]:
        """The call, its arguments converted to C once (the conversion is most of a small
        call's cost). The arrays must outlive it and keep their memory."""
        kinds = (ctypes.c_int,) * 3 + (self.integer,) * 3 + (self.scalar, ctypes.c_void_p,
                                                                self.integer, ctypes.c_void_p,
                                                                self.integer, self.scalar,
                                                                ctypes.c_void_p, self.integer)
        converted = [kind(value) for kind, value in
                     zip(kinds, self._arguments(a, b, c, alpha, beta, trans_a, trans_b))]
        return functools.partial(self.function, *converted)


def _leading(a: np.ndarray, name: str) -> int:
    """BLAS's leading dimension of a row-major matrix whose rows may be spaced wider than
    they are long (the leading columns of a wider array)."""
    if a.ndim != 2 or (a.shape[1] > 1 and a.strides[1] != a.itemsize) or a.strides[0] < 0:
        raise ValueError(f"gemm needs rows of contiguous elements in {name}. Received: "
                         f"{name} of shape {a.shape}, strides {a.strides}")
    return max(a.strides[0] // a.itemsize, a.shape[1], 1)


def _passes_check(gemm: _Gemm, dtype: np.dtype) -> bool:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 3)).astype(dtype)
    b = rng.standard_normal((5, 4)).astype(dtype)
    c = rng.standard_normal((3, 4)).astype(dtype)
    expected = 0.5 * c - 0.25 * (a.T @ b)
    gemm(a, b, c, -0.25, 0.5, trans_a=True)
    d = np.empty((5, 5), dtype)
    gemm.bind(a, a, d, trans_b=True)()
    # the leading columns of wider arrays: the leading dimensions must be the row strides
    wide = np.zeros((5, 7), dtype)
    gemm(a[:3, :2], b[:2, :3], wide[:3, :3])
    tol = 1e-4 if dtype == np.float32 else 1e-12
    return bool(np.allclose(c, expected, rtol=tol, atol=tol)
                and np.allclose(d, a @ a.T, rtol=tol, atol=tol)
                and np.allclose(wide[:3, :3], a[:3, :2] @ b[:2, :3], rtol=tol, atol=tol)
                and not wide[:3, 3:].any() and not wide[3:].any())


@cache
def _find(dtype_name: str) -> tuple[_Gemm | None, str | None]:
    if os.environ.get("CHAINRULE_NO_CBLAS") or sys.platform != "linux":
        return None, None
    dtype = np.dtype(dtype_name)
    for path in _loaded_libraries():
        gemm_function = _bind(path, dtype)
        if gemm_function is not None:
            return gemm_function, path
    return None, None


def gemm(dtype: np.dtype | str) -> _Gemm | None:
    """``gemm(a, b, c, alpha, beta, trans_a, trans_b)`` for float32/float64, or None."""
    return _find(np.dtype(dtype).name)[0]


def blas_library(dtype: np.dtype | str = "float64") -> str | None:
    """The path of the library ``gemm`` calls into, or None."""
    return _find(np.dtype(dtype).name)[1]
