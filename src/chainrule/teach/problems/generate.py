"""Generate exam problems with "nice" numbers, their worked solutions and mark schemes.

>>> p = generate_problem("2-2-1", activation="sigmoid", convention="fausett", seed=7)
>>> p.solution.equation("s1.out.2.1").printed == p.key()["y"]
True
>>> generate_problem("2-2-1", seed=7).layers == p.layers   # the same seed, the same problem
True

A problem is drawn from ``np.random.default_rng([seed, number])`` until it is *well posed*
(``posed.ill_posed``: no saturated or dead unit, an output away from its target, every asked
value non-zero, every applicable slip changing some asked value): every weight, bias and
input a non-zero multiple of 10^−decimals of magnitude at most 0.9 (inputs up to 1). What
is drawn depends on the seed, the network, the loss and the bias form only — never on the
answer decimals or the carry (a draw is judged at full precision): the decimals are then
raised where needed (``posed.asked_decimals``: two significant figures, every slip visible)
and reported in ``raised``; a slip that no decimals can show redraws.

Targets are the ends of a bounded output's range (0 or 1 for a sigmoid output, −1 or 1 for
tanh and the bipolar sigmoid), one-hot for a softmax output, and a multiple of 10^−decimals
in [−1, 1] for a linear output; a network of an unbounded activation (ReLU, softplus) gets a
linear output unit unless the loss asks for another (a sigmoid for binary cross-entropy, a
softmax for categorical cross-entropy). With momentum the problem has two examples, so the
second step shows μ·Δw of the first. The learning rate is one of 0.1, 0.2, 0.25, 0.3, 0.4
(not 0.5: η² = η/2 would hide the difference between two slips).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from chainrule._util import limits
from chainrule.calculus import activations, losses
from chainrule.derive import ConsistencyError, explain, ids
from chainrule.derive.conventions import Conventions, get
from chainrule.derive.solution import Equation, WorkedSolution
from chainrule.teach.grading.grade import name_table
from chainrule.teach.grading.marks import MarkScheme
from chainrule.teach.problems.posed import applicable, asked_decimals, ill_posed, judge

__all__ = ["GeneratedProblem", "generate_problem", "generate_problems", "ill_posed",
           "parse_arch", "ACTIVATIONS"]

#: The output activation a loss asks for.
_OUTPUT_OF_LOSS = {"binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}

#: Hidden activations a problem may use: every elementwise one of the calculus table.
ACTIVATIONS = tuple(name for name, entry in activations.ACTIVATIONS.items()
                    if entry.elementwise and name != "linear")
LEARNING_RATES = (0.1, 0.2, 0.25, 0.3, 0.4)
MAX_TRIES = 20_000
#: Layers of a generated problem, inputs and outputs included (``parse_arch``).
MAX_LAYERS = 6
#: Weights and biases of a generated problem (``parse_arch``).
MAX_WEIGHTS = 200


Layers = tuple[tuple[Any, Any, str], ...]
Example = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True)
class GeneratedProblem:
    """A generated problem: the network, the examples, the learning rate, the conventions,
    its worked solution (the answer key) and the mark scheme.

    ``layers`` are ``(kernel (in, out), bias (out,), activation)`` with nested lists;
    ``examples`` are ``(x, t)`` pairs, one step each; ``raised`` maps each kind of value
    asked with more decimals than the conventions print to those decimals.
    """

    number: int
    seed: int
    layers: Layers
    examples: tuple[Example, ...]
    learning_rate: float
    conventions: Conventions
    solution: WorkedSolution
    marks: MarkScheme
    raised: dict[str, int] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.solution.network.sizes

    @property
    def x(self) -> tuple[float, ...]:
        """The first example's inputs."""
        return self.examples[0][0]

    @property
    def t(self) -> tuple[float, ...]:
        """The first example's targets."""
        return self.examples[0][1]

    def asked(self) -> list[str]:
        """Ids of the values the question asks for (those with marks), step by step."""
        return _asked(self.solution, self.marks)

    def marks_of(self, eq: Equation) -> float:
        """The marks of value ``eq`` under the problem's scheme (its symbols resolved)."""
        return self.marks.for_equation(eq, self._by_symbol)

    @cached_property
    def _by_symbol(self) -> dict[str, float]:
        return symbol_marks(self.solution, self.marks)

    def key(self, step: int = 1) -> dict[str, str]:
        """The answer key of step ``step``: printed symbol → printed value."""
        sid = ids.step(step)
        return {self.solution.equation(i).symbol.text: self.solution.equation(i).printed
                for i in self.asked() if self.solution.equation(i).step == sid}


def _asked(solution: WorkedSolution, marks: MarkScheme) -> list[str]:
    by_symbol = symbol_marks(solution, marks)
    return [eq.id for step in solution.shown_steps for eq in step.equations()
            if marks.for_equation(eq, by_symbol) > 0]


def symbol_marks(solution: WorkedSolution, marks: MarkScheme) -> dict[str, float]:
    """The scheme's marks per symbol (``[marks.symbols]``), resolved to equation ids as
    ``chainrule check`` resolves them; an unknown name raises ``ValueError``."""
    return marks.resolved(name_table(solution).resolve) if marks.symbols else {}


def parse_arch(arch: str) -> tuple[int, ...]:
    """``"2-3-1"`` → ``(2, 3, 1)``; two to six layers of 1 to 9 units.

    Six layers and 200 weights (biases included) bound the work: a deeper network's hidden
    changes fall below what a printed answer shows, so no draw would be well posed, and the
    slip search grows with the square of the weights (9-9-9-9-9-9: minutes a problem).
    """
    try:
        sizes = tuple(int(part) for part in arch.replace("x", "-").split("-"))
    except ValueError:
        sizes = ()
    if not 2 <= len(sizes) <= MAX_LAYERS or not all(1 <= n <= 9 for n in sizes):
        raise ValueError("arch must be layer sizes like 2-2-1 (1 to 9 units each, two to "
                         f"{MAX_LAYERS} layers). Received: arch={arch!r}")
    weights = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if weights > MAX_WEIGHTS:
        raise ValueError(f"arch {arch!r} has {weights} weights and biases; a problem worked by "
                         f"hand has at most {MAX_WEIGHTS}")
    return sizes


def generate_problem(arch: str | tuple[int, ...] = "2-2-1", *,
                     activation: str | Sequence[str] = "sigmoid", loss: str = "half_sse",
                     momentum: float = 0.0, carry: str | None = None,
                     convention: str | Conventions = "fausett", decimals: int = 1,
                     seed: int = 0, number: int = 1, answer_decimals: int | None = None,
                     marks: MarkScheme | None = None) -> GeneratedProblem:
    """A well-posed problem with "nice" given values (see the module doc).

    Args:
        arch: layer sizes, ``"2-2-1"`` or a tuple.
        activation: one activation for every hidden layer (the output's follows the loss
            and the range), or one per weight layer: ``"relu,sigmoid"`` or a sequence.
        loss: ``half_sse``, ``sse``, ``mse``, ``binary_crossentropy`` (a sigmoid output) or
            ``categorical_crossentropy`` (a softmax output of two units or more).
        momentum: μ in [0, 1); with μ > 0 the problem has two steps.
        carry: ``"full"`` or ``"rounded"`` (default: the convention's).
        convention: the notation profile or ``Conventions`` of the worked solution.
        decimals: decimals of the given weights, biases and inputs (1 → 0.1 … 0.9).
        seed, number: the problem is drawn from ``default_rng([seed, number])``.
        answer_decimals: printed decimals of the answers (default: the convention's),
            raised per kind where a value needs more.
        marks: the mark scheme (default: ``MarkScheme()``).

    Raises:
        ValueError: bad arguments, or no well-posed problem found (the message says why the
            last draw failed).
    """
    sizes = parse_arch(arch) if isinstance(arch, str) else tuple(arch)
    loss = losses.get(loss).name
    acts = _activations(activation, sizes, loss)
    c = get(convention, decimals=answer_decimals, error=loss, momentum=momentum, carry=carry)
    _check_decimals(decimals)
    rng = np.random.default_rng([int(seed), int(number)])
    return _first_well_posed(rng, sizes, acts, decimals, c, marks or MarkScheme(), number,
                             int(seed))


def _first_well_posed(rng: np.random.Generator, sizes: tuple[int, ...], acts: tuple[str, ...],
                      decimals: int, c: Conventions, marks: MarkScheme, number: int, seed: int
                      ) -> GeneratedProblem:
    """Draw until a problem is well posed, its answers at the decimals they need."""
    steps = 2 if c.momentum else 1
    title = f"Problem {number} (seed {seed})"
    reason: str | None = "no draw"
    for _ in range(MAX_TRIES):
        layers, examples, rate = _draw(rng, sizes, acts, decimals, c.bias, steps)
        solve = _solver(layers, examples, rate, title)
        try:
            found, reason = _posed(solve, c, marks)
        except ConsistencyError:  # a net input within rounding of a ReLU's kink
            found, reason = None, "a net input on a kink"
        if found is not None:
            solution, places = found
            kinds = {solution.equation(q).kind for q in _asked(solution, marks)}
            raised = {k: n for k, n in places.items() if n != dict(c.decimals)[k] and k in kinds}
            return GeneratedProblem(number, seed, layers, examples, rate,
                                    solution.conventions, solution, marks, raised)
    raise ValueError(f"no well-posed {'-'.join(map(str, sizes))} {'/'.join(acts)} problem "
                     f"in {MAX_TRIES} draws (last: {reason}); try fewer units or more "
                     "decimals")


Solve = Callable[[Conventions], WorkedSolution]


def _solver(layers: Layers, examples: tuple[Example, ...], rate: float, title: str) -> Solve:
    """The worked solution of one draw under the conventions given."""
    def solve(conventions: Conventions) -> WorkedSolution:
        return explain(list(layers), [list(x) for x, _ in examples],
                       [list(t) for _, t in examples], learning_rate=rate,
                       convention=conventions, title=title)
    return solve


def _posed(solve: Solve, c: Conventions, marks: MarkScheme
           ) -> tuple[tuple[WorkedSolution, dict[str, int]] | None, str | None]:
    """The solution of a well-posed draw at the decimals it is asked with, or why not.

    A draw is judged at full precision (full carry), so that whether it is kept never
    depends on how the answers are printed; the decimals are then raised until every
    applicable slip shows. A slip still hidden at the most decimals redraws (a safety net:
    the 2 % a slip moves some value by always shows at nine decimals)."""
    judged = solve(c.replace(carry="full"))
    asked = _asked(judged, marks)
    reason, changes = judge(judged, asked)
    if reason is not None:
        return None, reason
    applies = {(v.slip, v.where) for v in applicable(judged, asked, changes)}
    solution, places, hidden = asked_decimals(lambda d: solve(c.replace(decimals=d)),
                                              dict(c.decimals), asked, applies)
    if hidden is not None:
        return None, f"the slip {hidden} shows in no asked value"
    return (solution, places), None


def generate_problems(arch: str = "2-2-1", *, variants: int = 1, **kwargs: Any
                      ) -> list[GeneratedProblem]:
    """``variants`` different problems from the same seed (numbers 1 … variants)."""
    most = limits.get("variants")
    if isinstance(variants, bool) or not isinstance(variants, int) or not 1 <= variants <= most:
        raise ValueError(f"variants must be an integer from 1 to {most}. "
                         f"Received: variants={variants!r}")
    return [generate_problem(arch, number=n, **kwargs) for n in range(1, variants + 1)]


def _activations(spec: str | Sequence[str], sizes: tuple[int, ...], loss: str
                 ) -> tuple[str, ...]:
    """One activation per weight layer, from one name (every hidden layer) or one per layer."""
    depth = len(sizes) - 1
    names = [n.strip() for n in spec.split(",")] if isinstance(spec, str) else list(spec)
    for name in names:
        if name not in ACTIVATIONS + ("linear", "softmax"):
            raise ValueError(f"unknown activation for a generated problem. Received: "
                             f"activation={name!r}; valid: {', '.join(ACTIVATIONS)}")
    if len(names) == 1:
        hidden = names[0]
        if hidden not in ACTIVATIONS:
            raise ValueError(f"unknown activation for a hidden layer. Received: "
                             f"activation={hidden!r}; valid: {', '.join(ACTIVATIONS)}")
        output = _OUTPUT_OF_LOSS.get(loss) or (hidden if activations.get(hidden).bounded
                                               else "linear")
        names = [hidden] * (depth - 1) + [output]
    if len(names) != depth:
        raise ValueError(f"activation: expected one name, or one per weight layer ({depth}). "
                         f"Received: {spec!r}")
    needed = _OUTPUT_OF_LOSS.get(loss)
    if needed is not None and names[-1] != needed:
        raise ValueError(f"loss {loss} needs a {needed} output layer. Received: "
                         f"activation={spec!r}")
    if names[-1] == "softmax" and sizes[-1] < 2:
        raise ValueError("a softmax output (categorical cross-entropy) needs 2 output units or "
                         f"more. Received: arch={'-'.join(map(str, sizes))!r}")
    return tuple(names)


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
          decimals: int, bias: str, steps: int
          ) -> tuple[Layers, tuple[Example, ...], float]:
    layers = []
    for (n_in, n_out), act in zip(zip(sizes, sizes[1:]), acts):
        kernel = np.reshape(_nice(rng, decimals, 0.9, n_in * n_out), (n_in, n_out)).tolist()
        if bias == "shared":  # one bias per layer (Mazur's b1, b2)
            layers.append((kernel, _nice(rng, decimals, 0.9, 1) * n_out, act))
        elif bias == "none":
            layers.append((kernel, None, act))
        else:
            layers.append((kernel, _nice(rng, decimals, 0.9, n_out), act))
    examples = [_example(rng, sizes, acts[-1], decimals)]
    rate = float(rng.choice(LEARNING_RATES))  # drawn here: a one-step problem keeps its draw
    examples += [_example(rng, sizes, acts[-1], decimals) for _ in range(steps - 1)]
    return tuple(layers), tuple(examples), rate


def _example(rng: np.random.Generator, sizes: tuple[int, ...], output: str, decimals: int
             ) -> Example:
    x = tuple(_nice(rng, decimals, 1.0, sizes[0]))
    if output == "softmax":  # one-hot: one class of the K
        k = int(rng.integers(0, sizes[-1]))
        return x, tuple(1.0 if j == k else 0.0 for j in range(sizes[-1]))
    return x, tuple(_target(rng, output, decimals) for _ in range(sizes[-1]))


def _target(rng: np.random.Generator, act: str, decimals: int) -> float:
    """An end of a bounded output's range (0 or 1, −1 or 1), else a nice number."""
    entry = activations.get(act)
    if entry.bounded:
        return float(rng.choice(entry.output_range))
    return _nice(rng, decimals, 1.0, 1)[0]
