"""XOR 2-2-1 sigmoid, ½SSE, online SGD (learning rate 0.5), 20,000 steps, float64.

    python benchmarks/bench_xor.py IMPL [--repeats N] [--cold]

IMPL: chainrule, chainrule-nonumba, chainrule-trainer, numpy, python, torch, jax-step,
jax-scan. Prints one JSON line: the median µs per step of ``--repeats`` runs of 20,000 steps
after the warm-up runs (which include any import and compilation), or with ``--cold`` a
single run, so that the process time is the whole command. The warm-up runs continue until
``fit`` has loaded its compiled loop (a fresh process trains its first ~330,000 XOR steps in
plain Python, see ``chainrule.fast.trainer``), so the timed runs are the steady state.

``chainrule`` is the public API as the README shows it: ``Sequential`` of two sigmoid
``Dense`` layers, ``compile(loss="half_sse", optimizer=SGD(learning_rate=0.5))``,
``fit(x, y, epochs=5000, batch_size=1, shuffle=False, verbose=0)`` (``--verbose auto`` for
fit's default display, ``--stop`` with ``callbacks=[StopWhenCorrect()]``); each timed run
fits a fresh model from the peers' initial weights. ``chainrule-nonumba``: the same in a
process where ``import numba`` fails. ``chainrule-trainer``: the internal trainer fed the
orders directly, shown beside ``fit``, never instead of it.
"""

from __future__ import annotations

import argparse
import math

from common import median_time, report

STEPS = 20_000
LR = 0.5
LAST: dict = {}  # the loop chainrule's last run used


def initial(np):
    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, 2), rng.uniform(-1, 1, (2, 1)),
            rng.uniform(-1, 1, 1)]


def xor_data(np):
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return x, np.array([[0.0], [1.0], [1.0], [0.0]])


def model_for(np):
    """The network as the README builds it, from the peers' initial weights."""
    import chainrule as cr

    model = cr.Sequential([cr.layers.Dense(2, activation="sigmoid", input_dim=2),
                           cr.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="half_sse", optimizer=cr.optimizers.SGD(learning_rate=LR))
    model.set_weights(initial(np))
    return model


def chainrule_run(verbose: object = 0, stop: bool = False, runs: int = 6):
    """``fit`` exactly as a user calls it, 5,000 epochs of 4, on a fresh model each run
    (built, like the peers' weights, before the clock starts)."""
    import numpy as np

    import chainrule as cr

    x, t = xor_data(np)
    models = [model_for(np) for _ in range(runs + 1)]

    def run(warm_up: bool = False):
        model = model_for(np) if warm_up else models.pop()
        callbacks = [cr.callbacks.StopWhenCorrect()] if stop else None
        history = model.fit(x, t, epochs=STEPS // 4, batch_size=1, shuffle=False,
                            verbose=verbose, callbacks=callbacks)
        LAST["steps"] = 4 * len(history.epoch)
    run.warm_up = lambda: run(warm_up=True)
    return run


def chainrule_nonumba_run(**kwargs):
    """An install without Numba: ``import numba`` fails in this process."""
    import sys

    class NoNumba:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "numba" or name.startswith("numba."):
                raise ImportError(f"{name} is hidden by the benchmark")

    sys.meta_path.insert(0, NoNumba)
    return chainrule_run(**kwargs)


def trainer_run():
    """Beside ``fit``, never instead of it: the internal trainer fed the orders directly."""
    import numpy as np

    from chainrule import fast

    x, t = xor_data(np)
    params = initial(np)
    trainer = fast.Trainer.from_arrays([(params[0], params[1], "sigmoid"),
                                        (params[2], params[3], "sigmoid")],
                                       loss="half_sse", optimizer=("sgd", LR),
                                       backend="compiled")
    orders = np.tile(np.arange(4), (STEPS // 4, 1))

    def run():
        trainer.run(x, t, orders, 1)
    return run


def numpy_run():
    import numpy as np

    params = initial(np)
    x, t = xor_data(np)

    def run():
        w1, b1, w2, b2 = params  # updated in place
        for step in range(STEPS):
            xi, ti = x[step % 4:step % 4 + 1], t[step % 4:step % 4 + 1]
            h = 1 / (1 + np.exp(-(xi @ w1 + b1)))
            o = 1 / (1 + np.exp(-(h @ w2 + b2)))
            d2 = (o - ti) * o * (1 - o)
            d1 = (d2 @ w2.T) * h * (1 - h)
            w2 -= LR * (h.T @ d2)
            b2 -= LR * d2[0]
            w1 -= LR * (xi.T @ d1)
            b1 -= LR * d1[0]
    return run


def python_run():
    import numpy as np

    w1, b1, w2, b2 = (a.tolist() for a in initial(np))
    w = [w1[0][0], w1[0][1], w1[1][0], w1[1][1], b1[0], b1[1], w2[0][0], w2[1][0], b2[0]]
    data = [(0.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (1.0, 1.0, 0.0)]
    exp = math.exp

    def run():
        w11, w12, w21, w22, c1, c2, v1, v2, c3 = w
        for step in range(STEPS):
            x1, x2, t = data[step & 3]
            h1 = 1 / (1 + exp(-(x1 * w11 + x2 * w21 + c1)))
            h2 = 1 / (1 + exp(-(x1 * w12 + x2 * w22 + c2)))
            o = 1 / (1 + exp(-(h1 * v1 + h2 * v2 + c3)))
            d = (o - t) * o * (1 - o)
            e1, e2 = d * v1 * h1 * (1 - h1), d * v2 * h2 * (1 - h2)
            v1 -= LR * d * h1
            v2 -= LR * d * h2
            c3 -= LR * d
            w11 -= LR * e1 * x1
            w21 -= LR * e1 * x2
            c1 -= LR * e1
            w12 -= LR * e2 * x1
            w22 -= LR * e2 * x2
            c2 -= LR * e2
    return run


def torch_run():
    import numpy as np
    import torch

    torch.set_num_threads(1)
    params = [torch.tensor(a, requires_grad=True) for a in initial(np)]
    x, t = (torch.tensor(a) for a in xor_data(np))

    def run():
        w1, b1, w2, b2 = params
        for step in range(STEPS):
            xi, ti = x[step % 4:step % 4 + 1], t[step % 4:step % 4 + 1]
            o = torch.sigmoid(torch.sigmoid(xi @ w1 + b1) @ w2 + b2)
            loss = 0.5 * ((ti - o) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= LR * p.grad
                    p.grad = None
    return run


def _jax_setup():
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)
    x, t = (jnp.array(a) for a in xor_data(np))

    def loss(p, xi, ti):
        w1, b1, w2, b2 = p
        o = jax.nn.sigmoid(jax.nn.sigmoid(xi @ w1 + b1) @ w2 + b2)
        return 0.5 * jnp.sum((ti - o) ** 2)

    def step(p, i):
        g = jax.grad(loss)(p, x[i % 4], t[i % 4])
        return tuple(a - LR * b for a, b in zip(p, g))

    return jax, jnp, tuple(jnp.array(a) for a in initial(np)), step


def jax_scan_run():
    jax, jnp, params, step = _jax_setup()
    train = jax.jit(lambda p: jax.lax.scan(lambda c, i: (step(c, i), None), p,
                                           jnp.arange(STEPS))[0])
    return lambda: jax.block_until_ready(train(params))


def jax_step_run():
    jax, jnp, params, step = _jax_setup()
    jit_step = jax.jit(step)

    def run():
        p = params
        for i in range(STEPS):
            p = jit_step(p, i % 4)
        jax.block_until_ready(p)
    return run


def warm_up(run) -> float:
    """Run until the loop the timed runs use is loaded: once, or for ``fit`` until it has
    trained on the compiled loop once (it trains in plain Python until the process has spent
    its budget, then loads Numba and the cached loop). Returns the first run's seconds."""
    once = getattr(run, "warm_up", run)
    first, runs = median_time(once, 1)[0], 1
    if once is not run:
        from chainrule.fast import trainer

        while trainer._spent[0] <= trainer.PYTHON_BUDGET:  # the compiled loop sets it above
            once()
            runs += 1
    once()
    LAST["warm_up_runs"] = runs + 1
    return first


RUNS = {"chainrule": chainrule_run, "chainrule-nonumba": chainrule_nonumba_run,
        "chainrule-trainer": trainer_run, "numpy": numpy_run, "python": python_run,
        "torch": torch_run, "jax-step": jax_step_run, "jax-scan": jax_scan_run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=sorted(RUNS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--verbose", default="0", help="fit's verbose: 0, 1, 2 or auto")
    parser.add_argument("--stop", action="store_true", help="fit with StopWhenCorrect()")
    args = parser.parse_args()
    options = {}
    if args.impl.startswith("chainrule") and args.impl != "chainrule-trainer":
        verbose = args.verbose if args.verbose == "auto" else int(args.verbose)
        options = {"verbose": verbose, "stop": args.stop, "runs": args.repeats + 1}
    run = RUNS[args.impl](**options)
    if args.cold:
        first, _ = median_time(run, 1)
        report(job="xor", impl=args.impl, first_run_s=round(first, 4), **LAST)
        return
    first = warm_up(run)
    seconds, times = median_time(run, args.repeats)
    steps = LAST.get("steps", STEPS)
    report(job="xor", impl=args.impl, us_per_step=round(seconds / steps * 1e6, 4),
           first_run_s=round(first, 4), times=[round(s, 5) for s in times], **LAST)


if __name__ == "__main__":
    main()
