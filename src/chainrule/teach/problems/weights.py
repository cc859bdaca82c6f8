"""The ``[weights]`` table of a problem file → the engine's kernels and biases.

Weights are given by the names the convention prints (``v11 = 0.6``, ``w14 = 0.2``,
``theta4 = -0.4``, ``w5``, ``b1``) or per layer as matrices in ``[weights.layerN]``
(``kernel[i][j]`` from input i to unit j, or ``weight[j][i]`` with a row per unit; ``bias``
added or ``threshold`` subtracted). Both may be mixed; every parameter must be given once.

The names are those of the solution's ``given`` section, read from a solution of the same
network with zero weights, so a file spells a weight exactly as the solution prints it
(``_``, ``,`` and spaces optional, Greek letters written out or not, case ignored when that
is unambiguous).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from chainrule._util.text import counted
from chainrule.derive import explain, ids
from chainrule.derive.conventions import Conventions
from chainrule.teach.problems import schema as schema

__all__ = ["Layer", "assemble", "parameter_names"]

#: A weight layer in the engine's form: ``(kernel (in, out), bias (out,) or None,
#: activation)``, ``y = activation(x @ kernel + bias)``.
Layer = tuple[np.ndarray, "np.ndarray | None", str]

_LAYER_TABLE = re.compile(r"layer(\d+)$")


def assemble(table: Mapping[str, Any], layers: tuple[Layer, ...], c: Conventions
             ) -> tuple[Layer, ...]:
    """Kernels and biases from ``table`` for the network of ``layers`` (their shapes and
    activations) under conventions ``c``."""
    weights = _Assembler(layers, c)
    for key, value in table.items():
        match = _LAYER_TABLE.match(key)
        if isinstance(value, Mapping):
            if not match or not 1 <= int(match.group(1)) <= len(weights.kernels):
                raise ValueError(f"[weights.{key}]: unknown layer table; layer tables are "
                                 + ", ".join(f"layer{n}"
                                             for n in range(1, len(weights.kernels) + 1)))
            weights.layer(value, int(match.group(1)))
        else:
            pid = weights.names.lookup(key)
            weights.set(pid, schema.number(value, f"[weights] {key}"), f"[weights] {key}")
    missing = [symbol for pid, symbol in weights.names.symbols.items()
               if pid not in weights.given]
    if missing:
        raise ValueError(f"[weights]: missing weight{'s' * (len(missing) > 1)} "
                         f"{', '.join(missing)} (give each by name or in a [weights.layerN] "
                         "table)")
    return tuple((k, b, act) for k, b, (_, _, act)
                 in zip(weights.kernels, weights.biases, layers))


class _Names:
    """Parameter ids by spelling: the exact ``name_key`` first, then case-folded if unique."""

    def __init__(self, symbols: dict[str, str]) -> None:
        self.symbols = symbols  # parameter id → symbol text, in the solution's order
        self.exact: dict[str, str] = {}
        self.folded: dict[str, set[str]] = {}
        for pid, symbol in symbols.items():
            key = schema.name_key(symbol)
            self.exact[key] = pid
            self.folded.setdefault(key.lower(), set()).add(pid)

    def lookup(self, name: str) -> str:
        key = schema.name_key(name)
        if key in self.exact:
            return self.exact[key]
        folded = self.folded.get(key.lower(), set())
        if len(folded) == 1:
            return next(iter(folded))
        valid = ", ".join(self.symbols.values())
        raise ValueError(f"[weights]: unknown weight {name!r}; the weights of this network "
                         f"in this convention are {valid}")

    def describe(self, pid: str) -> str:
        return self.symbols.get(pid, pid)


def parameter_names(layers: tuple[Layer, ...], c: Conventions) -> _Names:
    """Every parameter id (``w.1.2.1``, ``b.1.1``, ``b.2``) with the symbol it prints as,
    from the ``given`` section of a solution of the same network with zero weights."""
    zeros = [(np.zeros_like(k), None if b is None else np.zeros_like(b), act)
             for k, b, act in layers]
    x, t = np.zeros((1, layers[0][0].shape[0])), np.zeros((1, layers[-1][0].shape[1]))
    solution = explain(zeros, x, t, learning_rate=1.0, convention=c)
    return _Names({eq.id: eq.symbol.text for eq in solution.given
                   if eq.id.startswith(("w.", "b."))})


class _Assembler:
    """Kernels and biases filled in one parameter at a time, each exactly once."""

    def __init__(self, layers: tuple[Layer, ...], c: Conventions) -> None:
        self.c = c
        self.names = parameter_names(layers, c)
        self.kernels = [np.full(k.shape, np.nan) for k, _, _ in layers]
        self.biases = [None if c.bias == "none" else np.full(k.shape[1], np.nan)
                       for k, _, _ in layers]
        self.given: dict[str, str] = {}  # parameter id → where it was given

    def layer(self, table: Mapping[str, Any], layer: int) -> None:
        where = f"[weights.layer{layer}]"
        schema.check_keys(table, schema.LAYER_KEYS, where)
        n_in, n_out = self.kernels[layer - 1].shape
        for a, b in (("kernel", "weight"), ("bias", "threshold")):
            if a in table and b in table:
                raise ValueError(f"{where}: give {a} or {b}, not both")
        if "kernel" in table:
            kernel = np.array(schema.matrix(
                table["kernel"], f"{where} kernel", (n_in, n_out),
                f"{counted(n_in, 'input')} × {counted(n_out, 'unit')}: kernel[i][j] from "
                "input i to unit j"))
        elif "weight" in table:
            kernel = np.array(schema.matrix(
                table["weight"], f"{where} weight", (n_out, n_in),
                f"{counted(n_out, 'unit')} × {counted(n_in, 'input')}: weight[j][i] from "
                "input i to unit j")).T
        else:
            kernel = np.zeros((0, 0))
        for (i, j), value in np.ndenumerate(kernel):
            self.set(ids.param(("w", layer, i + 1, j + 1)), float(value), f"{where} kernel")
        for key, sign in (("bias", 1.0), ("threshold", -1.0)):
            if key in table:
                self.layer_bias(schema.vector(table[key], f"{where} {key}"), sign, layer,
                                f"{where} {key}")

    def layer_bias(self, values: list[float], sign: float, layer: int, where: str) -> None:
        bias = self.biases[layer - 1]
        if bias is None:
            if any(values):
                raise ValueError(f"{where}: the convention's bias form is 'none'. "
                                 f"Received: {values!r}")
            return
        if len(values) == 1:
            values = values * len(bias)  # one bias shared by the layer
        if len(values) != len(bias):
            raise ValueError(f"{where}: expected {counted(len(bias), 'value')} (one per unit) "
                             f"or one shared value. Received: {values!r}")
        self.once([ids.param(("b", layer, j)) for j in range(1, len(bias) + 1)]
                  + [ids.param(("b", layer))], where)
        bias[:] = [sign * v + 0.0 for v in values]

    def set(self, pid: str, value: float, where: str) -> None:
        parts = ids.param_key(pid)
        layer = parts[1]
        if parts[0] == "w":
            self.once([pid], where)
            self.kernels[layer - 1][parts[2] - 1, parts[3] - 1] = value
            return
        bias = self.biases[layer - 1]
        assert bias is not None, pid  # a convention without biases names no b.*
        if len(parts) == 2:  # the bias shared by the layer
            self.once([pid] + [ids.param(("b", layer, j)) for j in range(1, len(bias) + 1)],
                      where)
            bias[:] = value
        else:
            self.once([pid], where)
            bias[parts[2] - 1] = -value + 0.0 if self.c.bias == "threshold" else value

    def once(self, pids: list[str], where: str) -> None:
        """Record that ``pids`` are given at ``where``; raise if one of them already was."""
        for pid in pids:
            if pid in self.given:
                raise ValueError(f"{where}: {self.names.describe(pid)} is given twice (also "
                                 f"in {self.given[pid]})")
        for pid in pids:
            self.given[pid] = where
