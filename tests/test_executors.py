"""Executors: the same seed gives bit-identical tables whatever runs the replications.

The reference is the replication loop the study had before batching (one replication
after another, tables stacked once), so these tests also show that cutting a study into
batches, and the order in which batches finish, change nothing.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import fixed, line_topology, scenario_on

from resilience_sim import InputError, load_scenario
from resilience_sim.experiments import (
    DaskExecutor,
    LocalExecutor,
    SequentialExecutor,
    make_executor,
    simulate,
)
from resilience_sim.experiments.study import (
    TABLES,
    StudyContext,
    collect_tables,
    default_batch_size,
    plan_batches,
    run_replication,
)
from resilience_sim.rng import replication_seeds

SCENARIO = Path(__file__).parent.parent / "scenarios" / "pacific_island_eruption.yaml"


def reference_tables(scenario, n: int, seed: int) -> dict[str, pd.DataFrame]:
    """The study computed without executors or batches: replication 0, 1, ... in turn."""
    context = StudyContext.build(scenario)
    outputs = [run_replication(context, k, s) for k, s in enumerate(replication_seeds(seed, n))]
    return collect_tables(context, outputs)


def assert_same_tables(result, expected: dict[str, pd.DataFrame]) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(result, table), expected[table], check_exact=True)


@pytest.fixture(scope="module")
def island():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def island_reference(island):
    return reference_tables(island, 23, 5)


@pytest.fixture(scope="module")
def dask_executor():
    """A real Dask LocalCluster of two single-threaded worker processes, started by the
    executor and closed after this module's tests."""
    pytest.importorskip("distributed")
    with DaskExecutor(workers=2) as executor:
        yield executor


def random_star_scenario():
    """Line topology with one random failure hazard: many replications have no events."""
    return scenario_on(
        line_topology(),
        hazards=[{"type": "asset_failure", "kind": "cell_site", "fraction": 0.15}],
        recovery={"crews": [{"depot": "ex"}], "repair_h": {"cell_site": fixed(5.0)}},
    )


@pytest.mark.parametrize("batch_size", [1, 4, 23])
def test_batch_size_does_not_change_results(island, island_reference, batch_size):
    """23 replications in batches of 1, 4 (the last one of 3) and 23."""
    result = simulate(island, replications=23, seed=5, batch_size=batch_size)
    assert_same_tables(result, island_reference)


def test_batches_with_empty_event_tables_stack_like_one_loop():
    """With p = 0.15 per cell site, (0.85)^3 = 61 % of replications have no failure:
    batches of one replication are often empty tables, which must stack the same."""
    scenario = random_star_scenario()
    expected = reference_tables(scenario, 12, 3)
    assert (expected["events"].groupby("replication").size().reindex(range(12)).isna()).any()
    assert_same_tables(simulate(scenario, replications=12, seed=3, batch_size=1), expected)


def test_local_processes_give_identical_tables(island, island_reference):
    result = simulate(island, replications=23, seed=5, executor=LocalExecutor(2), batch_size=3)
    assert_same_tables(result, island_reference)


def test_dask_cluster_gives_identical_tables(island, island_reference, dask_executor):
    assert dask_executor.n_workers == 2
    result = simulate(island, replications=23, seed=5, executor=dask_executor, batch_size=3)
    assert_same_tables(result, island_reference)


@dataclass(frozen=True)
class Payload:
    """Stands for a StudyContext: an object (Dask copies plain lists and dicts it is
    given, but passes other objects through as they are)."""

    values: tuple[int, ...]


def _where_shared_lives(shared: Payload, item: int) -> tuple[int, int, int]:
    """Executor task: the worker's pid, the identity of its copy of ``shared``, a result."""
    return os.getpid(), id(shared), shared.values[item]


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_shared_object_reaches_each_worker_once(kind, request):
    """Every task of a worker sees the same copy of the shared object (installed once per
    worker, not sent with each task), and results come back with their item index."""
    executor = LocalExecutor(2) if kind == "local" else request.getfixturevalue("dask_executor")
    shared = Payload(tuple(10 * i for i in range(40)))
    results = dict(executor.imap_unordered(_where_shared_lives, shared, list(range(40))))
    assert sorted(results) == list(range(40))
    assert tuple(results[i][2] for i in range(40)) == shared.values
    copies: dict[int, set[int]] = {}
    for pid, copy_id, _ in results.values():
        copies.setdefault(pid, set()).add(copy_id)
    assert os.getpid() not in copies  # ran in worker processes
    assert all(len(ids) == 1 for ids in copies.values())


def test_sequential_runs_in_item_order():
    order = [
        i
        for i, _ in SequentialExecutor().imap_unordered(
            _where_shared_lives, Payload((1, 2)), [1, 0]
        )
    ]
    assert order == [0, 1]


def test_default_batch_size():
    """~4 batches per worker, at least 1 and at most 100 replications per batch."""
    assert default_batch_size(1000, 2) == 100  # ceil(1000 / 8) = 125, capped
    assert default_batch_size(50, 2) == 7  # ceil(50 / 8)
    assert default_batch_size(3, 8) == 1
    batches = plan_batches(1, 10, 4)
    assert [(b.first, b.size) for b in batches] == [(0, 4), (4, 4), (8, 2)]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"executor": "threads"}, "--executor", "unknown executor"),
        ({"executor": "local", "scheduler": "tcp://h:1"}, "--scheduler", "needs --executor dask"),
        ({"executor": "dask", "scheduler": "tcp://h:1", "workers": 2}, "--workers", "local"),
        ({"executor": "sequential", "workers": 4}, "--workers", "sequential"),
        ({"executor": "local", "workers": 0}, "<api>", "positive"),
    ],
)
def test_bad_executor_arguments(kwargs, field, message):
    with pytest.raises(InputError) as info:
        make_executor(kwargs.pop("executor"), **kwargs)
    problem = info.value.problems[0]
    assert problem.file == field
    assert message in problem.message


def test_a_dask_worker_killed_mid_study_changes_nothing(island, dask_executor):
    """SIGKILL one of the two Dask workers after the first batch: Dask reruns its tasks on
    the other (the scattered context is on both) and its nanny starts a new worker; the
    tables are unchanged. Last in this module, as it replaces a worker of the cluster."""
    expected = reference_tables(island, 40, 9)
    client = dask_executor.client
    victim = next(iter(client.run(os.getpid).values()))
    killed = []

    def kill_once(done: int) -> None:
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(done)

    result = simulate(
        island, replications=40, seed=9, progress=kill_once, executor=dask_executor, batch_size=2
    )
    assert killed == [2]
    assert victim not in client.run(os.getpid).values()
    assert_same_tables(result, expected)
