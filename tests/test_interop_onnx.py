"""ONNX round trips: chainrule → ONNX → onnxruntime (float32, 1e-6) → chainrule."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import chainrule as cr  # noqa: E402

X = np.random.default_rng(3).normal(size=(6, 3))


def run(path, x, dtype=np.float32):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.astype(dtype)})[0]


@pytest.mark.parametrize("hidden, output", [
    ("sigmoid", "softmax"), ("tanh", "linear"), ("relu", "sigmoid"),
    ("leaky_relu", "softplus"), ("linear", "tanh"),
])
def test_export_runs_in_onnxruntime_and_reads_back(tmp_path, hidden, output):
    model = cr.Sequential([cr.layers.Dense(5, activation=hidden, input_dim=3),
                           cr.layers.Dense(2, activation=output)], seed=2)
    path = tmp_path / "model.onnx"
    cr.export_onnx(model, path)
    np.testing.assert_allclose(run(path, X), model.predict(X), rtol=0, atol=1e-6)
    back = cr.from_onnx(path)
    np.testing.assert_allclose(back.predict(X), model.predict(X), rtol=0, atol=1e-6)
    assert [layer.activation for layer in back.layers] == [hidden, output]


def test_float64_export_keeps_every_digit(tmp_path):
    model = cr.Sequential([cr.layers.Dense(3, activation="tanh", input_dim=3),
                           cr.layers.Dense(1, use_bias=False)], seed=4)
    path = tmp_path / "model.onnx"
    model.export_onnx(path, dtype="float64")
    np.testing.assert_allclose(run(path, X, np.float64), model.predict(X), rtol=0, atol=1e-14)
    back = cr.from_onnx(path)
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_matmul_and_add_graphs_and_transposed_gemm_are_read(tmp_path):
    rng = np.random.default_rng(5)
    w1, b1 = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32)
    w2, b2 = rng.normal(size=(2, 4)).astype(np.float32), rng.normal(size=2).astype(np.float32)
    h, tensors = onnx.helper, onnx.numpy_helper
    nodes = [h.make_node("MatMul", ["x", "w1"], ["m1"]), h.make_node("Add", ["m1", "b1"], ["a1"]),
             h.make_node("Relu", ["a1"], ["r1"]),
             h.make_node("Gemm", ["r1", "w2", "b2"], ["g2"], transB=1),
             h.make_node("Sigmoid", ["g2"], ["y"])]
    graph = h.make_graph(nodes, "by-hand",
                         [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [None, 3])],
                         [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [None, 2])],
                         [tensors.from_array(a, n) for a, n in
                          ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))])
    proto = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    proto.ir_version = 8
    path = tmp_path / "hand.onnx"
    onnx.save(proto, str(path))
    model = cr.from_onnx(path)
    np.testing.assert_allclose(model.predict(X), run(path, X), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(model.get_weights()[2], w2.T)  # Gemm transB: weight[out, in]


def test_an_operator_outside_a_dense_stack_is_named(tmp_path):
    h = onnx.helper
    graph = h.make_graph([h.make_node("Conv", ["x", "w"], ["y"], name="conv_1")], "conv",
                         [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 3, 3])],
                         [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    path = tmp_path / "conv.onnx"
    onnx.save(h.make_model(graph), str(path))
    with pytest.raises(ValueError, match="'conv_1' \\(Conv\\)"):
        cr.from_onnx(path)


def test_a_file_that_is_not_onnx_is_refused(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\xff\x00not a model")
    with pytest.raises(ValueError, match="junk.onnx"):
        cr.from_onnx(path)
