"""Property tests: for random architectures, activations, losses, bias forms and conventions,

- every full-precision value equals the engine's (autodiff, SGD) to 1e-12, and an
  independent plain-NumPy recomputation written here in the convention's own terms;
- ``carry="rounded"`` differs from full precision only within the interval that the
  half-units of the printed decimals, propagated through each formula, allow.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from chainrule.calculus.evaluate import evaluate_interval
from chainrule.derive import explain

ACTIVATIONS = ["sigmoid", "bipolar_sigmoid", "tanh", "relu", "linear"]
LOSSES = ["half_sse", "sse", "mse", "binary_crossentropy", "categorical_crossentropy"]
BIASES = ["input", "threshold", "separate", "shared", "none"]
PROFILES = ["blog", "fausett", "mazur", "han", "layered"]
TOL = 1e-12


@st.composite
def problems(draw):
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    loss = draw(st.sampled_from(LOSSES))
    if loss == "categorical_crossentropy":  # a softmax over one unit is refused
        sizes[-1] = draw(st.integers(2, 3))
    bias = draw(st.sampled_from(BIASES))
    # six decimals, as a problem would state them (and no underflow under np.seterr)
    number = st.floats(-1.0, 1.0, allow_nan=False).map(lambda v: round(v, 6))
    layers = []
    for layer in range(depth):
        act = draw(st.sampled_from(ACTIVATIONS))
        if layer == depth - 1 and loss == "binary_crossentropy":
            act = "sigmoid"
        if layer == depth - 1 and loss == "categorical_crossentropy":
            act = "softmax"
        shape = (sizes[layer], sizes[layer + 1])
        kernel = np.array(draw(st.lists(number, min_size=shape[0] * shape[1],
                                        max_size=shape[0] * shape[1]))).reshape(shape)
        b = np.array(draw(st.lists(number, min_size=shape[1], max_size=shape[1])))
        b = None if bias == "none" else (np.full(shape[1], b[0]) if bias == "shared" else b)
        layers.append((kernel, b, act))
    n = draw(st.integers(1, 3))
    x = np.array(draw(st.lists(number, min_size=n * sizes[0], max_size=n * sizes[0])))
    if loss == "categorical_crossentropy":
        t = np.eye(sizes[-1])[draw(st.lists(st.integers(0, sizes[-1] - 1), min_size=n,
                                             max_size=n))]
    else:
        t = np.array(draw(st.lists(st.floats(0.0, 1.0).map(lambda v: round(v, 6)),
                                   min_size=n * sizes[-1],
                                   max_size=n * sizes[-1]))).reshape(n, sizes[-1])
    options = dict(
        loss=loss, convention=draw(st.sampled_from(PROFILES)), bias=bias,
        sign=draw(st.sampled_from(["minus", "plus"])),
        update_bias=draw(st.booleans()), momentum=draw(st.sampled_from([0.0, 0.5])),
        epochs=draw(st.integers(1, 2)),
        learning_rate=draw(st.sampled_from([0.1, 0.25, 0.5, 0.9])),
    )
    return layers, x.reshape(n, sizes[0]), t, options


# --- an independent recomputation in the convention's own terms ----------------------------
def _act(name, z):
    return {"sigmoid": lambda: 1 / (1 + np.exp(-z)),
            "bipolar_sigmoid": lambda: 2 / (1 + np.exp(-z)) - 1,
            "tanh": lambda: np.tanh(z), "relu": lambda: np.maximum(z, 0.0),
            "linear": lambda: z, "softmax": lambda: np.exp(z) / np.exp(z).sum()}[name]()


def _loss(name, t, y):
    if name == "half_sse":
        return 0.5 * np.sum((t - y) ** 2)
    if name == "sse":
        return np.sum((t - y) ** 2)
    if name == "mse":
        return np.mean((t - y) ** 2)
    if name == "binary_crossentropy":
        return -np.mean(t * np.log(y) + (1 - t) * np.log(1 - y))
    return -np.sum(t * np.log(y))


def _act_prime(name, z, y):
    return {"sigmoid": lambda: y * (1 - y), "bipolar_sigmoid": lambda: 0.5 * (1 + y) * (1 - y),
            "tanh": lambda: 1 - y**2, "relu": lambda: (z > 0).astype(float),
            "linear": lambda: np.ones_like(z)}[name]()


def numpy_run(layers, xs, ts, o):
    """Online SGD in the convention's terms: threshold θ subtracted, shared scalar bias."""
    bias = o["bias"]
    W = [k.copy() for k, _, _ in layers]
    B = []
    for k, b, _ in layers:
        b = np.zeros(k.shape[1]) if b is None else b
        B.append({"none": None, "shared": np.array(b[0]), "threshold": -b}.get(bias, b.copy()))
    acts = [a for _, _, a in layers]
    vel = {}
    values = {}
    eta, mu = o["learning_rate"], o["momentum"]
    step = 0
    for _ in range(o["epochs"]):
        for x, t in zip(xs, ts):
            step += 1
            s = f"s{step}"
            a, nets, outs = x, [], []
            for w, b, act in zip(W, B, acts):
                z = a @ w
                if b is not None:
                    z = z - b if bias == "threshold" else z + b
                a = _act(act, z)
                nets.append(z)
                outs.append(a)
            y, K = a, len(a)
            loss = o["loss"]
            E = _loss(o["loss"], t, y)
            values[f"{s}.E"] = E
            if loss == "binary_crossentropy":
                delta = (y - t) / K
            elif loss == "categorical_crossentropy":
                delta = y * t.sum() - t
            else:
                dy = {"half_sse": -(t - y), "sse": -2 * (t - y), "mse": -2 * (t - y) / K}[loss]
                delta = dy * _act_prime(acts[-1], nets[-1], y)
            deltas = [None] * len(W)
            deltas[-1] = delta
            for m in range(len(W) - 2, -1, -1):
                deltas[m] = (W[m + 1] @ deltas[m + 1]) * _act_prime(acts[m], nets[m], outs[m])
            sign = 1 if o["sign"] == "minus" else -1
            for m in range(len(W)):
                for j in range(W[m].shape[1]):
                    values[f"{s}.net.{m + 1}.{j + 1}"] = nets[m][j]
                    values[f"{s}.out.{m + 1}.{j + 1}"] = outs[m][j]
                    values[f"{s}.delta.{m + 1}.{j + 1}"] = sign * deltas[m][j]
            inputs = [x] + outs[:-1]
            for m in range(len(W)):
                g = {("w", m): np.outer(inputs[m], deltas[m])}
                if B[m] is not None:
                    g[("b", m)] = {"shared": deltas[m].sum(), "threshold": -deltas[m]}.get(
                        bias, deltas[m])
                for (kind, _), grad in g.items():
                    if kind == "b" and not o["update_bias"]:
                        continue
                    param = W[m] if kind == "w" else B[m]
                    v = mu * vel.get((kind, m), 0.0) - eta * grad
                    vel[(kind, m)] = v
                    if kind == "w":
                        W[m] = W[m] + v
                    else:
                        B[m] = param + v
                    _record(values, s, kind, m + 1, grad, W[m] if kind == "w" else B[m], bias)
    return values


def _record(values, s, kind, layer, grad, new, bias):
    if kind == "w":
        for (i, j), g in np.ndenumerate(grad):
            values[f"{s}.grad.w.{layer}.{i + 1}.{j + 1}"] = g
            values[f"{s}.new.w.{layer}.{i + 1}.{j + 1}"] = new[i, j]
    elif bias == "shared":
        values[f"{s}.grad.b.{layer}"] = float(grad)
        values[f"{s}.new.b.{layer}"] = float(new)
    else:
        for j, g in enumerate(grad):
            values[f"{s}.grad.b.{layer}.{j + 1}"] = g
            values[f"{s}.new.b.{layer}.{j + 1}"] = new[j]


def run(layers, x, t, **options):
    """explain(), skipping the examples whose training diverges (a clear ValueError)."""
    try:
        return explain(layers, x, t, **options)
    except ValueError as exc:
        if "diverges" not in str(exc):
            raise
        reject()


def _close(a, b, tol):
    return abs(a - b) <= tol * max(1.0, abs(b))


SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_full_precision_equals_engine_and_numpy(problem):
    layers, x, t, options = problem
    solution = run(layers, x, t, carry="full", **options)
    checked = 0
    for eq in solution.equations.values():
        if eq.engine is not None:
            assert _close(eq.exact, eq.engine, TOL), (eq.id, eq.exact, eq.engine)
            checked += 1
    assert checked > 0
    oracle = numpy_run(layers, x, t, options)
    seen = 0
    for qid, expected in oracle.items():
        if qid in solution.equations:
            eq = solution.equation(qid)
            # the oracle computes by a different route (matrix products, np.exp), so allow
            # a few ulps of the largest intermediate
            assert _close(eq.exact, float(expected), 1e-10), (qid, eq.exact, expected)
            seen += 1
    assert seen > 0


def _half_unit(eq):
    return 0.0 if eq.decimals is None else 0.5 * 10.0 ** -eq.decimals


def rounding_bounds(solution):
    """For each equation, an interval holding its value whatever the rounding of the values
    it uses: each reference may sit anywhere within half a unit of its last printed decimal
    around its own interval."""
    bounds = {}

    def widened(qid):
        lo, hi = bounds[qid]
        h = _half_unit(solution.equation(qid))
        return lo - h, hi + h

    for qid, eq in solution.equations.items():  # creation order: references come first
        if eq.formula is None:
            bounds[qid] = (eq.value, eq.value)
        else:
            bounds[qid] = evaluate_interval(eq.formula, widened)
    return bounds


@SETTINGS
@given(problems(), st.sampled_from([2, 3, 4]))
def test_rounded_carry_stays_within_propagated_half_units(problem, decimals):
    layers, x, t, options = problem
    full = run(layers, x, t, carry="full", decimals=decimals, **options)
    rounded = run(layers, x, t, carry="rounded", decimals=decimals, **options)
    bounds = rounding_bounds(rounded)
    for qid, eq in rounded.equations.items():
        lo, hi = bounds[qid]
        slack = 1e-9 * max(1.0, abs(eq.exact))
        if math.isfinite(lo) and math.isfinite(hi):
            assert lo - slack <= eq.value <= hi + slack, (qid, lo, eq.value, hi)
            assert lo - slack <= eq.exact <= hi + slack, (qid, lo, eq.exact, hi)
        assert eq.exact == full.equation(qid).exact, qid
        assert full.equation(qid).value == eq.exact, qid


@SETTINGS
@given(problems())
def test_text_is_deterministic_and_complete(problem):
    layers, x, t, options = problem
    first = run(layers, x, t, **options).to_text()
    second = run(layers, x, t, **options).to_text()
    assert first == second
    assert first.startswith("Conventions: ")
    assert "Forward pass" in first and "Updates" in first


@pytest.mark.parametrize("profile", PROFILES)
def test_symbols_are_unique_within_each_step(profile):
    rng = np.random.default_rng(3)
    for sizes in [(2, 2, 1), (3, 2, 2), (2, 3, 2, 2), (1, 1), (2, 2, 2, 2, 1)]:
        layers = [(rng.uniform(-1, 1, (a, b)), np.full(b, rng.uniform(-1, 1)), "sigmoid")
                  for a, b in zip(sizes, sizes[1:])]  # one bias per layer suits every profile
        solution = explain(layers, rng.uniform(0, 1, sizes[0]), rng.uniform(0, 1, sizes[-1]),
                           learning_rate=0.5, convention=profile)
        step = solution.steps[0]
        texts = [eq.symbol.text for eq in step.equations()]
        assert len(texts) == len(set(texts)), (profile, sizes, sorted(texts))
