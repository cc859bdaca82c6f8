"""The equations of one matrix-form step, written from its checked values (``Block``).

Values are held in the engine's orientation (examples as rows, kernels (in, out)); the
column layout shows every matrix transposed (vectors as columns, W (out, in)). Signs and
biases follow the convention: in the sign form ``plus`` δ and ∂E/∂a are written negated
(δ = −∂E/∂z, the error signal t − a), a threshold θ is the engine's −b, a shared bias one
number per layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.calculus.losses import fuses
from chainrule.derive import ids
from chainrule.derive.matrix import Entry, Matrix, MatrixEquation, Part
from chainrule.derive.matrix_numbers import Block
from chainrule.derive.matrix_update import Updates
from chainrule.derive.network import Network
from chainrule.derive.rounding import format_exact

if TYPE_CHECKING:  # pragma: no cover
    from chainrule.derive.conventions import Conventions

__all__ = ["Writer"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_OUTPUT_SIGNAL = {"half_sse": ("a − t", "a - t"), "sse": ("2(a − t)", "2(a - t)"),
                  "mse": ("(2/K)(a − t)", "\\tfrac{2}{K}(a - t)")}
_ERROR = {"half_sse": ("½‖t − {a}‖²", "\\tfrac{{1}}{{2}}\\lVert t - {a}\\rVert^2"),
          "sse": ("‖t − {a}‖²", "\\lVert t - {a}\\rVert^2"),
          "mse": ("(1/K)‖t − {a}‖²", "\\tfrac{{1}}{{K}}\\lVert t - {a}\\rVert^2"),
          "binary_crossentropy": ("−(1/K)Σ[t ln {a} + (1 − t) ln(1 − {a})]",
                                  "-\\tfrac{{1}}{{K}}\\sum [t \\ln {a} + (1 - t)\\ln(1 - {a})]"),
          "categorical_crossentropy": ("−Σ t ln {a}", "-\\sum t \\ln {a}")}
_FPRIME = {"sigmoid": ("a ⊙ (1 − a)", "a \\odot (1 - a)"),
           "tanh": ("1 − a ⊙ a", "1 - a \\odot a"), "linear": ("1", "1")}


def _sym(letter: str, latex: str, layer: int | None) -> tuple[str, str]:
    if layer is None:
        return letter, latex
    return f"{letter}⁽{str(layer).translate(_SUPERSCRIPT)}⁾", f"{latex}^{{({layer})}}"


def _op(text: str, latex: str | None = None) -> Part:
    return Part(text, text if latex is None else latex)


def _m(matrix: Matrix) -> Part:
    return Part(matrix=matrix)


class Writer(Updates):
    """Writes one step ``sid`` of the matrix form from its values."""

    def __init__(self, c: Conventions, network: Network, learning_rate: float, sid: str,
                 values: Block, printer: Any, previous: tuple[str, Block] | None,
                 online: bool) -> None:
        self.c, self.net, self.rate, self.sid, self.v = c, network, learning_rate, sid, values
        self.printer, self.previous, self.online = printer, previous, online
        self.column = c.layout == "column"
        self.rows = values.x.shape[0]
        self.sign = 1.0 if c.sign == "minus" else -1.0
        self.eta = format_exact(learning_rate)

    # --- matrices ----------------------------------------------------------------------
    def _row_id(self, r: int) -> str:
        return self.sid if self.online else ids.batch_row(self.sid, r + 1)

    def _matrix(self, sym: tuple[str, str], entries: list[list[Entry]],
                transposed: bool = False) -> Matrix:
        """``entries`` in the engine's orientation, shown in the layout's."""
        text, latex = sym
        if transposed:
            text, latex = text + "ᵀ", f"{{{latex}}}^{{\\top}}"
        if self.column != transposed:
            entries = [list(col) for col in zip(*entries)]
        return Matrix(text, latex, tuple(tuple(row) for row in entries))

    def _units(self, sym: tuple[str, str], values: np.ndarray, qid: Callable[[str, int], str],
               kind: str, transposed: bool = False) -> Matrix:
        """A quantity per example and unit: ``values`` (k, n)."""
        entries = [[self.printer.entry(qid(self._row_id(r), j + 1), float(values[r, j]), kind)
                    for j in range(values.shape[1])] for r in range(values.shape[0])]
        return self._matrix(sym, entries, transposed)

    def _kernel(self, sym: tuple[str, str], layer: int, values: np.ndarray,
                qid: Callable[[tuple], str], kind: str, transposed: bool = False,
                given: bool = False) -> Matrix:
        entries = []
        for i in range(values.shape[0]):
            row = []
            for j in range(values.shape[1]):
                key = ("w", layer, i + 1, j + 1)
                row.append(self.printer.entry(qid(key), float(values[i, j]), kind,
                                              ids.weight(None, key) if given else None))
            entries.append(row)
        return self._matrix(sym, entries, transposed)

    def _bias_values(self, vector: np.ndarray) -> np.ndarray:
        """Engine bias (or its gradient) → the convention's numbers."""
        if self.c.bias == "threshold":
            return -vector + 0.0
        return vector[:1] if self.c.bias == "shared" else vector

    def _bias(self, layer: int, values: np.ndarray, qid: Callable[[tuple], str], kind: str,
              letter: str = "", given: bool = False) -> Matrix:
        conv = self._bias_values(values)
        keys = ([("b", layer)] if self.c.bias == "shared" else
                [("b", layer, j + 1) for j in range(len(conv))])
        entries = [[self.printer.entry(qid(key), float(value), kind,
                                       ids.weight(None, key) if given else None)
                    for key, value in zip(keys, conv)]]
        return self._matrix(self._bias_symbol(layer, letter), entries)

    def _bias_symbol(self, layer: int, prefix: str = "") -> tuple[str, str]:
        text, latex = ("θ", "\\theta") if self.c.bias == "threshold" else ("b", "b")
        sym = _sym(text, latex, layer)
        latex_prefix = {"∂E/∂": "\\partial E/\\partial ", "Δ": "\\Delta "}.get(prefix, prefix)
        return prefix + sym[0], latex_prefix + sym[1]

    def _a(self, layer: int, transposed: bool = False) -> Matrix:
        if layer == 0:
            return self._units(("x", "x"), self.v.x, ids.x, "input", transposed)
        return self._units(_sym("a", "a", layer), self.v.outs[layer - 1],
                           lambda s, j: ids.out(s, layer, j), "out", transposed)

    def _weights(self, layer: int, transposed: bool = False) -> Matrix:
        return self._kernel(_sym("W", "W", layer), layer, self.v.before.kernels[layer - 1],
                            lambda key: ids.weight(self.sid, key), "weight", transposed,
                            given=self.previous is None)

    def _delta(self, layer: int) -> Matrix:
        return self._units(_sym("δ", "\\delta", layer), self.sign * self.v.deltas[layer - 1],
                           lambda s, j: ids.delta(s, layer, j), "delta")

    def _eq(self, name: str, layer: int | None, kind: str, phase: str, label: str,
            lhs: tuple[str, str], symbolic: tuple[str, str] | None, numeric: list[Part],
            result: Matrix) -> MatrixEquation:
        return MatrixEquation(ids.matrix(self.sid, name, layer), kind, phase, label, lhs,
                              symbolic, tuple(numeric), result)

    # --- the step ---------------------------------------------------------------------------
    def equations(self) -> tuple[MatrixEquation, ...]:
        eqs = self._given()
        for layer in range(1, self.net.depth + 1):
            eqs += self._forward(layer)
        eqs.append(self._error())
        eqs += self._output_delta()
        for layer in range(self.net.depth - 1, 0, -1):
            eqs += self._hidden_delta(layer)
        for layer in range(1, self.net.depth + 1):
            eqs += self._update(layer)
        return tuple(eqs)

    def _given(self) -> list[MatrixEquation]:
        x = self._a(0)
        t = self._units(("t", "t"), self.v.t, ids.t, "target")
        eqs = [self._eq("x", None, "input", "given", "inputs", ("x", "x"), None, [], x),
               self._eq("t", None, "target", "given", "targets", ("t", "t"), None, [], t)]
        for layer in range(1, self.net.depth + 1):
            w = self._weights(layer)
            eqs.append(self._eq("w", layer, "weight", "given", f"weights of layer {layer}",
                                (w.text, w.latex), None, [], w))
            b = self.v.before.biases[layer - 1]
            if b is not None:
                bm = self._bias(layer, b, lambda key: ids.weight(self.sid, key), "weight",
                                given=self.previous is None)
                eqs.append(self._eq("b", layer, "weight", "given", f"biases of layer {layer}",
                                    (bm.text, bm.latex), None, [], bm))
        return eqs

    def _forward(self, layer: int) -> list[MatrixEquation]:
        w, a = self._weights(layer), self._a(layer - 1)
        product = [_m(w), _m(a)] if self.column else [_m(a), _m(w)]
        text = f"{w.text}{a.text}" if self.column else f"{a.text}{w.text}"
        latex = f"{w.latex}{a.latex}" if self.column else f"{a.latex}{w.latex}"
        b = self.v.before.biases[layer - 1]
        if b is not None:
            bm = self._bias(layer, b, lambda key: ids.weight(self.sid, key), "weight",
                            given=self.previous is None)
            op = " − " if self.c.bias == "threshold" else " + "
            product += [_op(op, op.strip().replace("−", "-")), _m(bm)]
            text, latex = text + op + bm.text, latex + op.strip().replace("−", "-") + bm.latex
        z = self._units(_sym("z", "z", layer), self.v.nets[layer - 1],
                        lambda s, j: ids.net(s, layer, j), "net")
        name = self.net.activations[layer - 1]
        out = self._a(layer)
        return [
            self._eq("net", layer, "net", "forward", f"net inputs of layer {layer}",
                     (z.text, z.latex), (text, latex), product, z),
            self._eq("out", layer, "out", "forward", f"outputs of layer {layer}",
                     (out.text, out.latex), (f"{name}({z.text})",
                                             f"\\mathrm{{{name}}}({z.latex})"),
                     [_op(f"{name}(", f"\\mathrm{{{name}}}\\left("), _m(z),
                      _op(")", "\\right)")], out)]

    def _error(self) -> MatrixEquation:
        e = self._units(("E", "E"), self.v.errors[:, None], lambda s, _j: ids.error(s),
                        "error")
        a = _sym("a", "a", self.net.depth)
        text, latex = (form.format(a=sym) for form, sym in zip(_ERROR[self.c.error], a))
        if self.online:
            return self._eq("E", None, "error", "error", "the error", ("E", "E"),
                            (text, latex), [], e)
        mean = self.printer.entry(ids.error(self.sid), self.v.error, "error")
        result = Matrix("E", "E", ((mean,),))
        return self._eq("E", None, "error", "error", "the batch's mean error", ("E", "E"),
                        (f"mean over the batch of {text}", f"\\text{{mean over the batch "
                         f"of }}{latex}"), [_op("mean of ", "\\text{mean of }"), _m(e)], result)

    # --- backward pass ----------------------------------------------------------------------
    def _dout(self, layer: int) -> Matrix:
        values = self.v.douts[layer - 1]
        assert values is not None
        text, latex = _sym("a", "a", layer)
        prefix = ("∂E/∂", "\\partial E/\\partial ") if self.sign > 0 else ("−∂E/∂",
                                                                          "-\\partial E/\\partial ")
        return self._units((prefix[0] + text, prefix[1] + latex), self.sign * values,
                           lambda s, j: ids.dout(s, layer, j), "dout")

    def _fprime_line(self, layer: int) -> tuple[MatrixEquation, Matrix]:
        values = self.v.fprimes[layer - 1]
        assert values is not None
        z = _sym("z", "z", layer)
        fp = self._units((f"f′({z[0]})", f"f'({z[1]})"), values,
                         lambda s, j: ids.fprime(s, layer, j), "fprime")
        form = _FPRIME.get(self.net.activations[layer - 1])
        a = _sym("a", "a", layer)
        symbolic = None if form is None else (form[0].replace("a", a[0]),
                                              form[1].replace("a", a[1]))
        return self._eq("fp", layer, "fprime", "backward", f"f′ of layer {layer}",
                        (fp.text, fp.latex), symbolic, [], fp), fp

    def _output_delta(self) -> list[MatrixEquation]:
        depth = self.net.depth
        delta, a = self._delta(depth), self._a(depth)
        t = self._units(("t", "t"), self.v.t, ids.t, "target")
        minus = self.sign > 0
        if fuses(self.c.error, self.net.activations[-1]):
            plain = self.v.t.shape[1] == 1 or self.c.error == "categorical_crossentropy" \
                and bool(np.all(np.sum(self.v.t, axis=1) == 1.0))
            pair = (a, t) if minus else (t, a)
            numeric = [_m(pair[0]), _op(" − ", "-"), _m(pair[1])] if plain else []
            text = f"{pair[0].text} − {pair[1].text}"
            latex = f"{pair[0].latex} - {pair[1].latex}"
            if not plain:
                text, latex = f"({text})/K", f"\\tfrac{{1}}{{K}}({latex})"
            return [self._eq("delta", depth, "delta", "backward", "output deltas",
                             (delta.text, delta.latex), (text, latex), numeric, delta)]
        dout = self._dout(depth)
        form = _OUTPUT_SIGNAL.get(self.c.error)
        symbolic, numeric = None, []
        if form is not None:
            text, latex = form if minus else (form[0].replace("a − t", "t − a"),
                                              form[1].replace("a - t", "t - a"))
            symbolic = (text.replace("a", a.text), latex.replace("a", a.latex))
            if self.c.error == "half_sse":
                pair = (a, t) if minus else (t, a)
                numeric = [_m(pair[0]), _op(" − ", "-"), _m(pair[1])]
        fp_eq, fp = self._fprime_line(depth)
        return [self._eq("dout", depth, "dout", "backward", "∂E/∂a of the outputs",
                         (dout.text, dout.latex), symbolic, numeric, dout), fp_eq,
                self._eq("delta", depth, "delta", "backward", "output deltas",
                         (delta.text, delta.latex),
                         (f"{dout.text} ⊙ {fp.text}", f"{dout.latex} \\odot {fp.latex}"),
                         [_m(dout), _op(" ⊙ ", "\\odot"), _m(fp)], delta)]

    def _hidden_delta(self, layer: int) -> list[MatrixEquation]:
        above = self._delta(layer + 1)
        w = self._weights(layer + 1, transposed=True)
        pair = (w, above) if self.column else (above, w)
        dout = self._dout(layer)
        fp_eq, fp = self._fprime_line(layer)
        delta = self._delta(layer)
        text = f"{pair[0].text}{pair[1].text}"
        latex = f"{pair[0].latex}{pair[1].latex}"
        return [self._eq("dout", layer, "dout", "backward", f"∂E/∂a of layer {layer}",
                         (dout.text, dout.latex), (text, latex),
                         [_m(pair[0]), _m(pair[1])], dout), fp_eq,
                self._eq("delta", layer, "delta", "backward", f"deltas of layer {layer}",
                         (delta.text, delta.latex),
                         (f"({text}) ⊙ {fp.text}", f"({latex}) \\odot {fp.latex}"),
                         [_m(dout), _op(" ⊙ ", "\\odot"), _m(fp)], delta)]
