"""``Tensor``: an ndarray that remembers how it was made, and the backward pass.

A tensor made by an op keeps the op, its parents (in argument order) and the op's residuals.
``backward()`` sorts the graph topologically without recursion and walks it in reverse,
asking each op for its vector-Jacobian product (VJP). Gradients accumulate with ``+=``, so a
tensor used twice receives the sum of both contributions.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from chainrule.calculus.activations import ACTIVATIONS, Activation, leaky_relu
from chainrule.engine import ops

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether new operations are being recorded for ``backward()``."""
    return getattr(_state, "enabled", True)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Record nothing inside the block: ops return tensors without a graph.

    >>> with no_grad():
    ...     y = Tensor([1.0], requires_grad=True) * 2
    >>> y.requires_grad
    False
    """
    previous = is_grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = previous


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """``data`` as a float ndarray: float32 stays float32, anything else becomes float64."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64. Received: dtype={dtype}")
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data)
    if array.dtype == np.float32 or array.dtype == np.float64:
        return array
    if array.dtype.kind not in "biuf":
        raise ValueError(f"expected numbers. Received: an array of dtype {array.dtype}")
    return array.astype(np.float64)


def apply(op: type, *inputs: Any, **params: Any) -> Tensor:
    """Run ``op.forward`` on the inputs' arrays and record the op when a gradient is needed.

    Inputs that are not Tensors become constants of the first Tensor's dtype."""
    like = next((x for x in inputs if isinstance(x, Tensor)), None)
    dtype = like.dtype if like is not None else None
    tensors = tuple(x if isinstance(x, Tensor) else Tensor(x, dtype=dtype) for x in inputs)
    out, residuals = op.forward(*(t.data for t in tensors), **params)
    result = Tensor(out, dtype=out.dtype if out.dtype in (np.float32, np.float64) else None)
    if is_grad_enabled() and any(t.requires_grad for t in tensors):
        result.requires_grad = True
        result._op = op
        result._parents = tensors
        result._residuals = residuals
    return result


def activate(x: Any, activation: Activation | str) -> Tensor:
    """``activation`` (an entry or name of the calculus table) applied elementwise."""
    entry = activation if isinstance(activation, Activation) else ACTIVATIONS[activation]
    return apply(ops.Elementwise, x, activation=entry)


class Tensor:
    """An ndarray with a gradient.

    Args:
        data: array-like; float32 data stays float32, everything else becomes float64.
        requires_grad: whether ``backward()`` should compute ``grad`` for this tensor.
        dtype: ``"float32"`` or ``"float64"`` to force a precision.

    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([[2., 4.]])
    """

    __slots__ = ("data", "grad", "requires_grad", "_op", "_parents", "_residuals", "name")
    __array_priority__ = 100  # ndarray <op> Tensor defers to Tensor's reflected operators

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        self.data = as_array(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._op: Any = None
        self._parents: tuple[Tensor, ...] = ()
        self._residuals: Any = None
        self.name = name

    # --- plain properties -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def item(self) -> float:
        return float(self.data.item())

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, outside any graph."""
        return Tensor(self.data, dtype=self.data.dtype)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=6)}{grad})"

    def __len__(self) -> int:
        return len(self.data)

    # --- the backward pass ------------------------------------------------------------
    def backward(self, grad: Any = None) -> None:
        """Accumulate ∂self/∂t into ``t.grad`` for every tensor ``t`` that requires a gradient.

        Args:
            grad: the upstream gradient, shaped like ``self``; may be omitted for a tensor
                with one element (it is then 1).
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    "backward() needs grad= for a tensor with more than one element. "
                    f"Received: shape={self.shape}"
                )
            grad = np.ones_like(self.data)
        grad = np.broadcast_to(as_array(grad, self.data.dtype), self.shape)
        grads: dict[int, np.ndarray] = {id(self): grad}
        for node in reversed(_topological_order(self)):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node.grad is not None:
                node.grad = node.grad + g
            elif node._op is None:
                node.grad = g.copy()  # a leaf owns its gradient: g may be a shared view
            else:
                node.grad = g  # intermediate gradients are kept for reading only
            if node._op is None:
                continue
            parent_grads = node._op.vjp(node._residuals, g)
            for parent, pg in zip(node._parents, parent_grads):
                if pg is None or not parent.requires_grad:
                    continue
                pg = unbroadcast(pg, parent.shape)
                assert pg.shape == parent.shape, (node._op.__name__, pg.shape, parent.shape)
                key = id(parent)
                grads[key] = grads[key] + pg if key in grads else pg

    # --- operators: thin forwards to chainrule.engine.ops ------------------------------
    def __add__(self, other: Any) -> Tensor:
        return apply(ops.Add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return apply(ops.Add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return apply(ops.Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return apply(ops.Sub, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return apply(ops.Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return apply(ops.Mul, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply(ops.Div, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply(ops.Div, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return apply(ops.Power, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return apply(ops.Power, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return apply(ops.MatMul, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return apply(ops.MatMul, other, self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg, self)

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor):
            index = index.data
        return apply(ops.GetItem, self, index=index)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Sum, self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return apply(ops.Mean, self, axis=_axis(axis), keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list, int)):
            shape = tuple(shape[0]) if not isinstance(shape[0], int) else shape
        return apply(ops.Reshape, self, shape=tuple(shape))

    def transpose(self, *axes: int) -> Tensor:
        return apply(ops.Transpose, self, axes=tuple(axes) if axes else None)

    @property
    def T(self) -> Tensor:  # noqa: N802 - NumPy's name
        return apply(ops.Transpose, self, axes=None)

    def exp(self) -> Tensor:
        return apply(ops.Exp, self)

    def log(self) -> Tensor:
        return apply(ops.Log, self)

    def maximum(self, other: Any) -> Tensor:
        return apply(ops.Maximum, self, other)

    # activations of the calculus table
    def tanh(self) -> Tensor:
        return activate(self, "tanh")

    def sigmoid(self) -> Tensor:
        return activate(self, "sigmoid")

    def relu(self) -> Tensor:
        return activate(self, "relu")

    def leaky_relu(self, alpha: float = 0.01) -> Tensor:
        return activate(self, leaky_relu(alpha))


def _axis(axis: Any) -> Any:
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(axis)


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` down to ``shape``: the adjoint of broadcasting is a sum.

    >>> unbroadcast(np.ones((3, 2)), (2,))
    array([3., 3.])
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _topological_order(root: Tensor, constants: bool = False) -> list[Tensor]:
    """Every tensor ``root`` depends on that requires a gradient (``constants``: every
    tensor, the constants an op was given too), parents before children.

    Iterative depth-first search with an explicit stack: deep graphs (long training
    unrolls) must not hit Python's recursion limit, and parents are visited in argument
    order so the order is the same on every run.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(node._parents):
            if (constants or parent.requires_grad) and id(parent) not in seen:
                stack.append((parent, False))
    return order
