"""Fuzzing every file the command line reads: problem files, answer sheets, CSVs, ``.npz``
and ``.npy`` files, well-formed but extreme and malformed, and the options of ``train`` and
``explain``, through ``chainrule.cli.main`` in-process. Each case ends with exit code 0 (or
``check``'s 1: a report printed), or 2 and one line on stderr; never another exception,
never past a time bound (a watchdog), never past a memory bound (the process's peak
resident size), and never a file written outside the case's own folder.

Seeded (``derandomize=True``): the same 990 cases every run, about 15 s of CPU time.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import string
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.cli import main
from chainrule.fast import trainer, unrolled

BLOG = resources.files("chainrule").joinpath("examples/blog_xor.toml").read_text("utf-8")
SECONDS = 20  # per case: generous for a loaded machine; the work asked of each is small
MEMORY_KB = 500_000  # growth of the process's peak resident size over the whole test
FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


START = {"kb": 0}  # the peak resident size when the fuzzing began


class Overran(BaseException):
    """A case ran past its time bound (a BaseException, so no handler swallows it)."""


@contextlib.contextmanager
def watchdog(seconds: int):
    def stop(signum, frame):
        raise Overran(f"a case ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                info = os.lstat(path)
                found[path] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """A folder for the cases; the package's own files and the kernel cache watched."""
    base = tmp_path_factory.mktemp("fuzz")
    package = Path(chainrule.__file__).parent
    before = snapshot(package)
    old = os.environ.get("CHAINRULE_CACHE_DIR")
    os.environ["CHAINRULE_CACHE_DIR"] = str(base / "kernels")
    START["kb"] = peak_kb()
    yield base
    if old is None:
        os.environ.pop("CHAINRULE_CACHE_DIR")
    else:
        os.environ["CHAINRULE_CACHE_DIR"] = old
    touched = {p for p, v in snapshot(package).items() if before.get(p) != v}
    assert not {p for p in touched if "__pycache__" not in p}, touched


@pytest.fixture(autouse=True)
def _plain_python_training(monkeypatch):
    # one compiled kernel per random network shape would cost seconds each: the fuzz is
    # about reading input, so training takes the plain-Python loop
    monkeypatch.setattr(trainer, "numba_available", lambda: False)
    monkeypatch.setattr(unrolled, "numba_available", lambda: False)


def run_case(sandbox: Path, files: dict[str, bytes], argv: list[str]) -> tuple[int, str]:
    """Write ``files`` into a new folder, run ``argv`` there; check the outcome."""
    folder = Path(tempfile.mkdtemp(dir=sandbox))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with watchdog(SECONDS), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err), np.errstate(all="ignore"):
            code = main(argv)
    finally:
        os.chdir(cwd)
    message = err.getvalue()
    assert peak_kb() - START["kb"] < MEMORY_KB, (argv, peak_kb() - START["kb"])
    # check's 1: a report was printed and not every value is right
    assert code in ((0, 1, 2) if argv[0] == "check" else (0, 2)), (argv, code, message)
    assert code != 1 or (message == "" and out.getvalue()), message
    if code == 2:
        assert message.count("\n") == 1 and message.startswith(f"chainrule {argv[0]}"), message
    assert "Traceback" not in message, message
    assert set(os.listdir(folder)) <= set(files) | {"out.txt"}, os.listdir(folder)
    return code, message


# --- values, TOML ----------------------------------------------------------------------------
NUMBERS = st.one_of(
    st.integers(-3, 12), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-320, 1e308, -1e308, 0.5, 2.5, 1e-9]),
)
TEXT = st.text(max_size=12) | st.sampled_from(
    ["", "sigmoid", "softmax", "relu", "linear", "tanh", "half_sse", "sse", "mse",
     "categorical_crossentropy", "blog", "fausett", "layered", "full", "rounded", "0.3",
     "\x1b[31m", "\u0007", "nan", "1e999", "x" * 300])
SCALARS = st.one_of(NUMBERS, TEXT, st.booleans())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(["a", "b", "w11", "x"]), inner,
                                        max_size=3), max_leaves=10)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string, or a syntax error to refuse
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


# (table, key) pairs of the blog problem a case may set to an extreme value
FIELDS = [("", "title"), ("network", "layers"), ("network", "activation"),
          ("network", "activations"), ("weights", "w11"), ("weights", "v0"),
          ("weights", "w99"), ("training", "learning_rate"), ("training", "loss"),
          ("training", "epochs"), ("training", "momentum"), ("convention", "name"),
          ("convention", "carry"), ("convention", "decimals"), ("convention", "bias"),
          ("convention", "learning_rate_symbol"), ("examples", "x"), ("examples", "t"),
          ("source", "notes"), ("", "marks")]
SENSIBLE = {("network", "layers"): st.lists(st.integers(1, 3), min_size=2, max_size=4)
            | st.lists(st.sampled_from([0, 1, 2, 10_000, 10**9, 10**30]), max_size=4),
            ("training", "epochs"): st.sampled_from([1, 2, 0, -1, 10**8, 10**30]),
            ("examples", "x"): st.lists(NUMBERS, max_size=3),
            ("convention", "decimals"): st.integers(-2, 20) | st.floats(0, 20)}


def with_fields(settings_: dict[tuple[str, str], object]) -> str:
    """The blog problem with each (table, key) set to a value, appended or replaced."""
    lines = BLOG.splitlines()
    for (table, key), value in settings_.items():
        header = {"": None, "examples": "[[examples]]"}.get(table, f"[{table}]")
        start = 0 if header is None else 1 + next(
            i for i, line in enumerate(lines) if line.split("#")[0].strip() == header)
        end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")),
                   len(lines))
        line = f"{key} = {toml_value(value)}"
        at = next((i for i in range(start, end) if lines[i].split("=")[0].strip() == key), None)
        if at is None:
            lines.insert(start, line)
        else:
            lines[at] = line
    return "\n".join(lines) + "\n"


@st.composite
def extreme_problems(draw) -> str:
    chosen = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True))
    return with_fields({f: draw(SENSIBLE.get(f, VALUES)) for f in chosen})


@st.composite
def mutated(draw, text: str) -> bytes:
    """``text`` with a few bytes inserted, deleted or replaced: a malformed file."""
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "bracket"]))
        piece = draw(st.binary(min_size=1, max_size=4))
        if kind == "insert":
            data[at:at] = piece
        elif kind == "delete":
            del data[at:at + len(piece)]
        elif kind == "replace":
            data[at:at + len(piece)] = piece
        else:
            data[at:at] = b"[" * draw(st.integers(1, 200))
    return bytes(data)


@settings(FUZZ, max_examples=200)
@given(text=extreme_problems())
def test_fuzz_problem_files_well_formed_but_extreme(sandbox, text):
    files = {"p.toml": text.encode("utf-8")}
    run_case(sandbox, files, ["explain", "p.toml", "--format", "json", "-o", "out.txt"])


@settings(FUZZ, max_examples=150)
@given(data=mutated(BLOG) | st.binary(max_size=300))
def test_fuzz_problem_files_malformed(sandbox, data):
    run_case(sandbox, {"p.toml": data}, ["explain", "p.toml", "-o", "out.txt"])


# --- answer sheets ----------------------------------------------------------------------------
NAMES = st.sampled_from(["x_1", "t", "w_11", "net_h1", "out_h1", "out_o", "E", "delta_o",
                         "delta_h1", "dE/dw_11", "w_11+", "v_0+", "δ_o", "η"]) | st.text(
    alphabet=string.printable, max_size=8)
ANSWERS = st.floats(-2, 2) | NUMBERS | st.sampled_from(["0.5", "1e999", "nan", "½", "-0.0",
                                                      "0,5", ""]) | VALUES


def assignments(draw, most: int) -> list[str]:
    names = draw(st.lists(NAMES, unique=True, max_size=most))
    return [f"{json.dumps(name)} = {toml_value(draw(ANSWERS))}" for name in names]


@st.composite
def sheets(draw) -> bytes:
    lines = assignments(draw, 6)
    for step in draw(st.lists(st.integers(0, 3) | st.integers(0, 10**12), unique=True,
                              max_size=2)):
        lines += [f"[s{step}]", *assignments(draw, 3)]
    if draw(st.booleans()):
        lines += ["[marks]", f"delta = {toml_value(draw(NUMBERS))}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


@settings(FUZZ, max_examples=150)
@given(sheet=sheets(), as_json=st.booleans())
def test_fuzz_answer_sheets(sandbox, sheet, as_json):
    run_case(sandbox, {"a.toml": sheet},
             ["check", "blog_xor", "a.toml", *(["--json"] if as_json else [])])


@settings(FUZZ, max_examples=60)
@given(sheet=sheets().flatmap(lambda s: mutated(s.decode("utf-8"))))
def test_fuzz_answer_sheets_malformed(sandbox, sheet):
    run_case(sandbox, {"a.toml": sheet}, ["check", "blog_xor", "a.toml"])


# --- CSV files --------------------------------------------------------------------------------
CELLS = st.one_of(st.integers(-5, 5).map(str), st.floats(-1e6, 1e6).map(repr),
                  st.sampled_from(["", "nan", "inf", "-inf", "1e999", "a", "b", '"', "x,y",
                                   " 1", "1 ", "\x00", "é"]),
                  st.text(max_size=5))


@st.composite
def csvs(draw) -> tuple[bytes, list[str]]:
    """Well-formed numeric tables with a number or label target, and ragged, odd ones."""
    columns = draw(st.integers(1, 4))
    if draw(st.booleans()):
        header = [f"c{j}" for j in range(columns)]
        labels = st.sampled_from(["a", "b", "c"]) if draw(st.booleans()) else CELLS
        rows = [[*(repr(draw(st.floats(-1e3, 1e3))) for _ in range(columns - 1)),
                 draw(labels)] for _ in range(draw(st.integers(1, 12)))]
    else:
        header = [draw(st.sampled_from(["a", "b", "label", ""]) | st.text(max_size=4))
                  for _ in range(columns)]
        rows = [[draw(CELLS) for _ in range(draw(st.sampled_from([columns, columns + 1])))]
                for _ in range(draw(st.integers(0, 12)))]
    text = "\n".join(",".join(r) for r in [header, *rows]) + draw(st.sampled_from(["", "\n"]))
    target = draw(st.none() | st.sampled_from(header + ["nowhere"]))
    return text.encode("utf-8", "surrogatepass"), ([] if target is None else
                                                   ["--target", target])


@settings(FUZZ, max_examples=120)
@given(case=csvs())
def test_fuzz_csv_files(sandbox, case):
    data, target = case
    run_case(sandbox, {"d.csv": data},
             ["train", "d.csv", *target, "--epochs", "2", "--hidden", "2", "--verbose", "0"])


# --- .npz and .npy files ----------------------------------------------------------------------
DTYPES = st.sampled_from(["float64", "float32", "float16", "int8", "uint64", "bool",
                          "complex128", "U2", "object", "datetime64[s]"])


@st.composite
def arrays(draw) -> np.ndarray:
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    dtype = draw(DTYPES)
    values = np.array(draw(st.lists(st.floats(allow_nan=True, allow_infinity=True),
                                    min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                      dtype=np.float64).reshape(shape)
    if dtype in ("U2", "object", "datetime64[s]"):
        return np.zeros(shape, dtype=dtype)
    with np.errstate(all="ignore"):
        return values.astype(dtype)


@st.composite
def npz_files(draw) -> tuple[str, bytes]:
    buffer = io.BytesIO()
    names = draw(st.lists(st.sampled_from(["x", "y", "z", "x.y", "config"]), max_size=3,
                          unique=True))
    kind = draw(st.sampled_from(["data", "npy", "npz"]))
    if kind == "data":  # x (n, k) and y (n,) as chainrule expects, values extreme or not
        n, k = draw(st.integers(1, 6)), draw(st.integers(1, 3))
        values = st.floats(-1e3, 1e3) | st.floats(allow_nan=True, allow_infinity=True)
        x = np.array(draw(st.lists(values, min_size=n * k, max_size=n * k))).reshape(n, k)
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]) | values, min_size=n,
                                   max_size=n)))
        np.savez(buffer, x=x, y=y)
        name = "d.npz"
    elif kind == "npy":
        np.save(buffer, draw(arrays()), allow_pickle=True)
        name = "d.npy"
    else:
        save = np.savez_compressed if draw(st.booleans()) else np.savez
        save(buffer, **{n: draw(arrays()) for n in names})
        name = "d.npz"
    data = buffer.getvalue()
    if draw(st.booleans()):  # a damaged file: cut short or overwritten somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] if draw(st.booleans()) else data[:at] + draw(st.binary(max_size=8)) \
            + data[at + 8:]
    return name, data


@settings(FUZZ, max_examples=150)
@given(case=npz_files())
def test_fuzz_npz_and_npy_files(sandbox, case):
    name, data = case
    run_case(sandbox, {name: data},
             ["train", name, "--epochs", "2", "--hidden", "2", "--verbose", "0"])


# --- command-line options ---------------------------------------------------------------------
OPTION_NUMBERS = st.sampled_from(["0", "-1", "1", "0.5", "1e-300", "1e300", "nan", "inf", "-0",
                                  "2", "0.999", "1e999", "x", ""])
TRAIN_OPTIONS = {
    "--hidden": st.sampled_from(["2", "3,2", "0", "-1", ",", "1,1,1,1", "100000,100000",
                                 "100000000", "2.5", "a"]),
    "--activation": TEXT, "--output-activation": TEXT, "--loss": TEXT,
    "--optimizer": st.sampled_from(["sgd", "adam", "rmsprop"]),
    "--lr": OPTION_NUMBERS, "--momentum": OPTION_NUMBERS, "--tolerance": OPTION_NUMBERS,
    "--validation-split": OPTION_NUMBERS, "--batch-size": OPTION_NUMBERS,
    "--seed": st.sampled_from(["0", "-1", "99999999999999999999", "1.5"]),
}


@settings(FUZZ, max_examples=100)
@given(data=st.sampled_from(["xor", "and", "moons", "circles", "spirals", "nosuch"]),
       options=st.dictionaries(st.sampled_from(sorted(TRAIN_OPTIONS)), st.just(None),
                               max_size=4).flatmap(lambda keys: st.fixed_dictionaries(
                                   {k: TRAIN_OPTIONS[k] for k in keys})),
       flags=st.lists(st.sampled_from(["--until-correct", "--no-shuffle"]), unique=True))
def test_fuzz_train_options(sandbox, data, options, flags):
    argv = ["train", data, "--epochs", "2", "--verbose", "0", *flags]
    for key, value in options.items():
        argv += [f"{key}={value}"]
    run_case(sandbox, {}, argv)


@settings(FUZZ, max_examples=60)
@given(problem=st.sampled_from(["blog_xor", "mazur_2015", "han_kamber", "hagan_ch11"]),
       convention=st.none() | st.sampled_from(["blog", "fausett", "mazur", "han", "layered",
                                               "nosuch", ""]),
       decimals=st.none() | OPTION_NUMBERS | st.sampled_from(["4", "15", "16", "100"]),
       carry=st.none() | st.sampled_from(["full", "rounded", "half"]),
       fmt=st.sampled_from(["text", "markdown", "latex", "json", "svg", "html"]))
def test_fuzz_explain_options(sandbox, problem, convention, decimals, carry, fmt):
    argv = ["explain", problem, "--format", fmt, "-o", "out.txt"]
    for key, value in (("--convention", convention), ("--decimals", decimals),
                       ("--carry", carry)):
        if value is not None:
            argv.append(f"{key}={value}")
    run_case(sandbox, {}, argv)
