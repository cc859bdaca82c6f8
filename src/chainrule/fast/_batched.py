"""The batched training loop for mid-size networks, compiled whole: matrix products by BLAS
(``np.dot`` under Numba), everything else in compiled loops, many epochs in one call.

A NumPy step of a 64-64-10 network on 32 rows makes about forty NumPy calls of about a
microsecond each, as long as its five matrix products take; here the step makes five BLAS
calls and no Python at all. The layout of every array is ``_kernel``'s (flat parameters,
activations ``a`` and pre-activations ``z`` of a whole batch at ``aoff[l]``, row-major);
``d`` and ``d_prev`` hold a batch's δ of a layer and of the layer below, ``g`` one
parameter's gradient. The arithmetic per number is ``_kernel``'s; only the order of the sums
inside a matrix product is BLAS's.

Imported by ``compiled.batched_kernel`` only, after Numba (so ``_kernel``'s helpers are
jitable here).
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from chainrule.fast._kernel import (
    _activate,
    _bias_corrections,
    _derivative,
    _output_delta,
    _rows_correct,
    _sigmoid,
    _step,
)


@register_jitable
def _forward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, rows):
    """a[l+1] = f(a[l] @ W + b) for the first ``rows`` rows of every layer."""
    for layer in range(len(nin)):
        ni = nin[layer]
        no = nout[layer]
        w = p[woff[layer]:woff[layer] + ni * no].reshape((ni, no))
        a_in = a[aoff[layer]:aoff[layer] + rows * ni].reshape((rows, ni))
        ao = aoff[layer + 1]
        z_out = z[ao:ao + rows * no].reshape((rows, no))
        np.dot(a_in, w, z_out)
        bo = boff[layer]
        code = act[layer]
        if bo >= 0:
            for r in range(rows):
                for j in range(no):
                    z[ao + r * no + j] += p[bo + j]
        if code == 1:  # the common case in a loop of its own, without the dispatch
            for q in range(ao, ao + rows * no):
                a[q] = _sigmoid(z[q])
        elif code != 6:
            for q in range(ao, ao + rows * no):
                a[q] = _activate(z[q], code, alpha[layer])
        if code == 6:  # softmax = exp(z − max z − ln Σ e^(z − max z))
            for r in range(rows):
                q = ao + r * no
                top = z[q]
                for j in range(1, no):
                    top = max(top, z[q + j])
                s = 0.0
                for j in range(no):
                    s += math.exp(z[q + j] - top)
                s = math.log(s)
                for j in range(no):
                    a[q + j] = math.exp(z[q + j] - top - s)

@register_jitable
def _all_correct(p, woff, boff, nin, nout, act, alpha, x, y, n, batch, z, a, aoff,
                 stop_mode, stop_value):
    layers = len(nin)
    k = nout[layers - 1]
    out = aoff[layers]
    width = nin[0]
    for start in range(0, n, batch):
        rows = min(batch, n - start)
        a[:rows * width] = x[start * width:(start + rows) * width]
        _forward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, rows)
        if not _rows_correct(a, out, y, start, rows, k, stop_mode, stop_value):
            return False
    return True


def train_batches(p, m, v, woff, boff, nin, nout, act, alpha, x, y, n, order, epochs, batch,
                  loss, opt, lr, momentum, nesterov, b1, b2, eps, step, z, a, aoff, d, d_prev,
                  g, stop_mode, stop_value, losses):
    """``_kernel.train_epochs``'s contract, with ``g`` a gradient buffer as long as the
    largest kernel. Returns the number of epochs run."""
    layers = len(nin)
    k = nout[layers - 1]
    width = nin[0]
    for e in range(epochs):
        total = 0.0
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            t_rows = order[e * n + start:e * n + start + rows]
            for r in range(rows):
                a[r * width:(r + 1) * width] = x[t_rows[r] * width:(t_rows[r] + 1) * width]
            _forward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, rows)
            total += _output_delta(z, a, aoff[layers], y, t_rows, rows, k, loss,
                                   act[layers - 1], alpha[layers - 1], d)
            step += 1
            c1, c2 = _bias_corrections(opt, step, b1, b2)
            for layer in range(layers - 1, -1, -1):
                ni = nin[layer]
                no = nout[layer]
                ai = aoff[layer]
                wo = woff[layer]
                bo = boff[layer]
                w = p[wo:wo + ni * no].reshape((ni, no))
                delta = d[:rows * no].reshape((rows, no))
                a_in = a[ai:ai + rows * ni].reshape((rows, ni))
                if layer > 0:  # δ_prev = (δ @ Wᵀ) ⊙ f′(z_prev), with W before its update
                    np.dot(delta, w.T, d_prev[:rows * ni].reshape((rows, ni)))
                    code = act[layer - 1]
                    if code == 1:  # σ(1 − σ), as _derivative, without the dispatch
                        for q in range(rows * ni):
                            d_prev[q] *= a[ai + q] * (1.0 - a[ai + q])
                    else:
                        for q in range(rows * ni):
                            d_prev[q] *= _derivative(z[ai + q], a[ai + q], code,
                                                     alpha[layer - 1])
                grad = g[:ni * no].reshape((ni, no))
                np.dot(a_in.T, delta, grad)
                if opt == 0 and momentum == 0.0:  # w − ηg, as _step, in a loop that vectorises
                    for q in range(ni * no):
                        p[wo + q] = p[wo + q] - lr * g[q]
                else:
                    for q in range(ni * no):
                        p[wo + q], m[wo + q], v[wo + q] = _step(
                            p[wo + q], m[wo + q], v[wo + q], g[q], opt, lr, momentum,
                            nesterov, b1, b2, eps, c1, c2)
                if bo >= 0:
                    for j in range(no):
                        s = 0.0
                        for r in range(rows):
                            s += d[r * no + j]
                        p[bo + j], m[bo + j], v[bo + j] = _step(
                            p[bo + j], m[bo + j], v[bo + j], s, opt, lr, momentum, nesterov,
                            b1, b2, eps, c1, c2)
                if layer > 0:
                    d[:rows * ni] = d_prev[:rows * ni]
        losses[e] = total / n
        if stop_mode != 0 and _all_correct(p, woff, boff, nin, nout, act, alpha, x, y, n,
                                           batch, z, a, aoff, stop_mode, stop_value):
            return e + 1
    return epochs
