"""Cost of the per-operator service model against the node-level one (docs/performance.md).

On the benchmark workload (a synthetic national network with ``--operators`` operators,
the regional disaster of ``workload.py``, crews repairing everything), one replication's
event log is evaluated by the fast node-level service model
(``served_over_time_fast``) and by the operator model (``served_per_operator``, with a
roaming mandate and ``coverage_km`` 2). Prints CPU seconds of each and their ratio, median
of ``--repeats``; timings are never asserted in tests.

    .venv/bin/python benchmarks/operators.py [--nodes 2000,10000] [--operators 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.workload import HORIZON_H, Workload, disaster_scenario, run_replication
from resilience_sim.engine.fast_service import served_over_time_fast
from resilience_sim.engine.operators import operator_model_of, served_per_operator
from resilience_sim.experiments.study import StudyContext
from resilience_sim.scenario.operators import Operator, Roaming
from resilience_sim.topology import compile_topology
from resilience_sim.topology.generate import generate_topology
from resilience_sim.topology.generate_operators import market_shares, operator_ids


def cpu(fn) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def measure(n_nodes: int, n_operators: int, repeats: int) -> dict[str, float]:
    topology = generate_topology("national", n_nodes, 1, operators=n_operators)
    arrays = compile_topology(topology)
    scenario = disaster_scenario(topology, arrays, 1)
    workload = Workload(n_nodes, topology, StudyContext.build(scenario, arrays=arrays), 0, 0)
    rep = run_replication(workload, 0)
    shares = market_shares(n_operators)
    operators = [
        Operator(id=a, market_share=float(s))
        for a, s in zip(operator_ids(n_operators), shares, strict=True)
    ]
    build_s = cpu(lambda: operator_model_of(topology, arrays, operators, Roaming(), 2.0, 1.5))
    model = operator_model_of(topology, arrays, operators, Roaming(), 2.0, 1.5)
    events = rep.events
    node = [cpu(lambda: served_over_time_fast(arrays, events)) for _ in range(repeats)]
    ops = [cpu(lambda: served_per_operator(arrays, model, events)) for _ in range(repeats)]
    n_times = len(set(rep.time_h.tolist()) | {0.0})
    return {
        "nodes": n_nodes,
        "event_times": n_times,
        "networks": len(model.network_masks),
        "build_s": build_s,
        "node_level_s": statistics.median(node),
        "operators_s": statistics.median(ops),
        "ratio": statistics.median(ops) / statistics.median(node),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="2000,10000")
    parser.add_argument("--operators", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    a = parser.parse_args()
    print(f"horizon {HORIZON_H:g} h, {a.operators} operators, CPU s (median of {a.repeats})")
    print("| nodes | event times | operator networks | model build s | node-level s "
          "| per operator s | ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for n in (int(x) for x in a.nodes.split(",")):
        r = measure(n, a.operators, a.repeats)
        print(
            f"| {r['nodes']:,} | {r['event_times']:,} | {r['networks']} | {r['build_s']:.2f} "
            f"| {r['node_level_s']:.3f} | {r['operators_s']:.2f} | {r['ratio']:.0f} |"
        )


if __name__ == "__main__":
    main()
