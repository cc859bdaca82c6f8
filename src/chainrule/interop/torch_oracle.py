"""PyTorch's own numbers for the steps a worked solution explains: the oracle it is held to.

A float64 deep copy of the module and a fresh optimizer of the same class and settings take
the same steps (one example each): the forward values layer by layer, the loss, autograd's
gradient on every net input, unit output and parameter, f′ from autograd on the activation
module alone, and the parameters after ``optimizer.step()`` (with Adam, its moments too).
Values are keyed by the worked solution's equation ids (``chainrule.derive.ids``), in the
convention's terms: the ``plus`` sign form's δ and ∂E/∂out are −∂E/∂net and −∂E/∂out; a
threshold θ is −bias.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.derive import ids
from chainrule.derive.network import param_keys
from chainrule.interop._optional import require

__all__ = ["Oracle"]


class Oracle:
    """Runs steps on a float64 copy of ``module`` with a fresh twin of ``optimizer``;
    ``layers`` are the module's ``torch_nets.layer_modules``.

    ``loss(output, target)`` is the PyTorch loss; ``output_activation(net)`` maps the last
    net input to the solution's output when the loss holds the activation (a sigmoid for
    ``BCEWithLogitsLoss``, a softmax for ``CrossEntropyLoss``), else ``None``."""

    def __init__(self, module: Any, layers: list[tuple[Any, Any, str]], optimizer: Any,
                 hyper: dict[str, Any], loss: Callable[[Any, Any], Any],
                 output_activation: Callable | None, sizes: tuple[int, ...], sign: str,
                 bias: str) -> None:
        self.torch = require("torch", "explain")
        # one deep copy of both, so that the copied layers are the copied module's
        self.module, self.layers = copy.deepcopy((module, layers))
        self.module.double()
        self.optimizer = type(optimizer)(self.module.parameters(), **hyper)
        self.loss, self.output_activation = loss, output_activation
        self.keys = param_keys(sizes, bias)
        self.sign = 1.0 if sign == "minus" else -1.0
        self.threshold = bias == "threshold"
        self.values: dict[str, float] = {}

    def _where(self, key: tuple) -> tuple[Any, tuple[int, ...], float]:
        """The tensor holding parameter ``key``, its index there, and the sign that turns
        its value into the convention's (−1 for a threshold)."""
        linear = self.layers[key[1] - 1][0]
        if key[0] == "w":
            return linear.weight, (key[3] - 1, key[2] - 1), 1.0
        return linear.bias, (key[2] - 1,), -1.0 if self.threshold else 1.0

    def _param(self, key: tuple, tensor_of: Callable[[Any], Any]) -> float:
        p, index, sign = self._where(key)
        return sign * float(tensor_of(p)[index])

    def _params(self, s: str, name: Callable[[str, tuple], str],
                tensor_of: Callable[[Any], Any]) -> None:
        for key in self.keys:
            self.values[name(s, key)] = self._param(key, tensor_of)

    def step(self, s: str, x: np.ndarray, target: Any) -> None:
        """One step on example ``x`` (in,) with the loss's ``target`` (a batch of one)."""
        torch = self.torch
        self._params(s, ids.weight, lambda p: p.detach())
        a = torch.tensor(np.asarray(x, np.float64)[None, :])
        nets, outs = [], []
        for linear, act, _ in self.layers:
            net = linear(a)
            net.retain_grad()
            out = net if act is None else act(net)
            if out is not net:
                out.retain_grad()
            nets.append(net)
            outs.append(out)
            a = out
        error = self.loss(a, target)
        self.optimizer.zero_grad()
        error.backward()
        self.values[ids.error(s)] = float(error.detach())
        self._units(s, nets, outs)
        self._params(s, ids.gradient, lambda p: p.grad)
        before = {key: self._param(key, lambda p: p.detach()) for key in self.keys}
        self.optimizer.step()
        self._params(s, ids.updated, lambda p: p.detach())
        for key in self.keys:
            self.values[ids.change(s, key)] = self.values[ids.updated(s, key)] - before[key]
        self._state(s)

    def _units(self, s: str, nets: list[Any], outs: list[Any]) -> None:
        torch = self.torch
        last = len(nets)
        for layer, (net, out, (_, act, name)) in enumerate(zip(nets, outs, self.layers),
                                                            start=1):
            shown = out.detach()
            if layer == last and self.output_activation is not None:
                shown = self.output_activation(net.detach())
            fprime = None
            if act is not None and name != "softmax":
                z = net.detach().clone().requires_grad_(True)
                act(z).sum().backward()
                fprime = z.grad
            elif act is None and not (layer == last and self.output_activation is not None):
                fprime = torch.ones_like(net)
            for j in range(net.shape[1]):
                self.values[ids.net(s, layer, j + 1)] = float(net.detach()[0, j])
                self.values[ids.out(s, layer, j + 1)] = float(shown[0, j])
                self.values[ids.delta(s, layer, j + 1)] = self.sign * float(net.grad[0, j])
                if out.grad is not None and not (layer == last and self.output_activation):
                    self.values[ids.dout(s, layer, j + 1)] = self.sign * float(out.grad[0, j])
                if fprime is not None:
                    self.values[ids.fprime(s, layer, j + 1)] = float(fprime[0, j])

    def _state(self, s: str) -> None:
        """Adam's moments m and v after the step, per parameter."""
        state = self.optimizer.state
        if not any("exp_avg" in state[p] for p in self.module.parameters()):
            return
        for key in self.keys:
            p, index, sign = self._where(key)
            self.values[ids.moment(s, key, 1)] = sign * float(state[p]["exp_avg"][index])
            self.values[ids.moment(s, key, 2)] = float(state[p]["exp_avg_sq"][index])

    def epochs(self, steps: list[list[str]]) -> None:
        """The mean error of each epoch's steps."""
        for number, epoch in enumerate(steps, start=1):
            self.values[ids.loss(number)] = float(np.mean([self.values[ids.error(s)]
                                                           for s in epoch]))
