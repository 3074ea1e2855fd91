"""Largest connected component over time: by hand, and against percolation theory."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import line_topology, make_topology, scenario_on

from resilience_sim import simulate
from resilience_sim.metrics.giant_component import largest_per_group


def operated_line():
    """The conftest line gw - ex - a - b - c (regions unassigned, unassigned, r1, r2, r2)
    with gw, ex run by operator Y and a, b, c by X."""
    line = line_topology()
    nodes = [n.model_dump(exclude_none=True) for n in line.nodes]
    for node in nodes:
        node["operator"] = "Y" if node["id"] in ("gw", "ex") else "X"
    links = [link.model_dump(exclude_none=True) for link in line.links]
    return make_topology(nodes, links, "operated line")


def test_giant_component_table_by_hand():
    """l-a-b down 1-5 h: the network splits into {gw, ex, a} and {b, c}. Rows at 0 h for
    every scope, then only changes: total 5 -> 3 -> 5 of 5 nodes, operator X (a-b-c)
    3 -> 2 -> 3; the regions never change (l-a-b joins two regions)."""
    scenario = scenario_on(
        operated_line(),
        hazards=[{"type": "asset_failure", "assets": ["l-a-b"], "at_h": 1.0, "duration_h": 4.0}],
        output={"giant_component": True},
    )
    table = simulate(scenario).giant_component
    rows = [
        (t, s, g, int(n), int(of), f)
        for t, s, g, n, of, f in zip(
            table.time_h,
            table.scope,
            table.group,
            table.largest_component_nodes,
            table.nodes,
            table.largest_component_frac,
            strict=True,
        )
    ]
    assert rows == [
        (0.0, "total", "", 5, 5, 1.0),
        (0.0, "region", "unassigned", 2, 2, 1.0),
        (0.0, "region", "r1", 1, 1, 1.0),
        (0.0, "region", "r2", 2, 2, 1.0),
        (0.0, "operator", "X", 3, 3, 1.0),
        (0.0, "operator", "Y", 2, 2, 1.0),
        (1.0, "total", "", 3, 5, 0.6),
        (1.0, "operator", "X", 2, 3, 2 / 3),
        (5.0, "total", "", 5, 5, 1.0),
        (5.0, "operator", "X", 3, 3, 1.0),
    ]


def test_no_table_unless_asked(tmp_path):
    from resilience_sim.experiments.results import write_run

    plain = simulate(scenario_on(line_topology()))
    assert plain.giant_component.empty
    folder = write_run(plain, tmp_path)
    assert not (folder / "giant_component.parquet").exists()
    asked = simulate(scenario_on(line_topology(), output={"giant_component": True}))
    folder = write_run(asked, tmp_path / "asked")
    assert (folder / "giant_component.parquet").is_file()


def er_giant_fraction(rng, n: int, k: float, keep: float) -> float:
    """Largest component / n of G(n, m = k n / 2) with a share ``keep`` of nodes up."""
    m = round(k * n / 2)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    up = np.ones(n + m, dtype=bool)
    up[rng.choice(n, round((1 - keep) * n), replace=False)] = False
    largest = largest_per_group(n, src, dst, up, np.zeros(n, dtype=np.int64), 1)
    return largest[0] / n


def percolation_theory(k: float, keep: float) -> float:
    """Largest root of S = keep (1 - exp(-k S)) (keep = 1: the ER giant component)."""
    s = keep
    for _ in range(10_000):
        s = keep * (1.0 - np.exp(-k * s))
    return float(s)


@pytest.mark.parametrize(("k", "keep"), [(2.0, 1.0), (3.0, 0.6)])
def test_erdos_renyi_giant_component_matches_theory(k, keep):
    """30 graphs of 10^4 nodes: the mean giant fraction within 4 standard errors."""
    rng = np.random.default_rng(1959)
    got = np.array([er_giant_fraction(rng, 10_000, k, keep) for _ in range(30)])
    se = got.std(ddof=1) / np.sqrt(len(got))
    assert abs(got.mean() - percolation_theory(k, keep)) < 4 * se + 1e-4


def test_largest_per_group_drops_links_across_groups():
    """Path 0-1-2-3 with groups [0, 0, 1, 1] and node 4 in no group: each group's largest
    component is 2, though the whole path is one component."""
    src, dst = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4])
    up = np.ones(9, dtype=bool)
    group = np.array([0, 0, 1, 1, -1])
    assert largest_per_group(5, src, dst, up, group, 2).tolist() == [2, 2]
    up[0] = False  # node 0 down: group 0 keeps only node 1
    assert largest_per_group(5, src, dst, up, group, 2).tolist() == [1, 2]


def test_run_study_streams_the_table_batch_by_batch(tmp_path):
    """A study written batch by batch has the same giant-component table as simulate."""
    import pandas as pd

    from resilience_sim.experiments.runs import run_study

    scenario = scenario_on(
        operated_line(),
        hazards=[{"type": "asset_failure", "assets": ["l-a-b"], "at_h": 1.0, "duration_h": 4.0}],
        output={"giant_component": True},
        replications=3,
    )
    written = run_study(scenario, tmp_path, batch_size=1)
    on_disk = pd.read_parquet(written.run_dir / "giant_component.parquet")
    pd.testing.assert_frame_equal(on_disk, simulate(scenario).giant_component)
    assert sorted(on_disk.replication.unique()) == [0, 1, 2]
