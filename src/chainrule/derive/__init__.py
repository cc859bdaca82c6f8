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

from chainrule.derive.api import explain
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
from chainrule.derive.truth import ConsistencyError

__all__ = [
    "explain", "ConsistencyError", "Conventions", "PROFILES",
    "get_conventions",
    "WorkedSolution", "Step", "Section", "Equation", "DerivationLine", "NetworkInfo",
    "LayerInfo", "WeightRow", "Symbol", "Partial",
]
