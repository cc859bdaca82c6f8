"""``chainrule.explain``: chainrule's own models go to the derivation, other frameworks'
models through their readers first.

- a chainrule ``Sequential`` or a list of layers → ``chainrule.derive.explain``, unchanged;
- a PyTorch ``nn.Module`` → ``torch_explain.explain_torch`` (the loss and the optimizer are
  PyTorch's; the solution is checked against PyTorch's own step);
- a path to a Keras ``.keras`` file → ``keras_files.explain_keras``.
"""

from __future__ import annotations

import os
from typing import Any

from chainrule.derive import api
from chainrule.derive.solution import WorkedSolution
from chainrule.interop.keras_files import explain_keras, is_keras_file
from chainrule.interop.torch_explain import explain_torch
from chainrule.interop.torch_nets import is_torch_module

__all__ = ["explain"]


def explain(model: Any, x: Any, t: Any, **kwargs: Any) -> WorkedSolution:
    """The worked solution of training steps of ``model`` on examples ``x`` with targets ``t``.

    ``model`` is a chainrule ``Sequential`` or list of layers (see
    ``chainrule.derive.explain`` for every argument), a PyTorch ``nn.Sequential`` (with
    ``loss=`` and ``optimizer=``, see ``chainrule.interop.torch_explain``) or the path of a
    Keras ``.keras`` file (see ``chainrule.interop.keras_files``).

    >>> net = [([[0.5]], [0.0], "linear")]
    >>> explain(net, [2.0], [1.0], learning_rate=0.1).equation("s1.new.w.1.1.1").printed
    '0.5000'
    """
    if is_torch_module(model):
        return explain_torch(model, x, t, **kwargs)
    if isinstance(model, (str, os.PathLike)) and is_keras_file(model):
        return explain_keras(model, x, t, **kwargs)
    return api.explain(model, x, t, **kwargs)
