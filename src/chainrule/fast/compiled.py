"""Run ``_kernel.train_epochs`` compiled by Numba, or as plain Python over lists of floats.

Numba is imported here only, the first time a tiny network is trained, never by
``import chainrule``. ``cache=True`` writes the machine code next to ``_kernel.py`` (or to
Numba's per-user cache when that folder is read-only), so a later process loads it instead of
compiling again.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

from chainrule.fast.spec import LayerSpec, OptimizerSpec

__all__ = ["numba_available", "numba_blas_available", "compiled_kernel", "batched_kernel",
           "KernelLoop"]


@cache
def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def numba_blas_available() -> bool:
    """Whether Numba can compile ``np.dot``: its linear algebra calls SciPy's BLAS, so the
    batched loop needs SciPy installed as well."""
    import importlib.util

    return numba_available() and importlib.util.find_spec("scipy") is not None


@cache
def compiled_kernel() -> Callable | None:
    """The jitted ``train_epochs``, or None without Numba."""
    if not numba_available():
        return None
    import numba

    from chainrule.fast import _kernel

    if not _kernel.NUMBA_HELPERS:  # first imported by the plain-Python loop, before Numba
        _kernel = importlib.reload(_kernel)
    return numba.njit(cache=True, nogil=True)(_kernel.train_epochs)


@cache
def batched_kernel() -> Callable | None:
    """The jitted ``_batched.train_batches``, or None without Numba and SciPy."""
    if not numba_blas_available() or compiled_kernel() is None:  # makes _kernel's helpers jitable
        return None
    import numba

    from chainrule.fast import _batched

    return numba.njit(cache=True, nogil=True)(_batched.train_batches)


# float elements of training data copied next to the weights (see _arena)
ARENA_MAX_DATA = 65536


def _arena(sizes: Sequence[int], dtype: np.dtype) -> list[np.ndarray]:
    """Zeroed flat arrays carved from one allocation, each 64-byte aligned.

    Small arrays allocated one by one land anywhere; when a load and an earlier store are a
    multiple of 4 KiB apart the processor stalls the load as if they overlapped, which
    halved the speed of the 2-2-1 loop in some processes. Side by side they cannot be.
    """
    step = 64 // np.dtype(dtype).itemsize
    padded = [-(-max(size, 1) // step) * step for size in sizes]
    block = np.zeros(sum(padded) + step, dtype)
    start = (-block.ctypes.data % 64) // np.dtype(dtype).itemsize
    arrays = []
    for size, room in zip(sizes, padded):
        arrays.append(block[start:start + size])
        start += room
    return arrays


class KernelLoop:
    """Flat copies of the weights and state in, many epochs in one call, results back out."""

    def __init__(self, layers: Sequence[LayerSpec], loss: int, optimizer: OptimizerSpec,
                 dtype: np.dtype, compiled: bool, unrolled: bool = False,
                 batched: bool = False) -> None:
        self.layers = list(layers)
        self.loss = loss
        self.opt = optimizer
        self.dtype = np.dtype(dtype)
        self.compiled = compiled
        # float64 only: the written-out loop keeps weights in float64 registers between
        # steps, where the flat loop rounds them to the array's float32 after every step
        self.unrolled = compiled and unrolled and self.dtype == np.float64
        self._kernels: dict[bool, Callable] = {}  # online or not -> the function to call
        # matrix products by BLAS inside the compiled loop (mid-size layers, _batched.py)
        self.batched = compiled and batched
        sizes, offsets = [], []
        at = 0
        for spec in self.layers:
            offsets.append(at)
            at += spec.units_in * spec.units
            sizes.append(spec.units_in * spec.units)
            if spec.use_bias:
                offsets.append(at)
                at += spec.units
                sizes.append(spec.units)
        self.size = at
        self.param_offsets = offsets
        woff, boff, k = [], [], 0
        for spec in self.layers:
            woff.append(offsets[k])
            boff.append(offsets[k + 1] if spec.use_bias else -1)
            k += 2 if spec.use_bias else 1
        self.woff = np.array(woff, np.int64)
        self.boff = np.array(boff, np.int64)
        self.nin = np.array([s.units_in for s in self.layers], np.int64)
        self.nout = np.array([s.units for s in self.layers], np.int64)
        self.act = np.array([s.code for s in self.layers], np.int64)
        self.alpha = np.array([s.alpha for s in self.layers], np.float64)

    def _flat(self, arrays: Sequence[np.ndarray], flat: np.ndarray) -> None:
        for start, array in zip(self.param_offsets, arrays):
            flat[start:start + array.size] = array.ravel()

    def _unflat(self, flat: np.ndarray, arrays: Sequence[np.ndarray]) -> None:
        for start, array in zip(self.param_offsets, arrays):
            np.copyto(array, flat[start:start + array.size].reshape(array.shape))

    def run(self, params: list[np.ndarray], state: list[list[np.ndarray]], step: int,
            x: np.ndarray, y: np.ndarray, orders: np.ndarray, batch: int,
            stop: tuple[int, float], metrics: Sequence[Any] = ()
            ) -> tuple[np.ndarray, np.ndarray]:
        """Same contract as ``BlasLoop.run``, without metrics (the trainer gives runs that
        ask for metrics to the blas loop)."""
        if metrics:
            raise ValueError(f"the compiled loops compute no metrics; the blas loop does. "
                             f"Received: metrics={[m.name for m in metrics]}")
        opt = self.opt
        adam = opt.kind == "adam"
        rows = min(batch, x.shape[0])
        # a, z: the input rows, then every layer's rows, one region after another
        aoff = np.concatenate([[0], np.cumsum(rows * np.concatenate([self.nin, self.nout[-1:]]))])
        widest = rows * int(max(self.nin.max(), self.nout.max()))
        sizes = [self.size] * 3 + [int(aoff[-1])] * 2 + [widest] * 2 + [
            int(max(self.nin * self.nout))]
        small = x.size + y.size <= ARENA_MAX_DATA
        if small:
            sizes += [x.size, y.size]
        p, m, v, z, a, d, d_prev, g, *data = _arena(sizes, self.dtype)
        self._flat(params, p)
        if state and state[0]:
            self._flat([s[0] for s in state], m)
        if adam:
            self._flat([s[1] for s in state], v)
        x_flat, y_flat = x.ravel(), y.ravel()
        if small:
            data[0][:] = x_flat
            data[1][:] = y_flat
            x_flat, y_flat = data
        epochs = orders.shape[0]
        losses = np.zeros(epochs)
        args = [p, m, v, self.woff, self.boff, self.nin, self.nout, self.act, self.alpha,
                x_flat, y_flat, x.shape[0], orders.ravel(), epochs, batch, self.loss,
                1 if adam else 0, opt.learning_rate, opt.momentum, bool(opt.nesterov),
                opt.beta_1 if adam else 0.0, opt.beta_2 if adam else 0.0, opt.epsilon, step,
                z, a, aoff, d, d_prev, stop[0], float(stop[1]), losses]
        if self.batched:
            kernel = batched_kernel()
            if kernel is None:
                raise ValueError("the batched loop needs Numba and SciPy (pip install "
                                 "'chainrule[fast]'); use backend='auto'")
            ran = kernel(*args[:-3], g, *args[-3:])
        elif self.compiled:
            ran = self._kernel(batch == 1)(*args)
        else:
            ran = self._run_python(args, batch == 1)
            p, m, v, losses = args[0], args[1], args[2], args[-1]
        self._unflat(np.asarray(p, self.dtype), params)
        if opt.momentum or adam:
            self._unflat(np.asarray(m, self.dtype), [s[0] for s in state])
        if adam:
            self._unflat(np.asarray(v, self.dtype), [s[1] for s in state])
        return np.asarray(losses, np.float64)[:ran], np.zeros((ran, 0))

    def _kernel(self, online: bool) -> Callable:
        """The written-out loop for this network when asked for and it has one, else the flat
        ``_kernel.train_epochs``."""
        kernel = self._kernels.get(online)
        if kernel is None:
            if self.unrolled:
                from chainrule.fast.unrolled import unrolled_kernel

                kernel = unrolled_kernel(self.layers, self.loss, self.opt, online)
            kernel = self._kernels[online] = kernel or compiled_kernel()
        return kernel

    def _run_python(self, args: list, online: bool) -> int:
        """The kernel over Python lists: float arithmetic without a NumPy call per number;
        the written-out loop where the network has one (every float a Python float, as in
        the flat loop, so both agree to rounding in any dtype)."""
        from chainrule.fast import _kernel
        from chainrule.fast.unrolled import python_kernel

        for i, value in enumerate(args):
            if isinstance(value, np.ndarray):
                args[i] = value.tolist()
        kernel = python_kernel(self.layers, self.loss, self.opt, online)
        return (kernel or _kernel.train_epochs)(*args)
