#!/usr/bin/env python3
"""A plain split and its merge under steady traffic on the local engine: how many answers
on the split path were not the apps' own (the load balancer's 503 while a rule forwards
to a target group with no healthy target), run after run.

    scripts/bench-split.sh                                   # this checkout's binary
    MYSFITS_BIN=/path/to/mysfits scripts/bench-split.sh      # another build (before/after)

The lab of bench_cutover.py (the echo app: web on the default route, like on
/mysfits/*/like), GET /mysfits/1/like through the load balancer 5 times a second the
whole time. Each of BENCH_RUNS runs (3): `mysfits split like`, then `mysfits merge like
--yes`; the answers other than 200 while each ran (and 1 s after), and the `task
stopped` lines the split printed (a split right after a merge). Only 127.0.0.1 is ever
contacted.
"""

from __future__ import annotations

import time

from bench_cutover import BIN, RUNS, Lab, Traffic, engine_lab

EVERY = 0.2  # 5 requests a second


def during(lab: Lab, traffic: Traffic, *args: str) -> tuple[int, int, str]:
    """Runs `mysfits args`; (answers, answers other than 200, its stderr)."""
    began = time.monotonic()
    done = lab.mysfits(*args)
    time.sleep(1)
    seen = [status for t, status in list(traffic.answers) if t >= began]
    return len(seen), sum(1 for s in seen if s != 200), done.stderr


def main() -> None:
    rows = []
    with engine_lab() as (lab, host, port):
        lab.deploy("like", "v1", "ok", "1")
        traffic = Traffic(host, port, EVERY)
        traffic.start()
        for run in range(1, RUNS + 1):
            n, bad, err = during(lab, traffic, "split", "like")
            stopped = sum(1 for line in err.splitlines() if "task stopped" in line)
            m, merge_bad, _ = during(lab, traffic, "merge", "like", "--yes")
            rows.append((run, n, bad, stopped, m, merge_bad))
        traffic.done.set()
        traffic.join(6)
    print(f"{BIN}: `mysfits split like`, then `merge like --yes`, GET /mysfits/1/like 5 times a second")
    print(f"{'run':>3}  {'split: answers':>14}  {'not 200':>7}  {'task stopped lines':>18}  "
          f"{'merge: answers':>14}  {'not 200':>7}")
    for run, n, bad, stopped, m, merge_bad in rows:
        print(f"{run:>3}  {n:>14}  {bad:>7}  {stopped:>18}  {m:>14}  {merge_bad:>7}")


if __name__ == "__main__":
    main()
