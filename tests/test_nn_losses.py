"""Losses: known values (arithmetic in the comments), stability at the extremes, gradcheck,
and the table's lookups."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from chainrule import gradcheck
from chainrule.engine import Tensor
from chainrule.nn import losses
from chainrule.nn.losses import EPSILON

T = np.array([[1.0, 0.0], [0.0, 1.0]])
Y = np.array([[0.8, 0.4], [0.5, 0.5]])


def values(name, t=T, y=Y):
    return losses.get(name)(Tensor(t), Tensor(y)).data


def test_half_sse_known_values():
    # row 0: ½((1 − 0.8)² + (0 − 0.4)²) = ½(0.04 + 0.16) = 0.1
    # row 1: ½(0.25 + 0.25) = 0.25
    np.testing.assert_allclose(values("half_sse"), [0.1, 0.25], rtol=1e-15)


def test_sse_known_values():
    # 0.04 + 0.16 = 0.2;  0.25 + 0.25 = 0.5
    np.testing.assert_allclose(values("sse"), [0.2, 0.5], rtol=1e-15)


def test_mse_known_values():
    # (0.04 + 0.16)/2 = 0.1;  (0.25 + 0.25)/2 = 0.25
    np.testing.assert_allclose(values("mse"), [0.1, 0.25], rtol=1e-15)


def test_binary_crossentropy_known_values():
    # row 0: ½(−ln 0.8 − ln 0.6) = ½(0.22314 + 0.51083) = 0.36698
    # row 1: ½(−ln 0.5 − ln 0.5) = ln 2 = 0.69315
    expected = [0.5 * (-math.log(0.8) - math.log(0.6)), math.log(2)]
    np.testing.assert_allclose(values("binary_crossentropy"), expected, rtol=1e-12)


def test_categorical_crossentropy_known_values():
    # row 0: −1·ln 0.8 = 0.22314 (the 0.4 has target 0); row 1: −ln 0.5 = 0.69315
    expected = [-math.log(0.8), math.log(2)]
    np.testing.assert_allclose(values("categorical_crossentropy"), expected, rtol=1e-12)


def test_blog_error_of_one_output():
    # Mazur's worked example: target 0.01, output 0.75136507 → ½(0.01 − 0.75136507)²
    # = 0.274811083
    e = losses.half_sse(Tensor([[0.01]]), Tensor([[0.75136507]])).item()
    assert e == pytest.approx(0.274811083, abs=1e-9)


def test_every_loss_returns_one_value_per_example():
    for name in losses.names():
        assert values(name).shape == (2,), name


@pytest.mark.parametrize("name", losses.names())
def test_gradcheck_every_loss(name):
    rng = np.random.default_rng(3)
    y = rng.uniform(0.05, 0.95, size=(3, 4))
    t = rng.dirichlet(np.ones(4), size=3) if "categorical" in name else rng.uniform(size=(3, 4))
    report = gradcheck(lambda p: losses.get(name)(Tensor(t), p), y)
    assert report.ok, f"{name}: {report}"


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_gradcheck_fused_forms(name):
    rng = np.random.default_rng(4)
    z = rng.normal(scale=3.0, size=(3, 4))
    t = rng.dirichlet(np.ones(4), size=3) if "categorical" in name else rng.uniform(size=(3, 4))
    activation = "softmax" if "categorical" in name else "sigmoid"
    fused = losses.fused(name, activation)
    report = gradcheck(lambda logits: fused(Tensor(t), logits), z)
    assert report.ok, f"fused {name}: {report}"


def test_fused_forms_equal_the_plain_forms_away_from_the_clip():
    from chainrule.nn import activations

    rng = np.random.default_rng(5)
    z = rng.normal(size=(4, 3))
    t = rng.dirichlet(np.ones(3), size=4)
    for name, act in (("binary_crossentropy", "sigmoid"), ("categorical_crossentropy",
                                                           "softmax")):
        plain = losses.get(name)(Tensor(t), activations.get(act)(Tensor(z))).data
        fused = losses.fused(name, act)(Tensor(t), Tensor(z)).data
        np.testing.assert_allclose(fused, plain, rtol=1e-12, err_msg=name)


def test_only_matching_pairs_are_fused():
    assert losses.fused("binary_crossentropy", "softmax") is None
    assert losses.fused("categorical_crossentropy", "sigmoid") is None
    assert losses.fused("mse", "sigmoid") is None
    assert losses.fused(lambda t, y: t, "sigmoid") is None


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_crossentropy_of_exact_zero_and_one_probabilities_is_finite(name):
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = Tensor(np.array([[0.0, 1.0], [1.0, 0.0]]), requires_grad=True)  # all wrong, exactly
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = losses.get(name)(Tensor(t), y)
        e.sum().backward()
    assert np.all(np.isfinite(e.data)), e.data
    assert np.all(np.isfinite(y.grad)), y.grad
    # clipped to ε = 1e-7: −ln(1e-7) = 16.118 per wrong output
    assert e.data.max() == pytest.approx(-math.log(EPSILON), rel=1e-6)


def test_crossentropy_of_right_probabilities_is_almost_zero():
    e = losses.binary_crossentropy(Tensor([[1.0, 0.0]]), Tensor([[1.0, 0.0]])).item()
    assert 0 <= e < 1e-6  # −ln(1 − 1e-7) ≈ 1e-7


@pytest.mark.parametrize("z", [1000.0, -1000.0, 1e4, -1e4])
def test_fused_losses_at_extreme_logits_are_finite(z):
    logits = Tensor(np.array([[z, -z]]), requires_grad=True)
    t = np.array([[0.0, 1.0]])
    for name, act in (("binary_crossentropy", "sigmoid"), ("categorical_crossentropy",
                                                           "softmax")):
        logits.zero_grad()
        e = losses.fused(name, act)(Tensor(t), logits)
        e.sum().backward()
        assert np.all(np.isfinite(e.data)) and np.all(np.isfinite(logits.grad)), (name, z)


def test_fused_crossentropy_at_large_logits_is_exact():
    # softmax([1e4, −1e4]) against class 1: −ln softmax_1 = 2e4 exactly (no clip)
    e = losses.fused("categorical_crossentropy", "softmax")(Tensor([[0.0, 1.0]]),
                                                             Tensor([[1e4, -1e4]]))
    assert e.item() == 2e4


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError) as info:
        losses.get("hinge")
    message = str(info.value)
    assert "'hinge'" in message
    for name in losses.names():
        assert name in message


def test_lookup_by_name_alias_and_function():
    assert losses.get("MSE") is losses.mse
    assert losses.get("bce") is losses.binary_crossentropy
    assert losses.info(losses.sse).name == "sse"
    assert losses.name_of(lambda t, y: t) is None
    custom = lambda t, y: t  # noqa: E731
    assert losses.get(custom) is custom
