"""Up-front memory estimates, and the ``--max-memory`` guard (experiments layer).

Two checks, both before the work they guard (docs/robustness.md, "Memory limits"):

1. :func:`check_topology_memory`, before the topology file is parsed: parsing needs
   ``LOAD_BYTES_PER_FILE_BYTE[format] x file size`` at its peak (a columnar
   ``.parquet`` file: ``PARQUET_FIXED_BYTES + PARQUET_BYTES_PER_ROW x rows``).
2. :func:`check_memory`, after the scenario is loaded and before any replication runs::

    total = BYTES_PER_ASSET x n_assets x (1 + n_workers)     topology + arrays, a copy
                                                             per worker
          + n_workers x batch_size x per_replication         batches in flight
          + replications x (SUMMARY_COPIES x summary_row     the summary kept in memory,
                            + SEED_BYTES)                    and the seeds of the batches
          + report                                           if report.html is drawn

   with ``report = CURVE_BYTES + replications x (REPORT_SUMMARY_COPIES x summary_row
   + n_regions x REGION_ROW_BYTES) + min(replications, MAX_REPLAYED) x n_nodes x
   REPLAY_BYTES_PER_NODE``.

A study's timeline, events and regional tables are not in the total: ``run_study``
writes each batch to disk as it finishes and streams the batch files into the run
folder, and the report reads them in chunks, so they never sit in memory together.
``per_replication`` and ``summary_row`` are measured, not guessed: the largest
in-memory size (``DataFrame.memory_usage(deep=True)``) of the result tables, and the
summary row, of up to ``PILOT_REPLICATIONS`` pilot replications (replications 0, 1, 2
of the same study).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq

from resilience_sim.errors import InputError
from resilience_sim.experiments.study import (
    ALL_TABLES,
    default_batch_size,
    simulate,
    study_arguments,
)
from resilience_sim.metrics.curves import MAX_CURVE_CELLS, MAX_DISTINCT_TIMES
from resilience_sim.metrics.equity import MAX_REPLAYED
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.validation import C_LOADER_MIN_CHARS

# Measured with tracemalloc after read_topology + compile_topology of the 20,000-node
# `national` preset (48,000 assets): 1,782 bytes held per asset; rounded up.
BYTES_PER_ASSET = 2_000
PILOT_REPLICATIONS = 3
GB = 1e9


# Peak memory while parsing a topology file, bytes per byte of file. Measured as the
# rise of peak RSS (VmHWM, reset through /proc/self/clear_refs) over read_topology of
# the 20,000-node `national` preset (48,000 assets; `topology generate --preset national
# --nodes 20000 --seed 1`) in a fresh process, one run each:
#   .yaml     5.6 MB file, 348 MB peak: 62 per byte (libyaml, C_LOADER_MIN_CHARS and up);
#             566 MB, 100 per byte with the pure-Python parser (smaller files); the same
#             network in block style (5.8 MB) gave the same 99 per byte
#   .json     8.9 MB (indented, as written by `topology generate`), 103 MB peak: 11.6;
#             6.5 MB compact (as topology.json snapshots): 15.7
#   .graphml  18.6 MB, 680 MB peak: 36.5
#   .gml      5.2 MB (20,000 nodes and 26,666 edges written like a Topology Zoo file),
#             137 MB peak: 26.5
# rounded up. Per asset that is 7.2 kB from YAML, 2.1 kB from JSON, 14 kB from GraphML.
LOAD_BYTES_PER_FILE_BYTE = {
    ".yaml": 64,
    ".yml": 64,
    ".json": 16,
    ".graphml": 37,
    ".gml": 27,
}
# Columnar .parquet files are compressed, so their peak goes by rows (nodes + links, from
# the file's footer), not bytes. Measured like the above with read_topology (without the
# cache) of `topology generate --preset national --seed 1` written as .parquet: 95 MB for
# 20,000 nodes (48,000 rows), 1,140 MB for 1,000,000 nodes (2.4M rows): 475 bytes per
# row plus a fixed part; rounded up.
PARQUET_FIXED_BYTES = 100_000_000
PARQUET_BYTES_PER_ROW = 500
SMALL_YAML_BYTES_PER_FILE_BYTE = 100  # below C_LOADER_MIN_CHARS: pure-Python parser
JSON_SAVING = 3  # YAML / JSON peak per asset (7.2 kB / 2.1 kB), rounded down

SUMMARY_COPIES = 2  # assumed: pandas.concat of the batches' summaries holds both
# The batch plan holds a SeedSequence per replication: 470 bytes each by tracemalloc
# (SeedSequence(1).spawn(10_000)); rounded up.
SEED_BYTES = 500
# The report (docs/report.md): resampled recovery curves, MAX_CURVE_CELLS float64 values
# at once and about two copies (np.concatenate, np.nanquantile), and the distinct event
# times of their grid (with the copies np.union1d makes).
CURVE_BYTES = 3 * 8 * (MAX_CURVE_CELLS + MAX_DISTINCT_TIMES)
REPORT_SUMMARY_COPIES = 4  # the summary read back, sorted, aggregated, in the histograms
REGION_ROW_BYTES = 150  # a (replication, region, outage hours) row while it is built
REPLAY_BYTES_PER_NODE = 2 * 8  # outage hours per replayed node, and its equity share


def size_text(n_bytes: float) -> str:
    """Bytes for people: 3 significant digits in kB, MB or GB (decimal units)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= 0.95 * scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes / 1e3:.3g} kB"


@dataclass(frozen=True)
class MemoryEstimate:
    """The terms of the estimate, bytes."""

    topology_bytes: int
    per_replication_bytes: int
    in_flight_bytes: int
    summary_bytes: int
    report_bytes: int = 0

    @property
    def total_bytes(self) -> int:
        return self.topology_bytes + self.in_flight_bytes + self.summary_bytes + self.report_bytes

    def describe(self) -> str:
        return (
            f"{size_text(self.total_bytes)} = topology and arrays "
            f"{size_text(self.topology_bytes)} + batches in flight "
            f"{size_text(self.in_flight_bytes)} ({size_text(self.per_replication_bytes)} "
            f"per replication) + summary {size_text(self.summary_bytes)} + report "
            f"{size_text(self.report_bytes)}"
        )


def estimate_memory(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    *,
    n_workers: int = 1,
    batch_size: int | None = None,
    report: bool = False,
) -> MemoryEstimate:
    """Estimate the peak memory of a study (formula in the module docstring);
    ``report``: count the report drawn after it (``run`` without ``--no-report``)."""
    n, seed = study_arguments(scenario, replications, seed)
    size = batch_size or default_batch_size(n, n_workers)
    pilot = simulate(scenario, min(n, PILOT_REPLICATIONS), seed)
    tables = [getattr(pilot, t) for t in ALL_TABLES if not getattr(pilot, t).empty]
    per_replication = max(
        sum(int(df[df["replication"] == k].memory_usage(deep=True).sum()) for df in tables)
        for k in range(pilot.replications)
    )
    summary_row = -(-int(pilot.summary.memory_usage(deep=True).sum()) // pilot.replications)
    topology = scenario.topology
    n_assets = topology.n_nodes + topology.n_links
    report_bytes = 0
    if report:
        report_bytes = (
            CURVE_BYTES
            + n * (REPORT_SUMMARY_COPIES * summary_row + len(topology.regions) * REGION_ROW_BYTES)
            + min(n, MAX_REPLAYED) * topology.n_nodes * REPLAY_BYTES_PER_NODE
        )
    return MemoryEstimate(
        topology_bytes=BYTES_PER_ASSET * n_assets * (1 + n_workers),
        per_replication_bytes=per_replication,
        in_flight_bytes=n_workers * min(size, n) * per_replication,
        summary_bytes=n * (SUMMARY_COPIES * summary_row + SEED_BYTES),
        report_bytes=report_bytes,
    )


def check_memory(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    max_memory_gb: float,
    *,
    n_workers: int = 1,
    batch_size: int | None = None,
    report: bool = False,
) -> MemoryEstimate:
    """Raise InputError (field ``--max-memory``) if the estimate exceeds ``max_memory_gb``."""
    estimate = estimate_memory(
        scenario, replications, seed, n_workers=n_workers, batch_size=batch_size, report=report
    )
    if estimate.total_bytes > max_memory_gb * GB:
        raise InputError.single(
            str(scenario.source or scenario.name),
            "--max-memory",
            f"expected the study to fit in {max_memory_gb:g} GB; estimated "
            f"{estimate.describe()}. Use fewer workers or smaller batches (--batch-size), "
            "fewer replications per study (several runs with other seeds), --no-report, "
            "or raise --max-memory",
        )
    return estimate


def topology_load_bytes(path: str | Path) -> int:
    """Estimated peak memory of parsing the topology file ``path``, from its size and
    format alone (0 for a format not listed in ``LOAD_BYTES_PER_FILE_BYTE``)."""
    path = Path(path)
    size = path.stat().st_size
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            rows = pq.read_metadata(path).num_rows
        except (OSError, ValueError):  # not Parquet: the reader reports it
            return 0
        return PARQUET_FIXED_BYTES + PARQUET_BYTES_PER_ROW * rows
    factor = LOAD_BYTES_PER_FILE_BYTE.get(suffix, 0)
    if suffix in (".yaml", ".yml") and size < C_LOADER_MIN_CHARS:
        factor = SMALL_YAML_BYTES_PER_FILE_BYTE
    return factor * size


def check_topology_memory(path: str | Path, max_memory_gb: float) -> int:
    """Refuse (InputError naming the file, field ``--max-memory``) a topology file whose
    parsing would need more than ``max_memory_gb``; return the estimate, bytes."""
    path = Path(path)
    needed = topology_load_bytes(path)
    if needed > max_memory_gb * GB:
        kind = path.suffix.lower().lstrip(".").upper()
        advice = (
            f"save it as JSON, which needs about {JSON_SAVING}x less memory to load "
            f"(once, where it fits: resilience_sim.write_topology("
            f"resilience_sim.load_topology({str(path)!r}), 'NAME.json'); a generated "
            "network: resilience-sim topology generate ... --out NAME.json), or raise "
            "--max-memory"
            if kind in ("YAML", "YML")
            else "raise --max-memory"
        )
        raise InputError.single(
            str(path),
            "--max-memory",
            f"expected the topology to load in {max_memory_gb:g} GB; parsing this "
            f"{size_text(path.stat().st_size)} {kind} file needs about {size_text(needed)} "
            f"({needed // path.stat().st_size} bytes per byte of file, measured); {advice}",
        )
    return needed


def load_scenario_within(path: str | Path, max_memory_gb: float) -> Scenario:
    """``load_scenario(path)``, refusing first a topology file whose parsing would need
    more than ``max_memory_gb`` (:func:`check_topology_memory`)."""
    return load_scenario(
        path, check_topology=partial(check_topology_memory, max_memory_gb=max_memory_gb)
    )
