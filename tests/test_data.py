"""Tests for chainrule.data: toy datasets and file loaders.

Geometric facts are checked from first principles (radii, angles, centroids of the curves the
constructions sample), not by re-running the constructions.
"""

from __future__ import annotations

import math
import operator
from pathlib import Path

import numpy as np
import pytest

from chainrule import data
from chainrule.data import (
    DATASETS,
    DatasetInfo,
    and_,
    check_finite,
    circles,
    load,
    load_csv,
    load_file,
    load_npy,
    moons,
    nand,
    or_,
    spirals,
    xor,
)

CLOUDS = [moons, circles, spirals]


# ---------------------------------------------------------------- logic gates

GATES = [
    (xor, operator.xor),
    (and_, operator.and_),
    (or_, operator.or_),
    (nand, lambda a, b: 1 - (a & b)),
]


@pytest.mark.parametrize(("make", "truth"), GATES, ids=lambda v: getattr(v, "__name__", ""))
def test_gate_truth_table(make, truth):
    x, y = make()
    assert x.shape == (4, 2) and y.shape == (4, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    expected = [[float(truth(a, b))] for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    assert y.tolist() == expected, f"{make.__name__}: {y.ravel()} != {expected}"


@pytest.mark.parametrize(("make", "truth"), GATES, ids=lambda v: getattr(v, "__name__", ""))
def test_gate_bipolar_maps_0_to_minus_1(make, truth):
    x01, y01 = make()
    x, y = make(bipolar=True)
    assert x.tolist() == [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    np.testing.assert_array_equal(y, 2 * y01 - 1, err_msg=make.__name__)
    assert set(y.ravel()) <= {-1.0, 1.0}


def test_gates_return_fresh_arrays():
    x, _ = xor()
    x[0, 0] = 7.0
    assert xor()[0][0, 0] == 0.0


def test_gate_accepts_and_checks_seed():
    np.testing.assert_array_equal(xor(seed=3)[1], xor()[1])
    with pytest.raises(ValueError, match=r"seed='a'"):
        xor(seed="a")


# ---------------------------------------------------------------- point clouds


@pytest.mark.parametrize("make", CLOUDS)
def test_same_seed_gives_identical_bytes(make):
    x1, y1 = make(64, seed=5)
    x2, y2 = make(64, seed=5)
    assert x1.tobytes() == x2.tobytes() and y1.tobytes() == y2.tobytes()


@pytest.mark.parametrize("make", CLOUDS)
def test_rng_and_seed_agree(make):
    x1, y1 = make(64, seed=11)
    x2, y2 = make(64, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("make", CLOUDS)
def test_different_seeds_differ(make):
    x1, _ = make(64, seed=1)
    x2, _ = make(64, seed=2)
    assert not np.array_equal(x1, x2)


@pytest.mark.parametrize("make", CLOUDS)
def test_global_random_state_untouched(make):
    before = np.random.get_state()[1].copy()
    make(32, seed=0)
    make(32)  # seed=None draws fresh entropy, still not from the global state
    np.testing.assert_array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("make", CLOUDS)
def test_shapes_dtypes_and_balance(make):
    x, y = make(100, seed=0)
    assert x.shape == (100, 2) and y.shape == (100, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.flags.c_contiguous and y.flags.c_contiguous
    assert set(y.ravel()) == {0.0, 1.0}
    assert int(y.sum()) == 50
    _, y_odd = make(101, seed=0)
    assert int((y_odd == 0).sum()) == 50 and int((y_odd == 1).sum()) == 51


@pytest.mark.parametrize("make", CLOUDS)
def test_one_hot_matches_labels(make):
    _, y = make(60, seed=4)
    x, y2 = make(60, seed=4, one_hot=True)
    assert y2.shape == (60, 2)
    np.testing.assert_array_equal(y2.sum(axis=1), np.ones(60))
    np.testing.assert_array_equal(y2.argmax(axis=1), y.ravel())


@pytest.mark.parametrize("make", CLOUDS)
def test_rows_are_shuffled_unless_asked_not_to(make):
    _, y = make(40, seed=0)
    assert y[:20].sum() not in (0.0, 20.0), "classes come in blocks despite shuffle=True"
    _, y_blocks = make(40, seed=0, shuffle=False)
    assert y_blocks.ravel().tolist() == [0.0] * 20 + [1.0] * 20


def test_moons_noise_free_points_lie_on_their_half_circles():
    x, y = moons(50, noise=0.0, seed=0)
    a, b = x[y[:, 0] == 0], x[y[:, 0] == 1]
    # class 0: upper half of the unit circle about (0, 0)
    np.testing.assert_allclose(np.hypot(a[:, 0], a[:, 1]), 1.0, atol=1e-12)
    assert (a[:, 1] >= -1e-12).all()
    # class 1: lower half of the unit circle about (1, 0.5)
    np.testing.assert_allclose(np.hypot(b[:, 0] - 1.0, b[:, 1] - 0.5), 1.0, atol=1e-12)
    assert (b[:, 1] <= 0.5 + 1e-12).all()


def test_moons_centroids():
    # the centroid of a unit half circle sits 2/π from its centre (arc-length average of
    # sin t over [0, π]); class 1 is class 0 mirrored and moved to (1, 0.5)
    x, y = moons(4000, noise=0.1, seed=0)
    c0, c1 = x[y[:, 0] == 0].mean(axis=0), x[y[:, 0] == 1].mean(axis=0)
    np.testing.assert_allclose(c0, [0.0, 2 / math.pi], atol=0.02, err_msg="class 0 centroid")
    np.testing.assert_allclose(c1, [1.0, 0.5 - 2 / math.pi], atol=0.02, err_msg="class 1")


def test_circles_noise_free_radii():
    x, y = circles(40, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(r[y[:, 0] == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(r[y[:, 0] == 1], 0.3, atol=1e-12)


def test_circles_radii_within_noise():
    # E|p + e| = r + σ²/(2r) + ... for Gaussian e of std σ: within 0.01 for σ = 0.05
    x, y = circles(4000, noise=0.05, factor=0.5, seed=1)
    r = np.hypot(x[:, 0], x[:, 1])
    outer, inner = r[y[:, 0] == 0], r[y[:, 0] == 1]
    assert abs(outer.mean() - 1.0) < 0.01, f"outer mean radius {outer.mean()}"
    assert abs(inner.mean() - 0.5) < 0.01, f"inner mean radius {inner.mean()}"
    assert 0.04 < outer.std() < 0.06, f"outer radius spread {outer.std()} for noise 0.05"
    np.testing.assert_allclose(x.mean(axis=0), [0.0, 0.0], atol=0.01)


def test_spirals_noise_free_geometry():
    turns = 2.0
    x, y = spirals(200, noise=0.0, turns=turns, seed=0, shuffle=False)
    a, b = x[:100], x[100:]
    # class 1 is class 0 turned by half a revolution
    np.testing.assert_allclose(b, -a, atol=1e-12)
    r = np.hypot(a[:, 0], a[:, 1])
    assert 0 < r.min() and abs(r.max() - 1.0) < 1e-12
    # Archimedean: the angle grows as 2π·turns·r (compared modulo a full turn)
    theta = np.arctan2(a[:, 1], a[:, 0])
    gap = np.angle(np.exp(1j * (theta - 2 * math.pi * turns * r)))
    np.testing.assert_allclose(gap, 0.0, atol=1e-9)
    assert y[:100].sum() == 0 and y[100:].sum() == 100


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: moons(1), "n=1"),
        (lambda: moons(2.5), "n=2.5"),
        (lambda: circles(True), "n=True"),
        (lambda: moons(10, noise=-0.1), "noise=-0.1"),
        (lambda: spirals(10, noise=float("nan")), "noise=nan"),
        (lambda: circles(10, factor=1.5), "factor=1.5"),
        (lambda: spirals(10, turns=0), "turns=0"),
        (lambda: moons(10, seed=1, rng=np.random.default_rng(1)), "seed=1"),
        (lambda: moons(10, rng=3), "rng=3"),
        (lambda: circles(10, seed=1.5), "seed=1.5"),
    ],
)
def test_bad_arguments_are_named_and_quoted(call, fragment):
    with pytest.raises(ValueError) as e:
        call()
    assert fragment in str(e.value)


# ---------------------------------------------------------------- load / DATASETS


def test_datasets_table():
    assert sorted(DATASETS) == ["and", "circles", "moons", "nand", "or", "spirals", "xor"]
    assert DATASETS["and"] is and_
    with pytest.raises(TypeError):
        DATASETS["new"] = xor  # read-only


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_load_every_dataset_with_a_seed(name):
    x, y = load(name, seed=0)
    assert x.ndim == 2 and x.shape[1] == 2 and y.shape == (len(x), 1)


def test_load_passes_arguments():
    np.testing.assert_array_equal(load("xor", bipolar=True)[1], xor(bipolar=True)[1])
    np.testing.assert_array_equal(load("moons", n=30, seed=2)[0], moons(30, seed=2)[0])


def test_load_unknown_name_lists_valid_names():
    msg = "unknown dataset 'xr'; expected one of: and, circles, moons, nand, or, spirals, xor"
    with pytest.raises(ValueError) as e:
        load("xr")
    assert str(e.value) == msg


def test_load_unknown_argument_is_named():
    with pytest.raises(ValueError, match=r"'xor' takes no argument 'n'; .*bipolar"):
        load("xor", n=4)


def test_package_exports():
    for name in data.__all__:
        assert getattr(data, name) is not None, name
    import chainrule
    from chainrule import datasets

    assert chainrule.datasets is datasets
    assert [getattr(datasets, name) for name in data.__all__] == [
        getattr(data, name) for name in data.__all__]


# ---------------------------------------------------------------- check_finite


def test_check_finite_message_names_row_column_value():
    x = np.array([[1.0, 2.0], [3.0, -np.inf], [np.nan, 0.0]])
    with pytest.raises(ValueError) as e:
        check_finite(x, "x")
    assert str(e.value) == "x contains non-finite values (first at row 1, column 1: -inf)"


def test_check_finite_other_shapes():
    check_finite(np.ones((3, 2)), "x")
    check_finite(np.arange(4), "ints")  # integers are always finite
    with pytest.raises(ValueError, match=r"^y contains non-finite values \(first at row 2: nan\)"):
        check_finite(np.array([0.0, 1.0, np.nan]), "y")
    with pytest.raises(ValueError, match=r"z is not numeric \(dtype <U1\)"):
        check_finite(np.array(["a"]), "z")


# ---------------------------------------------------------------- CSV


def write(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_numeric_target(tmp_path):
    path = write(tmp_path, "a,b,t\n1,2,0.5\n3,4e-1,-2\n")
    x, y, info = load_csv(path, "t")
    assert x.tolist() == [[1.0, 2.0], [3.0, 0.4]]
    assert y.tolist() == [[0.5], [-2.0]]
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert info == DatasetInfo(("a", "b"), "t", None)


def test_csv_target_in_the_middle_keeps_feature_order(tmp_path):
    path = write(tmp_path, "a,t,b\n1,9,2\n")
    x, y, info = load_csv(path, "t")
    assert x.tolist() == [[1.0, 2.0]] and y.tolist() == [[9.0]]
    assert info.features == ("a", "b")


def test_csv_quoted_fields_and_three_class_labels(tmp_path):
    text = (
        '"length, cm",width,species\n'
        '"5.1",3.5,"setosa, wild"\n'
        "6.0, 2.2 ,versicolor\n"
        '7.7,3.8,"virginica"\n'
        '5.0,3.3,"setosa, wild"\n'
    )
    x, y, info = load_csv(write(tmp_path, text), "species")
    assert info.features == ("length, cm", "width")
    assert info.classes == ("setosa, wild", "versicolor", "virginica")  # sorted
    assert x.tolist() == [[5.1, 3.5], [6.0, 2.2], [7.7, 3.8], [5.0, 3.3]]
    assert y.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]


def test_csv_two_classes_give_one_column_unless_one_hot(tmp_path):
    path = write(tmp_path, "a,b,gate\n0,0,off\n0,1,on\n1,0,on\n1,1,off\n")
    _, y, info = load_csv(path, "gate")
    assert info.classes == ("off", "on")
    assert y.tolist() == [[0.0], [1.0], [1.0], [0.0]]
    _, y2, _ = load_csv(path, "gate", one_hot=True)
    assert y2.tolist() == [[1, 0], [0, 1], [0, 1], [1, 0]]


def test_csv_numeric_one_hot(tmp_path):
    path = write(tmp_path, "a,digit\n1,7\n2,3\n3,7.0\n4,10\n")
    _, y, info = load_csv(path, "digit", one_hot=True)
    assert info.classes == ("3", "7", "10")  # by value, not as strings
    assert y.tolist() == [[0, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_csv_delimiter_bom_blank_lines(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes("\ufeffa;b;t\r\n1;2;3\r\n\r\n4;5;6\r\n\r\n".encode())
    x, y, info = load_csv(path, "t", delimiter=";")
    assert info.features == ("a", "b")
    assert x.tolist() == [[1, 2], [4, 5]] and y.tolist() == [[3], [6]]


@pytest.mark.parametrize(
    ("text", "target", "fragments"),
    [
        ("a,b,c\n1,2,3\n", "t", ["no target column 't'", "columns are: a, b, c"]),
        ("a,b,t\n1,2,0\n3,abc,1\n", "t", ["row 3", "column 'b'", "'abc'"]),
        ("a,b,t\n1,,0\n", "t", ["row 2", "column 'b'", "''"]),
        ("a,b,t\n1,nan,0\n", "t", ["row 2", "column 'b'", "non-finite", "'nan'"]),
        ("a,b,t\n1,2,0\n1,2,-inf\n", "t", ["row 3", "column 't'", "non-finite", "'-inf'"]),
        ("a,b,t\n1,2,0\n1,2\n", "t", ["row 3 has 2 fields", "header has 3", "'1,2'"]),
        ("a,b,t\n1,2,0,5\n", "t", ["row 2 has 4 fields", "header has 3"]),
        ("", "t", ["empty file"]),
        ("\n\n", "t", ["empty file"]),
        ("a,b,t\n", "t", ["no data rows"]),
        ("a,a,t\n1,2,3\n", "t", ["duplicate column name 'a'"]),
        ("a,,t\n1,2,3\n", "t", ["column 2 of the header has no name"]),
        ("t\n1\n", "t", ["no feature columns", "'t'"]),
        ("a,t\n1,cat\n2,\n", "t", ["row 3", "column 't'", "empty value"]),
        ('a,t\n1,"x"y\n', "t", ["row 2", "malformed"]),
    ],
)
def test_csv_errors_name_field_and_value(tmp_path, text, target, fragments):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as e:
        load_csv(path, target)
    message = str(e.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_csv_one_hot_needs_integer_labels(tmp_path):
    path = write(tmp_path, "a,t\n1,0\n2,0.5\n")
    with pytest.raises(ValueError, match=r"row 3, column 't': one_hot=True .* '0\.5'"):
        load_csv(path, "t", one_hot=True)


@pytest.mark.parametrize(("kwargs", "fragment"), [({"delimiter": ";;"}, "delimiter=';;'")])
def test_csv_bad_delimiter(tmp_path, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        load_csv(write(tmp_path, "a,t\n1,2\n"), "t", **kwargs)


def test_csv_target_must_be_a_name(tmp_path):
    with pytest.raises(ValueError, match="target=1"):
        load_csv(write(tmp_path, "a,t\n1,2\n"), 1)


# ---------------------------------------------------------------- .npy / .npz


def test_npy_last_column_is_target(tmp_path):
    path = tmp_path / "d.npy"
    np.save(path, np.array([[1, 2, 0], [3, 4, 1]], dtype=np.int32))
    x, y, info = load_npy(path)
    assert x.tolist() == [[1, 2], [3, 4]] and y.tolist() == [[0], [1]]
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert info == DatasetInfo(("0", "1"), "2", None)


@pytest.mark.parametrize(("target", "features"), [(0, ("1", "2")), (-2, ("0", "2"))])
def test_npy_target_index(tmp_path, target, features):
    path = tmp_path / "d.npy"
    np.save(path, np.array([[1.0, 2.0, 3.0]]))
    x, y, info = load_npy(path, target)
    assert info.features == features
    assert y.tolist() == [[1.0 if target == 0 else 2.0]]


def test_npz_arrays_and_custom_names(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.eye(3), y=np.array([0, 1, 1]), inputs=np.ones((3, 2)))
    x, y, info = load_npy(path)
    assert x.shape == (3, 3) and y.tolist() == [[0], [1], [1]]
    assert info.target == "y"
    x2, y2, _ = load_npy(path, x_key="inputs", y_key="x")
    assert x2.shape == (3, 2) and y2.shape == (3, 3)


def save_npy(tmp_path: Path, array: np.ndarray) -> Path:
    path = tmp_path / "d.npy"
    np.save(path, array, allow_pickle=True)
    return path


def save_npz(tmp_path: Path, **arrays: np.ndarray) -> Path:
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    ("make", "target", "fragments"),
    [
        (lambda p: save_npy(p, np.ones(3)), None, ["2-D", "shape (3,)"]),
        (lambda p: save_npy(p, np.ones((3, 1))), None, ["2 columns", "shape (3, 1)"]),
        (lambda p: save_npy(p, np.ones((2, 2, 2))), None, ["shape (2, 2, 2)"]),
        (lambda p: save_npy(p, np.ones((2, 3))), 3, ["target=3", "[-3, 2]"]),
        (lambda p: save_npy(p, np.ones((2, 3))), "a", ["target='a'"]),
        (
            lambda p: save_npy(p, np.array([[1.0, 2.0], [np.nan, 0.0]])),
            None,
            ["non-finite values (first at row 1, column 0: nan)"],
        ),
        (lambda p: save_npy(p, np.array([[1, "a"]], dtype=object)), None, ["object array"]),
        (lambda p: save_npy(p, np.array([["1", "2"]])), None, ["numeric", "dtype <U1"]),
        (lambda p: save_npy(p, np.ones((2, 2), dtype=complex)), None, ["numeric", "complex"]),
        (lambda p: write(p, "", "d.npy"), None, ["empty file"]),
        (lambda p: write(p, "hello", "d.npy"), None, ["not a NumPy"]),
        (lambda p: save_npz(p, a=np.ones((2, 2)), b=np.ones(2)), None, ["'x'", "present: a, b"]),
        (lambda p: save_npz(p, x=np.ones((2, 2))), None, ["no array 'y'", "present: x"]),
        (lambda p: save_npz(p, x=np.ones(2), y=np.ones(2)), None, ["'x'", "shape (2,)"]),
        (lambda p: save_npz(p, x=np.ones((2, 2)), y=np.ones(3)), None, ["'y'", "shape (3, 1)"]),
        (
            lambda p: save_npz(p, x=np.ones((2, 2)), y=np.array([0.0, np.inf])),
            None,
            ["array 'y' contains non-finite values (first at row 1, column 0: inf)"],
        ),
        (
            lambda p: save_npz(p, x=np.array([1, None], dtype=object), y=np.ones(2)),
            None,
            ["array 'x'", "object array"],
        ),
        (lambda p: save_npz(p, x=np.ones((2, 2)), y=np.ones(2)), 0, ["target=0", "y_key="]),
    ],
)
def test_numpy_errors_name_field_and_value(tmp_path, make, target, fragments):
    path = make(tmp_path)
    with pytest.raises(ValueError) as e:
        load_npy(path, target)
    message = str(e.value)
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_npy_holding_an_archive_is_refused(tmp_path):
    archive = save_npz(tmp_path, x=np.ones((2, 2)), y=np.ones(2))
    path = archive.rename(tmp_path / "renamed.npy")
    with pytest.raises(ValueError, match=r"expected a single array \(\.npy\)"):
        load_npy(path)


# ---------------------------------------------------------------- load_file


def test_load_file_dispatches_on_extension(tmp_path):
    csv_path = write(tmp_path, "a,b,label\n1,2,no\n3,4,yes\n")
    x, y, info = load_file(csv_path)  # default: the last column
    assert info.target == "label" and y.tolist() == [[0], [1]]
    numeric = write(tmp_path, "a,b\n1,2\n3,4\n", "numeric.csv")
    _, y_a, _ = load_file(numeric, "a")
    assert y_a.tolist() == [[1], [3]]

    npy_path = save_npy(tmp_path, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert load_file(npy_path, 0)[1].tolist() == [[1.0], [3.0]]

    npz_path = save_npz(tmp_path, x=np.ones((2, 1)), y=np.zeros(2))
    assert load_file(npz_path)[0].shape == (2, 1)

    upper = write(tmp_path, "a,t\n1,2\n", "UPPER.CSV")
    assert load_file(upper)[1].tolist() == [[2.0]]


@pytest.mark.parametrize(
    ("name", "target", "fragment"),
    [
        ("d.txt", None, "unsupported file type '.txt'; expected one of: .csv, .npy, .npz"),
        ("noext", None, "'(no extension)'"),
        ("d.npy", "a", "target='a'"),
        ("d.csv", 2, "target=2"),
    ],
)
def test_load_file_errors(tmp_path, name, target, fragment):
    path = write(tmp_path, "a,t\n1,2\n", name)
    with pytest.raises(ValueError) as e:
        load_file(path, target)
    assert fragment in str(e.value)


def test_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(OSError):
        load_file(tmp_path / "absent.csv")
