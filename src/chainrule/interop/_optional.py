"""Optional dependencies, imported when a route that needs them is taken.

``import chainrule`` imports none of torch, onnx, onnxruntime or h5py; each route imports
what it needs through :func:`require`, and a missing package is one line naming the extra
that installs it::

    ImportError: from_torch needs PyTorch: pip install 'chainrule[torch]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require", "EXTRAS"]

#: module → (what it is called, the extra of chainrule that installs it)
EXTRAS = {
    "torch": ("PyTorch", "torch"),
    "onnx": ("the onnx package", "onnx"),
    "onnxruntime": ("onnxruntime", "onnx"),
    "h5py": ("h5py", "keras"),
}


def require(module: str, feature: str) -> ModuleType:
    """``module`` imported, or an ``ImportError`` of one line naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        name, extra = EXTRAS[module]
        raise ImportError(f"{feature} needs {name}: pip install 'chainrule[{extra}]'") from None
