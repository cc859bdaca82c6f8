"""The one id scheme of a worked solution's equations: every id is built and read here.

An id is stable, convention-independent and readable: the step (``s1`` … ``sN``), the
quantity, then layer and unit numbers counted from 1 (layer 0 is the input)::

    s1.x.2          input 2            s1.net.1.2      net input of unit 2 of layer 1
    s1.t.1          target 1           s1.out.2.1      output of unit 1 of layer 2
    s1.E            the error          s1.E.2          output 2's share of the error
    s1.e.1          e = t − y of output 1 (written as its own line)
    s1.dout.1.2     ∂E/∂out (or δ_in)  s1.dout.1.2.1   its part through output 1 (Mazur)
    s1.fp.1.2       f′(net)            s1.delta.1.2    δ
    s1.w.2.1.1      a parameter at the start of the step (``w.l.i.j``, ``b.l.j``, ``b.l``)
    s1.grad.w.2.1.1 ∂E/∂w              s1.change.w.2.1.1  Δw
    s1.new.w.2.1.1  w⁺                 loss.1          the mean error of epoch 1
    s1.m.w.2.1.1    Adam's moments m   s1.v.w.2.1.1    and v of a parameter after the step
    w.2.1.1         a given parameter  eta, mu         the learning rate, the momentum
    beta1, beta2, eps                  Adam's β₁, β₂ and ε

The matrix form (``derive/matrix.py``) names each whole matrix ``<step>.M.<name>.<layer>``
(``s1.M.net.1``: z⁽¹⁾ of step 1). Online, its entries are the scalar ids above. A mini-batch
step ``b1`` (``batch``) has no scalar equations: row r of it is the step ``b1.r2``
(``batch_row``), so its entries read ``b1.r2.net.1.2``, and the batch's mean error,
gradients and updates ``b1.E``, ``b1.grad.w.1.2.1``, ``b1.new.w.1.2.1``.

A parameter's key is ``("w", l, i, j)`` (from unit i of layer l − 1 to unit j of layer l),
``("b", l, j)`` or ``("b", l)`` (a bias shared by layer l).

>>> net("s1", 1, 2), updated("s2", ("w", 2, 1, 1)), parse("s2.new.w.2.1.1")
('s1.net.1.2', 's2.new.w.2.1.1', Id(step='s2', name='new', index=('w', 2, 1, 1)))
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "Id", "ETA", "MU", "step", "step_number", "param", "param_key", "x", "t", "net", "out",
    "error", "error_term", "signal", "dout", "dout_term", "fprime", "delta", "weight",
    "gradient", "change", "updated", "moment", "loss", "parse", "unparse",
    "BETA1", "BETA2", "EPS", "GIVEN_RATES", "batch", "batch_row", "matrix",
]

ETA, MU = "eta", "mu"
BETA1, BETA2, EPS = "beta1", "beta2", "eps"
#: The given rates of the optimizer, printed exactly as given.
GIVEN_RATES = (ETA, MU, BETA1, BETA2, EPS)
#: Step quantities indexed by a parameter key.
_BY_PARAM = ("grad", "change", "new", "m", "v")
_PARAMETER_KINDS = ("w", "b")
#: Names of the quantities that follow a step id, in the order a step computes them.
STEP_NAMES = ("x", "t", "w", "b", "net", "out", "E", "e", "dout", "fp", "delta", "grad", "m",
              "v", "change", "new")


class Id(NamedTuple):
    """A parsed id: ``step`` (``None`` for solution-level ids), the quantity's ``name``
    (``param`` for a parameter's value), and its ``index`` (unit numbers, or a parameter key
    for param, grad, m, v, change and new)."""

    step: str | None
    name: str
    index: tuple


def step(n: int) -> str:
    """The id of step ``n`` (from 1)."""
    return f"s{n}"


def batch(n: int) -> str:
    """The id of mini-batch step ``n`` (from 1) of the matrix form."""
    return f"b{n}"


def batch_row(batch_id: str, row: int) -> str:
    """Row ``row`` (from 1) of a mini-batch step, used as a step id: ``b1.r2``."""
    return f"{batch_id}.r{row}"


def matrix(step_id: str, name: str, layer: int | None = None) -> str:
    """A whole matrix of the matrix form: ``matrix("s1", "net", 1)`` → ``s1.M.net.1``."""
    return f"{step_id}.M.{name}" + ("" if layer is None else f".{layer}")


def step_number(step_id: str) -> int | None:
    """``"s3"`` → 3; ``None`` for anything that is not a step id."""
    head, digits = step_id[:1], step_id[1:]
    return int(digits) if head == "s" and digits.isdigit() else None


def param(key: tuple) -> str:
    """``("w", 1, 2, 1)`` → ``"w.1.2.1"``."""
    return ".".join(str(p) for p in key)


def param_key(pid: str) -> tuple:
    """``"w.1.2.1"`` → ``("w", 1, 2, 1)``."""
    kind, *numbers = pid.split(".")
    return (kind, *(int(n) for n in numbers))


def _join(step_id: str, name: str, *index: object) -> str:
    return ".".join((step_id, name, *(str(i) for i in index)))


def x(step_id: str, i: int) -> str:
    return _join(step_id, "x", i)


def t(step_id: str, k: int) -> str:
    return _join(step_id, "t", k)


def net(step_id: str, layer: int, j: int) -> str:
    return _join(step_id, "net", layer, j)


def out(step_id: str, layer: int, j: int) -> str:
    """Output of unit j of ``layer``; layer 0 is the input x_j."""
    return x(step_id, j) if layer == 0 else _join(step_id, "out", layer, j)


def error(step_id: str) -> str:
    return _join(step_id, "E")


def error_term(step_id: str, k: int) -> str:
    return _join(step_id, "E", k)


def signal(step_id: str, k: int) -> str:
    return _join(step_id, "e", k)


def dout(step_id: str, layer: int, j: int) -> str:
    return _join(step_id, "dout", layer, j)


def dout_term(step_id: str, layer: int, j: int, k: int) -> str:
    return _join(step_id, "dout", layer, j, k)


def fprime(step_id: str, layer: int, j: int) -> str:
    return _join(step_id, "fp", layer, j)


def delta(step_id: str, layer: int, j: int) -> str:
    return _join(step_id, "delta", layer, j)


def weight(step_id: str | None, key: tuple) -> str:
    """A parameter at the start of step ``step_id`` (``None``: its given value)."""
    return param(key) if step_id is None else f"{step_id}.{param(key)}"


def gradient(step_id: str, key: tuple) -> str:
    return _join(step_id, "grad", param(key))


def change(step_id: str, key: tuple) -> str:
    return _join(step_id, "change", param(key))


def updated(step_id: str, key: tuple) -> str:
    return _join(step_id, "new", param(key))


def moment(step_id: str, key: tuple, order: int) -> str:
    """Adam's first (``order`` 1, m) or second (2, v) moment of a parameter after the step."""
    return _join(step_id, "m" if order == 1 else "v", param(key))


def loss(epoch: int) -> str:
    return f"loss.{epoch}"


def parse(qid: str) -> Id:
    """An id's parts; raises ``ValueError`` for a string that is not an id."""
    parts = qid.split(".")
    head = parts[0]
    if step_number(head) is None:
        if head in _PARAMETER_KINDS:
            return Id(None, "param", param_key(qid))
        if head == "loss":
            return Id(None, head, tuple(int(p) for p in parts[1:]))
        if head in GIVEN_RATES and len(parts) == 1:
            return Id(None, head, ())
        raise ValueError(f"not an equation id: {qid!r}")
    if len(parts) < 2 or parts[1] not in STEP_NAMES:
        raise ValueError(f"not an equation id: {qid!r}")
    name = parts[1]
    if name in _BY_PARAM:
        return Id(head, name, param_key(".".join(parts[2:])))
    if name in _PARAMETER_KINDS:
        return Id(head, "param", param_key(".".join(parts[1:])))
    return Id(head, name, tuple(int(p) for p in parts[2:]))


def unparse(parsed: Id) -> str:
    """The id ``parse`` read ``parsed`` from."""
    step_id, name, index = parsed
    if name == "param":
        return weight(step_id, index)
    if step_id is None:
        return ".".join((name, *(str(i) for i in index)))
    if name in _BY_PARAM:
        return _join(step_id, name, param(index))
    return _join(step_id, name, *index)
