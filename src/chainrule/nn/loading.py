"""``load``: a model back from the archive ``chainrule.nn.io.save`` wrote.

Apart from ``io`` so that ``io`` needs no model and the model's ``save`` no loader: the
arrows point from here to both.
"""

from __future__ import annotations

import os

from chainrule.nn import io
from chainrule.nn.model import Sequential

__all__ = ["load"]


def load(path: str | os.PathLike[str]) -> Sequential:
    """Read a model written by :func:`chainrule.nn.io.save`: built, weights set, compiled if
    it was.

    Raises:
        ValueError: the file is not a chainrule model (corrupt, a foreign archive, a
            pickled array, a wrong format version, weights of the wrong shape, …);
            the message names the file.
        OSError: the file cannot be read (e.g. it does not exist).
    """
    config, weights = io.read(path)
    try:
        model = Sequential.from_config(config["model"])
        if config["model"].get("input_dim") is not None:
            model.build(config["model"]["input_dim"])
        io.check_names(config, model)
        model.set_weights(weights)
        if config.get("compile"):
            model.compile(**config["compile"])
    except (ValueError, TypeError, KeyError) as exc:
        raise io.unreadable(path, exc) from None
    return model
