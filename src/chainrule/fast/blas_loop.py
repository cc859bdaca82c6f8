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
of both products. A step is a list of calls bound once per run (``_Program``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from chainrule.fast import _blas
from chainrule.fast.spec import LOSSES, LayerSpec, OptimizerSpec

__all__ = ["BlasLoop"]

_HALF_SSE, _SSE, _MSE, _BCE, _CCE = (LOSSES[k] for k in LOSSES)
# multiply-adds per example (Σ in·out) from which the folded GEMM pays for its ctypes call
GEMM_MIN_WORK = 32768


class _Buffers:
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
        self.ones_after = ones_after
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
        self.tmp = _Lazy(lambda layer: np.empty((batch, layers[layer].units), dtype))
        self.mask = _Lazy(lambda layer: np.empty(self._whole(layer).shape, bool))
        # one array of zeros per width, read only (max(z, 0) against an array of zeros is
        # several times faster than against the scalar)
        widths = _Lazy(lambda units: np.zeros((batch, units), dtype))
        self.zeros = _Lazy(lambda layer: widths[self._whole(layer).shape[1]])
        self.row = np.empty((batch, 1), dtype)
        # the leading rows of all of the above, sliced once per batch size
        self.views = _Lazy(lambda rows: _Views(self, rows))

    def _whole(self, layer: int) -> np.ndarray:
        """The array ReLU runs over: z, or all of ``ext``."""
        return self.ext.get(layer, self.z[layer])


class _Views:
    """The leading ``rows`` rows of every buffer of ``buf``: no slicing per step."""

    def __init__(self, buf: _Buffers, rows: int) -> None:
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
        self.tmp = _Lazy(lambda layer: buf.tmp[layer][:rows])
        self.mask = _Lazy(lambda layer: buf.mask[layer][:rows])
        self.zeros = _Lazy(lambda layer: buf.zeros[layer][:rows])


class _Program:
    """One training step for one batch size as lists of calls bound to one run's arrays:
    ``forward`` (x to the output), ``output`` (δ_L ⊙ f′ where the loss needs it) and
    ``backward`` (the δs and every update). Binding once saves a step the argument
    handling and lookups of several dozen calls."""

    __slots__ = ("views", "forward", "output", "backward")

    def __init__(self, views: _Views, forward, output, backward) -> None:
        self.views, self.forward, self.output, self.backward = views, forward, output, backward


def _storage_of(w: np.ndarray, b: np.ndarray) -> np.ndarray | None:
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


def _exp_negative(z: np.ndarray, out: np.ndarray) -> None:
    """out ← e^−z; e^−z may overflow to inf for very negative z, giving σ = 0 exactly."""
    np.negative(z, out=out)
    with np.errstate(over="ignore", under="ignore"):
        np.exp(out, out=out)


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
        # plain SGD with the folded GEMM: a layer after a ReLU layer, with a bias, trains
        # [W; b] as one (in + 1, out) array against its input with a column of ones, so its
        # bias costs neither a copy before the product, nor a sum and an update after it
        self.folded = frozenset(
            layer for layer, spec in enumerate(self.layers)
            if layer > 0 and spec.use_bias and self.layers[layer - 1].activation == "relu"
            and self.gemm is not None and self._plain_sgd())
        self._augmented: dict[int, np.ndarray] = {}

    # -- state ---------------------------------------------------------------------------
    def _buffers_for(self, batch: int) -> _Buffers:
        if self._buffers is None or self._buffers.batch != batch:
            ones_after = frozenset(layer - 1 for layer in self.folded)
            self._buffers = _Buffers(self.layers, batch, self.dtype, ones_after)
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
            stop: tuple[int, float], metrics: Sequence[Any] = ()
            ) -> tuple[np.ndarray, np.ndarray]:
        """Train in place: ``params`` (kernel, then bias if any, per layer) and the optimizer
        ``state`` (per parameter: [v] for momentum, [m, v] for Adam) after ``step`` steps.

        x ``(n, in)`` and y ``(n, out)`` C-contiguous of the trainer's dtype; ``orders``
        ``(epochs, n)``; ``metrics``: ``metric(t, y) -> (rows,)`` functions
        (``chainrule.nn.metrics``). Returns the per-epoch mean losses, and the per-epoch means
        of every metric over the outputs of the forward passes, each before its update
        ``(epochs, len(metrics))``; ``self.step`` is the new count.
        """
        self._state = state
        self.step = step
        buf = self._buffers_for(min(batch, x.shape[0]))
        weights = self._plan(params)
        try:
            return self._epochs(weights, buf, x, y, orders, batch, stop, metrics)
        finally:
            for at, w, b in self._weights(params):
                augmented = self._augmented.get(at)
                if augmented is not None:  # [W; b] back into W and b
                    np.copyto(w, augmented[:-1])
                    np.copyto(b, augmented[-1])

    def _epochs(self, weights: list[tuple], buf: _Buffers, x: np.ndarray, y: np.ndarray,
                orders: np.ndarray, batch: int, stop: tuple[int, float],
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
        losses = np.empty(orders.shape[0])
        measured = np.zeros((orders.shape[0], len(metrics)))  # Σ over examples, per epoch
        programs: dict[int, _Program] = {}  # per batch size: this run's weights, bound
        take_x, take_y = x.take, y.take
        for epoch, order in enumerate(orders):
            total = 0.0
            for start in range(0, n, batch):
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
                if unit_rows:
                    total -= self._softmax_unit_rows(v, sums[start:start + batch],
                                                     (1.0 if lr is None else lr) / rows)
                else:
                    total += self._output_delta(v, program.output)
                    if lr is not None:
                        v.d[-1] *= lr
                for k, metric in enumerate(metrics):  # the outputs before this update
                    measured[epoch, k] += float(metric(v.t, v.a[-1]).sum())
                self.step += 1
                for operation in program.backward:
                    operation()
            if unit_rows:  # in place: peak memory matters when the data nearly fills it
                total += float(np.log(sums, out=sums).sum(dtype=np.float64))
            losses[epoch] = total / n
            if stop[0] and self._all_correct(weights, buf, x, y, stop, programs):
                return losses[:epoch + 1], measured[:epoch + 1] / n
        return losses, measured / n

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
                augmented = _storage_of(w, b)  # a Dense layer's own [W; b]: nothing to copy
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
    def _program(self, weights: list[tuple], v: _Views) -> _Program:
        return _Program(v, self._forward_ops(weights, v),
                        self._derivative_ops(self.layers[-1], v, len(self.layers) - 1),
                        self._backward_ops(weights, v))

    def _forward_ops(self, weights: list[tuple], v: _Views) -> list[Callable[[], object]]:
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
            ops += self._activation_ops(spec, z, a, v, layer)
            a_prev = a
        return ops

    @staticmethod
    def _activation_ops(spec: LayerSpec, z: np.ndarray, a: np.ndarray, v: _Views,
                        layer: int) -> list[Callable[[], object]]:
        name = spec.activation
        if name in ("sigmoid", "bipolar_sigmoid"):  # 1/(1 + e^−z)
            ops = [partial(_exp_negative, z, a), partial(np.add, a, 1, out=a),
                   partial(np.reciprocal, a, out=a)]
            if name == "bipolar_sigmoid":
                ops += [partial(np.multiply, a, 2, out=a), partial(np.subtract, a, 1, out=a)]
            return ops
        if name == "tanh":
            return [partial(np.tanh, z, out=a)]
        if name == "relu":
            whole = v.ext.get(layer, z)
            return [partial(np.maximum, whole, v.zeros[layer], out=whole)]
        if name == "leaky_relu":
            alpha = spec.alpha
            if 0.0 <= alpha <= 1.0:  # max(z, αz) is z for z > 0, αz otherwise
                return [partial(np.multiply, z, alpha, out=a), partial(np.maximum, z, a, out=a)]
            return [lambda: np.copyto(a, np.where(z > 0, z, alpha * z))]
        return []  # linear: a is z; softmax: computed with the loss

    @staticmethod
    def _derivative_ops(spec: LayerSpec, v: _Views, layer: int) -> list[Callable[[], object]]:
        """d ← d ⊙ f′(z) for layer ``layer``, f′ written through a = f(z) as the engine
        writes it (for ReLU, z > 0 read from a, which is z after max(z, 0) in place)."""
        d, z, a = v.d[layer], v.z[layer], v.a[layer]
        name = spec.activation
        if name in ("linear", "softmax"):
            return []
        if name in ("relu", "leaky_relu"):
            mask = v.mask[layer]
            if name == "relu":
                z, d = v.ext.get(layer, z), v.d_ext.get(layer, d)
                return [partial(np.greater, z, 0, out=mask), partial(np.multiply, d, mask, out=d)]
        tmp = v.tmp[layer]
        if name == "sigmoid":  # σ(1 − σ)
            return [partial(np.subtract, 1, a, out=tmp), partial(np.multiply, tmp, a, out=tmp),
                    partial(np.multiply, d, tmp, out=d)]
        if name == "tanh":  # 1 − a²
            return [partial(np.multiply, a, a, out=tmp), partial(np.subtract, 1, tmp, out=tmp),
                    partial(np.multiply, d, tmp, out=d)]
        if name == "bipolar_sigmoid":  # ½(1 + a)(1 − a)
            return [partial(np.add, 1, a, out=tmp), partial(np.multiply, tmp, 0.5, out=tmp),
                    partial(np.multiply, d, tmp, out=d), partial(np.subtract, 1, a, out=tmp),
                    partial(np.multiply, d, tmp, out=d)]
        # leaky ReLU: 1 where z > 0, else α
        return [partial(np.greater, z, 0, out=mask), partial(np.copyto, tmp, spec.alpha),
                partial(np.copyto, tmp, 1, where=mask), partial(np.multiply, d, tmp, out=d)]

    # -- loss and the output delta --------------------------------------------------------------
    def _output_delta(self, v: _Views, derivative: list[Callable[[], object]]) -> float:
        """δ_L of the batch objective (mean over rows) into ``v.d[-1]``; returns Σ losses.
        ``derivative``: the calls that multiply ``v.d[-1]`` by f′ of the output layer."""
        spec = self.layers[-1]
        z, a, d, t = v.z[-1], v.a[-1], v.d[-1], v.t
        rows = v.rows
        k = spec.units
        if self.loss == _CCE:
            return self._softmax_cross_entropy(v, z, a, t, d)
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

    @staticmethod
    def _softmax_cross_entropy(v: _Views, z, a, t, d) -> float:
        """−Σ t log softmax(z) per row;  ∂/∂z = softmax(z)·Σt − t (a ← softmax(z)).

        With s the row sums of e^(z − max z): softmax = e^(z − max z)/s and
        −log softmax = log s − (z − max z).
        """
        row = v.row
        np.maximum.reduce(z, axis=1, keepdims=True, out=row)
        np.subtract(z, row, out=d)  # shifted
        np.exp(d, out=a)
        np.add.reduce(a, axis=1, keepdims=True, out=row)
        a /= row  # softmax
        np.log(row, out=row)
        d -= row  # log softmax
        total = -float(np.vdot(t, d))
        np.add.reduce(t, axis=1, keepdims=True, out=row)
        np.multiply(a, row, out=d)
        d -= t
        d *= 1.0 / v.rows
        return total

    @staticmethod
    def _softmax_unit_rows(v: _Views, sums: np.ndarray, scale: float) -> float:
        """``_softmax_cross_entropy`` where every row of t sums to 1: δ = softmax(z) − t,
        times ``scale`` (1/rows, or η/rows for plain SGD).

        Writes the row sums s of e^(z − max z) into ``sums`` and returns Σ t·(z − max z);
        the batch's loss is Σ log s minus that.
        """
        z, a, d, t, row = v.z[-1], v.a[-1], v.d[-1], v.t, v.row
        np.maximum.reduce(z, axis=1, keepdims=True, out=row)
        np.subtract(z, row, out=d)  # shifted
        np.exp(d, out=a)
        np.add.reduce(a, axis=1, keepdims=True, out=sums)
        a /= sums  # softmax
        shifted_t = float(np.vdot(t, d))  # a Python float: the epoch's sum stays float64
        np.subtract(a, t, out=d)
        d *= scale
        return shifted_t

    # -- backward and the update ----------------------------------------------------------------
    def _backward_ops(self, weights: list[tuple], v: _Views) -> list[Callable[[], object]]:
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
                ops += self._derivative_ops(weights[layer - 1][0], v, layer - 1)
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
    def _all_correct(self, weights: list[tuple], buf: _Buffers, x: np.ndarray,
                     y: np.ndarray, stop: tuple[int, float],
                     programs: dict[int, _Program]) -> bool:
        """Every training example correct under ``stop`` (``trainer.stop_rule``), on a fresh
        forward pass with the current weights."""
        mode, value = stop
        last = len(self.layers) - 1
        for start in range(0, x.shape[0], buf.batch):
            xb = x[start:start + buf.batch]
            t = y[start:start + buf.batch]
            rows = xb.shape[0]
            program = programs.get(rows)
            if program is None:
                program = programs[rows] = self._program(weights, buf.views[rows])
            v = program.views
            np.copyto(v.x, xb)
            for operation in program.forward:
                operation()
            out = v.a[last]
            if self.layers[-1].activation == "softmax":
                out = self._softmax(v.z[last])
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
