"""Dense and Activation layers, and the initializers they draw from."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule.engine import Tensor
from chainrule.nn import initializers
from chainrule.nn.layers import Activation, Dense, from_config


def test_dense_builds_lazily_with_keras_layout():
    layer = Dense(3, activation="tanh")
    assert not layer.built and layer.kernel is None
    out = layer(np.ones((5, 2)))
    assert layer.kernel.shape == (2, 3) and layer.bias.shape == (3,)
    assert out.shape == (5, 3)
    assert layer.activation == "tanh"


def test_dense_computes_activation_of_x_kernel_plus_bias():
    layer = Dense(2, activation="sigmoid", input_dim=2)
    layer.build(2, rng=np.random.default_rng(0))
    layer.kernel.data[...] = [[0.15, 0.25], [0.20, 0.30]]  # Mazur's w1..w4, kernel[i, j]
    layer.bias.data[...] = 0.35
    net, out = layer.call(np.array([[0.05, 0.10]]), return_net=True)
    # net_h1 = 0.05·0.15 + 0.10·0.20 + 0.35 = 0.3775; out_h1 = σ(0.3775) = 0.593269992
    np.testing.assert_allclose(net.data, [[0.3775, 0.3925]], rtol=1e-15)
    np.testing.assert_allclose(out.data, [[0.593269992, 0.596884378]], atol=1e-9)


def test_dense_without_bias():
    layer = Dense(2, use_bias=False)
    layer(np.ones((1, 3)))
    assert layer.bias is None and len(layer.weights) == 1 and layer.count_params() == 6


def test_activation_layer_has_no_weights_and_passes_net_through():
    layer = Activation("relu")
    net, out = layer.call(Tensor([[-1.0, 2.0]]), return_net=True)
    np.testing.assert_array_equal(net.data, [[-1.0, 2.0]])
    np.testing.assert_array_equal(out.data, [[0.0, 2.0]])
    assert layer.weights == [] and layer.count_params() == 0


def test_wrong_input_width_names_the_layer_and_shape():
    layer = Dense(2, input_dim=3, name="hidden")
    with pytest.raises(ValueError, match=r"'hidden' expects 3 input features.*\(4, 2\)"):
        layer(np.ones((4, 2)))


def test_non_2d_input_is_rejected():
    with pytest.raises(ValueError, match=r"shape=\(3,\)"):
        Dense(2)(np.ones(3))


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "4"])
def test_units_must_be_a_positive_integer(units):
    with pytest.raises(ValueError, match=r"units must be a positive integer\. Received: units="):
        Dense(units)


def test_unknown_activation_in_a_layer_lists_valid_names():
    with pytest.raises(ValueError, match="valid names: sigmoid, bipolar_sigmoid"):
        Dense(2, activation="gelu")


def test_get_config_round_trip():
    layer = Dense(4, activation="relu", use_bias=False, input_dim=3,
                  kernel_initializer=initializers.RandomUniform(-0.5, 0.5, seed=1), name="d")
    again = from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert from_config(Activation("softmax").get_config()).activation == "softmax"
    with pytest.raises(ValueError, match="class_name='Conv2D'"):
        from_config({"class_name": "Conv2D"})


# --- initializers ----------------------------------------------------------------------
def test_glorot_uniform_limit_and_reproducibility():
    a = initializers.GlorotUniform(seed=3)((200, 100))
    b = initializers.glorot_uniform(seed=3)((200, 100))
    np.testing.assert_array_equal(a, b)
    limit = math.sqrt(6 / 300)  # √(6/(fan_in + fan_out))
    assert np.abs(a).max() <= limit and np.abs(a).max() > 0.95 * limit


@pytest.mark.parametrize(("name", "std"), [
    ("glorot_normal", math.sqrt(2 / (400 + 300))),
    ("he_normal", math.sqrt(2 / 400)),
    ("he_uniform", math.sqrt(6 / 400) / math.sqrt(3)),  # U(−l, l) has std l/√3
    ("random_normal", 0.05),
])
def test_spread_of_random_initializers(name, std):
    w = initializers.get(name)((400, 300), rng=np.random.default_rng(0))
    assert w.std() == pytest.approx(std, rel=0.02), name


def test_own_seed_wins_over_the_callers_rng():
    init = initializers.HeNormal(seed=5)
    a = init((3, 3), rng=np.random.default_rng(1))
    b = initializers.HeNormal(seed=5)((3, 3), rng=np.random.default_rng(2))
    np.testing.assert_array_equal(a, b)


def test_rng_keyword_and_callers_rng():
    a = initializers.RandomUniform(-1, 1, rng=np.random.default_rng(9))((4,))
    b = initializers.RandomUniform(-1, 1)((4,), rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)
    assert a.min() >= -1 and a.max() < 1


def test_constant_initializers_draw_nothing():
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    np.testing.assert_array_equal(initializers.zeros()((2,), rng=rng), [0.0, 0.0])
    np.testing.assert_array_equal(initializers.ones()((1, 2), rng=rng), [[1.0, 1.0]])
    np.testing.assert_array_equal(initializers.constant(0.35)((2,), rng=rng), [0.35, 0.35])
    assert rng.bit_generator.state == state


def test_dtype_float32():
    assert initializers.GlorotUniform(seed=0)((2, 2), "float32").dtype == np.float32


def test_an_initializer_written_for_the_whole_weight_still_works():
    class Halves(initializers.Initializer):
        name = "halves"

        def _draw(self, shape, rng):  # the whole weight in one call
            return np.full(shape, 0.5) + rng.uniform(0, 1e-3, shape)

    for dtype in ("float64", "float32"):
        layer = Dense(3, kernel_initializer=Halves(seed=2))
        layer.build(4, dtype=dtype)
        expected = Halves(seed=2)((4, 3))
        np.testing.assert_array_equal(layer.kernel.data, expected.astype(dtype))
        assert layer.kernel.data.dtype == dtype


def test_initializer_out_must_be_a_contiguous_float_array_of_the_shape():
    init = initializers.GlorotUniform(seed=0)
    out = np.empty((4, 3))
    assert init((4, 3), out=out) is out
    with pytest.raises(ValueError, match=r"out must be .* shape \(4, 3\)\. Received: shape "
                                         r"\(3, 4\), dtype float64, C-contiguous True"):
        init((4, 3), out=np.empty((3, 4)))
    with pytest.raises(ValueError, match="C-contiguous False"):
        init((4, 3), out=np.empty((3, 4)).T)
    with pytest.raises(ValueError, match="dtype int64"):
        init((4, 3), out=np.empty((4, 3), np.int64))


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "random_uniform", "random_normal", "ones"])
@pytest.mark.parametrize("shape", [(3, 5), (8192,), (8193,), (300, 70)])
def test_float32_weights_are_the_float64_draw_rounded(name, shape):
    """float32 weights are drawn in chunks (no float64 copy of the whole kernel): the values
    are still exactly the one float64 draw's, rounded, and the generator ends where it would."""
    rng64, rng32 = np.random.default_rng(4), np.random.default_rng(4)
    w64 = initializers.get(name)(shape, "float64", rng=rng64)
    w32 = initializers.get(name)(shape, "float32", rng=rng32)
    assert w32.dtype == np.float32 and w32.shape == shape
    np.testing.assert_array_equal(w32, w64.astype(np.float32))
    assert rng32.bit_generator.state == rng64.bit_generator.state


def test_initializer_lookup_errors():
    with pytest.raises(ValueError, match="unknown initializer.*'orthogonal'.*glorot_uniform"):
        initializers.get("orthogonal")
    with pytest.raises(ValueError, match="minval < maxval"):
        initializers.random_uniform(1.0, -1.0)
    with pytest.raises(ValueError, match="seed= or rng="):
        initializers.GlorotUniform(seed=1, rng=np.random.default_rng(1))


def test_initializer_config_round_trip():
    init = initializers.RandomNormal(mean=1.0, stddev=0.5, seed=4)
    again = initializers.get(init.get_config())
    assert again.get_config() == init.get_config()
    np.testing.assert_array_equal(again((3,)), initializers.RandomNormal(1.0, 0.5, 4)((3,)))
