"""Property tests of the engine: random expression graphs, their gradients held to central
finite differences of the same graph evaluated in plain NumPy (an independent forward pass).

A graph is a program over three inputs a (2, 3), b (3,), w (3, 3): each step applies one op
to earlier nodes (so nodes are reused and gradients accumulate), broadcasting b and
reducing along axes on the way; the output is Σ r ⊙ node for a fixed random r. The ops are
smooth and bounded in growth, so central differences are accurate to about 1e-8.

Seeded (``derandomize=True``): 2,000 graphs, the same every run (about 8 s of CPU time);
also 200 saved models with damaged configs and weights, loaded or refused in one line.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.engine import functional as F
from chainrule.engine.tensor import Tensor
from chainrule.nn import io as model_io

PROPERTY = settings(derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name: (arity, engine form, NumPy form); every node is (2, 3)
OPS = {
    "add": (2, lambda p, q: p + q, lambda p, q: p + q),
    "sub": (2, lambda p, q: p - q, lambda p, q: p - q),
    "mul_tanh": (2, lambda p, q: p * q.tanh(), lambda p, q: p * np.tanh(q)),
    "div": (2, lambda p, q: p / (1.5 + q * q), lambda p, q: p / (1.5 + q * q)),
    "pow": (2, lambda p, q: (1.0 + p.sigmoid()) ** q.tanh(),
            lambda p, q: (1.0 + _sigmoid(p)) ** np.tanh(q)),
    "tanh": (1, lambda p: p.tanh(), np.tanh),
    "sigmoid": (1, lambda p: p.sigmoid(), _sigmoid),
    "exp_tanh": (1, lambda p: p.tanh().exp(), lambda p: np.exp(np.tanh(p))),
    "log": (1, lambda p: (1.0 + p * p).log(), lambda p: np.log(1.0 + p * p)),
    "sqrt": (1, lambda p: (1.0 + p * p) ** 0.5, lambda p: (1.0 + p * p) ** 0.5),
    "neg": (1, lambda p: -p, lambda p: -p),
    "matmul": (1, None, None),  # p @ w, in apply()
    "bias": (1, None, None),  # p + b, in apply()
    "sum0": (1, lambda p: p + p.sum(axis=0, keepdims=True),
             lambda p: p + p.sum(axis=0, keepdims=True)),
    "mean1": (1, lambda p: p * p.mean(axis=1, keepdims=True).tanh(),
              lambda p: p * np.tanh(p.mean(axis=1, keepdims=True))),
    "reverse": (1, lambda p: p[:, ::-1], lambda p: p[:, ::-1]),
    "reshape": (1, lambda p: (p.reshape(3, 2).T.reshape(2, 3)),
                lambda p: p.reshape(3, 2).T.reshape(2, 3)),
    "softmax": (1, lambda p: F.softmax(p, axis=1),
                lambda p: np.exp(p - p.max(axis=1, keepdims=True))
                / np.exp(p - p.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)),
}


def apply(name, args, b, w, engine: bool):
    """One op on nodes ``args``; ``matmul`` uses w (3, 3), ``bias`` broadcasts b (3,)."""
    if name == "matmul":
        return args[0] @ w
    if name == "bias":
        return args[0] + b
    return OPS[name][1 if engine else 2](*args)


def evaluate(program, a, b, w, r, engine: bool):
    nodes = [a, a * 0.5 + b]  # b enters every graph at least through the second node
    for name, picks in program:
        arity = OPS[name][0]
        nodes.append(apply(name, [nodes[i % len(nodes)] for i in picks[:arity]], b, w, engine))
    out = nodes[-1] * r
    return out.sum() if engine else float(out.sum())


programs = st.lists(st.tuples(st.sampled_from(sorted(OPS)),
                              st.lists(st.integers(0, 30), min_size=2, max_size=2)),
                    min_size=1, max_size=8)
points = st.integers(0, 2**32 - 1)


def central_differences(program, values, r, h=1e-6):
    grads = []
    for k, value in enumerate(values):
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = [v.copy() for v in values]
            shifted[k][index] = value[index] + h
            up = evaluate(program, *shifted, r, engine=False)
            shifted[k][index] = value[index] - h
            down = evaluate(program, *shifted, r, engine=False)
            grad[index] = (up - down) / (2 * h)
        grads.append(grad)
    return grads


@settings(PROPERTY, max_examples=2000)
@given(program=programs, seed=points)
def test_random_graphs_agree_with_central_differences(program, seed):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, 3), rng.uniform(-1, 1, (3, 3))]
    r = rng.normal(size=(2, 3))
    tensors = [Tensor(v.copy(), requires_grad=True) for v in values]
    loss = evaluate(program, *tensors, r, engine=True)
    assert abs(loss.item() - evaluate(program, *values, r, engine=False)) <= \
        1e-9 * max(1.0, abs(loss.item())), program
    loss.backward()
    for name, t, numeric in zip("abw", tensors, central_differences(program, values, r)):
        grad = np.zeros_like(numeric) if t.grad is None else t.grad  # an unused input
        error = np.max(np.abs(grad - numeric) / np.maximum(np.abs(numeric), 1.0))
        assert grad.shape == numeric.shape and error < 1e-5, (program, name, error)


# --- saved models, damaged -------------------------------------------------------------------
def saved_model() -> dict[str, object]:
    model = cr.Sequential([cr.layers.Dense(2, activation="tanh", input_dim=2),
                           cr.layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    return {"config": json.dumps(model_io._config(model)), "weights": model.get_weights()}


CONFIG = saved_model()
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**20)
                           | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)


@st.composite
def damaged_configs(draw) -> tuple[str, list[np.ndarray]]:
    config = json.loads(CONFIG["config"])
    paths = [("model",), ("compile",), ("weights",), ("format_version",),
             ("model", "layers"), ("model", "input_dim"), ("compile", "loss")]
    for path in draw(st.lists(st.sampled_from(paths), max_size=3)):
        holder = config
        for key in path[:-1]:
            holder = holder.setdefault(key, {}) if isinstance(holder, dict) else {}
        if isinstance(holder, dict):
            holder[path[-1]] = draw(JSON_VALUES)
    weights = [w.copy() for w in CONFIG["weights"]]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(weights) - 1))
        weights[at] = draw(st.sampled_from([np.zeros((5, 5)), np.array([np.nan]),
                                            np.zeros(0), np.array(["a"]),
                                            np.zeros((2, 2), dtype=np.int8)]))
    return json.dumps(config, allow_nan=True), weights


@settings(PROPERTY, max_examples=200)
@given(case=damaged_configs())
def test_a_damaged_model_archive_loads_or_is_refused_in_one_line(tmp_path_factory, case):
    text, weights = case
    path = tmp_path_factory.mktemp("model") / "m.npz"
    np.savez(path, config=np.frombuffer(text.encode(), dtype=np.uint8),
             **{f"weight_{i}": w for i, w in enumerate(weights)})
    try:
        model = cr.load(path)
    except ValueError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc), str(exc)
        return
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_the_graph_oracle_catches_a_wrong_gradient():
    # the finite-difference oracle above is not vacuous: a wrong VJP is caught
    program = [("tanh", [0, 0])]
    rng = np.random.default_rng(0)
    values = [rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, 3), rng.uniform(-1, 1, (3, 3))]
    r = rng.normal(size=(2, 3))
    numeric = central_differences(program, values, r)[0]
    wrong = r * (1 - np.tanh(values[0]))  # 1 − tanh instead of 1 − tanh²
    assert np.max(np.abs(wrong - numeric)) > 1e-2
    right = r * (1 - np.tanh(values[0]) ** 2)
    np.testing.assert_allclose(numeric, right, rtol=1e-6, atol=1e-8)
