"""Public alias of ``chainrule.nn.optimizers``: ``from chainrule.optimizers import ...``."""

from chainrule.nn.optimizers import *  # noqa: F403
from chainrule.nn.optimizers import __all__  # noqa: F401
