"""Grading a large class with ``chainrule grade``: the target is 1,000 sheets in under 10 s.

    python benchmarks/bench_grade.py [--sheets 1000] [--variants 30] [--repeats 5] [--jobs N]

Writes, once, an exam (``chainrule problem --arch 2-3-1 --seed 2024 --variants 30``) and a
class of practice sheets (``chainrule grade --make-sheets``: right, drifting, slipped,
miscomputed and incomplete sheets, one copied from another variant) into a temporary folder,
then times the whole command a lecturer runs,

    chainrule grade CLASS --problems EXAM -o gradebook.csv

in a fresh process each time (start-up, loading the exam in every worker, grading, the
gradebook and two feedback pages a student), ``--repeats`` times. Prints one JSON line: the
median and every time in seconds, the median CPU seconds of the command and its workers,
sheets a second, the cores used and whether the median is within the target. The machine's
load is part of what is measured: give the figure with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report

TARGET_S = 10.0


def chainrule(*argv: str) -> None:
    subprocess.run([sys.executable, "-m", "chainrule", *argv], check=True,
                   stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=1000)
    parser.add_argument("--variants", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="default: one a core")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        chainrule("problem", "--arch", "2-3-1", "--seed", "2024", "--variants",
                  str(args.variants), "-o", str(work / "exam"))
        chainrule("grade", str(work / "class"), "--problems", str(work / "exam"),
                  "--make-sheets", str(args.sheets), "--seed", "1")
        command = ["grade", str(work / "class"), "--problems", str(work / "exam"), "-o",
                   str(work / "gradebook.csv")]
        if args.jobs:
            command += ["--jobs", str(args.jobs)]
        times, cpu = [], []
        for _ in range(args.repeats):
            before = _children_cpu()
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "chainrule", *command],
                           stdout=subprocess.DEVNULL, check=False)  # exit 1: sheets to look at
            times.append(time.perf_counter() - start)
            cpu.append(_children_cpu() - before)
        rows = (work / "gradebook.csv").read_text(encoding="utf-8").count("\n") - 1
    median = statistics.median(times)
    report(job="grade", impl="chainrule", sheets=args.sheets, rows=rows,
           variants=args.variants, cores=os.cpu_count(), jobs=args.jobs or os.cpu_count(),
           median_s=round(median, 3), times_s=[round(t, 3) for t in times],
           median_cpu_s=round(statistics.median(cpu), 3),
           sheets_per_s=round(args.sheets / median, 1), target_s=TARGET_S,
           within_target=median < TARGET_S, load_1min=round(os.getloadavg()[0], 2))


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes and theirs: the work
    itself, which a loaded machine stretches less than the wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
