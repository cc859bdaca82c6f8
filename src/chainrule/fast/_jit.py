"""Numba, imported on first use only: never by ``import chainrule`` or ``import chainrule.fast``.

``jit(function)`` compiles a training loop with ``cache=True``: the machine code is written
next to the loop's source (or to Numba's per-user cache when that folder is read-only), so a
later process loads it instead of compiling again. ``CHAINRULE_CACHE_DIR=off`` (or set and
empty) turns every such file off: loops compile in memory, again in every process
(``cache_disabled``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

from chainrule.fast import _kernel

__all__ = ["numba_available", "jit", "cache_disabled"]


def cache_disabled() -> bool:
    """Whether ``$CHAINRULE_CACHE_DIR`` is ``off`` or set and empty: no kernel file written."""
    chosen = os.environ.get("CHAINRULE_CACHE_DIR")
    return chosen is not None and chosen.strip().lower() in ("", "off")


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


def jit(function: Callable, on_disk: bool = True) -> Callable:
    """``function`` compiled by Numba (``nogil``; cached on disk when ``on_disk`` and the
    cache is not disabled); it may call ``_kernel``'s helpers."""
    return _numba().njit(cache=on_disk and not cache_disabled(), nogil=True)(function)
