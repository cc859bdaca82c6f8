"""The update lines of a matrix-form step: ∂E/∂W, ΔW (with momentum, or in the sign form
``plus``), W⁺ — and the same for the biases. A base class of ``matrix_write.Writer``, which
supplies the matrices."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.derive import ids
from chainrule.derive.matrix import Matrix, MatrixEquation, Part
from chainrule.derive.rounding import format_exact

__all__ = ["Updates"]


def _op(text: str, latex: str | None = None) -> Part:
    return Part(text, text if latex is None else latex)


def _m(matrix: Matrix) -> Part:
    return Part(matrix=matrix)


def _plus(sym: tuple[str, str]) -> tuple[str, str]:
    return sym[0] + "⁺", f"{{{sym[1]}}}^{{+}}"


class Updates:
    """Mixin: needs ``c``, ``v``, ``sid``, ``rows``, ``column``, ``sign``, ``eta``,
    ``previous`` and the matrix helpers of ``Writer``."""

    c: Any
    v: Any
    sid: str
    rows: int
    column: bool
    sign: float
    eta: str
    previous: Any

    def _update(self, layer: int) -> list[MatrixEquation]:
        changes = self.sign < 0 or bool(self.c.momentum)
        eqs = self._kernel_update(layer, changes)
        if self.v.before.biases[layer - 1] is not None and self.c.update_bias:
            eqs += self._bias_update(layer, changes)
        return eqs

    def _scale(self) -> tuple[str, str]:
        k = self.rows
        return ("", "") if k == 1 else (f"(1/{k})·", f"\\tfrac{{1}}{{{k}}}\\,")

    def _kernel_update(self, layer: int, changes: bool) -> list[MatrixEquation]:
        before, after = self.v.before, self.v.after
        w = self._weights(layer)
        delta, a = self._delta(layer), self._a(layer - 1, transposed=True)
        pair = (delta, a) if self.column else (a, delta)
        product = (f"{pair[0].text}{pair[1].text}", f"{pair[0].latex}{pair[1].latex}")
        scale = self._scale()
        grad = self._kernel(("∂E/∂" + w.text, "\\partial E/\\partial " + w.latex), layer,
                            self.v.kernel_grads[layer - 1],
                            lambda key: ids.gradient(self.sid, key), "gradient")
        eqs = []
        if self.sign > 0:
            eqs.append(self._eq("grad.w", layer, "gradient", "update",
                                f"∂E/∂W of layer {layer}", (grad.text, grad.latex),
                                (scale[0] + product[0], scale[1] + product[1]),
                                [_op(*scale)] * bool(scale[0]) + [_m(pair[0]), _m(pair[1])],
                                grad))
        new = self._kernel(_plus((w.text, w.latex)), layer, after.kernels[layer - 1],
                           lambda key: ids.updated(self.sid, key), "update")
        if not changes:
            return eqs + [self._new_line("w", layer, w, new, grad)]
        step = after.kernels[layer - 1] - before.kernels[layer - 1]
        change = self._kernel(("Δ" + w.text, "\\Delta " + w.latex), layer, step,
                              lambda key: ids.change(self.sid, key), "change")
        eqs.append(self._change_line("w", layer, change, grad, product, pair))
        return eqs + [self._new_line("w", layer, w, new, change=change)]

    def _new_line(self, name: str, layer: int, old: Matrix, new: Matrix,
                  grad: Matrix | None = None, change: Matrix | None = None) -> MatrixEquation:
        """w⁺ = w − η·∂E/∂w (``grad``) or w⁺ = w + Δw (``change``)."""
        if change is not None:
            symbolic = (f"{old.text} + {change.text}", f"{old.latex} + {change.latex}")
            numeric = [_m(old), _op(" + ", "+"), _m(change)]
        else:
            assert grad is not None
            symbolic = (f"{old.text} − η·{grad.text}", f"{old.latex} - \\eta\\,{grad.latex}")
            numeric = [_m(old), _op(f" − {self.eta}·", f"- {self.eta}\\cdot"), _m(grad)]
        what = "weights" if name == "w" else "biases"
        return self._eq(f"new.{name}", layer, "update", "update",
                        f"new {what} of layer {layer}", (new.text, new.latex), symbolic,
                        numeric, new)

    def _change_line(self, name: str, layer: int, change: Matrix, grad: Matrix,
                     product: tuple[str, str], pair: tuple[Matrix, Matrix]) -> MatrixEquation:
        mu = format_exact(float(self.c.momentum))
        numeric: list[Part] = []
        if self.sign < 0 and not self.c.momentum:
            scale = ("η·", "\\eta\\,") if self.rows == 1 else (f"(η/{self.rows})·",
                                                             f"\\tfrac{{\\eta}}{{{self.rows}}}\\,")
            symbolic = (scale[0] + product[0], scale[1] + product[1])
            factor = self.eta if self.rows == 1 else f"({self.eta}/{self.rows})"
            if name == "w":
                numeric = [_op(f"{factor}·", f"{factor}\\cdot"), _m(pair[0]), _m(pair[1])]
            else:
                symbolic = (f"−η·{grad.text}", f"-\\eta\\,{grad.latex}")
        else:
            symbolic = (f"−η·{grad.text}", f"-\\eta\\,{grad.latex}")
            if self.c.momentum:
                symbolic = (f"μ·{change.text}₍ₚᵣₑᵥ₎ − η·{grad.text}",
                            f"\\mu\\,{change.latex}_{{\\text{{prev}}}} - \\eta\\,{grad.latex}")
            if self.sign > 0 and name == "w":
                numeric = self._momentum_numbers(layer, change, grad, mu)
        return self._eq(f"change.{name}", layer, "change", "update",
                        f"change of layer {layer}'s {'weights' if name == 'w' else 'biases'}",
                        (change.text, change.latex), symbolic, numeric, change)

    def _momentum_numbers(self, layer: int, change: Matrix, grad: Matrix,
                          mu: str) -> list[Part]:
        tail = [_op(f" − {self.eta}·", f"- {self.eta}\\cdot"), _m(grad)]
        if self.previous is None or not self.c.momentum:
            return [_op(f"−{self.eta}·", f"-{self.eta}\\cdot"), _m(grad)]
        previous = self.previous[0]
        velocity = self._kernel((change.text + "₍ₚᵣₑᵥ₎", change.latex + "_{\\text{prev}}"), layer,
                                self.v.before.kernel_velocity[layer - 1],
                                lambda key: ids.change(previous, key), "change")
        return [_op(f"{mu}·", f"{mu}\\cdot"), _m(velocity)] + tail

    def _bias_update(self, layer: int, changes: bool) -> list[MatrixEquation]:
        before, after = self.v.before, self.v.after
        b = self._bias(layer, before.biases[layer - 1],
                       lambda key: ids.weight(self.sid, key), "weight",
                       given=self.previous is None)
        grad = self._bias(layer, self.v.bias_grads[layer - 1],
                          lambda key: ids.gradient(self.sid, key), "gradient", "∂E/∂")
        delta = self._delta(layer)
        eqs = []
        if self.sign > 0:
            eqs.append(self._bias_gradient(layer, grad, delta))
        new = self._bias(layer, after.biases[layer - 1],
                         lambda key: ids.updated(self.sid, key), "update")
        new = Matrix(*_plus((b.text, b.latex)), new.rows)
        if not changes:
            return eqs + [self._new_line("b", layer, b, new, grad)]
        conv = self._bias_values(after.biases[layer - 1]) - self._bias_values(
            before.biases[layer - 1])
        change = self._bias(layer, self._unshared(conv), lambda key: ids.change(self.sid, key),
                            "change", "Δ")
        eqs.append(self._change_line("b", layer, change, grad, ("", ""), (delta, delta)))
        return eqs + [self._new_line("b", layer, b, new, change=change)]

    def _unshared(self, conv: np.ndarray) -> np.ndarray:
        """Convention numbers back to an engine-shaped vector for ``_bias`` (which converts)."""
        if self.c.bias == "threshold":
            return -conv + 0.0
        return conv

    def _bias_gradient(self, layer: int, grad: Matrix, delta: Matrix) -> MatrixEquation:
        if self.c.bias == "threshold":
            symbolic = (f"−{delta.text}", f"-{delta.latex}")
        elif self.c.bias == "shared":
            symbolic = (f"Σⱼ {delta.text}ⱼ", f"\\textstyle\\sum_j {delta.latex}_j")
        else:
            symbolic = (delta.text, delta.latex)
        if self.rows > 1:
            symbolic = (f"mean over the examples of {symbolic[0]}",
                        f"\\text{{mean over the examples of }}{symbolic[1]}")
        return self._eq("grad.b", layer, "gradient", "update", f"∂E/∂b of layer {layer}",
                        (grad.text, grad.latex), symbolic, [], grad)
