"""``chainrule train`` in-process: the XOR run, determinism, files and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main

XOR = ["train", "xor", "--hidden", "2", "--activation", "sigmoid", "--loss", "half_sse",
       "--lr", "0.5", "--epochs", "10000", "--until-correct", "--seed", "0"]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_xor_until_correct_reaches_four_of_four_and_repeats_byte_for_byte(capsys):
    code, first, err = run(capsys, XOR)
    assert code == 0, err
    assert "4/4 correct" in first, first
    # the table's rows: inputs, target, output; each output on the target's side of 0.5
    rows = [line.split() for line in first.splitlines() if line.split()[-1:] == ["yes"]]
    assert len(rows) == 4
    for x1, x2, t, y, _ in rows:
        assert int(x1) ^ int(x2) == int(t)
        assert (float(y) > 0.5) == (t == "1"), (x1, x2, t, y)
    code, second, _ = run(capsys, XOR)
    assert second == first


def test_trains_on_a_csv_file_and_saves_a_model_that_loads(tmp_path, capsys):
    import chainrule as cr

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    label = np.where(x[:, 0] + x[:, 1] > 0, "pos", "neg")
    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n" + "".join(f"{u},{v},{c}\n" for (u, v), c in zip(x, label)))
    model_path = tmp_path / "model.npz"
    code, out, err = run(capsys, ["train", str(path), "--target", "label", "--hidden", "4",
                                  "--epochs", "50", "--verbose", "0", "--save", str(model_path)])
    assert code == 0, err
    assert "... 24 more rows" in out
    model = cr.load(model_path)
    y = (label == "pos").astype(float)[:, None]
    accuracy = np.mean((model.predict(x) > 0.5) == (y > 0.5))
    assert accuracy >= 0.9, accuracy


@pytest.mark.parametrize(
    "argv,words",
    [
        (["train", "xor", "--activation", "sigmoidd"], ["activation", "sigmoidd", "relu"]),
        (["train", "xor", "--loss", "foo"], ["loss", "foo", "half_sse"]),
        (["train", "xor", "--lr", "-1"], ["learning_rate", "-1"]),
        (["train", "nowhere.csv"], ["nowhere.csv", "xor"]),
        (["train", "xor", "--hidden", "a"], ["--hidden", "'a'"]),
        (["train", "xor", "--epochs", "0"], ["epochs", "0"]),
        (["train", "xor", "--batch-size", "0"], ["batch_size", "0"]),
        (["train", "xor", "--hidden", ""], ["--hidden", "at least one width"]),
        (["train", "xor", "--hidden", "100000,100000", "--epochs", "1"], ["memory"]),
        (["train", "xor", "--lr", "1e300", "--activation", "linear", "--output-activation",
          "linear", "--loss", "mse", "--epochs", "5"], ["diverged", "nan", "--lr"]),
        (["train", "xor", "--save", "."], ["--save", "folder"]),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, words):
    code, out, err = run(capsys, argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


def test_missing_csv_column_names_the_columns(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n")
    code, _, err = run(capsys, ["train", str(path), "--target", "lbl"])
    assert code == 2 and "'lbl'" in err and "a, b, label" in err, err


def test_save_and_plot_write_what_report_reads(tmp_path, capsys):
    run_path = tmp_path / "runs" / "xor.npz"
    plots = tmp_path / "plots"
    code, out, err = run(capsys, ["train", "xor", "--epochs", "20", "--verbose", "0",
                                  "--save", str(run_path), "--plot", str(plots)])
    assert code == 0, err
    assert sorted(p.name for p in plots.iterdir()) == [
        f"{name}.{ext}" for name in ("decision_boundary", "gradients", "loss")
        for ext in ("png", "svg")]
    history = (tmp_path / "runs" / "xor.history.json").read_text()
    assert '"loss"' in history and '"name": "xor"' in history
    page = tmp_path / "report.html"
    code, _, err = run(capsys, ["report", str(run_path), "-o", str(page)])
    assert code == 0, err
    # the history beside the model is found without --history: the loss curve is drawn
    assert "loss and metrics per epoch" in page.read_text()


def test_diverged_outputs_are_never_correct():
    from chainrule.callbacks import StopWhenCorrect

    judge = StopWhenCorrect()
    y = np.array([[0.0], [0.0], [1.0]])
    out = np.array([[np.nan], [0.2], [np.inf]])
    # NaN > 0.5 is False like 0 > 0.5, so a same-side test alone would call row 0 correct
    np.testing.assert_array_equal(judge.correct(y, out), [False, True, False])
