"""Renderers: a ``WorkedSolution`` as text, Markdown, LaTeX, JSON, SVG or an HTML page.

Every renderer is a pure function of the solution: it formats what the derivation computed
and computes nothing. The same solution always gives the same bytes.

>>> import chainrule as cr
>>> solution = cr.explain([([[0.5]], [0.0], "linear")], [2.0], [1.0], learning_rate=0.1)
>>> cr.render.text(solution).splitlines()[0].startswith("Conventions")
True
"""

from chainrule.render._graph import graph
from chainrule.render._html import render_fragment as fragment
from chainrule.render._json import render as json
from chainrule.render._latex import render as latex
from chainrule.render._markdown import render as markdown
from chainrule.render._practice import html
from chainrule.render._svg import diagram
from chainrule.render._svg import render_svg as svg
from chainrule.render._text import render as text

__all__ = ["text", "markdown", "latex", "json", "html", "fragment", "svg", "diagram",
           "graph"]
