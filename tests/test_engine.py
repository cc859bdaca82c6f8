"""The engine against independent oracles: central differences, closed forms and PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule.engine import Tensor, apply, gradcheck, no_grad
from chainrule.engine import functional as F
from chainrule.engine.tensor import unbroadcast

RNG = np.random.default_rng(20261128)


def rand(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape)


def positive(*shape):
    return RNG.uniform(0.5, 3.0, size=shape)


# (name, function of Tensors, input arrays) — shapes chosen to exercise broadcasting
OP_CASES = [
    ("add", lambda a, b: a + b, (rand(3, 4), rand(4))),
    ("add-column", lambda a, b: a + b, (rand(3, 1), rand(1, 4))),
    ("sub", lambda a, b: a - b, (rand(3, 4), rand(3, 1))),
    ("mul", lambda a, b: a * b, (rand(2, 3), rand(2, 3))),
    ("mul-scalar", lambda a, b: a * b, (rand(2, 3), rand())),
    ("div", lambda a, b: a / b, (rand(2, 3), positive(3))),
    ("neg", lambda a: -a, (rand(5),)),
    ("pow-const", lambda a: a**3, (rand(2, 3),)),
    ("pow-both", lambda a, b: a**b, (positive(2, 3), rand(2, 3))),
    ("rpow", lambda b: 2.0**b, (rand(4),)),
    ("matmul", lambda a, b: a @ b, (rand(3, 4), rand(4, 2))),
    ("matmul-batched", lambda a, b: a @ b, (rand(2, 3, 4), rand(4, 5))),
    ("exp", lambda a: a.exp(), (rand(3, 2),)),
    ("log", lambda a: a.log(), (positive(3, 2),)),
    ("tanh", lambda a: a.tanh(), (rand(3, 2),)),
    ("sigmoid", lambda a: a.sigmoid(), (rand(3, 2, low=-6, high=6),)),
    ("relu", lambda a: a.relu(), (rand(4, 3),)),
    ("leaky_relu", lambda a: a.leaky_relu(0.1), (rand(4, 3),)),
    ("maximum", lambda a, b: a.maximum(b), (rand(3, 3), rand(3, 3))),
    ("sum-all", lambda a: a.sum(), (rand(3, 4),)),
    ("sum-axis", lambda a: a.sum(axis=0), (rand(3, 4),)),
    ("sum-keepdims", lambda a: a.sum(axis=1, keepdims=True), (rand(3, 4),)),
    ("mean-all", lambda a: a.mean(), (rand(3, 4),)),
    ("mean-axes", lambda a: a.mean(axis=(0, 2)), (rand(2, 3, 4),)),
    ("reshape", lambda a: a.reshape(4, 3) * np.arange(12.0).reshape(4, 3), (rand(3, 4),)),
    ("transpose", lambda a: a.T @ np.ones((3, 2)), (rand(3, 4),)),
    ("transpose-axes", lambda a: a.transpose(2, 0, 1), (rand(2, 3, 4),)),
    ("getitem-slice", lambda a: a[1:, ::2], (rand(3, 4),)),
    ("getitem-repeat", lambda a: a[np.array([0, 0, 2])], (rand(3, 2),)),
    ("log_softmax", lambda a: F.log_softmax(a), (rand(3, 4),)),
    ("softmax", lambda a: F.softmax(a, axis=0), (rand(3, 4),)),
    ("bipolar_sigmoid", lambda a: F.bipolar_sigmoid(a), (rand(3, 4),)),
    ("softmax_ce", lambda z, t: F.softmax_cross_entropy(z, t),
     (rand(4, 3), np.eye(3)[[0, 2, 1, 1]])),
    ("softmax_ce-soft-targets", lambda z, t: F.softmax_cross_entropy(z, t),
     (rand(2, 3), np.array([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0]]))),
    ("sigmoid_bce", lambda z, t: F.sigmoid_binary_cross_entropy(z, t),
     (rand(4, 2, low=-5, high=5), RNG.uniform(0, 1, size=(4, 2)))),
    ("tangle", lambda a, b: ((a @ b).tanh() * (a @ b).sigmoid() / (1 + (a @ b) ** 2)).mean(),
     (rand(3, 4), rand(4, 2))),
]


@pytest.mark.parametrize("name,f,inputs", OP_CASES, ids=[c[0] for c in OP_CASES])
def test_every_op_passes_gradcheck(name, f, inputs):
    report = gradcheck(f, *inputs)
    assert report.ok, f"{name}: {report}"


def test_gradcheck_catches_a_wrong_gradient():
    class WrongSquare:
        @staticmethod
        def forward(a):
            return a * a, a

        @staticmethod
        def vjp(a, g):
            return (g * a,)  # missing the factor 2

    report = gradcheck(lambda x: apply(WrongSquare, x), rand(3))
    assert not report.ok
    assert report.errors[0] > 0.3, report


def test_gradcheck_checks_large_inputs_by_directions():
    x = rand(20, 20)
    report = gradcheck(lambda a: (a * a).tanh().sum(), x, max_elements=100)
    assert report.ok, report
    assert report.worst_index[0][0].startswith("direction")


# --- kinks and extremes --------------------------------------------------------------
def test_relu_subgradient_at_the_kink_is_zero():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_leaky_relu_subgradient_at_the_kink_is_alpha():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.leaky_relu(0.2).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.2, 0.2, 1.0])


def test_maximum_splits_a_tie_evenly():
    a, b = Tensor([1.0, 2.0, 3.0], requires_grad=True), Tensor([1.0, 5.0, 0.0], requires_grad=True)
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])


def _finite_without_warnings(f, x):
    t = Tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = f(t)
        out.sum().backward()
    assert np.all(np.isfinite(out.data)), out.data
    assert np.all(np.isfinite(t.grad)), t.grad
    return out.data, t.grad


def test_sigmoid_at_plus_minus_1000_is_finite_and_exact():
    out, grad = _finite_without_warnings(lambda t: t.sigmoid(), np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(grad, [0.0, 0.25, 0.0])


def test_softmax_of_huge_logits_is_finite():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e308, -1e308, 0.0]])
    out, _ = _finite_without_warnings(lambda t: F.softmax(t), z)
    np.testing.assert_allclose(out, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]],
                               rtol=1e-15)


def test_cross_entropies_of_huge_logits_are_finite_and_exact():
    z = np.array([[1e4, -1e4]])
    t = np.array([[0.0, 1.0]])
    out, grad = _finite_without_warnings(lambda s: F.softmax_cross_entropy(s, t), z)
    # −log softmax(z)_1 = 2e4 exactly; gradient softmax − t = (1, −1)
    np.testing.assert_allclose(out, [2e4])
    np.testing.assert_allclose(grad, [[1.0, -1.0]])
    out, grad = _finite_without_warnings(lambda s: F.sigmoid_binary_cross_entropy(s, t), z)
    np.testing.assert_allclose(out, [[1e4, 1e4]])
    np.testing.assert_allclose(grad, [[1.0, -1.0]])


# --- the graph machinery -------------------------------------------------------------
def test_gradients_accumulate_for_reused_nodes_and_across_calls():
    x = Tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    assert x.grad == pytest.approx(7.0)
    (x * 2).backward()
    assert x.grad == pytest.approx(9.0)
    x.zero_grad()
    assert x.grad is None


def test_no_grad_and_detach_record_nothing():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = x * 3
    assert not y.requires_grad and y._parents == ()
    z = x.detach() * 3
    assert not z.requires_grad


def test_deep_graph_needs_no_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**20000, rel=1e-9)


def test_unbroadcast_sums_over_broadcast_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())


def test_float32_stays_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = ((x * 2.5) @ np.ones((3, 1))).sigmoid().sum()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "call,words",
    [
        (lambda: Tensor([[1.0, 2.0]]) @ Tensor([[1.0, 2.0]]), ["(1, 2)", "2 != 1"]),
        (lambda: Tensor([1.0, 2.0]).backward(), ["grad=", "(2,)"]),
        (lambda: Tensor(["a"]), ["dtype"]),
        (lambda: Tensor([1.0], dtype="int32"), ["dtype", "int32"]),
    ],
)
def test_bad_input_names_the_problem(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value), str(info.value)


# --- PyTorch as the oracle -----------------------------------------------------------
def test_tangled_expression_matches_pytorch():
    torch = pytest.importorskip("torch")
    a0, b0, c0 = rand(4, 3), rand(3, 5), rand(5)

    def expression(lib, a, b, c):
        h = a @ b + c
        s = lib["sigmoid"](h) * lib["tanh"](h) - lib["relu"](h) / (1 + h * h)
        m = lib["maximum"](s, h * 0.3)
        return (lib["exp"](m).sum() + (m**2).mean() - lib["log"](1 + lib["sigmoid"](m)).sum())

    ours = [Tensor(v, requires_grad=True) for v in (a0, b0, c0)]
    out = expression({"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu,
                      "exp": F.exp, "log": F.log, "maximum": F.maximum}, *ours)
    out.backward()
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a0, b0, c0)]
    ref = expression({"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                      "exp": torch.exp, "log": torch.log, "maximum": torch.maximum}, *theirs)
    ref.backward()
    assert out.item() == pytest.approx(ref.item(), rel=1e-13)
    for mine, other, name in zip(ours, theirs, "abc"):
        np.testing.assert_allclose(mine.grad, other.grad.numpy(), rtol=1e-12, atol=1e-13,
                                   err_msg=f"gradient of {name}")


def test_fused_cross_entropy_matches_pytorch():
    torch = pytest.importorskip("torch")
    z0 = rand(6, 4, low=-30, high=30)
    labels = np.array([0, 3, 1, 2, 2, 0])
    t0 = np.eye(4)[labels]
    z = Tensor(z0, requires_grad=True)
    F.softmax_cross_entropy(z, t0).mean().backward()
    zt = torch.tensor(z0, requires_grad=True)
    torch.nn.functional.cross_entropy(zt, torch.tensor(labels)).backward()
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)

    y0 = RNG.uniform(0, 1, size=(6, 4))
    z = Tensor(z0, requires_grad=True)
    loss = F.sigmoid_binary_cross_entropy(z, y0).mean()
    loss.backward()
    zt = torch.tensor(z0, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(zt, torch.tensor(y0))
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)
