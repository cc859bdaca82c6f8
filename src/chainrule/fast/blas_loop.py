"""The batched trainer: preallocated buffers, in-place NumPy, the SGD step folded into GEMM.

One step on a batch of ``m`` rows, layer ``l`` with input ``a_prev (m, in)``::

    z = a_prev @ W + b;  a = f(z)                              forward
    δ_L = ∂(mean_batch loss)/∂z_L                              fused with the loss
    δ_prev = (δ @ Wᵀ) ⊙ f′(z_prev)                             with W before its update
    W ← W − η·a_prevᵀδ;  b ← b − η·Σ_rows δ                    (SGD; momentum, Adam likewise)

Every array is allocated once per batch size and reused; the last, shorter batch uses the
leading rows. Where NumPy's own BLAS is reachable (``_blas.py``) the SGD step is the GEMM
``W ← (−η)·a_prevᵀδ + 1·W`` and no gradient array exists; a layer after a ReLU layer then
trains ``[W; b]`` as one array against its input with a column of ones, so its bias is part
of both products. A step is a list of calls bound once per run (``Program``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chainrule.fast import _blas
from chainrule.fast._buffers import Buffers, Program, Views, storage_of
from chainrule.fast._kernel import _halts
from chainrule.fast._ops import (
    activation_ops,
    all_correct,
    derivative_ops,
    softmax_cross_entropy,
    softmax_unit_rows,
)
from chainrule.fast.spec import LOSSES, LayerSpec, OptimizerSpec, StopRule

__all__ = ["BlasLoop"]

_HALF_SSE, _SSE, _MSE, _BCE, _CCE = (LOSSES[k] for k in LOSSES)
# multiply-adds per example (Σ in·out) from which the folded GEMM pays for its ctypes call
GEMM_MIN_WORK = 32768


class BlasLoop:
    """Train ``layers`` with ``loss`` (a code) and ``optimizer``; state lives across runs."""

    def __init__(self, layers: Sequence[LayerSpec], loss: int, optimizer: OptimizerSpec,
                 dtype: np.dtype) -> None:
        self.layers = list(layers)
        self.loss = loss
        self.opt = optimizer
        self.dtype = np.dtype(dtype)
        # a ctypes call costs ~3 µs more than np.matmul: worth it only where products are big
        work = sum(s.units_in * s.units for s in self.layers)
        self.gemm = _blas.gemm(self.dtype) if work >= GEMM_MIN_WORK else None
        self.step = 0
        self._buffers: Buffers | None = None
        self._state: list[list[np.ndarray]] = []
        self._grads: dict[int, np.ndarray] = {}
        # plain SGD with the folded GEMM: a layer after a ReLU layer, with a bias, trains
        # [W; b] as one (in + 1, out) array against its input with a column of ones, so its
        # bias costs neither a copy before the product, nor a sum and an update after it
        self.folded = frozenset(
            layer for layer, spec in enumerate(self.layers)
            if layer > 0 and spec.use_bias and self.layers[layer - 1].activation == "relu"
            and self.gemm is not None and self._plain_sgd())
        self._augmented: dict[int, np.ndarray] = {}

    # -- state ---------------------------------------------------------------------------
    def _buffers_for(self, batch: int) -> Buffers:
        if self._buffers is None or self._buffers.batch != batch:
            ones_after = frozenset(layer - 1 for layer in self.folded)
            self._buffers = Buffers(self.layers, batch, self.dtype, ones_after)
        return self._buffers

    def _grad(self, at: int, like: np.ndarray) -> np.ndarray:
        """A gradient buffer for parameter ``at``, made only when a step needs one."""
        g = self._grads.get(at)
        if g is None:
            g = self._grads[at] = np.empty_like(like)
        return g

    # -- one run of epochs ------------------------------------------------------------------
    def run(self, params: list[np.ndarray], state: list[list[np.ndarray]], step: int,
            x: np.ndarray, y: np.ndarray, orders: np.ndarray, epochs: int, batch: int,
            stop: StopRule, metrics: Sequence[Any] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Train ``epochs`` epochs in place: ``params`` (kernel, then bias if any, per layer)
        and the optimizer ``state`` (per parameter: [v] for momentum, [m, v] for Adam) after
        ``step`` steps, until ``stop`` says so.

        x ``(n, in)`` and y ``(n, out)`` C-contiguous of the trainer's dtype; ``orders``
        ``(epochs, n)``, or ``(1, n)`` for the same order every epoch; ``metrics``:
        ``metric(t, y) -> (rows,)`` functions
        (``chainrule.nn.metrics``). Returns the per-epoch mean losses, and the per-epoch means
        of every metric over the outputs of the forward passes, each before its update
        ``(epochs, len(metrics))``; ``self.step`` is the new count.
        """
        self._state = state
        self.step = step
        buf = self._buffers_for(min(batch, x.shape[0]))
        weights = self._plan(params)
        try:
            return self._epochs(weights, buf, x, y, orders, epochs, batch, stop, metrics)
        finally:
            for at, w, b in self._weights(params):
                augmented = self._augmented.get(at)
                if augmented is not None:  # [W; b] back into W and b
                    np.copyto(w, augmented[:-1])
                    np.copyto(b, augmented[-1])

    def _epochs(self, weights: list[tuple], buf: Buffers, x: np.ndarray, y: np.ndarray,
                orders: np.ndarray, epochs: int, batch: int, stop: StopRule,
                metrics: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        # plain SGD: δ_L times η, so every δ of the backward pass is η·δ (it is linear in δ_L)
        # and the updates are W ← W − a_prevᵀ(ηδ), b ← b − Σ_rows ηδ, with no scaling each
        lr = self.opt.learning_rate if self._plain_sgd() else None
        n = x.shape[0]
        # softmax cross-entropy with every target row summing to exactly 1: δ = softmax − t,
        # and the loss Σ log s − Σ t·(z − max z) (s the row sums of e^(z − max z)), whose
        # logarithms are taken once an epoch over ``sums``
        sums = np.empty((n, 1), self.dtype) if self.loss == _CCE else None
        unit_rows = sums is not None and bool(
            np.all(np.add.reduce(y, axis=1, keepdims=True, out=sums) == 1.0))
        losses = np.empty(epochs)
        measured = np.zeros((epochs, len(metrics)))  # Σ over examples, per epoch
        programs: dict[int, Program] = {}  # per batch size: this run's weights, bound
        track = stop.track()
        for epoch in range(epochs):
            order = orders[epoch if orders.shape[0] > 1 else 0]
            total = self._epoch(weights, buf, programs, x, y, order, batch, lr,
                                sums if unit_rows else None, metrics, measured[epoch])
            if unit_rows:  # in place: peak memory matters when the data nearly fills it
                total += float(np.log(sums, out=sums).sum(dtype=np.float64))
            losses[epoch] = total / n
            halt = _halts(losses[epoch], epoch, stop.patience, stop.min_delta, stop.sign,
                          stop.on_nan, track)
            if stop.correct_mode and self._all_correct(weights, buf, x, y, stop, programs):
                track[3] = 1.0
            if halt or track[3]:
                stop.read(track)
                return losses[:epoch + 1], measured[:epoch + 1] / n
        stop.read(track)
        return losses, measured / n

    def _epoch(self, weights: list[tuple], buf: Buffers, programs: dict[int, Program],
               x: np.ndarray, y: np.ndarray, order: np.ndarray, batch: int,
               lr: float | None, sums: np.ndarray | None, metrics: Sequence[Any],
               measured: np.ndarray) -> float:
        """Train one epoch in the order ``order``; returns the sum of its losses (for the
        unit-row softmax, without the Σ log s that ``_epochs`` adds); metric sums go to
        ``measured``."""
        total = 0.0
        take_x, take_y = x.take, y.take
        for start in range(0, x.shape[0], batch):
            index = order[start:start + batch]
            rows = index.shape[0]
            program = programs.get(rows)
            if program is None:
                program = programs[rows] = self._program(weights, buf.views[rows])
            v = program.views
            # the methods themselves: np.take adds a Python frame, a sizeable part of a
            # small step
            take_x(index, axis=0, out=v.x, mode="clip")
            take_y(index, axis=0, out=v.t, mode="clip")
            for operation in program.forward:
                operation()
            if sums is not None:
                total -= softmax_unit_rows(v, sums[start:start + batch],
                                                 (1.0 if lr is None else lr) / rows)
            else:
                total += self._output_delta(v, program.output)
                if lr is not None:
                    v.d[-1] *= lr
            for k, metric in enumerate(metrics):  # the outputs before this update
                measured[k] += float(metric(v.t, v.a[-1]).sum())
            self.step += 1
            for operation in program.backward:
                operation()
        return total

    def _plain_sgd(self) -> bool:
        return self.opt.kind == "sgd" and self.opt.momentum == 0.0

    def _weights(self, params: list[np.ndarray]):
        at = 0
        for spec in self.layers:
            w = params[at]
            b = params[at + 1] if spec.use_bias else None
            yield at, w, b
            at += 2 if spec.use_bias else 1

    def _plan(self, params: list[np.ndarray]) -> list[tuple]:
        """Per layer, for one run: (spec, at, W, Wᵀ, b, W's gradient or None, b's or None,
        [W; b] or None).

        The gradients are given only where plain SGD applies them in NumPy (W's: without
        the folded GEMM); otherwise ``_apply`` takes the step. A layer in ``folded`` trains
        its [W; b] copy, W being a view of it and b None; ``run`` copies it back.
        """
        plain = self._plain_sgd()
        plan = []
        for layer, (spec, (at, w, b)) in enumerate(zip(self.layers, self._weights(params))):
            augmented = None
            if layer in self.folded:
                augmented = storage_of(w, b)  # a Dense layer's own [W; b]: nothing to copy
                if augmented is None:  # a copy of this loop's, written back after the run
                    augmented = self._augmented.get(at)
                    if augmented is None:
                        augmented = self._augmented[at] = np.empty(
                            (w.shape[0] + 1, w.shape[1]), self.dtype)
                    np.copyto(augmented[:-1], w)
                    np.copyto(augmented[-1], b)
                else:
                    self._augmented.pop(at, None)
                w, b = augmented[:-1], None
            gw = self._grad(at, w) if plain and self.gemm is None else None
            gb = self._grad(at + 1, b) if plain and b is not None else None
            plan.append((spec, at, w, w.T, b, gw, gb, augmented))
        return plan

    # -- one step as a list of calls ---------------------------------------------------------
    def _program(self, weights: list[tuple], v: Views) -> Program:
        return Program(v, self._forward_ops(weights, v),
                        derivative_ops(self.layers[-1], v, len(self.layers) - 1),
                        self._backward_ops(weights, v))

    def _forward_ops(self, weights: list[tuple], v: Views) -> list[Callable[[], object]]:
        """z = a_prev @ W + b;  a = f(z), layer by layer, from ``v.x``."""
        ops: list[Callable[[], object]] = []
        gemm = self.gemm
        a_prev = v.x
        for layer, (spec, _, w, _, b, _, _, augmented) in enumerate(weights):
            z, a = v.z[layer], v.a[layer]
            if augmented is not None:  # z ← [a_prev 1]·[W; b]
                ops.append(gemm.bind(v.inputs_ext[layer], augmented, z))
            elif gemm is None:
                ops.append(partial(np.matmul, a_prev, w, out=z))
                if b is not None:
                    ops.append(partial(np.add, z, b, out=z))
            elif b is None:
                ops.append(gemm.bind(a_prev, w, z))
            else:  # z ← b, then z ← a_prev·W + 1·z
                ops += [partial(np.copyto, z, b), gemm.bind(a_prev, w, z, 1.0, 1.0)]
            ops += activation_ops(spec, z, a, v, layer)
            a_prev = a
        return ops

    # -- loss and the output delta --------------------------------------------------------------
    def _output_delta(self, v: Views, derivative: list[Callable[[], object]]) -> float:
        """δ_L of the batch objective (mean over rows) into ``v.d[-1]``; returns Σ losses.
        ``derivative``: the calls that multiply ``v.d[-1]`` by f′ of the output layer."""
        spec = self.layers[-1]
        z, a, d, t = v.z[-1], v.a[-1], v.d[-1], v.t
        rows = v.rows
        k = spec.units
        if self.loss == _CCE:
            return softmax_cross_entropy(v, z, a, t, d)
        last = len(self.layers) - 1
        tmp = v.tmp[last]
        if self.loss == _BCE:  # max(z, 0) − z t + ln(1 + e^−|z|);  ∂/∂z = σ(z) − t
            np.abs(z, out=tmp)
            np.negative(tmp, out=tmp)
            with np.errstate(under="ignore"):
                np.exp(tmp, out=tmp)
            np.log1p(tmp, out=tmp)
            np.maximum(z, v.zeros[last], out=d)
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
        for operation in derivative:
            operation()
        return total

    # -- backward and the update ----------------------------------------------------------------
    def _backward_ops(self, weights: list[tuple], v: Views) -> list[Callable[[], object]]:
        """δ_prev from δ, then each layer's update; for plain SGD δ is already η·δ."""
        ops: list[Callable[[], object]] = []
        gemm = self.gemm
        opt = self.opt
        plain = self._plain_sgd()
        for layer in range(len(weights) - 1, -1, -1):
            _, at, w, wt, b, gw, gb, augmented = weights[layer]
            d = v.d[layer]
            a_prev = v.inputs[layer]
            if layer > 0:  # δ_prev = (δ @ Wᵀ) ⊙ f′(z_prev), with W before its update
                d_prev = v.d[layer - 1]
                ops.append(gemm.bind(d, w, d_prev, trans_b=True) if gemm is not None
                           else partial(np.matmul, d, wt, out=d_prev))
                ops += derivative_ops(weights[layer - 1][0], v, layer - 1)
            if plain:  # d = η·δ: W ← W − a_prevᵀd;  b ← b − Σ_rows d
                if augmented is not None:  # both in one GEMM: [W; b] ← [W; b] − [a_prev 1]ᵀd
                    ops.append(gemm.bind(v.inputs_ext[layer], d, augmented, -1.0, 1.0,
                                         trans_a=True))
                elif gemm is not None:  # in one GEMM, no gradient array
                    ops.append(gemm.bind(a_prev, d, w, -1.0, 1.0, trans_a=True))
                else:
                    ops += [partial(np.matmul, v.inputs_t[layer], d, out=gw),
                            partial(np.subtract, w, gw, out=w)]
                if b is not None:
                    ops += [partial(np.add.reduce, d, axis=0, out=gb),
                            partial(np.subtract, b, gb, out=b)]
                continue
            if gemm is not None and opt.kind == "sgd" and not opt.nesterov:
                # v ← μv − η·a_prevᵀδ in one GEMM, then W ← W + v
                velocity = self._state[at][0]
                ops += [gemm.bind(a_prev, d, velocity, -opt.learning_rate, opt.momentum,
                                  trans_a=True), partial(np.add, w, velocity, out=w)]
            else:
                g = self._grad(at, w)
                ops += [gemm.bind(a_prev, d, g, trans_a=True) if gemm is not None
                        else partial(np.matmul, v.inputs_t[layer], d, out=g),
                        partial(self._apply, at, w, g)]
            if b is not None:
                g = self._grad(at + 1, b)
                ops += [partial(np.add.reduce, d, axis=0, out=g),
                        partial(self._apply, at + 1, b, g)]
        return ops

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
        else:  # momentum (plain SGD is folded into the backward pass)
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
    def _all_correct(self, weights: list[tuple], buf: Buffers, x: np.ndarray,
                     y: np.ndarray, stop: StopRule, programs: dict[int, Program]) -> bool:
        """Every training example correct under ``stop`` (``StopRule``), on a fresh forward
        pass with the current weights."""
        last = len(self.layers) - 1
        for start in range(0, x.shape[0], buf.batch):
            xb = x[start:start + buf.batch]
            rows = xb.shape[0]
            program = programs.get(rows)
            if program is None:
                program = programs[rows] = self._program(weights, buf.views[rows])
            v = program.views
            np.copyto(v.x, xb)
            for operation in program.forward:
                operation()
            softmax = self.layers[-1].activation == "softmax"
            if not all_correct(v.z[last] if softmax else v.a[last], softmax,
                               y[start:start + buf.batch], stop):
                return False
        return True
