"""Run the scalar loop (``_kernel.train_epochs``, or the written-out one of ``unrolled``)
compiled by Numba, or as plain Python over lists of floats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

from chainrule.fast import _kernel
from chainrule.fast._jit import cache_disabled, jit
from chainrule.fast.spec import LayerSpec, OptimizerSpec, StopRule
from chainrule.fast.unrolled import python_kernel, unrolled_kernel

__all__ = ["compiled_kernel", "KernelLoop", "kernel_loop"]


def compiled_kernel() -> Callable:
    """The jitted ``train_epochs`` (Numba must be installed), its machine code cached on disk
    unless the cache is disabled."""
    return _compiled_kernel(not cache_disabled())


@cache
def _compiled_kernel(on_disk: bool) -> Callable:
    return jit(_kernel.train_epochs, on_disk)


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
                 dtype: np.dtype, compiled: bool) -> None:
        self.layers = list(layers)
        self.loss = loss
        self.opt = optimizer
        self.dtype = np.dtype(dtype)
        self.compiled = compiled
        # float64 only: the written-out loop keeps weights in float64 registers between
        # steps, where the flat loop rounds them to the array's float32 after every step
        self.unrolled = compiled and self.dtype == np.float64
        self._kernels: dict[bool, Callable] = {}  # online or not -> the function to call
        self._last: tuple | None = None  # (shapes, arrays) of the last run
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
            x: np.ndarray, y: np.ndarray, orders: np.ndarray, epochs: int, batch: int,
            stop: StopRule, metrics: Sequence[Any] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Same contract as ``BlasLoop.run``, without metrics (the trainer gives runs that
        ask for metrics to the blas loop)."""
        if metrics:
            raise ValueError(f"the compiled loops compute no metrics; the blas loop does. "
                             f"Received: metrics={[m.name for m in metrics]}")
        adam = self.opt.kind == "adam"
        p, m, v, z, a, d, d_prev, x_flat, y_flat = self._arrays(x, y, batch)
        self._flat(params, p)
        if state and state[0]:
            self._flat([s[0] for s in state], m)
        else:
            m.fill(0.0)
        if adam:
            self._flat([s[1] for s in state], v)
        track, losses = stop.track(), np.zeros(epochs)
        args = [p, m, v, self.woff, self.boff, self.nin, self.nout, self.act, self.alpha,
                x_flat, y_flat, x.shape[0], orders.ravel(), orders.shape[0] > 1, epochs,
                batch, *self._optimizer_args(), step, z, a, self._aoff, d, d_prev,
                stop.correct_mode, float(stop.correct_value), stop.patience,
                float(stop.min_delta), float(stop.sign), stop.on_nan, track, losses]
        if self.compiled:
            ran = self._kernel(batch == 1)(*args)
        else:
            args = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
            ran = (python_kernel(self.layers, self.loss, self.opt, batch == 1)
                   or _kernel.train_epochs)(*args)
            p, m, v, track, losses = args[0], args[1], args[2], args[-2], args[-1]
        stop.read(track)
        self._unflat(np.asarray(p, self.dtype), params)
        if self.opt.momentum or adam:
            self._unflat(np.asarray(m, self.dtype), [s[0] for s in state])
        if adam:
            self._unflat(np.asarray(v, self.dtype), [s[1] for s in state])
        return np.asarray(losses, np.float64)[:ran], np.zeros((ran, 0))

    def _optimizer_args(self) -> list:
        opt = self.opt
        adam = opt.kind == "adam"
        return [self.loss, 1 if adam else 0, opt.learning_rate, opt.momentum,
                bool(opt.nesterov), opt.beta_1 if adam else 0.0, opt.beta_2 if adam else 0.0,
                opt.epsilon]

    def _arrays(self, x: np.ndarray, y: np.ndarray, batch: int) -> list[np.ndarray]:
        """p, m, v, z, a, d, d_prev, and x and y flat (copied next to them when small); the
        last run's when the shapes are the same (every value is written before it is read,
        but m when there is no state: ``run`` zeroes it)."""
        key = (batch, x.shape, y.shape)
        if self._last is None or self._last[0] != key:
            self._last = (key, self._new_arrays(x, y, batch))
        arrays = self._last[1]  # never the caller's x and y: the loop would keep them alive
        if x.size + y.size <= ARENA_MAX_DATA:
            arrays[-2][:] = x.ravel()
            arrays[-1][:] = y.ravel()
            return arrays
        return arrays + [x.ravel(), y.ravel()]

    def _new_arrays(self, x: np.ndarray, y: np.ndarray, batch: int) -> list[np.ndarray]:
        """The scratch arrays, and room for x and y when they are small."""
        rows = min(batch, x.shape[0])
        # a, z: the input rows, then every layer's rows, one region after another
        widths = np.concatenate([self.nin, self.nout[-1:]])
        self._aoff = np.concatenate([[0], np.cumsum(rows * widths)])
        widest = rows * int(max(self.nin.max(), self.nout.max()))
        sizes = [self.size] * 3 + [int(self._aoff[-1])] * 2 + [widest] * 2
        small = x.size + y.size <= ARENA_MAX_DATA
        return _arena(sizes + ([x.size, y.size] if small else []), self.dtype)

    def _kernel(self, online: bool) -> Callable:
        """The written-out loop for this network when it has one, else the flat
        ``_kernel.train_epochs``."""
        kernel = self._kernels.get(online)
        if kernel is None:
            if self.unrolled:
                kernel = unrolled_kernel(self.layers, self.loss, self.opt, online)
            kernel = self._kernels[online] = kernel or compiled_kernel()
        return kernel


@cache
def kernel_loop(layers: tuple[LayerSpec, ...], loss: int, optimizer: OptimizerSpec,
                dtype: np.dtype, compiled: bool) -> KernelLoop:
    """One ``KernelLoop`` per network, shared by every trainer of it: it holds no training
    state between runs, only arrays it fills afresh at the start of each."""
    return KernelLoop(layers, loss, optimizer, dtype, compiled)
