"""Formula trees → code: one tree of the calculus table, run on arrays, floats or Tensors.

``source(node)`` writes a tree as one Python expression in which arithmetic is written with
operators and every function is a name: ``exp``, ``log``, ``step(x, low)``, ``f_<name>(x)``
for the activation ``name`` and ``df_<name>(x)`` for its derivative. What those names mean
is up to the caller's *namespace*:

- ``NUMPY``: arrays (the engine's VJPs, the NumPy training loop);
- ``scalar_namespace()``: floats with ``math`` (generated kernels, compiled by Numba);
- a namespace of engine functions: Tensors, so autodiff differentiates a loss's formula.

``function(node, args, namespace)`` compiles the expression once into a callable of the
variables ``args``; variables not in ``args`` must be bound first (``formula.bind``).

>>> from chainrule.calculus.activations import ACTIVATIONS, Activation
>>> source(ACTIVATIONS["sigmoid"].derivative)
'(a * (1.0 - a))'
>>> source(ACTIVATIONS["tanh"].derivative)
'(1.0 - (a * a))'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np

from chainrule.calculus.activations import ACTIVATIONS, Activation
from chainrule.calculus.formula import (
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
    bind,
)

__all__ = [
    "source", "function", "NUMPY", "scalar_namespace", "derivative_function", "gradient",
]


def source(node: Node) -> str:
    """``node`` as a Python expression over its variables (see the module doc)."""
    if isinstance(node, Const):
        return repr(float(node.value))
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Add):
        return "(" + " + ".join(source(t) for t in node.terms) + ")"
    if isinstance(node, Sub):
        return f"({source(node.left)} - {source(node.right)})"
    if isinstance(node, Neg):
        return f"(-{source(node.arg)})"
    if isinstance(node, Mul):
        return "(" + " * ".join(source(f) for f in node.factors) + ")"
    if isinstance(node, Div):
        return f"({source(node.num)} / {source(node.den)})"
    if isinstance(node, Pow):
        if node.exponent == Const(2.0):  # x·x: exact, and as fast as it gets in every dialect
            base = source(node.base)
            return f"({base} * {base})"
        return f"({source(node.base)} ** {source(node.exponent)})"
    if isinstance(node, Exp):
        return f"exp({source(node.arg)})"
    if isinstance(node, Log):
        return f"log({source(node.arg)})"
    if isinstance(node, Step):
        return f"step({source(node.arg)}, {source(node.low)})"
    if isinstance(node, Call) and len(node.args) == 1:
        prefix = "df_" if node.derivative else "f_"
        return f"{prefix}{node.fn}({source(node.args[0])})"
    raise TypeError(f"{type(node).__name__} cannot be compiled: {node!r}")


def function(node: Node, args: Sequence[str], namespace: Mapping[str, Any]) -> Callable:
    """``lambda *args: <node>`` evaluated in ``namespace``."""
    code = f"lambda {', '.join(args)}: {source(node)}"
    return eval(compile(code, f"<formula {code[:60]}>", "eval"), dict(namespace))  # noqa: S307


def _step_array(x: np.ndarray, low: float) -> np.ndarray:
    """1 where x > 0, else ``low``, in x's dtype."""
    kind = x.dtype.type if isinstance(x, np.ndarray) else float
    return np.where(x > 0, kind(1.0), kind(low))


def _step_float(x: float, low: float) -> float:
    return 1.0 if x > 0.0 else low


def _functions(kind: str) -> dict[str, Any]:
    from_table: dict[str, Any] = {}
    for act in ACTIVATIONS.values():
        if kind == "array":
            from_table[f"f_{act.name}"] = (lambda f, alpha: lambda z: f(z, alpha))(
                act.forward, act.alpha)
        elif act.scalar is not None:
            from_table[f"f_{act.name}"] = (lambda f, alpha: lambda z: f(z, alpha))(
                act.scalar, act.alpha)
    return from_table


#: Arrays: the names a tree may use, as NumPy functions.
NUMPY: dict[str, Any] = {"exp": np.exp, "log": np.log, "step": _step_array}


def scalar_namespace() -> dict[str, Any]:
    """Floats: ``math`` functions and the table's scalar forms."""
    return {"exp": math.exp, "log": math.log, "step": _step_float, **_functions("scalar")}


@cache
def derivative_function(derivative: Node, alpha: float, kind: str = "array"
                        ) -> Callable[[Any, Any], Any]:
    """f′ as a function of ``(z, a)`` on arrays (``kind="array"``) or floats, compiled once
    per tree, α and kind (a training loop asks for it each time it builds its steps)."""
    tree = bind(derivative, alpha=Const(float(alpha)))
    namespace = ({**NUMPY, **_functions("array")} if kind == "array"
                 else scalar_namespace())
    return function(tree, ("z", "a"), namespace)


def gradient(activation: Activation) -> Callable[[Any, Any], Any]:
    """f′ of ``activation`` as a NumPy function of ``(z, a)``, compiled once per entry
    (``derivative_function``'s cache)."""
    if activation.derivative is None:
        raise ValueError(f"{activation.name} has no elementwise derivative (it is "
                         "differentiated with its loss only)")
    return derivative_function(activation.derivative, activation.alpha)
