"""``gradcheck``: compare autodiff gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, as_array, no_grad

__all__ = ["gradcheck", "GradcheckReport"]


@dataclass(frozen=True)
class GradcheckReport:
    """The outcome of :func:`gradcheck`.

    Attributes:
        errors: the worst relative error per input, ``|a − n| / max(|a|, |n|, floor)``.
        worst_index: per input, the element where that error occurred.
        tolerance: the largest error counted as agreement.
    """

    errors: tuple[float, ...]
    worst_index: tuple[tuple[int, ...], ...]
    tolerance: float

    @property
    def ok(self) -> bool:
        return all(e <= self.tolerance for e in self.errors)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        rows = [
            f"input {i}: worst relative error {e:.3e} at {idx}"
            for i, (e, idx) in enumerate(zip(self.errors, self.worst_index))
        ]
        verdict = "ok" if self.ok else f"FAILED (tolerance {self.tolerance:.1e})"
        return "gradcheck " + verdict + "\n" + "\n".join(rows)


def gradcheck(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    tolerance: float = 1e-5,
    floor: float = 1e-2,
    max_elements: int = 256,
    seed: int = 0,
) -> GradcheckReport:
    """Check the gradients of ``f`` at ``inputs`` by central differences.

    ``f`` takes one Tensor per input and returns a Tensor; a non-scalar output is reduced to
    the scalar ``Σ r ⊙ f(x)`` with a fixed random ``r``, so every output element is checked.
    Inputs with at most ``max_elements`` elements are checked element by element; larger
    ones along three random directions (a directional derivative ``∇f · d``).

    Args:
        f: the function, built from chainrule ops.
        inputs: array-likes (float64 is strongly advised).
        eps: the finite-difference step.
        tolerance: the largest relative error that counts as agreement.
        floor: the denominator's floor: gradients smaller than it are compared absolutely
            (to ``tolerance * floor``), since rounding noise in a difference quotient is
            about ``1e-16 |f| / eps`` whatever the gradient's size.

    >>> report = gradcheck(lambda x: (x * x).sum(), [1.0, -2.0])
    >>> report.ok
    True
    """
    arrays = [as_array(x).astype(np.float64) for x in inputs]
    rng = np.random.default_rng(seed)
    probe = _Probe(f, rng)
    tracked = probe(arrays)
    worst = []
    for i, x in enumerate(arrays):
        analytic = tracked[i].grad if tracked[i].grad is not None else np.zeros_like(x)

        def at(x_i: np.ndarray, i: int = i) -> float:
            with no_grad():
                return probe.value([*arrays[:i], x_i, *arrays[i + 1:]])

        worst.append(_worst(analytic, at, x, eps, floor, rng if x.size > max_elements else None))
    return GradcheckReport(tuple(e for e, _ in worst), tuple(w for _, w in worst), tolerance)


def _worst(analytic: np.ndarray, at: Callable[[np.ndarray], float], x: np.ndarray,
           eps: float, floor: float, rng: np.random.Generator | None
           ) -> tuple[float, tuple[Any, ...]]:
    """The worst relative error of ``analytic`` against central differences of ``at`` and
    where it is: element by element, or along three random directions when given ``rng``."""
    if rng is None:
        a, n = analytic.ravel(), _by_element(at, x, eps).ravel()
    else:
        directions = rng.standard_normal((3, *x.shape))
        n = np.array([(at(x + eps * d) - at(x - eps * d)) / (2 * eps) for d in directions])
        a = np.array([np.sum(analytic * d) for d in directions])
    err = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    if not err.size:
        return 0.0, ()
    k = int(np.argmax(err))
    if rng is not None:
        return float(err[k]), (f"direction {k}",)
    return float(err[k]), tuple(int(v) for v in np.unravel_index(k, x.shape))


class _Probe:
    """``Σ r ⊙ f(x)`` for a random ``r`` drawn once, the output's shape: one scalar whose
    gradient involves every output element."""

    def __init__(self, f: Callable[..., Tensor], rng: np.random.Generator) -> None:
        self.f, self.rng = f, rng
        self.r: np.ndarray | None = None

    def _total(self, tensors: list[Tensor]) -> Tensor:
        out = self.f(*tensors)
        if not isinstance(out, Tensor):
            raise ValueError(f"f must return a Tensor. Received: {type(out).__name__}")
        if self.r is None:
            self.r = self.rng.standard_normal(out.shape)
        return (out * self.r).sum()

    def __call__(self, arrays: list[np.ndarray]) -> list[Tensor]:
        """The inputs as Tensors, their gradients filled in."""
        tensors = [Tensor(x.copy(), requires_grad=True) for x in arrays]
        self._total(tensors).backward()
        return tensors

    def value(self, arrays: list[np.ndarray]) -> float:
        return self._total([Tensor(x.copy()) for x in arrays]).item()


def _by_element(at: Callable[[np.ndarray], float], x: np.ndarray, eps: float) -> np.ndarray:
    """Central differences, one element of ``x`` at a time."""
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        numeric[idx] = (at(x + step) - at(x - step)) / (2 * eps)
    return numeric
