"""The blas loop's arrays: z, a, δ and scratch of every layer for one batch size, their
leading rows per batch size, and a step as lists of calls bound to them (``blas_loop``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chainrule.fast.spec import LayerSpec

__all__ = ["Buffers", "Views", "Program", "Lazy", "storage_of"]


class Buffers:
    """z, a, δ of every layer for ``batch`` rows, plus scratch of the same shapes.

    A layer in ``ones_after`` (ReLU only) writes z, and max(z, 0) in place, into the leading
    columns of ``ext[layer]``, whose last column is all ones: the next layer's bias is then a
    last row of its kernel. Its δ are the leading columns of ``d_ext[layer]`` (last column
    zero). ReLU and its derivative run over the whole of both, contiguous, and leave those
    columns as they are (max(1, 0) = 1, 0·1 = 0): NumPy is ~4× slower over the leading
    columns alone.
    """

    def __init__(self, layers: Sequence[LayerSpec], batch: int, dtype: np.dtype,
                 ones_after: frozenset[int] = frozenset()) -> None:
        self.batch = batch
        self.x = np.empty((batch, layers[0].units_in), dtype)
        self.t = np.empty((batch, layers[-1].units), dtype)
        self.ext: dict[int, np.ndarray] = {}
        self.d_ext: dict[int, np.ndarray] = {}
        for layer in ones_after:
            assert layers[layer].activation == "relu"
            self.ext[layer] = np.empty((batch, layers[layer].units + 1), dtype)
            self.ext[layer][:, -1] = 1.0
            self.d_ext[layer] = np.zeros_like(self.ext[layer])
        self.a = [self.ext[layer][:, :-1] if layer in self.ext
                  else np.empty((batch, s.units), dtype) for layer, s in enumerate(layers)]
        # ReLU in place: its derivative reads z > 0, which max(z, 0) > 0 tells as well, and no
        # loss reads a ReLU layer's z afterwards (``check_network``)
        self.z = [a if s.activation in ("linear", "relu") else np.empty((batch, s.units), dtype)
                  for s, a in zip(layers, self.a)]
        self.d = [self.d_ext[layer][:, :-1] if layer in self.d_ext
                  else np.empty((batch, s.units), dtype) for layer, s in enumerate(layers)]
        # scratch made on first use only: peak memory matters when the data nearly fills it
        self.tmp = Lazy(lambda layer: np.empty((batch, layers[layer].units), dtype))
        self.mask = Lazy(lambda layer: np.empty(self._whole(layer).shape, bool))
        # one array of zeros per width, read only (max(z, 0) against an array of zeros is
        # several times faster than against the scalar)
        widths = Lazy(lambda units: np.zeros((batch, units), dtype))
        self.zeros = Lazy(lambda layer: widths[self._whole(layer).shape[1]])
        self.row = np.empty((batch, 1), dtype)
        # the leading rows of all of the above, sliced once per batch size
        self.views = Lazy(lambda rows: Views(self, rows))

    def _whole(self, layer: int) -> np.ndarray:
        """The array ReLU runs over: z, or all of ``ext``."""
        return self.ext.get(layer, self.z[layer])


class Views:
    """The leading ``rows`` rows of every buffer of ``buf``: no slicing per step."""

    def __init__(self, buf: Buffers, rows: int) -> None:
        self.rows = rows
        self.x, self.t, self.row = buf.x[:rows], buf.t[:rows], buf.row[:rows]
        self.z = [z[:rows] for z in buf.z]
        self.a = [a[:rows] for a in buf.a]
        self.d = [d[:rows] for d in buf.d]
        # each layer's input, and its transpose for the kernel's gradient a_prevᵀδ
        self.inputs = [self.x] + self.a[:-1]
        self.inputs_t = [a.T for a in self.inputs]
        # each layer's input with the column of ones where it has one
        self.inputs_ext = [self.x] + [buf.ext[layer][:rows] if layer in buf.ext else a
                                      for layer, a in enumerate(self.a[:-1])]
        self.ext = {layer: e[:rows] for layer, e in buf.ext.items()}
        self.d_ext = {layer: e[:rows] for layer, e in buf.d_ext.items()}
        self.tmp = Lazy(lambda layer: buf.tmp[layer][:rows])
        self.mask = Lazy(lambda layer: buf.mask[layer][:rows])
        self.zeros = Lazy(lambda layer: buf.zeros[layer][:rows])


class Program:
    """One training step for one batch size as lists of calls bound to one run's arrays:
    ``forward`` (x to the output), ``output`` (δ_L ⊙ f′ where the loss needs it) and
    ``backward`` (the δs and every update). Binding once saves a step the argument
    handling and lookups of several dozen calls."""

    __slots__ = ("views", "forward", "output", "backward")

    def __init__(self, views: Views, forward, output, backward) -> None:
        self.views, self.forward, self.output, self.backward = views, forward, output, backward


def storage_of(w: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """The C-contiguous (in + 1, out) array whose leading rows are ``w`` and whose last row
    is ``b`` (as ``Dense.build`` makes them), or None."""
    base = w.base
    if (base is None or b.base is not base or base.ndim != 2 or not base.flags.c_contiguous
            or base.shape != (w.shape[0] + 1, w.shape[1]) or not base.flags.writeable):
        return None
    if w.ctypes.data != base.ctypes.data or b.ctypes.data != base[-1].ctypes.data \
            or w.strides != base.strides or b.strides != base.strides[1:]:
        return None
    return base


class Lazy(dict):
    """``lazy[layer]``: an array made by ``make(layer)`` the first time it is asked for."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, layer: int) -> np.ndarray:
        array = self[layer] = self.make(layer)
        return array
