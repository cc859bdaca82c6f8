"""Public alias of ``chainrule.nn.layers``: ``from chainrule.layers import ...``."""

from chainrule.nn.layers import *  # noqa: F403
from chainrule.nn.layers import __all__  # noqa: F401
