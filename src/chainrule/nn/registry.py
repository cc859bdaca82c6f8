"""Building an object from a name or a config dict, one way for every kind of part."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["build"]


def build(kind: str, table: Mapping[str, type], spec: Any, key: str = "name",
          lower: bool = True, field: str | None = None) -> Any:
    """``table[name](**config)`` for ``spec`` a name or a dict ``{key: name, **config}``;
    ``field`` is the argument's name in messages (default: ``kind``).

    Raises:
        ValueError: an unknown name (listing the valid ones) or a config the class refuses,
            naming ``kind`` and the value received.

    >>> build("optimizer", {"sgd": dict}, {"name": "sgd", "learning_rate": 0.5})
    {'learning_rate': 0.5}
    """
    config: dict[str, Any] = {}
    name = spec
    if isinstance(spec, dict):
        config = dict(spec)
        name = config.pop(key, None)
    if isinstance(name, str) and lower:
        name = name.lower()
    cls = table.get(name) if isinstance(name, str) else None
    if cls is None:
        shown = spec.get(key) if isinstance(spec, dict) else spec
        raise ValueError(f"unknown {kind}. Received: {field or kind}={shown!r}; "
                         f"valid names: {', '.join(table)}")
    try:
        return cls(**config)
    except TypeError as exc:
        raise ValueError(f"bad {kind} config {spec!r}: {exc}") from None
