"""Public alias of ``chainrule.nn.activations``: ``from chainrule.activations import ...``."""

from chainrule.nn.activations import *  # noqa: F403
from chainrule.nn.activations import __all__  # noqa: F401
