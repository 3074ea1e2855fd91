"""What compiling a study's plan once saves per replication (issue 22.3).

    .venv/bin/python benchmarks/replication_plan.py [--replications 20] [--repeats 5]
        [--sizes 10k] [--scenarios all]

For every shipped scenario and the benchmark workload at each size
(benchmarks/workload.py), with the records of each replication sampled beforehand (not
timed), two ways of running the same replications through the engine are timed in the
same run, alternating:

* ``per_replication``: :func:`~resilience_sim.engine.simulation.simulate_replication`,
  which compiles the plan at every call: the work the engine did per replication
  before the plan existed (policy and critical assets, dependency graph, power feeds,
  closed areas, stopgap lookups, ships' zones, back-up rule nodes, undamaged overload
  loads);
* ``study_plan``: :func:`~resilience_sim.engine.simulation.simulate_planned` on the
  study's plan, compiled once (what studies run).

Reported per scenario: engine seconds per replication under each (median over
``--repeats`` of the mean over ``--replications``), their ratio, the setup alone (the
models of one replication built, no events run) under each, and the whole replication
(hazards, engine, service, summary: ``study.run_replication``). The order of the timed
runs alternates between repeats, with a garbage collection before each; both logs are
checked equal. Results go to ``benchmarks/results/replication-plan-<time>.{json,md}``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.workload import build_workload  # noqa: E402
from resilience_sim.engine import compile_plan, simulate_planned, simulate_replication  # noqa: E402
from resilience_sim.engine.simulation import Replication  # noqa: E402
from resilience_sim.experiments.study import (  # noqa: E402
    StudyContext,
    replication_damages,
    run_replication,
)
from resilience_sim.rng import replication_rngs, replication_seeds  # noqa: E402
from resilience_sim.scenario import load_scenario  # noqa: E402

SEED = 1
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def measure(ctx: StudyContext, replications: int, repeats: int) -> dict:
    """Per-replication seconds of both ways on ``ctx`` (see the module docstring)."""
    spec, arrays = ctx.scenario.spec, ctx.arrays
    kwargs = ctx.plan_options
    seeds = replication_seeds(SEED, replications)
    records = [replication_damages(ctx, replication_rngs(seed_seq)) for seed_seq in seeds]

    def per_replication() -> list:
        logs = []
        for seed_seq, damages in zip(seeds, records, strict=True):
            rngs = replication_rngs(seed_seq)
            logs.append(
                simulate_replication(
                    arrays,
                    damages,
                    spec.recovery,
                    ctx.crew_plan,
                    rngs["repairs"],
                    spec.horizon_hours,
                    power_rng=rngs["power"],
                    roads_rng=rngs["roads"],
                    **kwargs,
                )
            )
        return logs

    def study_plan() -> list:
        logs = []
        for seed_seq, damages in zip(seeds, records, strict=True):
            rngs = replication_rngs(seed_seq)
            logs.append(
                simulate_planned(
                    arrays, ctx.plan, damages, rngs["repairs"], rngs["power"], rngs["roads"]
                )
            )
        return logs

    def setup_per_replication() -> None:
        for seed_seq in seeds:
            rngs = replication_rngs(seed_seq)
            plan = compile_plan(arrays, spec.recovery, ctx.crew_plan, spec.horizon_hours, **kwargs)
            Replication(arrays, plan, rngs["repairs"], rngs["power"], rngs["roads"])

    def setup_study_plan() -> None:
        for seed_seq in seeds:
            rngs = replication_rngs(seed_seq)
            Replication(arrays, ctx.plan, rngs["repairs"], rngs["power"], rngs["roads"])

    def whole() -> None:
        for k, seed_seq in enumerate(seeds):
            run_replication(ctx, k, seed_seq, summary_only=True)

    a, b = per_replication(), study_plan()  # warm-up, and the check
    same = all(x.to_arrays().same_as(y.to_arrays()) for x, y in zip(a, b, strict=True))
    laps: dict[str, list[float]] = {}
    timed = [
        ("engine_per_replication_s", per_replication),
        ("engine_study_plan_s", study_plan),
        ("setup_per_replication_s", setup_per_replication),
        ("setup_study_plan_s", setup_study_plan),
        ("whole_replication_s", whole),
    ]
    for repeat in range(repeats):
        for name, fn in timed if repeat % 2 == 0 else timed[::-1]:  # alternate the order
            gc.collect()
            started = time.perf_counter()
            fn()
            laps.setdefault(name, []).append((time.perf_counter() - started) / replications)
    out = {name: statistics.median(v) for name, v in laps.items()}
    out["engine_ratio"] = out["engine_per_replication_s"] / out["engine_study_plan_s"]
    out["saved_share_of_whole"] = (
        out["engine_per_replication_s"] - out["engine_study_plan_s"]
    ) / out["whole_replication_s"]
    out["logs_equal"] = same
    out["n_nodes"] = arrays.n_nodes
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="10k", help="benchmark workload sizes ('' for none)")
    parser.add_argument("--scenarios", default="all", help="comma-separated stems, or all")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    if args.scenarios != "all":
        wanted = set(args.scenarios.split(","))
        files = [f for f in files if f.stem in wanted]
    load_before = os.getloadavg()
    rows = {}
    for file in files:
        rows[file.stem] = measure(
            StudyContext.build(load_scenario(file)), args.replications, args.repeats
        )
        print(file.stem, json.dumps(rows[file.stem]), flush=True)
    for size in [s for s in args.sizes.split(",") if s]:
        work = build_workload(SIZES[size])
        reps = max(3, args.replications // 2)
        rows[f"benchmark {size}"] = measure(work.context, reps, args.repeats)
        print(size, json.dumps(rows[f"benchmark {size}"]), flush=True)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cpus": os.cpu_count(),
        "replications": args.replications,
        "repeats": args.repeats,
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"replication-plan-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    lines = [
        f"load average {load_before[0]:.2f} before, {result['load_after'][0]:.2f} after "
        f"({result['cpus']} CPUs); medians of {args.repeats} repeats, ms per replication",
        "",
        "| scenario | nodes | engine, plan per replication | engine, study plan | ratio "
        "| setup, per replication | setup, study plan | whole replication "
        "| saved / whole | logs equal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {r['n_nodes']:,} | {1e3 * r['engine_per_replication_s']:.2f} "
            f"| {1e3 * r['engine_study_plan_s']:.2f} | {r['engine_ratio']:.3f} "
            f"| {1e3 * r['setup_per_replication_s']:.3f} | {1e3 * r['setup_study_plan_s']:.3f} "
            f"| {1e3 * r['whole_replication_s']:.2f} | {100 * r['saved_share_of_whole']:.1f} % "
            f"| {'yes' if r['logs_equal'] else 'NO'} |"
        )
    text = "\n".join(lines) + "\n"
    stem.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
