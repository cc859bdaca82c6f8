"""Problem files: a backpropagation exercise written in TOML, solved as a worked solution.

A problem file states the network, its weights (by the names the notation prints, or as
matrices), the examples, the learning rate, the loss, the convention and the source; the
format is described key by key in ``docs/problem-format.md``::

    >>> problem = load_problem('''
    ... [network]
    ... layers = [1, 1]
    ... activation = "linear"
    ... [weights]
    ... v1 = 0.5
    ... v0 = 0.0
    ... [[examples]]
    ... x = [2.0]
    ... t = 1.0
    ... [training]
    ... learning_rate = 0.1
    ... ''')
    >>> problem.solve().equation("s1.new.w.1.1.1").printed
    '0.5000'

Every error is a ``ValueError`` whose message starts with the file name (``<text>`` for a
problem given as text) and names the key.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from chainrule._util import toml
from chainrule._util.files import read_text
from chainrule._util.text import counted
from chainrule.calculus import losses
from chainrule.derive import explain
from chainrule.derive.api import check_size
from chainrule.derive.conventions import Conventions, get
from chainrule.derive.solution import WorkedSolution
from chainrule.teach.problems import replay
from chainrule.teach.problems import schema as schema
from chainrule.teach.problems import weights as problem_weights
from chainrule.teach.problems.replay import Published
from chainrule.teach.problems.weights import Layer

__all__ = ["Problem", "Source", "Published", "load_problem", "bundled", "bundled_names"]

_PRINTED = re.compile(r"-?[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class Source:
    """Where a problem comes from: a citation, an address and notes (published slips, what
    could not be verified); the notes are printed with the solution."""

    citation: str = ""
    url: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Problem:
    """A parsed problem file.

    Attributes:
        name: the file name (``<text>`` for text), the prefix of every error message.
        layers: per weight layer ``(kernel (in, out), bias (out,) or None, activation)`` in
            the engine's form ``y = activation(x @ kernel + bias)``.
        x, t: the examples, (n, inputs) and (n, outputs), in order.
        convention: the profile name; ``switches`` the file's overrides of it.
        marks: the file's ``[marks]`` table, a mark scheme for ``chainrule check``
            (``chainrule.teach.grading.marks``), kept as read.
    """

    name: str
    title: str
    layers: tuple[Layer, ...]
    x: np.ndarray
    t: np.ndarray
    learning_rate: float
    momentum: float = 0.0
    loss: str | None = None
    epochs: int = 1
    convention: str = "blog"
    switches: Mapping[str, Any] = field(default_factory=dict)
    source: Source = Source()
    published: tuple[Published, ...] = ()
    marks: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.layers[0][0].shape[0],) + tuple(k.shape[1] for k, _, _ in self.layers)

    def conventions(self, convention: str | None = None, *, decimals: Any = None,
                    carry: str | None = None, layout: str | None = None) -> Conventions:
        """The conventions to solve in: the file's, or profile ``convention`` (keeping the
        switches that change the problem's numbers), with ``decimals``/``carry``/``layout``
        on top."""
        try:
            c = _file_conventions(self)
            if convention is not None and convention != self.convention:
                kept = {k: getattr(c, k) for k in schema.PROBLEM_SWITCHES}
                if c.bias in ("shared", "none"):  # the parameters themselves differ
                    kept["bias"] = c.bias
                c = get(convention, error=c.error, momentum=c.momentum, **kept)
            return get(c, decimals=decimals, carry=carry, layout=layout)
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None

    def solve(self, convention: str | None = None, *, decimals: Any = None,
              carry: str | None = None, form: str = "scalar", batch_size: int | None = None,
              layout: str | None = None) -> WorkedSolution:
        """The worked solution, with the source's notes and a note on every published
        number that does not follow from the source's own rules (``replay``); ``form``,
        ``batch_size`` and ``layout`` as ``chainrule.derive.explain`` takes them."""

        c = self.conventions(convention, decimals=decimals, carry=carry, layout=layout)
        solution = self.explain(c, form=form, batch_size=batch_size)
        same = c == _file_conventions(self) and batch_size in (None, 1)
        comparisons = replay.compare(self, solution if same else None)
        notes = (*self.source.notes, *replay.notes(comparisons))
        if self.source.citation:
            notes = (f"Source: {self.source.citation}", *notes)
        meta = {**solution.meta, "problem": self.name, "source": dataclasses.asdict(self.source),
                "published": [dataclasses.asdict(c) for c in comparisons]}
        return dataclasses.replace(solution, notes=(*solution.notes, *notes), meta=meta)

    def explain(self, conventions: Conventions, epochs: int | None = None, *,
                form: str = "scalar", batch_size: int | None = None) -> WorkedSolution:
        """``chainrule.derive.explain`` on this problem, without notes or replay."""
        try:
            return explain(list(self.layers), self.x, self.t, learning_rate=self.learning_rate,
                           convention=conventions, epochs=epochs or self.epochs,
                           title=self.title, form=form, batch_size=batch_size)
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None


# --- loading --------------------------------------------------------------------------------
def load_problem(source: str | os.PathLike[str], *, name: str | None = None) -> Problem:
    """Read a problem from a file path or from TOML text (a string with a line break); a
    bare name that is no file (``"han_kamber"``, ``"han_kamber.toml"``) is the bundled
    problem of that name, as on the command line.

    Raises:
        ValueError: a TOML syntax error (with its line and column) or a bad key or value;
            the message starts with the file name.
        OSError: the file cannot be read (and no problem of that name is bundled).
    """
    if isinstance(source, str) and "\n" in source:
        text, label = source, name or "<text>"
    elif _bundled_name(source):
        return bundled(os.fspath(source))
    else:
        text, label = read_text(source), name or os.fspath(source)
    data = toml.parse(text, label)
    try:
        return _parse(data, label)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if message.startswith(label + ":") else f"{label}: {message}"
                         ) from None


def _bundled_name(source: str | os.PathLike[str]) -> bool:
    """Whether ``source`` is no file but the bare name of a bundled problem."""
    path = os.fspath(source)
    bare = "/" not in path and os.sep not in path
    return bare and not os.path.exists(path) and path.removesuffix(".toml") in bundled_names()


def bundled_names() -> list[str]:
    """The problems shipped with chainrule (``chainrule/examples/*.toml``), by name."""
    folder = resources.files("chainrule") / "examples"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def bundled(name: str) -> Problem:
    """A problem shipped with chainrule, by name (``"han_kamber"`` or ``"han_kamber.toml"``)."""
    stem = name[:-5] if name.endswith(".toml") else name
    if stem not in bundled_names():
        raise ValueError(f"no bundled problem named {name!r}; bundled problems: "
                         + ", ".join(bundled_names()))
    resource = resources.files("chainrule") / "examples" / f"{stem}.toml"
    return load_problem(resource.read_text(encoding="utf-8"), name=f"{stem}.toml")


def _parse(data: Mapping[str, Any], label: str) -> Problem:
    schema.check_keys(data, schema.TOP_KEYS, "top level")
    for required in ("network", "weights", "examples", "training"):
        if required not in data:
            raise ValueError(f"missing table [{required}]")
    sizes, activations = _network(schema.table(data["network"], "[network]"))
    training = schema.table(data["training"], "[training]")
    schema.check_keys(training, schema.TRAINING_KEYS, "[training]")
    loss = _loss(training.get("loss"))
    convention, switches = _convention(schema.table(data.get("convention", {}), "[convention]"))
    epochs = schema.integer(training.get("epochs", 1), "[training] epochs")
    examples = data["examples"]  # the work is bounded before 10⁸ weights are read or zeroed
    check_size(sizes, epochs * (len(examples) if isinstance(examples, list) else 1))
    base = Problem(
        name=label, title=schema.text(data.get("title", ""), "title"),
        layers=tuple((np.zeros((a, b)), np.zeros(b), act)
                     for a, b, act in zip(sizes, sizes[1:], activations)),
        x=np.zeros((1, sizes[0])), t=np.zeros((1, sizes[-1])),
        learning_rate=_learning_rate(training), momentum=_momentum(training), loss=loss,
        epochs=epochs,
        convention=convention, switches=switches, source=_source(data.get("source", {})),
        published=_published(data.get("published", {})),
        marks=dict(schema.table(data.get("marks", {}), "[marks]")),
    )
    x, t = _examples(data["examples"], sizes)
    layers = _weights(schema.table(data["weights"], "[weights]"), base)
    return dataclasses.replace(base, layers=layers, x=x, t=t)


def _network(network: Mapping[str, Any]) -> tuple[list[int], list[str]]:
    schema.check_keys(network, schema.NETWORK_KEYS, "[network]")
    if "layers" not in network:
        raise ValueError("[network] layers is missing: the units per layer, inputs first, "
                         "e.g. layers = [2, 2, 1]")
    layers = network["layers"]
    if not isinstance(layers, list) or len(layers) < 2:
        raise ValueError(f"[network] layers must list at least two layer sizes (inputs, "
                         f"outputs). Received: {layers!r}")
    sizes = [schema.integer(n, f"[network] layers[{i}]") for i, n in enumerate(layers)]
    if "activation" in network and "activations" in network:
        raise ValueError("[network]: give either activation (every layer) or activations "
                         "(one per layer), not both")
    if "activations" in network:
        acts = list(schema.texts(network["activations"], "[network] activations"))
        if len(acts) != len(sizes) - 1:
            raise ValueError("[network] activations must name "
                             f"{counted(len(sizes) - 1, 'activation')}, "
                             f"one per layer after the inputs. Received: {acts!r}")
    else:
        act = schema.text(network.get("activation", "sigmoid"), "[network] activation")
        acts = [act] * (len(sizes) - 1)
    return sizes, acts


def _loss(loss: Any) -> str | None:
    if loss is None:
        return None

    try:
        return losses.get(schema.text(loss, "[training] loss")).name
    except ValueError as exc:
        raise ValueError(f"[training] loss: {exc}") from None


def _learning_rate(training: Mapping[str, Any]) -> float:
    if "learning_rate" not in training:
        raise ValueError("[training] learning_rate is missing (η, α or l of the source)")
    rate = schema.number(training["learning_rate"], "[training] learning_rate")
    if rate <= 0:
        raise ValueError(f"[training] learning_rate must be positive. Received: {rate!r}")
    return rate


def _momentum(training: Mapping[str, Any]) -> float:
    momentum = schema.number(training.get("momentum", 0.0), "[training] momentum")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"[training] momentum must be in [0, 1). Received: {momentum!r}")
    return momentum


def _convention(table: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    schema.check_keys(table, schema.CONVENTION_KEYS, "[convention]")
    name = schema.text(table.get("name", "blog"), "[convention] name")
    switches = {k: v for k, v in table.items() if k != "name"}
    if isinstance(switches.get("decimals"), Mapping):
        switches["decimals"] = dict(switches["decimals"])
    try:
        get(name, **switches)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"[convention]: {exc}") from None
    return name, switches


def _file_conventions(problem: Problem) -> Conventions:
    """The profile with the file's switches; a decimals table overrides only its kinds."""
    switches = dict(problem.switches)
    base = get(problem.convention, error=problem.loss, momentum=problem.momentum)
    decimals = switches.pop("decimals", None)
    if isinstance(decimals, Mapping):
        decimals = {**dict(base.decimals), **decimals}
    return get(base, decimals=decimals, **switches)


def _source(value: Any) -> Source:
    table = schema.table(value, "[source]")
    schema.check_keys(table, schema.SOURCE_KEYS, "[source]")
    return Source(citation=schema.text(table.get("citation", ""), "[source] citation"),
                  url=schema.text(table.get("url", ""), "[source] url"),
                  notes=schema.texts(table.get("notes", []), "[source] notes"))


def _published(value: Any) -> tuple[Published, ...]:
    entries = []
    for key, entry in schema.table(value, "[published]").items():
        where = f"[published] {key!r}"
        if isinstance(entry, Mapping):
            schema.check_keys(entry, schema.PUBLISHED_KEYS, where)
            printed, product = entry.get("printed"), schema.texts(entry.get("product", []),
                                                                    f"{where} product")
        else:
            printed, product = entry, ()
        printed = schema.text(printed, f"{where} printed (the source's digits as a string, "
                                       f"e.g. \"0.1311\")")
        if not _PRINTED.match(printed):
            raise ValueError(f"{where}: expected a decimal number written as a string, with "
                             f"an ASCII minus, e.g. \"-0.0065\". Received: {printed!r}")
        entries.append(Published(key, printed, product))
    return tuple(entries)


def _examples(value: Any, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(value, list) or not value:
        raise ValueError("[[examples]] must hold at least one example, each a table with x "
                         f"and t. Received: {value!r}")
    xs, ts = [], []
    for n, example in enumerate(value, start=1):
        where = f"[[examples]] #{n}"
        example = schema.table(example, where)
        schema.check_keys(example, schema.EXAMPLE_KEYS, where)
        for key in ("x", "t"):
            if key not in example:
                raise ValueError(f"{where}: missing {key}")
        xs.append(schema.vector(example["x"], f"{where} x", sizes[0]))
        ts.append(schema.vector(example["t"], f"{where} t", sizes[-1]))
    return np.array(xs), np.array(ts)


def _weights(table: Mapping[str, Any], base: Problem) -> tuple[Layer, ...]:
    return problem_weights.assemble(table, base.layers, _file_conventions(base))
