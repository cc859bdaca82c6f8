"""The scalar training loop for tiny networks: many epochs in one call.

One source, two ways to run it. Numba compiles ``train_epochs`` (``compiled.py``); without
Numba the very same function runs as plain Python over lists of floats, which for a network
of a few neurons beats a NumPy call per operation (a NumPy call costs ~1 µs, a Python float
operation ~0.03 µs). So the body uses nothing but indexing, arithmetic and ``math``.

Every array is flat. Layer ``l`` (of ``L``) maps ``nin[l]`` inputs to ``nout[l]`` units;
its kernel is ``p[woff[l] : woff[l] + nin[l]·nout[l]]`` (row-major ``(in, out)``, Keras's
layout), its bias ``p[boff[l] : boff[l] + nout[l]]`` (``boff[l] = -1``: no bias). Row ``r``
of the activations entering layer ``l`` is ``a[aoff[l] + r·nin[l] : …]``; ``z`` holds the
pre-activations at the same offsets. ``x`` is ``(n, nin[0])``, ``y`` is ``(n, nout[L-1])``,
``order`` is ``(epochs, n)``, all flattened.

Codes (``spec.py`` names them): activations 0 linear, 1 sigmoid, 2 tanh, 3 relu,
4 leaky_relu, 5 bipolar_sigmoid, 6 softmax; losses 0 half_sse, 1 sse, 2 mse,
3 binary_crossentropy from logits, 4 categorical_crossentropy from logits; optimizer 0 SGD,
1 Adam.
"""

from __future__ import annotations

import math

try:  # helpers become inlinable into the compiled loop; without Numba they stay Python
    from numba.extending import register_jitable as _jitable
except ImportError:  # pragma: no cover - exercised where Numba is not installed
    def _jitable(function):
        return function


@_jitable
def _sigmoid(z):
    """σ(z) = 1/(1 + e^−z) without overflow."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@_jitable
def _activate(z, code, alpha):
    if code == 1:
        return _sigmoid(z)
    if code == 2:
        return math.tanh(z)
    if code == 3:
        return z if z > 0.0 else 0.0
    if code == 4:
        return z if z > 0.0 else alpha * z
    if code == 5:
        return 2.0 * _sigmoid(z) - 1.0
    return z


@_jitable
def _derivative(z, a, code, alpha):
    """f′(z), written with the output a = f(z) where that is how the engine writes it."""
    if code == 1:
        return a * (1.0 - a)
    if code == 2:
        return 1.0 - a * a
    if code == 3:
        return 1.0 if z > 0.0 else 0.0
    if code == 4:
        return 1.0 if z > 0.0 else alpha
    if code == 5:
        s = _sigmoid(z)
        return 2.0 * (s * (1.0 - s))
    return 1.0


@_jitable
def _forward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, rows):
    """a ← f(a_prev @ W + b), layer by layer, for the first ``rows`` rows of the batch."""
    for layer in range(len(nin)):
        ni = nin[layer]
        no = nout[layer]
        ai = aoff[layer]
        ao = aoff[layer + 1]
        wo = woff[layer]
        bo = boff[layer]
        code = act[layer]
        for r in range(rows):
            for j in range(no):
                s = 0.0
                for i in range(ni):
                    s += a[ai + r * ni + i] * p[wo + i * no + j]
                if bo >= 0:
                    s += p[bo + j]
                z[ao + r * no + j] = s
                if code != 6:
                    a[ao + r * no + j] = _activate(s, code, alpha[layer])
            if code == 6:
                _softmax_row(z, a, ao + r * no, no)


@_jitable
def _softmax_row(z, a, start, k):
    """a = exp(log softmax(z)) with log softmax(z) = z − max z − ln Σ e^(z − max z)."""
    top = z[start]
    for j in range(1, k):
        if z[start + j] > top:
            top = z[start + j]
    total = 0.0
    for j in range(k):
        total += math.exp(z[start + j] - top)
    log_total = math.log(total)
    for j in range(k):
        a[start + j] = math.exp(z[start + j] - top - log_total)


@_jitable
def _output_delta(z, a, y, d, ao, row, example, k, code, alpha, loss, scale):
    """d ← ∂(batch objective)/∂z for one row of the output layer; returns its loss.

    ``scale`` is 1/batch: the objective is the mean over the batch of per-example losses.
    """
    yo = example * k
    out = ao + row * k
    total = 0.0
    if loss == 4:  # −Σ t log softmax(z);  ∂/∂z = softmax(z)·Σt − t
        top = z[out]
        for j in range(1, k):
            if z[out + j] > top:
                top = z[out + j]
        s = 0.0
        for j in range(k):
            s += math.exp(z[out + j] - top)
        log_total = math.log(s)
        t_sum = 0.0
        for j in range(k):
            t_sum += y[yo + j]
        for j in range(k):
            t = y[yo + j]
            total -= t * (z[out + j] - top - log_total)
            d[row * k + j] = scale * (a[out + j] * t_sum - t)
        return total
    for j in range(k):
        t = y[yo + j]
        zj = z[out + j]
        aj = a[out + j]
        if loss == 3:  # max(z, 0) − z t + ln(1 + e^−|z|);  ∂/∂z = σ(z) − t
            total += (zj if zj > 0.0 else 0.0) - zj * t + math.log1p(math.exp(-abs(zj)))
            d[row * k + j] = scale / k * (aj - t)
        else:
            e = t - aj
            total += e * e
            g = aj - t if loss == 0 else 2.0 * (aj - t)
            d[row * k + j] = (scale / k if loss == 2 else scale) * g \
                * _derivative(zj, aj, code, alpha)
    if loss == 0:
        return 0.5 * total
    if loss == 2 or loss == 3:
        return total / k
    return total


@_jitable
def _update(p, m, v, index, g, opt, lr, momentum, nesterov, b1, b2, eps, c1, c2):
    """One parameter's step: SGD (momentum, Nesterov) or Adam with bias corrections c1, c2."""
    if opt == 1:
        m[index] = b1 * m[index] + (1.0 - b1) * g
        v[index] = b2 * v[index] + (1.0 - b2) * (g * g)
        p[index] = p[index] - lr * (m[index] / c1) / (math.sqrt(v[index] / c2) + eps)
    elif momentum == 0.0:
        p[index] = p[index] - lr * g
    else:
        m[index] = momentum * m[index] - lr * g
        if nesterov:
            p[index] = p[index] + momentum * m[index] - lr * g
        else:
            p[index] = p[index] + m[index]


@_jitable
def _backward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, d, d_prev, rows,
              opt, lr, momentum, nesterov, b1, b2, eps, c1, c2, m, v):
    """Back-propagate ``d`` (∂objective/∂z of the last layer) and update every parameter.

    The delta of layer l−1 is computed from layer l's weights before they change.
    """
    for layer in range(len(nin) - 1, -1, -1):
        ni = nin[layer]
        no = nout[layer]
        ai = aoff[layer]
        wo = woff[layer]
        bo = boff[layer]
        if layer > 0:
            code = act[layer - 1]
            for r in range(rows):
                for i in range(ni):
                    s = 0.0
                    for j in range(no):
                        s += d[r * no + j] * p[wo + i * no + j]
                    k = ai + r * ni + i
                    d_prev[r * ni + i] = s * _derivative(z[k], a[k], code, alpha[layer - 1])
        for i in range(ni):
            for j in range(no):
                g = 0.0
                for r in range(rows):
                    g += a[ai + r * ni + i] * d[r * no + j]
                _update(p, m, v, wo + i * no + j, g, opt, lr, momentum, nesterov,
                        b1, b2, eps, c1, c2)
        if bo >= 0:
            for j in range(no):
                g = 0.0
                for r in range(rows):
                    g += d[r * no + j]
                _update(p, m, v, bo + j, g, opt, lr, momentum, nesterov, b1, b2, eps, c1, c2)
        for r in range(rows * ni):
            d[r] = d_prev[r]


@_jitable
def _load_rows(x, a, width, order, start, rows):
    for r in range(rows):
        example = order[start + r]
        for i in range(width):
            a[r * width + i] = x[example * width + i]


@_jitable
def _all_correct(p, woff, boff, nin, nout, act, alpha, z, a, aoff, x, y, n, batch, tol):
    """max |y − t| < tol over every output of every training example (fresh forward pass)."""
    k = nout[len(nout) - 1]
    ao = aoff[len(nout)]
    for start in range(0, n, batch):
        rows = min(batch, n - start)
        for r in range(rows):
            for i in range(nin[0]):
                a[r * nin[0] + i] = x[(start + r) * nin[0] + i]
        _forward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, rows)
        for r in range(rows):
            for j in range(k):
                if not abs(a[ao + r * k + j] - y[(start + r) * k + j]) < tol:
                    return False
    return True


def train_epochs(p, woff, boff, nin, nout, act, alpha, x, y, n, order, epochs, batch,
                 loss, opt, lr, momentum, nesterov, b1, b2, eps, m, v, step,
                 z, a, aoff, d, d_prev, stop_tol, losses):
    """Train ``epochs`` epochs in place; ``losses[e]`` ← epoch e's mean per-example loss.

    ``step`` is the number of optimizer steps taken before this call (Adam's t).
    ``stop_tol > 0`` stops after the first epoch whose outputs all satisfy
    ``|y − t| < stop_tol``. Returns the number of epochs run.
    """
    last = len(nin) - 1
    k = nout[last]
    for epoch in range(epochs):
        total = 0.0
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            _load_rows(x, a, nin[0], order, epoch * n + start, rows)
            _forward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, rows)
            scale = 1.0 / rows
            for r in range(rows):
                total += _output_delta(z, a, y, d, aoff[last + 1], r,
                                       order[epoch * n + start + r], k, act[last],
                                       alpha[last], loss, scale)
            step += 1
            c1 = 1.0 - b1 ** step
            c2 = 1.0 - b2 ** step
            _backward(p, woff, boff, nin, nout, act, alpha, z, a, aoff, d, d_prev, rows,
                      opt, lr, momentum, nesterov, b1, b2, eps, c1, c2, m, v)
        losses[epoch] = total / n
        if stop_tol > 0.0 and _all_correct(p, woff, boff, nin, nout, act, alpha, z, a,
                                           aoff, x, y, n, batch, stop_tol):
            return epoch + 1
    return epochs
