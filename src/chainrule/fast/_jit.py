"""Numba, imported on first use only: never by ``import chainrule`` or ``import chainrule.fast``.

``jit(function)`` compiles a training loop with ``cache=True``: the machine code is written
next to the loop's source (or to Numba's per-user cache when that folder is read-only), so a
later process loads it instead of compiling again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from chainrule.fast import _kernel

__all__ = ["numba_available", "jit"]


@cache
def numba_available() -> bool:
    """Whether Numba imports (a missing or blocked Numba: the loops run as plain Python)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _numba():
    import numba
    from numba.extending import register_jitable

    for helper in _kernel.HELPERS:  # the same function objects, now callable from jitted code
        register_jitable(helper)
    return numba


def jit(function: Callable) -> Callable:
    """``function`` compiled by Numba (``nogil``, cached on disk); it may call ``_kernel``'s
    helpers."""
    return _numba().njit(cache=True, nogil=True)(function)
