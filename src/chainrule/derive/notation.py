"""Symbols of every quantity in the notation of a convention.

Layers are numbered 1…L (layer 0 is the input); units from 1 inside a layer; a parameter is
``("w", l, i, j)`` (from unit i of layer l−1 to unit j of layer l), ``("b", l, j)`` or
``("b", l)`` (a shared layer bias). The families differ in unit names and letters:

==========  ==================  ==========  =============  ===========  ==========
family      units               net / out   weights        biases       δ
==========  ==================  ==========  =============  ===========  ==========
blog        x_1, h1, o          net, out    w_ij, v_j      w_0j         δ_h1, δ_o
fausett     x_1, z_1, y         z_in, z     v_ij, w_j      v_0j, w_0    δ_1, δ
mazur       i_1, h1, o1         net, out    w_1 … w_8      b_1, b_2     δ_o1
han         x_1, 4, 6           I_4, O_4    w_14           θ_4          Err_4
layered     x_1, a⁽¹⁾_1         z⁽ˡ⁾, a⁽ˡ⁾  w⁽ˡ⁾_ij        b⁽ˡ⁾_j       δ⁽ˡ⁾_j
hagan       p, a¹_1, a²         n¹_1, a¹_1  w¹_ij (i←j)    b¹_1         s¹_1, s²
negnevitsky x_1, 3, 5           X_3, y_3    w_13           θ_3          δ_3
==========  ==================  ==========  =============  ===========  ==========

Letters and indexing follow ``Conventions.layer_letters`` and ``Conventions.indexing``;
the family only names units (its subclasses are in ``derive/families.py``). A layer with a
single unit drops its index where the family does (the blog's output ``o`` and weights
``v_1``; Fausett's ``y`` and ``w_1``).
"""

from __future__ import annotations

from chainrule.derive.conventions import Conventions
from chainrule.derive.symbol import Applied, Partial, Symbol

__all__ = ["Notation", "Param"]

Param = tuple  # ("w", l, i, j) | ("b", l, j) | ("b", l)


class Notation:
    """The blog's notation; the other families override what differs."""

    compact = True        # drop the index of a layer with a single unit
    fprime_first = False  # write f′ before the error factor: Han's O_j(1 − O_j)(T_j − O_j)
    change_input_first = False  # Δw_ij = α·y_i·δ_j (Negnevitsky) instead of α·δ_j·y_i
    weight_first = False  # hidden error as Σ w_jk·δ_k (Hagan's (W)ᵀs) instead of Σ δ_k·w_jk
    update_marks: tuple[str, str] | None = None  # w(old), w(new) instead of w, w⁺
    hidden = "h"
    output = "o"
    input_letter = "x"

    def __init__(self, conventions: Conventions, sizes: tuple[int, ...]) -> None:
        self.c = conventions
        self.sizes = tuple(sizes)
        self.depth = len(sizes) - 1

    # --- units ----------------------------------------------------------------------------
    def _single(self, layer: int) -> bool:
        return self.compact and self.sizes[layer] == 1

    def _index(self, layer: int, j: int) -> tuple[str, ...]:
        return () if self._single(layer) else (str(j),)

    def _layer_sup(self, layer: int) -> str:
        return f"({layer})" if self.depth > 2 and 0 < layer < self.depth else ""

    def unit(self, layer: int, j: int) -> Symbol:
        """The name of unit j of layer l (layer 0: the inputs)."""
        if layer == 0:
            return self.input(j)
        letter = self.output if layer == self.depth else self.hidden
        return Symbol(letter, self._index(layer, j), self._layer_sup(layer))

    def input(self, i: int) -> Symbol:
        return Symbol(self.input_letter, (str(i),))

    def net(self, layer: int, j: int) -> Symbol:
        return Symbol("net", (self.unit(layer, j),))

    def out(self, layer: int, j: int) -> Symbol:
        return self.input(j) if layer == 0 else Symbol("out", (self.unit(layer, j),))

    def target(self, k: int) -> Symbol:
        return Symbol("t", self._index(self.depth, k))

    # --- parameters ----------------------------------------------------------------------
    def letter(self, layer: int) -> tuple[str, str]:
        """(letter, superscript) of the weights of layer l."""
        letters = self.c.layer_letters
        if self.c.indexing == "matrix":
            return letters[0], f"({layer})"
        if self.c.indexing == "by_neuron":
            return letters[0], str(layer)
        if self.depth <= len(letters):
            return letters[len(letters) - self.depth + layer - 1], ""
        if self.c.indexing == "per_layer":
            return letters[0], f"({layer})"
        return letters[0], ""  # global and consecutive numbers are unique across layers

    def weight(self, layer: int, i: int, j: int) -> Symbol:
        """w_ij of layer l; i = 0 is the bias input (bias form ``input``)."""
        letter, sup = self.letter(layer)
        indexing = self.c.indexing
        if indexing == "consecutive":
            return Symbol(letter, (str(self._consecutive(layer, i, j)),))
        if indexing == "global":
            source = "0" if i == 0 else str(self._global(layer - 1, i))
            return Symbol(letter, (source, str(self._global(layer, j))))
        if indexing == "per_layer" and self._single(layer):
            return Symbol(letter, (str(i),), sup)
        if indexing == "by_neuron":  # Hagan: a row per neuron, w^m_ij to neuron i from input j
            return Symbol(letter, (str(j), str(i)), sup)
        return Symbol(letter, (str(i), str(j)), sup)

    def _global(self, layer: int, j: int) -> int:
        return sum(self.sizes[:layer]) + j

    def _consecutive(self, layer: int, i: int, j: int) -> int:
        letter = self.letter(layer)
        with_bias = self.c.bias == "input"
        offset = 0
        for m in range(1, layer):
            if self.letter(m) == letter:
                offset += (self.sizes[m - 1] + with_bias) * self.sizes[m]
        per_unit = self.sizes[layer - 1] + with_bias
        return offset + (j - 1) * per_unit + i + with_bias

    def bias(self, layer: int, j: int | None) -> Symbol:
        """The bias of unit j of layer l (``None``: the layer's shared bias)."""
        form = self.c.bias
        if form == "input":
            assert j is not None
            return self.weight(layer, 0, j)
        if j is None:
            return Symbol("b", (str(layer),))
        letter = "θ" if form == "threshold" else "b"
        return Symbol(letter, (self.unit(layer, j),))

    def param(self, key: Param) -> Symbol:
        if key[0] == "w":
            return self.weight(*key[1:])
        return self.bias(key[1], key[2] if len(key) > 2 else None)

    # --- error and backward pass ----------------------------------------------------------
    def error(self) -> Symbol:
        return Symbol("E")

    def error_term(self, k: int) -> Symbol:
        return Symbol("E", (self.unit(self.depth, k),))

    def delta(self, layer: int, j: int) -> Symbol:
        return Symbol("δ", (self.unit(layer, j),))

    def dout(self, layer: int, j: int) -> Symbol | Partial:
        """∂E/∂out (sign ``minus``); the error signal e (output) or δ_in (hidden) (``plus``)."""
        if self.c.sign == "minus":
            return Partial(self.error(), self.out(layer, j))
        if layer == self.depth:
            return Symbol("e", (self.unit(layer, j),))
        return Symbol("δ_in", (self.unit(layer, j),))

    def fprime(self, layer: int, j: int) -> Symbol | Partial | Applied:
        if self.c.sign == "minus":
            return Partial(self.out(layer, j), self.net(layer, j))
        return Applied("f′", self.net(layer, j))

    def gradient(self, key: Param) -> Partial:
        return Partial(self.error(), self.param(key))

    def change(self, key: Param) -> Symbol:
        p = self.param(key)
        return Symbol("Δ" + p.base, p.sub, p.sup)

    def updated(self, key: Param) -> Symbol:
        p = self.param(key)
        return p.updated() if self.update_marks is None else _marked(p, self.update_marks[1])

    def current(self, key: Param) -> Symbol | None:
        """The parameter as the update writes it on its right side (``None``: its symbol)."""
        return None if self.update_marks is None else _marked(self.param(key),
                                                                self.update_marks[0])

    def signal(self, k: int) -> Symbol:
        """The output error e = t − y, written as its own line (``show`` ``signal``)."""
        return Symbol("e", self._index(self.depth, k))

    def learning_rate(self) -> Symbol:
        return Symbol(self.c.learning_rate_symbol)

    def momentum(self) -> Symbol:
        return Symbol("μ" if self.c.learning_rate_symbol == "α" else "α")

    def loss(self, epoch: int) -> Symbol:
        return Symbol("Ē", (str(epoch),))

    def moment(self, key: Param, order: int) -> Symbol:
        """Adam's moments of a parameter: m_w (order 1) and v_w (order 2)."""
        return Symbol("m" if order == 1 else "v", (self.param(key),))

    def beta(self, order: int) -> Symbol:
        return Symbol("β", (str(order),))

    def epsilon(self) -> Symbol:
        return Symbol("ε")


def _marked(p: Symbol, mark: str) -> Symbol:
    return Symbol(p.base, p.sub, p.sup, mark)
