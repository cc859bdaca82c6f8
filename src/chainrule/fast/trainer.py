"""``Trainer``: the fused training loop behind ``fit``, and ``select``, which decides.

The math is the general engine's: per batch, the objective is the mean over its rows of the
per-example loss; each layer computes ``f(a_prev @ kernel + bias)``; SGD and Adam update as
``chainrule.nn.optimizers`` documents. Only the bookkeeping differs: no graph, buffers made
once, updates in place. These loops compute it, chosen per call by the work per step:

- ``"unrolled"``: the same arithmetic written out for one network shape, every weight a local
  variable (``unrolled.py``), under Numba, for networks of at most ``UNROLL_MAX_PARAMS``
  parameters in float64; other networks take the compiled loop;
- ``"compiled"``: ``_kernel.train_epochs`` under Numba, every epoch in one call (tiny networks);
- ``"batched"``: ``_batched.train_batches`` under Numba, matrix products by BLAS and everything
  else compiled, every epoch in one call (mid-size layers);
- ``"python"``: the same loops over Python floats — the written-out one where the network has
  one — for tiny networks when Numba is missing, or for a run too short to pay for importing
  it (``PYTHON_SHORT_RUN_WORK``);
- ``"blas"``: batched NumPy with the SGD step folded into the GEMM (everything else, and any
  run that measures training metrics).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.fast.spec import (
    LayerSpec,
    OptimizerSpec,
    check_network,
    layer_spec,
    loss_code,
    optimizer_spec,
)

__all__ = ["Trainer", "BACKENDS", "stop_rule"]

BACKENDS = ("auto", "unrolled", "compiled", "batched", "python", "blas", "numpy")
# multiply-adds per step (rows × Σ in·out) up to which the scalar loop beats BLAS calls
COMPILED_MAX_WORK = 4096
PYTHON_MAX_WORK = 64
# multiply-adds of a whole run below which the plain-Python loop beats importing Numba and
# loading its cached code (~0.3 s): the flat loop costs about 1 µs a multiply-add in Python
# (6 µs a 2-2-1 step), so this is about 0.06 s of Python; the written-out loop, for networks
# of at most UNROLL_MAX_PARAMS parameters, about 0.12 µs (0.7 µs a 2-2-1 step), so its
# limit is about 0.25 s of Python (100,000 epochs of XOR), after which Numba takes over
PYTHON_SHORT_RUN_WORK = 60_000
PYTHON_SHORT_RUN_WORK_UNROLLED = 2_000_000
# the compiled batched loop (matrix products by BLAS, the rest compiled) saves the NumPy calls
# of a step, 10–20 µs; it computes activations with scalar exp where NumPy's are vectorised,
# so it is for layers of few units (rows × Σ units a step) and no more multiply-adds per
# example than the BLAS loop multiplies without its folded GEMM
BATCHED_MAX_UNITS = 8192
BATCHED_MAX_WORK = 32768
# steps after which the saving pays for importing Numba and loading the loop (~0.35 s) when
# nothing loaded Numba before
BATCHED_MIN_STEPS = 25_000


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

    Build one with ``chainrule.fast.select(model, ...)`` or from arrays::

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
        # multiply-adds of one example's step, and how many this trainer ran in plain Python
        self.work_per_example = sum(spec.units_in * spec.units for spec in self.layers)
        self.python_work = 0.0

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
    def backend_for(self, batch_size: int, n: int | None = None,
                    visits: int | None = None, metrics: bool = False) -> str:
        """The loop ``run`` uses for this batch size: unrolled, compiled, batched, python or
        blas.

        ``visits`` (examples the call will visit, all epochs together) lets a short run of a
        tiny network stay in plain Python: importing Numba and loading its cached machine
        code costs about 0.3 s, more than thousands of plain-Python steps. A run that
        measures ``metrics`` takes the blas loop, the one that computes them.
        """
        if self.backend != "auto":
            return "blas" if self.backend == "numpy" else self.backend
        if metrics:
            return "blas"
        from chainrule.fast.compiled import numba_available, numba_blas_available
        from chainrule.fast.unrolled import specialises

        rows = batch_size if n is None else min(batch_size, n)
        work = rows * sum(s.units_in * s.units for s in self.layers)
        if visits is not None and work <= PYTHON_MAX_WORK and "numba" not in sys.modules:
            # a whole run is many calls: count what this trainer already did in Python
            limit = PYTHON_SHORT_RUN_WORK_UNROLLED if specialises(self.layers) else \
                PYTHON_SHORT_RUN_WORK
            if self.python_work + visits * self.work_per_example <= limit:
                return "python"
        if work <= COMPILED_MAX_WORK and numba_available():
            return "unrolled" if specialises(self.layers) else "compiled"
        if work <= PYTHON_MAX_WORK:
            return "python"
        if self._batched_pays(rows, batch_size, visits) and numba_blas_available():
            return "batched"
        return "blas"

    def _batched_pays(self, rows: int, batch_size: int, visits: int | None) -> bool:
        """Mid-size layers, and Numba already loaded or a run long enough to pay for it."""
        units = rows * sum(s.units for s in self.layers)
        if self.work_per_example > BATCHED_MAX_WORK or units > BATCHED_MAX_UNITS:
            return False
        steps = 0 if visits is None else visits // batch_size
        return "numba" in sys.modules or steps >= BATCHED_MIN_STEPS

    def _loop(self, name: str):
        loop = self._loops.get(name)
        if loop is None:
            if name in ("unrolled", "compiled", "batched", "python"):
                from chainrule.fast.compiled import KernelLoop

                loop = KernelLoop(self.layers, self.loss, self.optimizer, self.dtype,
                                  compiled=name != "python", unrolled=name == "unrolled",
                                  batched=name == "batched")
            else:
                from chainrule.fast.blas_loop import BlasLoop

                loop = BlasLoop(self.layers, self.loss, self.optimizer, self.dtype,
                                use_blas=self.backend != "numpy")
            self._loops[name] = loop
        return loop

    # -- training ---------------------------------------------------------------------------------
    def run(self, x: Any, y: Any, orders: Any, batch_size: int,
            stop_when_correct: float | None = None) -> np.ndarray:
        """Train ``len(orders)`` epochs; returns each epoch's mean per-example loss
        (``run_logged`` with no metrics)."""
        return self.run_logged(x, y, orders, batch_size, stop_when_correct)[0]

    def run_logged(self, x: Any, y: Any, orders: Any, batch_size: int,
                   stop_when_correct: float | None = None,
                   metrics: Sequence[Any] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Train ``len(orders)`` epochs; returns each epoch's mean per-example loss, and
        ``(epochs, len(metrics))`` means of the ``metrics`` (``chainrule.nn.metrics``
        objects: ``metric(t, y) -> (rows,)``), both over the forward passes of the epoch,
        each before its update, as ``fit`` logs them.

        x ``(n, in)``, y ``(n, out)``; ``orders`` ``(epochs, n)`` integer: epoch e visits
        examples ``orders[e]`` in batches ``orders[e][i : i + batch_size]``, the loss of an
        epoch being the mean of the per-example losses of its forward passes (before each
        update). ``stop_when_correct`` (None, a tolerance, or a ``StopWhenCorrect``
        callback) stops after the first epoch after which every training example is correct
        on a fresh forward pass (``stop_rule``); the returned array is then shorter. Weights
        are read from, and written back into, the arrays the trainer was built on.
        """
        x, y, orders = self._check_data(x, y, orders, batch_size)
        stop = stop_rule(stop_when_correct, y, self.layers[-1].activation == "softmax")
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
        name = self.backend_for(batch_size, x.shape[0], visits=orders.size,
                                metrics=bool(metrics))
        if metrics and name != "blas":
            raise ValueError(f"metrics are computed by the blas loop only. Received: "
                             f"backend={self.backend!r}")
        if name == "python":
            self.python_work += orders.size * self.work_per_example
        loop = self._loop(name)
        losses, measured = loop.run(work, self.state, self.step, x, y, orders, batch_size,
                                    stop, metrics)
        self.step += len(losses) * -(-x.shape[0] // batch_size)
        self.last_backend = name
        for array, done in zip(arrays, work):
            if array is not done:
                np.copyto(array, done)
        if self.shared_state is not None:
            self.shared_state.store(self.slots, self.state, self.step)
        return losses, measured

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
