"""Up-front memory estimates, and the ``--max-memory`` guard (experiments layer).

Two checks, both before the work they guard (docs/robustness.md, "Memory limits"):

1. :func:`check_topology_memory`, before the topology file is parsed: parsing needs
   ``PARSE_BYTES_PER_FILE_BYTE[format] x file size`` at its peak (a columnar
   ``.parquet`` file: ``PARQUET_FIXED_BYTES + PARQUET_BYTES_PER_ROW x rows``; see
   :mod:`resilience_sim.memory`), and, for a Parquet file, the study's first term
   below, ``BYTES_PER_ASSET x n_assets x (1 + n_workers)``, with ``n_assets`` from the
   file's footer, so a study too large for its topology alone is refused before anything
   is loaded.
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

from resilience_sim.errors import InputError
from resilience_sim.experiments.study import (
    ALL_TABLES,
    default_batch_size,
    simulate,
    study_arguments,
)
from resilience_sim.memory import (
    PARQUET_SUFFIXES,
    describe_file,
    parquet_rows,
    parse_bytes,
    size_text,
)
from resilience_sim.metrics.curves import MAX_CURVE_CELLS, MAX_DISTINCT_TIMES
from resilience_sim.metrics.equity import MAX_REPLAYED
from resilience_sim.scenario import Scenario, load_scenario

# Measured with tracemalloc after read_topology + compile_topology of the 20,000-node
# `national` preset (48,000 assets): 1,782 bytes held per asset; rounded up.
BYTES_PER_ASSET = 2_000
PILOT_REPLICATIONS = 3
GB = 1e9


# Before loading, the compiled arrays are estimated only where the asset count is known
# exactly, from a Parquet file's footer. Text formats say it only once parsed, but their
# parsing peak is already more than one copy of the arrays per asset (measured on the
# `national` preset, bytes of peak per asset: YAML 7,500, JSON 2,100 (compact) to 3,000
# (indented), GraphML 15,500, GML 3,000; BYTES_PER_ASSET 2,000), so the parsing check
# covers the main process's copy and check_memory, after loading, the workers' copies.
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
        """The whole estimate, bytes."""
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
    ``report``: count the report drawn after it (``run`` without ``--no-report``).

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    replications : int or None, default None
        Replications to run (None: the scenario's).
    seed : int or None, default None
        The study seed (None: the scenario's).
    n_workers : int, default 1
        Worker processes.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    report : bool, default False
        Count the report drawn after the run.

    Returns
    -------
    MemoryEstimate
        The estimate and its terms.
    """
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
    """Raise InputError (field ``--max-memory``) if the estimate exceeds ``max_memory_gb``.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    replications : int or None
        Replications to run (None: the scenario's).
    seed : int or None
        The study seed (None: the scenario's).
    max_memory_gb : float
        The memory limit, GB.
    n_workers : int, default 1
        Worker processes.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    report : bool, default False
        Count the report drawn after the run.

    Returns
    -------
    MemoryEstimate
        The estimate.
    """
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
    format alone (:func:`resilience_sim.memory.parse_bytes`).

    Parameters
    ----------
    path : str or Path
        The topology file.

    Returns
    -------
    int
        Bytes.
    """
    return parse_bytes(path)


def file_assets(path: str | Path) -> int | None:
    """Assets (nodes + links) of the topology file ``path`` known before it is read: a
    Parquet file's footer rows; None for other formats.

    Parameters
    ----------
    path : str or Path
        The topology file.

    Returns
    -------
    int or None
        Nodes + links, or None.
    """
    path = Path(path)
    return parquet_rows(path) if path.suffix.lower() in PARQUET_SUFFIXES else None


def check_topology_memory(
    path: str | Path, max_memory_gb: float, n_workers: int | None = None
) -> int:
    """Refuse (InputError naming the file, field ``--max-memory``), before the topology
    file is parsed, one whose parsing would need more than ``max_memory_gb``, or (given
    ``n_workers``, a Parquet file) whose compiled arrays, in this process and a copy per
    worker, would (the first term of :func:`estimate_memory`, from :func:`file_assets`).
    Returns the parsing estimate, bytes.

    Parameters
    ----------
    path : str or Path
        The topology file.
    max_memory_gb : float
        The memory limit, GB.
    n_workers : int or None, default None
        Worker processes (None: only the parsing is checked).

    Returns
    -------
    int
        The parsing estimate, bytes.
    """
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
            f"{describe_file(path, needed)}; {advice}",
        )
    assets = file_assets(path) if n_workers is not None else None
    if assets is not None:
        arrays = BYTES_PER_ASSET * assets * (1 + n_workers)
        if arrays > max_memory_gb * GB:
            raise InputError.single(
                str(path),
                "--max-memory",
                f"expected the study to fit in {max_memory_gb:g} GB; its topology of "
                f"{assets:,} assets (rows in the file's footer) needs about "
                f"{size_text(arrays)} as compiled arrays alone ({BYTES_PER_ASSET:,} bytes "
                f"per asset, measured, in this process and a copy in each of {n_workers} "
                "workers), refused before loading it. Use fewer workers (--workers) or "
                "raise --max-memory",
            )
    return needed


def load_scenario_within(
    path: str | Path, max_memory_gb: float, n_workers: int | None = None
) -> Scenario:
    """``load_scenario(path)``, refusing first a topology file whose parsing (or, given
    ``n_workers``, whose compiled arrays) would need more than ``max_memory_gb``
    (:func:`check_topology_memory`).

    Parameters
    ----------
    path : str or Path
        The scenario file.
    max_memory_gb : float
        The memory limit, GB.
    n_workers : int or None, default None
        Worker processes (None: only the parsing is checked).

    Returns
    -------
    Scenario
        The scenario.
    """
    return load_scenario(
        path,
        check_topology=partial(
            check_topology_memory, max_memory_gb=max_memory_gb, n_workers=n_workers
        ),
    )
