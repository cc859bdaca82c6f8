"""See a network and its training: SVG diagrams, plots, the HTML walk-through and reports.

matplotlib is imported only when a plot is made. The diagram and the walk-through are the
renderers of ``chainrule.render``, re-exported here by the names users know.

>>> import numpy as np
>>> from chainrule import viz
>>> svg = viz.diagram([(np.array([[0.5], [-0.25]]), np.array([0.1]), "sigmoid")])
>>> "data-param=\\"w.1.2.1\\"" in svg
True
"""

from chainrule.render._graph import GraphImage, graph
from chainrule.render._html import render_fragment, render_html
from chainrule.render._svg import diagram, render_svg
from chainrule.viz.plots import (
    GradientNorms,
    decision_grid,
    plot_decision_boundary,
    plot_gradient_norms,
    plot_history,
    predicted_classes,
    save_figure,
    write_training_plots,
)
from chainrule.viz.report import history_json, read_history, report_html

__all__ = [
    "diagram", "render_svg", "render_html", "render_fragment", "plot_history",
    "plot_decision_boundary", "decision_grid", "predicted_classes", "plot_gradient_norms",
    "GradientNorms", "save_figure", "write_training_plots", "report_html", "history_json",
    "read_history", "graph", "GraphImage",
]
