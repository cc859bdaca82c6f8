"""The fused trainer against two oracles: a plain NumPy transcription of the math in
docs/architecture.md ("nn and training"), and the general engine's ``Sequential.fit``.

Every loop the trainer has (compiled: written out or flat; python; blas) must give the same
weights and epoch losses as the oracle to 1e-12 in float64, for every activation, loss,
optimizer and bias setting it accepts; what it does not accept, ``select`` refuses with None.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from chainrule.fast import Trainer
from chainrule.fast._jit import numba_available
from chainrule.nn.fused import select

# "flat": the compiled loop with the written-out form turned off
LOOPS = ["compiled", "flat", "python", "blas"] if numba_available() else ["python", "blas"]
HIDDEN = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "bipolar_sigmoid", "softplus"]
# (loss, output activation) pairs the fast path fuses or computes directly
OUTPUTS = [("half_sse", "sigmoid"), ("sse", "tanh"), ("mse", "linear"), ("half_sse", "relu"),
           ("mse", "leaky_relu"), ("sse", "bipolar_sigmoid"),
           ("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")]
OPTIMIZERS = [("sgd", 0.1), ("sgd", 0.05, 0.9), ("sgd", 0.05, 0.8, True), ("adam", 0.01)]
ALPHA = 0.01


# --- the oracle: the documented math, written plainly ---------------------------------------
def _f(name: str, z: np.ndarray) -> np.ndarray:
    sigmoid = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                       np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
    return {
        "linear": z, "sigmoid": sigmoid, "tanh": np.tanh(z), "relu": np.where(z > 0, z, 0.0),
        "leaky_relu": np.where(z > 0, z, ALPHA * z), "bipolar_sigmoid": 2 * sigmoid - 1,
        "softplus": np.logaddexp(0.0, z),
        "softmax": np.exp(z - z.max(1, keepdims=True)) / np.exp(
            z - z.max(1, keepdims=True)).sum(1, keepdims=True),
    }[name]


def _df(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return {
        "linear": np.ones_like(z), "sigmoid": a * (1 - a), "tanh": 1 - a * a,
        "relu": (z > 0) * 1.0, "leaky_relu": np.where(z > 0, 1.0, ALPHA),
        "bipolar_sigmoid": (1 + a) * (1 - a) / 2, "softplus": _f("sigmoid", z),
    }[name]


def _loss_and_delta(loss: str, act: str, z, a, t):
    """Per-example losses (m,) and ∂(mean over the batch)/∂z of the output layer."""
    m, k = t.shape
    if loss == "categorical_crossentropy":
        log_p = z - z.max(1, keepdims=True)
        log_p = log_p - np.log(np.exp(log_p).sum(1, keepdims=True))
        return -(t * log_p).sum(1), (np.exp(log_p) * t.sum(1, keepdims=True) - t) / m
    if loss == "binary_crossentropy":
        per = (np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))).mean(1)
        return per, (a - t) / (m * k)
    e = t - a
    per = {"half_sse": 0.5 * (e * e).sum(1), "sse": (e * e).sum(1), "mse": (e * e).mean(1)}[loss]
    dy = {"half_sse": -e, "sse": -2 * e, "mse": -2 * e / k}[loss] / m
    return per, dy * _df(act, z, a)


def reference_fit(params, acts, loss, optimizer, x, y, orders, batch, state=None):
    """Train ``params`` (list of [W, b or None]) in place; returns (losses, state)."""
    kind, lr, *rest = optimizer
    flat = [p for pair in params for p in pair if p is not None]
    state = state or {"t": 0, "m": [np.zeros_like(p) for p in flat],
                      "v": [np.zeros_like(p) for p in flat]}
    losses = []
    for order in orders:
        total = 0.0
        for start in range(0, len(order), batch):
            index = order[start:start + batch]
            a_list, z_list = [x[index]], []
            for (w, b), act in zip(params, acts):
                z = a_list[-1] @ w + (b if b is not None else 0.0)
                z_list.append(z)
                a_list.append(_f(act, z))
            per, d = _loss_and_delta(loss, acts[-1], z_list[-1], a_list[-1], y[index])
            total += per.sum()
            grads = []
            for layer in range(len(params) - 1, -1, -1):
                w, b = params[layer]
                layer_grads = [a_list[layer].T @ d] + ([d.sum(0)] if b is not None else [])
                grads = layer_grads + grads
                if layer:
                    d = (d @ w.T) * _df(acts[layer - 1], z_list[layer - 1], a_list[layer])
            state["t"] += 1
            _reference_step(kind, lr, rest, flat, grads, state)
        losses.append(total / len(order))
    return np.array(losses), state


def _reference_step(kind, lr, rest, flat, grads, state):
    t = state["t"]
    for p, g, m, v in zip(flat, grads, state["m"], state["v"]):
        if kind == "adam":
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g * g
            p -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        elif not rest:
            p -= lr * g
        else:
            momentum, nesterov = rest[0], (rest[1] if len(rest) > 1 else False)
            m[...] = momentum * m - lr * g
            p += momentum * m - lr * g if nesterov else m


# --- helpers ------------------------------------------------------------------------------
def random_case(seed: int, hidden: str, loss: str, out: str, bias: bool, n: int = 12,
                sizes=(3, 4, 5)):
    rng = np.random.default_rng(seed)
    widths = [*sizes, 2 if out != "softmax" else 3]
    params = [[rng.normal(0, 0.7, (i, o)), rng.normal(0, 0.3, o) if bias else None]
              for i, o in zip(widths, widths[1:])]
    acts = [hidden] * (len(widths) - 2) + [out]
    x = rng.normal(size=(n, widths[0]))
    if loss == "categorical_crossentropy":
        y = np.eye(widths[-1])[rng.integers(0, widths[-1], n)]
    elif loss == "binary_crossentropy":
        y = (rng.random((n, widths[-1])) > 0.5) * 1.0
    else:
        y = rng.normal(0, 0.5, (n, widths[-1]))
    return params, acts, x, y


def use(trainer, loop):
    """Make ``trainer`` train on ``loop`` (one of LOOPS) from now on."""
    from chainrule.fast.compiled import KernelLoop

    trainer.backend = "compiled" if loop == "flat" else loop
    if loop == "flat":  # a loop of its own: the shared one stays as it is
        flat_loop = KernelLoop(trainer.layers, trainer.loss, trainer.optimizer, trainer.dtype,
                               compiled=True)
        flat_loop.unrolled = False
        trainer._loops["compiled"] = flat_loop
    return trainer


def trainer_for(net, loop, **kwargs):
    return use(Trainer.from_arrays(net, **kwargs), loop)


def copy_params(params):
    return [[w.copy(), None if b is None else b.copy()] for w, b in params]


def network(params, acts):
    return [(w, b, act) for (w, b), act in zip(params, acts)]


def max_difference(a, b):
    return max(float(np.max(np.abs(p - q))) for p, q in zip(a, b))


def flat(params):
    return [p for pair in params for p in pair if p is not None]


# --- against the NumPy oracle -------------------------------------------------------------
# every hidden activation meets every output; optimizers and bias settings take turns
CASES = [(i, h, loss, out, OPTIMIZERS[i % 4], i % 3 != 2)
         for i, (h, (loss, out)) in enumerate(itertools.product(HIDDEN, OUTPUTS))]


@pytest.mark.parametrize("seed,hidden,loss,out,optimizer,bias", CASES)
def test_every_loop_matches_the_reference(seed, hidden, loss, out, optimizer, bias):
    params, acts, x, y = random_case(seed, hidden, loss, out, bias)
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(4)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, loss, optimizer, x, y, orders, batch=5)
    for loop in LOOPS:
        mine = copy_params(params)
        trainer = trainer_for(network(mine, acts), loop, loss=loss, optimizer=optimizer)
        got = trainer.run(x, y, orders, batch_size=5)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12), \
            f"{loop}: losses differ by {np.max(np.abs(got - want)):.2e}"
        assert max_difference(flat(mine), flat(expected)) < 1e-12, \
            f"{loop}: weights differ by {max_difference(flat(mine), flat(expected)):.2e}"


@pytest.mark.parametrize("seed,hidden,loss,out,optimizer,bias", CASES[::3] + CASES[1::7])
def test_blas_loop_with_the_folded_gemm_matches_the_reference(monkeypatch, seed, hidden, loss,
                                                              out, optimizer, bias):
    """The ``blas`` loop calls BLAS's GEMM itself (the SGD step folded into it) only for big
    layers; with the threshold at 0 the small cases take that path too."""
    from chainrule.fast import _blas, blas_loop

    assert _blas.gemm("float64") is not None, "NumPy's BLAS was not found in this process"
    monkeypatch.setattr(blas_loop, "GEMM_MIN_WORK", 0)
    params, acts, x, y = random_case(seed, hidden, loss, out, bias)
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(4)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, loss, optimizer, x, y, orders, batch=5)
    mine = copy_params(params)
    trainer = Trainer.from_arrays(network(mine, acts), loss=loss, optimizer=optimizer,
                                  backend="blas")
    got = np.concatenate([trainer.run(x, y, orders[:1], 5), trainer.run(x, y, orders[1:], 5)])
    assert trainer._loops["blas"].gemm is not None
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    assert max_difference(flat(mine), flat(expected)) < 1e-12


@pytest.mark.parametrize("out,loss", [("softmax", "categorical_crossentropy"),
                                      ("sigmoid", "half_sse")])
@pytest.mark.parametrize("criterion", [None, 0.6])
def test_biases_folded_into_the_kernel_after_relu_layers(monkeypatch, out, loss, criterion):
    """Plain SGD on the folded GEMM trains a layer after a ReLU layer as one [W; b] array
    against its input with a column of ones; the model's W and b get the result, also when
    the run stops early, and a partial last batch takes the same path."""
    from chainrule.fast import blas_loop

    monkeypatch.setattr(blas_loop, "GEMM_MIN_WORK", 0)
    params, acts, x, y = random_case(11, "relu", loss, out, True, n=13, sizes=(3, 6, 5))
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(40)])
    mine = copy_params(params)
    trainer = Trainer.from_arrays(network(mine, acts), loss=loss, optimizer=("sgd", 0.2),
                                  backend="blas")
    got = trainer.run(x, y, orders, 5, stop_when_correct=criterion)
    assert trainer._loops["blas"].folded == {1, 2}
    if criterion is not None and out == "softmax":
        assert len(got) < len(orders)  # stopped early (after 19 epochs)
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, loss, ("sgd", 0.2), x, y, orders[:len(got)], 5)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    assert max_difference(flat(mine), flat(expected)) < 1e-12


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("batch", [1, 4, 12])
def test_state_carries_over_between_runs(optimizer, batch):
    params, acts, x, y = random_case(7, "tanh", "half_sse", "sigmoid", True)
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(6)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, "half_sse", optimizer, x, y, orders, batch)
    for loop in LOOPS:
        mine = copy_params(params)
        trainer = trainer_for(network(mine, acts), loop, loss="half_sse",
                                      optimizer=optimizer)
        got = np.concatenate([trainer.run(x, y, orders[:2], batch),
                              trainer.run(x, y, orders[2:], batch)])
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12), loop
        assert max_difference(flat(mine), flat(expected)) < 1e-12, loop


def test_float32_follows_the_float64_reference():
    params, acts, x, y = random_case(3, "relu", "categorical_crossentropy", "softmax", True)
    orders = np.array([np.arange(len(x))] * 3)
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, "categorical_crossentropy", ("sgd", 0.1), x, y,
                            orders, 4)
    for loop in LOOPS:
        mine = [[w.astype(np.float32), b.astype(np.float32)] for w, b in params]
        trainer = trainer_for(network(mine, acts), loop, loss="categorical_crossentropy",
                                      optimizer=("sgd", 0.1))
        got = trainer.run(x, y, orders, 4)
        assert mine[0][0].dtype == np.float32
        assert np.allclose(got, want, rtol=1e-4), loop
        assert max_difference(flat(mine), flat(expected)) < 1e-4, loop


def xor_problem():
    rng = np.random.default_rng(1)
    params = [[rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, 3)],
              [rng.uniform(-1, 1, (3, 1)), rng.uniform(-1, 1, 1)]]
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return params, x, np.array([[0.0], [1.0], [1.0], [0.0]])


@pytest.mark.parametrize("criterion", [None, 0.3])
def test_stop_when_correct_stops_after_the_first_correct_epoch(criterion):
    params, x, y = xor_problem()
    orders = np.tile(np.arange(4), (3000, 1))
    for loop in LOOPS:
        mine = copy_params(params)
        trainer = trainer_for(network(mine, ["tanh", "sigmoid"]), loop, loss="half_sse",
                                      optimizer=("sgd", 0.5))
        rule = criterion if criterion is not None else type(
            "Rule", (), {"tolerance": None, "threshold": None})()
        losses = trainer.run(x, y, orders, 1, stop_when_correct=rule)
        assert 1 < len(losses) < 3000, loop
        out = _f("sigmoid", np.tanh(x @ mine[0][0] + mine[0][1]) @ mine[1][0] + mine[1][1])
        correct = np.abs(out - y) <= 0.3 if criterion else (out > 0.5) == (y > 0.5)
        assert correct.all(), loop
        # one epoch fewer was not enough: replay it with the reference and check
        again = copy_params(params)
        reference_fit(again, ["tanh", "sigmoid"], "half_sse", ("sgd", 0.5), x, y,
                      orders[:len(losses) - 1], 1)
        out = _f("sigmoid", np.tanh(x @ again[0][0] + again[0][1]) @ again[1][0] + again[1][1])
        before = np.abs(out - y) <= 0.3 if criterion else (out > 0.5) == (y > 0.5)
        assert not before.all(), loop


@pytest.mark.parametrize("network_spec,loss", [
    ([(np.ones((2, 2)), None, "softmax"), (np.ones((2, 2)), None, "softmax")],
     "categorical_crossentropy"),
    ([(np.ones((2, 2)), None, "sigmoid")], "categorical_crossentropy"),
    ([(np.ones((2, 2)), None, "softmax")], "mse"),
    ([(np.ones((2, 2)), None, "tanh")], "binary_crossentropy"),
    ([(np.ones((2, 2)), None, "swish")], "mse"),
    ([(np.ones((2, 3)), None, "tanh"), (np.ones((2, 1)), None, "tanh")], "mse"),
    ([(np.ones((2, 2)), None, "tanh")], "hinge"),
])
def test_what_has_no_fused_form_is_refused(network_spec, loss):
    from chainrule.fast import Unsupported

    with pytest.raises(Unsupported):
        Trainer.from_arrays(network_spec, loss=loss, optimizer=("sgd", 0.1))


def test_bad_data_names_the_argument():
    params, x, y = xor_problem()
    trainer = Trainer.from_arrays(network(params, ["tanh", "sigmoid"]), loss="mse",
                                  optimizer=("sgd", 0.1))
    with pytest.raises(ValueError, match="orders"):
        trainer.run(x, y, np.array([[0, 1, 2, 4]]), 1)
    with pytest.raises(ValueError, match="batch_size"):
        trainer.run(x, y, np.array([[0, 1, 2, 3]]), 0)
    with pytest.raises(ValueError, match="x must have shape"):
        trainer.run(x[:, :1], y, np.array([[0, 1, 2, 3]]), 1)


# --- against the general engine: Sequential.fit ------------------------------------------------
def _engine_models(seed, hidden, out, bias, loss, optimizer, units=(3, 4, 2)):
    """Two identical compiled models: one for the general engine, one for the fast path."""
    from chainrule import nn
    models = []
    for _ in range(2):
        model = nn.Sequential([
            nn.layers.Dense(units[1], activation=hidden, use_bias=bias, input_dim=units[0]),
            nn.layers.Dense(3 if out == "softmax" else units[2], activation=out, use_bias=bias),
        ], seed=seed)
        kind, lr, *rest = optimizer
        opt = nn.optimizers.Adam(lr) if kind == "adam" else nn.optimizers.SGD(lr, *rest)
        model.compile(loss=loss, optimizer=opt)
        model.build(units[0])
        models.append(model)
    return models


def _general_fit(monkeypatch, model, *args, **kwargs):
    model.fast = False  # as compile(fast=False) leaves it: the general engine
    try:
        return model.fit(*args, **kwargs)
    finally:
        model.fast = True


ENGINE_CASES = [(i, h, loss, out, OPTIMIZERS[i % 4], i % 2 == 0)
                for i, (h, (loss, out)) in enumerate(itertools.product(HIDDEN, OUTPUTS))]


@pytest.mark.parametrize("seed,hidden,loss,out,optimizer,bias", ENGINE_CASES)
def test_fast_path_matches_sequential_fit(monkeypatch, seed, hidden, loss, out, optimizer,
                                          bias):
    general, fast = _engine_models(seed, hidden, out, bias, loss, optimizer)
    _, _, x, y = random_case(seed, hidden, loss, out, bias, sizes=(3, 4))
    history = _general_fit(monkeypatch, general, x, y, epochs=3, batch_size=5, verbose=0,
                           seed=seed)
    trainer = select(fast, loss=fast.loss, optimizer=fast.optimizer, dtype=fast.dtype)
    assert trainer is not None, "the fast path refused a model it should train"
    rng = np.random.default_rng(seed)
    orders = np.array([rng.permutation(len(x)) for _ in range(3)])
    losses = []
    for epoch, loop in enumerate(itertools.islice(itertools.cycle(LOOPS), seed % 4, seed % 4 + 3)):
        use(trainer, loop)  # each loop carries on from the state another one left
        losses.append(trainer.run(x, y, orders[epoch:epoch + 1], 5))
    got = np.concatenate(losses)
    want = np.array(history.history["loss"])
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), \
        f"losses differ by {np.max(np.abs(got - want)):.2e}"
    difference = max_difference(fast.get_weights(), general.get_weights())
    assert difference < 1e-12, f"weights differ by {difference:.2e}"
    # the optimizer state lives in the optimizer: the general engine carries on from it
    _general_fit(monkeypatch, general, x, y, epochs=1, batch_size=5, verbose=0, seed=99)
    _general_fit(monkeypatch, fast, x, y, epochs=1, batch_size=5, verbose=0, seed=99)
    difference = max_difference(fast.get_weights(), general.get_weights())
    assert difference < 1e-12, f"after switching paths, weights differ by {difference:.2e}"


def test_float32_on_the_folded_gemm_follows_the_float64_reference(monkeypatch):
    from chainrule.fast import blas_loop

    monkeypatch.setattr(blas_loop, "GEMM_MIN_WORK", 0)
    params, acts, x, y = random_case(3, "relu", "categorical_crossentropy", "softmax", True)
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(3)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, "categorical_crossentropy", ("sgd", 0.1), x, y,
                            orders, 5)
    mine = [[w.astype(np.float32), b.astype(np.float32)] for w, b in params]
    trainer = Trainer.from_arrays(network(mine, acts), loss="categorical_crossentropy",
                                  optimizer=("sgd", 0.1), backend="blas")
    got = trainer.run(x, y, orders, 5)
    loop = trainer._loops["blas"]
    assert loop.gemm is not None and loop.folded == {1, 2}
    assert np.allclose(got, want, rtol=1e-4)
    assert max_difference(flat(mine), flat(expected)) < 1e-4


def test_gemm_names_an_operand_whose_rows_are_not_contiguous():
    from chainrule.fast import _blas

    gemm = _blas.gemm("float64")
    assert gemm is not None
    a = np.ones((4, 6))
    with pytest.raises(ValueError, match=r"rows of contiguous elements in b\. Received: b of "
                                         r"shape \(3, 2\)"):
        gemm(a[:, :3], a[:3, ::3], np.empty((4, 2)))


@pytest.mark.parametrize("out,loss", [("softmax", "categorical_crossentropy"),
                                      ("relu", "mse")])
def test_folded_biases_train_a_dense_layers_own_storage(monkeypatch, out, loss):
    """A Dense layer keeps kernel and bias in one [W; b] array, which the blas loop trains
    directly (no copy, nothing written back); fast path and general engine agree."""
    from chainrule.fast import blas_loop

    monkeypatch.setattr(blas_loop, "GEMM_MIN_WORK", 0)
    general, fast = _engine_models(5, "relu", out, True, loss, ("sgd", 0.1))
    kernel, bias = fast.layers[1].kernel.data, fast.layers[1].bias.data
    storage = kernel.base
    assert bias.base is storage and storage.shape == (5, kernel.shape[1])
    np.testing.assert_array_equal(storage[-1], bias)
    _, _, x, y = random_case(5, "relu", loss, out, True, sizes=(3, 4))
    history = _general_fit(monkeypatch, general, x, y, epochs=4, batch_size=5, verbose=0,
                           seed=3)
    trainer = select(fast, loss=fast.loss, optimizer=fast.optimizer, dtype=fast.dtype)
    trainer.backend = "blas"
    rng = np.random.default_rng(3)
    got = trainer.run(x, y, np.array([rng.permutation(len(x)) for _ in range(4)]), 5)
    loop = trainer._loops["blas"]
    assert loop.folded == {1} and not loop._augmented  # trained in place, nothing copied
    assert fast.layers[1].kernel.data.base is storage
    assert np.allclose(got, history.history["loss"], rtol=1e-12, atol=1e-12)
    assert max_difference(fast.get_weights(), general.get_weights()) < 1e-12
    # set_weights writes into the storage rather than replacing the arrays
    fast.set_weights([w + 1 for w in general.get_weights()])
    assert fast.layers[1].kernel.data.base is storage
    np.testing.assert_array_equal(storage[-1], general.layers[1].bias.data + 1)


@pytest.mark.parametrize("loop", LOOPS)
def test_online_xor_matches_sequential_fit(monkeypatch, loop):
    general, fast = _engine_models(0, "sigmoid", "sigmoid", True, "half_sse", ("sgd", 0.5),
                                   units=(2, 2, 1))
    _, x, y = xor_problem()
    history = _general_fit(monkeypatch, general, x, y, epochs=50, batch_size=1, verbose=0,
                           seed=5)
    trainer = use(select(fast, loss="half_sse", optimizer=fast.optimizer), loop)
    rng = np.random.default_rng(5)
    got = trainer.run(x, y, np.array([rng.permutation(4) for _ in range(50)]), 1)
    assert np.allclose(got, history.history["loss"], rtol=1e-12, atol=1e-12)
    assert max_difference(fast.get_weights(), general.get_weights()) < 1e-12


def test_select_refuses_what_it_does_not_train():
    from chainrule import nn

    def model(*layers, build=True):
        m = nn.Sequential(list(layers), seed=0)
        if build:
            m.build(2)
        return m

    dense = nn.layers.Dense
    sgd = nn.optimizers.SGD(0.1)
    assert select(model(dense(2, "softmax", input_dim=2), dense(2, "softmax")),
                  loss="categorical_crossentropy", optimizer=sgd) is None
    assert select(model(dense(2, "sigmoid", input_dim=2)), loss="categorical_crossentropy",
                  optimizer=sgd) is None
    assert select(model(dense(2, "tanh", input_dim=2)), loss=lambda t, y: (t - y).sum(),
                  optimizer=sgd) is None
    assert select(model(dense(2, "tanh", input_dim=2), build=False), loss="mse",
                  optimizer=sgd) is None

    class Custom(nn.optimizers.SGD):
        pass

    assert select(model(dense(2, "tanh", input_dim=2)), loss="mse", optimizer=Custom()) is None
    accepted = model(dense(3, input_dim=2), nn.layers.Activation("relu"), dense(1))
    trainer = select(accepted, loss="mse", optimizer=sgd)
    assert trainer is not None and [s.activation for s in trainer.layers] == ["relu", "linear"]


# --- the written-out loop (unrolled.py) ------------------------------------------------------
UNROLLED_CASES = [(i, h, loss, out, OPTIMIZERS[i % 4], i % 3 != 2, 1 if i % 2 else 3)
                  for i, (h, (loss, out)) in enumerate(itertools.product(HIDDEN, OUTPUTS))]


@pytest.mark.skipif(not numba_available(), reason="the written-out loop needs Numba")
@pytest.mark.parametrize("seed,hidden,loss,out,optimizer,bias,batch", UNROLLED_CASES)
def test_unrolled_loop_matches_the_reference(seed, hidden, loss, out, optimizer, bias, batch):
    from chainrule.fast.compiled import KernelLoop, compiled_kernel

    params, acts, x, y = random_case(seed, hidden, loss, out, bias, n=7, sizes=(2, 3))
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(5)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, loss, optimizer, x, y, orders, batch)
    mine = copy_params(params)
    trainer = Trainer.from_arrays(network(mine, acts), loss=loss, optimizer=optimizer,
                                  backend="compiled")
    loop = trainer._loop("compiled")
    assert isinstance(loop, KernelLoop) and loop._kernel(batch == 1) is not compiled_kernel()
    got = np.concatenate([trainer.run(x, y, orders[:2], batch),
                          trainer.run(x, y, orders[2:], batch)])
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), \
        f"losses differ by {np.max(np.abs(got - want)):.2e}"
    assert max_difference(flat(mine), flat(expected)) < 1e-12, \
        f"weights differ by {max_difference(flat(mine), flat(expected)):.2e}"


@pytest.mark.parametrize("seed,hidden,loss,out,optimizer,bias,batch", UNROLLED_CASES)
def test_written_out_loop_in_plain_python_matches_the_reference(seed, hidden, loss, out,
                                                                optimizer, bias, batch):
    """Short runs of tiny networks execute the written-out source as plain Python."""
    from chainrule.fast import _kernel
    from chainrule.fast.unrolled import python_kernel

    params, acts, x, y = random_case(seed, hidden, loss, out, bias, n=7, sizes=(2, 3))
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(5)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, loss, optimizer, x, y, orders, batch)
    mine = copy_params(params)
    trainer = Trainer.from_arrays(network(mine, acts), loss=loss, optimizer=optimizer,
                                  backend="python")
    kernel = python_kernel(trainer.layers, trainer.loss, trainer.optimizer, batch == 1)
    assert kernel is not None and kernel is not _kernel.train_epochs
    got = np.concatenate([trainer.run(x, y, orders[:2], batch),
                          trainer.run(x, y, orders[2:], batch)])
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), \
        f"losses differ by {np.max(np.abs(got - want)):.2e}"
    assert max_difference(flat(mine), flat(expected)) < 1e-12


def test_a_process_trains_tiny_networks_in_python_until_its_budget_then_compiled(
        monkeypatch):
    from chainrule.fast import trainer as trainer_module

    monkeypatch.setattr(trainer_module, "_spent", [0])  # as in a fresh process
    params, x, y = xor_problem()

    def xor_trainer():
        return Trainer.from_arrays(network(copy_params(params), ["sigmoid", "sigmoid"]),
                                   loss="half_sse", optimizer=("sgd", 0.5))

    trainer, other = xor_trainer(), xor_trainer()
    steps = trainer_module.PYTHON_BUDGET // trainer.work_per_example
    after = "compiled" if numba_available() else "python"
    assert trainer.backend_for(1, 4, steps=steps) == "python"
    assert trainer.backend_for(1, 4, steps=steps + 1) == after
    # what every trainer of the process ran in Python counts
    trainer.run(x, y, np.tile(np.arange(4), (steps // 8, 1)), 1)
    assert trainer.last_backend == "python"
    left = (trainer_module.PYTHON_BUDGET - trainer_module._spent[0]) // trainer.work_per_example
    assert 0 < left < steps
    assert other.backend_for(1, 4, steps=left) == "python"
    assert other.backend_for(1, 4, steps=left + 1) == after
    # once a run has gone past the budget, every later one is compiled, short or not
    trainer.run(x, y, np.tile(np.arange(4), (left // 4 + 1, 1)), 1)
    assert trainer.last_backend == after
    assert other.backend_for(1, 4, steps=1) == after


@pytest.mark.skipif(not numba_available(), reason="the written-out loop needs Numba")
def test_unrolled_loop_is_bit_for_bit_the_flat_loop_on_xor():
    params, x, y = xor_problem()
    orders = np.tile(np.arange(4), (500, 1))
    results = []
    for loop in ("compiled", "flat"):
        mine = copy_params(params)
        trainer = trainer_for(network(mine, ["sigmoid", "sigmoid"]), loop, loss="half_sse",
                              optimizer=("sgd", 0.5))
        results.append((trainer.run(x, y, orders, 1), flat(mine)))
    (got, mine), (want, theirs) = results
    assert np.array_equal(got, want)
    assert max_difference(mine, theirs) == 0.0


@pytest.mark.skipif(not numba_available(), reason="the written-out loop needs Numba")
def test_unrolled_loop_stops_on_argmax_as_the_flat_loop():
    params, acts, x, y = random_case(4, "tanh", "categorical_crossentropy", "softmax", True,
                                     n=6, sizes=(2, 3))
    orders = np.tile(np.arange(len(x)), (400, 1))
    results = []
    for loop in ("compiled", "flat"):
        mine = copy_params(params)
        trainer = trainer_for(network(mine, acts), loop, loss="categorical_crossentropy",
                              optimizer=("sgd", 0.5))
        rule = type("Rule", (), {"tolerance": None, "threshold": None})()
        results.append((trainer.run(x, y, orders, 2, stop_when_correct=rule), flat(mine)))
    (got, mine), (want, theirs) = results
    assert 1 <= len(got) < 400 and len(got) == len(want)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    assert max_difference(mine, theirs) < 1e-12


def test_a_network_too_big_to_write_out_falls_back_to_the_flat_loop():
    from chainrule.fast.unrolled import UNROLL_MAX_PARAMS, specialises, unrolled_kernel

    params, acts, x, y = random_case(2, "relu", "mse", "linear", True, sizes=(4, 6))
    assert sum(p.size for p in flat(params)) > UNROLL_MAX_PARAMS
    auto = Trainer.from_arrays(network(copy_params(params), acts), loss="mse",
                               optimizer=("sgd", 0.1))
    assert not specialises(auto.layers)
    assert unrolled_kernel(auto.layers, auto.loss, auto.optimizer, True) is None
    assert auto.backend_for(1) in ("compiled", "python")
    orders = np.array([np.random.default_rng(e).permutation(len(x)) for e in range(3)])
    expected = copy_params(params)
    want, _ = reference_fit(expected, acts, "mse", ("sgd", 0.1), x, y, orders, 1)
    mine = copy_params(params)
    asked = Trainer.from_arrays(network(mine, acts), loss="mse", optimizer=("sgd", 0.1),
                                backend="compiled" if numba_available() else "python")
    got = asked.run(x, y, orders, 1)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    assert max_difference(flat(mine), flat(expected)) < 1e-12


def test_auto_picks_the_loop_by_size(monkeypatch):
    from chainrule.fast import trainer as trainer_module

    def auto(sizes, batch, metrics=False):
        rng = np.random.default_rng(0)
        net = [(rng.normal(size=(i, o)), np.zeros(o), "sigmoid") for i, o in zip(sizes, sizes[1:])]
        return Trainer.from_arrays(net, loss="mse", optimizer=("sgd", 0.1)).backend_for(
            batch, 1000, steps=10**6, metrics=metrics)

    monkeypatch.setattr(trainer_module, "_spent", [trainer_module.PYTHON_BUDGET + 1])
    assert auto((784, 512, 512, 10), 128) == "blas"
    assert auto((64, 64, 10), 32) == "blas"
    assert auto((2, 2, 1), 1, metrics=True) == "blas"
    assert auto((2, 2, 1), 1) == ("compiled" if numba_available() else "python")
    # 8·16 + 16·16 + 16·4 = 448 multiply-adds an example: 8 rows 3,584, 16 rows 7,168
    assert auto((8, 16, 16, 4), 8) == ("compiled" if numba_available() else "blas")
    assert auto((8, 16, 16, 4), 16) == "blas"


def test_the_fused_loops_compute_the_calculus_tables_functions():
    """The scalar loop's f and f′ are the calculus table's (f by the table's own scalar
    functions, f′ equal to the table's derivative tree, compiled independently here), and
    the generated loop writes f′ from that tree; every entry has a fused form."""
    from chainrule.calculus.activations import ACTIVATIONS as TABLE
    from chainrule.calculus.compile import derivative_function
    from chainrule.fast import ACTIVATIONS as FUSED
    from chainrule.fast import _kernel, unrolled

    assert set(FUSED) == set(TABLE)
    for name, code in FUSED.items():
        if name == "softmax":
            continue
        entry = TABLE[name]
        derivative = derivative_function(entry.derivative, entry.alpha, kind="scalar")
        for z in (-30.0, -2.5, -1e-3, 0.0, 1e-3, 0.7, 30.0):
            a = entry.scalar(z, entry.alpha)
            assert _kernel._activate(z, code, entry.alpha) == a, name
            assert _kernel._derivative(z, a, code, entry.alpha) == derivative(z, a), name
            written = unrolled._derivative(name, "z", "a", entry.alpha).replace("f_step", "step")
            assert eval(written, {"step": lambda x, low: 1.0 if x > 0.0 else low,  # noqa: S307
                                  "f_sigmoid": TABLE["sigmoid"].scalar,
                                  "z": z, "a": a}) == derivative(z, a), name


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_blas_loops_elementwise_calls_are_the_calculus_tables(dtype):
    """The NumPy loop's f and f′ calls, ReLU's in-place form included (its biases folded
    into the next kernel, so over the buffer with the column of ones), give the table's
    ``forward`` and its derivative tree compiled to NumPy, in the loop's dtype."""
    from chainrule.calculus.activations import ACTIVATIONS as TABLE
    from chainrule.calculus.compile import derivative_function
    from chainrule.fast import LayerSpec
    from chainrule.fast._buffers import Buffers
    from chainrule.fast._ops import activation_ops, derivative_ops

    rng = np.random.default_rng(5)
    z0 = np.concatenate([rng.normal(0, 3, (4, 5)), [[-40.0, -1e-3, 0.0, 1e-3, 40.0]]])
    d0 = rng.normal(size=z0.shape)
    for name, entry in TABLE.items():
        if not entry.elementwise:
            continue
        spec = LayerSpec(5, 5, name, 0.2)
        for ones_after in ([frozenset(), frozenset({0})] if name == "relu" else [frozenset()]):
            v = Buffers([spec, LayerSpec(5, 1, "linear")], 5, np.dtype(dtype), ones_after).views[5]
            v.z[0][:] = z0
            v.d[0][:] = d0
            for op in activation_ops(spec, v.z[0], v.a[0], v, 0):
                op()
            want = entry.forward(z0.astype(dtype), 0.2)
            assert v.a[0].dtype == dtype and np.array_equal(v.a[0], want), name
            for op in derivative_ops(spec, v, 0):
                op()
            slope = derivative_function(entry.derivative, 0.2)(z0.astype(dtype), want)
            assert np.array_equal(v.d[0], d0.astype(dtype) * slope), name
            if ones_after:
                assert np.all(v.ext[0][:, -1] == 1.0) and np.all(v.d_ext[0][:, -1] == 0.0)
