"""Generate exam problems with "nice" numbers, their worked solutions and mark schemes.

>>> p = generate_problem("2-2-1", activation="sigmoid", convention="fausett", seed=7)
>>> p.solution.equation("s1.out.2.1").printed == p.key()["y"]
True
>>> generate_problem("2-2-1", seed=7).layers == p.layers   # the same seed, the same problem
True

A problem is drawn from ``np.random.default_rng([seed, number])`` until it is *well posed*
(``ill_posed`` returns ``None``): every weight, bias and input a non-zero multiple of
10^−decimals of magnitude at most 0.9 (inputs up to 1), and in its worked solution

- every net input 0.05 ≤ |net| ≤ 2.5 (no unit saturated, none on a kink) and every f′ at
  least 0.05 (no zero derivative: ReLU units active);
- the output at least 0.05 from its target (an error worth propagating);
- every printed δ, ∂E/∂out, ∂E/∂w and Δw non-zero (every weight visibly changes);
- every value below 10 in size (no overflow);
- no value within a millionth of a unit of its last printed decimal from a rounding tie (the
  key does not hinge on the tie rule).

Targets are the ends of a bounded output's range (0 or 1 for a sigmoid output, −1 or 1 for
tanh and the bipolar sigmoid) and a multiple of 10^−decimals in [−1, 1] for a linear output;
a network of an unbounded activation (ReLU, softplus) gets a linear output unit. The learning
rate is one of 0.1, 0.2, 0.25, 0.3, 0.4 (not 0.5: η² = η/2 would hide the
difference between two slips).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.calculus import activations
from chainrule.calculus.evaluate import evaluate
from chainrule.derive import explain, ids
from chainrule.derive.conventions import Conventions, get
from chainrule.derive.solution import WorkedSolution
from chainrule.teach.grading.marks import MarkScheme

__all__ = ["GeneratedProblem", "generate_problem", "generate_problems", "ill_posed",
           "parse_arch", "ACTIVATIONS"]

#: Hidden activations a problem may use: every elementwise one of the calculus table.
ACTIVATIONS = tuple(name for name, entry in activations.ACTIVATIONS.items()
                    if entry.elementwise and name != "linear")
LEARNING_RATES = (0.1, 0.2, 0.25, 0.3, 0.4)
MAX_TRIES = 20_000
_SIGNAL_KINDS = ("dout", "delta", "gradient", "change")


@dataclass(frozen=True)
class GeneratedProblem:
    """A generated problem: the network, the example, the learning rate, the conventions,
    its worked solution (the answer key) and the mark scheme.

    ``layers`` are ``(kernel (in, out), bias (out,), activation)`` with nested lists.
    """

    number: int
    seed: int
    layers: tuple[tuple[Any, Any, str], ...]
    x: tuple[float, ...]
    t: tuple[float, ...]
    learning_rate: float
    conventions: Conventions
    solution: WorkedSolution
    marks: MarkScheme

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.solution.network.sizes

    def asked(self) -> list[str]:
        """Ids of the values the question asks for (those with marks), in order."""
        shown = self.solution.steps[0]
        return [eq.id for eq in shown.equations() if self.marks.for_equation(eq, {}) > 0]

    def key(self) -> dict[str, str]:
        """The answer key as an answers sheet: printed symbol → printed value."""
        return {self.solution.equation(i).symbol.text: self.solution.equation(i).printed
                for i in self.asked()}


def parse_arch(arch: str) -> tuple[int, ...]:
    """``"2-3-1"`` → ``(2, 3, 1)``; at least two layers of 1 to 9 units."""
    try:
        sizes = tuple(int(part) for part in arch.replace("x", "-").split("-"))
    except ValueError:
        sizes = ()
    if len(sizes) < 2 or not all(1 <= n <= 9 for n in sizes):
        raise ValueError("arch must be layer sizes like 2-2-1 (1 to 9 units each, at least "
                         f"two layers). Received: arch={arch!r}")
    return sizes


def generate_problem(arch: str | tuple[int, ...] = "2-2-1", *, activation: str = "sigmoid",
                     convention: str | Conventions = "fausett", decimals: int = 1,
                     seed: int = 0, number: int = 1, answer_decimals: int | None = None,
                     marks: MarkScheme | None = None) -> GeneratedProblem:
    """A well-posed problem with "nice" given values (see the module doc).

    Args:
        arch: layer sizes, ``"2-2-1"`` or a tuple.
        activation: ``sigmoid``, ``bipolar_sigmoid``, ``tanh`` or ``relu`` (every layer;
            ReLU networks get a linear output unit).
        convention: the notation profile or ``Conventions`` of the worked solution.
        decimals: decimals of the given weights, biases and inputs (1 → 0.1 … 0.9).
        seed, number: the problem is drawn from ``default_rng([seed, number])``.
        answer_decimals: printed decimals of the answers (default: the convention's).
        marks: the mark scheme (default: ``MarkScheme()``).

    Raises:
        ValueError: bad arguments, or no well-posed problem found (the message says why the
            last draw failed).
    """

    sizes = parse_arch(arch) if isinstance(arch, str) else tuple(arch)
    acts = _activations(activation, len(sizes) - 1)
    c = get(convention, decimals=answer_decimals)
    _check_decimals(decimals)
    rng = np.random.default_rng([int(seed), int(number)])
    reason = "no draw"
    for _ in range(MAX_TRIES):
        layers, x, t, rate = _draw(rng, sizes, acts, decimals, c.bias)
        solution = explain(list(layers), list(x), list(t), learning_rate=rate, convention=c,
                           title=f"Problem {number} (seed {seed})")
        reason = ill_posed(solution)
        if reason is None:
            return GeneratedProblem(number, int(seed), layers, x, t, rate, c, solution,
                                    marks or MarkScheme())
    raise ValueError(f"no well-posed {'-'.join(map(str, sizes))} {activation} problem in "
                     f"{MAX_TRIES} draws (last: {reason}); try fewer units or more decimals")


def generate_problems(arch: str = "2-2-1", *, variants: int = 1, **kwargs: Any
                      ) -> list[GeneratedProblem]:
    """``variants`` different problems from the same seed (numbers 1 … variants)."""
    if isinstance(variants, bool) or not isinstance(variants, int) or not 1 <= variants <= 50:
        raise ValueError(f"variants must be an integer from 1 to 50. Received: {variants!r}")
    return [generate_problem(arch, number=n, **kwargs) for n in range(1, variants + 1)]


def _activations(activation: str, depth: int) -> tuple[str, ...]:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation for a generated problem. Received: "
                         f"activation={activation!r}; valid: {', '.join(ACTIVATIONS)}")
    # an output unit needs a bounded range for its targets; unbounded ones feed a linear unit
    output = activation if activations.get(activation).bounded else "linear"
    return (activation,) * (depth - 1) + (output,)


def _check_decimals(decimals: Any) -> None:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 1 <= decimals <= 3:
        raise ValueError(f"decimals must be 1, 2 or 3. Received: decimals={decimals!r}")


def _nice(rng: np.random.Generator, decimals: int, top: float, n: int) -> list[float]:
    """``n`` non-zero multiples of 10^−decimals with magnitude at most ``top``."""
    scale = 10 ** decimals
    steps = rng.integers(1, int(round(top * scale)) + 1, size=n)
    signs = rng.choice((-1, 1), size=n)
    return [float(s * k) / scale for s, k in zip(signs, steps)]


def _draw(rng: np.random.Generator, sizes: tuple[int, ...], acts: tuple[str, ...],
          decimals: int, bias: str) -> tuple[tuple[tuple[Any, Any, str], ...], tuple[float, ...],
                                  tuple[float, ...], float]:
    layers = []
    for (n_in, n_out), act in zip(zip(sizes, sizes[1:]), acts):
        kernel = np.reshape(_nice(rng, decimals, 0.9, n_in * n_out), (n_in, n_out)).tolist()
        if bias == "shared":  # one bias per layer (Mazur's b1, b2)
            layers.append((kernel, _nice(rng, decimals, 0.9, 1) * n_out, act))
        elif bias == "none":
            layers.append((kernel, None, act))
        else:
            layers.append((kernel, _nice(rng, decimals, 0.9, n_out), act))
    x = tuple(_nice(rng, decimals, 1.0, sizes[0]))
    t = tuple(_target(rng, acts[-1], decimals) for _ in range(sizes[-1]))
    rate = float(rng.choice(LEARNING_RATES))
    return tuple(layers), x, t, rate


def _target(rng: np.random.Generator, act: str, decimals: int) -> float:
    """An end of a bounded output's range (0 or 1, −1 or 1), else a nice number."""
    entry = activations.get(act)
    if entry.bounded:
        return float(rng.choice(entry.output_range))
    return _nice(rng, decimals, 1.0, 1)[0]


# --- well-posedness ------------------------------------------------------------------------------
def ill_posed(solution: WorkedSolution) -> str | None:
    """Why ``solution`` is not a fair exam problem (see the module doc), or ``None``."""
    step = solution.steps[0]
    acts = [layer.activation for layer in solution.network.layers]
    for eq in step.equations():
        value = eq.exact
        if not math.isfinite(value) or abs(value) >= 10:
            return f"{eq.symbol.text} = {value!r} is out of range"
        if eq.kind == "net":
            if not 0.05 <= abs(value) <= 2.5:
                return f"{eq.symbol.text} = {value:.4f} saturates or sits at zero"
            if _fprime(acts[eq.key[1]], value) < 0.05:
                return f"f′({eq.symbol.text}) is (nearly) zero"
        if eq.kind in _SIGNAL_KINDS and float(eq.printed) == 0.0:
            return f"{eq.symbol.text} prints as zero"
        if eq.decimals is not None and _near_tie(value, eq.decimals):
            return f"{eq.symbol.text} = {value!r} is a rounding tie"
    for k in range(1, solution.network.sizes[-1] + 1):
        gap = abs(solution.equation(ids.t(step.id, k)).exact
                  - solution.equation(ids.out(step.id, len(acts) - 1, k)).exact)
        if gap < 0.05:
            return "an output is already at its target"
    return None


def _fprime(act: str, net: float) -> float:
    """f′(net) from the calculus table's derivative."""
    entry = activations.get(act)
    values = {"z": net, "a": entry.scalar(net, entry.alpha), "alpha": entry.alpha}
    return evaluate(entry.derivative, values.__getitem__)


def _near_tie(value: float, decimals: int) -> bool:
    scaled = abs(value) * 10 ** decimals
    return abs(scaled - math.floor(scaled) - 0.5) < 1e-6  # in units of the last decimal
