"""The convenience methods of ``Sequential`` that belong to the floors above ``nn``: each a
one-line delegation, listed in the import contract's ``ignore_imports``.

Their imports run on call, the one exception to imports at the top: at import they would
load derive and render (~0.1–0.2 s) into every process that only trains, and the modules
they reach never import the model back (``tests/test_architecture.py`` looks for circles).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Delegations"]


class Delegations:
    """``model.explain``, ``model.diagram``, ``model.to_torch``, ``model.export_onnx``."""

    def explain(self, x: Any, t: Any, *, learning_rate: float, **kwargs: Any) -> Any:
        """The worked solution of training steps: ``chainrule.explain(self, x, t, ...)``."""
        from chainrule.derive import api

        return api.explain(self, x, t, learning_rate=learning_rate, **kwargs)

    def diagram(self) -> str:
        """The network with its current weights as SVG: ``chainrule.render.diagram(self)``."""
        from chainrule import render

        return render.diagram(self)

    def to_torch(self) -> Any:
        """This model as a PyTorch ``nn.Sequential``: ``chainrule.to_torch(self)``."""
        from chainrule.interop import torch_nets

        return torch_nets.to_torch(self)

    def export_onnx(self, path: Any, dtype: str = "float32") -> None:
        """Write this model as an ONNX file: ``chainrule.export_onnx(self, path, dtype)``."""
        from chainrule.interop import onnx_graphs

        onnx_graphs.export_onnx(self, path, dtype)
