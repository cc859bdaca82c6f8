"""Run every benchmark job, each in its own process, and print one table.

    python benchmarks/run.py [--rounds N] [--repeats N] [--jobs xor,mlp,digits,startup]

Peers (PyTorch, JAX, scikit-learn) are run when installed and skipped otherwise. Ratios are
chainrule / peer: below 1 means chainrule is faster. Each job is started ``--rounds`` times
in turn with its peers (interleaved, so that a noisy neighbour hurts everyone alike) and the
median is reported.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = {"torch": "torch", "jax-step": "jax", "jax-scan": "jax", "jax": "jax",
         "sklearn": "sklearn"}
JOBS = {
    "xor": ("bench_xor.py", ["chainrule", "chainrule --verbose auto", "chainrule --stop",
                             "chainrule-nonumba", "chainrule-trainer", "jax-scan", "jax-step",
                             "torch", "numpy", "python"], "us_per_step"),
    "mlp": ("bench_mlp.py", ["chainrule", "jax", "torch", "numpy"], "epoch_s"),
    "digits": ("bench_digits.py", ["chainrule", "torch", "numpy", "sklearn"], "train_s"),
}


def available(impl: str) -> bool:
    module = PEERS.get(impl.split()[0])
    return module is None or importlib.util.find_spec(module) is not None


def run_job(script: str, impl: str, *args: str) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, os.path.join(HERE, script), *impl.split(), *args],
                          capture_output=True, text=True, cwd=HERE, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return {"impl": impl, "error": done.stderr.strip().splitlines()[-1:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(wall, 4)
    return result


def median_of(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else None


def run_rounds(script: str, impls: list[str], rounds: int, *args: str) -> dict[str, list]:
    results: dict[str, list] = {impl: [] for impl in impls}
    for _ in range(rounds):
        for impl in impls:
            results[impl].append(run_job(script, impl, *args))
    return results


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]

    def line(cells: list) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([f"\n{title}", line(header), line(["-" * w for w in widths]),
                      *map(line, rows)])


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}g}"


def ratio(mine: float | None, theirs: float | None) -> str:
    return "—" if mine is None or not theirs else f"{mine / theirs:.2f}"


def xor_report(rounds: int, repeats: int) -> str:
    impls = [i for i in JOBS["xor"][1] if available(i)]
    steady = run_rounds("bench_xor.py", impls, rounds, "--repeats", str(repeats))
    cold_impls = [i for i in impls if i in ("chainrule", "chainrule-nonumba", "jax-scan",
                                            "python")]
    cold = run_rounds("bench_xor.py", cold_impls, rounds, "--cold")
    mine = median_of(steady["chainrule"], "us_per_step")
    mine_cold = median_of(cold["chainrule"], "wall_s")
    rows = []
    for impl in impls:
        us = median_of(steady[impl], "us_per_step")
        wall = median_of(cold.get(impl, []), "wall_s")
        rows.append([impl, fmt(us), ratio(mine, us), fmt(wall), ratio(mine_cold, wall),
                     fmt(median_of(cold.get(impl, []), "peak_mb"), 4), _errors(steady[impl])])
    return table("XOR 2-2-1 online SGD, 20,000 steps, float64 (chainrule: fit)",
                 ["impl", "µs/step", "chainrule/impl", "whole command s",
                  "chainrule/impl (cmd)", "peak MB", "notes"], rows)


def mlp_report(rounds: int, repeats: int) -> str:
    impls = [i for i in JOBS["mlp"][1] if available(i)]
    results = run_rounds("bench_mlp.py", impls, rounds, "--repeats", str(repeats))
    mine = median_of(results["chainrule"], "epoch_s")
    rows = []
    for impl in impls:
        epoch = median_of(results[impl], "epoch_s")
        rows.append([impl, fmt(epoch), fmt(median_of(results[impl], "bound_s")),
                     fmt(median_of(results[impl], "ratio_to_bound")), ratio(mine, epoch),
                     fmt(median_of(results[impl], "peak_mb"), 4), _errors(results[impl])])
    return table("MLP 784-512-512-10, batch 128, float32, 1 epoch of 60,000",
                 ["impl", "epoch s", "BLAS bound s", "epoch/bound", "chainrule/impl",
                  "peak MB", "notes"], rows)


def digits_report(rounds: int, repeats: int) -> str:
    impls = [i for i in JOBS["digits"][1] if available(i)]
    results = run_rounds("bench_digits.py", impls, rounds, "--repeats", str(repeats))
    mine = median_of(results["chainrule"], "train_s")
    rows = []
    for impl in impls:
        seconds = median_of(results[impl], "train_s")
        mean, sd = (median_of(results[impl], k) for k in ("accuracy_mean", "accuracy_sd"))
        rows.append([impl, fmt(seconds), ratio(mine, seconds),
                     fmt(median_of(results[impl], "accuracy"), 4),
                     "—" if mean is None else f"{mean:.4f} ± {sd:.4f}",
                     fmt(median_of(results[impl], "peak_mb"), 4),
                     _errors(results[impl])])
    return table("digits 64-64-10 sigmoid/softmax, SGD 0.1, batch 32, 50 epochs",
                 ["impl", "train s", "chainrule/impl", "test accuracy (seed 0)",
                  "mean ± sd over seeds", "peak MB", "notes"], rows)


def startup_report(rounds: int) -> str:
    code = ("import time; t = time.perf_counter(); import chainrule; "
            "print(time.perf_counter() - t)")
    imports = []
    for _ in range(max(rounds, 5)):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=False)
        if done.returncode == 0:
            imports.append(float(done.stdout.strip()))
    rows = [["import chainrule", fmt(statistics.median(imports) * 1e3 if imports else None),
             "150"]]
    demo = importlib.util.find_spec("chainrule.cli.demo") is not None
    walls = []
    for _ in range(max(rounds, 3) if demo else 0):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "chainrule", "demo"], capture_output=True,
                              check=False)
        if done.returncode == 0:
            walls.append(time.perf_counter() - start)
    rows.append(["chainrule demo (cold process)",
                 fmt(statistics.median(walls) * 1e3) if walls else "not available", "1000"])
    return table("Start-up", ["what", "ms (median)", "target ms"], rows)


def _errors(results: list[dict]) -> str:
    errors = [r["error"] for r in results if "error" in r]
    return f"failed: {errors[0]}" if errors else ""


def environment() -> str:
    code = ("import json, numpy, threadpoolctl; "
            "print(json.dumps([(i['internal_api'], i.get('architecture'), i['num_threads']) "
            "for i in threadpoolctl.threadpool_info()]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    blas = done.stdout.strip() if done.returncode == 0 else "(threadpoolctl not installed)"
    keys = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    env = ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in keys)
    return f"python {sys.version.split()[0]}; BLAS {blas}; {env}; {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs inside a process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per implementation")
    parser.add_argument("--jobs", default="xor,mlp,digits,startup")
    args = parser.parse_args()
    print(environment())
    reports = {"xor": xor_report, "mlp": mlp_report, "digits": digits_report}
    for job in args.jobs.split(","):
        if job == "startup":
            print(startup_report(args.rounds), flush=True)
        else:
            print(reports[job](args.rounds, args.repeats), flush=True)


if __name__ == "__main__":
    main()
