"""chainrule: a small neural-network library that trains fast and shows its work.

Train a Keras-like model on a NumPy autodiff engine, then explain any training step as an
exam-style worked solution in the notation of your course::

    >>> import chainrule as cr
    >>> model = cr.Sequential([cr.layers.Dense(2, activation="sigmoid", input_dim=2),
    ...                        cr.layers.Dense(1, activation="sigmoid")])

Public names are resolved lazily so that ``import chainrule`` stays fast: the engine, the
layers and the explainer are imported the first time they are used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from chainrule._util.version import __version__

# public name -> (module, attribute); attribute None means the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "Tensor": ("chainrule.engine", "Tensor"),
    "no_grad": ("chainrule.engine", "no_grad"),
    "gradcheck": ("chainrule.engine", "gradcheck"),
    "engine": ("chainrule.engine", None),
    "nn": ("chainrule.nn", None),
    "layers": ("chainrule.layers", None),
    "losses": ("chainrule.losses", None),
    "optimizers": ("chainrule.optimizers", None),
    "initializers": ("chainrule.initializers", None),
    "callbacks": ("chainrule.callbacks", None),
    "activations": ("chainrule.activations", None),
    "Sequential": ("chainrule.nn.model", "Sequential"),
    "load": ("chainrule.nn.loading", "load"),
    "datasets": ("chainrule.datasets", None),
    "explain": ("chainrule.interop", "explain"),
    "from_torch": ("chainrule.interop", "from_torch"),
    "to_torch": ("chainrule.interop", "to_torch"),
    "export_onnx": ("chainrule.interop", "export_onnx"),
    "from_onnx": ("chainrule.interop", "from_onnx"),
    "load_keras": ("chainrule.interop", "load_keras"),
    "interop": ("chainrule.interop", None),
    "WorkedSolution": ("chainrule.derive", "WorkedSolution"),
    "load_problem": ("chainrule.teach.problems.files", "load_problem"),
    "check": ("chainrule.teach", "check"),
    "teach": ("chainrule.teach", None),
    "viz": ("chainrule.viz", None),
    "render": ("chainrule.render", None),
    "calculus": ("chainrule.calculus", None),
    "derive": ("chainrule.derive", None),
    "data": ("chainrule.data", None),
    "Conventions": ("chainrule.derive", "Conventions"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from chainrule import (
        activations,
        calculus,
        callbacks,
        data,
        datasets,
        derive,
        engine,
        initializers,
        interop,
        layers,
        losses,
        nn,
        optimizers,
        render,
        teach,
        viz,
    )
    from chainrule.derive import Conventions, WorkedSolution
    from chainrule.engine import Tensor, gradcheck, no_grad
    from chainrule.interop import (
        explain,
        export_onnx,
        from_onnx,
        from_torch,
        load_keras,
        to_torch,
    )
    from chainrule.nn.loading import load
    from chainrule.nn.model import Sequential
    from chainrule.teach import check
    from chainrule.teach.problems.files import load_problem
