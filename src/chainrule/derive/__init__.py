"""Worked solutions: explain any training step in the notation of a course.

>>> import numpy as np
>>> from chainrule.derive import explain
>>> net = [(np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.1, 0.1]), "sigmoid"),
...        (np.array([[0.5], [0.6]]), np.array([0.2]), "sigmoid")]
>>> solution = explain(net, [1, 0], [1], learning_rate=0.3)
>>> solution.equation("s1.out.2.1").printed
'0.6941'

The data model (``Equation``, ``Step``, ``WorkedSolution``, formula trees, symbols) is
described in ``docs/explain.md``.
"""

from __future__ import annotations

from typing import Any

from chainrule.derive.conventions import PROFILES, Conventions
from chainrule.derive.conventions import get as get_conventions
from chainrule.derive.solution import (
    DerivationLine,
    Equation,
    LayerInfo,
    NetworkInfo,
    Section,
    Step,
    WeightRow,
    WorkedSolution,
)
from chainrule.derive.symbol import Partial, Symbol

__all__ = [
    "explain", "ConsistencyError", "load_problem", "Problem", "Conventions", "PROFILES",
    "get_conventions",
    "WorkedSolution", "Step", "Section", "Equation", "DerivationLine", "NetworkInfo",
    "LayerInfo", "WeightRow", "Symbol", "Partial",
]


def __getattr__(name: str) -> Any:
    # explain() pulls in the engine; keep importing the data model cheap
    if name in ("explain", "ConsistencyError"):
        from chainrule.derive import api, truth

        return api.explain if name == "explain" else truth.ConsistencyError
    if name in ("load_problem", "Problem"):
        from chainrule.teach.problems import files as problem

        return getattr(problem, name)
    raise AttributeError(f"module 'chainrule.derive' has no attribute {name!r}")
