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
        """ΔW = [μ·ΔW₍ₚᵣₑᵥ₎] − η·∂E/∂W (sign form minus, with momentum), or
        [μ·ΔW₍ₚᵣₑᵥ₎ +] η·δaᵀ (sign form plus, from its δ); a bias's change by its gradient."""
        k = self.rows
        if name == "w" and self.sign < 0:
            op, factor = ("+", "+"), (self.eta if k == 1 else f"({self.eta}/{k})")
            rate = ("η·", "\\eta\\,") if k == 1 else (f"(η/{k})·", f"\\tfrac{{\\eta}}{{{k}}}\\,")
            core = (rate[0] + product[0], rate[1] + product[1])
            matrices = [_m(pair[0]), _m(pair[1])]
        else:
            op, factor = ("−", "-"), self.eta
            core = (f"η·{grad.text}", f"\\eta\\,{grad.latex}")
            matrices = [_m(grad)] if name == "w" else []
        lead = ("", "") if op[0] == "+" else op
        symbolic = (lead[0] + core[0], lead[1] + core[1])
        scaled = [_op(f"{factor}·", f"{factor}\\cdot")] + matrices
        numeric = [_op(lead[0] + scaled[0].text, lead[1] + scaled[0].latex)] + matrices
        if self.c.momentum:
            symbolic = (f"μ·{change.text}₍ₚᵣₑᵥ₎ {op[0]} {core[0]}",
                        f"\\mu\\,{change.latex}_{{\\text{{prev}}}} {op[1]} {core[1]}")
            previous = self._previous_change(layer, change)
            if previous is not None:
                mu = format_exact(float(self.c.momentum))
                numeric = [_op(f"{mu}·", f"{mu}\\cdot"), _m(previous),
                           _op(f" {op[0]} ", op[1])] + scaled
        what = "weights" if name == "w" else "biases"
        return self._eq(f"change.{name}", layer, "change", "update",
                        f"change of layer {layer}'s {what}", (change.text, change.latex),
                        symbolic, numeric if matrices else [], change)

    def _previous_change(self, layer: int, change: Matrix) -> Matrix | None:
        """ΔW of the step before (SGD's velocity), or ``None`` in the first step."""
        if self.previous is None:
            return None
        previous = self.previous[0]
        return self._kernel((change.text + "₍ₚᵣₑᵥ₎", change.latex + "_{\\text{prev}}"), layer,
                            self.v.before.kernel_velocity[layer - 1],
                            lambda key: ids.change(previous, key), "change")

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
