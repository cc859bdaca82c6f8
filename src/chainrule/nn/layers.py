"""Layers: ``Dense`` and ``Activation``. No calculus here, only calls to engine ops.

A layer computes in two halves so that a model can reach the pre-activation ("net"), which
the fused stable losses and the worked solutions need:

- ``linear(x) -> net``  (Dense: ``net = x @ kernel + bias``; Activation: ``net = x``)
- ``activate(net) -> out``  (the activation function)

``layer(x)`` is ``activate(linear(x))``; ``layer.call(x, return_net=True)`` returns both.
Weights are built lazily, on first use, from the input width.

>>> import numpy as np
>>> layer = Dense(2, activation="sigmoid", kernel_initializer="ones")
>>> layer(np.array([[0.0, 0.0, 0.0]])).data  # σ(0 + 0) = 0.5
array([[0.5, 0.5]])
>>> layer.kernel.shape
(3, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine import functional as F
from chainrule.engine.tensor import Tensor, as_array
from chainrule.nn import activations, initializers, registry

__all__ = ["Layer", "Dense", "Activation", "from_config"]


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer. Received: {name}={value!r}")
    return int(value)


class Layer:
    """Base class: ``build`` makes the weights, ``linear`` and ``activate`` compute.

    Attributes:
        name: set by the model if not given (``dense``, ``dense_1``, …).
        activation: the activation's name.
        input_dim: the input width once known.
    """

    kind = "layer"

    def __init__(self, activation: Any = None, name: str | None = None) -> None:
        self.activation = activations.info(activation).name
        self.name = name
        self.input_dim: int | None = None
        self.built = False

    # --- building ---------------------------------------------------------------------
    def build(self, input_dim: int, *, rng: np.random.Generator | None = None,
              dtype: Any = "float64") -> None:
        """Make the weights for inputs of width ``input_dim``."""
        input_dim = _positive_int("input_dim", input_dim)
        if self.input_dim is not None and input_dim != self.input_dim:
            raise ValueError(
                f"layer {self.name or self.kind!r} was declared with input_dim="
                f"{self.input_dim}. Received: inputs of width {input_dim}"
            )
        self.input_dim = input_dim
        self.built = True

    @property
    def weights(self) -> list[Tensor]:
        """The trainable tensors, in Keras order (kernel, then bias)."""
        return []

    def weight_names(self) -> list[str]:
        return []

    def output_units(self, input_dim: int | None) -> int | None:
        """The output width for inputs of width ``input_dim`` (None if unknown)."""
        return input_dim

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    # --- computing --------------------------------------------------------------------
    def linear(self, x: Any) -> Tensor:
        """The pre-activation ``net`` for inputs ``x`` of shape (batch, in)."""
        raise NotImplementedError

    def activate(self, net: Any) -> Tensor:
        """The layer's output ``activation(net)``, same shape as ``net``."""
        return activations.get(self.activation)(net)

    def call(self, x: Any, return_net: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """``activate(linear(x))``; with ``return_net=True`` the pair ``(net, out)``."""
        net = self.linear(x)
        out = self.activate(net)
        return (net, out) if return_net else out

    def __call__(self, x: Any) -> Tensor:
        return self.call(x)  # type: ignore[return-value]

    def _ensure_built(self, x: Tensor) -> None:
        if x.ndim != 2:
            raise ValueError(
                f"layer {self.name or self.kind!r} expects inputs of shape (batch, features). "
                f"Received: shape={x.shape}"
            )
        if self.input_dim is not None and x.shape[1] != self.input_dim:
            raise ValueError(
                f"layer {self.name or self.kind!r} expects {self.input_dim} input features. "
                f"Received: inputs of shape {x.shape}"
            )
        if not self.built:
            self.build(x.shape[1], dtype=x.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"class_name": type(self).__name__, "name": self.name}


class Dense(Layer):
    """A fully connected layer: ``out = activation(x @ kernel + bias)``.

    Shapes: x (batch, in) → out (batch, units); ``kernel`` (in, units), so the textbook
    weight w_ij from input i to unit j is ``kernel[i, j]``; ``bias`` (units,) or None.

    Args:
        units: the number of output units, a positive integer.
        activation: a name from :mod:`chainrule.nn.activations`; None means ``"linear"``.
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: names, instances or configs
            (:mod:`chainrule.nn.initializers`).
        input_dim: the input width, if known, so the layer can be built before first use.

    >>> Dense(3, activation="relu", input_dim=2).get_config()["units"]
    3
    """

    kind = "dense"

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 input_dim: int | None = None, name: str | None = None) -> None:
        super().__init__(activation, name)
        self.units = _positive_int("units", units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        if input_dim is not None:
            self.input_dim = _positive_int("input_dim", input_dim)
        self.kernel: Tensor | None = None
        self.bias: Tensor | None = None

    def build(self, input_dim: int, *, rng: np.random.Generator | None = None,
              dtype: Any = "float64") -> None:
        """Draw ``kernel`` (input_dim, units), then ``bias`` (units,), from ``rng``.

        With a bias, both live in one (input_dim + 1, units) array, the bias its last row:
        the fused trainer then trains [kernel; bias] as one matrix without copying it
        (``chainrule.fast.blas_loop``)."""
        super().build(input_dim)
        dtype = as_array(np.empty(0), dtype).dtype  # float32 or float64, else ValueError
        rows = self.input_dim
        storage = np.empty((rows + self.use_bias, self.units), dtype)
        kernel = self.kernel_initializer((rows, self.units), dtype, rng=rng, out=storage[:rows])
        self.kernel = Tensor(kernel, requires_grad=True, dtype=dtype)
        self.bias = None
        if self.use_bias:
            bias = self.bias_initializer((self.units,), dtype, rng=rng, out=storage[rows])
            self.bias = Tensor(bias, requires_grad=True, dtype=dtype)

    @property
    def weights(self) -> list[Tensor]:
        if not self.built:
            return []
        return [w for w in (self.kernel, self.bias) if w is not None]

    def weight_names(self) -> list[str]:
        return ["kernel", "bias"] if self.use_bias else ["kernel"]

    def output_units(self, input_dim: int | None) -> int:
        return self.units

    def linear(self, x: Any) -> Tensor:
        """net = x @ kernel + bias: (batch, in) → (batch, units)."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        self._ensure_built(x)
        net = F.matmul(x, self.kernel)
        return F.add(net, self.bias) if self.bias is not None else net

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "units": self.units, "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer.get_config(),
            "bias_initializer": self.bias_initializer.get_config(),
            "input_dim": self.input_dim,
        }

    def __repr__(self) -> str:
        return f"Dense({self.units}, activation={self.activation!r})"


class Activation(Layer):
    """An activation on its own: ``out = activation(x)``, shape unchanged, no weights.

    >>> Activation("softmax")(np.array([[0.0, 0.0]])).data
    array([[0.5, 0.5]])
    """

    kind = "activation"

    def __init__(self, activation: Any, name: str | None = None) -> None:
        super().__init__(activation, name)

    def linear(self, x: Any) -> Tensor:
        """net = x (an Activation layer's pre-activation is its input)."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        self._ensure_built(x)
        return x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": self.activation}

    def __repr__(self) -> str:
        return f"Activation({self.activation!r})"


_LAYERS: dict[str, type[Layer]] = {"Dense": Dense, "Activation": Activation}


def from_config(config: dict[str, Any]) -> Layer:
    """Rebuild a layer (unbuilt) from ``layer.get_config()``.

    Raises:
        ValueError: for an unknown ``class_name`` or bad fields.
    """
    return registry.build("layer class", _LAYERS, config, key="class_name", lower=False,
                          field="class_name")
