"""``chainrule.datasets`` is ``chainrule.data``, for ``from chainrule.datasets import xor``."""

from chainrule.data import *  # noqa: F403
from chainrule.data import __all__  # noqa: F401
