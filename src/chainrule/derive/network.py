"""The network to explain, as plain arrays, and its parameters in a convention's terms.

``explain`` accepts a ``Sequential`` of ``Dense`` layers (an ``Activation`` layer right after
a linear ``Dense`` is folded into it) or a plain description: a list of
``(kernel, bias, activation)`` with ``kernel`` shaped (in, out), ``bias`` (out,) or ``None``,
in the engine's form ``y = activation(x @ kernel + bias)``. The arrays are copied: the
model is never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule._util.text import counted
from chainrule.calculus import activations

__all__ = ["Network", "ACTIVATIONS", "param_keys", "to_convention", "sequential_layers"]

#: Activations a worked solution can explain: every one of the calculus table.
ACTIVATIONS = tuple(activations.names())


@dataclass(frozen=True)
class Network:
    """A stack of dense layers: ``kernels[l-1]`` (n_{l−1}, n_l), ``biases[l-1]`` (n_l,) or
    ``None``, ``activations[l-1]`` a name from ``ACTIVATIONS``; float64 copies."""

    kernels: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray | None, ...]
    activations: tuple[str, ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.kernels[0].shape[0],) + tuple(k.shape[1] for k in self.kernels)

    @property
    def depth(self) -> int:
        return len(self.kernels)

    @classmethod
    def from_any(cls, model: Any) -> Network:
        """A ``Network`` from a ``Sequential``, a ``Network`` or a list of layer triples."""
        if isinstance(model, Network):
            return model
        if hasattr(model, "layers"):
            return cls.from_layers(sequential_layers(model))
        if isinstance(model, Sequence) and not isinstance(model, (str, bytes)):
            return cls.from_layers(list(model))
        raise ValueError(
            "model must be a Sequential of Dense layers or a list of (kernel, bias, activation). "
            f"Received: {type(model).__name__}"
        )

    @classmethod
    def from_layers(cls, layers: list[Any]) -> Network:
        if not layers:
            raise ValueError("the network has no layers. Received: an empty list")
        kernels, biases, acts = [], [], []
        width = None
        for number, layer in enumerate(layers, start=1):
            kernel, bias, activation = _triple(layer, number)
            kernel = _array(kernel, f"layer {number} kernel")
            if kernel.ndim != 2:
                raise ValueError(f"layer {number}: the kernel must be a matrix (in, out). "
                                 f"Received: shape {kernel.shape}")
            if width is not None and kernel.shape[0] != width:
                raise ValueError(f"layer {number}: expected a kernel of shape ({width}, "
                                 f"{kernel.shape[1]}) for its {counted(width, 'input')}. "
                                 f"Received: shape {kernel.shape}")
            if bias is not None:
                bias = _array(bias, f"layer {number} bias").reshape(-1)
                if bias.shape != (kernel.shape[1],):
                    raise ValueError(f"layer {number}: expected a bias of shape "
                                     f"({kernel.shape[1]},). Received: shape {bias.shape}")
            kernels.append(kernel)
            biases.append(bias)
            acts.append(_activation(activation, number))
            width = kernel.shape[1]
        for number, act in enumerate(acts[:-1], start=1):
            if act == "softmax":
                raise ValueError(f"layer {number}: softmax is only explained on the output "
                                 "layer. Received: activation='softmax' on a hidden layer")
        return cls(tuple(kernels), tuple(biases), tuple(acts))


def sequential_layers(model: Any, done: str = "explained") -> list[tuple[Any, Any, Any]]:
    """``(kernel, bias or None, activation)`` of each Dense layer of a built ``Sequential``
    (its own arrays, not copies), an ``Activation`` layer folded into the linear Dense
    before it; ``done`` names what the layers are for in the errors."""
    triples: list[list[Any]] = []
    for layer in model.layers:
        kind = getattr(layer, "kind", type(layer).__name__.lower())
        if kind == "activation" and triples and triples[-1][2] == "linear":
            triples[-1][2] = layer.activation
            continue
        if kind != "dense":
            raise ValueError(f"only Dense layers can be {done}. Received: layer "
                             f"{getattr(layer, 'name', None) or kind!r} of type "
                             f"{type(layer).__name__}")
        if getattr(layer, "kernel", None) is None:
            raise ValueError(f"layer {layer.name!r} has no weights yet: build the model (call "
                             f"it once or give input_dim) before it is {done}")
        bias = None if layer.bias is None else layer.bias.data
        triples.append([layer.kernel.data, bias, layer.activation])
    return [tuple(t) for t in triples]  # type: ignore[misc]


def _triple(layer: Any, number: int) -> tuple[Any, Any, Any]:
    if isinstance(layer, dict):
        if "kernel" not in layer:
            raise ValueError(f"layer {number}: missing weight 'kernel'")
        return layer["kernel"], layer.get("bias"), layer.get("activation")
    if not isinstance(layer, (tuple, list)) or len(layer) != 3:
        raise ValueError(f"layer {number} must be (kernel, bias, activation). "
                         f"Received: {layer!r}")
    return layer[0], layer[1], layer[2]


def _array(value: Any, what: str) -> np.ndarray:
    if value is None:
        raise ValueError(f"missing weight: {what}")
    data = getattr(value, "data", value)
    try:
        array = np.array(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers. Received: {value!r}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} must be finite. Received: {array.tolist()}")
    return array


def _activation(name: Any, number: int) -> str:
    try:
        return activations.get(name).name
    except ValueError:
        raise ValueError(f"layer {number}: cannot explain activation {name!r}; "
                         f"valid activations: {', '.join(ACTIVATIONS)}") from None


# --- parameters in a convention's terms ----------------------------------------------------
def param_keys(sizes: Sequence[int], bias: str) -> list[tuple]:
    """Every parameter, layer by layer, by target unit, then source unit; the bias of a
    unit after its weights (a shared bias after the layer's weights)."""
    keys: list[tuple] = []
    for layer in range(1, len(sizes)):
        for j in range(1, sizes[layer] + 1):
            keys += [("w", layer, i, j) for i in range(1, sizes[layer - 1] + 1)]
            if bias not in ("none", "shared"):
                keys.append(("b", layer, j))
        if bias == "shared":
            keys.append(("b", layer))
    return keys


def to_convention(network: Network, bias: str) -> dict[tuple, float]:
    """The parameter values under bias form ``bias`` (threshold θ = −bias, shared b = the
    layer's common bias). Raises ``ValueError`` when the biases do not fit the form."""
    values: dict[tuple, float] = {}
    for layer, (kernel, b) in enumerate(zip(network.kernels, network.biases), start=1):
        for i in range(kernel.shape[0]):
            for j in range(kernel.shape[1]):
                values[("w", layer, i + 1, j + 1)] = float(kernel[i, j])
        b = np.zeros(kernel.shape[1]) if b is None else b
        if bias == "none":
            if np.any(b != 0):
                raise ValueError(f"bias form 'none' needs layer {layer} to have no bias. "
                                 f"Received: bias {b.tolist()}")
        elif bias == "shared":
            if np.any(b != b[0]):
                raise ValueError(f"bias form 'shared' needs one bias per layer; layer {layer} "
                                 f"has different biases. Received: bias {b.tolist()}")
            values[("b", layer)] = float(b[0])
        else:
            sign = -1.0 if bias == "threshold" else 1.0
            for j in range(len(b)):
                values[("b", layer, j + 1)] = sign * float(b[j]) + 0.0
    return values
