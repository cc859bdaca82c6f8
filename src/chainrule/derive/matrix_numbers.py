"""The numbers of the matrix form: one step on a block of examples, as matrix products.

A step takes the examples of a block as the rows of ``x`` (k, in) — one example online, k in a
mini-batch — and computes, in the engine's terms (kernel (in, out), ``z = a @ kernel + b``)::

    z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ kernel⁽ˡ⁾ + b⁽ˡ⁾         a⁽ˡ⁾ = f(z⁽ˡ⁾)       E = mean over the rows of E_r
    δ⁽ᴸ⁾ = ∂E_r/∂a ⊙ f′(z⁽ᴸ⁾)  (or the loss table's fused δ)
    δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾ kernel⁽ˡ⁺¹⁾ᵀ) ⊙ f′(z⁽ˡ⁾)
    ∂E/∂kernel⁽ˡ⁾ = (1/k) a⁽ˡ⁻¹⁾ᵀ δ⁽ˡ⁾     ∂E/∂b⁽ˡ⁾ = (1/k) Σ_r δ⁽ˡ⁾_r

with NumPy, f and f′ from the calculus table, ∂E/∂a and the fused δ from the loss table, and
the SGD rule (with momentum) written out. ``check_engine`` runs the same block on the engine
(autodiff of the batch's mean loss, as ``Sequential.fit(batch_size=k)`` trains) and raises
``ConsistencyError`` where a value differs. Each row's δ is ∂E_r/∂z (the example's own δ); the
mean over the block enters in the gradients only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.calculus import activations, optimizers
from chainrule.calculus.compile import NUMPY, function, gradient
from chainrule.calculus.losses import LOSSES, fuses
from chainrule.derive import truth
from chainrule.derive.truth import TOLERANCE, ConsistencyError
from chainrule.engine import Tensor
from chainrule.engine import functional as F

__all__ = ["Block", "Params", "Rule", "block", "check_engine"]


@dataclass
class Params:
    """The engine's parameters: ``kernels[l]`` (in, out), ``biases[l]`` (out,) or ``None``,
    and SGD's velocities of each (zeros at the start)."""

    kernels: list[np.ndarray]
    biases: list[np.ndarray | None]
    kernel_velocity: list[np.ndarray]
    bias_velocity: list[np.ndarray | None]


@dataclass(frozen=True)
class Rule:
    """SGD's constants, and whether biases are trained and shared per layer."""

    learning_rate: float
    momentum: float
    update_bias: bool
    shared_bias: bool


@dataclass
class Block:
    """Every value of one step on a block of rows, in the engine's terms (rows = examples).

    ``nets[l]``, ``outs[l]``, ``douts[l]`` (∂E_r/∂a), ``fprimes[l]`` (``None`` for a fused
    softmax), ``deltas[l]`` are (k, n_l); ``errors`` (k,) and ``error`` their mean;
    ``kernel_grads``/``bias_grads`` the mean gradients; ``before`` and ``after`` the
    parameters around the update (``Params``) by ``rule``."""

    x: np.ndarray
    t: np.ndarray
    nets: list[np.ndarray]
    outs: list[np.ndarray]
    errors: np.ndarray
    error: float
    douts: list[np.ndarray | None]
    fprimes: list[np.ndarray | None]
    deltas: list[np.ndarray]
    kernel_grads: list[np.ndarray]
    bias_grads: list[np.ndarray | None]
    before: Params
    after: Params
    rule: Rule


def _error_rows(loss: str, output: str, t: np.ndarray, z: np.ndarray,
                y: np.ndarray) -> np.ndarray:
    """E of each row; a fused pair from its logits, as the engine computes it."""
    entry = LOSSES[loss]
    if fuses(loss, output) and output == "sigmoid":
        terms = np.logaddexp(0.0, z) - z * t
        return np.mean(terms, axis=1)
    if fuses(loss, output):
        shifted = z - np.max(z, axis=1, keepdims=True)
        log_y = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return -np.sum(t * log_y, axis=1)
    return entry.per_example(t, y)


def _output_delta(loss: str, output: str, t: np.ndarray, y: np.ndarray
                  ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(∂E_r/∂a⁽ᴸ⁾, ``None``), or (``None``, the fused δ⁽ᴸ⁾), from the loss table."""
    entry, width = LOSSES[loss], float(t.shape[1])
    if fuses(loss, output):
        fused = function(entry.fused[output], ("t", "y", "K", "sum_t"), NUMPY)
        return None, fused(t, y, width, np.sum(t, axis=1, keepdims=True)) + 0.0 * y
    if entry.signal is None or not activations.get(output).elementwise:
        raise ValueError(f"the matrix form cannot write the loss {loss} on a {output} output")
    signal = function(entry.signal, ("t", "y", "K"), NUMPY)
    return -(signal(t, y, width) + 0.0 * y), None


def _fprime(act: str, z: np.ndarray | None, a: np.ndarray) -> np.ndarray:
    """f′ of the table's activation at (z, a), as an array of a's shape."""
    entry = activations.get(act)
    return gradient(entry)(z, a) + 0.0 * a


def block(activation_names: tuple[str, ...], loss: str, x: np.ndarray, t: np.ndarray,
          params: Params, learning_rate: float, momentum: float,
          update_bias: bool, shared_bias: bool = False) -> Block:
    """One step of the block ``x`` (k, in), ``t`` (k, out) from ``params``; with
    ``shared_bias`` each layer's bias is one number (every entry of its vector the same), its
    gradient the sum over the layer's units."""
    outs, nets = [x], []
    for kernel, bias, act in zip(params.kernels, params.biases, activation_names):
        z = outs[-1] @ kernel + (0.0 if bias is None else bias)
        nets.append(z)
        outs.append(activations.get(act)(z))
    output = activation_names[-1]
    errors = _error_rows(loss, output, t, nets[-1], outs[-1])
    depth = len(nets)
    douts: list[np.ndarray | None] = [None] * depth
    fprimes: list[np.ndarray | None] = [None] * depth
    deltas: list[np.ndarray] = [np.empty(0)] * depth
    douts[-1], fused = _output_delta(loss, output, t, outs[-1])
    if fused is not None:
        deltas[-1] = fused
    else:
        fprimes[-1] = _fprime(output, nets[-1], outs[-1])
        deltas[-1] = douts[-1] * fprimes[-1]
    for layer in range(depth - 2, -1, -1):
        douts[layer] = deltas[layer + 1] @ params.kernels[layer + 1].T
        fprimes[layer] = _fprime(activation_names[layer], nets[layer], outs[layer + 1])
        deltas[layer] = douts[layer] * fprimes[layer]
    rows = x.shape[0]
    kernel_grads = [outs[layer].T @ deltas[layer] / rows for layer in range(depth)]
    bias_grads = [None if b is None else np.sum(deltas[layer], axis=0) / rows
                  for layer, b in enumerate(params.biases)]
    if shared_bias:
        bias_grads = [None if g is None else np.full_like(g, np.sum(g)) for g in bias_grads]
    after = _sgd(params, kernel_grads, bias_grads, learning_rate, momentum, update_bias)
    return Block(x, t, nets, outs[1:], errors, float(np.mean(errors)), douts, fprimes, deltas,
                 kernel_grads, bias_grads, params, after,
                 Rule(learning_rate, momentum, update_bias, shared_bias))


def _sgd(params: Params, kernel_grads: list[np.ndarray], bias_grads: list[np.ndarray | None],
         learning_rate: float, momentum: float, update_bias: bool) -> Params:
    """The table's SGD rule (``calculus.optimizers.sgd``) on every parameter, on copies."""
    def rule(w: np.ndarray, g: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return optimizers.sgd(w, g, v, learning_rate, momentum, False)

    kernels, kernel_velocity = zip(*(rule(w, g, v) for w, g, v in zip(
        params.kernels, kernel_grads, params.kernel_velocity)))
    biases, bias_velocity = [], []
    for b, g, v in zip(params.biases, bias_grads, params.bias_velocity):
        if b is None or g is None or v is None or not update_bias:
            biases.append(b)
            bias_velocity.append(v)
            continue
        new_b, new_v = rule(b, g, v)
        biases.append(new_b)
        bias_velocity.append(new_v)
    return Params(list(kernels), biases, list(kernel_velocity), bias_velocity)


def check_engine(step: Block, activation_names: tuple[str, ...], loss: str,
                 where: str) -> None:
    """The same block on the engine (autodiff of the mean loss, f′ by autodiff of f, the
    calculus floor's SGD rule); ``ConsistencyError`` naming ``where`` and the quantity if a
    value differs by more than ``TOLERANCE``."""
    pairs, kernels, biases = _engine_pairs(step, activation_names, loss)
    pairs += _update_pairs(step, kernels, biases)
    for name, engine, derived in pairs:
        _compare(where, name, np.asarray(engine), np.asarray(derived))


Pairs = list[tuple[str, np.ndarray, np.ndarray]]


def _engine_pairs(step: Block, activation_names: tuple[str, ...], loss: str
                  ) -> tuple[Pairs, list[Tensor], list[Tensor | None]]:
    """(name, engine's value, the matrix form's) of the forward and backward pass."""
    before, rows, shared = step.before, step.x.shape[0], step.rule.shared_bias
    kernels = [Tensor(k.copy(), requires_grad=True) for k in before.kernels]
    biases = [None if b is None else Tensor(b.copy(), requires_grad=True)
              for b in before.biases]
    nets, outs, per_row = truth.forward(activation_names, kernels, biases, step.x.copy(),
                                        step.t.copy(), loss)
    F.mean(per_row).backward()
    pairs = [("E", per_row.data, step.errors)]
    for layer, (z, out) in enumerate(zip(nets, outs), start=1):
        pairs += [(f"z{layer}", z.data, step.nets[layer - 1]),
                  (f"a{layer}", out.data, step.outs[layer - 1]),
                  (f"delta{layer}", z.grad * rows, step.deltas[layer - 1])]
        if step.douts[layer - 1] is not None and out.grad is not None:
            pairs.append((f"dE/da{layer}", out.grad * rows, step.douts[layer - 1]))
        if step.fprimes[layer - 1] is not None:
            pairs.append((f"f'(z{layer})", truth.fprime(activation_names[layer - 1], z.data),
                          step.fprimes[layer - 1]))
        pairs.append((f"dE/dW{layer}", kernels[layer - 1].grad, step.kernel_grads[layer - 1]))
        bias, grad = biases[layer - 1], step.bias_grads[layer - 1]
        if bias is not None and grad is not None:
            engine = np.full_like(grad, np.sum(bias.grad)) if shared else bias.grad
            pairs.append((f"dE/db{layer}", engine, grad))
    return pairs, kernels, biases


def _update_pairs(step: Block, kernels: list[Tensor], biases: list[Tensor | None]) -> Pairs:
    """The update by ``calculus.optimizers.sgd`` from the engine's gradients."""
    rule, before, after = step.rule, step.before, step.after
    pairs: Pairs = []
    for layer, kernel in enumerate(kernels, start=1):
        new, _ = optimizers.sgd(kernel.data, kernel.grad, before.kernel_velocity[layer - 1],
                                rule.learning_rate, rule.momentum, False)
        pairs.append((f"W{layer}+", new, after.kernels[layer - 1]))
        bias, velocity = biases[layer - 1], before.bias_velocity[layer - 1]
        if bias is None or velocity is None or not rule.update_bias:
            continue
        grad = np.full_like(bias.grad, np.sum(bias.grad)) if rule.shared_bias else bias.grad
        new, _ = optimizers.sgd(bias.data, grad, velocity, rule.learning_rate, rule.momentum,
                                False)
        pairs.append((f"b{layer}+", new, after.biases[layer - 1]))
    return pairs


def _compare(where: str, name: str, engine: np.ndarray, derived: np.ndarray) -> None:
    if engine.shape != derived.shape:
        raise ConsistencyError(f"{where}: {name} has shape {derived.shape} in the matrix form "
                               f"but {engine.shape} on the engine")
    gap = np.abs(engine - derived) - TOLERANCE * np.maximum(1.0, np.abs(engine))
    if np.any(gap > 0):
        index = np.unravel_index(int(np.argmax(gap)), gap.shape)
        raise ConsistencyError(
            f"{where}: entry {tuple(int(i) + 1 for i in index)} of {name}: the matrix form "
            f"gives {float(derived[index])!r} but the engine computes {float(engine[index])!r}")
