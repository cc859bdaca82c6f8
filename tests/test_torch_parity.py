"""Parity with PyTorch (float64): losses, gradients and weights after training steps.

Random multilayer perceptrons (seeded, 35 cases) cover every activation, every loss, with and
without biases. Our ``kernel[in, out]`` is PyTorch's ``Linear.weight[out, in]`` transposed.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from chainrule.nn import Activation, Dense, Sequential  # noqa: E402
from chainrule.nn.losses import EPSILON  # noqa: E402
from chainrule.nn.optimizers import SGD, Adam  # noqa: E402

pytestmark = pytest.mark.torch

ACTIVATIONS = ["sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
LOSSES = ["half_sse", "sse", "mse", "binary_crossentropy", "categorical_crossentropy"]
TOL = 1e-10
N_CASES = 35


# --- the same network in PyTorch ---------------------------------------------------------
def torch_activation(name: str, z):
    return {
        "sigmoid": torch.sigmoid,
        "bipolar_sigmoid": lambda v: 2 * torch.sigmoid(v) - 1,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda v: F.leaky_relu(v, 0.01),
        "linear": lambda v: v,
        "softmax": lambda v: F.softmax(v, dim=-1),
    }[name](z)


def torch_per_example_loss(name: str, activation: str, z, t):
    """Per-example loss from the output layer's pre-activation z, as PyTorch users write it."""
    if name == "binary_crossentropy" and activation == "sigmoid":
        return F.binary_cross_entropy_with_logits(z, t, reduction="none").mean(-1)
    if name == "categorical_crossentropy" and activation == "softmax":
        return F.cross_entropy(z, t, reduction="none")  # probability targets
    y = torch_activation(activation, z)
    if name == "half_sse":
        return 0.5 * ((t - y) ** 2).sum(-1)
    if name == "sse":
        return ((t - y) ** 2).sum(-1)
    if name == "mse":
        return ((t - y) ** 2).mean(-1)
    y = y.clamp(EPSILON, 1 - EPSILON)
    if name == "binary_crossentropy":
        return -(t * torch.log(y) + (1 - t) * torch.log(1 - y)).mean(-1)
    return -(t * torch.log(y)).sum(-1)


class TorchMLP:
    """``torch.nn.Linear`` layers holding a copy of a chainrule model's weights."""

    def __init__(self, model: Sequential) -> None:
        self.linears, self.activations = [], []
        for layer in model.layers:
            kernel = layer.kernel.data
            linear = torch.nn.Linear(*kernel.shape, bias=layer.bias is not None,
                                     dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(kernel.T))
                if layer.bias is not None:
                    linear.bias.copy_(torch.from_numpy(layer.bias.data))
            self.linears.append(linear)
            self.activations.append(layer.activation)

    def parameters(self):
        return [p for linear in self.linears for p in linear.parameters()]

    def objective(self, x, t, loss: str):
        h = torch.from_numpy(x)
        for linear, act in zip(self.linears[:-1], self.activations[:-1]):
            h = torch_activation(act, linear(h))
        z = self.linears[-1](h)
        return torch_per_example_loss(loss, self.activations[-1], z, torch.from_numpy(t)).mean()

    def weights(self) -> list[np.ndarray]:
        """In Keras order and layout: kernel (in, out), then bias."""
        out = []
        for linear in self.linears:
            out.append(linear.weight.detach().numpy().T)
            if linear.bias is not None:
                out.append(linear.bias.detach().numpy())
        return out

    def grads(self) -> list[np.ndarray]:
        out = []
        for linear in self.linears:
            out.append(linear.weight.grad.numpy().T)
            if linear.bias is not None:
                out.append(linear.bias.grad.numpy())
        return out

    def sgd_step(self, lr: float) -> None:
        with torch.no_grad():
            for p in self.parameters():
                p -= lr * p.grad
                p.grad = None


# --- random cases ----------------------------------------------------------------------
def random_case(case: int):
    """A model, data and learning rate; the case number cycles through losses, activations
    and bias settings so each appears, the rest is drawn from the case's generator."""
    rng = np.random.default_rng(1000 + case)
    loss = LOSSES[case % len(LOSSES)]
    depth = 1 + case % 4
    widths = [int(rng.integers(1, 6)) for _ in range(depth - 1)]
    hidden = [ACTIVATIONS[(case + k) % len(ACTIVATIONS)] for k in range(depth - 1)]
    if loss == "binary_crossentropy":
        out_act, out_units = ("sigmoid", int(rng.integers(1, 4))) if case % 2 else ("softmax", 3)
    elif loss == "categorical_crossentropy":
        out_act, out_units = ("softmax", int(rng.integers(2, 5))) if case % 2 else ("sigmoid", 3)
    else:
        out_act, out_units = ACTIVATIONS[case % len(ACTIVATIONS)], int(rng.integers(1, 4))
        if out_act == "softmax":
            out_units = max(out_units, 2)
    use_bias = case % 3 != 2
    in_dim = int(rng.integers(1, 5))
    specs = [(w, a, use_bias or k % 2 == 1) for k, (w, a) in enumerate(zip(widths, hidden))]
    specs.append((out_units, out_act, use_bias))
    layers = [Dense(units, activation=act, use_bias=bias, input_dim=in_dim if k == 0 else None,
                    kernel_initializer="glorot_normal", bias_initializer="random_normal")
              for k, (units, act, bias) in enumerate(specs)]
    model = Sequential(layers, seed=case)
    x = rng.normal(size=(3, in_dim))
    t = _targets(rng, loss, out_act, (3, out_units))
    lr = float(rng.uniform(0.05, 0.5))
    model.compile(loss=loss, optimizer=SGD(lr))
    model.build()
    return model, x, t, loss, lr


def _targets(rng, loss, out_act, shape):
    if loss == "categorical_crossentropy":
        return rng.dirichlet(np.ones(shape[1]), size=shape[0])
    if loss == "binary_crossentropy" or out_act == "sigmoid":
        return rng.uniform(0, 1, size=shape)
    return rng.normal(size=shape)


def assert_close(ours, theirs, what: str) -> None:
    assert len(ours) == len(theirs), what
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f"{what}, array {k}")


def test_the_cases_cover_every_activation_loss_and_bias_setting():
    seen_acts, seen_losses, seen_bias = set(), set(), set()
    for case in range(N_CASES):
        model, *_, loss, _ = random_case(case)
        seen_acts |= {layer.activation for layer in model.layers}
        seen_losses.add(loss)
        seen_bias |= {layer.use_bias for layer in model.layers}
    assert seen_acts == set(ACTIVATIONS)
    assert seen_losses == set(LOSSES)
    assert seen_bias == {True, False}


@pytest.mark.parametrize("case", range(N_CASES))
def test_loss_gradients_and_online_sgd_match_pytorch(case):
    model, x, t, loss, lr = random_case(case)
    reference = TorchMLP(model)
    what = f"case {case} ({loss}, {[layer.activation for layer in model.layers]})"

    # the objective of the whole batch and its gradients
    objective = model.compute_loss(x, t)
    objective.backward()
    expected = reference.objective(x, t, loss)
    expected.backward()
    np.testing.assert_allclose(objective.item(), expected.item(), rtol=TOL, atol=TOL,
                               err_msg=f"{what}: loss")
    assert_close([w.grad for w in model.trainable_weights], reference.grads(),
                 f"{what}: gradients")
    for p in reference.parameters():
        p.grad = None

    # online SGD: one step, then two more (batch size 1, no shuffling)
    losses_before = []
    for step in range(3):
        ours = model.train_step(x[step:step + 1], t[step:step + 1])
        theirs = reference.objective(x[step:step + 1], t[step:step + 1], loss)
        theirs.backward()
        reference.sgd_step(lr)
        losses_before.append(theirs.item())
        np.testing.assert_allclose(ours, theirs.item(), rtol=TOL, atol=TOL,
                                   err_msg=f"{what}: loss before step {step + 1}")
        if step in (0, 2):
            assert_close(model.get_weights(), reference.weights(),
                         f"{what}: weights after {step + 1} step(s)")

    # fit does the same three steps and reports the mean of those losses
    again, *_ = random_case(case)
    history = again.fit(x, t, epochs=1, batch_size=1, shuffle=False, verbose=0)
    assert_close(again.get_weights(), reference.weights(), f"{what}: weights after fit")
    np.testing.assert_allclose(history.history["loss"][0], np.mean(losses_before), rtol=TOL,
                               err_msg=f"{what}: epoch loss")


def test_activation_layer_after_linear_dense_matches_fused_softmax_cross_entropy():
    rng = np.random.default_rng(7)
    model = Sequential([Dense(4, "tanh", input_dim=3), Dense(3), Activation("softmax")], seed=1)
    model.compile(loss="categorical_crossentropy", optimizer=SGD(0.3))
    x, t = rng.normal(size=(5, 3)), np.eye(3)[rng.integers(0, 3, size=5)]
    # the same weights in a model whose last Dense carries the softmax itself
    same = Sequential([Dense(4, "tanh", input_dim=3), Dense(3, "softmax")])
    same.set_weights(model.get_weights())
    reference = TorchMLP(same)
    model.fit(x, t, epochs=2, batch_size=2, shuffle=False, verbose=0)
    for _ in range(2):
        for start in (0, 2, 4):
            objective = reference.objective(x[start:start + 2], t[start:start + 2],
                                            "categorical_crossentropy")
            objective.backward()
            reference.sgd_step(0.3)
    assert_close(model.get_weights(), reference.weights(), "Dense + Activation('softmax')")


# --- optimizers with state over mini-batches -----------------------------------------------
def _minibatch_run(optimizer, torch_optimizer_factory, *, epochs=3, batch_size=4, seed=5):
    rng = np.random.default_rng(11)
    model = Sequential([Dense(5, "tanh", input_dim=3), Dense(4, "relu"),
                        Dense(2, "sigmoid")], seed=3)
    model.compile(loss="mse", optimizer=optimizer)
    model.build()
    x, t = rng.normal(size=(10, 3)), rng.uniform(size=(10, 2))
    reference = TorchMLP(model)
    torch_optimizer = torch_optimizer_factory(reference.parameters())
    model.fit(x, t, epochs=epochs, batch_size=batch_size, shuffle=True, seed=seed, verbose=0)
    order_rng = np.random.default_rng(seed)  # the contract's example order
    for _ in range(epochs):
        order = order_rng.permutation(10)
        for start in range(0, 10, batch_size):
            index = order[start:start + batch_size]
            torch_optimizer.zero_grad()
            reference.objective(x[index], t[index], "mse").backward()
            torch_optimizer.step()
    return model.get_weights(), reference.weights()


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_torch_optim_sgd(nesterov):
    # torch keeps b ← μb + g, w ← w − ηb; ours v ← μv − ηg, w ← w + v: the same for constant η
    ours, theirs = _minibatch_run(
        SGD(0.2, momentum=0.9, nesterov=nesterov),
        lambda params: torch.optim.SGD(params, lr=0.2, momentum=0.9, nesterov=nesterov),
    )
    assert_close(ours, theirs, f"SGD momentum=0.9 nesterov={nesterov}")


def test_adam_matches_torch_optim_adam():
    ours, theirs = _minibatch_run(
        Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7),
        lambda params: torch.optim.Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-7),
        epochs=5,
    )
    assert_close(ours, theirs, "Adam")


def test_plain_minibatch_sgd_matches_torch_optim_sgd():
    ours, theirs = _minibatch_run(SGD(0.5), lambda params: torch.optim.SGD(params, lr=0.5))
    assert_close(ours, theirs, "SGD")
