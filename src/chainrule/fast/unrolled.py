"""A training loop written out for one tiny network: every weight a local variable.

``_kernel.train_epochs`` indexes flat arrays, so every step of a 2-2-1 network loads and
stores each weight and walks loops of two iterations; the chain of dependent operations an
online step needs (two sigmoids, the deltas, the updates) waits on those loads and stores.
Here the same arithmetic, in the same order, is generated as Python source for one network
shape (widths, activations, bias, loss, optimizer kind, online or batched), with the loops
unrolled into scalar locals that stay in registers for the whole run, then compiled by
Numba. The generated function takes the very arguments ``train_epochs`` takes.

Why a file: Numba caches machine code only for functions defined in a file, and compiling
this loop takes 0.5–1.5 s, longer than a whole process that trains XOR and stops. So the
source is written once into a per-user cache folder, named by its hash, and imported from
there; a later process loads its machine code (``CHAINRULE_CACHE_DIR=off``: no file, the loop
compiled from memory in every process). On XOR it runs a step in about a sixth of the
flat loop's time (``benchmarks/README.md``). Without Numba (or for a process's first runs,
see ``trainer``) the same source runs as plain Python over lists of floats
(``python_kernel``): about 1 µs a 2-2-1 step, where the flat loop takes about 6 µs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from functools import cache

from chainrule.calculus.activations import ACTIVATIONS as TABLE
from chainrule.calculus.compile import source
from chainrule.calculus.formula import Const, Var, bind
from chainrule.fast._jit import cache_disabled, jit, numba_available
from chainrule.fast.spec import LayerSpec, OptimizerSpec

__all__ = ["UNROLL_MAX_PARAMS", "specialises", "unrolled_source", "unrolled_kernel",
           "python_kernel"]

# parameters up to which a network is written out: its source, and Numba's compile time on
# first use (about 0.5–1.5 s, then cached), grow with their number, its gain per step shrinks
UNROLL_MAX_PARAMS = 32
_VERSION = 3  # bump when the generated code changes meaning


def specialises(layers: Sequence[LayerSpec]) -> bool:
    """Whether the network is small enough to be written out."""
    return sum(s.units_in * s.units + (s.units if s.use_bias else 0)
               for s in layers) <= UNROLL_MAX_PARAMS


# -- the generated source ------------------------------------------------------------------------
def _activate(name: str, z: str, alpha: float) -> str:
    """f(z) by the calculus table's scalar form (``f_<name>`` in the generated module)."""
    return z if name == "linear" else f"f_{name}({z}, {alpha!r})"


def _derivative(name: str, z: str, a: str, alpha: float) -> str:
    """f′ written from the calculus table's derivative tree (``calculus.compile.source``)."""
    tree = bind(TABLE[name].derivative, z=Var(z), a=Var(a), alpha=Const(float(alpha)))
    return source(tree).replace("step(", "f_step(")  # ``step`` is the loop's step count


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1

    def __call__(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)


def _params(layers: Sequence[LayerSpec]) -> list[str]:
    """Names of the parameters in ``p``'s order: kernel row-major, then bias, per layer."""
    names = []
    for q, s in enumerate(layers):
        names += [f"w{q}_{i}_{j}" for i in range(s.units_in) for j in range(s.units)]
        names += [f"b{q}_{j}" for j in range(s.units)] if s.use_bias else []
    return names


def _forward(out: _Writer, layers: Sequence[LayerSpec], row: str) -> None:
    """``a<layer>_<i>`` from the example ``row``, layer by layer: z = Σ_i a_i w_ij + b_j, a = f(z).

    Locals are named by layer q (0 is the input), unit i and, for weights, unit j:
    ``w<q>_<i>_<j>``, ``b<q>_<j>``, ``z<q>_<j>``, ``a<q+1>_<j>``, ``d<q>_<j>`` (δ of z).
    """
    for i in range(layers[0].units_in):
        out(f"a0_{i} = x[{row} * {layers[0].units_in} + {i}]")
    for q, s in enumerate(layers):
        for j in range(s.units):
            terms = [f"a{q}_{i} * w{q}_{i}_{j}" for i in range(s.units_in)]
            terms += [f"b{q}_{j}"] if s.use_bias else []
            out(f"z{q}_{j} = " + " + ".join(terms))
            if s.activation != "softmax":
                out(f"a{q + 1}_{j} = {_activate(s.activation, f'z{q}_{j}', s.alpha)}")
        if s.activation == "softmax":  # softmax = exp(z − max z − ln Σ e^(z − max z))
            out(f"top = z{q}_0")
            for j in range(1, s.units):
                out(f"top = max(top, z{q}_{j})")
            out("s = " + " + ".join(f"math.exp(z{q}_{j} - top)" for j in range(s.units)))
            out("s = math.log(s)")
            for j in range(s.units):
                out(f"a{q + 1}_{j} = math.exp(z{q}_{j} - top - s)")


def _output_delta(out: _Writer, layers: Sequence[LayerSpec], loss: int, online: bool) -> None:
    """``total`` += the example's loss; ``d{L-1}_j`` = ∂(mean over rows of the loss)/∂z."""
    last = len(layers) - 1
    spec = layers[-1]
    k = spec.units
    a = [f"a{last + 1}_{j}" for j in range(k)]
    z = [f"z{last}_{j}" for j in range(k)]
    t = [f"y[t0 + {j}]" for j in range(k)]
    scale = "" if online else "scale * "
    if loss == 4:  # −Σ t log softmax(z);  ∂/∂z = softmax(z)·Σt − t
        out("top = " + z[0])
        for j in range(1, k):
            out(f"top = max(top, {z[j]})")
        out("s = " + " + ".join(f"math.exp({zj} - top)" for zj in z))
        out("t_sum = " + " + ".join(t))
        out("s = math.log(s)")
        for j in range(k):
            out(f"total -= {t[j]} * ({z[j]} - top - s)")
            out(f"d{last}_{j} = {scale}({a[j]} * t_sum - {t[j]})")
        return
    if loss == 3:  # mean_k max(z, 0) − z t + ln(1 + e^−|z|);  ∂/∂z = σ(z) − t
        out("s = " + " + ".join(f"(max({z[j]}, 0.0) - {z[j]} * {t[j]} + "
                                f"math.log1p(math.exp(-abs({z[j]}))))" for j in range(k)))
        for j in range(k):
            factor = f"{1.0 / k!r}" if online else f"scale / {k}"
            out(f"d{last}_{j} = {factor} * ({a[j]} - {t[j]})")
        out(f"total += s / {k}")
        return
    for j in range(k):
        out(f"diff{j} = {t[j]} - {a[j]}")
    out("s = " + " + ".join(f"diff{j} * diff{j}" for j in range(k)))
    for j in range(k):
        grad = {0: f"({a[j]} - {t[j]})", 1: f"(2.0 * ({a[j]} - {t[j]}))",
                2: f"(2.0 * ({a[j]} - {t[j]}) / {k})"}[loss]
        deriv = _derivative(spec.activation, z[j], a[j], spec.alpha)
        out(f"d{last}_{j} = {scale}{grad} * {deriv}")
    out({0: "total += 0.5 * s", 1: "total += s", 2: f"total += s / {k}"}[loss])


def _backward(out: _Writer, layers: Sequence[LayerSpec], online: bool) -> None:
    """δ of every hidden layer from W before its update; gradients g_<param> (+= per row)."""
    op = "=" if online else "+="
    for q in range(len(layers) - 1, -1, -1):
        s = layers[q]
        if q > 0:
            below = layers[q - 1]
            for i in range(s.units_in):
                total = " + ".join(f"d{q}_{j} * w{q}_{i}_{j}" for j in range(s.units))
                deriv = _derivative(below.activation, f"z{q - 1}_{i}", f"a{q}_{i}", below.alpha)
                out(f"d{q - 1}_{i} = ({total}) * {deriv}")
        for i in range(s.units_in):
            for j in range(s.units):
                out(f"g_w{q}_{i}_{j} {op} a{q}_{i} * d{q}_{j}")
        if s.use_bias:
            for j in range(s.units):
                out(f"g_b{q}_{j} {op} d{q}_{j}")


def _update(out: _Writer, names: Sequence[str], opt: OptimizerSpec) -> None:
    """One optimizer step per parameter, as ``_kernel._step`` writes it."""
    for w in names:
        g = f"g_{w}"
        if opt.kind == "adam":
            out(f"m_{w} = b1 * m_{w} + (1.0 - b1) * {g}")
            out(f"v_{w} = b2 * v_{w} + (1.0 - b2) * ({g} * {g})")
            out(f"{w} = {w} - lr * (m_{w} / c1) / (math.sqrt(v_{w} / c2) + eps)")
        elif opt.momentum == 0.0:
            out(f"{w} = {w} - lr * {g}")
        else:
            out(f"m_{w} = momentum * m_{w} - lr * {g}")
            out(f"{w} = {w} + momentum * m_{w} - lr * {g}" if opt.nesterov else
                f"{w} = {w} + m_{w}")


def _check(out: _Writer, layers: Sequence[LayerSpec]) -> None:
    """After an epoch: record its loss, and return if a stop rule says so (``_kernel``).

    Every example must pass the check of correctness, in any order: it starts at the one
    that failed the last check (``wrong``), which most often fails again, so an epoch that
    does not stop costs one forward pass instead of up to n."""
    k = layers[-1].units
    a = [f"a{len(layers)}_{j}" for j in range(k)]
    out("losses[e] = total / n")
    out("halt = _halts(losses[e], e, patience, min_delta, sign, on_nan, track)")
    out("correct = False")
    out("if stop_mode != 0:")
    out.depth += 1
    out("correct = True")
    out("for visit in range(n):")
    out.depth += 1
    out("example = wrong + visit")
    out("if example >= n:")
    out("    example -= n")
    _forward(out, layers, "example")
    out(f"t0 = example * {k}")
    out("correct = " + " and ".join(f"math.isfinite({a[j]})" for j in range(k)))
    out("if not correct:")
    out("    wrong = example")
    out("    break")
    out("if stop_mode == 2:  # argmax y = argmax t, the first of equal maxima")
    out.depth += 1
    for side, values in (("y", a), ("t", [f"y[t0 + {j}]" for j in range(k)])):
        out(f"best_{side} = 0")
        out(f"top_{side} = {values[0]}")
        for j in range(1, k):
            out(f"if {values[j]} > top_{side}:")
            out(f"    best_{side} = {j}")
            out(f"    top_{side} = {values[j]}")
    out("correct = best_y == best_t")
    out.depth -= 1
    out("elif stop_mode == 1:")
    out("    correct = " + " and ".join(f"abs({a[j]} - y[t0 + {j}]) <= stop_value"
                                        for j in range(k)))
    out("else:")
    out("    correct = " + " and ".join(f"(({a[j]} > stop_value) == (y[t0 + {j}] > stop_value))"
                                        for j in range(k)))
    out("if not correct:")
    out("    wrong = example")
    out("    break")
    out.depth -= 1
    out("if correct:")
    out("    track[3] = 1.0")
    out.depth -= 1
    out("if correct or halt:  # the weights are written back below")
    out("    ran = e + 1")
    out("    break")


def _epoch(out: _Writer, layers: Sequence[LayerSpec], loss: int, opt: OptimizerSpec,
           names: Sequence[str], online: bool) -> None:
    """One epoch: every batch's forward pass, loss, backward pass and update."""
    k = layers[-1].units
    out("base = e * n if per_epoch else 0")
    out("total = 0.0")
    out("for start in range(0, n, batch):")
    out.depth += 1
    if not online:
        out("rows = min(batch, n - start)")
        out("scale = 1.0 / rows")
        for w in names:
            out(f"g_{w} = 0.0")
        out("for r in range(rows):")
        out.depth += 1
    out("example = order[base + start]" if online else "example = order[base + start + r]")
    _forward(out, layers, "example")
    out(f"t0 = example * {k}")
    _output_delta(out, layers, loss, online)
    _backward(out, layers, online)
    out.depth -= 0 if online else 1
    out("step += 1")
    if opt.kind == "adam":
        out("c1 = 1.0 - b1 ** float(step)")
        out("c2 = 1.0 - b2 ** float(step)")
    _update(out, names, opt)
    out.depth -= 1


# by name, not in table order: the source, and so its file and cached code, stays the same
# when entries move (a stale cached loop is recompiled by ``_jit``'s stamp, not by its name)
_FUNCTIONS = "".join(f"f_{name} = ACTIVATIONS[{name!r}].scalar\n" for name, entry
                     in sorted(TABLE.items()) if entry.scalar is not None)
_HEAD = ('"""Generated by chainrule.fast.unrolled: one network\'s training loop."""\n\n'
         "import math\n\nfrom chainrule.calculus.activations import ACTIVATIONS\n"
         "from chainrule.calculus.compile import scalar_namespace\n"
         "from chainrule.fast._kernel import _halts\n\n"
         "# the calculus table's functions, by the names its formulas use\n"
         "exp, log, f_step = math.exp, math.log, scalar_namespace()[\"step\"]\n"
         + _FUNCTIONS + "\n\n"
         "def train_epochs(p, m, v, woff, boff, nin, nout, act, alpha, x, y, n, order,\n"
         "                 per_epoch, epochs, batch, loss, opt, lr, momentum, nesterov, b1,\n"
         "                 b2, eps, step, z, a, aoff, d, d_prev, stop_mode, stop_value,\n"
         "                 patience, min_delta, sign, on_nan, track, losses):\n")


def unrolled_source(layers: Sequence[LayerSpec], loss: int, opt: OptimizerSpec,
                    online: bool) -> str:
    """Python source of ``train_epochs`` (``_kernel``'s signature) for this one network."""
    names = _params(layers)
    slots = (("m",) if opt.kind == "sgd" and opt.momentum else ()) + (
        ("m", "v") if opt.kind == "adam" else ())
    out = _Writer()
    # the parameters, and their optimizer slots, live in locals for the whole run
    for at, w in enumerate(names):
        out(f"{w} = p[{at}]")
        for slot in slots:
            out(f"{slot}_{w} = {slot}[{at}]")
    out("ran = epochs")
    out("wrong = 0  # the example that failed the last check of correctness")
    out("for e in range(epochs):")
    out.depth += 1
    _epoch(out, layers, loss, opt, names, online)
    _check(out, layers)
    out.depth -= 1
    for at, w in enumerate(names):
        out(f"p[{at}] = {w}")
        for slot in slots:
            out(f"{slot}[{at}] = {slot}_{w}")
    out("return ran")
    return _HEAD + "\n".join(out.lines) + "\n"


# -- writing, importing and compiling it -------------------------------------------------------
def _cache_folder() -> str:
    """``$CHAINRULE_CACHE_DIR``, else the per-user cache (``$XDG_CACHE_HOME`` or ``~/.cache``)
    under ``chainrule/kernels``, else a private folder in the temporary directory."""
    chosen = os.environ.get("CHAINRULE_CACHE_DIR")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates = [chosen] if chosen else [os.path.join(base, "chainrule", "kernels")]
    candidates.append(os.path.join(tempfile.gettempdir(), f"chainrule-kernels-{os.getuid()}"))
    for folder in candidates:
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK) and os.stat(folder).st_uid == os.getuid():
            return folder
    raise OSError("no writable folder for compiled kernels; set CHAINRULE_CACHE_DIR")


def _write_once(path: str, source: str) -> None:
    """Write ``source`` unless the file holds it already: rewriting would change its time
    stamp, and Numba would then compile again instead of loading its cache."""
    try:
        with open(path, encoding="utf-8") as existing:
            if existing.read() == source:
                return
    except OSError:
        pass
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(source)
    os.replace(temporary, path)


@cache
def _load(source: str, on_disk: bool) -> Callable:
    if not on_disk:  # the cache is off: compiled from memory, no file written
        return jit(_python(source), on_disk=False)
    digest = hashlib.sha256(f"{_VERSION}\n{source}".encode()).hexdigest()[:20]
    name = f"chainrule_unrolled_{digest}"
    path = os.path.join(_cache_folder(), name + ".py")
    _write_once(path, source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return jit(module.train_epochs)


def unrolled_kernel(layers: Sequence[LayerSpec], loss: int, opt: OptimizerSpec,
                    online: bool) -> Callable | None:
    """The compiled written-out loop for this network, or None when it is too big to write
    out or Numba is missing (the caller keeps ``_kernel.train_epochs``)."""
    return _unrolled_kernel(tuple(layers), loss, opt, online)


@cache
def _unrolled_kernel(layers: tuple[LayerSpec, ...], loss: int, opt: OptimizerSpec,
                     online: bool) -> Callable | None:
    if not specialises(layers) or not numba_available():
        return None
    try:
        return _load(unrolled_source(layers, loss, opt, online), not cache_disabled())
    except OSError:
        return None


@cache
def _python(source: str) -> Callable:
    namespace: dict = {}
    exec(compile(source, "<chainrule.fast.unrolled>", "exec"), namespace)  # noqa: S102
    return namespace["train_epochs"]


def python_kernel(layers: Sequence[LayerSpec], loss: int, opt: OptimizerSpec,
                  online: bool) -> Callable | None:
    """The written-out loop as a plain Python function (lists of floats in, as
    ``_kernel.train_epochs`` over lists), or None when the network is too big to write out.
    The source is chainrule's own, generated from the network's shape alone."""
    return _python_kernel(tuple(layers), loss, opt, online)


@cache
def _python_kernel(layers: tuple[LayerSpec, ...], loss: int, opt: OptimizerSpec,
                   online: bool) -> Callable | None:
    if not specialises(layers):
        return None
    return _python(unrolled_source(layers, loss, opt, online))
