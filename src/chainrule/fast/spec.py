"""What the fused trainer accepts, as plain data: layers, loss, optimizer.

A network the fast path trains is a stack of dense layers ``a = f(a_prev @ kernel + bias)``
with an elementwise ``f`` (softmax only on the last layer, with categorical cross-entropy),
trained on the mean over the batch of the per-example loss, by SGD or Adam. Anything else is
refused with a reason, and ``fit`` keeps the general engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.calculus.activations import ACTIVATIONS as TABLE

__all__ = [
    "ACTIVATIONS", "LOSSES", "LayerSpec", "OptimizerSpec", "StopRule", "Unsupported",
    "layer_spec", "loss_code", "optimizer_spec", "check_network",
]

# name -> code used by the compiled loop (_kernel.py): an entry's place in the calculus table,
# so a new entry has one without a line here
ACTIVATIONS = {name: code for code, name in enumerate(TABLE)}
LOSSES = {
    "half_sse": 0, "sse": 1, "mse": 2, "binary_crossentropy": 3,
    "categorical_crossentropy": 4,
}
_ALIASES = {None: "linear", "identity": "linear", "logistic": "sigmoid",
            "bipolar": "bipolar_sigmoid"}


class Unsupported(ValueError):
    """The fast path does not train this configuration; the general engine does."""


@dataclass(frozen=True)
class LayerSpec:
    """One dense layer: ``units_in → units``, activation name, leaky slope, bias or not."""

    units_in: int
    units: int
    activation: str
    alpha: float = 0.01
    use_bias: bool = True

    @property
    def code(self) -> int:
        return ACTIVATIONS[self.activation]


@dataclass(frozen=True)
class OptimizerSpec:
    """SGD: ``v ← μv − ηg, w ← w + v`` (Nesterov ``w ← w + μv − ηg``; μ = 0: ``w ← w − ηg``).

    Adam: ``m ← β1 m + (1−β1) g``, ``v ← β2 v + (1−β2) g²``,
    ``w ← w − η m̂ / (√v̂ + ε)``, ``m̂ = m/(1−β1^t)``, ``v̂ = v/(1−β2^t)``.
    """

    kind: str  # "sgd" or "adam"
    learning_rate: float
    momentum: float = 0.0
    nesterov: bool = False
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8


@dataclass
class StopRule:
    """When a run ends before its last epoch, judged after every epoch inside the loop.

    - ``correct_mode`` 0 never; 1 every |y − t| ≤ ``correct_value``; 2 argmax y = argmax t;
      3 every output on the same side of ``correct_value`` as its target — on a fresh forward
      pass over the training data (``StopWhenCorrect``; ``stop_rule`` makes the pair);
    - ``on_nan``: the epoch's loss is not finite (``TerminateOnNaN``);
    - ``patience`` ≥ 0: the loss has not improved by more than ``min_delta`` for that many
      epochs (``EarlyStopping`` on ``"loss"``; ``sign`` 1 when smaller is better, −1 when
      larger is).

    The loops carry ``best`` (sign·best loss) and ``wait`` across runs, and set
    ``best_epoch`` (the epoch of this run with the last improvement, −1 for none) and
    ``correct`` (whether the last epoch run passed the check of correctness).
    """

    correct_mode: int = 0
    correct_value: float = 0.0
    on_nan: bool = False
    patience: int = -1
    min_delta: float = 0.0
    sign: float = 1.0
    best: float = math.inf
    wait: int = 0
    best_epoch: int = -1
    correct: bool = False

    def track(self) -> np.ndarray:
        """The loops' in-out array: [sign·best, wait, best epoch, correct]."""
        return np.array([self.best, float(self.wait), -1.0, 0.0])

    def read(self, track: Sequence[float]) -> None:
        self.best, self.wait = float(track[0]), int(track[1])
        self.best_epoch, self.correct = int(track[2]), bool(track[3])


def activation_name(activation: Any) -> tuple[str, float]:
    """``"relu"``, ``("leaky_relu", 0.2)``, or an object with ``name`` (and ``alpha``)."""
    alpha = 0.01
    if isinstance(activation, tuple) and len(activation) == 2:
        activation, alpha = activation
    elif not isinstance(activation, str) and activation is not None:
        alpha = getattr(activation, "alpha", alpha)
        activation = getattr(activation, "name", getattr(activation, "__name__", activation))
    name = _ALIASES.get(activation, activation)
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise Unsupported(f"activation {activation!r} has no fused form")
    return name, float(alpha)


def layer_spec(kernel: np.ndarray, bias: np.ndarray | None, activation: Any) -> LayerSpec:
    """The spec of a layer from its arrays: kernel ``(in, out)``, bias ``(out,)`` or None."""
    if kernel.ndim != 2:
        raise Unsupported(f"kernel must be 2-D (in, out). Received shape {kernel.shape}")
    if bias is not None and bias.shape != (kernel.shape[1],):
        raise Unsupported(f"bias must have shape {(kernel.shape[1],)}. Received {bias.shape}")
    name, alpha = activation_name(activation)
    return LayerSpec(int(kernel.shape[0]), int(kernel.shape[1]), name, alpha, bias is not None)


def loss_code(loss: Any) -> int:
    """The code of a loss given by name (``"mse"``, ``"bce"``, ``"cce"``, any case)."""
    name = loss.lower() if isinstance(loss, str) else None
    name = {"bce": "binary_crossentropy", "cce": "categorical_crossentropy"}.get(name, name)
    if name not in LOSSES:
        raise Unsupported(f"loss {loss!r} has no fused form")
    return LOSSES[name]


def _float(optimizer: Any, names: Sequence[str], default: float) -> float:
    for name in names:
        if hasattr(optimizer, name):
            value = getattr(optimizer, name)
            number = isinstance(value, (int, float, np.number))
            if isinstance(value, (bool, np.bool_)) or not number:
                raise Unsupported(f"optimizer {name}={value!r} is not a constant number")
            return float(value)
    return default


def optimizer_spec(optimizer: Any) -> OptimizerSpec:
    """SGD or Adam, from an ``OptimizerSpec``, an optimizer object, or a name (its defaults)."""
    if isinstance(optimizer, OptimizerSpec):
        return optimizer
    if isinstance(optimizer, str):
        kind = optimizer.lower()
        if kind == "sgd":
            return OptimizerSpec("sgd", 0.01)
        if kind == "adam":
            return OptimizerSpec("adam", 0.001)
        raise Unsupported(f"optimizer {optimizer!r} has no fused form")
    kind = type(optimizer).__name__.lower()
    if kind not in ("sgd", "adam"):
        raise Unsupported(f"optimizer {type(optimizer).__name__} has no fused form")
    for extra in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "amsgrad"):
        if getattr(optimizer, extra, None):
            raise Unsupported(f"optimizer option {extra} has no fused form")
    lr = _float(optimizer, ("learning_rate", "lr"), 0.01 if kind == "sgd" else 0.001)
    if kind == "sgd":
        momentum = _float(optimizer, ("momentum",), 0.0)
        return OptimizerSpec("sgd", lr, momentum, bool(getattr(optimizer, "nesterov", False)))
    return OptimizerSpec("adam", lr, beta_1=_float(optimizer, ("beta_1", "beta1"), 0.9),
                         beta_2=_float(optimizer, ("beta_2", "beta2"), 0.999),
                         epsilon=_float(optimizer, ("epsilon", "eps"), 1e-8))


def check_network(layers: Sequence[LayerSpec], loss: int) -> None:
    """Raise ``Unsupported`` unless consecutive shapes chain and softmax/loss pairs are fused."""
    if not layers:
        raise Unsupported("the network has no layers")
    for before, after in zip(layers, layers[1:]):
        if before.units != after.units_in:
            raise Unsupported(f"layer sizes do not chain: {before.units} → {after.units_in}")
    for layer in layers[:-1]:
        if layer.activation == "softmax":
            raise Unsupported("softmax is fused only on the last layer")
    last = layers[-1].activation
    if (last == "softmax") != (loss == LOSSES["categorical_crossentropy"]):
        raise Unsupported("softmax output and categorical_crossentropy go together only")
    if loss == LOSSES["binary_crossentropy"] and last != "sigmoid":
        raise Unsupported("binary_crossentropy is fused only on a sigmoid output")
