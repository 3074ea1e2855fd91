"""Wall time of one study under each executor (issue 6; figures in docs/experiments.md).

Runs ``--replications`` replications of a scenario (default: the shipped island
eruption, 1,000 replications) with the sequential, local-process and Dask executors,
checks that they give identical tables, and prints wall time and CPU time (this process
and its workers: on a machine shared with other jobs, wall time depends on the load, CPU
time much less). The Dask LocalCluster start is timed apart from the studies (a cluster
is usually reused); the local process pool starts inside each study and is included.

    .venv/bin/python benchmarks/executors.py [--replications 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import pandas as pd

from resilience_sim import load_scenario
from resilience_sim.experiments import DaskExecutor, LocalExecutor, SequentialExecutor, simulate
from resilience_sim.experiments.executors import available_cpus
from resilience_sim.experiments.study import TABLES

SCENARIO = Path(__file__).parent.parent / "scenarios" / "pacific_island_eruption.yaml"


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=available_cpus())
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    n = args.replications
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{scenario.name}: {n} replications, {args.workers} workers; load average {load}")

    results = {}
    for label, executor in (
        ("sequential", SequentialExecutor()),
        ("local", LocalExecutor(args.workers)),
    ):
        wall, cpu = time.perf_counter(), cpu_s()
        results[label] = simulate(scenario, n, args.seed, executor=executor)
        report(label, time.perf_counter() - wall, cpu_s() - cpu, n)

    started = time.perf_counter()
    with DaskExecutor(workers=args.workers) as dask:
        client = dask.client  # starts the LocalCluster here, timed on its own
        print(f"{'dask cluster start':<22} {time.perf_counter() - started:7.2f} s")
        for run in ("dask, first study", "dask, cluster reused"):
            wall, cpu = time.perf_counter(), cpu_s() + sum(client.run(cpu_s).values())
            results[run] = simulate(scenario, n, args.seed, executor=dask)
            cpu = cpu_s() + sum(client.run(cpu_s).values()) - cpu
            report(run, time.perf_counter() - wall, cpu, n)

    for result in results.values():
        for table in TABLES:
            pd.testing.assert_frame_equal(
                getattr(result, table), getattr(results["sequential"], table), check_exact=True
            )
    print("identical tables under every executor")


def report(label: str, wall_s: float, cpu_s: float, n: int) -> None:
    print(
        f"{label:<22} {wall_s:7.2f} s wall  {1000 * wall_s / n:6.2f} ms/replication  "
        f"{cpu_s:7.2f} s CPU"
    )


if __name__ == "__main__":
    main()
