"""The keys of a problem file and the checks every value goes through.

The reference is ``docs/problem-format.md`` (and ``docs/problem.schema.json``, which the
tests hold to the tables below). Every check raises ``ValueError`` with a message that
names where the value was read (``[weights] layer1.kernel``) and quotes what was received;
``chainrule.teach.problems.files`` prefixes the file name.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from chainrule.derive.conventions import SWITCHES

__all__ = [
    "TOP_KEYS", "NETWORK_KEYS", "EXAMPLE_KEYS", "TRAINING_KEYS", "SOURCE_KEYS", "LAYER_KEYS",
    "PUBLISHED_KEYS", "CONVENTION_KEYS", "PROBLEM_SWITCHES", "check_keys", "table", "number",
    "integer", "text", "texts", "vector", "matrix", "name_key",
]

#: Top-level keys and tables, in the order the reference describes them.
TOP_KEYS = ("title", "network", "weights", "examples", "training", "convention", "source",
            "published", "marks")
NETWORK_KEYS = ("layers", "activation", "activations")
EXAMPLE_KEYS = ("x", "t")
TRAINING_KEYS = ("learning_rate", "momentum", "loss", "epochs")
SOURCE_KEYS = ("citation", "url", "notes")
#: Keys of a ``[weights.layerN]`` table: the matrix (``kernel[i][j]`` from input i to unit j,
#: or ``weight[j][i]``, rows = units as in Hagan and PyTorch) and the bias (added) or the
#: threshold (subtracted: bias = −θ).
LAYER_KEYS = ("kernel", "weight", "bias", "threshold")
PUBLISHED_KEYS = ("printed", "product")
#: Keys of ``[convention]``: the profile ``name`` and any switch of ``Conventions`` except
#: the loss and the momentum, which are the problem's own (``[training]``), and Adam's
#: settings (a problem is trained with SGD).
CONVENTION_KEYS = ("name",) + tuple(s for s in SWITCHES if s not in (
    "error", "momentum", "optimizer", "beta_1", "beta_2", "epsilon", "adam_epsilon"))
#: Switches that change the problem's numbers rather than how they are written: kept when a
#: solution is asked for in another profile (``--convention``).
PROBLEM_SWITCHES = ("update_bias", "hidden_delta_weights")


# how a symbol may be spelt in a file: w_14, w14, "θ_4", theta4, "∂E_total/∂w_5", dEtotal/dw5
_SPELLINGS = {
    "θ": "theta", "δ": "delta", "Δ": "Delta", "∂": "d", "η": "eta", "α": "alpha", "μ": "mu",
    "⁺": "+", "⁽": "(", "⁾": ")", "′": "'",
    **{sup: str(d) for d, sup in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
}


def name_key(name: str) -> str:
    """The spelling-independent form of a symbol's name: Greek letters written out,
    superscripts as plain characters, without ``_``, ``,`` and spaces.

    >>> name_key("θ_4"), name_key("theta4"), name_key("w⁽¹⁾_11"), name_key("∂E_total/∂w_5")
    ('theta4', 'theta4', 'w(1)11', 'dEtotal/dw5')
    """
    spelt = "".join(_SPELLINGS.get(ch, ch) for ch in name)
    return "".join(ch for ch in spelt if ch not in "_, ")


def check_keys(found: Mapping[str, Any], valid: Sequence[str], where: str) -> None:
    """Raise naming the first key of ``found`` not in ``valid`` and listing the valid ones."""
    for key in found:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{where}: unknown key {key!r}{hint}; valid keys: "
                             + ", ".join(valid))


def table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be a table. Received: {value!r}")
    return value


def number(value: Any, where: str) -> float:
    """A finite number (TOML integer or float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} must be a number. Received: {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where} must be finite. Received: {value!r}")
    return float(value)


def integer(value: Any, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where} must be an integer >= {minimum}. Received: {value!r}")
    return value


def text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string. Received: {value!r}")
    return value


def texts(value: Any, where: str) -> tuple[str, ...]:
    """A string or a list of strings."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings. Received: {value!r}")
    return tuple(value)


def vector(value: Any, where: str, size: int | None = None) -> list[float]:
    """A list of numbers (a single number is a list of one) of length ``size`` if given."""
    items = value if isinstance(value, list) else [value]
    out = [number(v, f"{where}[{i}]") for i, v in enumerate(items)]
    if size is not None and len(out) != size:
        raise ValueError(f"{where} must hold {size} number{'s' * (size != 1)}. "
                         f"Received: {len(out)} ({value!r})")
    return out


def matrix(value: Any, where: str, shape: tuple[int, int], meaning: str) -> list[list[float]]:
    """A list of rows of numbers with exactly ``shape``; ``meaning`` says what rows are."""
    rows = value if isinstance(value, list) and all(isinstance(r, list) for r in value) else None
    received = _shape(value)
    if rows is None or received != shape:
        raise ValueError(f"{where}: expected shape {shape} ({meaning}). Received: "
                         f"{'shape ' + str(received) if received else repr(value)}")
    return [[number(v, f"{where}[{i}][{j}]") for j, v in enumerate(row)]
            for i, row in enumerate(rows)]


def _shape(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        return None
    if value and all(isinstance(r, list) for r in value):
        widths = {len(r) for r in value}
        return (len(value), widths.pop()) if len(widths) == 1 else None
    return (len(value),)
