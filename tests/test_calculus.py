"""The calculus floor: each activation, loss and optimizer defined once, and every floor
above accepting exactly that set and agreeing with it and with PyTorch.

The oracles are PyTorch (float64) and central finite differences; the table's own formula
trees are held to both.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import calculus
from chainrule.calculus import activations as table
from chainrule.calculus import losses as loss_table
from chainrule.calculus import optimizers as rules
from chainrule.calculus.compile import derivative_function, gradient, source
from chainrule.calculus.evaluate import evaluate
from chainrule.calculus.formula import Step
from chainrule.derive import explain
from chainrule.derive.network import ACTIVATIONS as EXPLAINABLE
from chainrule.engine import Tensor, gradcheck
from chainrule.engine import functional as F
from chainrule.engine import losses as engine_losses
from chainrule.fast._jit import numba_available
from chainrule.nn import activations as nn_activations
from chainrule.nn import losses as nn_losses
from chainrule.nn import optimizers as nn_optimizers
from chainrule.teach import check
from chainrule.teach.problems.generate import ACTIVATIONS as GENERATED
from chainrule.teach.problems.generate import generate_problem

torch = pytest.importorskip("torch")

ELEMENTWISE = [name for name, a in table.ACTIVATIONS.items() if a.elementwise]
Z = np.array([-30.0, -2.5, -0.7, -1e-3, 0.0, 1e-3, 0.4, 1.9, 30.0])


def torch_activation(name):
    tf = torch.nn.functional
    return {"sigmoid": torch.sigmoid, "bipolar_sigmoid": lambda v: 2 * torch.sigmoid(v) - 1,
            "tanh": torch.tanh, "relu": torch.relu,
            "leaky_relu": lambda v: tf.leaky_relu(v, table.LEAKY_RELU_ALPHA),
            "linear": lambda v: v, "softplus": tf.softplus, "silu": tf.silu,
            "softmax": lambda v: tf.softmax(v, dim=-1)}[name]


def test_every_floor_accepts_exactly_the_table():
    names = set(table.ACTIVATIONS)
    assert set(nn_activations.names()) == names
    assert set(EXPLAINABLE) == names
    assert set(GENERATED) == {n for n in ELEMENTWISE if n != "linear"}  # hidden units
    assert set(nn_losses.names()) == set(loss_table.LOSSES)
    assert set(nn_optimizers.names()) == set(rules.OPTIMIZERS)
    assert calculus.ACTIVATIONS is table.ACTIVATIONS


@pytest.mark.parametrize("name", list(table.ACTIVATIONS))
def test_forward_matches_pytorch_and_the_scalar_form(name):
    entry = table.ACTIVATIONS[name]
    z = Z.reshape(1, -1) if not entry.elementwise else Z
    ours = F.activation(Tensor(z), name).data
    theirs = torch_activation(name)(torch.tensor(z)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15, err_msg=name)
    if entry.scalar is not None:
        scalar = [entry.scalar(float(v), entry.alpha) for v in Z]
        np.testing.assert_allclose(scalar, theirs, rtol=1e-13, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_array_form_takes_a_single_number_and_keeps_its_type(name):
    entry = table.ACTIVATIONS[name]
    for z in (0.3, -2.0, np.float32(1.5)):
        got = entry(z)
        assert got.shape == () and got.dtype == np.result_type(np.asarray(z), np.float32)
        assert float(got) == pytest.approx(entry.scalar(float(z), entry.alpha), rel=1e-6)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_value_tree_is_the_scalar_form_and_the_shape_is_as_the_entry_says(name):
    """The tree a page evaluates equals PyTorch's value; between the points the interval
    arithmetic of grading assumes the entry's shape: non-decreasing, or falling to
    ``lowest_at`` and rising after it (where its derivative is 0)."""
    entry = table.ACTIVATIONS[name]
    theirs = torch_activation(name)(torch.tensor(Z)).numpy()
    tree = [evaluate(entry.tree, {"z": float(v), "alpha": entry.alpha}.__getitem__) for v in Z]
    np.testing.assert_allclose(tree, theirs, rtol=1e-12, atol=1e-15, err_msg=name)
    grid = np.linspace(-30.0, 30.0, 60_001)
    values = entry.forward(grid, entry.alpha)
    low = -math.inf if entry.lowest_at is None else entry.lowest_at
    assert np.all(np.diff(values[grid >= low]) >= 0.0), name
    assert np.all(np.diff(values[grid <= low]) <= 0.0), name
    if entry.lowest_at is not None:
        slope = torch.tensor(entry.lowest_at, dtype=torch.float64, requires_grad=True)
        torch_activation(name)(slope).backward()
        assert abs(slope.grad.item()) < 1e-12, name


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_derivative_tree_is_the_engines_gradient_and_pytorchs(name):
    entry = table.ACTIVATIONS[name]
    x = torch.tensor(Z, requires_grad=True)
    torch_activation(name)(x).sum().backward()
    a = entry.forward(Z, entry.alpha)
    compiled = gradient(entry)(Z, a)
    scalar = derivative_function(entry.derivative, entry.alpha, kind="scalar")
    by_tree = [evaluate(entry.derivative, {"z": float(z), "a": float(out),
                                           "alpha": entry.alpha}.__getitem__)
               for z, out in zip(Z, a)]
    t = Tensor(Z, requires_grad=True)
    F.activation(t, name).sum().backward()
    for label, values in (("compiled", compiled * np.ones_like(Z)), ("engine", t.grad),
                          ("scalar", [scalar(float(z), float(o)) for z, o in zip(Z, a)]),
                          ("evaluated", by_tree)):
        np.testing.assert_allclose(values, x.grad.numpy(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name} {label}")


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_the_engines_gradient_passes_finite_differences(name):
    z = np.array([-1.7, -0.3, 0.35, 1.2])  # away from the kinks
    report = gradcheck(lambda v: F.activation(v, name), z)
    assert report.ok, report


@pytest.mark.parametrize("name", list(loss_table.LOSSES))
def test_each_loss_on_the_engine_equals_pytorch_and_its_numpy_form(name):
    entry = loss_table.LOSSES[name]
    rng = np.random.default_rng(3)
    y = rng.uniform(0.05, 0.95, (4, 3))
    t = rng.uniform(0.0, 1.0, (4, 3))
    if name == "categorical_crossentropy":
        y = y / y.sum(-1, keepdims=True)
    yt, tt = torch.tensor(y, requires_grad=True), torch.tensor(t)
    expected = {"half_sse": lambda: 0.5 * ((tt - yt) ** 2).sum(-1),
                "sse": lambda: ((tt - yt) ** 2).sum(-1),
                "mse": lambda: torch.nn.functional.mse_loss(yt, tt, reduction="none").mean(-1),
                "binary_crossentropy": lambda: torch.nn.functional.binary_cross_entropy(
                    yt, tt, reduction="none").mean(-1),
                "categorical_crossentropy": lambda: -(tt * torch.log(yt)).sum(-1)}[name]()
    expected.sum().backward()
    ours = Tensor(y, requires_grad=True)
    value = engine_losses.loss(entry, Tensor(t), ours)
    value.sum().backward()
    np.testing.assert_allclose(value.data, expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(entry.per_example(t, y), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad, yt.grad.numpy(), rtol=1e-10)
    if entry.signal is not None:  # the error signal is −∂E/∂y
        signal = [[evaluate(entry.signal, {"t": t[r, k], "y": y[r, k], "K": 3.0}.__getitem__)
                   for k in range(3)] for r in range(4)]
        np.testing.assert_allclose(signal, -yt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(("name", "activation"), [
    ("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")])
def test_a_fused_delta_is_the_gradient_with_respect_to_the_logits(name, activation):
    entry = loss_table.LOSSES[name]
    z = np.array([[0.3, -1.2, 2.0]])
    t = np.array([[0.0, 1.0, 0.0]])
    logits = Tensor(z, requires_grad=True)
    engine_losses.fused(entry, activation)(Tensor(t), logits).sum().backward()
    y = F.activation(Tensor(z), activation).data
    delta = [evaluate(entry.fused[activation], {"t": t[0, k], "y": y[0, k], "K": 3.0,
                                                "sum_t": 1.0}.__getitem__) for k in range(3)]
    np.testing.assert_allclose(delta, logits.grad[0], rtol=1e-12, atol=1e-15)


def test_the_update_rules_are_pytorchs_sgd_momentum_nesterov_and_adam():
    w0, grads = np.array([0.3, -0.7]), [np.array([0.5, -1.5]), np.array([-0.2, 0.4])] * 3
    for kind, settings in (("sgd", {"momentum": 0.0}), ("sgd", {"momentum": 0.9}),
                           ("sgd", {"momentum": 0.9, "nesterov": True}), ("adam", {})):
        p = torch.tensor(w0.copy(), requires_grad=True)
        opt = (torch.optim.SGD([p], lr=0.1, **settings) if kind == "sgd"
               else torch.optim.Adam([p], lr=0.1))
        w, m, v = w0.copy(), np.zeros(2), np.zeros(2)
        for step, g in enumerate(grads, start=1):
            p.grad = torch.tensor(g)
            opt.step()
            if kind == "sgd":
                w, m = rules.sgd(w, g, m, 0.1, settings["momentum"],
                                 settings.get("nesterov", False))
            else:
                c1, c2 = rules.adam_corrections(step, 0.9, 0.999)
                w, m, v = rules.adam(w, g, m, v, 0.1, 0.9, 0.999, 1e-8, c1, c2)
        np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-12, err_msg=str(settings))


def test_one_scalar_update_rule_also_runs_on_floats():
    assert rules.sgd(1.0, 2.0, 0.0, 0.5, 0.0, False) == (0.0, 0.0)
    w, m, v = rules.adam(1.0, 2.0, 0.0, 0.0, 0.1, 0.9, 0.999, 1e-8,
                         *rules.adam_corrections(1, 0.9, 0.999))
    assert math.isclose(w, 0.9, rel_tol=1e-8) and math.isclose(m, 0.2, rel_tol=1e-12)


def test_derivatives_compile_to_the_code_textbooks_write():
    assert source(table.ACTIVATIONS["sigmoid"].derivative) == "(a * (1.0 - a))"
    assert source(table.ACTIVATIONS["tanh"].derivative) == "(1.0 - (a * a))"
    assert source(table.ACTIVATIONS["softplus"].derivative) == "f_sigmoid(z)"
    assert source(table.ACTIVATIONS["silu"].derivative) == "(a + (f_sigmoid(z) * (1.0 - a)))"


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if n != "linear"])
def test_a_hidden_layer_of_every_activation_is_explained_as_pytorch_computes_it(name):
    kernel1, bias1 = np.array([[0.4, -0.6], [0.3, 0.8]]), np.array([0.1, -0.2])
    kernel2, bias2 = np.array([[0.5], [-0.4]]), np.array([0.05])
    x, t = np.array([0.9, -0.4]), np.array([0.7])
    solution = explain([(kernel1, bias1, name), (kernel2, bias2, "linear")], x, t,
                       learning_rate=0.2)  # raises ConsistencyError if not the engine's
    w1 = torch.tensor(kernel1, requires_grad=True)
    b1 = torch.tensor(bias1, requires_grad=True)
    h = torch_activation(name)(torch.tensor(x) @ w1 + b1)
    y = h @ torch.tensor(kernel2) + torch.tensor(bias2)
    (0.5 * ((torch.tensor(t) - y) ** 2).sum()).backward()
    for i in range(2):
        for j in range(2):
            eq = solution.equation(f"s1.grad.w.1.{i + 1}.{j + 1}")
            assert math.isclose(eq.exact, float(w1.grad[i, j]), rel_tol=1e-11, abs_tol=1e-15)


def test_softplus_writes_its_derivative_as_the_sigmoid_of_the_net_input():
    solution = explain([([[0.5]], [0.1], "softplus"), ([[0.8]], [0.0], "linear")], [1.0],
                       [2.0], learning_rate=0.1, show={"fprime", "dout", "backprop"})
    line = solution.to_text()
    fp = solution.equation("s1.fp.1.1")
    assert math.isclose(fp.exact, 1 / (1 + math.exp(-0.6)), rel_tol=1e-14)
    assert "∂out_h/∂net_h = 1/(1 + e^(−net_h)) = 1/(1 + e^(−0.6000)) = 0.6457" in line, line
    assert "out_h = ln(1 + e^(net_h))" in line, line


# generated with a linear output unit (an unbounded range), and f′ never a constant 1 or 0, so
# leaving it out is a slip the grader can see wherever the net input lies
SMOOTH_UNBOUNDED = [name for name in GENERATED if not table.ACTIVATIONS[name].bounded
                    and not isinstance(table.ACTIVATIONS[name].derivative, Step)]


@pytest.mark.parametrize("name", SMOOTH_UNBOUNDED)
def test_problems_are_generated_and_their_fprime_slip_is_named(name):
    problem = generate_problem("2-2-1", activation=name, convention="blog", seed=5)
    solution = problem.solution
    assert solution.network.layers[-1].activation == "linear"  # unbounded: a linear output
    # an independent hand calculation of the step, with δ of hidden unit 1 missing f′
    (k1, b1, _), (k2, b2, _) = problem.layers
    x, t = problem.x, problem.t[0]
    net = [sum(x[i] * k1[i][j] for i in range(2)) + b1[j] for j in range(2)]
    out = [float(torch_activation(name)(torch.tensor(n))) for n in net]
    y = sum(out[j] * k2[j][0] for j in range(2)) + b2[0]
    dout_o = -(t - y)
    slipped = dout_o * k2[0][0]  # δ_h1 = ∂E/∂out_h1, f′(net_h1) left out
    sheet = {"net_h1": f"{net[0]:.4f}", "out_h1": f"{out[0]:.4f}", "out_o": f"{y:.4f}",
             "δ_h1": f"{slipped:.4f}"}
    report = check(solution, sheet)
    assert report.first_wrong is not None and report.first_wrong.symbol == "δ_h1"
    assert report.slip is not None and report.slip.name == "fprime_missing", report.to_text()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_entry_trains_on_the_general_engine_as_in_pytorch(name):
    model = cr.Sequential([cr.layers.Dense(3, activation=name, input_dim=2),
                           cr.layers.Dense(1, activation="sigmoid")], seed=4)
    model.compile(loss="binary_crossentropy", optimizer=cr.optimizers.SGD(0.3), fast=False)
    w = [a.copy() for a in model.get_weights()]
    x, y = cr.datasets.xor()
    model.fit(x, y, epochs=5, batch_size=1, shuffle=False, verbose=0)
    params = [torch.tensor(a, requires_grad=True) for a in w]
    opt = torch.optim.SGD(params, lr=0.3)
    for _ in range(5):
        for i in range(4):
            z = torch_activation(name)(torch.tensor(x[i:i + 1]) @ params[0] + params[1])
            logit = z @ params[2] + params[3]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logit, torch.tensor(y[i:i + 1]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    for ours, theirs in zip(model.get_weights(), params):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


# --- the fused trainer: the same set, the same numbers -------------------------------------
OUTPUT_OF = {"half_sse": "sigmoid", "sse": "tanh", "mse": "linear",
             "binary_crossentropy": "sigmoid", "categorical_crossentropy": "softmax"}
TORCH_LOSS = {
    "half_sse": lambda y, t: 0.5 * ((t - y) ** 2).sum(-1),
    "sse": lambda y, t: ((t - y) ** 2).sum(-1),
    "mse": lambda y, t: ((t - y) ** 2).mean(-1),
    "binary_crossentropy": lambda y, t: torch.nn.functional.binary_cross_entropy(
        y, t, reduction="none").mean(-1),
    "categorical_crossentropy": lambda y, t: -(t * torch.log(y)).sum(-1),
}
# (hidden activation, loss, optimizer): every activation, every loss, every update rule
FUSED_CASES = ([(name, "half_sse", "momentum") for name in ELEMENTWISE]
               + [("tanh", loss, "adam") for loss in loss_table.LOSSES]
               + [("sigmoid", "mse", "sgd"), ("relu", "sse", "nesterov")])


def test_the_fused_trainer_accepts_exactly_the_table():
    from chainrule import fast

    assert set(fast.ACTIVATIONS) == set(table.ACTIVATIONS)
    assert set(fast.LOSSES) == set(loss_table.LOSSES)


def torch_fit(weights, hidden, loss, optimizer, x, y, epochs, batch_size):
    """The same network trained by PyTorch, batches in order, on the mean loss."""
    params = [torch.tensor(a, requires_grad=True) for a in weights]
    momentum = {"sgd": 0.0, "momentum": 0.9, "nesterov": 0.9}.get(optimizer)
    opt = (torch.optim.Adam(params, lr=0.05) if optimizer == "adam" else
           torch.optim.SGD(params, lr=0.2, momentum=momentum, nesterov=optimizer == "nesterov"))
    out_f = torch_activation(OUTPUT_OF[loss])
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            xb, yb = (torch.tensor(a[start:start + batch_size]) for a in (x, y))
            h = torch_activation(hidden)(xb @ params[0] + params[1])
            value = TORCH_LOSS[loss](out_f(h @ params[2] + params[3]), yb).mean()
            opt.zero_grad()
            value.backward()
            opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize(("hidden", "loss", "optimizer"), FUSED_CASES)
def test_the_fused_trainer_trains_every_entry_as_pytorch_does(hidden, loss, optimizer):
    from chainrule.nn import fused

    rng = np.random.default_rng(11)
    x = rng.uniform(-1.0, 1.0, (6, 2))
    outputs = 2 if loss == "categorical_crossentropy" else 1
    y = (np.eye(2)[rng.integers(0, 2, 6)] if outputs == 2 else rng.uniform(0.1, 0.9, (6, 1)))
    model = cr.Sequential([cr.layers.Dense(3, activation=hidden, input_dim=2),
                           cr.layers.Dense(outputs, activation=OUTPUT_OF[loss])], seed=2)
    rule = (cr.optimizers.Adam(0.05) if optimizer == "adam" else cr.optimizers.SGD(
        0.2, momentum=0.0 if optimizer == "sgd" else 0.9, nesterov=optimizer == "nesterov"))
    model.compile(loss=loss, optimizer=rule)
    start = [a.copy() for a in model.get_weights()]
    assert fused.select(model, loss=loss, optimizer=rule) is not None, \
        f"the fused trainer refuses {hidden} with {loss} and {optimizer}"
    model.fit(x, y, epochs=4, batch_size=2, shuffle=False, verbose=0)
    expected = torch_fit(start, hidden, loss, optimizer, x, y, epochs=4, batch_size=2)
    for ours, theirs in zip(model.get_weights(), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{hidden}, {loss}, {optimizer}")


# every loop of the fused trainer by name: the scalar loop compiled (written out for the one
# network, or over flat arrays) or run as plain Python (the same two forms), and the NumPy loop
TRAINER_LOOPS = (["written", "flat"] if numba_available() else []) + [
    "python-written", "python-flat", "blas"]


def trainer_on(loop, network, monkeypatch):
    """A ``Trainer`` of ``network`` (SGD 0.2 with momentum 0.9, ½SSE) that trains on ``loop``."""
    from chainrule.fast import Trainer, compiled

    backend = {"blas": "blas", "python-written": "python", "python-flat": "python"}.get(
        loop, "compiled")
    trainer = Trainer.from_arrays(network, loss="half_sse", optimizer=("sgd", 0.2, 0.9),
                                  backend=backend)
    if loop == "flat":
        flat = compiled.KernelLoop(trainer.layers, trainer.loss, trainer.optimizer,
                                   trainer.dtype, compiled=True)
        flat.unrolled = False
        trainer._loops["compiled"] = flat
    if loop == "python-flat":  # no written-out form: the flat loop over lists of floats
        monkeypatch.setattr(compiled, "python_kernel", lambda *args: None)
    return trainer


@pytest.mark.parametrize("loop", TRAINER_LOOPS)
@pytest.mark.parametrize("hidden", ELEMENTWISE)
def test_every_loop_of_the_fused_trainer_trains_every_entry_as_pytorch_does(monkeypatch,
                                                                            hidden, loop):
    rng = np.random.default_rng(7)
    x = rng.uniform(-1.5, 1.5, (6, 2))
    y = rng.uniform(0.1, 0.9, (6, 1))
    start = [rng.normal(0, 0.7, (2, 3)), rng.normal(0, 0.3, 3), rng.normal(0, 0.7, (3, 1)),
             rng.normal(0, 0.3, 1)]
    w = [a.copy() for a in start]  # trained in place
    trainer = trainer_on(loop, [(w[0], w[1], hidden), (w[2], w[3], "sigmoid")], monkeypatch)
    losses = trainer.run(x, y, np.tile(np.arange(6), (4, 1)), batch_size=2)
    assert losses.shape == (4,) and np.all(np.isfinite(losses))
    expected = torch_fit(start, hidden, "half_sse", "momentum", x, y, epochs=4, batch_size=2)
    for ours, theirs in zip(w, expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12, err_msg=f"{hidden}, {loop}")
