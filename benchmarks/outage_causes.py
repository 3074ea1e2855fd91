"""Cost of the daily outage-cause table relative to one whole replication.

    .venv/bin/python benchmarks/outage_causes.py [--sizes 10k,100k] [--repeats 3]

On the benchmark workload (benchmarks/workload.py: a regional disaster on a synthetic
national network, repairs over ~75 days of a 365-day horizon), times
``metrics.outage_causes.daily_outage_causes`` on replication 0's event log and reports it
as a ratio of the replication's own time (hazards + engine + service + metrics): the
extra share a study pays for ``output.outage_causes: true``. Medians of ``--repeats``.
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

from benchmarks.workload import build_workload, run_replication  # noqa: E402
from resilience_sim.engine import simulate_replication  # noqa: E402
from resilience_sim.engine.fast_service import served_over_time_fast  # noqa: E402
from resilience_sim.hazards import sample_hazards  # noqa: E402
from resilience_sim.metrics.outage_causes import daily_outage_causes  # noqa: E402
from resilience_sim.rng import replication_rngs, replication_seeds  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def measure(n_nodes: int, repeats: int) -> dict[str, float]:
    workload = build_workload(n_nodes)
    ctx, spec = workload.context, workload.context.scenario.spec
    replication_s = statistics.median(
        run_replication(workload, 0).seconds["total"] for _ in range(repeats)
    )
    rngs = replication_rngs(replication_seeds(1, 1)[0])
    damages = sample_hazards(spec, ctx.topology, ctx.arrays, rngs["hazards"])
    log = simulate_replication(
        ctx.arrays, damages, spec.recovery, ctx.crew_plan, rngs["repairs"], spec.horizon_hours
    )
    events = log.to_arrays()
    served = served_over_time_fast(ctx.arrays, events)
    laps = []
    for _ in range(repeats):
        started = time.perf_counter()
        table = daily_outage_causes(ctx.arrays, 0, events, spec.horizon_hours, served)
        laps.append(time.perf_counter() - started)
    causes_s = statistics.median(laps)
    return {
        "nodes": n_nodes,
        "days_with_events": len(set((events.time_h // 24).astype(int).tolist())),
        "replication_s": replication_s,
        "outage_causes_s": causes_s,
        "ratio": causes_s / replication_s,
        "rows": len(table),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        r = measure(SIZES[size], args.repeats)
        print(
            f"{size}: replication {r['replication_s']:.3f} s, outage_causes "
            f"{r['outage_causes_s']:.3f} s (ratio {r['ratio']:.3f}; "
            f"{r['days_with_events']} days with events, {r['rows']} rows)"
        )


if __name__ == "__main__":
    main()
