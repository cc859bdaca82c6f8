"""Activations: known values, gradcheck of each, the extremes, and the table's lookups."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from chainrule import gradcheck
from chainrule.engine import Tensor
from chainrule.nn import activations

# (name, input, expected output) with the arithmetic in the comments
KNOWN = [
    ("sigmoid", 0.0, 0.5),                                # 1/(1 + e⁰) = ½
    ("sigmoid", 0.3775, 0.593269992),                     # Mazur's out_h1 = 1/(1 + e^−0.3775)
    ("bipolar_sigmoid", 0.0, 0.0),                        # 2/(1 + 1) − 1
    ("bipolar_sigmoid", math.log(3), 0.5),                # 2/(1 + ⅓) − 1 = 1.5 − 1
    ("tanh", math.log(2), 0.6),                           # (2 − ½)/(2 + ½) = 1.5/2.5
    ("relu", -2.0, 0.0),
    ("relu", 3.0, 3.0),
    ("leaky_relu", -2.0, -0.02),                          # 0.01 · −2
    ("leaky_relu", 3.0, 3.0),
    ("linear", -1.25, -1.25),
]


@pytest.mark.parametrize(("name", "x", "expected"), KNOWN)
def test_known_values(name, x, expected):
    assert activations.get(name)(Tensor([[x]])).item() == pytest.approx(expected, abs=1e-9)


def test_softmax_known_values():
    # e^ln1 : e^ln2 : e^ln5 = 1 : 2 : 5 → /8
    out = activations.softmax(Tensor([[0.0, math.log(2), math.log(5)]])).data
    np.testing.assert_allclose(out, [[0.125, 0.25, 0.625]], rtol=1e-15)


@pytest.mark.parametrize("name", activations.names())
def test_gradcheck_every_activation(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep clear of relu's kink, where the derivative jumps
    report = gradcheck(activations.get(name), x)
    assert report.ok, f"{name}: {report}"


def test_relu_subgradient_at_the_kink_is_zero():
    x = Tensor([[0.0]], requires_grad=True)
    activations.relu(x).sum().backward()
    assert x.grad[0, 0] == 0.0


@pytest.mark.parametrize("name", activations.names())
@pytest.mark.parametrize("scale", [1000.0, 1e4])
def test_extreme_inputs_give_finite_values_and_gradients(name, scale):
    x = Tensor(np.array([[scale, -scale]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = activations.get(name)(x)
        out.backward(np.ones_like(out.data))
    assert np.all(np.isfinite(out.data)), (name, out.data)
    assert np.all(np.isfinite(x.grad)), (name, x.grad)


def test_sigmoid_saturates_exactly():
    out = activations.sigmoid(Tensor([[1000.0, -1000.0]])).data
    assert out[0, 0] == 1.0 and out[0, 1] == 0.0


def test_softmax_of_huge_logits():
    out = activations.softmax(Tensor([[1e4, -1e4, 1e4]])).data
    np.testing.assert_array_equal(out, [[0.5, 0.0, 0.5]])


def test_bipolar_sigmoid_is_tanh_of_half():
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(activations.bipolar_sigmoid(Tensor(x)).data, np.tanh(x / 2),
                               atol=1e-15)


def test_every_function_is_an_entry_of_the_calculus_table_with_its_formulas():
    assert activations.names() == ["sigmoid", "bipolar_sigmoid", "tanh", "relu",
                                   "leaky_relu", "linear", "softplus", "silu", "softmax"]
    for name in activations.names():
        row = activations.info(name)
        assert row.name == name and activations.get(name).__name__ == name
        assert row.elementwise == (row.derivative is not None), name
    assert activations.info("softmax").elementwise is False


def test_none_is_linear_and_functions_are_their_rows():
    assert activations.get(None) is activations.linear
    assert activations.info(activations.tanh).name == "tanh"
    assert activations.get("ReLU") is activations.relu


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError) as info:
        activations.get("swish")
    message = str(info.value)
    assert "'swish'" in message
    for name in activations.names():
        assert name in message
