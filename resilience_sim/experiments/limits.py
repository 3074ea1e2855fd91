"""Up-front memory estimate of a study, and the ``--max-memory`` guard (experiments layer).

Called by ``resilience-sim run --max-memory GB`` after the scenario is loaded and
before any replication runs. The estimate (docs/robustness.md, "Memory limits")::

    total = BYTES_PER_ASSET x n_assets x (1 + n_workers)          topology + arrays,
                                                                 one copy per worker
          + n_workers x batch_size x per_replication              batches in flight
          + CONCAT_FACTOR x replications x per_replication        tables stacked at the end

``per_replication`` is measured, not guessed: the largest in-memory size
(``DataFrame.memory_usage(deep=True)``) of the result tables of up to
``PILOT_REPLICATIONS`` pilot replications (replications 0, 1, 2 of the same study).
"""

from __future__ import annotations

from dataclasses import dataclass

from resilience_sim.errors import InputError
from resilience_sim.experiments.study import (
    TABLES,
    default_batch_size,
    simulate,
    study_arguments,
)
from resilience_sim.scenario import Scenario

# Measured with tracemalloc after read_topology + compile_topology of the 20,000-node
# `national` preset (48,000 assets): 1,782 bytes held per asset; rounded up.
BYTES_PER_ASSET = 2_000
CONCAT_FACTOR = 2  # assumed: pandas.concat holds its inputs and its output at once
PILOT_REPLICATIONS = 3
GB = 1e9


@dataclass(frozen=True)
class MemoryEstimate:
    """The terms of the estimate, bytes."""

    topology_bytes: int
    per_replication_bytes: int
    in_flight_bytes: int
    tables_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.topology_bytes + self.in_flight_bytes + self.tables_bytes

    def describe(self) -> str:
        return (
            f"{self.total_bytes / GB:.2f} GB = topology and arrays "
            f"{self.topology_bytes / GB:.2f} GB + batches in flight "
            f"{self.in_flight_bytes / GB:.2f} GB + result tables {self.tables_bytes / GB:.2f} GB "
            f"({self.per_replication_bytes / 1e6:.2f} MB per replication)"
        )


def estimate_memory(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    *,
    n_workers: int = 1,
    batch_size: int | None = None,
) -> MemoryEstimate:
    """Estimate the peak memory of a study (formula in the module docstring)."""
    n, seed = study_arguments(scenario, replications, seed)
    size = batch_size or default_batch_size(n, n_workers)
    pilot = simulate(scenario, min(n, PILOT_REPLICATIONS), seed)
    tables = [getattr(pilot, t) for t in TABLES if not getattr(pilot, t).empty]
    per_replication = max(
        sum(int(df[df["replication"] == k].memory_usage(deep=True).sum()) for df in tables)
        for k in range(pilot.replications)
    )
    n_assets = scenario.topology.n_nodes + scenario.topology.n_links
    return MemoryEstimate(
        topology_bytes=BYTES_PER_ASSET * n_assets * (1 + n_workers),
        per_replication_bytes=per_replication,
        in_flight_bytes=n_workers * min(size, n) * per_replication,
        tables_bytes=CONCAT_FACTOR * n * per_replication,
    )


def check_memory(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    max_memory_gb: float,
    *,
    n_workers: int = 1,
    batch_size: int | None = None,
) -> MemoryEstimate:
    """Raise InputError (field ``--max-memory``) if the estimate exceeds ``max_memory_gb``."""
    estimate = estimate_memory(
        scenario, replications, seed, n_workers=n_workers, batch_size=batch_size
    )
    if estimate.total_bytes > max_memory_gb * GB:
        raise InputError.single(
            str(scenario.source or scenario.name),
            "--max-memory",
            f"expected the study to fit in {max_memory_gb:g} GB; estimated "
            f"{estimate.describe()}. Run fewer replications per study (several runs with "
            "other seeds), fewer workers, or raise --max-memory",
        )
    return estimate
