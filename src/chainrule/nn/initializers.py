"""Weight initializers: ``init(shape, dtype="float64", *, rng=None) -> ndarray``.

An initializer made with ``seed=`` or ``rng=`` draws from its own generator; otherwise it
draws from the ``rng`` it is called with (a model passes its own, seeded from
``Sequential(seed=...)``). For a kernel of shape ``(fan_in, fan_out)``:

=====================  ===========================================================
``glorot_uniform``     U(−l, l), l = √(6 / (fan_in + fan_out))
``glorot_normal``      N(0, s²), s = √(2 / (fan_in + fan_out))
``he_uniform``         U(−l, l), l = √(6 / fan_in)
``he_normal``          N(0, s²), s = √(2 / fan_in)
``random_uniform``     U(minval, maxval), default U(−0.05, 0.05)
``random_normal``      N(mean, stddev²), default N(0, 0.05²)
``zeros``, ``ones``    0, 1
``constant``           value
=====================  ===========================================================

The normal ones are not truncated (as PyTorch's ``xavier_normal_``/``kaiming_normal_``;
Keras truncates at two standard deviations). A 1-D shape ``(n,)`` has fan_in = fan_out = n.

>>> init = GlorotUniform(seed=0)
>>> init((2, 3)).shape
(2, 3)
>>> zeros()((2,))
array([0., 0.])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.nn import registry

__all__ = [
    "Initializer", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "RandomUniform",
    "RandomNormal", "Zeros", "Ones", "Constant", "glorot_uniform", "glorot_normal", "he_uniform",
    "he_normal", "random_uniform", "random_normal", "zeros", "ones", "constant", "get", "names",
]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) != 2:
        raise ValueError(f"expected a 1-D or 2-D shape. Received: shape={shape}")
    return shape[0], shape[1]


# values drawn per call when the result is not float64: the float64 draw is a temporary, and
# a whole kernel's worth of them (3 MB for 784×512) stays in the process's heap once freed
_CHUNK = 8192


class Initializer:
    """Base class. Subclasses implement ``_draw(shape, rng, size) -> float64 ndarray``: ``size``
    values (an int, or ``shape`` itself) for a weight of ``shape``, which gives the fans. A
    subclass written for ``_draw(shape, rng)`` (the whole weight at once) still works."""

    name = "initializer"
    random = True

    def __init__(self, seed: int | None = None, *, rng: np.random.Generator | None = None):
        if seed is not None and rng is not None:
            raise ValueError("give seed= or rng=, not both")
        self.seed = seed
        self._rng = rng if rng is not None else (
            np.random.default_rng(seed) if seed is not None else None
        )

    def __call__(self, shape: Any, dtype: Any = "float64", *,
                 rng: np.random.Generator | None = None,
                 out: np.ndarray | None = None) -> np.ndarray:
        """An array of ``shape`` and ``dtype``; draws from this initializer's own generator if
        it has one, else from ``rng``, else from a fresh unseeded generator. With ``out`` (a
        C-contiguous array of that shape) the values are written into it, and it is returned."""
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(n) for n in shape)
        generator = self._rng or rng
        if generator is None and self.random:
            generator = np.random.default_rng()
        chunks = getattr(getattr(type(self)._draw, "__code__", None), "co_argcount", 4) >= 4
        if out is None:
            dtype = np.dtype(dtype)
            if dtype == np.float64 or not chunks:
                draw = self._draw(shape, generator, shape) if chunks else \
                    self._draw(shape, generator)
                return np.asarray(draw, dtype=dtype)
            out = np.empty(shape, dtype)
        elif out.shape != shape or not out.flags.c_contiguous or out.dtype.kind != "f":
            raise ValueError(f"out must be a C-contiguous float array of shape {shape}. "
                             f"Received: shape {out.shape}, dtype {out.dtype}, "
                             f"C-contiguous {out.flags.c_contiguous}")
        if not chunks:
            out[...] = self._draw(shape, generator)
            return out
        # the generator fills values one after another, so drawing in chunks gives the very
        # values of one draw, rounded to ``dtype``, without a float64 copy of the whole weight
        flat = out.reshape(-1)
        for start in range(0, flat.size, _CHUNK):
            count = min(_CHUNK, flat.size - start)
            flat[start:start + count] = self._draw(shape, generator, count)
        return out

    def _draw(self, shape: tuple[int, ...], rng: Any, size: Any) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "seed": self.seed}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class GlorotUniform(Initializer):
    """U(−l, l) with l = √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""

    name = "glorot_uniform"

    def _draw(self, shape, rng, size):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=size)


class GlorotNormal(Initializer):
    """N(0, s²) with s = √(2 / (fan_in + fan_out))."""

    name = "glorot_normal"

    def _draw(self, shape, rng, size):
        fan_in, fan_out = _fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=size)


class HeUniform(Initializer):
    """U(−l, l) with l = √(6 / fan_in) (He et al. 2015)."""

    name = "he_uniform"

    def _draw(self, shape, rng, size):
        limit = math.sqrt(6.0 / _fans(shape)[0])
        return rng.uniform(-limit, limit, size=size)


class HeNormal(Initializer):
    """N(0, s²) with s = √(2 / fan_in)."""

    name = "he_normal"

    def _draw(self, shape, rng, size):
        return rng.normal(0.0, math.sqrt(2.0 / _fans(shape)[0]), size=size)


class RandomUniform(Initializer):
    """U(minval, maxval)."""

    name = "random_uniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None,
                 *, rng: np.random.Generator | None = None):
        super().__init__(seed, rng=rng)
        self.minval, self.maxval = float(minval), float(maxval)
        if not self.minval < self.maxval:
            raise ValueError(
                f"random_uniform needs minval < maxval. Received: minval={minval!r}, "
                f"maxval={maxval!r}"
            )

    def _draw(self, shape, rng, size):
        return rng.uniform(self.minval, self.maxval, size=size)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class RandomNormal(Initializer):
    """N(mean, stddev²)."""

    name = "random_normal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None,
                 *, rng: np.random.Generator | None = None):
        super().__init__(seed, rng=rng)
        self.mean, self.stddev = float(mean), float(stddev)
        if not self.stddev >= 0:
            raise ValueError(f"stddev must be >= 0. Received: stddev={stddev!r}")

    def _draw(self, shape, rng, size):
        return rng.normal(self.mean, self.stddev, size=size)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class Constant(Initializer):
    """Every element equal to ``value``; draws nothing from any generator."""

    name = "constant"
    random = False

    def __init__(self, value: float = 0.0, seed: int | None = None,
                 *, rng: np.random.Generator | None = None):
        super().__init__(seed, rng=rng)
        self.value = float(value)

    def _draw(self, shape, rng, size):
        return np.full(size, self.value)

    def get_config(self):
        return {**super().get_config(), "value": self.value}


class Zeros(Constant):
    """All zeros."""

    name = "zeros"

    def __init__(self, seed: int | None = None, *, rng: np.random.Generator | None = None):
        super().__init__(0.0, seed, rng=rng)

    def get_config(self):
        return Initializer.get_config(self)


class Ones(Constant):
    """All ones."""

    name = "ones"

    def __init__(self, seed: int | None = None, *, rng: np.random.Generator | None = None):
        super().__init__(1.0, seed, rng=rng)

    def get_config(self):
        return Initializer.get_config(self)


# Keras's lowercase aliases: ``random_uniform(-0.5, 0.5)`` builds an initializer
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal = HeUniform, HeNormal
random_uniform, random_normal = RandomUniform, RandomNormal
zeros, ones, constant = Zeros, Ones, Constant

_INITIALIZERS: dict[str, type[Initializer]] = {
    cls.name: cls for cls in (
        GlorotUniform, GlorotNormal, HeUniform, HeNormal, RandomUniform, RandomNormal, Zeros,
        Ones, Constant,
    )
}


def names() -> list[str]:
    """The valid initializer names."""
    return list(_INITIALIZERS)


def get(initializer: str | Initializer | dict[str, Any]) -> Initializer:
    """An initializer from a name, an instance (returned as is) or a config dict.

    >>> get({"name": "random_uniform", "minval": -0.5, "maxval": 0.5, "seed": 1})
    RandomUniform(seed=1, minval=-0.5, maxval=0.5)
    """
    if isinstance(initializer, Initializer):
        return initializer
    if isinstance(initializer, type) and issubclass(initializer, Initializer):
        return initializer()
    return registry.build("initializer", _INITIALIZERS, initializer)
