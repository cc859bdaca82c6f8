"""The worked solution of the steps PyTorch takes, checked against PyTorch itself.

``explain_torch(module, x, t, loss=..., optimizer=...)`` reads the module's layers once
(``torch_nets.layer_modules``), maps the loss and the optimizer to chainrule's derivation,
derives the solution, then lets PyTorch take the same steps on a float64 copy of the module
and those layers (``torch_oracle``) and compares every net input, output, error, ∂E/∂out,
f′, δ, gradient, change, updated parameter (and Adam's moments m and v) to 1e-10. Each
example is one step, a batch of one, as PyTorch takes it with ``DataLoader(batch_size=1)``.

How PyTorch's names map (one example per step):

- ``MSELoss()``: the mean over the outputs, chainrule's ``mse``; ``reduction="sum"``: ``sse``;
- ``BCELoss()``: ``binary_crossentropy`` on a Sigmoid output;
- ``BCEWithLogitsLoss()``: its sigmoid written as the output layer's activation, then
  ``binary_crossentropy`` (the module ends in a Linear layer);
- ``CrossEntropyLoss()``: its softmax written as the output layer's activation, then
  ``categorical_crossentropy``; targets are class indices (integers) or probabilities;
- a chainrule loss name, computed by PyTorch from its definition.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.calculus import losses
from chainrule.derive import api
from chainrule.derive.conventions import get
from chainrule.derive.solution import WorkedSolution
from chainrule.derive.truth import ConsistencyError
from chainrule.interop._optional import require
from chainrule.interop.stack import Stack
from chainrule.interop.torch_nets import layer_modules, stack_of
from chainrule.interop.torch_oracle import Oracle

__all__ = ["explain_torch", "TOLERANCE", "CHECKED_KINDS"]

#: Largest accepted difference from PyTorch, relative to max(1, |PyTorch's value|).
TOLERANCE = 1e-10
#: The equation kinds every one of which must have a PyTorch value.
CHECKED_KINDS = ("weight", "net", "out", "error", "dout", "fprime", "delta", "gradient",
                 "change", "update", "loss")
#: Adam's moments are written with the kind "change"; their ids name them.


@dataclasses.dataclass
class _Loss:
    name: str                      # chainrule's
    stack: Stack                   # the layers, the loss's own activation written out
    targets: np.ndarray            # (n, K) for the derivation
    torch_targets: list[Any]       # per example, for PyTorch
    fn: Callable[[Any, Any], Any]  # PyTorch's loss
    output: Callable | None        # the loss's own output activation, for PyTorch


def explain_torch(module: Any, x: Any, t: Any, *, loss: Any, optimizer: Any,
                  convention: Any = "layered", **kwargs: Any) -> WorkedSolution:
    """The worked solution of the steps ``optimizer`` takes on ``module``, one example
    each, checked against PyTorch's autograd and ``optimizer.step()`` (1e-10, float64).

    Args:
        module: an ``nn.Sequential`` of ``Linear`` layers and elementwise activations.
        x: inputs (in,) or (n, in): n examples, n steps.
        t: targets (K,) or (n, K); class indices for ``CrossEntropyLoss``.
        loss: a PyTorch loss module or a chainrule loss name.
        optimizer: a fresh ``torch.optim.SGD`` (momentum too) or ``torch.optim.Adam`` over
            the module's parameters.
        convention, **kwargs: as for ``chainrule.explain`` (``learning_rate`` comes from
            the optimizer).
    """
    torch = require("torch", "explain")
    taken = sorted(set(kwargs) & {"learning_rate", "momentum", "optimizer", "beta_1", "beta_2",
                                  "epsilon", "adam_epsilon"})
    if taken:
        raise ValueError(f"{taken[0]} is the PyTorch optimizer's: set it there. Received: "
                         f"{taken[0]}={kwargs[taken[0]]!r}")
    layers = layer_modules(module, "explain")
    stack = stack_of(layers)
    xs = _rows(_numpy(x), "x")
    spec = _loss(loss, stack, t, torch)
    rate, hyper, switches = _optimizer(optimizer, module, torch)
    bias = _bias_form(stack, kwargs.pop("bias", None) or get(convention).bias)
    solution = api.explain(list(spec.stack.layers), xs, spec.targets, learning_rate=rate,
                           loss=spec.name, convention=convention, bias=bias,
                           **switches, **kwargs)
    c = solution.conventions
    oracle = Oracle(module, layers, optimizer, hyper, spec.fn, spec.output, stack.sizes,
                    c.sign, c.bias)
    per_epoch = _epochs(solution)
    for s, example in zip((s for epoch in per_epoch for s in epoch),
                          [i for _ in per_epoch for i in range(len(xs))]):
        oracle.step(s, xs[example], spec.torch_targets[example])
    oracle.epochs(per_epoch)
    checked, largest = _compare(solution, oracle.values)
    version = torch.__version__.split("+")[0]
    note = (f"Checked against PyTorch {version}: its autograd and "
            f"{type(optimizer).__name__}.step() on a float64 copy of the module give all "
            f"{checked} values above to within {largest:.1g} (tolerance {TOLERANCE:g}).")
    return dataclasses.replace(solution, notes=solution.notes + (note,))


def _epochs(solution: WorkedSolution) -> list[list[str]]:
    epochs: dict[int, list[str]] = {}
    for step in solution.steps:
        epochs.setdefault(step.epoch, []).append(step.id)
    return list(epochs.values())


def _compare(solution: WorkedSolution, torch_values: dict[str, float]) -> tuple[int, float]:
    """(how many values were compared, the largest relative difference); raises
    ``ConsistencyError`` for a difference over ``TOLERANCE`` or a value PyTorch lacks."""
    largest, checked = 0.0, 0
    equations = [eq for step in solution.steps for eq in step.equations()]
    for eq in equations + list(solution.losses.equations):
        if eq.kind not in CHECKED_KINDS:
            continue
        if eq.id not in torch_values:
            raise ConsistencyError(f"{eq.id} ({eq.symbol}): PyTorch gives no value to check")
        expected = torch_values[eq.id]
        difference = abs(eq.exact - expected) / max(1.0, abs(expected))
        if difference > TOLERANCE:
            raise ConsistencyError(f"{eq.id} ({eq.symbol}): the solution gives {eq.exact!r} "
                                   f"but PyTorch computes {expected!r}")
        largest, checked = max(largest, difference), checked + 1
    return checked, largest


# --- arguments ------------------------------------------------------------------------------
def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _rows(array: np.ndarray, name: str) -> np.ndarray:
    try:
        array = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers. Received: {name}={array!r}") from None
    return array[None, :] if array.ndim == 1 else array


def _bias_form(stack: Stack, bias: Any) -> str:
    has = {b is not None for _, b, _ in stack.layers}
    if has == {False}:
        return "none"
    if has == {True, False}:
        raise ValueError("every Linear layer needs a bias, or none: a mix cannot be "
                         "explained. Received: " + ", ".join(
                             "bias" if b is not None else "bias=False" for _, b, _ in
                             stack.layers))
    if bias not in ("separate", "input", "threshold"):
        raise ValueError("a Linear layer has a bias per unit: bias must be 'separate', "
                         f"'input' or 'threshold'. Received: bias={bias!r}")
    return bias


def _loss(loss: Any, stack: Stack, t: Any, torch: Any) -> _Loss:
    """chainrule's loss for PyTorch's ``loss``, with the targets in both forms."""
    n_out, output = stack.sizes[-1], stack.activations[-1]
    if isinstance(loss, str):
        name = losses.get(loss).name
        targets = _rows(_numpy(t), "t")
        return _Loss(name, stack, targets, _tensors(targets, torch), _by_name(name, torch),
                     None)
    kind = type(loss).__name__
    _plain(loss, kind)
    reduction = getattr(loss, "reduction", "mean")
    if kind == "CrossEntropyLoss":
        _linear_output(output, kind, "a softmax")
        labels = _numpy(t)
        if np.issubdtype(labels.dtype, np.integer):
            indices = np.atleast_1d(labels).astype(np.int64)
            targets = _one_hot(indices, n_out)
            return _Loss("categorical_crossentropy", stack.with_output("softmax"), targets,
                         [torch.tensor([int(i)]) for i in indices], loss,
                         lambda net: torch.softmax(net, dim=-1))
        targets = _rows(labels, "t")
        return _Loss("categorical_crossentropy", stack.with_output("softmax"), targets,
                     _tensors(targets, torch), loss, lambda net: torch.softmax(net, dim=-1))
    targets = _rows(_numpy(t), "t")
    if kind == "MSELoss" and reduction in ("mean", "sum"):
        name = "mse" if reduction == "mean" else "sse"
        return _Loss(name, stack, targets, _tensors(targets, torch), loss, None)
    if kind in ("BCELoss", "BCEWithLogitsLoss") and (reduction == "mean" or n_out == 1):
        if kind == "BCEWithLogitsLoss":
            _linear_output(output, kind, "a sigmoid")
            return _Loss("binary_crossentropy", stack.with_output("sigmoid"), targets,
                         _tensors(targets, torch), loss, torch.sigmoid)
        return _Loss("binary_crossentropy", stack, targets, _tensors(targets, torch), loss,
                     None)
    raise ValueError("explain maps MSELoss, BCELoss, BCEWithLogitsLoss and CrossEntropyLoss "
                     f"(reduction 'mean'; 'sum' for MSELoss) or a chainrule loss name. "
                     f"Received: {kind}(reduction={reduction!r})")


def _plain(loss: Any, kind: str) -> None:
    """Refuse the settings the derivation has no counterpart for."""
    for setting, default in (("weight", None), ("pos_weight", None), ("label_smoothing", 0.0)):
        value = getattr(loss, setting, default)
        if value is not None and not (isinstance(value, float) and value == default):
            raise ValueError(f"explain reads {kind} without {setting}. Received: "
                             f"{setting}={value!r}")


def _linear_output(output: str, kind: str, inside: str) -> None:
    if output != "linear":
        raise ValueError(f"{kind} applies {inside} itself: the module must end in a Linear "
                         f"layer. Received: a {output} output")


def _one_hot(indices: np.ndarray, width: int) -> np.ndarray:
    if indices.min() < 0 or indices.max() >= width:
        raise ValueError(f"class indices must lie in 0..{width - 1}. Received: "
                         f"{indices.tolist()}")
    return np.eye(width)[indices]


def _tensors(targets: np.ndarray, torch: Any) -> list[Any]:
    return [torch.tensor(row[None, :]) for row in targets]


def _by_name(name: str, torch: Any) -> Callable[[Any, Any], Any]:
    """PyTorch's computation of a chainrule loss from its definition (one example)."""
    def cross_entropy(y: Any, t: Any) -> Any:
        return -(t * torch.log(y)).sum()

    return {"half_sse": lambda y, t: 0.5 * ((t - y) ** 2).sum(),
            "sse": lambda y, t: ((t - y) ** 2).sum(),
            "mse": torch.nn.functional.mse_loss,
            "binary_crossentropy": torch.nn.functional.binary_cross_entropy,
            "categorical_crossentropy": cross_entropy}[name]


def _optimizer(optimizer: Any, module: Any, torch: Any
               ) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """(learning rate, the settings to make a twin, the derivation's switches)."""
    kind = type(optimizer).__name__
    if not isinstance(optimizer, (torch.optim.SGD, torch.optim.Adam)):
        raise ValueError(f"explain maps torch.optim.SGD and torch.optim.Adam. Received: {kind}")
    params = {id(p) for p in module.parameters()}
    if len(optimizer.param_groups) != 1 or {id(p) for p in
                                            optimizer.param_groups[0]["params"]} != params:
        raise ValueError(f"the {kind} must hold exactly the module's parameters, in one "
                         "parameter group")
    if any(optimizer.state[p] for p in module.parameters()):
        raise ValueError(f"the {kind} has taken steps already: explain starts from a fresh "
                         "optimizer (its state would be hidden from the solution)")
    group = optimizer.param_groups[0]
    settings = {"lr": float(group["lr"]), "weight_decay": group["weight_decay"],
                "maximize": group["maximize"]}
    if kind == "SGD":
        hyper = {**settings, "momentum": group["momentum"], "dampening": group["dampening"],
                 "nesterov": group["nesterov"]}
        switches: dict[str, Any] = {"momentum": float(group["momentum"])}
        plain: dict[str, Any] = {"dampening": 0, "nesterov": False}
    else:
        hyper = {**settings, "betas": tuple(group["betas"]), "eps": group["eps"],
                 "amsgrad": group["amsgrad"]}
        switches = {"optimizer": "adam", "beta_1": float(group["betas"][0]),
                    "beta_2": float(group["betas"][1]), "epsilon": float(group["eps"])}
        plain = {"amsgrad": False}
    for setting, default in {"weight_decay": 0, "maximize": False, **plain}.items():
        if hyper[setting] != default:
            raise ValueError(f"explain maps {kind} without {setting}. Received: "
                             f"{setting}={hyper[setting]!r}")
    return hyper["lr"], hyper, switches
