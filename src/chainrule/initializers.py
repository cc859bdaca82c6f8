"""Public alias of ``chainrule.nn.initializers``: ``from chainrule.initializers import ...``."""

from chainrule.nn.initializers import *  # noqa: F403
from chainrule.nn.initializers import __all__  # noqa: F401
