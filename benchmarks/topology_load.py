"""Benchmark of issue 20: topology input against the simulation it feeds.

    .venv/bin/python benchmarks/topology_load.py [--sizes 10k,100k,1M] [--repeats 3]

For each size: generate the synthetic national network once and write it in every
format (``--yaml-sizes`` limits the sizes written as YAML: parsing 1M nodes of YAML
takes minutes and many GB). Then, each in a **fresh process** (so its peak memory is
its own) and ``--repeats`` times:

* ``load``: ``read_topology`` + ``compile_topology`` of one file, wall seconds and the
  rise of peak RSS over the process's state after the imports (VmHWM, reset through
  /proc/self/clear_refs); for YAML once with the compiled cache off (first load) and
  once with it warm (second load);
* ``simulation``: in the same process, one replication of the benchmark's regional
  disaster (benchmarks/workload.py) on the loaded topology: the reference every load
  figure is divided by;
* ``validate``: ``resilience-sim validate FILE`` as a user runs it (interpreter start and
  imports included), wall seconds and peak RSS of the process, each run right after one
  of ``python -c "import numpy, pyarrow"`` (the libraries every reader needs): the
  ``/ import`` ratios divide the two, so they carry the same machine load;
* ``floors``: ``python -c pass`` and ``python -c "import numpy, pyarrow"`` on their own;
* ``generate``: ``resilience-sim topology generate --out FILE.parquet`` (or .json where
  the code has no Parquet writer), wall seconds and peak RSS.

Figures are medians (min-max) of the repeats, in wall seconds and CPU seconds (user +
system of every thread: on a shared machine wall time grows with the load, CPU time
much less). Results go to
``benchmarks/results/topology-load-<time>.{json,md}`` and the table is printed. The
script runs on older code too (formats it cannot write are skipped), which is how the
"before" column of docs/performance.md was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
CLI = [sys.executable, "-m", "resilience_sim.cli"]
IMPORT_FLOOR = [sys.executable, "-c", "import numpy, pyarrow"]
FLOORS = {"python -c pass": [sys.executable, "-c", "pass"], "import numpy, pyarrow": IMPORT_FLOOR}

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, {root!r})
def hwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
from resilience_sim.topology import compile_topology, read_topology
from benchmarks.workload import Workload, disaster_scenario, run_replication
from resilience_sim.experiments.study import StudyContext
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = hwm_mb()
t0, c0 = time.perf_counter(), time.process_time()
topology = read_topology(sys.argv[1])
arrays = compile_topology(topology)
load_s, load_cpu_s = time.perf_counter() - t0, time.process_time() - c0
load_mb = hwm_mb() - base
scenario = disaster_scenario(topology, arrays, 1)
context = StudyContext.build(scenario, arrays=arrays)
rep = run_replication(Workload(topology.n_nodes, topology, context, 0.0, 0.0), 0, 1)
print(json.dumps({{"load_s": load_s, "load_cpu_s": load_cpu_s, "load_mb": load_mb,
                   "base_mb": base, "simulation_s": rep.seconds["total"]}}))
"""


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


GNU_TIME = "/usr/bin/time"  # its %M is the command's own peak RSS


def timed_rss(cmd: list[str], env: dict | None = None) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MB), stdout and CPU seconds (user + system, all threads)
    of a child.

    The peak is the command's own, from GNU time's ``%M`` where ``/usr/bin/time``
    exists: ``os.wait4``'s ``ru_maxrss`` of a direct child also counts the pages of
    this process it was forked from (85 MB here once pyarrow is imported, which would
    be the "peak" of ``python -c pass``). Without GNU time, ``ru_maxrss`` is used."""
    wrapped = os.path.exists(GNU_TIME)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        full = [GNU_TIME, "-f", "%M", "-o", report.name, *cmd] if wrapped else cmd
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if proc.returncode:
            raise RuntimeError(f"{cmd} exited {proc.returncode}")
        peak_mb = int(report.read().split()[-1]) / 1024 if wrapped else usage.ru_maxrss / 1024
    return wall, peak_mb, out.decode(), usage.ru_utime + usage.ru_stime


def can_write_parquet() -> bool:
    try:
        import resilience_sim.topology.io.columnar  # noqa: F401
    except ImportError:
        return False
    return True


def measure(size: str, n: int, repeats: int, yaml: bool, folder: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cache = folder / "cache"
    env_cache = dict(env, RESILIENCE_SIM_CACHE_DIR=str(cache))
    env_nocache = dict(env, RESILIENCE_SIM_CACHE_DIR="off")
    big = ".parquet" if can_write_parquet() else ".json"
    result: dict = {"n_nodes": n}
    for name, cmd in FLOORS.items():
        vals = [timed_rss(cmd, env) for _ in range(repeats)]
        result[name] = {
            "wall_s": spread([v[0] for v in vals]),
            "cpu_s": spread([v[3] for v in vals]),
            "peak_rss_mb": spread([v[1] for v in vals]),
        }
    gen = []
    for k in range(repeats):
        out = folder / f"gen-{size}-{k}{big}"
        wall, rss, _, cpu = timed_rss(
            [*CLI, "topology", "generate", "--nodes", str(n), "--seed", "1", "--out", str(out)],
            env_nocache,
        )
        gen.append((wall, rss, cpu))
        if k:
            out.unlink()
    result[f"generate{big}"] = {
        "wall_s": spread([g[0] for g in gen]),
        "cpu_s": spread([g[2] for g in gen]),
        "peak_rss_mb": spread([g[1] for g in gen]),
    }
    source = folder / f"gen-{size}-0{big}"
    files = {big.lstrip("."): source}
    for suffix in (".json", ".yaml") if yaml else (".json",):
        if suffix == big:
            continue
        target = folder / f"net-{size}{suffix}"
        code = (
            "import sys; from resilience_sim.topology import read_topology, write_topology; "
            "write_topology(read_topology(sys.argv[1]), sys.argv[2])"
        )
        timed_rss([sys.executable, "-c", code, str(source), str(target)], env_nocache)
        files[suffix.lstrip(".")] = target
    child = CHILD.format(root=str(ROOT))
    runs: dict[str, list[dict]] = {}
    for fmt, path in files.items():
        modes = [("", env_nocache)]
        if fmt in ("yaml", "json") and can_write_parquet():
            modes = [(" (first load, cache off)", env_nocache), (" (second load, cached)", None)]
        for label, run_env in modes:
            key = f"{fmt}{label}"
            if run_env is None:  # warm the cache once, then measure
                timed_rss([sys.executable, "-c", child, str(path)], env_cache)
                run_env = env_cache
            for _ in range(repeats):
                _, _, out, _ = timed_rss([sys.executable, "-c", child, str(path)], run_env)
                runs.setdefault(key, []).append(json.loads(out))
            rows = []
            for _ in range(repeats):
                floor_wall, floor_rss, _, floor_cpu = timed_rss(IMPORT_FLOOR, run_env)
                wall, rss, _, cpu = timed_rss([*CLI, "validate", str(path)], run_env)
                rows.append(
                    {
                        "wall_s": wall,
                        "cpu_s": cpu,
                        "peak_rss_mb": rss,
                        "wall_over_import": wall / floor_wall,
                        "cpu_over_import": cpu / floor_cpu,
                        "memory_over_import": rss / floor_rss,
                    }
                )
            runs[key + " validate"] = rows
        result["file_mb." + fmt] = path.stat().st_size / 1e6
    for key, rows in runs.items():
        result[key] = {name: spread([r[name] for r in rows]) for name in rows[0]}
        if "load_s" in rows[0]:
            result[key]["load_over_simulation"] = spread(
                [r["load_s"] / r["simulation_s"] for r in rows]
            )
    return result


def fmt(s: dict, unit: str = "", digits: int = 3) -> str:
    return f"{s['median']:.{digits}g}{unit} ({s['min']:.{digits}g}-{s['max']:.{digits}g})"


def markdown(results: dict, meta: dict) -> str:
    lines = [
        f"Topology load benchmark, {meta['when']}, load average at start {meta['load_start']}, "
        f"at end {meta['load_end']}; medians (min-max) of {meta['repeats']}.",
        "",
        "| size | file | what | wall | CPU | peak memory | / reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for size, r in results.items():
        for key, v in r.items():
            if not isinstance(v, dict):
                continue
            if "load_s" in v:
                cpu = fmt(v["load_cpu_s"], " s") if "load_cpu_s" in v else "-"
                lines.append(
                    f"| {size} | {key} | load + validate + compile (in process) | "
                    f"{fmt(v['load_s'], ' s')} | {cpu} | +{fmt(v['load_mb'], ' MB')} over "
                    f"{v['base_mb']['median']:.0f} MB of imports | "
                    f"{fmt(v['load_over_simulation'], ' x')} (simulation "
                    f"{fmt(v['simulation_s'], ' s')}) |"
                )
            elif "peak_rss_mb" in v:
                if key in FLOORS:
                    what, file = f"`{key}` (interpreter reference)", "-"
                elif key.startswith("generate"):
                    what, file = "`topology generate`", key
                else:
                    what, file = "`validate` CLI", key.replace(" validate", "")
                cpu = fmt(v["cpu_s"], " s") if "cpu_s" in v else "-"
                ratio = ""
                if "wall_over_import" in v:  # paired with `import numpy, pyarrow` runs
                    ratio = (
                        f"{fmt(v['wall_over_import'], ' x')} wall, "
                        f"{fmt(v['cpu_over_import'], ' x')} CPU, "
                        f"{fmt(v['memory_over_import'], ' x')} memory of "
                        "`import numpy, pyarrow`"
                    )
                lines.append(
                    f"| {size} | {file} | {what} | {fmt(v['wall_s'], ' s')}"
                    f" | {cpu} | {fmt(v['peak_rss_mb'], ' MB')} | {ratio} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--yaml-sizes", default="10k,100k")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    yaml_sizes = set(args.yaml_sizes.split(","))
    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
        "repeats": args.repeats,
        "git": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip(),
    }
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            results[size] = measure(size, SIZES[size], args.repeats, size in yaml_sizes, Path(tmp))
            print(f"{size} done", file=sys.stderr)
    meta["load_end"] = os.getloadavg()[0]
    text = markdown(results, meta)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"topology-load-{stamp}.json").write_text(json.dumps({"meta": meta, **results}))
    (out / f"topology-load-{stamp}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
