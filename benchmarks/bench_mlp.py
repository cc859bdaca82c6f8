"""MLP 784-512-512-10 ReLU, softmax cross-entropy, SGD 0.05, batch 128, float32, one epoch
over 60,000 synthetic examples.

    python benchmarks/bench_mlp.py IMPL [--repeats N]

IMPL: chainrule (``fit``, as the README shows it), numpy, torch, jax. Prints one JSON line: the median epoch time of
``--repeats`` epochs after a warm-up epoch, and the BLAS bound measured in the same process:
the time of just the eight matrix products a step needs (three forward, three weight
gradients, two input gradients), over every step of an epoch. Each timed epoch comes right
after a timed bound epoch, and ``ratio_to_bound`` is the median of the per-epoch ratios to
the mean of the bound epochs on either side, so that a neighbour slowing the machine for a
while moves both. The peak memory is the training's: read after the warm-up epoch and one
more, before the bound's own arrays exist.
"""

from __future__ import annotations

import argparse
import statistics

from common import glorot, median_time, peak_rss_mb, report

N, SIZES, BATCH, LR = 60_000, (784, 512, 512, 10), 128, 0.05


def data():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, SIZES[0]), dtype=np.float32)  # 188 MB, made in float32
    y = np.zeros((N, SIZES[-1]), np.float32)
    y[np.arange(N), rng.integers(0, SIZES[-1], N)] = 1.0
    return x, y


def weights():
    import numpy as np

    rng = np.random.default_rng(1)
    return [a for i, o in zip(SIZES, SIZES[1:])
            for a in (glorot(rng, i, o, "float32"), np.zeros(o, np.float32))]


def orders(epochs: int):
    import numpy as np

    rng = np.random.default_rng(2)
    return [rng.permutation(N) for _ in range(epochs)]


def blas_bound():
    """One epoch's worth of the eight products of a step, with NumPy's BLAS (a function)."""
    import numpy as np

    x = np.random.default_rng(3).standard_normal((BATCH, SIZES[0]), dtype=np.float32)
    w = [np.full((i, o), 0.01, np.float32) for i, o in zip(SIZES, SIZES[1:])]
    h = [np.empty((BATCH, o), np.float32) for o in SIZES[1:]]
    g = [np.empty_like(a) for a in w]
    d = [np.empty((BATCH, o), np.float32) for o in SIZES[1:]]
    steps = -(-N // BATCH)

    def epoch():
        for _ in range(steps):
            np.matmul(x, w[0], out=h[0])
            np.matmul(h[0], w[1], out=h[1])
            np.matmul(h[1], w[2], out=h[2])
            np.matmul(h[1].T, h[2], out=g[2])
            np.matmul(h[2], w[2].T, out=d[1])
            np.matmul(h[0].T, d[1], out=g[1])
            np.matmul(d[1], w[1].T, out=d[0])
            np.matmul(x.T, d[0], out=g[0])
    return epoch


def chainrule_epochs(x, y, repeats):
    """``fit`` as the README shows it, one epoch a call: ``Sequential`` … ``compile`` …
    ``fit(x, y, epochs=1, batch_size=128, verbose=0)``."""
    import chainrule as cr

    # seed 1 with Glorot-uniform kernels and zero biases draws exactly ``weights()`` (same
    # generator, same order, float64 values rounded to float32), so the model starts where the
    # peers do without a second copy of the weights; ``same_start`` checks it after the run
    model = cr.Sequential([cr.layers.Dense(512, activation="relu", input_dim=784),
                           cr.layers.Dense(512, activation="relu"),
                           cr.layers.Dense(10, activation="softmax")], seed=1, dtype="float32")
    model.compile(loss="categorical_crossentropy", optimizer=cr.optimizers.SGD(LR))
    return lambda: model.fit(x, y, epochs=1, batch_size=BATCH, seed=2, verbose=0)


def numpy_epochs(x, y, repeats):
    import numpy as np

    params = weights()
    epochs = iter(orders(repeats + 1))

    def epoch():
        w1, b1, w2, b2, w3, b3 = params  # updated in place
        order = next(epochs)
        for start in range(0, N, BATCH):
            index = order[start:start + BATCH]
            xb, yb = x[index], y[index]
            h1 = np.maximum(xb @ w1 + b1, 0)
            h2 = np.maximum(h1 @ w2 + b2, 0)
            z = h2 @ w3 + b3
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            d3 = (p - yb) / len(index)
            d2 = (d3 @ w3.T) * (h2 > 0)
            d1 = (d2 @ w2.T) * (h1 > 0)
            w3 -= LR * (h2.T @ d3)
            b3 -= LR * d3.sum(0)
            w2 -= LR * (h1.T @ d2)
            b2 -= LR * d2.sum(0)
            w1 -= LR * (xb.T @ d1)
            b1 -= LR * d1.sum(0)
    return epoch


def torch_epochs(x, y, repeats):
    import torch

    xt, yt = torch.from_numpy(x), torch.from_numpy(y).argmax(1)
    params = [torch.tensor(a, requires_grad=True) for a in weights()]
    epochs = iter(orders(repeats + 1))

    def epoch():
        w1, b1, w2, b2, w3, b3 = params
        order = torch.from_numpy(next(epochs))
        for start in range(0, N, BATCH):
            index = order[start:start + BATCH]
            h = torch.relu(torch.relu(xt[index] @ w1 + b1) @ w2 + b2)
            loss = torch.nn.functional.cross_entropy(h @ w3 + b3, yt[index])
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
    return epoch


def jax_epochs(x, y, repeats):
    import jax
    import jax.numpy as jnp

    def loss(p, xb, yb):
        w1, b1, w2, b2, w3, b3 = p
        h = jax.nn.relu(jax.nn.relu(xb @ w1 + b1) @ w2 + b2)
        return -jnp.mean(jnp.sum(yb * jax.nn.log_softmax(h @ w3 + b3), axis=1))

    @jax.jit
    def step(p, xb, yb):
        g = jax.grad(loss)(p, xb, yb)
        return tuple(a - LR * b for a, b in zip(p, g))

    state = {"p": tuple(jnp.asarray(a) for a in weights())}
    epochs = iter(orders(repeats + 1))

    def epoch():
        order = next(epochs)
        p = state["p"]
        for start in range(0, N, BATCH):
            index = order[start:start + BATCH]
            p = step(p, x[index], y[index])
        state["p"] = jax.block_until_ready(p)
    return epoch


RUNS = {"chainrule": chainrule_epochs, "numpy": numpy_epochs, "torch": torch_epochs,
        "jax": jax_epochs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=sorted(RUNS))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    x, y = data()
    epoch = RUNS[args.impl](x, y, args.repeats + 2)
    epoch()  # warm-up: buffers, compilation
    epoch()
    peak = peak_rss_mb()
    bound = blas_bound()
    bound()  # warm-up
    bounds, times = [median_time(bound, 1)[0]], []
    for _ in range(args.repeats):
        times.append(median_time(epoch, 1)[0])
        bounds.append(median_time(bound, 1)[0])
    ratios = [t / ((b0 + b1) / 2) for t, b0, b1 in zip(times, bounds, bounds[1:])]
    report(job="mlp", impl=args.impl, epoch_s=round(statistics.median(times), 4),
           bound_s=round(statistics.median(bounds), 4),
           ratio_to_bound=round(statistics.median(ratios), 3),
           times=[round(s, 4) for s in times], bounds=[round(s, 4) for s in bounds],
           peak_mb=round(peak, 1))
    if args.impl == "chainrule" and not same_start():
        raise SystemExit("chainrule's seeded model does not start from the shared weights")


def same_start() -> bool:
    """Whether ``Sequential(seed=1)`` draws exactly ``weights()`` (checked after the peak
    memory is reported: the check holds both copies at once)."""
    import numpy as np

    import chainrule as cr

    model = cr.Sequential([cr.layers.Dense(o) for o in SIZES[1:]], seed=1, dtype="float32")
    model.build(SIZES[0])
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights()))


if __name__ == "__main__":
    main()
