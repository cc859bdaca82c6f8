"""``chainrule report`` in-process, and the history JSON it reads."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.nn.layers import Dense
from chainrule.viz import history_json, read_history, report_html
from chainrule.viz.report import read_history_text

pytest.importorskip("matplotlib", reason="the report's plots need matplotlib")


@pytest.fixture()
def xor_run(tmp_path):
    x, y = cr.datasets.xor()
    model = cr.Sequential([Dense(2, activation="sigmoid", input_dim=2),
                           Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(learning_rate=2.0),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=400, batch_size=1, verbose=0, seed=0)
    model.save(tmp_path / "run.npz")
    (tmp_path / "run.json").write_text(history_json(history, data={"name": "xor"}))
    return model, history, x, y, tmp_path


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_history_json_round_trips_with_gradients_and_data():
    history = {"loss": [0.5, 0.25, math.nan], "val_loss": [0.6, 0.3, 0.2]}
    text = history_json(history, gradients={"layer 1": [1e-3, 2e-3, 3e-3]},
                        data={"name": "xor", "seed": 0})
    assert json.loads(text)["history"]["loss"][2] is None  # JSON has no NaN
    got, norms, data = read_history_text(text)
    assert got["val_loss"] == [0.6, 0.3, 0.2] and math.isnan(got["loss"][2])
    assert norms == {"layer 1": [1e-3, 2e-3, 3e-3]} and data == {"name": "xor", "seed": 0}


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"loss": 3}', "lists of numbers"),
    ('{"history": {"loss": ["a"]}}', "lists of numbers"),
    ('{"history": {}, "data": 3}', "data must be an object"),
])
def test_bad_history_files_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        read_history_text(text, "h.json")


def test_report_lists_the_models_predictions_and_embeds_the_plots(xor_run, capsys):
    model, history, x, y, tmp = xor_run
    out = tmp / "report.html"
    code, stdout, err = run(capsys, ["report", str(tmp / "run.npz"), "--history",
                                     str(tmp / "run.json"), "-o", str(out)])
    assert code == 0, err
    assert stdout == f"wrote {out}\n"
    page = out.read_text()
    assert page.count('<img alt="') == 2  # loss curves, decision regions (no gradients saved)
    assert page.count("data:image/svg+xml;base64,") == 2
    rows = re.findall(r"<tr(?: class=\"cr-wrong\")?><td>(.*?)</tr>", page)
    assert len(rows) == 4
    predictions = model.predict(x)
    for row, xi, yi, pi in zip(rows, x, y, predictions):
        cells = re.findall(r"(?:^|<td>)([^<]*)</td>", row)
        assert cells[:4] == [f"{xi[0]:g}", f"{xi[1]:g}", f"{yi[0]:g}", f"{pi[0]:.4f}"], cells
    assert read_history(tmp / "run.json")[0]["loss"] == history.history["loss"]


def test_data_given_on_the_command_line_wins_and_no_history_is_needed(xor_run, capsys):
    _, _, _, _, tmp = xor_run
    out = tmp / "r.html"
    code, _, err = run(capsys, ["report", str(tmp / "run.npz"), "--data", "and",
                                "-o", str(out), "--title", "<b>AND</b>"])
    assert code == 0, err
    page = out.read_text()
    assert "<h1>&lt;b&gt;AND&lt;/b&gt;</h1>" in page and "<b>AND" not in page
    assert page.count('<img alt="') == 1  # the decision regions only
    assert "Final predictions" in page


@pytest.mark.parametrize(("argv", "message"), [
    (["report", "missing.npz"], "error: missing.npz: no such file"),
    (["report", "{run}", "-o", "{tmp}/nosuch/r.html"], "the folder '{tmp}/nosuch' does not exist"),
    (["report", "{run}", "--data", "nosuch"], "no dataset or file named 'nosuch'"),
    (["report", "{run}", "--history", "{tmp}/none.json"], "none.json"),
])
def test_bad_input_is_one_line_and_exit_code_2(xor_run, capsys, argv, message):
    _, _, _, _, tmp = xor_run
    argv = [a.format(run=tmp / "run.npz", tmp=tmp) for a in argv]
    code, _, err = run(capsys, argv)
    assert code == 2 and message.format(tmp=tmp) in err and len(err.splitlines()) == 1, err
    assert "No such file or directory" not in err and "Errno" not in err, err


def test_a_failed_write_leaves_the_old_report_whole(xor_run, capsys, monkeypatch):
    import chainrule._util.files as atomic

    _, _, _, _, tmp = xor_run
    out = tmp / "report.html"
    out.write_text("the old report")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    code, _, err = run(capsys, ["report", str(tmp / "run.npz"), "-o", str(out)])
    assert code == 2 and "No space left" in err, err
    assert out.read_text() == "the old report"
    assert sorted(p.name for p in tmp.iterdir()) == ["report.html", "run.json", "run.npz"]


# --- finding the data a history names ---------------------------------------------------------
XOR_CSV = "a,b,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def history_naming(tmp, folder: str, data: dict) -> str:
    """A history file in ``tmp/folder`` whose data description is ``data``."""
    (tmp / folder).mkdir(exist_ok=True)
    path = tmp / folder / "h.json"
    path.write_text(history_json({"loss": [0.5, 0.25]}, data=data))
    return str(path)


@pytest.mark.parametrize("data_in", ["history's folder", "current folder"])
def test_a_relative_data_path_is_found_beside_the_history_then_here(
        xor_run, capsys, monkeypatch, data_in):
    _, _, _, _, tmp = xor_run
    history = history_naming(tmp, "runs", {"path": "d.csv", "target": "label"})
    (tmp / "elsewhere").mkdir()
    (tmp / ("runs" if data_in == "history's folder" else "elsewhere") / "d.csv").write_text(
        XOR_CSV)
    monkeypatch.chdir(tmp / "elsewhere")
    code, _, err = run(capsys, ["report", str(tmp / "run.npz"), "--history", history,
                                "-o", str(tmp / "r.html")])
    assert (code, err) == (0, ""), (data_in, err)
    page = (tmp / "r.html").read_text()
    assert "Final predictions" in page and "<th>a</th><th>b</th>" in page, data_in


def test_the_historys_data_beside_it_wins_over_a_file_of_that_name_here(
        xor_run, capsys, monkeypatch):
    _, _, _, _, tmp = xor_run
    history = history_naming(tmp, "runs", {"path": "d.csv", "target": "label"})
    (tmp / "runs" / "d.csv").write_text(XOR_CSV)
    (tmp / "d.csv").write_text(XOR_CSV.replace("a,b,", "p,q,"))
    monkeypatch.chdir(tmp)
    code, _, err = run(capsys, ["report", str(tmp / "run.npz"), "--history", history,
                                "-o", str(tmp / "r.html")])
    assert code == 0, err
    assert "<th>a</th><th>b</th>" in (tmp / "r.html").read_text()


def test_data_the_history_names_but_that_is_gone_drops_only_the_predictions(
        xor_run, capsys, monkeypatch):
    _, _, _, _, tmp = xor_run
    history = history_naming(tmp, "runs", {"path": "gone.csv", "target": "label"})
    monkeypatch.chdir(tmp)
    out = tmp / "r.html"
    code, stdout, err = run(capsys, ["report", str(tmp / "run.npz"), "--history", history,
                                     "-o", str(out)])
    assert code == 0 and stdout == f"wrote {out}\n"
    assert len(err.splitlines()) == 1 and "'gone.csv'" in err and "no predictions" in err, err
    page = out.read_text()
    assert "<svg" in page and "Final predictions" not in page and page.count('<img alt="') == 1
    # the same file asked for with --data is a mistake to report
    code, _, err = run(capsys, ["report", str(tmp / "run.npz"), "--history", history,
                                "--data", "gone.csv", "-o", str(out)])
    assert code == 2 and "no dataset or file named 'gone.csv'" in err, err


def test_report_html_without_data_shows_the_network_and_curves():
    model = cr.Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)], seed=0)
    model.build(4)
    page = report_html(model, history={"loss": [1.0, 0.5]})
    assert "<svg" in page and page.count('<img alt="') == 1
    assert "Final predictions" not in page
    assert "loss: 0.5" in page
    assert np.isfinite(model.predict(np.zeros((1, 4)))).all()
