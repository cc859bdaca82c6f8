"""Public alias of ``chainrule.nn.losses``: ``from chainrule.losses import ...``."""

from chainrule.nn.losses import *  # noqa: F403
from chainrule.nn.losses import __all__  # noqa: F401
