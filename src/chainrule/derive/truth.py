"""The engine's numbers for the same run, and the check that the derivation matches them.

The same online training is run on ``chainrule.engine`` Tensors: forward activations layer
by layer, the loss from ``chainrule.engine.losses`` (the fused stable form for a sigmoid output
with binary cross-entropy and a softmax output with categorical cross-entropy), autodiff
``backward()`` for every gradient — including ∂E/∂net and ∂E/∂out of every unit, which the
engine keeps on intermediate tensors — and the calculus floor's SGD rule for the update.
Parameters follow the convention's bias form: a threshold θ is the engine bias −θ; a shared
bias is one scalar parameter broadcast over its layer; a frozen bias is not given to the
optimizer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from chainrule.calculus import optimizers
from chainrule.calculus.losses import LOSSES
from chainrule.derive import ids
from chainrule.derive.conventions import Conventions
from chainrule.derive.network import Network, param_keys
from chainrule.engine import Tensor, losses
from chainrule.engine import functional as F

__all__ = ["ConsistencyError", "engine_values", "check", "TOLERANCE"]

#: Largest accepted difference from the engine, relative to max(1, |engine value|).
TOLERANCE = 1e-12


class ConsistencyError(RuntimeError):
    """A derived value differs from the engine's: the derivation has a bug."""


def _parameters(network: Network, c: Conventions) -> tuple[list[Tensor], list[Tensor | None]]:
    kernels = [Tensor(k.copy(), requires_grad=True) for k in network.kernels]
    biases: list[Tensor | None] = []
    for kernel, b in zip(network.kernels, network.biases):
        b = np.zeros(kernel.shape[1]) if b is None else b.copy()
        if c.bias == "none":
            biases.append(None)
        elif c.bias == "shared":
            biases.append(Tensor(np.array(b[0]), requires_grad=True))
        else:
            biases.append(Tensor(b, requires_grad=True))
    return kernels, biases


def _param_value(key: tuple, kernels: list[Tensor], biases: list[Tensor | None],
                 c: Conventions, attr: str) -> float:
    """Parameter ``key``'s value (attr "data") or gradient (attr "grad") in the convention's
    terms (θ = −bias)."""
    layer = key[1] - 1
    if key[0] == "w":
        return float(getattr(kernels[layer], attr)[key[2] - 1, key[3] - 1])
    tensor = biases[layer]
    assert tensor is not None
    array = getattr(tensor, attr)
    value = float(array) if array.ndim == 0 else float(array[key[2] - 1])
    return -value if c.bias == "threshold" else value


def fprime(act: str, net: np.ndarray) -> np.ndarray:
    """f′ of activation ``act`` at ``net``, by the engine's autodiff."""
    z = Tensor(net.copy(), requires_grad=True)
    F.activation(z, act).sum().backward()
    return z.grad


def _set_param(key: tuple, value: float, kernels: list[Tensor], biases: list[Tensor | None],
               c: Conventions) -> None:
    """Write parameter ``key`` (in the convention's terms) into the engine's tensors."""
    layer = key[1] - 1
    if key[0] == "w":
        kernels[layer].data[key[2] - 1, key[3] - 1] = value
        return
    tensor = biases[layer]
    assert tensor is not None
    value = -value if c.bias == "threshold" else value
    if tensor.data.ndim == 0:
        tensor.data[...] = value
    else:
        tensor.data[key[2] - 1] = value


def engine_values(network: Network, examples: Iterable[tuple[np.ndarray, np.ndarray]],
                  c: Conventions, learning_rate: float, steps: list[str],
                  epochs: list[list[str]],
                  start: Callable[[str], float] | None = None) -> dict[str, float]:
    """The engine's value for every id that has one (see ``docs/explain.md``, section 4).

    ``start(id)``, if given, supplies each step's starting parameters (``s3.w.1.1.1``): the
    engine then computes every step from the same inputs as the derivation, so rounding
    differences never compound over a long (or diverging) run. The optimizer keeps its
    own state (the momentum velocity) from step to step."""
    kernels, biases = _parameters(network, c)
    keys = param_keys(network.sizes, c.bias)
    trained = [p for p in kernels] + ([b for b in biases if b is not None]
                                      if c.update_bias else [])
    velocities = {id(p): np.zeros_like(p.data) for p in trained}  # SGD's, step to step
    moments = {id(p): (np.zeros_like(p.data), np.zeros_like(p.data)) for p in trained}  # Adam's
    sign = 1.0 if c.sign == "minus" else -1.0
    values: dict[str, float] = {}
    for number, (s, (x, t)) in enumerate(zip(steps, examples), start=1):
        for key in keys:
            if start is not None:
                _set_param(key, start(ids.weight(s, key)), kernels, biases, c)
            values[ids.weight(s, key)] = _param_value(key, kernels, biases, c, "data")
        nets, outs, per_row = forward(network.activations, kernels, biases, x[None, :],
                                      t[None, :], c.error)
        error = per_row.sum()
        for p in kernels + biases:
            if p is not None:
                p.zero_grad()
        error.backward()
        values[ids.error(s)] = error.item()
        values.update(_unit_values(s, network, nets, outs, sign))
        before = {key: _param_value(key, kernels, biases, c, "data") for key in keys}
        for key in keys:
            values[ids.gradient(s, key)] = _param_value(key, kernels, biases, c, "grad")
        if c.optimizer == "adam":
            _adam_step(trained, moments, learning_rate, c, number)
        else:
            for p in trained:
                p.data[...], velocities[id(p)][...] = optimizers.sgd(
                    p.data, p.grad, velocities[id(p)], learning_rate, float(c.momentum), False)
        for key in keys:
            after = _param_value(key, kernels, biases, c, "data")
            values[ids.updated(s, key)] = after
            values[ids.change(s, key)] = after - before[key]
            if c.optimizer == "adam" and (key[0] == "w" or c.update_bias):
                values.update(_moment_values(s, key, kernels, biases, moments, c))
    for number, epoch_steps in enumerate(epochs, start=1):
        values[ids.loss(number)] = float(np.mean([values[ids.error(s)] for s in epoch_steps]))
    return values


def _adam_step(trained: list[Tensor], moments: dict[int, tuple[np.ndarray, np.ndarray]],
               learning_rate: float, c: Conventions, step: int) -> None:
    """The calculus floor's Adam rule on every trained parameter; step counts from 1."""
    c1, c2 = optimizers.adam_corrections(step, c.beta_1, c.beta_2)
    # ε added to √v is ε/√(1 − β₂ᵗ) added to the corrected √v
    epsilon = c.epsilon if c.adam_epsilon == "corrected" else c.epsilon / c2 ** 0.5
    for p in trained:
        m, v = moments[id(p)]
        p.data[...], m[...], v[...] = optimizers.adam(p.data, p.grad, m, v, learning_rate,
                                                      c.beta_1, c.beta_2, epsilon, c1, c2)


def _moment_values(s: str, key: tuple, kernels: list[Tensor], biases: list[Tensor | None],
                   moments: dict[int, tuple[np.ndarray, np.ndarray]],
                   c: Conventions) -> dict[str, float]:
    """Adam's m and v of parameter ``key`` in the convention's terms (m_θ = −m_b)."""
    layer = key[1] - 1
    tensor = kernels[layer] if key[0] == "w" else biases[layer]
    assert tensor is not None
    m, v = moments[id(tensor)]
    if key[0] == "w":
        index: tuple = (key[2] - 1, key[3] - 1)
    else:
        index = () if m.ndim == 0 else (key[2] - 1,)
    sign = -1.0 if key[0] == "b" and c.bias == "threshold" else 1.0
    return {ids.moment(s, key, 1): sign * float(m[index]), ids.moment(s, key, 2): float(v[index])}


def _unit_values(s: str, network: Network, nets: list[Tensor], outs: list[Tensor],
                 sign: float) -> dict[str, float]:
    """net, out, δ, ∂E/∂out and f′ of every unit in step ``s``, from the engine's forward
    values and the gradients autodiff left on them (``sign`` −1: the plus form's δ)."""
    values = {}
    for layer, (net, out) in enumerate(zip(nets, outs), start=1):
        act = network.activations[layer - 1]
        fp = None if act == "softmax" else fprime(act, net.data)[0]
        for j in range(net.shape[1]):
            values[ids.net(s, layer, j + 1)] = float(net.data[0, j])
            values[ids.out(s, layer, j + 1)] = float(out.data[0, j])
            values[ids.delta(s, layer, j + 1)] = sign * float(net.grad[0, j])
            if out.grad is not None:
                values[ids.dout(s, layer, j + 1)] = sign * float(out.grad[0, j])
            if fp is not None:
                values[ids.fprime(s, layer, j + 1)] = float(fp[j])
    return values


def forward(activations: tuple[str, ...], kernels: list[Tensor], biases: list[Tensor | None],
            x: np.ndarray, t: np.ndarray, loss: str) -> tuple[list, list, Tensor]:
    """The engine's forward pass of a batch ``x`` (rows are examples) to each row's loss
    against ``t``: ``(nets, outs, per-row losses)``, fused where the loss table fuses."""
    a = Tensor(x)
    nets, outs = [], []
    for kernel, bias, act in zip(kernels, biases, activations):
        net = F.matmul(a, kernel)
        if bias is not None:
            net = F.add(net, bias)
        a = F.activation(net, act)
        nets.append(net)
        outs.append(a)
    target = Tensor(t)
    entry = LOSSES[loss]
    fused = losses.fused(entry, activations[-1])
    per_row = (fused(target, nets[-1]) if fused is not None
               else losses.loss(entry, target, outs[-1]))
    return nets, outs, per_row


def check(full: dict[str, float], engine: dict[str, float], symbols: dict[str, str],
          skip: set[str] | None = None) -> None:
    """Raise ``ConsistencyError`` naming the first derived value that differs from the
    engine's by more than ``TOLERANCE`` (relative to max(1, |engine value|))."""
    for qid, value in full.items():
        if qid not in engine or (skip and qid in skip):
            continue
        expected = engine[qid]
        if abs(value - expected) > TOLERANCE * max(1.0, abs(expected)):
            raise ConsistencyError(
                f"{qid} ({symbols.get(qid, '?')}): the derivation gives {value!r} but the "
                f"engine computes {expected!r} (difference {abs(value - expected):.3g})"
            )
