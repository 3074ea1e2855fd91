"""Cost of widest-path routing against hop-count routing, and of the disconnection pass
(issue 17; figures in docs/performance.md). Ratios, so that a busy machine matters less.

On a generated national network (undamaged, 200 kbit/s per user): the median of
``--repeats`` calls of ``route_traffic`` with ``routing="shortest"``, the same with path
latencies, ``routing="widest"``; and one ``Interdependency.fixed_point`` with every cell
site needing an exchange (``fails_when: disconnected``) against one
``connected_components`` pass (``component_labels``); and the engine's CPU time for
replication 0 of the benchmark disaster (``benchmarks/workload.py``) without and with
that rule.

    .venv/bin/python benchmarks/routing.py [--nodes 10000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.workload import build_workload  # noqa: E402
from resilience_sim.engine import simulate_replication  # noqa: E402
from resilience_sim.engine.disconnection import (  # noqa: E402
    DisconnectionRule,
    Interdependency,
    compile_rules,
)
from resilience_sim.engine.service import component_labels  # noqa: E402
from resilience_sim.engine.traffic import route_traffic  # noqa: E402
from resilience_sim.hazards import sample_hazards  # noqa: E402
from resilience_sim.rng import replication_rngs, replication_seeds  # noqa: E402
from resilience_sim.scenario.interdependency import DependencyRule  # noqa: E402
from resilience_sim.topology import compile_topology  # noqa: E402
from resilience_sim.topology.generate import generate_topology  # noqa: E402


def median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    arrays = compile_topology(generate_topology("national", args.nodes, seed=1))
    demand = arrays.population * 0.0002
    up = ~arrays.standby
    cells = arrays.asset_kinds[: arrays.n_nodes] == "cell_site"
    exchanges = arrays.asset_kinds[: arrays.n_nodes] == "exchange"
    system = Interdependency(
        arrays.n_nodes,
        arrays.link_src,
        arrays.link_dst,
        [DisconnectionRule("cells on exchanges", cells, exchanges)],
    )
    figures = {
        "shortest_s": median_s(lambda: route_traffic(arrays, up, demand), args.repeats),
        "shortest_latency_s": median_s(
            lambda: route_traffic(arrays, up, demand, with_latency=True), args.repeats
        ),
        "widest_s": median_s(
            lambda: route_traffic(arrays, up, demand, routing="widest"), args.repeats
        ),
        "components_s": median_s(lambda: component_labels(arrays, up), args.repeats),
        "fixed_point_s": median_s(lambda: system.fixed_point(up), args.repeats),
    }
    carried = {
        r: route_traffic(arrays, up, demand, routing=r).carried_frac for r in ("shortest", "widest")
    }
    print(f"{args.nodes} nodes, {arrays.n_links} links, median of {args.repeats}:")
    for name, value in figures.items():
        print(f"  {name:20s} {value * 1e3:8.2f} ms")
    print(f"  widest / shortest    {figures['widest_s'] / figures['shortest_s']:8.2f}")
    print(f"  fixed point / pass   {figures['fixed_point_s'] / figures['components_s']:8.2f}")
    print("  routed share of demand: " + ", ".join(f"{k} {v:.3f}" for k, v in carried.items()))
    engine_cpu_s(args.nodes)
    return 0


def engine_cpu_s(n_nodes: int) -> None:
    """Engine CPU seconds of the benchmark disaster, without and with the rule."""
    work = build_workload(n_nodes)
    ctx, spec = work.context, work.context.scenario.spec
    rule = DependencyRule.model_validate(
        {
            "name": "cells on exchanges",
            "nodes": {"kinds": ["cell_site"]},
            "needs": {"kinds": ["exchange"]},
            "fails_when": "disconnected",
        }
    )
    rules = compile_rules(ctx.arrays, ctx.topology, [rule])
    for label, system in (("engine without rule", None), ("engine with rule", rules)):
        rngs = replication_rngs(replication_seeds(1, 1)[0])
        damages = sample_hazards(spec, ctx.topology, ctx.arrays, rngs["hazards"])
        started = time.process_time()
        log = simulate_replication(
            ctx.arrays,
            damages,
            spec.recovery,
            ctx.crew_plan,
            rngs["repairs"],
            spec.horizon_hours,
            interdependency=system,
        )
        cut = sum(c.startswith("disconnected") for c in log.cause)
        print(
            f"  {label:20s} {time.process_time() - started:8.2f} s CPU, {len(log)} events,"
            f" {cut} by disconnection"
        )


if __name__ == "__main__":
    raise SystemExit(main())
