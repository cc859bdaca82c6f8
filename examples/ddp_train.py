"""A chainrule model trained by PyTorch's DistributedDataParallel, then explained.

The network is defined in chainrule, handed to PyTorch (``cr.to_torch``), trained by two CPU
processes with ``DistributedDataParallel`` (the gloo backend, on 127.0.0.1 only: each
process takes half of every batch and the processes average their gradients), brought back
(``cr.from_torch``), and one step of the trained network is explained — checked against the
step PyTorch takes.

Run from the repository root: ``python examples/ddp_train.py`` (about ten seconds).
"""

from __future__ import annotations

import copy
import datetime
import os
import socket
import sys
import tempfile

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

import chainrule as cr

WORLD_SIZE = 2
EPOCHS = 30
BATCH = 16  # per process: each step sees 2 × 16 examples
LEARNING_RATE = 0.5


def data() -> tuple[np.ndarray, np.ndarray]:
    """The two-moons data: 128 points, labels 0/1."""
    return cr.datasets.moons(128, noise=0.1, seed=0)


def chainrule_model() -> cr.Sequential:
    return cr.Sequential([cr.layers.Dense(8, activation="tanh", input_dim=2),
                          cr.layers.Dense(1, activation="sigmoid")], seed=0)


def batches(rank: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Process ``rank``'s part of every batch: examples rank, rank + 2, rank + 4, … of it
    (``DistributedSampler(shuffle=False)`` order), in epoch order."""
    x, y = data()
    out = []
    for start in range(0, len(x), BATCH * WORLD_SIZE):
        part = slice(start + rank, start + BATCH * WORLD_SIZE, WORLD_SIZE)
        out.append((torch.tensor(x[part]), torch.tensor(y[part])))
    return out


def train(rank: int, port: int, module: torch.nn.Sequential, folder: str) -> None:
    """One process of the group: DDP over the module, plain SGD on its half of each batch."""
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=WORLD_SIZE, timeout=datetime.timedelta(seconds=60))
    try:
        # torch.multiprocessing hands every process the same shared memory: copy it first
        ddp = DistributedDataParallel(copy.deepcopy(module))
        optimizer = torch.optim.SGD(ddp.parameters(), lr=LEARNING_RATE)
        loss = torch.nn.BCELoss()
        for _ in range(EPOCHS):
            for x, y in batches(rank):
                optimizer.zero_grad()
                loss(ddp(x), y).backward()  # DDP averages the gradients of the processes
                optimizer.step()
        if rank == 0:
            torch.save(ddp.module.state_dict(), os.path.join(folder, "trained.pt"))
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_distributed(module: torch.nn.Sequential) -> torch.nn.Sequential:
    """``module`` trained by ``WORLD_SIZE`` processes; the module itself is not changed."""
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # loopback only
    trained = copy.deepcopy(module)
    with tempfile.TemporaryDirectory() as folder:
        mp.spawn(train, args=(free_port(), module, folder), nprocs=WORLD_SIZE, join=True)
        trained.load_state_dict(torch.load(os.path.join(folder, "trained.pt")))
    return trained


def bce(y: np.ndarray, p: np.ndarray) -> float:
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main() -> int:
    x, y = data()
    model = chainrule_model()
    module = cr.to_torch(model)  # float64, weight = kernel.T
    before = bce(y, model.predict(x))
    trained = train_distributed(module)
    back = cr.from_torch(trained)
    after = bce(y, back.predict(x))
    accuracy = float(np.mean((back.predict(x) > 0.5) == (y > 0.5)))
    print(f"DistributedDataParallel, gloo, {WORLD_SIZE} processes: loss {before:.4f} -> "
          f"{after:.4f}, accuracy {accuracy:.2f}")
    optimizer = torch.optim.SGD(trained.parameters(), lr=LEARNING_RATE)
    solution = cr.explain(trained, x[0], y[0], loss=torch.nn.BCELoss(), optimizer=optimizer,
                          convention="layered", decimals=4)
    error = solution.equation("s1.E")
    print(f"one more step on x = {x[0].round(4).tolist()}, t = {y[0, 0]:.0f}: "
          f"E = {error.printed}, {len(solution.steps[0].section('update'))} updates")
    print(solution.notes[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
