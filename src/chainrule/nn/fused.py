"""``select``: the seam between ``Sequential.fit`` and the fused trainer.

``fit`` asks ``select(model, loss=..., optimizer=..., dtype=...)`` once per call; a
``Trainer`` means "this model is a plain Dense stack, train it fused", None means "use the
general engine". The model is read here, and ``chainrule.fast`` is handed plain data
(layer specs, the optimizer's constants, the parameter arrays). The optimizer's state (SGD
velocities, Adam's m, v, t) stays in the optimizer object's own slots, so training may
switch between the two paths at any time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.fast import LayerSpec, Trainer, Unsupported, optimizer_spec
from chainrule.nn import activations, layers, losses, optimizers

__all__ = ["select"]


def select(model: Any, *, loss: Any, optimizer: Any, dtype: Any = "float64",
           backend: str = "auto") -> Trainer | None:
    """A ``Trainer`` for a built ``Sequential`` of Dense/Activation layers, else None.

    >>> import chainrule as cr
    >>> model = cr.Sequential([cr.layers.Dense(1, activation="sigmoid", input_dim=2)], seed=0)
    >>> select(model, loss="binary_crossentropy", optimizer=cr.optimizers.SGD(0.1)) is not None
    True
    >>> select(model, loss="categorical_crossentropy", optimizer="sgd") is None
    True
    """
    try:
        name = losses.name_of(loss)
        if name is None:
            raise Unsupported("a custom loss")
        if isinstance(optimizer, str):
            optimizer = optimizers.get(optimizer)
        if type(optimizer) not in (optimizers.SGD, optimizers.Adam):
            raise Unsupported(f"optimizer {type(optimizer).__name__}")
        holders, layers = _dense_stack(model)
        trainer = Trainer(holders, layers, loss=name, optimizer=optimizer_spec(optimizer),
                          dtype=dtype, backend=backend)
    except (Unsupported, ValueError):
        return None
    if isinstance(getattr(optimizer, "_state", None), dict):
        trainer.shared_state = _OptimizerSlots(optimizer, trainer.optimizer.kind)
    return trainer


def _dense_stack(model: Any) -> tuple[list[Any], list[LayerSpec]]:
    """The parameter tensors (kernel, bias per layer) and the layer specs of ``model``."""
    holders: list[Any] = []
    specs: list[LayerSpec] = []
    for layer in model.layers:
        kind = type(layer)
        if kind is layers.Activation:
            if layer.activation == "linear":
                continue
            if not specs or specs[-1].activation != "linear":
                raise Unsupported("an Activation not right after a linear Dense")
            last = specs[-1]
            specs[-1] = LayerSpec(last.units_in, last.units, layer.activation,
                                  activations.LEAKY_RELU_ALPHA, last.use_bias)
            continue
        if kind is not layers.Dense or layer.kernel is None:
            raise Unsupported(f"layer {layer!r}")
        kernel = layer.kernel.data
        specs.append(LayerSpec(kernel.shape[0], kernel.shape[1], layer.activation,
                               activations.LEAKY_RELU_ALPHA, layer.bias is not None))
        holders.append(layer.kernel)
        if layer.bias is not None:
            holders.append(layer.bias)
    return holders, specs


class _OptimizerSlots:
    """Read and write ``chainrule.nn.optimizers`` state: ``_state[id(p)] = (p, slots)``,
    slots ``{"velocity"}`` (SGD with momentum) or ``{"m", "v", "t"}`` (Adam)."""

    def __init__(self, optimizer: Any, kind: str) -> None:
        self.optimizer = optimizer
        self.kind = kind

    def _slots(self, tensor: Any) -> dict[str, Any]:
        entry = self.optimizer._state.get(id(tensor))
        if entry is None or entry[0] is not tensor:
            entry = (tensor, {})
            self.optimizer._state[id(tensor)] = entry
        return entry[1]

    def load(self, slots: list[Any], work: list[np.ndarray]):
        state, step = [], 0
        for slot, w in zip(slots, work):
            found = self._slots(slot.holder)
            names = ("m", "v") if self.kind == "adam" else (
                ("velocity",) if self.optimizer.momentum else ())
            arrays = []
            for name in names:
                array = found.get(name)
                if not (isinstance(array, np.ndarray) and array.shape == w.shape
                        and array.dtype == w.dtype and array.flags.c_contiguous):
                    array = np.zeros_like(w) if array is None else np.array(array, w.dtype)
                    found[name] = array
                arrays.append(array)
            state.append(arrays)
            if self.kind == "adam":
                found.setdefault("t", 0)
            step = max(step, int(found.get("t", 0)))
        return state, step

    def store(self, slots: list[Any], state: list[list[np.ndarray]], step: int) -> None:
        if self.kind == "adam":
            for slot in slots:
                self._slots(slot.holder)["t"] = step
