"""examples/ddp_train.py: DistributedDataParallel with two gloo processes on 127.0.0.1, held
to one process taking the same whole batches (DDP averages the two halves' gradients)."""

from __future__ import annotations

import copy
import importlib
import pathlib
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch.distributed")

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_ddp_example_trains_on_two_processes_as_one_process_would(monkeypatch, capsys):
    if not torch.distributed.is_available():
        pytest.skip("this PyTorch build has no torch.distributed")
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    example = importlib.import_module("ddp_train")
    runs = []
    distributed = example.train_distributed

    def recorded(module):
        runs.append((copy.deepcopy(module), distributed(module)))
        return runs[-1][1]

    monkeypatch.setattr(example, "train_distributed", recorded)
    assert example.main() == 0
    printed = capsys.readouterr().out
    (start, trained), = runs

    x, y = (torch.tensor(a) for a in example.data())
    optimizer = torch.optim.SGD(start.parameters(), lr=example.LEARNING_RATE)
    whole = example.BATCH * example.WORLD_SIZE
    for _ in range(example.EPOCHS):
        for first in range(0, len(x), whole):
            optimizer.zero_grad()
            torch.nn.BCELoss()(start(x[first:first + whole]), y[first:first + whole]).backward()
            optimizer.step()
    for ours, theirs in zip(start.parameters(), trained.parameters()):
        np.testing.assert_allclose(theirs.detach().numpy(), ours.detach().numpy(), rtol=0,
                                   atol=1e-12)

    shown = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", shown, re.S).group(1)
    agreed = re.compile(r"to within \S+ \(")  # the last bits belong to the machine
    assert agreed.sub("", printed) == agreed.sub("", block)
