"""Numba, imported on first use only: never by ``import chainrule`` or ``import chainrule.fast``.

``jit(function)`` compiles a training loop with ``cache=True``: the machine code is written
next to the loop's source (or to Numba's per-user cache when that folder is read-only), so a
later process loads it instead of compiling again. ``CHAINRULE_CACHE_DIR=off`` (or set and
empty) turns every such file off: loops compile in memory, again in every process
(``cache_disabled``).

Numba trusts a cached file while the hash of the loop's own source file is unchanged; but the
machine code also holds the calculus table's functions, the float code compiled from its
formula trees and the activation codes given by its order. So every cached loop is stamped
with the hash of those files too (``SOURCES``, ``fingerprint``): an edited table compiles
afresh instead of running yesterday's functions.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache

from chainrule.calculus import activations, formula
from chainrule.calculus import compile as compiler
from chainrule.fast import _kernel, spec

__all__ = ["numba_available", "jit", "cache_disabled", "SOURCES", "fingerprint"]

#: the modules whose code a compiled loop holds besides its own file's
SOURCES = (activations, compiler, formula, spec, _kernel)


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


@cache
def fingerprint() -> str:
    """The hash of the files of ``SOURCES``, as they are on disk."""
    digest = hashlib.sha256()
    for module in SOURCES:
        with open(module.__file__, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def _stamp(dispatcher: Callable) -> bool:
    """Stamp Numba's index of ``dispatcher``'s cached code with ``fingerprint`` beside the
    hash of its own file (an index stamped otherwise is stale: compiled afresh and
    overwritten). False if this Numba keeps its index elsewhere, or a source is unreadable."""
    index = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if index is None or not hasattr(index, "_source_stamp"):
        return False
    try:
        stamp = fingerprint()
    except OSError:  # a source that cannot be read (a zipped install): nothing to stamp with
        return False
    index._source_stamp = (index._source_stamp, stamp)
    return True


def jit(function: Callable, on_disk: bool = True) -> Callable:
    """``function`` compiled by Numba (``nogil``; cached on disk when ``on_disk`` and the
    cache is not disabled, stamped by ``_stamp``); it may call ``_kernel``'s helpers."""
    numba = _numba()
    on_disk = on_disk and not cache_disabled()
    dispatcher = numba.njit(cache=on_disk, nogil=True)(function)
    if on_disk and not _stamp(dispatcher):  # never trust a file that cannot be stamped
        dispatcher = numba.njit(nogil=True)(function)
    return dispatcher
