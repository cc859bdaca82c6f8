"""See a network: SVG diagrams, training plots and an HTML walk-through of a worked solution.

Nothing heavy is imported until it is used: matplotlib only when a plot is asked for.
(``chainrule.viz.diagram`` is the function; its module is ``sys.modules["chainrule.viz.diagram"]``.)

>>> import numpy as np
>>> from chainrule import viz
>>> svg = viz.diagram([(np.array([[0.5], [-0.25]]), np.array([0.1]), "sigmoid")])
>>> "data-param=\\"w.1.2.1\\"" in svg
True
"""

from __future__ import annotations

import importlib
from typing import Any

# the function, bound after its module so that the submodule does not shadow it
from chainrule.viz.diagram import diagram, render_svg

# public name -> module inside chainrule.viz
_LAZY = {
    "render_html": "html",
    "render_fragment": "html",
    "plot_history": "plots",
    "plot_decision_boundary": "plots",
    "decision_grid": "plots",
    "predicted_classes": "plots",
    "plot_gradient_norms": "plots",
    "GradientNorms": "plots",
    "save_figure": "plots",
    "write_training_plots": "plots",
    "report_html": "report",
    "history_json": "report",
    "read_history": "report",
}

__all__ = ["diagram", "render_svg", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'chainrule.viz' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"chainrule.viz.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
