"""Toy datasets: the four logic gates and three two-class point clouds in the plane.

Every generator returns ``(x, y)``: ``x`` of shape ``(n, 2)`` and ``y`` of shape ``(n, 1)``
(or ``(n, 2)`` one-hot), both float64. Randomness is explicit: pass ``seed=`` or ``rng=``;
the same seed gives identical arrays, and no global random state is touched::

    >>> from chainrule.data import moons
    >>> x, y = moons(100, seed=0)
    >>> x.shape, y.shape
    ((100, 2), (100, 1))
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

__all__ = ["DATASETS", "and_", "circles", "load", "moons", "nand", "or_", "spirals", "xor"]

Dataset = tuple[np.ndarray, np.ndarray]

# the four input patterns of a two-input gate, in truth-table order
_GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _gate(
    outputs: tuple[int, int, int, int],
    bipolar: bool,
    seed: int | None,
    rng: np.random.Generator | None,
) -> Dataset:
    # a gate has no randomness; seed and rng are accepted (and checked) so that every
    # dataset can be called alike, e.g. load(name, seed=0) in a loop over DATASETS
    _make_rng(seed, rng)
    x = _GATE_INPUTS.copy()
    y = np.array(outputs, dtype=np.float64).reshape(4, 1)
    if bipolar:
        # binary 0/1 -> bipolar -1/+1, as in Fausett's "Fundamentals of Neural Networks"
        x, y = 2.0 * x - 1.0, 2.0 * y - 1.0
    return x, y


def xor(
    *,
    bipolar: bool = False,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Exclusive or: ``y = x1 XOR x2``.

    Returns ``x`` (4, 2) with rows (0,0), (0,1), (1,0), (1,1) and ``y`` (4, 1) = 0, 1, 1, 0.
    With ``bipolar=True`` every 0 becomes -1 in both ``x`` and ``y``. The gates have no
    randomness: ``seed`` and ``rng`` are accepted only so that all datasets take them.

    >>> x, y = xor()
    >>> y.ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    return _gate((0, 1, 1, 0), bipolar, seed, rng)


def and_(
    *,
    bipolar: bool = False,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Logical and: ``y`` (4, 1) = 0, 0, 0, 1 for the rows of ``x`` (4, 2) in :func:`xor`'s order.

    >>> and_(bipolar=True)[1].ravel().tolist()
    [-1.0, -1.0, -1.0, 1.0]
    """
    return _gate((0, 0, 0, 1), bipolar, seed, rng)


def or_(
    *,
    bipolar: bool = False,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Logical or: ``y`` (4, 1) = 0, 1, 1, 1 for the rows of ``x`` (4, 2) in :func:`xor`'s order.

    >>> or_()[1].ravel().tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    return _gate((0, 1, 1, 1), bipolar, seed, rng)


def nand(
    *,
    bipolar: bool = False,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Not-and: ``y`` (4, 1) = 1, 1, 1, 0 for the rows of ``x`` (4, 2) in :func:`xor`'s order.

    >>> nand()[1].ravel().tolist()
    [1.0, 1.0, 1.0, 0.0]
    """
    return _gate((1, 1, 1, 0), bipolar, seed, rng)


def _make_rng(seed: int | None, rng: np.random.Generator | None) -> np.random.Generator:
    if rng is not None:
        if seed is not None:
            raise ValueError(f"pass seed or rng, not both. Received: seed={seed!r} and an rng")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"expected rng to be a numpy.random.Generator. Received: rng={rng!r}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"expected seed to be an integer or None. Received: seed={seed!r}")
    return np.random.default_rng(seed)


def _check_args(n: int, noise: float) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"expected n to be an integer >= 2. Received: n={n!r}")
    if not isinstance(noise, (int, float, np.number)) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"expected noise to be a finite number >= 0. Received: noise={noise!r}")


def _finish(
    points: list[np.ndarray],
    noise: float,
    rng: np.random.Generator,
    one_hot: bool,
    shuffle: bool,
) -> Dataset:
    """Stack class 0 then class 1, add N(0, noise²) to each coordinate, shuffle the rows.

    Draw order (part of the reproducibility contract): the noise, shape (n, 2), then the
    permutation of the rows.
    """
    x = np.concatenate(points, axis=0)
    labels = np.concatenate([np.full(len(p), float(k)) for k, p in enumerate(points)])
    x = x + rng.normal(0.0, noise, size=x.shape) if noise > 0 else x.copy()
    if shuffle:
        # without it the classes come in two blocks, and a validation split held out from
        # the end of the arrays would see only class 1
        order = rng.permutation(len(x))
        x, labels = x[order], labels[order]
    y = np.eye(2)[labels.astype(np.intp)] if one_hot else labels.reshape(-1, 1)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def moons(
    n: int = 200,
    noise: float = 0.1,
    *,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    one_hot: bool = False,
    shuffle: bool = True,
) -> Dataset:
    """Two interleaving half circles (the construction of scikit-learn's ``make_moons``).

    Class 0 (``n // 2`` points): ``(cos t, sin t)`` for ``t`` evenly spaced in [0, π].
    Class 1 (the other ``n - n // 2``): ``(1 - cos t, 0.5 - sin t)``.
    Gaussian noise of standard deviation ``noise`` is added to every coordinate.

    Returns ``x`` (n, 2) and ``y`` (n, 1) of 0/1 labels, or (n, 2) one-hot with
    ``one_hot=True``. Rows are shuffled unless ``shuffle=False`` (then class 0 comes first).

    >>> x, y = moons(6, noise=0.0, seed=0, shuffle=False)
    >>> x[0].tolist(), y.ravel().tolist()
    ([1.0, 0.0], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    """
    _check_args(n, noise)
    gen = _make_rng(seed, rng)
    t0 = np.linspace(0.0, math.pi, n // 2)
    t1 = np.linspace(0.0, math.pi, n - n // 2)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish([outer, inner], noise, gen, one_hot, shuffle)


def circles(
    n: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    *,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    one_hot: bool = False,
    shuffle: bool = True,
) -> Dataset:
    """A small circle inside a large one (the construction of scikit-learn's ``make_circles``).

    Class 0 (``n // 2`` points): the unit circle. Class 1 (the other ``n - n // 2``): the
    circle of radius ``factor``, 0 < factor < 1. Angles are evenly spaced in [0, 2π);
    Gaussian noise of standard deviation ``noise`` is added to every coordinate.

    Returns ``x`` (n, 2) and ``y`` (n, 1) of 0/1 labels, or (n, 2) one-hot with
    ``one_hot=True``.

    >>> x, y = circles(8, noise=0.0, factor=0.25, seed=0)
    >>> sorted(set(np.round(np.hypot(x[:, 0], x[:, 1]), 12).tolist()))
    [0.25, 1.0]
    """
    _check_args(n, noise)
    if not isinstance(factor, (int, float, np.number)) or not 0.0 < factor < 1.0:
        raise ValueError(f"expected 0 < factor < 1. Received: factor={factor!r}")
    gen = _make_rng(seed, rng)
    t0 = np.linspace(0.0, 2.0 * math.pi, n // 2, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * math.pi, n - n // 2, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    return _finish([outer, inner], noise, gen, one_hot, shuffle)


def spirals(
    n: int = 200,
    noise: float = 0.1,
    turns: float = 1.5,
    *,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    one_hot: bool = False,
    shuffle: bool = True,
) -> Dataset:
    """Two interleaved Archimedean spirals, one the other turned by half a revolution.

    With ``r`` evenly spaced in (0, 1] (``r_i = (i + 1) / m`` for a class of ``m`` points)
    and ``θ = 2π · turns · r``: class 0 is ``r (cos θ, sin θ)`` and class 1 is
    ``-r (cos θ, sin θ)`` (``n // 2`` and ``n - n // 2`` points). Neighbouring arms are
    ``1 / (2 · turns)`` apart, so keep ``noise`` well below that. Gaussian noise of standard
    deviation ``noise`` is added to every coordinate.

    Returns ``x`` (n, 2) and ``y`` (n, 1) of 0/1 labels, or (n, 2) one-hot with
    ``one_hot=True``.

    >>> x, y = spirals(100, seed=0)
    >>> x.shape, float(y.mean())
    ((100, 2), 0.5)
    """
    _check_args(n, noise)
    if not isinstance(turns, (int, float, np.number)) or not (math.isfinite(turns) and turns > 0):
        raise ValueError(f"expected turns to be a finite number > 0. Received: turns={turns!r}")
    gen = _make_rng(seed, rng)
    arms = []
    for sign, m in ((1.0, n // 2), (-1.0, n - n // 2)):
        r = np.arange(1, m + 1) / m
        theta = 2.0 * math.pi * turns * r
        arms.append(sign * r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)]))
    return _finish(arms, noise, gen, one_hot, shuffle)


DATASETS: Mapping[str, Callable[..., Dataset]] = MappingProxyType(
    {
        "and": and_,
        "circles": circles,
        "moons": moons,
        "nand": nand,
        "or": or_,
        "spirals": spirals,
        "xor": xor,
    }
)
"""Dataset name -> generator function (read-only)."""


def load(name: str, **kwargs: object) -> Dataset:
    """Generate the dataset called ``name`` (a key of :data:`DATASETS`) with ``kwargs``.

    Raises ``ValueError`` for an unknown name or an argument the generator does not take.

    >>> x, y = load("moons", n=50, seed=1)
    >>> x.shape
    (50, 2)
    """
    try:
        make = DATASETS[name]
    except (KeyError, TypeError):
        valid = ", ".join(sorted(DATASETS))
        raise ValueError(f"unknown dataset {name!r}; expected one of: {valid}") from None
    params = inspect.signature(make).parameters
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        raise ValueError(
            f"dataset {name!r} takes no argument {unknown[0]!r}; "
            f"its arguments are: {', '.join(params)}"
        )
    return make(**kwargs)
