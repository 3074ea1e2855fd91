"""Cost of the per-operator service model against the node-level one (docs/performance.md).

On the benchmark workload (a synthetic national network with ``--operators`` operators,
the regional disaster of ``workload.py``, crews repairing everything), one replication's
event log is evaluated by the fast node-level service model
(``served_over_time_fast``) and by the operator model the engine uses
(``operator_service_fast.served_per_operator``, with a roaming mandate and ``coverage_km``
2); with ``--reference`` also by the pass-per-time reference
(``operators.operator_service_reference``, one run: ~30 s at 10k nodes), checking that its
tables are identical. Prints CPU seconds (median of ``--repeats``) and the ratios to the
node-level model; timings are never asserted in tests.

    .venv/bin/python benchmarks/operators.py [--nodes 2000,10000] [--operators 3] [--repeats 5]
        [--reference]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: `python benchmarks/operators.py`
    sys.path.insert(0, str(ROOT))

from benchmarks.workload import HORIZON_H, Workload, disaster_scenario, run_replication  # noqa: E402
from resilience_sim.engine.fast_service import served_over_time_fast  # noqa: E402
from resilience_sim.engine.operator_service_fast import served_per_operator  # noqa: E402
from resilience_sim.engine.operators import operator_model_of, operator_service_reference  # noqa: E402
from resilience_sim.experiments.study import StudyContext  # noqa: E402
from resilience_sim.scenario.operators import Operator, Roaming  # noqa: E402
from resilience_sim.topology import compile_topology  # noqa: E402
from resilience_sim.topology.generate import generate_topology  # noqa: E402
from resilience_sim.topology.generate_operators import market_shares, operator_ids  # noqa: E402


def timed(fn):
    """``(CPU seconds, result)`` of calling ``fn``."""
    started = time.process_time()
    result = fn()
    return time.process_time() - started, result


def measure(n_nodes: int, n_operators: int, repeats: int, reference: bool) -> dict[str, float]:
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

    # build_operator_model builds the pair groups too (kept with the model, once per study)
    build_s, model = timed(
        lambda: operator_model_of(topology, arrays, operators, Roaming(), 2.0, 1.5)
    )
    events = rep.events
    node = [timed(lambda: served_over_time_fast(arrays, events))[0] for _ in range(repeats)]
    runs = [timed(lambda: served_per_operator(arrays, model, events)) for _ in range(repeats)]
    ops = [seconds for seconds, _ in runs]
    n_times = len(events.row_times_h)
    ref_s = np.nan
    if reference:
        started = time.process_time()
        ref = operator_service_reference(arrays, model, events)
        ref_s = time.process_time() - started
        fast = runs[-1][1]
        for name in ("domestic", "international", "roaming_domestic", "roaming_international"):
            if not np.array_equal(getattr(ref, name), getattr(fast, name)):
                raise SystemExit(f"{n_nodes} nodes: {name} differs from the reference")
    node_s, ops_s = statistics.median(node), statistics.median(ops)
    return {
        "nodes": n_nodes,
        "event_times": n_times,
        "networks": len(model.network_masks),
        "units": len(model.unit_users),
        "pairs": len(model.pair_unit),
        "build_s": build_s,
        "node_level_s": node_s,
        "operators_s": ops_s,
        "ratio": ops_s / node_s,
        "reference_s": ref_s,
        "reference_ratio": ref_s / node_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="2000,10000")
    parser.add_argument("--operators", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference", action="store_true", help="also time the reference")
    a = parser.parse_args()
    print(f"horizon {HORIZON_H:g} h, {a.operators} operators, CPU s (median of {a.repeats})")
    print("| nodes | event times | operator networks | units | pairs | model build s "
          "| node-level s | per operator s | ratio | reference s | reference ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(x) for x in a.nodes.split(",")):
        r = measure(n, a.operators, a.repeats, a.reference)
        print(
            f"| {r['nodes']:,} | {r['event_times']:,} | {r['networks']} | {r['units']:,} "
            f"| {r['pairs']:,} | {r['build_s']:.2f} | {r['node_level_s']:.3f} "
            f"| {r['operators_s']:.3f} | {r['ratio']:.1f} | {r['reference_s']:.2f} "
            f"| {r['reference_ratio']:.0f} |"
        )


if __name__ == "__main__":
    main()
