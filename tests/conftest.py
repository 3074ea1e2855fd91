"""Tiny topologies built in code, and a helper to make scenarios on them."""

from __future__ import annotations

import numpy as np
import pytest

from resilience_sim import Scenario
from resilience_sim.topology import Topology, TopologyDocument


def make_topology(nodes: list[dict], links: list[dict], name: str = "test") -> Topology:
    doc = TopologyDocument.model_validate({"name": name, "nodes": nodes, "links": links})
    return Topology.from_document(doc)


def line_topology() -> Topology:
    """gw - ex - a - b - c along the equator, 0.1 degrees (~11.1 km) apart.

    gw is the international gateway, ex the core exchange; a, b, c are cell sites
    serving 100, 50 and 25 users.
    """
    nodes = [
        {"id": "gw", "kind": "gateway", "lat": 0.0, "lon": 0.0},
        {"id": "ex", "kind": "exchange", "lat": 0.0, "lon": 0.1},
        {"id": "a", "kind": "cell_site", "lat": 0.0, "lon": 0.2, "population": 100, "region": "r1"},
        {"id": "b", "kind": "cell_site", "lat": 0.0, "lon": 0.3, "population": 50, "region": "r2"},
        {"id": "c", "kind": "cell_site", "lat": 0.0, "lon": 0.4, "population": 25, "region": "r2"},
    ]
    links = [
        {"id": "l-gw-ex", "source": "gw", "target": "ex", "kind": "submarine_cable"},
        {"id": "l-ex-a", "source": "ex", "target": "a", "kind": "terrestrial_fiber"},
        {"id": "l-a-b", "source": "a", "target": "b", "kind": "terrestrial_fiber"},
        {"id": "l-b-c", "source": "b", "target": "c", "kind": "microwave"},
    ]
    return make_topology(nodes, links, "line")


def scenario_on(topology: Topology, **fields) -> Scenario:
    data = {"name": "test scenario", "horizon_h": 100.0, **fields}
    return Scenario.from_dict(data, topology)


def fixed(value_h: float) -> dict:
    return {"dist": "fixed", "value_h": value_h}


@pytest.fixture
def line() -> Topology:
    return line_topology()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
