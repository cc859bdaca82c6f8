"""``Trainer``: the fused training loop behind ``fit``.

The math is the general engine's: per batch, the objective is the mean over its rows of the
per-example loss; each layer computes ``f(a_prev @ kernel + bias)``; SGD and Adam update as
``chainrule.calculus.optimizers`` writes them. Only the bookkeeping differs: no graph, buffers
made once, updates in place, many epochs a call. Which loop trains (``Trainer.backend_for``):

1. ≤ 4,096 multiply-adds a step (rows × Σ in·out): the scalar loop, compiled by Numba;
2. ≤ 64: the same loop as plain Python until the process has done 2,000,000 so, or compiled;
3. bigger, or logging training metrics: the NumPy loop (BLAS). No Numba: 2 or 3.

The scalar loop is written out weight by weight for networks of ≤ 32 parameters in float64
(``unrolled``); 2,000,000 multiply-adds are ~330,000 XOR steps, about 0.4 s of Python, no
more than importing Numba and loading a cached loop (0.3–0.9 s) would cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.fast._jit import numba_available
from chainrule.fast.blas_loop import BlasLoop
from chainrule.fast.compiled import kernel_loop
from chainrule.fast.spec import (
    LayerSpec,
    OptimizerSpec,
    StopRule,
    check_network,
    layer_spec,
    loss_code,
    optimizer_spec,
)

__all__ = ["Trainer", "BACKENDS", "stop_rule"]

BACKENDS = ("auto", "compiled", "python", "blas")
# multiply-adds per step (rows × Σ in·out) up to which the scalar loop beats BLAS calls
COMPILED_MAX_WORK = 4096
# ... and, run as plain Python, up to which it beats NumPy's calls
PYTHON_MAX_WORK = 64
# multiply-adds of tiny networks a process trains in plain Python before it imports Numba:
# importing it and loading a cached loop costs ~0.3–0.5 s, the written-out loop about 0.2 µs
# a multiply-add in Python: the budget is spent in about the time the import would take, so
# a short run (the demo: at most 10,000 epochs of XOR) never waits for Numba
PYTHON_BUDGET = 2_000_000
_spent = [0]  # multiply-adds this process has trained in plain Python, by every trainer


def stop_rule(criterion: Any, y: np.ndarray, softmax_output: bool) -> tuple[int, float]:
    """``(mode, value)`` of a stop-when-correct criterion, as ``StopWhenCorrect`` defines it.

    mode 0: never; 1: every |y − t| ≤ value; 2: argmax y = argmax t (softmax output);
    3: every output on the same side of the threshold ``value`` as its target (0.5, or 0 when
    some target is negative). ``criterion``: None, a tolerance, or an object with
    ``tolerance`` and ``threshold`` attributes (None when unset).
    """
    if criterion is None:
        return 0, 0.0
    if isinstance(criterion, (int, float)) and not isinstance(criterion, bool):
        tolerance, threshold = float(criterion), None
    else:
        tolerance = getattr(criterion, "tolerance", None)
        threshold = getattr(criterion, "threshold", None)
    if tolerance is not None:
        if not float(tolerance) > 0.0:
            raise ValueError(f"the tolerance must be > 0. Received: tolerance={tolerance!r}")
        return 1, float(tolerance)
    if softmax_output:
        return 2, 0.0
    if threshold is None:
        threshold = 0.0 if np.any(y < 0) else 0.5
    return 3, float(threshold)


class _Slot:
    """Where a parameter lives: a Tensor (its ``.data``) or a bare array."""

    def __init__(self, holder: Any) -> None:
        self.holder = holder

    def get(self) -> np.ndarray:
        return self.holder if isinstance(self.holder, np.ndarray) else self.holder.data


class Trainer:
    """Trains a Dense stack in place, as ``fit`` would, many epochs per call.

    Build one with ``chainrule.nn.fused.select(model, ...)`` or from arrays::

        >>> import numpy as np
        >>> from chainrule.fast import Trainer
        >>> w1, b1 = np.full((2, 2), 0.5), np.zeros(2)
        >>> w2, b2 = np.full((2, 1), 0.5), np.zeros(1)
        >>> trainer = Trainer.from_arrays([(w1, b1, "sigmoid"), (w2, b2, "sigmoid")],
        ...                               loss="half_sse", optimizer=("sgd", 0.5))
        >>> x = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
        >>> t = np.array([[0.], [1.], [1.], [0.]])
        >>> orders = np.tile(np.arange(4), (3, 1))        # 3 epochs, no shuffling
        >>> trainer.run(x, t, orders, batch_size=1).shape
        (3,)

    The optimizer's state (velocities, Adam's moments and step count) lives in the trainer
    and carries over from one ``run`` to the next.
    """

    def __init__(self, holders: Sequence[Any], layers: Sequence[LayerSpec], *, loss: Any,
                 optimizer: Any, dtype: Any = "float64", backend: str = "auto") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}. Received: backend={backend!r}")
        self.layers = list(layers)
        self.loss = loss_code(loss)
        check_network(self.layers, self.loss)
        self.optimizer: OptimizerSpec = optimizer_spec(optimizer)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64. Received: dtype={dtype!r}")
        self.slots = [_Slot(h) for h in holders]
        self.shapes = [s for spec in self.layers for s in
                       ([(spec.units_in, spec.units)] + ([(spec.units,)] if spec.use_bias else []))]
        if len(self.slots) != len(self.shapes):
            raise ValueError("one kernel, and one bias where the layer has one, per layer")
        self.backend = backend
        self.last_backend: str | None = None
        self.step = 0
        self.state: list[list[np.ndarray]] | None = None
        # set by select(): keeps the state in the nn optimizer, shared with the general engine
        self.shared_state: Any = None
        self._loops: dict[str, Any] = {}
        # multiply-adds of one example's step
        self.work_per_example = sum(spec.units_in * spec.units for spec in self.layers)

    @classmethod
    def from_arrays(cls, network: Sequence[tuple], *, loss: Any, optimizer: Any,
                    dtype: Any = None, backend: str = "auto") -> Trainer:
        """``network``: ``(kernel (in, out), bias (out,) or None, activation)`` per layer;
        activation a name or ``("leaky_relu", alpha)``; optimizer an ``OptimizerSpec``,
        ``("sgd", η)``, ``("sgd", η, μ)``, ``("sgd", η, μ, nesterov)``,
        ``("adam", η)``, or an SGD/Adam object. Arrays are trained in place."""
        layers = [layer_spec(np.asarray(w), b, act) for w, b, act in network]
        holders = [a for w, b, _ in network for a in ((w,) if b is None else (w, b))]
        if isinstance(optimizer, tuple):
            kind, *rest = optimizer
            names = ("learning_rate", "momentum", "nesterov") if kind == "sgd" else (
                "learning_rate", "beta_1", "beta_2", "epsilon")
            optimizer = OptimizerSpec(kind, **dict(zip(names, rest)))
        dtype = dtype if dtype is not None else np.asarray(network[0][0]).dtype
        return cls(holders, layers, loss=loss, optimizer=optimizer, dtype=dtype, backend=backend)

    # -- which loop -----------------------------------------------------------------------------
    def backend_for(self, batch_size: int, n: int | None = None, steps: int = 0,
                    metrics: bool = False) -> str:
        """The loop a run of ``steps`` steps of this batch size takes: ``"compiled"``,
        ``"python"`` or ``"blas"`` (the module's rule). A run that logs ``metrics`` takes
        the blas loop, the one that computes them."""
        if self.backend != "auto":
            return self.backend
        rows = batch_size if n is None else min(batch_size, n)
        work = rows * self.work_per_example
        if metrics or work > COMPILED_MAX_WORK:
            return "blas"
        if work <= PYTHON_MAX_WORK and (_spent[0] + steps * work <= PYTHON_BUDGET
                                        or not numba_available()):
            return "python"
        return "compiled" if numba_available() else "blas"

    def _loop(self, name: str):
        loop = self._loops.get(name)
        if loop is None:
            if name == "blas":
                loop = BlasLoop(self.layers, self.loss, self.optimizer, self.dtype)
            else:
                loop = kernel_loop(tuple(self.layers), self.loss, self.optimizer, self.dtype,
                                   name == "compiled")
            self._loops[name] = loop
        return loop

    # -- training ---------------------------------------------------------------------------------
    def run(self, x: Any, y: Any, orders: Any, batch_size: int,
            stop_when_correct: Any = None) -> np.ndarray:
        """Train ``len(orders)`` epochs; returns each epoch's mean per-example loss
        (``run_logged`` with no metrics). ``stop_when_correct``: None, a tolerance, or a
        ``StopWhenCorrect``-like object (``stop_rule``)."""
        x, y, orders = self._check_data(x, y, orders, batch_size)
        mode, value = stop_rule(stop_when_correct, y, self.layers[-1].activation == "softmax")
        return self.train(x, y, orders, orders.shape[0], batch_size, StopRule(mode, value))[0]

    def run_logged(self, x: Any, y: Any, orders: Any, batch_size: int,
                   stop: StopRule | None = None, metrics: Sequence[Any] = (),
                   epochs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Train ``epochs`` epochs (default ``len(orders)``); returns each epoch's mean
        per-example loss, and ``(epochs, len(metrics))`` means of the ``metrics``
        (``metric(t, y) -> (rows,)``), both over the forward passes of the epoch, each
        before its update, as ``fit`` logs them.

        x ``(n, in)``, y ``(n, out)``; ``orders`` ``(epochs, n)`` integer: epoch e visits
        examples ``orders[e]`` in batches ``orders[e][i : i + batch_size]`` — or ``(1, n)``,
        the same order every epoch. ``stop`` (``StopRule``) ends the run early; the returned
        arrays are then shorter, and ``stop`` says why. Weights are read from, and written
        back into, the arrays the trainer was built on.
        """
        x, y, orders = self._check_data(x, y, orders, batch_size)
        epochs = orders.shape[0] if epochs is None else int(epochs)
        if orders.shape[0] not in (1, epochs):
            raise ValueError(f"orders must have 1 or {epochs} rows. Received: {orders.shape}")
        return self.train(x, y, orders, epochs, batch_size, stop or StopRule(), metrics)

    def train(self, x: np.ndarray, y: np.ndarray, orders: np.ndarray, epochs: int,
              batch_size: int, stop: StopRule, metrics: Sequence[Any] = ()
              ) -> tuple[np.ndarray, np.ndarray]:
        """``run_logged`` without checking its arguments: x ``(n, in)`` and y ``(n, out)``
        C-contiguous float arrays, ``orders`` an int64 array of valid indices, as ``fit``
        hands them over."""
        if not (x.dtype == y.dtype == self.dtype and x.flags.c_contiguous
                and y.flags.c_contiguous):
            x, y = (np.ascontiguousarray(a, self.dtype) for a in (x, y))
        work = self._work_arrays()
        steps = epochs * -(-x.shape[0] // batch_size)
        name = self.backend_for(batch_size, x.shape[0], steps, metrics=bool(metrics))
        if metrics and name != "blas":
            raise ValueError(f"metrics are computed by the blas loop only. Received: "
                             f"backend={self.backend!r}")
        if name == "python":
            _spent[0] += steps * min(batch_size, x.shape[0]) * self.work_per_example
        elif name == "compiled":  # Numba is loaded: plain Python never pays again
            _spent[0] = max(_spent[0], PYTHON_BUDGET + 1)
        losses, measured = self._loop(name).run(work, self.state, self.step, x, y, orders,
                                                epochs, batch_size, stop, metrics)
        self.step += len(losses) * -(-x.shape[0] // batch_size)
        self.last_backend = name
        for slot, done in zip(self.slots, work):
            array = slot.get()
            if array is not done:
                np.copyto(array, done)
        if self.shared_state is not None:
            self.shared_state.store(self.slots, self.state, self.step)
        return losses, measured

    def _work_arrays(self) -> list[np.ndarray]:
        """The parameters as the loops train them (the arrays themselves where they can),
        and the optimizer's state."""
        arrays = [slot.get() for slot in self.slots]
        for array, shape in zip(arrays, self.shapes):
            if array.shape != shape:
                raise ValueError(f"a parameter changed shape: expected {shape}, "
                                 f"received {array.shape}")
        work = [a if a.dtype == self.dtype and a.flags.c_contiguous and a.flags.writeable
                else np.array(a, self.dtype) for a in arrays]
        if self.shared_state is not None:  # the optimizer object's own slots, in place
            self.state, self.step = self.shared_state.load(self.slots, work)
        if self.state is None:
            slots = 2 if self.optimizer.kind == "adam" else (1 if self.optimizer.momentum else 0)
            self.state = [[np.zeros(a.shape, self.dtype) for _ in range(slots)] for a in work]
        return work

    def _check_data(self, x: Any, y: Any, orders: Any, batch_size: int):
        x = np.ascontiguousarray(x, self.dtype)
        y = np.ascontiguousarray(y, self.dtype)
        n = x.shape[0]
        if y.ndim == 1 and self.layers[-1].units == 1:
            y = y.reshape(n, 1)
        if x.ndim != 2 or x.shape[1] != self.layers[0].units_in:
            raise ValueError(f"x must have shape (n, {self.layers[0].units_in}). "
                             f"Received: {x.shape}")
        if y.shape != (n, self.layers[-1].units):
            raise ValueError(f"y must have shape ({n}, {self.layers[-1].units}). "
                             f"Received: {y.shape}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer. "
                             f"Received: batch_size={batch_size!r}")
        orders = np.ascontiguousarray(orders, np.int64)
        if orders.ndim != 2 or orders.shape[1] != n:
            raise ValueError(f"orders must have shape (epochs, {n}). Received: {orders.shape}")
        if orders.size and (orders.min() < 0 or orders.max() >= n):
            raise ValueError(f"orders must index examples 0..{n - 1}")
        return x, y, orders
