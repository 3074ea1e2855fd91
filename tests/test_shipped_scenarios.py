"""Every shipped scenario and topology loads, validates and runs (2 replications each).

Parametrised over ``scenarios/*.yaml`` and ``topologies/*.yaml``, so a new file is checked
as soon as it is added. Checks real properties, not only that the run finishes: one summary
row per replication, served fractions within [0, 1] and never above the undamaged network,
the same seed giving identical summaries, and every topology serving all its users when
undamaged. The large generated topology is checked against the generator command in
topologies/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import resilience_sim as rs
from resilience_sim.topology.generate import generate_topology
from resilience_sim.topology.io import read_topology

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml"))
LARGE = ROOT / "topologies" / "national_10k.yaml"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_runs_two_replications(path: Path):
    scenario = rs.load_scenario(path)
    first = rs.simulate(scenario, replications=2, seed=11)
    again = rs.simulate(scenario, replications=2, seed=11)
    assert sorted(first.summary["replication"]) == [0, 1]
    pd.testing.assert_frame_equal(first.summary, again.summary)
    timeline = first.timeline
    for column in ("served_domestic_frac", "served_international_frac"):
        values = timeline[column].to_numpy()
        assert np.all((values >= 0.0) & (values <= 1.0 + 1e-12)), column
    assert np.all(first.summary["unserved_user_h_domestic"] >= 0.0)
    assert np.all(first.summary["peak_outage_frac"].between(0.0, 1.0))


@pytest.mark.parametrize("path", [p for p in TOPOLOGIES if p != LARGE], ids=lambda p: p.stem)
def test_shipped_topology_reaches_everyone_when_undamaged(path: Path):
    """Every user's site reaches a core node and an international node (networkx check)."""
    import networkx as nx

    topology = read_topology(path)
    graph = topology.to_networkx()
    core = set(topology.core_node_ids())
    international = set(topology.international_node_ids())
    assert core and international
    access = [n.id for n in topology.nodes if n.population > 0]
    assert sum(n.population for n in topology.nodes) > 0
    for component in nx.connected_components(graph):
        if component & set(access):
            assert component & core and component & international


def test_large_topology_is_the_documented_generator_output():
    """topologies/README.md: `topology generate --preset national --nodes 10000 --seed 1`."""
    shipped = read_topology(LARGE)
    generated = generate_topology("national", 10_000, 1)
    assert shipped.n_nodes == generated.n_nodes == 10_000
    assert [n.id for n in shipped.nodes] == [n.id for n in generated.nodes]
    assert [(lk.source, lk.target) for lk in shipped.links] == [
        (lk.source, lk.target) for lk in generated.links
    ]
    assert LARGE.stat().st_size < 5_000_000
