"""The notation families of the profiles, one subclass of :class:`Notation` each (the table
in ``derive/notation.py``), and :func:`notation_for`, which picks one for a convention and
applies its letter renames."""

from __future__ import annotations

from chainrule.derive.conventions import Conventions
from chainrule.derive.notation import Notation
from chainrule.derive.symbol import Applied, Partial, Symbol, renamed

__all__ = ["notation_for"]


class FausettNotation(Notation):
    hidden = "z"
    output = "y"
    update_marks = ("(old)", "(new)")  # w_jk(new) = w_jk(old) + Δw_jk

    def net(self, layer: int, j: int) -> Symbol:
        u = self.unit(layer, j)
        return Symbol(u.base + "_in", u.sub, u.sup)

    def out(self, layer: int, j: int) -> Symbol:
        return self.unit(layer, j)

    def bias(self, layer: int, j: int | None) -> Symbol:
        if self.c.bias == "separate" and j is not None:
            return self.weight(layer, 0, j)  # Fausett's v_0j, w_0k: added, written like a weight
        return super().bias(layer, j)

    def delta(self, layer: int, j: int) -> Symbol:
        if layer == self.depth and self.sizes[layer] > 1:
            return Symbol("δ", (self.unit(layer, j),))  # δ_y1: never the same as a hidden δ_1
        return Symbol("δ", self._index(layer, j), self._layer_sup(layer))

    def dout(self, layer: int, j: int) -> Symbol | Partial:
        if self.c.sign == "plus" and layer < self.depth:
            return Symbol("δ_in", self._index(layer, j), self._layer_sup(layer))
        return super().dout(layer, j)



class MazurNotation(Notation):
    compact = False
    input_letter = "i"

    def error(self) -> Symbol:
        return Symbol("E", ("total",))

    def target(self, k: int) -> Symbol:
        return Symbol("target", (self.unit(self.depth, k),))


class HanNotation(Notation):
    compact = False
    fprime_first = True

    def unit(self, layer: int, j: int) -> Symbol:
        return self.input(j) if layer == 0 else Symbol(str(self._global(layer, j)))

    def net(self, layer: int, j: int) -> Symbol:
        return Symbol("I", (str(self._global(layer, j)),))

    def out(self, layer: int, j: int) -> Symbol:
        return self.input(j) if layer == 0 else Symbol("O", (str(self._global(layer, j)),))

    def target(self, k: int) -> Symbol:
        return Symbol("T", (str(self._global(self.depth, k)),))

    def bias(self, layer: int, j: int | None) -> Symbol:
        if j is not None and self.c.bias in ("separate", "threshold"):
            return Symbol("θ", (str(self._global(layer, j)),))
        return super().bias(layer, j)

    def delta(self, layer: int, j: int) -> Symbol:
        return Symbol("Err", (str(self._global(layer, j)),))

    def error_term(self, k: int) -> Symbol:
        return Symbol("E", (str(self._global(self.depth, k)),))


class LayeredNotation(Notation):
    compact = False

    def unit(self, layer: int, j: int) -> Symbol:
        return self.input(j) if layer == 0 else Symbol("a", (str(j),), f"({layer})")

    def net(self, layer: int, j: int) -> Symbol:
        return Symbol("z", (str(j),), f"({layer})")

    def out(self, layer: int, j: int) -> Symbol:
        return self.unit(layer, j)

    def target(self, k: int) -> Symbol:
        return Symbol("t", (str(k),))

    def bias(self, layer: int, j: int | None) -> Symbol:
        if self.c.bias == "input" and j is not None:
            return self.weight(layer, 0, j)
        letter = "θ" if self.c.bias == "threshold" else "b"
        return Symbol(letter, () if j is None else (str(j),), f"({layer})")

    def delta(self, layer: int, j: int) -> Symbol:
        return Symbol("δ", (str(j),), f"({layer})")

    def dout(self, layer: int, j: int) -> Symbol | Partial:
        if self.c.sign == "plus" and layer < self.depth:
            return Symbol("δ_in", (str(j),), f"({layer})")
        return super().dout(layer, j)

    def error_term(self, k: int) -> Symbol:
        return Symbol("E", (str(k),))


class HaganNotation(Notation):
    """Hagan, Demuth & Beale: p, n^m, a^m, t, e, F, sensitivities s^m, ḟ^m(n^m),
    w^m_ij (to neuron i from input j), b^m_i, and W(k+1) = W(k) − α·s·aᵀ."""

    fprime_first = True
    weight_first = True
    input_letter = "p"
    update_marks = ("(k)", "(k+1)")

    def input(self, i: int) -> Symbol:
        return Symbol("p", () if self.compact and self.sizes[0] == 1 else (str(i),))

    def unit(self, layer: int, j: int) -> Symbol:
        if layer == 0:
            return self.input(j)
        return Symbol("a", self._index(layer, j), str(layer))

    def net(self, layer: int, j: int) -> Symbol:
        return Symbol("n", self._index(layer, j), str(layer))

    def out(self, layer: int, j: int) -> Symbol:
        return self.unit(layer, j)

    def bias(self, layer: int, j: int | None) -> Symbol:
        if j is not None and self.c.bias == "separate":
            return Symbol("b", self._index(layer, j), str(layer))
        return super().bias(layer, j)

    def error(self) -> Symbol:
        return Symbol("F")

    def error_term(self, k: int) -> Symbol:
        return Symbol("F", self._index(self.depth, k))

    def delta(self, layer: int, j: int) -> Symbol:
        return Symbol("s", self._index(layer, j), str(layer))

    def fprime(self, layer: int, j: int) -> Applied:
        return Applied(Symbol("ḟ", (), str(layer)), self.net(layer, j))



class NegnevitskyNotation(HanNotation):
    """Negnevitsky: units numbered across the net, y_j, X_j, y_d,k, e_k, δ_j, θ_j,
    Δw_ij = α·y_i·δ_j and w_ij(p+1) = w_ij(p) + Δw_ij."""

    change_input_first = True
    update_marks = ("(p)", "(p+1)")

    def net(self, layer: int, j: int) -> Symbol:
        return Symbol("X", (str(self._global(layer, j)),))

    def out(self, layer: int, j: int) -> Symbol:
        return self.input(j) if layer == 0 else Symbol("y", (str(self._global(layer, j)),))

    def target(self, k: int) -> Symbol:
        return Symbol("y", (f"d,{self._global(self.depth, k)}",))

    def delta(self, layer: int, j: int) -> Symbol:
        return Symbol("δ", (str(self._global(layer, j)),))

    def signal(self, k: int) -> Symbol:
        return Symbol("e", (str(self._global(self.depth, k)),))



_FAMILIES = {
    "blog": Notation, "fausett": FausettNotation, "mazur": MazurNotation,
    "han": HanNotation, "layered": LayeredNotation, "hagan": HaganNotation,
    "negnevitsky": NegnevitskyNotation,
}


def _table(notation: Notation) -> dict[str, str]:
    """The renames the conventions ask for: ``unit_letters`` over the family's own, then
    ``letters``."""
    c = notation.c
    table: dict[str, str] = {}
    if c.unit_letters:
        own = (notation.input_letter, notation.hidden, notation.output)
        table.update({a: b for a, b in zip(own, c.unit_letters) if a != b})
    table.update(dict(c.letters))
    return table


class _Cached:
    """A notation whose symbols are made once: they are immutable, and every step of a run
    asks for the same ones. The conventions' ``unit_letters`` and ``letters`` are applied
    here, to every symbol the family makes."""

    def __init__(self, notation: Notation) -> None:
        self._notation = notation
        self._cache: dict[tuple, object] = {}
        self._table = _table(notation)

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._notation, name)
        if not callable(attr):
            return attr
        cache = self._cache

        def cached(*args: object) -> object:
            key = (name, args)
            if key not in cache:
                made = attr(*args)
                cache[key] = renamed(made, self._table) if self._table else made
            return cache[key]

        return cached


def notation_for(conventions: Conventions, sizes: tuple[int, ...]) -> Notation:
    """The notation of ``conventions`` for a network with layer sizes ``sizes``."""
    return _Cached(_FAMILIES[conventions.notation](conventions, sizes))  # type: ignore[return-value]
