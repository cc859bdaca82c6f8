"""Run one job's implementations interleaved, as ``run.py`` does, and keep every raw result
with the machine's load beside it.

    python benchmarks/record.py OUT.jsonl SCRIPT ROUNDS IMPL[,IMPL...] [JOB ARGS...]

e.g. ``python benchmarks/record.py xor.jsonl bench_xor.py 5 "chainrule,jax-scan" --cold``.
Each line appended to OUT is the job's JSON line plus ``wall_s`` (the whole command),
``load_before`` / ``load_after`` (1-minute load average around the process) and ``at`` (UTC
time): the figures in README's dated table are medians over these lines.
"""

from __future__ import annotations

import json
import os
import sys
import time

from run import run_job


def main() -> None:
    out, script, rounds, impls, *args = sys.argv[1:]
    with open(out, "a", encoding="utf-8") as lines:
        for _ in range(int(rounds)):
            for impl in impls.split(","):
                load = os.getloadavg()[0]
                result = run_job(script, impl, *args)
                result.update(impl_args=impl, load_before=round(load, 2),
                              load_after=round(os.getloadavg()[0], 2),
                              at=time.strftime("%H:%M:%S", time.gmtime()))
                lines.write(json.dumps(result) + "\n")
                lines.flush()
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
