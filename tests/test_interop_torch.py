"""Explaining PyTorch's step, and models to PyTorch and back, against PyTorch 2.13 itself.

Each case builds a module, lets PyTorch take the steps in the test (its autograd and
``optimizer.step()``, float64, one example per step) and compares the worked solution's
outputs and updated parameters with PyTorch's; the solution also checks every other value
itself (its note says so).
"""

from __future__ import annotations

import copy
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402
from chainrule.interop import _optional  # noqa: E402

pytestmark = pytest.mark.torch
ROOT = pathlib.Path(__file__).resolve().parents[1]
X = np.array([[0.5, -1.0, 0.25], [-0.3, 0.8, 1.2]])


def module(hidden: object, output: object = None, outputs: int = 2, seed: int = 0) -> object:
    """Linear(3, 4), ``hidden``, Linear(4, outputs), ``output`` (float64)."""
    torch.manual_seed(seed)
    layers = [torch.nn.Linear(3, 4), hidden, torch.nn.Linear(4, outputs)]
    return torch.nn.Sequential(*layers, *([output] if output else [])).double()


def torch_steps(net, optimizer_of, loss_fn, xs, targets):
    """PyTorch's parameters after each step (one example each), and the outputs before."""
    net = copy.deepcopy(net)
    optimizer = optimizer_of(net.parameters())
    params, outputs = [], []
    for x, target in zip(xs, targets):
        y = net(torch.tensor(x[None, :]))
        outputs.append(y.detach().numpy()[0])
        optimizer.zero_grad()
        loss_fn(y, target).backward()
        optimizer.step()
        params.append([p.detach().numpy().copy() for p in net.parameters()])
    return params, outputs


def solution_params(solution, net, step):
    """The solution's updated parameters of step ``step`` in PyTorch's layout."""
    out = []
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for layer, linear in enumerate(linears, start=1):
        rows, cols = linear.weight.shape
        weight = np.array([[solution.equation(f"s{step}.new.w.{layer}.{i + 1}.{j + 1}").exact
                            for i in range(cols)] for j in range(rows)])
        bias = np.array([solution.equation(f"s{step}.new.b.{layer}.{j + 1}").exact
                         for j in range(rows)])
        out += [weight, bias]
    return out


def assert_same_step(solution, net, params, tol=1e-10):
    for step, expected in enumerate(params, start=1):
        for got, want in zip(solution_params(solution, net, step), expected):
            np.testing.assert_allclose(got, want, rtol=0, atol=tol,
                                       err_msg=f"step {step}: updated parameters")
    assert any(note.startswith("Checked against PyTorch") for note in solution.notes)


HIDDEN = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
          "leaky_relu": torch.nn.LeakyReLU, "identity": torch.nn.Identity,
          "silu": torch.nn.SiLU}
OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.3),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6),
}


@pytest.mark.parametrize("hidden", sorted(HIDDEN))
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_each_activation_and_optimizer_with_mse_matches_pytorch(hidden, opt):
    net = module(HIDDEN[hidden](), torch.nn.Tanh())
    t = np.array([[0.2, -0.4], [0.6, 0.1]])
    targets = [torch.tensor(row[None, :]) for row in t]
    params, outputs = torch_steps(net, OPTIMIZERS[opt], torch.nn.MSELoss(), X, targets)
    solution = cr.explain(net, X, t, loss=torch.nn.MSELoss(),
                          optimizer=OPTIMIZERS[opt](net.parameters()))
    assert_same_step(solution, net, params)
    for step, y in enumerate(outputs, start=1):
        got = [solution.equation(f"s{step}.out.2.{k}").exact for k in (1, 2)]
        np.testing.assert_allclose(got, y, rtol=0, atol=1e-12)


def test_bce_on_a_sigmoid_output():
    net = module(torch.nn.ReLU(), torch.nn.Sigmoid(), outputs=1)
    t = np.array([[1.0], [0.0]])
    targets = [torch.tensor(row[None, :]) for row in t]
    params, _ = torch_steps(net, OPTIMIZERS["sgd"], torch.nn.BCELoss(), X, targets)
    solution = cr.explain(net, X, t, loss=torch.nn.BCELoss(),
                          optimizer=OPTIMIZERS["sgd"](net.parameters()))
    assert_same_step(solution, net, params)


def test_bce_with_logits_writes_the_sigmoid_as_the_output_activation():
    net = module(torch.nn.Tanh(), None, outputs=2)
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    targets = [torch.tensor(row[None, :]) for row in t]
    params, logits = torch_steps(net, OPTIMIZERS["momentum"], torch.nn.BCEWithLogitsLoss(), X,
                                 targets)
    solution = cr.explain(net, X, t, loss=torch.nn.BCEWithLogitsLoss(),
                          optimizer=OPTIMIZERS["momentum"](net.parameters()))
    assert_same_step(solution, net, params)
    assert solution.network.layers[-1].activation == "sigmoid"
    sigmoid = 1 / (1 + np.exp(-logits[0]))
    assert solution.equation("s1.out.2.1").exact == pytest.approx(sigmoid[0], abs=1e-12)


@pytest.mark.parametrize("as_indices", [True, False])
def test_cross_entropy_takes_logits_and_class_indices_or_probabilities(as_indices):
    net = module(torch.nn.Sigmoid(), None, outputs=3)
    labels = np.array([2, 0])
    t = labels if as_indices else np.eye(3)[labels]
    targets = ([torch.tensor([int(i)]) for i in labels] if as_indices
               else [torch.tensor(np.eye(3)[[i]]) for i in labels])
    params, _ = torch_steps(net, OPTIMIZERS["sgd"], torch.nn.CrossEntropyLoss(), X, targets)
    solution = cr.explain(net, X, t, loss=torch.nn.CrossEntropyLoss(),
                          optimizer=OPTIMIZERS["sgd"](net.parameters()))
    assert_same_step(solution, net, params)
    assert solution.conventions.error == "categorical_crossentropy"


def test_a_softmax_output_with_chainrule_s_loss_name():
    net = module(torch.nn.ReLU(), torch.nn.Softmax(dim=-1), outputs=3)
    t = np.eye(3)[[1, 2]]

    def loss(y, target):
        return -(target * torch.log(y)).sum()

    targets = [torch.tensor(row[None, :]) for row in t]
    params, _ = torch_steps(net, OPTIMIZERS["sgd"], loss, X, targets)
    solution = cr.explain(net, X, t, loss="categorical_crossentropy",
                          optimizer=OPTIMIZERS["sgd"](net.parameters()))
    assert_same_step(solution, net, params)


def test_mse_sum_is_sse_and_a_float32_module_is_checked_in_float64():
    net = module(torch.nn.Sigmoid()).float()
    t = np.array([[0.5, 0.5]])
    target = [torch.tensor(t)]
    params, _ = torch_steps(net.double(), OPTIMIZERS["sgd"], torch.nn.MSELoss(reduction="sum"),
                            X[:1], target)
    net = net.float()
    solution = cr.explain(net, X[0], t[0], loss=torch.nn.MSELoss(reduction="sum"),
                          optimizer=OPTIMIZERS["sgd"](net.parameters()))
    assert solution.conventions.error == "sse"
    assert_same_step(solution, net, params)


def test_the_solution_is_written_in_any_convention():
    net = module(torch.nn.Sigmoid(), torch.nn.Sigmoid(), outputs=1)
    t = np.array([[1.0], [0.0]])
    targets = [torch.tensor(row[None, :]) for row in t]
    params, _ = torch_steps(net, OPTIMIZERS["sgd"], torch.nn.MSELoss(), X, targets)
    solution = cr.explain(net, X, t, loss=torch.nn.MSELoss(), convention="fausett",
                          optimizer=OPTIMIZERS["sgd"](net.parameters()))
    assert_same_step(solution, net, params)
    assert "Checked against PyTorch" in solution.to_text()


@pytest.mark.parametrize("case, message", [
    (lambda: (module(torch.nn.Dropout()), torch.nn.MSELoss(), "sgd"), "Dropout"),
    (lambda: (module(torch.nn.Tanh(), torch.nn.Softmax(dim=-1)), torch.nn.CrossEntropyLoss(),
              "sgd"), "must end in a Linear"),
    (lambda: (module(torch.nn.Tanh()), torch.nn.L1Loss(), "sgd"), "L1Loss"),
    (lambda: (module(torch.nn.LeakyReLU(0.2)), torch.nn.MSELoss(), "sgd"), "negative_slope"),
    (lambda: (module(torch.nn.Tanh()), torch.nn.MSELoss(), "decay"), "weight_decay"),
    (lambda: (module(torch.nn.Tanh()), torch.nn.MSELoss(), "rmsprop"), "RMSprop"),
    (lambda: (module(torch.nn.Tanh()), torch.nn.MSELoss(), "amsgrad"), "amsgrad"),
])
def test_what_cannot_be_mapped_is_refused_in_one_line(case, message):
    net, loss, kind = case()
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1),
            "decay": lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1),
            "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.1),
            "amsgrad": lambda p: torch.optim.Adam(p, lr=0.1, amsgrad=True)}[kind]
    with pytest.raises(ValueError, match=message) as info:
        cr.explain(net, X[0], [0.0, 1.0], loss=loss, optimizer=make(net.parameters()))
    assert "\n" not in str(info.value)


def test_the_learning_rate_comes_from_the_optimizer_only():
    net = module(torch.nn.Tanh())
    with pytest.raises(ValueError, match="learning_rate is the PyTorch optimizer's"):
        cr.explain(net, X[0], [0.0, 1.0], loss=torch.nn.MSELoss(), learning_rate=0.1,
                   optimizer=torch.optim.SGD(net.parameters(), lr=0.1))


def test_an_optimizer_that_has_stepped_is_refused():
    net = module(torch.nn.Tanh())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.tensor(X)).sum().backward()
    optimizer.step()
    with pytest.raises(ValueError, match="taken steps"):
        cr.explain(net, X[0], [0.0, 1.0], loss=torch.nn.MSELoss(), optimizer=optimizer)


def test_models_go_to_pytorch_and_back_unchanged():
    model = cr.Sequential([cr.layers.Dense(4, activation="relu", input_dim=3),
                           cr.layers.Dense(3, activation="leaky_relu"),
                           cr.layers.Dense(2, activation="softmax")], seed=1)
    net = model.to_torch()
    assert str(net) == str(cr.to_torch(model))
    with torch.no_grad():
        y = net(torch.tensor(X)).numpy()
    np.testing.assert_allclose(y, model.predict(X), rtol=0, atol=1e-15)
    back = cr.from_torch(net)
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert net[0].weight.shape == (4, 3)  # PyTorch's [out, in]: the kernel's transpose


def test_a_float32_module_comes_back_as_a_float32_model():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Sigmoid())
    model = cr.from_torch(net)
    assert model.dtype == np.float32
    with torch.no_grad():
        y = net(torch.tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(model.predict(X), y, rtol=0, atol=1e-6)


def test_import_chainrule_imports_no_optional_dependency():
    done = subprocess.run([sys.executable, "-c", (
        "import sys, chainrule as cr\n"
        "cr.explain([([[0.5]], [0.0], 'linear')], [2.0], [1.0], learning_rate=0.1)\n"
        "heavy = {'torch', 'onnx', 'onnxruntime', 'h5py', 'keras'} & set(sys.modules)\n"
        "assert not heavy, heavy\n")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_missing_dependency_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError) as info:
        _optional.require("onnx", "export_onnx")
    assert str(info.value) == "export_onnx needs the onnx package: pip install 'chainrule[onnx]'"


def test_adam_over_two_epochs_writes_the_moments_pytorch_keeps():
    net = module(torch.nn.Tanh(), torch.nn.Sigmoid(), outputs=1)
    t = np.array([[1.0], [0.0]])
    make = OPTIMIZERS["adam"]
    targets = [torch.tensor(row[None, :]) for row in t]
    params, _ = torch_steps(net, make, torch.nn.BCELoss(), np.vstack([X, X]), targets * 2)
    solution = cr.explain(net, X, t, loss=torch.nn.BCELoss(), optimizer=make(net.parameters()),
                          epochs=2)
    assert [s.id for s in solution.steps] == ["s1", "s2", "s3", "s4"]
    assert_same_step(solution, net, params)
    twin = copy.deepcopy(net)
    optimizer = make(twin.parameters())
    torch.nn.BCELoss()(twin(torch.tensor(X[:1])), targets[0]).backward()
    optimizer.step()
    state = optimizer.state[twin[0].weight]
    # w⁽¹⁾_ij is weight[j, i]: the moments of w⁽¹⁾_21 are at [0, 1]
    assert solution.equation("s1.m.w.1.2.1").exact == pytest.approx(
        float(state["exp_avg"][0, 1]), abs=1e-15)
    assert solution.equation("s1.v.w.1.2.1").exact == pytest.approx(
        float(state["exp_avg_sq"][0, 1]), abs=1e-15)
    assert "Adam" in solution.conventions.describe()
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "worked-solution.schema.json").read_text("utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(
        json.loads(solution.to_json())))
    assert not errors, errors[0].message


def test_adam_prints_the_same_numbers_by_pytorch_and_by_the_derive_api():
    # one rule for Adam's printed precision, whichever route wrote the solution
    net = module(torch.nn.Tanh(), torch.nn.Sigmoid(), outputs=1)
    t = np.array([[1.0], [0.0]])
    make = OPTIMIZERS["adam"]
    by_torch = cr.explain(net, X, t, loss=torch.nn.BCELoss(), optimizer=make(net.parameters()))
    layers = [(linear.weight.detach().numpy().T, linear.bias.detach().numpy(), act)
              for linear, act in ((net[0], "tanh"), (net[2], "sigmoid"))]
    by_api = cr.derive.explain(layers, X, t, learning_rate=0.05, loss="binary_crossentropy",
                               convention="layered", optimizer="adam", beta_1=0.8,
                               beta_2=0.99, epsilon=1e-6)
    moments = [eq for eq in by_api.equations.values() if eq.kind == "change"]
    assert len(moments) == 3 * 2 * (4 * 3 + 4 + 4 + 1)  # m, v, Δw; 2 steps; 21 parameters
    for eq in moments:
        assert by_torch.equation(eq.id).printed == eq.printed, eq.id
        if abs(eq.exact) > 1e-300:  # v ≈ (1 − β₂)·(∂E/∂w)² keeps 4 significant figures
            assert len(eq.printed.lstrip("-").replace(".", "").lstrip("0")) >= 4, eq.printed
