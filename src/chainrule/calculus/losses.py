"""The loss table: every loss chainrule knows, each defined once.

The loss of one example with targets t and outputs y over its K outputs is

    E = [−] [½·] [(1/K)·] Σ_k term(t_k, y_k)

with the brackets set per loss (``negated``, ``half``, ``mean``). An entry holds:

- ``term``: one output's summand, a formula tree over ``Var("t")`` and ``Var("y")``;
- ``signal``: −∂E/∂y_k, the error signal textbooks write (t − y for ½Σ(t − y)²), over
  t, y and ``Var("K")``; ``None`` for a loss explained only through its fused form;
- ``fused``: the output activations whose derivative cancels against the loss's, with
  δ = ∂E/∂z_k written directly (σ(z) − t for a sigmoid with binary cross-entropy), over t,
  y, K and ``Var("sum_t")`` (Σ_k t_k, 1 for one-hot targets);
- ``logits_term``: for a fused elementwise pair, the summand computed from the logit z
  without a logarithm of a probability (binary cross-entropy: softplus(z) − z·t);
- ``clip``: whether probabilities are clipped to [ε, 1 − ε] before the logarithms when the
  loss is computed from outputs rather than logits, as Keras does;
- ``text``: the one-line statement a worked solution prints among its conventions.

==============================  ===============================================
``half_sse``                    E = ½ Σ_k (t_k − y_k)²   (the blog's error)
``sse``                         E = Σ_k (t_k − y_k)²
``mse``                         E = (1/K) Σ_k (t_k − y_k)²   (Keras, PyTorch)
``binary_crossentropy``         E = −(1/K) Σ_k [t_k ln y_k + (1 − t_k) ln(1 − y_k)]
``categorical_crossentropy``    E = −Σ_k t_k ln y_k
==============================  ===============================================

>>> LOSSES["half_sse"].signal
Sub(left=Var(name='t'), right=Var(name='y'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np

from chainrule.calculus.compile import NUMPY, function
from chainrule.calculus.formula import (
    ONE,
    TWO,
    Add,
    Call,
    Div,
    Log,
    Mul,
    Node,
    Pow,
    Sub,
    Var,
)

__all__ = ["Loss", "LOSSES", "EPSILON", "T", "Y", "K", "get", "names", "fuses"]

#: The clip applied to probabilities inside a logarithm (Keras's ``backend.epsilon()``).
EPSILON = 1e-7

T, Y, K, Z = Var("t"), Var("y"), Var("K"), Var("z")


@dataclass(frozen=True)
class Loss:
    """One loss; see the module doc for each field."""

    name: str
    term: Node
    text: str
    signal: Node | None = None
    half: bool = False
    mean: bool = False
    negated: bool = False
    fused: Mapping[str, Node] = field(default_factory=dict)
    logits_term: Node | None = None
    clip: bool = False

    @property
    def factor(self) -> float:
        """The constant in front of Σ_k term, before any 1/K: ½, 1 or −1."""
        return (-1.0 if self.negated else 1.0) * (0.5 if self.half else 1.0)

    def per_example(self, t: np.ndarray, y: np.ndarray) -> np.ndarray:
        """E of each row, on arrays: (batch, K) → (batch,), probabilities clipped first
        where ``clip`` says so."""
        if self.clip:
            y = np.clip(y, EPSILON, 1.0 - EPSILON)
        terms = _numpy_term(self.name)(t, y)
        total = np.mean(terms, axis=-1) if self.mean else np.sum(terms, axis=-1)
        return self.factor * total


@cache
def _numpy_term(name: str) -> Any:
    return function(LOSSES[name].term, ("t", "y"), NUMPY)


_SQUARED = Pow(Sub(T, Y), TWO)
_TABLE = (
    Loss("half_sse", _SQUARED, "E = ½Σ(t − y)² per example", Sub(T, Y), half=True),
    Loss("sse", _SQUARED, "E = Σ(t − y)² per example", Mul((TWO, Sub(T, Y)))),
    Loss("mse", _SQUARED, "E = (1/K)Σ(t − y)² per example (mean over the K outputs)",
         Div(Mul((TWO, Sub(T, Y))), K), mean=True),
    Loss("binary_crossentropy", Add((Mul((T, Log(Y))), Mul((Sub(ONE, T), Log(Sub(ONE, Y)))))),
         "E = −(1/K)Σ[t·ln y + (1 − t)·ln(1 − y)] per example", mean=True, negated=True,
         fused={"sigmoid": Div(Sub(Y, T), K)},
         logits_term=Sub(Call("softplus", (Z,)), Mul((Z, T))), clip=True),
    Loss("categorical_crossentropy", Mul((T, Log(Y))), "E = −Σ t·ln y per example",
         negated=True, fused={"softmax": Sub(Mul((Y, Var("sum_t"))), T)}, clip=True),
)

#: name → entry, in the order of the table above.
LOSSES: Mapping[str, Loss] = MappingProxyType({loss.name: loss for loss in _TABLE})

_ALIASES = {"bce": "binary_crossentropy", "cce": "categorical_crossentropy"}


def names() -> list[str]:
    """The loss names, in table order."""
    return list(LOSSES)


def get(name: Any) -> Loss:
    """The entry called ``name`` (any case; ``bce`` and ``cce`` for the cross-entropies).

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if isinstance(name, Loss):
        return name
    key = _ALIASES.get(name.lower(), name.lower()) if isinstance(name, str) else None
    if key not in LOSSES:
        raise ValueError(f"unknown loss. Received: loss={name!r}; "
                         f"valid names: {', '.join(LOSSES)}")
    return LOSSES[key]


def fuses(loss: str, activation: str) -> bool:
    """Whether ``loss`` on an ``activation`` output writes δ in one go (the derivatives
    cancel): a sigmoid with binary cross-entropy, a softmax with categorical cross-entropy."""
    entry = LOSSES.get(loss)
    return entry is not None and activation in entry.fused
