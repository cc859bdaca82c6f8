"""``Sequential``: a stack of layers with ``compile / fit / evaluate / predict``.

The training objective of a batch is the mean of its per-example losses. ``fit`` orders the
examples with ``rng = np.random.default_rng(seed)``: each epoch ``order = rng.permutation(n)``
when ``shuffle``, else ``arange(n)``, and the batches are ``order[i : i + batch_size]``.

>>> import numpy as np
>>> from chainrule.nn.layers import Dense
>>> model = Sequential([Dense(2, "sigmoid", input_dim=2), Dense(1, "sigmoid")], seed=0)
>>> model.compile(loss="half_sse", optimizer="sgd")
>>> x, y = np.array([[0.0, 1.0]]), np.array([[1.0]])
>>> loss = model.train_step(x, y)
>>> model.predict(x).shape
(1, 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, no_grad
from chainrule.nn import checks, io, losses, optimizers, training
from chainrule.nn import metrics as metric_lib
from chainrule.nn.callbacks import Callback, History
from chainrule.nn.delegations import Delegations
from chainrule.nn.fused import select
from chainrule.nn.layers import Layer
from chainrule.nn.layers import from_config as layer_from_config
from chainrule.nn.progress import format_logs, resolve_verbose
from chainrule.nn.summary import summary_html, summary_table

__all__ = ["Sequential"]

Validation = tuple[np.ndarray, np.ndarray]


class Sequential(Delegations):
    """Layers applied in order: ``out = layer_L(… layer_1(x))``.

    Args:
        layers: the layers, first to last (more can be added with :meth:`add`).
        seed: the seed of the generator the weights are drawn from, in layer order
            (kernel, then bias); an initializer with a seed of its own uses that instead.
        dtype: ``"float64"`` (default: printed digits match hand calculation) or
            ``"float32"``.

    Attributes:
        layers: the layers. ``loss``: the loss's name (or custom callable) after compile.
        optimizer: the optimizer after compile. ``stop_training``: set by callbacks.
    """

    def __init__(self, layers: Sequence[Layer] | None = None, seed: int | None = None,
                 dtype: Any = "float64", name: str = "sequential") -> None:
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64'. Received: dtype={dtype!r}")
        self.seed, self.name = seed, name
        self.layers: list[Layer] = []
        self.built = False
        self.loss: Any = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metrics: list[str] = []
        self.fast = True
        self.stop_training = False
        self.history: History | None = None  # the last fit's, as Keras keeps it
        if isinstance(layers, Layer):
            raise ValueError(f"Sequential takes a list of layers. Received: {layers!r}")
        for layer in layers or []:
            self.add(layer)

    # --- structure --------------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        """Append ``layer``, naming it ``dense``, ``dense_1``, … unless it has a name."""
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential takes layers. Received: {layer!r}")
        if any(layer is other for other in self.layers):
            raise ValueError(f"layer {layer.name!r} is already in the model")
        taken = {other.name for other in self.layers}
        if layer.name is None:
            k, name = 0, layer.kind
            while name in taken:
                k += 1
                name = f"{layer.kind}_{k}"
            layer.name = name
        elif layer.name in taken:
            raise ValueError(f"layer names must be unique. Received: name={layer.name!r}")
        self.layers.append(layer)
        if self.built:
            layer.build(self._width_before(len(self.layers) - 1), rng=self._rng,
                        dtype=self.dtype)

    @property
    def input_dim(self) -> int | None:
        return self.layers[0].input_dim if self.layers else None

    @property
    def output_units(self) -> int | None:
        return self._width_before(len(self.layers))

    def _width_before(self, index: int) -> int | None:
        width = self.input_dim
        for layer in self.layers[:index]:
            width = layer.output_units(width)
        return width

    def build(self, input_dim: int | None = None) -> None:
        """Draw every weight from ``np.random.default_rng(seed)`` in layer order."""
        if self.built:
            return
        if not self.layers:
            raise ValueError("the model has no layers: add some before using it")
        width = input_dim if input_dim is not None else self.input_dim
        if width is None:
            raise ValueError(
                "the model does not know its input width yet: give the first layer "
                "input_dim=..., or call fit / predict first"
            )
        self._rng = np.random.default_rng(self.seed)
        for layer in self.layers:
            if not layer.built:
                layer.build(width, rng=self._rng, dtype=self.dtype)
            width = layer.output_units(width)
        self.built = True

    @property
    def trainable_weights(self) -> list[Tensor]:
        """Every kernel and bias Tensor, in Keras order."""
        return [w for layer in self.layers for w in layer.weights]

    def count_params(self) -> int:
        self.build()
        return sum(layer.count_params() for layer in self.layers)

    # --- compiling --------------------------------------------------------------------
    def compile(self, *, loss: Any, optimizer: Any = "sgd",
                metrics: Sequence[str] | None = None, fast: bool = True) -> None:
        """Choose the loss (name or callable), the optimizer (name, config or instance) and
        the metrics (``"accuracy"``, ``"binary_accuracy"``, ``"categorical_accuracy"``,
        ``"mse"``).

        With ``fast=True`` (the default) ``fit`` trains on the fused trainer of
        ``chainrule.fast`` — the same math without a graph per step — whenever the model
        qualifies (Dense stacks with a standard loss, SGD or Adam; with training metrics on
        its NumPy loop, which computes them), and on the general engine otherwise.
        ``fast=False`` always uses the general engine.
        """
        losses.get(loss)
        last = self.layers[-1] if self.layers else None
        if getattr(last, "units", None) == 1 and getattr(last, "activation", None) == "softmax":
            raise ValueError("a softmax over one unit is always 1.0 and cannot learn; give the "
                             "last layer 2 units or more, or use a sigmoid output")
        self.loss = losses.name_of(loss) or loss
        self.optimizer = optimizers.get(optimizer)
        self.metrics = metric_lib.check(metrics)
        self.fast = bool(fast)

    def _require_compiled(self, what: str) -> None:
        if self.optimizer is None:
            raise ValueError(f"call compile(loss=..., optimizer=...) before {what}()")

    def _metric_functions(self) -> list[metric_lib.Metric]:
        return metric_lib.resolve(self.metrics, self.output_units, self.layers[-1].activation)

    # --- computing --------------------------------------------------------------------
    def __call__(self, x: Any) -> Tensor:
        """The output Tensor for inputs ``x`` (batch, in), with its graph."""
        h = x if isinstance(x, Tensor) else Tensor(x, dtype=self.dtype)
        if not self.built and h.ndim == 2:
            self.build(h.shape[1])  # from the model's seed, not each layer's own draw
        for layer in self.layers:
            h = layer(h)
        return h

    def _losses_and_outputs(self, x: np.ndarray, y: np.ndarray, need_outputs: bool
                            ) -> tuple[Tensor, np.ndarray | None]:
        """Per-example losses (batch,) with their graph, and the outputs if needed.

        A sigmoid + binary_crossentropy or softmax + categorical_crossentropy output computes
        the loss from the last layer's pre-activation by the fused stable form.
        """
        h = Tensor(x)
        for layer in self.layers[:-1]:
            h = layer(h)
        last = self.layers[-1]
        net = last.linear(h)
        fused = losses.fused(self.loss, last.activation)
        if fused is not None:
            per_example = fused(y, net)
            out = None
            if need_outputs:
                with no_grad():
                    out = last.activate(net.detach()).data
        else:
            output = last.activate(net)
            per_example = losses.get(self.loss)(y, output)
            out = output.data
        if per_example.shape != (x.shape[0],):
            raise ValueError(
                f"a loss must return one value per example, shape ({x.shape[0]},). "
                f"Received: shape {per_example.shape} from loss={self.loss!r}"
            )
        return per_example, out

    def compute_loss(self, x: Any, y: Any) -> Tensor:
        """The batch objective: the mean of the per-example losses, a scalar Tensor with its
        graph (call ``.backward()`` for the gradients)."""
        self._require_compiled("compute_loss")
        x, y = self._prepare(x, y)
        return self._losses_and_outputs(x, y, need_outputs=False)[0].mean()

    def train_step(self, x: Any, y: Any) -> float:
        """One update on one batch: forward, the mean loss, backward, an optimizer step.

        Returns the batch's loss before the update.
        """
        self._require_compiled("train_step")
        x, y = self._prepare(x, y)
        return float(self._step(x, y, need_outputs=False)[0].sum()) / x.shape[0]

    def _step(self, x: np.ndarray, y: np.ndarray, need_outputs: bool
              ) -> tuple[np.ndarray, np.ndarray | None]:
        per_example, out = self._losses_and_outputs(x, y, need_outputs)
        params = self.trainable_weights
        for w in params:
            w.zero_grad()
        per_example.mean().backward()
        self.optimizer.step(params)
        return per_example.data, out

    def _prepare(self, x: Any, y: Any, prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
        x = checks.as_inputs(x, self.input_dim, self.dtype, name=f"{prefix}x")
        self.build(x.shape[1])
        y = checks.as_targets(y, x.shape[0], self.output_units, self.dtype,
                              name=f"{prefix}y", layer=self.layers[-1].name)
        return x, y

    # --- training ---------------------------------------------------------------------
    def fit(self, x: Any, y: Any, epochs: int = 1, batch_size: int | None = 32,
            shuffle: bool = True, validation_split: float = 0.0,
            validation_data: tuple[Any, Any] | None = None,
            callbacks: Sequence[Callback] | None = None, verbose: Any = "auto",
            seed: int | None = None) -> History:
        """Train for ``epochs`` passes over ``(x, y)`` and return the :class:`History`.

        Shapes: x (n, in), y (n, outputs) (a 1-D y for one output). ``batch_size=1`` is
        online training. ``validation_split`` holds out the last fraction of the rows
        before shuffling; ``validation_data=(x_val, y_val)`` takes precedence. The epoch's
        ``loss`` is the mean of the per-example losses of its forward passes (each before
        its update); ``val_*`` use the weights at the end of the epoch.
        """
        self._require_compiled("fit")
        epochs = checks.positive_int("epochs", epochs)
        batch_size = checks.positive_int("batch_size", batch_size, allow_none=True) or 32
        verbose = resolve_verbose(verbose)
        validation_split = checks.check_validation_split(validation_split)
        x, y = self._prepare(x, y)
        if validation_data is not None:
            validation = self._validation_pair(validation_data)
        else:
            x, y, x_val, y_val = checks.split_validation(x, y, validation_split)
            validation = None if x_val is None else (x_val, y_val)
        history = History()
        callback_list = training.callback_list(self, [history, *(callbacks or ())], verbose, x, y, {
            "epochs": epochs, "batch_size": batch_size, "samples": x.shape[0],
            "verbose": verbose, "metrics": self.metrics_names(validation is not None),
        })
        self.stop_training = False
        callback_list.on_train_begin()
        orders = training.Orders(x.shape[0], shuffle, seed)
        trainer = select(self, loss=self.loss, optimizer=self.optimizer,
                         dtype=self.dtype) if self.fast else None
        if trainer is not None:
            logs = training.run_epochs(self, trainer, x, y, orders, epochs, batch_size,
                                       callback_list, validation)
        else:
            logs = training.run_general(self, x, y, orders, epochs, batch_size, callback_list,
                                        validation)
        callback_list.on_train_end(logs)
        self.history = history
        return history

    def _validation_pair(self, validation_data: Any) -> Validation:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(
                "validation_data must be a pair (x_val, y_val). "
                f"Received: {type(validation_data).__name__}"
            )
        return self._prepare(*validation_data, prefix="val_")

    def metrics_names(self, validation: bool = False) -> list[str]:
        """``["loss", *metrics]`` (and their ``val_`` twins with ``validation=True``)."""
        names = ["loss", *self.metrics]
        return names + [f"val_{n}" for n in names] if validation else names

    # --- evaluating -------------------------------------------------------------------
    def evaluate(self, x: Any, y: Any, batch_size: int | None = None, verbose: Any = 0,
                 return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """The mean per-example loss (and metrics) over ``(x, y)``, without training.

        Returns the loss alone when there are no metrics, else ``[loss, *metrics]``
        (a dict with ``return_dict=True``), as Keras.
        """
        self._require_compiled("evaluate")
        batch_size = checks.positive_int("batch_size", batch_size, allow_none=True)
        x, y = self._prepare(x, y)
        logs = training.evaluate_logs(self, x, y, batch_size)
        if resolve_verbose(verbose):
            print(f"Evaluate{format_logs(logs)}")
        if return_dict:
            return logs
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def predict(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """The outputs for inputs ``x``: (n, in) → (n, outputs)."""
        batch_size = checks.positive_int("batch_size", batch_size, allow_none=True)
        if not self.layers:
            raise ValueError("the model has no layers: add some before using it")
        x = checks.as_inputs(x, self.input_dim, self.dtype)
        self.build(x.shape[1])
        size = batch_size or x.shape[0]
        with no_grad():
            parts = [self(x[i:i + size]).data for i in range(0, x.shape[0], size)]
        return np.concatenate(parts, axis=0)

    # --- weights, config, saving -----------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights: kernel then bias, layer by layer (Keras order)."""
        self.build()
        return [w.data.copy() for w in self.trainable_weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set the weights from arrays in :meth:`get_weights` order, checking every shape."""
        weights = list(weights)
        if not self.built and self.input_dim is None and weights:
            self.build(int(np.shape(weights[0])[0]))
        self.build()
        slots = [(layer.name, name, w) for layer in self.layers
                 for name, w in zip(layer.weight_names(), layer.weights)]
        arrays = checks.as_weights(weights, [(n, k, w.shape) for n, k, w in slots], self.dtype)
        for (_, _, w), array in zip(slots, arrays):
            if w.data.dtype == array.dtype and w.data.flags.writeable:
                np.copyto(w.data, array)  # in place: a Dense layer's kernel and bias share one
            else:  # array; a weight of another dtype, or read-only, is replaced as it was
                w.data = array

    def summary(self, print_fn: Any = print) -> str:
        """Print (with ``print_fn``; None prints nothing) and return the summary table."""
        self.build()
        text = summary_table(self)
        if print_fn is not None:
            print_fn(text)
        return text

    def get_config(self) -> dict[str, Any]:
        """The architecture as plain data (JSON-ready)."""
        return {
            "name": self.name, "seed": self.seed, "dtype": self.dtype.name,
            "input_dim": self.input_dim,
            "layers": [layer.get_config() for layer in self.layers],
        }

    def get_compile_config(self) -> dict[str, Any] | None:
        """The loss, optimizer and metrics as plain data, or None if not compiled (or the
        loss is a custom callable, which cannot be saved)."""
        if self.optimizer is None or not isinstance(self.loss, str):
            return None
        return {"loss": self.loss, "optimizer": self.optimizer.get_config(),
                "metrics": list(self.metrics)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        """An unbuilt model from :meth:`get_config`'s output."""
        layers = [layer_from_config(c) for c in config["layers"]]
        return cls(layers, seed=config.get("seed"), dtype=config.get("dtype", "float64"),
                   name=config.get("name", "sequential"))

    def save(self, path: Any) -> None:
        """Save to ``path`` (an ``.npz``; see :func:`chainrule.nn.io.save`)."""
        io.save(self, path)

    def __repr__(self) -> str:
        return f"Sequential([{', '.join(map(repr, self.layers))}])"

    def _repr_html_(self) -> str | None:
        """In a notebook, a built model shows its summary as a table; an unbuilt one its
        ``repr`` (displaying a model never builds it)."""
        return summary_html(self) if self.built else None
