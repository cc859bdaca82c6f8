"""The scalar training loop for tiny networks: many epochs in one call.

One source, two ways to run it. Numba compiles ``train_epochs`` (``compiled.py``); without
Numba the very same function runs as plain Python over lists of floats, which for a network
of a few neurons beats a NumPy call per operation (a NumPy call costs ~1 µs, a Python float
operation ~0.03 µs). So the body uses nothing but indexing, arithmetic and ``math``.

Every array is flat (one function, not one per step: see ``train_epochs``). Layer ``l``
(of ``L``) maps ``nin[l]`` inputs to ``nout[l]`` units; its kernel is
``p[woff[l] : woff[l] + nin[l]·nout[l]]`` (row-major ``(in, out)``, Keras's layout), its bias
``p[boff[l] : boff[l] + nout[l]]`` (``boff[l] = -1``: no bias). Row ``r`` of the activations
entering layer ``l`` is ``a[aoff[l] + r·nin[l] : …]``; ``z`` holds the pre-activations at the
same offsets. ``x`` is ``(n, nin[0])``, ``y`` is ``(n, nout[L-1])``, ``order`` is
``(epochs, n)``, all flattened.

Codes (``spec.py`` names them): an activation's is its place in the calculus table
(``_activate`` and ``_derivative`` dispatch on it, built from the table); losses 0 half_sse,
1 sse, 2 mse, 3 binary_crossentropy from logits, 4 categorical_crossentropy from logits;
optimizer 0 SGD, 1 Adam.
"""

from __future__ import annotations

import math

from chainrule.calculus.activations import ACTIVATIONS
from chainrule.calculus.compile import function, scalar_namespace
from chainrule.fast.spec import ACTIVATIONS as CODES

# The helpers below are plain functions: the plain-Python loop calls them as they are, and
# ``_jit.jit`` registers each as jitable (``HELPERS``) before Numba compiles a loop that
# calls them, so that importing this module never imports Numba.


# the activations' values and derivatives, as the calculus table defines them once: values by
# its ``scalar`` forms (math only), derivatives compiled from its formula trees to float code
# (``f_<name>`` bound to the table's scalar functions themselves, which Numba compiles once
# registered, as the generated loops of ``unrolled`` bind them)
_FLOATS = {**scalar_namespace(), **{f"f_{name}": entry.scalar for name, entry
                                    in ACTIVATIONS.items() if entry.scalar is not None}}
_SOFTMAX = CODES["softmax"]  # computed over the row by the loop, not by ``_activate``


def _value_case(code, value, otherwise):
    """f(z) by ``value`` (a table entry's scalar form) for activation ``code``, else by
    ``otherwise``: one link of ``_activate``."""
    def activate(z, c, alpha):
        if c == code:
            return value(z, alpha)
        return otherwise(z, c, alpha)
    return activate


def _slope_case(code, slope, otherwise):
    """f′(z, a) by ``slope`` (a table entry's derivative tree, compiled) for activation
    ``code``, else by ``otherwise``: one link of ``_derivative``."""
    def derivative(z, a, c, alpha):
        if c == code:
            return slope(z, a, alpha)
        return otherwise(z, a, c, alpha)
    return derivative


def _no_value(z, code, alpha):
    """After the table's last elementwise entry: softmax, whose row the loop computes."""
    return z


def _no_slope(z, a, code, alpha):
    """After the table's last elementwise entry: softmax, only fused with its loss."""
    return 1.0


def _dispatch():
    """``_activate(z, code, alpha)`` and ``_derivative(z, a, code, alpha)``: chains of one
    small function per elementwise entry of the calculus table, in its order (``code`` is
    the entry's place, ``spec.ACTIVATIONS``), and every function of the chains. No source is
    written: Numba compiles the chains as they are (each link registered as jitable, the
    code and the functions it closes over constants to it), and plain Python calls them."""
    activate, derivative, links = _no_value, _no_slope, [_no_value, _no_slope]
    for name, entry in reversed(ACTIVATIONS.items()):
        if entry.scalar is None:
            continue
        slope = function(entry.derivative, ("z", "a", "alpha"), _FLOATS)
        activate = _value_case(CODES[name], entry.scalar, activate)
        derivative = _slope_case(CODES[name], slope, derivative)
        links += [entry.scalar, slope, activate, derivative]
    return activate, derivative, tuple(links)


#: f(z) of activation ``code`` (``spec.ACTIVATIONS``) by the calculus table; f′ of it by the
#: table's ``derivative`` tree (through the output a where the table writes it so)
_activate, _derivative, _DISPATCH = _dispatch()


def _squared_error_gradient(t, y, loss, k):
    """∂E/∂y of one output: half_sse y − t, sse 2(y − t), mse 2(y − t)/K."""
    if loss == 0:
        return y - t
    if loss == 1:
        return 2.0 * (y - t)
    return 2.0 * (y - t) / k


def _step(w, m, v, g, opt, lr, momentum, nesterov, b1, b2, eps, c1, c2):
    """One parameter's step, returning the new (w, m, v); m is SGD's velocity.

    SGD: m ← μm − ηg, w ← w + m (Nesterov: w + μm − ηg; μ = 0: w − ηg).
    Adam: m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², w ← w − η (m/c1)/(√(v/c2) + ε).
    """
    if opt == 1:
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * (g * g)
        return w - lr * (m / c1) / (math.sqrt(v / c2) + eps), m, v
    if momentum == 0.0:
        return w - lr * g, m, v
    m = momentum * m - lr * g
    if nesterov:
        return w + momentum * m - lr * g, m, v
    return w + m, m, v


def _is_correct(y, t, mode, value):
    """Stop-when-correct per output: 1 |y − t| ≤ tolerance, 3 same side of a threshold;
    an output that is not finite is never correct (``StopWhenCorrect.correct``)."""
    if not math.isfinite(y):
        return False
    if mode == 1:
        return abs(y - t) <= value
    return (y > value) == (t > value)


def _rows_correct(a, out, y, start, rows, n, k, stop_mode, stop_value):
    """Whether rows of examples ``start … start + rows`` (mod ``n``; outputs at ``a[out:]``)
    are all correct: argmax agreement for stop mode 2, else ``_is_correct`` for every
    output."""
    for r in range(rows):
        t0 = ((start + r) % n) * k
        if stop_mode == 2:
            best_y = 0
            best_t = 0
            for j in range(1, k):
                if a[out + r * k + j] > a[out + r * k + best_y]:
                    best_y = j
                if y[t0 + j] > y[t0 + best_t]:
                    best_t = j
            if best_y != best_t:
                return False
            for j in range(k):
                if not math.isfinite(a[out + r * k + j]):
                    return False
        else:
            for j in range(k):
                if not _is_correct(a[out + r * k + j], y[t0 + j], stop_mode, stop_value):
                    return False
    return True


def _halts(loss, e, patience, min_delta, sign, on_nan, track):
    """Whether the epoch ``e`` whose mean loss is ``loss`` ends the run before any check of
    correctness: its loss is not finite (``on_nan``), or early stopping has waited
    ``patience`` epochs (``patience`` < 0: off) without an improvement beyond ``min_delta``.

    ``track``: [sign·best, epochs waited, epoch of the best in this run or −1, correct];
    ``sign`` 1 when smaller is better, −1 when larger is (``EarlyStopping``'s rule)."""
    halt = on_nan and not math.isfinite(loss)
    if patience >= 0:
        if sign * loss < track[0] - min_delta:
            track[0] = sign * loss
            track[1] = 0.0
            track[2] = e
        else:
            track[1] += 1.0
            halt = halt or track[1] >= patience
    return halt


def _bias_corrections(opt, step, b1, b2):
    """Adam's 1 − β1^t and 1 − β2^t for step t (1 and 1 for SGD)."""
    if opt == 1:
        return 1.0 - b1 ** float(step), 1.0 - b2 ** float(step)
    return 1.0, 1.0


def _output_delta(z, a, out, y, t_rows, rows, k, loss, code, alpha, d):
    """δ of the batch objective into ``d``; returns the sum of the rows' losses."""
    total = 0.0
    scale = 1.0 / rows
    for r in range(rows):
        t0 = t_rows[r] * k
        o = out + r * k
        if loss == 4:  # −Σ t log softmax(z);  ∂/∂z = softmax(z)·Σt − t
            top = z[o]
            for j in range(1, k):
                top = max(top, z[o + j])
            s = 0.0
            t_sum = 0.0
            for j in range(k):
                s += math.exp(z[o + j] - top)
                t_sum += y[t0 + j]
            s = math.log(s)
            for j in range(k):
                total -= y[t0 + j] * (z[o + j] - top - s)
                d[r * k + j] = scale * (a[o + j] * t_sum - y[t0 + j])
        elif loss == 3:  # mean_k max(z, 0) − z t + ln(1 + e^−|z|);  ∂/∂z = σ(z) − t
            s = 0.0
            for j in range(k):
                zj = z[o + j]
                s += max(zj, 0.0) - zj * y[t0 + j] + math.log1p(math.exp(-abs(zj)))
                d[r * k + j] = scale / k * (a[o + j] - y[t0 + j])
            total += s / k
        else:  # squared errors: ½Σ, Σ, mean_k of (t − y)²
            s = 0.0
            for j in range(k):
                diff = y[t0 + j] - a[o + j]
                s += diff * diff
                d[r * k + j] = scale * _squared_error_gradient(
                    y[t0 + j], a[o + j], loss, k) * _derivative(z[o + j], a[o + j], code, alpha)
            total += 0.5 * s if loss == 0 else (s / k if loss == 2 else s)
    return total


# every function a compiled loop calls: this module's, and the table's scalar forms (which the
# generated loops of ``unrolled`` call by name)
HELPERS = (scalar_namespace()["step"], *_DISPATCH, _squared_error_gradient, _step,
           _is_correct, _rows_correct, _halts, _bias_corrections, _output_delta)


def train_epochs(p, m, v, woff, boff, nin, nout, act, alpha, x, y, n, order, per_epoch,
                 epochs, batch, loss, opt, lr, momentum, nesterov, b1, b2, eps, step, z, a,
                 aoff, d, d_prev, stop_mode, stop_value, patience, min_delta, sign, on_nan,
                 track, losses):
    """Train ``epochs`` epochs in place; ``losses[e]`` ← epoch e's mean per-example loss.

    ``p``, ``m``, ``v`` (same length): parameters, SGD velocity or Adam's first moment,
    Adam's second moment. ``step``: optimizer steps taken before (Adam's t). ``stop_mode``:
    0 never stop, 1 stop once every |y − t| ≤ ``stop_value``, 2 once argmax y = argmax t for
    every example, 3 once every output is on the same side of ``stop_value`` as its target;
    checked after each epoch on a fresh forward pass (``track[3]`` ← 1 when it passed),
    which starts at the batch that failed the last check (most often it fails again).
    ``order`` holds a row of example indices per epoch (``per_epoch``), or one row for all.
    ``patience``, ``min_delta``, ``sign``, ``on_nan``, ``track``: ``_halts``. Returns the
    number of epochs run.

    One function of 100 lines on purpose: under Numba each call passing arrays pays
    reference counting per array, which cost ten times the arithmetic of a 2-2-1 step, so
    the forward and backward passes are not functions of their own.
    """
    layers = len(nin)
    k = nout[layers - 1]
    out = aoff[layers]
    width = nin[0]
    halt = False
    wrong = 0  # the first example of the batch that failed the last check
    for epoch in range(epochs + epochs):  # even: train an epoch; odd: check it
        e = epoch // 2
        checking = epoch % 2 == 1
        if checking and stop_mode == 0:
            if halt:
                return e + 1
            continue
        base = e * n if per_epoch else 0
        total = 0.0
        correct = True
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            for r in range(rows):
                example = (wrong + start + r) % n if checking else order[base + start + r]
                for i in range(width):
                    a[r * width + i] = x[example * width + i]
            # forward: z = a_prev @ W + b, a = f(z)
            for layer in range(layers):
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
                        a[ao + r * no + j] = _activate(s, code, alpha[layer])
                    if code == _SOFTMAX:  # softmax = exp(z − max z − ln Σ e^(z − max z))
                        top = z[ao + r * no]
                        for j in range(1, no):
                            top = max(top, z[ao + r * no + j])
                        s = 0.0
                        for j in range(no):
                            s += math.exp(z[ao + r * no + j] - top)
                        s = math.log(s)
                        for j in range(no):
                            a[ao + r * no + j] = math.exp(z[ao + r * no + j] - top - s)
            if checking:
                correct = _rows_correct(a, out, y, wrong + start, rows, n, k, stop_mode,
                                        stop_value)
                if not correct:
                    wrong = (wrong + start) % n
                    break
                continue
            # the loss, and δ = ∂(mean over rows of the loss)/∂z of the output layer
            first = base + start
            total += _output_delta(z, a, out, y, order[first:first + rows], rows, k, loss,
                                   act[layers - 1], alpha[layers - 1], d)
            step += 1
            c1, c2 = _bias_corrections(opt, step, b1, b2)
            # backward: δ_prev from W before its update, then W and b take their step
            for layer in range(layers - 1, -1, -1):
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
                            q = ai + r * ni + i
                            d_prev[r * ni + i] = s * _derivative(z[q], a[q], code,
                                                                 alpha[layer - 1])
                for i in range(ni):
                    for j in range(no):
                        g = 0.0
                        for r in range(rows):
                            g += a[ai + r * ni + i] * d[r * no + j]
                        q = wo + i * no + j
                        p[q], m[q], v[q] = _step(p[q], m[q], v[q], g, opt, lr, momentum,
                                                 nesterov, b1, b2, eps, c1, c2)
                if bo >= 0:
                    for j in range(no):
                        g = 0.0
                        for r in range(rows):
                            g += d[r * no + j]
                        q = bo + j
                        p[q], m[q], v[q] = _step(p[q], m[q], v[q], g, opt, lr, momentum,
                                                 nesterov, b1, b2, eps, c1, c2)
                if layer > 0:
                    for r in range(rows * ni):
                        d[r] = d_prev[r]
        if checking:
            if correct:
                track[3] = 1.0
            if correct or halt:
                return e + 1
        else:
            losses[e] = total / n
            halt = _halts(losses[e], e, patience, min_delta, sign, on_nan, track)
    return epochs
