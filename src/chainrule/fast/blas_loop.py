"""The batched trainer: preallocated buffers, in-place NumPy, the SGD step folded into GEMM.

One step on a batch of ``m`` rows, layer ``l`` with input ``a_prev (m, in)``::

    z = a_prev @ W + b;  a = f(z)                              forward
    δ_L = ∂(mean_batch loss)/∂z_L                              fused with the loss
    δ_prev = (δ @ Wᵀ) ⊙ f′(z_prev)                             with W before its update
    W ← W − η·a_prevᵀδ;  b ← b − η·Σ_rows δ                    (SGD; momentum, Adam likewise)

Every array is allocated once per batch size and reused; the last, shorter batch uses the
leading rows. Where NumPy's own BLAS is reachable (``_blas.py``) the SGD step is the GEMM
``W ← (−η)·a_prevᵀδ + 1·W`` and no gradient array exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chainrule.fast import _blas
from chainrule.fast.spec import LOSSES, LayerSpec, OptimizerSpec

__all__ = ["BlasLoop"]

_HALF_SSE, _SSE, _MSE, _BCE, _CCE = (LOSSES[k] for k in LOSSES)
# multiply-adds per example (Σ in·out) from which the folded GEMM pays for its ctypes call
GEMM_MIN_WORK = 32768


class _Buffers:
    """z, a, δ of every layer for ``batch`` rows, plus scratch of the same shapes."""

    def __init__(self, layers: Sequence[LayerSpec], batch: int, dtype: np.dtype) -> None:
        self.batch = batch
        self.x = np.empty((batch, layers[0].units_in), dtype)
        self.t = np.empty((batch, layers[-1].units), dtype)
        self.z = [np.empty((batch, s.units), dtype) for s in layers]
        self.a = [z if s.activation == "linear" else np.empty_like(z)
                  for s, z in zip(layers, self.z)]
        self.d = [np.empty_like(z) for z in self.z]
        # scratch made on first use only: peak memory matters when the data nearly fills it
        self.tmp = _Lazy(lambda layer: np.empty_like(self.z[layer]))
        self.mask = _Lazy(lambda layer: np.empty(self.z[layer].shape, bool))
        self.zeros = _Lazy(lambda layer: np.zeros_like(self.z[layer]))
        self.row = np.empty((batch, 1), dtype)


class _Lazy(dict):
    """``lazy[layer]``: an array made by ``make(layer)`` the first time it is asked for."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, layer: int) -> np.ndarray:
        array = self[layer] = self.make(layer)
        return array


class BlasLoop:
    """Train ``layers`` with ``loss`` (a code) and ``optimizer``; state lives across runs."""

    def __init__(self, layers: Sequence[LayerSpec], loss: int, optimizer: OptimizerSpec,
                 dtype: np.dtype, use_blas: bool = True) -> None:
        self.layers = list(layers)
        self.loss = loss
        self.opt = optimizer
        self.dtype = np.dtype(dtype)
        # a ctypes call costs ~3 µs more than np.matmul: worth it only where products are big
        work = sum(s.units_in * s.units for s in self.layers)
        self.use_blas = use_blas
        self.gemm = _blas.gemm(self.dtype) if use_blas and work >= GEMM_MIN_WORK else None
        self.step = 0
        self._buffers: _Buffers | None = None
        self._state: list[list[np.ndarray]] = []
        self._grads: dict[int, np.ndarray] = {}

    # -- state ---------------------------------------------------------------------------
    def _buffers_for(self, batch: int) -> _Buffers:
        if self._buffers is None or self._buffers.batch != batch:
            self._buffers = _Buffers(self.layers, batch, self.dtype)
        return self._buffers

    def _grad(self, at: int, like: np.ndarray) -> np.ndarray:
        """A gradient buffer for parameter ``at``, made only when a step needs one."""
        g = self._grads.get(at)
        if g is None:
            g = self._grads[at] = np.empty_like(like)
        return g

    # -- one run of epochs ------------------------------------------------------------------
    def run(self, params: list[np.ndarray], state: list[list[np.ndarray]], step: int,
            x: np.ndarray, y: np.ndarray, orders: np.ndarray, batch: int,
            stop: tuple[int, float]) -> np.ndarray:
        """Train in place: ``params`` (kernel, then bias if any, per layer) and the optimizer
        ``state`` (per parameter: [v] for momentum, [m, v] for Adam) after ``step`` steps.

        x ``(n, in)`` and y ``(n, out)`` C-contiguous of the trainer's dtype; ``orders``
        ``(epochs, n)``. Returns the per-epoch mean losses; ``self.step`` is the new count.
        """
        self._state = state
        self.step = step
        buf = self._buffers_for(min(batch, x.shape[0]))
        n = x.shape[0]
        losses = np.empty(orders.shape[0])
        for epoch, order in enumerate(orders):
            total = 0.0
            for start in range(0, n, batch):
                index = order[start:start + batch]
                rows = index.shape[0]
                xb = buf.x[:rows]
                tb = buf.t[:rows]
                np.take(x, index, axis=0, out=xb, mode="clip")
                np.take(y, index, axis=0, out=tb, mode="clip")
                self._forward(params, buf, xb, rows)
                total += self._output_delta(buf, tb, rows)
                self.step += 1
                self._backward(params, buf, xb, rows)
            losses[epoch] = total / n
            if stop[0] and self._all_correct(params, buf, x, y, stop):
                return losses[:epoch + 1]
        return losses

    def _weights(self, params: list[np.ndarray]):
        at = 0
        for spec in self.layers:
            w = params[at]
            b = params[at + 1] if spec.use_bias else None
            yield at, w, b
            at += 2 if spec.use_bias else 1

    # -- forward ----------------------------------------------------------------------------
    def _forward(self, params: list[np.ndarray], buf: _Buffers, xb: np.ndarray,
                 rows: int) -> None:
        a_prev = xb
        for layer, (spec, (_, w, b)) in enumerate(zip(self.layers, self._weights(params))):
            z = buf.z[layer][:rows]
            if self.gemm is not None:
                if b is None:
                    self.gemm(a_prev, w, z)
                else:
                    np.copyto(z, b)
                    self.gemm(a_prev, w, z, 1.0, 1.0)
            else:
                np.matmul(a_prev, w, out=z)
                if b is not None:
                    z += b
            a = buf.a[layer][:rows]
            self._activate(spec, z, a, buf.zeros, layer)
            a_prev = a

    @staticmethod
    def _activate(spec: LayerSpec, z: np.ndarray, a: np.ndarray, zeros: _Lazy,
                  layer: int) -> None:
        name = spec.activation
        if name in ("sigmoid", "bipolar_sigmoid"):
            # 1/(1 + e^−z): e^−z may overflow to inf for very negative z, giving exactly 0
            np.negative(z, out=a)
            with np.errstate(over="ignore", under="ignore"):
                np.exp(a, out=a)
            a += 1
            np.reciprocal(a, out=a)
            if name == "bipolar_sigmoid":
                a *= 2
                a -= 1
        elif name == "tanh":
            np.tanh(z, out=a)
        elif name == "relu":
            np.maximum(z, zeros[layer][:z.shape[0]], out=a)
        elif name == "leaky_relu":
            if 0.0 <= spec.alpha <= 1.0:  # max(z, αz) is z for z > 0, αz otherwise
                np.multiply(z, spec.alpha, out=a)
                np.maximum(z, a, out=a)
            else:
                np.copyto(a, np.where(z > 0, z, spec.alpha * z))
        # linear: a is z; softmax: computed with the loss

    # -- loss and the output delta --------------------------------------------------------------
    def _output_delta(self, buf: _Buffers, t: np.ndarray, rows: int) -> float:
        """δ_L of the batch objective (mean over rows) into ``buf.d[-1]``; returns Σ losses."""
        last = len(self.layers) - 1
        spec = self.layers[-1]
        z, a = buf.z[last][:rows], buf.a[last][:rows]
        d = buf.d[last][:rows]
        k = spec.units
        if self.loss == _CCE:
            return self._softmax_cross_entropy(buf, z, a, t, d, rows)
        tmp = buf.tmp[last][:rows]
        if self.loss == _BCE:  # max(z, 0) − z t + ln(1 + e^−|z|);  ∂/∂z = σ(z) − t
            np.abs(z, out=tmp)
            np.negative(tmp, out=tmp)
            with np.errstate(under="ignore"):
                np.exp(tmp, out=tmp)
            np.log1p(tmp, out=tmp)
            np.maximum(z, buf.zeros[last][:rows], out=d)
            tmp += d
            np.multiply(z, t, out=d)
            tmp -= d
            total = float(tmp.sum()) / k
            np.subtract(a, t, out=d)
            d *= 1.0 / rows / k
            return total
        np.subtract(a, t, out=d)  # y − t
        np.multiply(d, d, out=tmp)
        total = float(tmp.sum())
        total = 0.5 * total if self.loss == _HALF_SSE else total
        total = total / k if self.loss == _MSE else total
        factor = {_HALF_SSE: 1.0, _SSE: 2.0, _MSE: 2.0 / k}[self.loss]
        d *= factor / rows
        self._times_derivative(spec, d, z, a, buf, last)
        return total

    @staticmethod
    def _softmax_cross_entropy(buf: _Buffers, z, a, t, d, rows: int) -> float:
        """−Σ t log softmax(z) per row;  ∂/∂z = softmax(z)·Σt − t (a ← softmax(z))."""
        row = buf.row[:rows]
        z.max(axis=1, keepdims=True, out=row)
        np.subtract(z, row, out=d)  # shifted
        np.exp(d, out=a)
        a.sum(axis=1, keepdims=True, out=row)
        np.log(row, out=row)
        d -= row  # log softmax
        np.exp(d, out=a)
        d *= t
        total = -float(d.sum())
        t.sum(axis=1, keepdims=True, out=row)
        np.multiply(a, row, out=d)
        d -= t
        d *= 1.0 / rows
        return total

    @staticmethod
    def _times_derivative(spec: LayerSpec, d, z, a, buf: _Buffers, layer: int) -> None:
        """d ← d ⊙ f′(z), with f′ written through a = f(z) as the engine writes it."""
        name = spec.activation
        if name == "linear":
            return
        rows = d.shape[0]
        if name in ("relu", "leaky_relu"):
            mask = buf.mask[layer][:rows]
        if name != "relu":
            tmp = buf.tmp[layer][:rows]
        if name == "sigmoid":  # σ(1 − σ)
            np.subtract(1, a, out=tmp)
            tmp *= a
            d *= tmp
        elif name == "tanh":  # 1 − a²
            np.multiply(a, a, out=tmp)
            np.subtract(1, tmp, out=tmp)
            d *= tmp
        elif name == "bipolar_sigmoid":  # ½(1 + a)(1 − a)
            np.add(1, a, out=tmp)
            tmp *= 0.5
            d *= tmp
            np.subtract(1, a, out=tmp)
            d *= tmp
        elif name == "relu":
            np.greater(z, 0, out=mask)
            np.multiply(d, mask, out=d)
        elif name == "leaky_relu":  # 1 where z > 0, else α
            np.greater(z, 0, out=mask)
            np.copyto(tmp, spec.alpha)
            np.copyto(tmp, 1, where=mask)
            d *= tmp

    # -- backward and the update ----------------------------------------------------------------
    def _backward(self, params: list[np.ndarray], buf: _Buffers, xb: np.ndarray,
                  rows: int) -> None:
        weights = list(self._weights(params))
        for layer in range(len(self.layers) - 1, -1, -1):
            at, w, b = weights[layer]
            d = buf.d[layer][:rows]
            a_prev = buf.a[layer - 1][:rows] if layer > 0 else xb
            if layer > 0:  # δ_prev = (δ @ Wᵀ) ⊙ f′(z_prev), with W before its update
                d_prev = buf.d[layer - 1][:rows]
                if self.gemm is not None:
                    self.gemm(d, w, d_prev, trans_b=True)
                else:
                    np.matmul(d, w.T, out=d_prev)
                self._times_derivative(self.layers[layer - 1], d_prev, buf.z[layer - 1][:rows],
                                       a_prev, buf, layer - 1)
            self._update_kernel(at, w, a_prev, d)
            if b is not None:
                g = self._grad(at + 1, b)
                d.sum(axis=0, out=g)
                self._apply(at + 1, b, g)

    def _update_kernel(self, at: int, w: np.ndarray, a_prev: np.ndarray, d: np.ndarray) -> None:
        opt = self.opt
        if self.gemm is not None and opt.kind == "sgd" and not opt.nesterov:
            if opt.momentum == 0.0:  # W ← W − η·a_prevᵀδ in one GEMM
                self.gemm(a_prev, d, w, -opt.learning_rate, 1.0, trans_a=True)
            else:  # v ← μv − η·a_prevᵀδ in one GEMM, then W ← W + v
                v = self._state[at][0]
                self.gemm(a_prev, d, v, -opt.learning_rate, opt.momentum, trans_a=True)
                w += v
            return
        g = self._grad(at, w)
        if self.gemm is not None:
            self.gemm(a_prev, d, g, trans_a=True)
        else:
            np.matmul(a_prev.T, d, out=g)
        self._apply(at, w, g)

    def _apply(self, at: int, w: np.ndarray, g: np.ndarray) -> None:
        """One optimizer step on parameter ``at`` given its gradient ``g`` (overwritten)."""
        opt = self.opt
        if opt.kind == "adam":
            m, v = self._state[at]
            b1, b2 = opt.beta_1, opt.beta_2
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            g *= g
            g *= 1.0 - b2
            v += g
            np.divide(v, 1.0 - b2 ** self.step, out=g)
            np.sqrt(g, out=g)
            g += opt.epsilon
            w -= opt.learning_rate * (m / (1.0 - b1 ** self.step)) / g
        elif opt.momentum == 0.0:
            g *= opt.learning_rate
            w -= g
        else:
            v = self._state[at][0]
            v *= opt.momentum
            g *= opt.learning_rate
            v -= g
            if opt.nesterov:  # w + μv − ηg
                w += opt.momentum * v
                w -= g
            else:
                w += v

    # -- stop when correct ------------------------------------------------------------------------
    def _all_correct(self, params: list[np.ndarray], buf: _Buffers, x: np.ndarray,
                     y: np.ndarray, stop: tuple[int, float]) -> bool:
        """Every training example correct under ``stop`` (``trainer.stop_rule``), on a fresh
        forward pass with the current weights."""
        mode, value = stop
        last = len(self.layers) - 1
        for start in range(0, x.shape[0], buf.batch):
            xb = x[start:start + buf.batch]
            t = y[start:start + buf.batch]
            rows = xb.shape[0]
            self._forward(params, buf, np.ascontiguousarray(xb), rows)
            out = buf.a[last][:rows]
            if self.layers[-1].activation == "softmax":
                out = self._softmax(buf.z[last][:rows])
            if mode == 1:
                correct = np.abs(out - t) <= value
            elif mode == 2:
                correct = np.argmax(out, axis=1) == np.argmax(t, axis=1)
            else:
                correct = (out > value) == (t > value)
            if not np.all(correct):
                return False
        return True

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        shifted = z - z.max(axis=1, keepdims=True)
        return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
