"""Public alias of ``chainrule.nn.callbacks``: ``from chainrule.callbacks import ...``."""

from chainrule.nn.callbacks import *  # noqa: F403
from chainrule.nn.callbacks import __all__  # noqa: F401
