"""Optimizers: the update rules by hand, validation, lookups."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.engine import Tensor
from chainrule.nn import optimizers
from chainrule.nn.optimizers import SGD, Adam


def param(value, grad):
    p = Tensor(np.array(value, dtype=float), requires_grad=True)
    p.grad = np.array(grad, dtype=float)
    return p


def test_plain_sgd():
    p = param([1.0, -2.0], [0.5, -1.0])
    SGD(0.1).step([p])
    # w − ηg = 1 − 0.05, −2 + 0.1
    np.testing.assert_allclose(p.data, [0.95, -1.9], rtol=1e-15)


def test_sgd_momentum_two_steps():
    p = param([1.0], [1.0])
    opt = SGD(0.1, momentum=0.9)
    opt.step([p])  # v = −0.1;  w = 0.9
    opt.step([p])  # v = 0.9·(−0.1) − 0.1 = −0.19;  w = 0.9 − 0.19 = 0.71
    np.testing.assert_allclose(p.data, [0.71], rtol=1e-15)


def test_sgd_nesterov_two_steps():
    p = param([1.0], [1.0])
    opt = SGD(0.1, momentum=0.9, nesterov=True)
    opt.step([p])  # v = −0.1;  w = 1 + 0.9·(−0.1) − 0.1 = 0.81
    opt.step([p])  # v = −0.19; w = 0.81 + 0.9·(−0.19) − 0.1 = 0.539
    np.testing.assert_allclose(p.data, [0.539], rtol=1e-14)


def test_adam_first_step_moves_by_the_learning_rate():
    # t = 1: m̂ = g, v̂ = g², so w ← w − η·g/(|g| + ε) ≈ w − η·sign(g)
    p = param([1.0, 1.0], [3.0, -0.5])
    Adam(0.01, epsilon=1e-8).step([p])
    expected = [1 - 0.01 * 3 / (3 + 1e-8), 1 + 0.01 * 0.5 / (0.5 + 1e-8)]
    np.testing.assert_allclose(p.data, expected, rtol=1e-15)


def test_adam_second_step_by_hand():
    p = param([0.0], [1.0])
    opt = Adam(0.1, beta_1=0.5, beta_2=0.5, epsilon=1e-12)
    opt.step([p])
    p.grad = np.array([3.0])
    opt.step([p])
    # m = 0.5·0.5 + 0.5·3 = 1.75; v = 0.5·0.5 + 0.5·9 = 4.75
    # m̂ = 1.75/0.75, v̂ = 4.75/0.75; step 1 moved −0.1·1/(1 + ε)
    m_hat, v_hat = 1.75 / 0.75, 4.75 / 0.75
    expected = -0.1 / (1 + 1e-12) - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-12)
    np.testing.assert_allclose(p.data, [expected], rtol=1e-14)


def test_parameters_without_gradient_are_left_alone():
    p = Tensor(np.array([1.0]), requires_grad=True)
    SGD(0.1).step([p])
    assert p.data[0] == 1.0


def test_float32_stays_float32():
    p = Tensor(np.array([1.0], dtype=np.float32), requires_grad=True)
    p.grad = np.array([1.0], dtype=np.float32)
    Adam(0.1).step([p])
    assert p.data.dtype == np.float32


@pytest.mark.parametrize("rate", [0, -0.1, math.nan, math.inf, "fast", None, True])
@pytest.mark.parametrize("cls", [SGD, Adam])
def test_learning_rate_must_be_positive_and_finite(cls, rate):
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number > 0\. "
                                         r"Received: learning_rate="):
        cls(learning_rate=rate)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"momentum": 1.0}, "momentum"), ({"momentum": -0.1}, "momentum"),
])
def test_sgd_momentum_range(kwargs, field):
    with pytest.raises(ValueError, match=f"{field} must be in"):
        SGD(0.1, **kwargs)


def test_adam_argument_ranges():
    with pytest.raises(ValueError, match="beta_1"):
        Adam(beta_1=1.0)
    with pytest.raises(ValueError, match="epsilon"):
        Adam(epsilon=0)


def test_get_by_name_instance_and_config():
    assert isinstance(optimizers.get("SGD"), SGD)
    opt = Adam(0.5)
    assert optimizers.get(opt) is opt
    again = optimizers.get(SGD(0.3, momentum=0.5, nesterov=True).get_config())
    assert again.get_config() == {"name": "sgd", "learning_rate": 0.3, "momentum": 0.5,
                                  "nesterov": True}


def test_unknown_optimizer_lists_valid_names():
    with pytest.raises(ValueError, match=r"optimizer='rmsprop'; valid names: sgd, adam"):
        optimizers.get("rmsprop")


def test_bad_config_is_a_value_error():
    with pytest.raises(ValueError, match="bad optimizer config"):
        optimizers.get({"name": "sgd", "lr": 0.1})
