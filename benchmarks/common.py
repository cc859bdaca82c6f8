"""Shared by the benchmark jobs: timing, peak memory, and the one-line JSON a job prints.

Each job runs in its own process (``run.py`` starts them), so its peak resident memory
(``resource.getrusage``) is its own.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable

STARTED = time.perf_counter()


def median_time(function: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """Median wall time of ``repeats`` calls (seconds), and every time."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024 / 1e6 if sys.platform != "darwin" else kib / 1e6


def report(**fields: object) -> None:
    """Print the job's result as one JSON line (``run.py`` reads the last line)."""
    fields.setdefault("peak_mb", round(peak_rss_mb(), 1))
    fields.setdefault("process_s", round(time.perf_counter() - STARTED, 4))
    print(json.dumps(fields))


def glorot(rng, fan_in: int, fan_out: int, dtype="float64"):
    """Glorot-uniform kernel (fan_in, fan_out), the same for every library in a job."""
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)
