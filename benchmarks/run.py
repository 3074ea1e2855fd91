"""Benchmarks of issue 8: one command, every figure of docs/performance.md.

    .venv/bin/python benchmarks/run.py [--sizes 10k,100k,1M] [--repeats 5]

For each size, in a fresh subprocess (so peak memory is that size's alone):

* build: generate the synthetic national network, compile it; then one replication;
  wall time and peak RSS of generate + compile + one replication (the 1M target);
* (a) one replication of the regional disaster through the real engine (hazards,
  SimPy engine, fast service model, metrics), per stage;
* (b) the naive reference on the same event log (networkx, reachability after every
  event), extrapolated from a sample of events when the full run would exceed
  ``--naive-budget-s``; and the current scipy reference (one ``connected_components``
  pass per distinct time, ``service.served_over_time``), extrapolated from a prefix;
* (c) the floor: the same repair jobs replayed in SimPy alone plus one
  ``connected_components`` pass;
* correctness facts: the fast timeline equals the scipy reference on the prefix and
  the naive reference on every row it computed;
* a cProfile of one replication (what dominates), and the cost of one
  international-capacity max-flow (evaluated per distinct time when demand is set).

Then (d), unless ``--skip-executors``: ``--replications`` replications at 10k nodes
with the local executor (2 processes) and a Dask LocalCluster (2 workers).

Every figure is the median of ``--repeats`` runs with min and max. Results go to
``benchmarks/results/benchmark-<time>.{json,md}`` and the table is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.floor import floor_seconds, repair_jobs  # noqa: E402
from benchmarks.naive import NaiveService, naive_timeline  # noqa: E402
from benchmarks.workload import build_workload, run_replication  # noqa: E402
from resilience_sim.engine.service import international_capacity, served_over_time  # noqa: E402
from resilience_sim.engine.traffic import route_traffic  # noqa: E402
from resilience_sim.rng import replication_rngs, replication_seeds  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
FIELDS = ("domestic", "international", "by_region_domestic", "by_region_international")


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


# ---------------------------------------------------------------------------- one size
def measure_size(n_nodes: int, repeats: int, naive_budget_s: float, seed: int = 1) -> dict:
    """Everything measured at one size (run in its own process)."""
    started = time.perf_counter()
    work = build_workload(n_nodes, seed)
    first = run_replication(work, 0, seed)
    build = {
        "generate_s": work.generate_s,
        "compile_s": work.compile_s,
        "one_replication_s": first.seconds["total"],
        "generate_compile_replicate_s": time.perf_counter() - started,
        "peak_rss_mb": rss_mb(),
        "n_nodes": work.arrays.n_nodes,
        "n_links": work.arrays.n_links,
        "n_regions": len(work.arrays.region_names),
        "crews": int(sum(work.context.crew_plan.crew_counts)),
    }
    arrays, ctx = work.arrays, work.context
    engine, floor, floor_cpu, naive, scipy_ref, facts = [], [], [], [], [], []
    for k in range(repeats):
        rep = run_replication(work, k, seed)
        n_events, n_rows = len(rep.time_h), len(rep.served.time_h)
        rngs = replication_rngs(replication_seeds(seed, k + 1)[k])
        jobs = repair_jobs(arrays, rep.damages, ctx.scenario.spec.recovery, ctx.crew_plan,
                           rngs["repairs"])  # fmt: skip
        floor_s, floor_cpu_s, done = floor_seconds(arrays, jobs, ctx.crew_plan.crew_counts)
        naive_rows, _, naive_s = run_naive(arrays, rep, naive_budget_s)
        prefix_rows, scipy_s = run_scipy_prefix(arrays, rep, naive_budget_s / 4)
        engine.append(rep.seconds)
        floor.append(floor_s)
        floor_cpu.append(floor_cpu_s)
        naive.append(naive_s)
        scipy_ref.append(scipy_s)
        facts.append(
            {
                "events": n_events,
                "rows": n_rows,
                "failures": int(np.count_nonzero(rep.event == 0)),
                "failure_batches": len(np.unique(rep.time_h[rep.event == 0])),
                "jobs": len(jobs.asset),
                "assets_down_at_end": int(rep.served.assets_down[-1]),
                "floor_makespan_h": float(np.nanmax(done)) if len(done) else 0.0,
                "last_event_h": float(rep.time_h[-1]) if n_events else 0.0,
                "naive_rows_checked": len(naive_rows),
                "naive_rows_equal": rows_equal(rep.served, naive_rows),
                "scipy_rows_checked": len(prefix_rows),
                "scipy_rows_equal": rows_equal(rep.served, prefix_rows),
            }
        )
    ratio_floor = [e["total"] / f for e, f in zip(engine, floor, strict=True)]
    ratio_floor_cpu = [e["total_cpu"] / f for e, f in zip(engine, floor_cpu, strict=True)]
    ratio_naive = [nv / e["total"] for e, nv in zip(engine, naive, strict=True)]
    ratio_scipy = [s / e["service"] for e, s in zip(engine, scipy_ref, strict=True)]
    return {
        "size": n_nodes,
        "build": build,
        "a_replication_s": {key: spread([e[key] for e in engine]) for key in engine[0]},
        "b_naive_s": spread(naive),
        "b_scipy_per_time_service_s": spread(scipy_ref),
        "c_floor_s": spread(floor),
        "a_over_c": spread(ratio_floor),
        "c_floor_cpu_s": spread(floor_cpu),
        "a_over_c_cpu": spread(ratio_floor_cpu),
        "b_over_a": spread(ratio_naive),
        "scipy_service_over_fast_service": spread(ratio_scipy),
        "replication_peak_alloc_mb": replication_peak_alloc_mb(work, seed)
        if n_nodes <= 100_000
        else None,
        "capacity_maxflow_s": capacity_seconds(ctx),
        "profile": profile_replication(work, seed),
        "facts": facts,
        "peak_rss_mb_all": rss_mb(),
    }


def run_naive(arrays, rep, budget_s: float):
    """Naive replay: in full if it fits the budget, else on a sample of row-ending events."""
    times = rep.served.time_h
    row_of_event = np.searchsorted(times, rep.time_h)
    last = np.full(len(times), -1)
    last[row_of_event] = np.arange(len(rep.time_h))
    ends = last[last >= 0]
    service = NaiveService(arrays)  # built once (slow at 1M), probed, then replayed
    t0 = time.perf_counter()
    service.served_row()
    one_s = time.perf_counter() - t0
    if one_s * len(rep.time_h) <= budget_s:
        return naive_timeline(arrays, rep.time_h, rep.asset_idx, rep.event, service=service)
    k = int(np.clip(budget_s / max(one_s, 1e-6), 5, len(ends)))
    sample = ends[np.unique(np.linspace(0, len(ends) - 1, k).round().astype(int))]
    return naive_timeline(
        arrays, rep.time_h, rep.asset_idx, rep.event, sample.tolist(), service=service
    )


def run_scipy_prefix(arrays, rep, budget_s: float):
    """The scipy-per-time reference on the first rows, grown to fit ``budget_s``;
    its time is extrapolated linearly to all rows."""
    times = rep.served.time_h
    n_rows = len(times)
    k = min(n_rows, 20)
    while True:
        cut = np.searchsorted(rep.time_h, times[k - 1], side="right")
        t0 = time.perf_counter()
        ref = served_over_time(arrays, rep.events.head(cut))
        seconds = time.perf_counter() - t0
        per_row = seconds / len(ref.time_h)
        if k == n_rows or 2 * seconds >= budget_s:
            break
        k = min(n_rows, max(2 * k, int(0.5 * budget_s / per_row)))
    rows = {i: tuple(getattr(ref, f)[i] for f in FIELDS) for i in range(len(ref.time_h))}
    return rows, per_row * n_rows


def rows_equal(served, rows: dict[int, tuple]) -> bool:
    """Whether every given row equals the fast timeline's row exactly."""
    return all(
        np.array_equal(getattr(served, f)[i], value)
        for i, values in rows.items()
        for f, value in zip(FIELDS, values, strict=True)
    )


def replication_peak_alloc_mb(work, seed: int) -> float:
    """Peak memory allocated during one replication (tracemalloc), MB."""
    tracemalloc.start()
    run_replication(work, 0, seed)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def capacity_seconds(ctx) -> dict[str, float]:
    """The capacity columns' cost per distinct time with demand set (undamaged network):
    one max-flow (``international_capacity``) and one routing (``route_traffic``)."""
    demand = ctx.arrays.population * 0.0002  # the scenario schema's default, 200 kbit/s/user
    up = ~ctx.arrays.standby
    out = {}
    for name, fn in (("maxflow_s", international_capacity), ("routing_s", route_traffic)):
        values = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn(ctx.arrays, up, demand)
            values.append(time.perf_counter() - t0)
        out[name] = statistics.median(values)
    return out


def profile_replication(work, seed: int, top: int = 12) -> list[dict]:
    """The functions with the most own time in one replication."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_replication(work, 0, seed)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (file, line, name), (_, calls, own, cum, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{Path(file).name}:{line}({name})",
                "calls": calls,
                "own_s": own,
                "cumulative_s": cum,
            }
        )
    total = sum(r["own_s"] for r in rows)
    rows.sort(key=lambda r: -r["own_s"])
    for r in rows:
        r["own_share"] = r["own_s"] / total
    return rows[:top]


# ----------------------------------------------------------------------- executors
def measure_executors(n_nodes: int, replications: int, seed: int = 1) -> dict:
    """Wall time of ``replications`` replications with each executor (2 workers)."""
    from resilience_sim.experiments.executors import DaskExecutor, LocalExecutor
    from resilience_sim.experiments.study import simulate

    work = build_workload(n_nodes, seed)
    scenario = work.context.scenario
    out = {"n_nodes": n_nodes, "replications": replications}
    seq_n = max(2, replications // 20)
    t0 = time.perf_counter()
    simulate(scenario, seq_n, seed, executor="sequential")
    out["sequential_per_replication_s"] = (time.perf_counter() - t0) / seq_n
    for name, make in (
        ("local", lambda: LocalExecutor(2)),
        ("dask", lambda: DaskExecutor(None, 2)),
    ):
        executor = make()
        try:
            t0 = time.perf_counter()
            result = simulate(scenario, replications, seed, executor=executor)
            out[f"{name}_s"] = time.perf_counter() - t0
            out[f"{name}_rows"] = len(result.summary)
        finally:
            executor.close()
    return out


# ----------------------------------------------------------------------- reporting
def num(x: float) -> str:
    """3 significant digits, thousands separators above 1,000."""
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if x >= 0.001 else f"{x:.1e}"


def fmt(s: dict, scale: float = 1.0, unit: str = "s") -> str:
    m, lo, hi = (s[k] * scale for k in ("median", "min", "max"))
    return f"{num(m)} {unit} ({num(lo)}–{num(hi)})"


def markdown(results: dict) -> str:
    lines = [
        f"Benchmark {results['started']} on {results['machine']['cpus']} cores "
        f"({results['machine']['processor']}), Python {results['machine']['python']}, "
        f"median of {results['repeats']} (min–max); load average "
        f"{results['machine']['load_average_at_start'][0]:.1f} at start, "
        f"{results['machine']['load_average_at_end'][0]:.1f} at end.",
        "",
        "| figure | " + " | ".join(r["label"] for r in results["sizes"]) + " |",
        "|---|" + "---|" * len(results["sizes"]),
    ]
    rows = [
        ("nodes / links", lambda r: f"{r['build']['n_nodes']:,} / {r['build']['n_links']:,}"),
        ("events / distinct times (replication 0)",
         lambda r: f"{r['facts'][0]['events']:,} / {r['facts'][0]['rows']:,}"),
        ("generate topology", lambda r: f"{r['build']['generate_s']:.2f} s"),
        ("compile topology", lambda r: f"{r['build']['compile_s']:.2f} s"),
        ("generate + compile + one replication",
         lambda r: f"{r['build']['generate_compile_replicate_s']:.1f} s"),
        ("peak RSS after generate + compile + one replication",
         lambda r: f"{r['build']['peak_rss_mb']:,.0f} MB"),
        ("(a) one replication, total", lambda r: fmt(r["a_replication_s"]["total"])),
        ("(a) of which SimPy engine", lambda r: fmt(r["a_replication_s"]["engine"])),
        ("(a) of which fast service model", lambda r: fmt(r["a_replication_s"]["service"])),
        ("(a) peak allocated in one replication (tracemalloc)",
         lambda r: "—" if r["replication_peak_alloc_mb"] is None
         else f"{r['replication_peak_alloc_mb']:,.0f} MB"),
        ("(b) naive networkx, recompute per event", lambda r: fmt(r["b_naive_s"])),
        ("(b') scipy pass per distinct time (service.py)",
         lambda r: fmt(r["b_scipy_per_time_service_s"])),
        ("(c) floor: SimPy replay + one csgraph pass", lambda r: fmt(r["c_floor_s"])),
        ("(a) / (c)  [target <= 2]", lambda r: fmt(r["a_over_c"], unit="x")),
        ("(a) / (c) in CPU time (steadier on a shared machine)",
         lambda r: fmt(r["a_over_c_cpu"], unit="x") if "a_over_c_cpu" in r else "—"),
        ("(b) / (a)  [target >= 100 at 10k, >= 2,000 at 100k]",
         lambda r: fmt(r["b_over_a"], unit="x")),
        ("scipy per-time service / fast service",
         lambda r: fmt(r["scipy_service_over_fast_service"], unit="x")),
        ("with demand: max-flow + routing per distinct time",
         lambda r: f"{r['capacity_maxflow_s']['maxflow_s'] * 1e3:.1f} + "
         f"{r['capacity_maxflow_s']['routing_s'] * 1e3:.1f} ms"),
        ("with demand: capacity columns per replication (estimate)",
         lambda r: f"{num(sum(r['capacity_maxflow_s'].values()) * r['facts'][0]['rows'])} s"),
        ("fast == naive on rows checked",
         lambda r: _facts(r, "naive_rows_equal", "naive_rows_checked")),
        ("fast == scipy reference on rows checked",
         lambda r: _facts(r, "scipy_rows_equal", "scipy_rows_checked")),
    ]  # fmt: skip
    for label, get in rows:
        cells = [get(r) if "error" not in r else "—" for r in results["sizes"]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for r in results["sizes"]:
        if "error" in r:
            lines += ["", f"{r['label']}: {r['error']}"]
    if results.get("executors") and "error" not in results["executors"]:
        e = results["executors"]
        lines += [
            "",
            f"(d) {e['replications']:,} replications at {e['n_nodes']:,} nodes: "
            f"local executor (2 processes) {e['local_s']:.1f} s, Dask LocalCluster (2 workers) "
            f"{e['dask_s']:.1f} s; sequential {e['sequential_per_replication_s']:.3f} s per "
            "replication.",
        ]
    for r in results["sizes"]:
        if "error" in r:
            continue
        lines += ["", f"Profile of one replication at {r['label']} (own time):", ""]
        lines += ["| function | calls | own s | share |", "|---|---|---|---|"]
        for p in r["profile"][:8]:
            lines.append(
                f"| `{p['function']}` | {p['calls']:,} | {p['own_s']:.3f} | {p['own_share']:.0%} |"
            )
    return "\n".join(lines) + "\n"


def _facts(r: dict, equal: str, checked: str) -> str:
    ok = all(f[equal] for f in r["facts"])
    n = sum(f[checked] for f in r["facts"])
    return f"{'yes' if ok else 'NO'} ({n:,} rows)"


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k,100k,1M")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--naive-budget-s",
        type=float,
        default=60.0,
        help="run the naive reference in full only below this; else sample",
    )
    parser.add_argument("--replications", type=int, default=1000, help="for (d)")
    parser.add_argument("--skip-executors", action="store_true")
    parser.add_argument(
        "--size-timeout-s",
        type=float,
        default=3600.0,
        help="give up on a size (or the executors) after this long",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)  # fmt: skip

    if args.worker:  # inside the subprocess of one size (or of the executors)
        if args.worker == "executors":
            result = measure_executors(10_000, args.replications)
        else:
            result = measure_size(SIZES[args.worker], args.repeats, args.naive_budget_s)
            result["label"] = args.worker
        args.worker_json.write_text(json.dumps(result, indent=1))
        return 0

    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]  # "" = executors only
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; use {', '.join(SIZES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results = {
        "started": stamp,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "repeats": args.repeats,
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average_at_start": os.getloadavg(),
        },
        "sizes": [],
    }
    jobs = [*labels, *([] if args.skip_executors else ["executors"])]
    for label in jobs:
        print(f"benchmark {label} ...", file=sys.stderr, flush=True)
        tmp = args.out / f".{stamp}-{label}.json"
        try:
            subprocess.run(
                [sys.executable, __file__, "--worker", label, "--worker-json", str(tmp),
                 "--repeats", str(args.repeats), "--naive-budget-s", str(args.naive_budget_s),
                 "--replications", str(args.replications)],
                check=True,
                timeout=args.size_timeout_s,
            )  # fmt: skip
            data = json.loads(tmp.read_text())
            tmp.unlink()
        except subprocess.TimeoutExpired:
            data = {"label": label, "error": f"did not finish in {args.size_timeout_s:,.0f} s"}
        except subprocess.CalledProcessError as exc:
            data = {"label": label, "error": f"failed with exit status {exc.returncode}"}
        if label == "executors":
            results["executors"] = data
        else:
            results["sizes"].append(data)
        results["machine"]["load_average_at_end"] = os.getloadavg()
        text = markdown(results)  # written after every size: a long run keeps what it has
        (args.out / f"benchmark-{stamp}.json").write_text(json.dumps(results, indent=1))
        (args.out / f"benchmark-{stamp}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
