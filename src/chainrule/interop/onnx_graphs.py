"""Dense stacks as ONNX graphs: written with the ``onnx`` package, read back from any
exporter that writes ``Gemm`` or ``MatMul`` + ``Add`` and elementwise activation nodes.

The graph written has one input ``x`` (batch, in) and one output ``y`` (batch, out); per
layer a ``Gemm`` (``y = x·B + C``, ``B`` the kernel (in, out), ``transB = 0``) and, unless
the layer is linear, one activation node. Opset 17, float32 unless asked otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule._util import files
from chainrule.calculus.activations import LEAKY_RELU_ALPHA
from chainrule.interop._optional import require
from chainrule.interop.stack import Stack, from_model

__all__ = ["export_onnx", "read", "OPSET"]

OPSET = 17
#: ONNX operator → chainrule activation
ONNX_ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu",
                    "LeakyRelu": "leaky_relu", "Softplus": "softplus", "Softmax": "softmax"}
_OPERATORS = {act: op for op, act in ONNX_ACTIVATIONS.items()}


def export_onnx(model: Any, path: Any, dtype: str = "float32") -> None:
    """Write ``model`` (a built chainrule ``Sequential`` of ``Dense`` layers) to the ONNX file
    ``path`` (atomically), its weights in ``dtype`` (``float32`` or ``float64``)."""
    onnx = require("onnx", "export_onnx")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={dtype!r}")
    read = from_model(model)
    element = onnx.TensorProto.FLOAT if dtype == "float32" else onnx.TensorProto.DOUBLE
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    nodes, weights, current = [], [], "x"
    for number, (kernel, bias, act) in enumerate(read.layers, start=1):
        if act not in ("linear", *_OPERATORS):
            raise ValueError(f"layer {number}: ONNX has no operator for activation {act!r}; "
                             f"exportable: linear, {', '.join(_OPERATORS)}")
        names = [f"kernel_{number}"] + ([f"bias_{number}"] if bias is not None else [])
        weights += [numpy_helper.from_array(np.asarray(w, dtype), name)
                    for w, name in zip((kernel, bias), names)]
        nodes.append(helper.make_node("Gemm", [current, *names], [f"net_{number}"],
                                      name=f"dense_{number}"))
        current = f"net_{number}"
        if act != "linear":
            nodes.append(_activation_node(helper, act, current, f"out_{number}", number))
            current = f"out_{number}"
    nodes[-1].output[0] = "y"
    graph = helper.make_graph(
        nodes, "chainrule", [helper.make_tensor_value_info("x", element, [None, read.sizes[0]])],
        [helper.make_tensor_value_info("y", element, [None, read.sizes[-1]])], weights)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="chainrule")
    proto.ir_version = 8  # the version of opset 17, which runtimes of its time read
    onnx.checker.check_model(proto)
    files.write_bytes_atomic(path, proto.SerializeToString())


def _activation_node(helper: Any, act: str, source: str, target: str, number: int) -> Any:
    extra: dict[str, Any] = {}
    if act == "leaky_relu":
        extra["alpha"] = LEAKY_RELU_ALPHA
    elif act == "softmax":
        extra["axis"] = -1
    return helper.make_node(_OPERATORS[act], [source], [target], name=f"{act}_{number}",
                            **extra)


def read(data: bytes, where: str = "the ONNX model") -> Stack:
    """The dense stack of an ONNX model's bytes (see the module doc for the nodes read)."""
    onnx = require("onnx", "from_onnx")
    try:
        proto = onnx.load_from_string(data)
    except Exception as exc:  # the protobuf parser raises its own DecodeError
        raise ValueError(f"{where} is not an ONNX model: {exc}") from None
    graph = proto.graph
    known = {w.name: onnx.numpy_helper.to_array(w) for w in graph.initializer}
    layers: list[list[Any]] = []
    for node in graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type in ("Gemm", "MatMul"):
            layers.append(_linear(node, attrs, known, where))
        elif node.op_type == "Add" and layers and layers[-1][1] is None \
                and layers[-1][2] == "linear":
            layers[-1][1] = _constant(node.input[1], known, node, where).reshape(-1)
        elif node.op_type in ONNX_ACTIVATIONS and layers and layers[-1][2] == "linear":
            layers[-1][2] = _activation(node, attrs, where)
        elif node.op_type != "Identity":
            raise ValueError(f"{where}: cannot read node {node.name or node.op_type!r} "
                             f"({node.op_type}); a dense stack has Gemm or MatMul + Add and "
                             f"{', '.join(ONNX_ACTIVATIONS)}")
    if not layers:
        raise ValueError(f"{where} has no Gemm or MatMul node")
    return Stack(tuple((k, b, a) for k, b, a in layers))


def _constant(name: str, known: dict[str, np.ndarray], node: Any, where: str) -> np.ndarray:
    if name not in known:
        raise ValueError(f"{where}: node {node.name or node.op_type!r} needs {name!r} to be a "
                         "stored weight (an initializer)")
    return known[name]


def _linear(node: Any, attrs: dict[str, Any], known: dict[str, np.ndarray],
            where: str) -> list[Any]:
    kernel = _constant(node.input[1], known, node, where)
    if node.op_type == "MatMul":
        return [kernel, None, "linear"]
    if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
        raise ValueError(f"{where}: Gemm {node.name!r} is read with alpha = beta = 1 and "
                         f"transA = 0. Received: {attrs}")
    kernel = kernel.T if attrs.get("transB", 0) else kernel
    bias = _constant(node.input[2], known, node, where).reshape(-1) if len(node.input) > 2 \
        and node.input[2] else None
    return [np.ascontiguousarray(kernel), bias, "linear"]


def _activation(node: Any, attrs: dict[str, Any], where: str) -> str:
    if node.op_type == "LeakyRelu" and not np.isclose(attrs.get("alpha", 0.01),
                                                      LEAKY_RELU_ALPHA, rtol=1e-6):
        raise ValueError(f"{where}: LeakyRelu is read with alpha {LEAKY_RELU_ALPHA} only. "
                         f"Received: alpha={attrs['alpha']!r}")
    if node.op_type == "Softmax" and attrs.get("axis", -1) not in (-1, 1):
        raise ValueError(f"{where}: Softmax is read on the last axis. Received: "
                         f"axis={attrs['axis']!r}")
    return ONNX_ACTIVATIONS[node.op_type]
