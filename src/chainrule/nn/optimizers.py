"""Optimizers: ``optimizer.step(params)`` updates each Tensor in place from its ``.grad``.

The update rules are the calculus floor's (``chainrule.calculus.optimizers``), with g the
gradient, η the learning rate and t the step count:

- ``SGD``:  v ← μ·v − η·g,  w ← w + v  (Nesterov: w ← w + μ·v − η·g with the new v);
  with μ = 0 this is w ← w − η·g.
- ``Adam``: m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ),
  w ← w − η·m̂/(√v̂ + ε)  (Kingma & Ba, and PyTorch).

An optimizer keeps its state per parameter (``slots(p)``: SGD's ``velocity``, Adam's ``m``,
``v`` and ``t``), so that any loop — the general engine's or a fused trainer's — can continue
the same training.

>>> from chainrule.engine import Tensor
>>> w = Tensor([1.0], requires_grad=True)
>>> w.grad = np.array([2.0])
>>> SGD(learning_rate=0.5).step([w])
>>> w.data
array([0.])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from chainrule.calculus import optimizers as rules
from chainrule.engine.tensor import Tensor
from chainrule.nn import registry

__all__ = ["Optimizer", "SGD", "Adam", "get", "names"]


def _positive_rate(learning_rate: Any) -> float:
    try:
        value = float(learning_rate)
    except (TypeError, ValueError):
        value = math.nan
    text = isinstance(learning_rate, (str, bytes))  # "0.3" is a mistake, not a number
    if isinstance(learning_rate, bool) or text or not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"learning_rate must be a finite number > 0. Received: learning_rate={learning_rate!r}"
        )
    return value


def _in_unit_interval(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0.0 <= number < 1.0:
        raise ValueError(f"{name} must be in [0, 1). Received: {name}={value!r}")
    return number


class Optimizer:
    """Base class: holds the learning rate and per-parameter state (slots)."""

    name = "optimizer"

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = _positive_rate(learning_rate)
        # id(param) -> (param, slots); the param is kept so its id is never reused meanwhile
        self._state: dict[int, tuple[Tensor, dict[str, Any]]] = {}

    def step(self, params: Iterable[Tensor]) -> None:
        """Update every parameter that has a gradient, in place."""
        for p in params:
            if p.grad is None:
                continue
            if p.grad.shape != p.shape:
                raise ValueError(
                    f"gradient shape {p.grad.shape} does not match parameter shape {p.shape}"
                )
            self._update(p.data, p.grad, self.slots(p))

    def slots(self, param: Any) -> dict[str, Any]:
        """The state this optimizer keeps for ``param`` (created empty on first use)."""
        entry = self._state.get(id(param))
        if entry is None or entry[0] is not param:
            entry = (param, {})
            self._state[id(param)] = entry
        return entry[1]

    def _update(self, w: np.ndarray, g: np.ndarray, slots: dict[str, Any]) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (momenta, step counts)."""
        self._state.clear()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    v ← μ·v − η·g,  w ← w + v;  Nesterov: w ← w + μ·v − η·g (v already updated).
    PyTorch keeps b ← μ·b + g, w ← w − η·b; for a constant η that is the same (v = −η·b).

    Args:
        learning_rate: η > 0.
        momentum: μ in [0, 1).
        nesterov: use Nesterov momentum.

    >>> SGD(0.5, momentum=0.9).get_config()["momentum"]
    0.9
    """

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        self.momentum = _in_unit_interval("momentum", momentum)
        self.nesterov = bool(nesterov)

    def _update(self, w: np.ndarray, g: np.ndarray, slots: dict[str, Any]) -> None:
        v = slots.get("velocity")
        if v is None and self.momentum:
            v = slots["velocity"] = np.zeros_like(w)
        new_w, new_v = rules.sgd(w, g, v, self.learning_rate, self.momentum, self.nesterov)
        w[...] = new_w
        if v is not None:
            v[...] = new_v

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), as PyTorch computes it.

    m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  w ← w − η·m̂/(√v̂ + ε),
    m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ), t counting this parameter's updates from 1.

    >>> Adam().get_config()["beta_2"]
    0.999
    """

    name = "adam"

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.beta_1 = _in_unit_interval("beta_1", beta_1)
        self.beta_2 = _in_unit_interval("beta_2", beta_2)
        self.epsilon = float(epsilon)
        if not (math.isfinite(self.epsilon) and self.epsilon > 0):
            raise ValueError(f"epsilon must be a finite number > 0. Received: epsilon={epsilon!r}")

    def _update(self, w: np.ndarray, g: np.ndarray, slots: dict[str, Any]) -> None:
        if not slots:
            slots.update(m=np.zeros_like(w), v=np.zeros_like(w), t=0)
        slots["t"] += 1
        c1, c2 = rules.adam_corrections(slots["t"], self.beta_1, self.beta_2)
        new_w, new_m, new_v = rules.adam(w, g, slots["m"], slots["v"], self.learning_rate,
                                         self.beta_1, self.beta_2, self.epsilon, c1, c2)
        w[...], slots["m"][...], slots["v"][...] = new_w, new_m, new_v

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


_OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def names() -> list[str]:
    """The valid optimizer names."""
    return list(_OPTIMIZERS)


def get(optimizer: str | Optimizer | dict[str, Any]) -> Optimizer:
    """An optimizer from a name (default settings), an instance (returned as is) or a config.

    >>> get("adam")
    Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08)
    >>> get({"name": "sgd", "learning_rate": 0.5})
    SGD(learning_rate=0.5, momentum=0.0, nesterov=False)
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    return registry.build("optimizer", _OPTIMIZERS, optimizer)
