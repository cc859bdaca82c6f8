"""The activation table: every activation chainrule knows, each defined once.

An entry holds what every part of the library needs of one activation, and nothing is
written anywhere else:

- ``forward(z, alpha, out=None)``: the value on an array, numerically stable, keeping its
  dtype (the engine's forward pass; the NumPy training loop, which passes ``out`` to have it
  written into its own buffer: in place, with no new array, where the form allows);
- ``scalar(z, alpha)``: the same on one float with ``math`` alone, so that it runs as plain
  Python and compiles under Numba (the formula evaluator, the compiled training loops);
- ``derivative``: f′ as a formula tree over ``Var("z")`` (the net input) and ``Var("a")``
  (the output), written as textbooks write it — ``a·(1 − a)`` for the sigmoid. The engine's
  VJP, the training loops, the worked solution's f′ lines and the slip rewrites all use this
  one tree (``chainrule.calculus.compile`` turns it into code);
- ``definition``: f(z) as a student writes it, for printing (σ(x) → 1/(1 + e^(−x)));
- ``tree``: f(z) as a formula tree over ``Var("z")`` and ``Var("alpha")`` that evaluates in
  IEEE arithmetic without a NaN (ReLU is z·step(z)): what a page's script computes f with
  (the practice page), held to ``scalar`` by the tests; ``definition(Z)`` unless given;
- ``lowest_at``: for a function that falls and then rises (SiLU), the z where it is least;
  ``None`` for a non-decreasing one. Interval arithmetic (grading) needs to know;
- ``output_range``: where the outputs lie, which sets classification thresholds, the
  targets of generated problems and whether a unit can be an output there;
- ``alpha``: the activation's one parameter (leaky ReLU's slope), unused by the others;
- ``course_name``: what a course calls it in a sentence ("the binary sigmoid"), its name
  with spaces for underscores unless given.

==================  ===========================  ==================================
name                f(z)                         f′(z)
==================  ===========================  ==================================
``sigmoid``         1 / (1 + e^−z)               a(1 − a)
``bipolar_sigmoid`` 2 / (1 + e^−z) − 1           ½(1 + a)(1 − a)
``tanh``            (e^z − e^−z) / (e^z + e^−z)  1 − a²
``relu``            max(0, z)                    1 if z > 0 else 0 (0 at the kink)
``leaky_relu``      z if z > 0 else αz           1 if z > 0 else α
``linear``          z                            1
``softplus``        ln(1 + e^z)                  σ(z) = 1 / (1 + e^−z)
``silu``            z·σ(z) = z / (1 + e^−z)      a + σ(z)(1 − a)
``softmax``         e^(z_k) / Σ_j e^(z_j)        only with categorical cross-entropy
==================  ===========================  ==================================

>>> ACTIVATIONS["sigmoid"].scalar(0.0, 0.0)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from chainrule.calculus.formula import (
    HALF,
    ONE,
    TWO,
    Add,
    Call,
    Const,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Node,
    Pow,
    Step,
    Sub,
    Var,
)

__all__ = [
    "Activation", "ACTIVATIONS", "LEAKY_RELU_ALPHA", "Z", "A", "get", "names", "leaky_relu",
]

#: The slope of ``leaky_relu`` for z ≤ 0: PyTorch's default (Keras 3 uses 0.2).
LEAKY_RELU_ALPHA = 0.01
#: The least value of ``silu``, z·σ(z) at z = −1.27846… (where σ(z)(1 + z(1 − σ(z))) = 0).
SILU_MIN = -0.2784645427610738
SILU_LOWEST_AT = -1.2784645427610738

Z, A = Var("z"), Var("a")
Range = tuple[float, float]


@dataclass(frozen=True)
class Activation:
    """One activation; see the module doc for each field."""

    name: str
    forward: Callable[..., np.ndarray]
    scalar: Callable[[float, float], float] | None
    derivative: Node | None
    definition: Callable[[Node], Node] | None
    output_range: Range
    alpha: float = 0.0
    written_as_call: bool = False  # f′ printed as relu′(net), not expanded
    elementwise: bool = True
    course_name: str = ""
    tree: Node | None = None
    lowest_at: float | None = None

    def __post_init__(self) -> None:
        if self.tree is None and self.definition is not None:  # a safe definition serves
            object.__setattr__(self, "tree", self.definition(Z))

    def __call__(self, z: Any) -> Any:
        """f(z) on an array (or a float, through the array form)."""
        return self.forward(np.asarray(z), self.alpha)

    @property
    def said(self) -> str:
        """Its name in a sentence: ``course_name``, else the name with spaces."""
        return self.course_name or self.name.replace("_", " ")

    @property
    def bipolar(self) -> bool:
        """Whether outputs lie on both sides of 0 (targets ±1, threshold 0)."""
        return self.output_range[0] < 0 < self.output_range[1]

    @property
    def threshold(self) -> float:
        """Where a bounded output is split into two classes: the middle of its range."""
        low, high = self.output_range
        return 0.5 * (low + high) if math.isfinite(low + high) else 0.0

    @property
    def bounded(self) -> bool:
        return all(math.isfinite(v) for v in self.output_range)


# --- the stable forms -------------------------------------------------------------------
def _into(value: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``value``, or a copy of it in ``out`` (a form that cannot write in place)."""
    if out is None:
        return value
    np.copyto(out, value)
    return out


def _sigmoid(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + e^−z) in one array, in place (a training loop calls it on every batch). Where
    e^−z overflows (z below −709 in float64, −88 in float32) it is +inf, and 1/(1 + inf) is
    0: the value, to the precision the type holds (σ(−710) ≈ 4e−309). So the overflow is
    ignored, not avoided; no NaN can arise, and the result is within 4e−16 (relative) of the
    two-branch form e^−|z|/(1 + e^−|z|), in four array passes instead of seven."""
    z = np.asarray(z)
    e = np.empty(z.shape, np.result_type(z, np.float32)) if out is None else out
    np.negative(z, out=e)
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1.0
    np.reciprocal(e, out=e)
    return e


def _sigmoid_scalar(z: float, alpha: float = 0.0) -> float:
    """Selecting the numerator, not the branch, keeps a mispredicted jump off the critical
    path of a compiled loop."""
    e = math.exp(-abs(z))
    return (1.0 if z >= 0.0 else e) / (1.0 + e)


def _bipolar(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    a = _sigmoid(z, out=out)
    a *= 2.0
    a -= 1.0
    return a


def _bipolar_scalar(z: float, alpha: float = 0.0) -> float:
    return 2.0 * _sigmoid_scalar(z) - 1.0


def _tanh(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    return np.tanh(z, out=out)


def _tanh_scalar(z: float, alpha: float = 0.0) -> float:
    return math.tanh(z)


def _relu(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    return _into(np.where(z > 0, z, 0).astype(z.dtype, copy=False), out)


def _relu_scalar(z: float, alpha: float = 0.0) -> float:
    return z if z > 0.0 else 0.0


def _leaky(z: np.ndarray, alpha: float, out: np.ndarray | None = None) -> np.ndarray:
    return _into(np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False), out)


def _leaky_scalar(z: float, alpha: float) -> float:
    return z if z > 0.0 else alpha * z


def _softplus(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    """ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|): e^−|z| never exceeds 1."""
    value = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    return _into(value.astype(z.dtype, copy=False), out)


def _softplus_scalar(z: float, alpha: float = 0.0) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _silu(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    """z·σ(z) by the stable sigmoid: never e^z of a large z."""
    a = _sigmoid(z, out=out)
    a *= z
    return a


def _silu_scalar(z: float, alpha: float = 0.0) -> float:
    return z * _sigmoid_scalar(z)


def _linear(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    return _into(z, out)


def _linear_scalar(z: float, alpha: float = 0.0) -> float:
    return z


def _softmax(z: np.ndarray, alpha: float = 0.0, out: np.ndarray | None = None) -> np.ndarray:
    """Over the last axis, from z − max z: no e^z overflows."""
    with np.errstate(over="ignore"):  # logits ±1e308: the far side shifts to −inf
        shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return _into(e / np.sum(e, axis=-1, keepdims=True), out)


def _sigmoid_definition(x: Node) -> Node:
    return Div(ONE, Add((ONE, Exp(Neg(x)))))


_TABLE = (
    Activation("sigmoid", _sigmoid, _sigmoid_scalar, Mul((A, Sub(ONE, A))),
               _sigmoid_definition, (0.0, 1.0), course_name="binary sigmoid"),
    Activation("bipolar_sigmoid", _bipolar, _bipolar_scalar,
               Mul((HALF, Add((ONE, A)), Sub(ONE, A))),
               lambda x: Sub(Div(TWO, Add((ONE, Exp(Neg(x))))), ONE), (-1.0, 1.0)),
    Activation("tanh", _tanh, _tanh_scalar, Sub(ONE, Pow(A, TWO)), None, (-1.0, 1.0),
               tree=Sub(Div(TWO, Add((ONE, Exp(Mul((Const(-2.0), Z)))))), ONE)),
    Activation("relu", _relu, _relu_scalar, Step(Z), lambda x: Call("max", (Const(0.0), x)),
               (0.0, math.inf), written_as_call=True, course_name="ReLU",
               tree=Mul((Z, Step(Z)))),
    Activation("leaky_relu", _leaky, _leaky_scalar, Step(Z, Var("alpha")), None,
               (-math.inf, math.inf), alpha=LEAKY_RELU_ALPHA, written_as_call=True,
               course_name="leaky ReLU", tree=Mul((Z, Step(Z, Var("alpha"))))),
    Activation("linear", _linear, _linear_scalar, ONE, lambda x: x, (-math.inf, math.inf),
               course_name="identity"),
    Activation("softplus", _softplus, _softplus_scalar, Call("sigmoid", (Z,)),
               lambda x: Log(Add((ONE, Exp(x)))), (0.0, math.inf),
               # max(z, 0) + ln(1 + e^−|z|), with |z| = z·step(z, −1)
               tree=Add((Mul((Z, Step(Z))),
                         Log(Add((ONE, Exp(Neg(Mul((Z, Step(Z, Const(-1.0)))))))))))),
    Activation("silu", _silu, _silu_scalar, Add((A, Mul((Call("sigmoid", (Z,)), Sub(ONE, A))))),
               lambda x: Div(x, Add((ONE, Exp(Neg(x))))), (SILU_MIN, math.inf),
               course_name="SiLU", lowest_at=SILU_LOWEST_AT),
    Activation("softmax", _softmax, None, None, None, (0.0, 1.0), elementwise=False),
)

#: name → entry, in the order of the table above.
ACTIVATIONS: Mapping[str, Activation] = MappingProxyType({a.name: a for a in _TABLE})

_ALIASES = {"identity": "linear", "logistic": "sigmoid", "bipolar": "bipolar_sigmoid"}


def names() -> list[str]:
    """The activation names, in table order."""
    return list(ACTIVATIONS)


def get(name: Any) -> Activation:
    """The entry called ``name`` (``None`` means ``"linear"``; an entry is returned as is).

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.

    >>> get("logistic").name
    'sigmoid'
    """
    if isinstance(name, Activation):
        return name
    key = "linear" if name is None else name
    if isinstance(key, str):
        key = _ALIASES.get(key.lower(), key.lower())
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation. Received: activation={name!r}; "
                         f"valid names: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]


def leaky_relu(alpha: float = LEAKY_RELU_ALPHA) -> Activation:
    """The leaky ReLU with slope ``alpha`` for z ≤ 0 (the table's has 0.01)."""
    return replace(ACTIVATIONS["leaky_relu"], alpha=float(alpha))
