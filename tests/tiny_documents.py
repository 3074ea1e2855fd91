"""The small valid topology and scenario documents the CLI and bad-input tests mutate."""

from __future__ import annotations

from typing import Any

TOPOLOGY: dict[str, Any] = {
    "name": "tiny-net",
    "description": "two cell sites behind one exchange, one gateway abroad",
    "nodes": [
        {
            "id": "core-1",
            "kind": "exchange",
            "lat": -21.1,
            "lon": -175.2,
            "region": "north",
            "battery_h": 8,
            "capacity_gbps": 100,
        },
        {"id": "gw-1", "kind": "gateway", "lat": -18.1, "lon": 178.4, "region": "abroad"},
        {
            "id": "tower-1",
            "kind": "cell_site",
            "lat": -21.2,
            "lon": -175.1,
            "region": "north",
            "population": 1000,
            "battery_h": 3,
        },
        {
            "id": "tower-2",
            "kind": "cell_site",
            "lat": -21.3,
            "lon": -175.0,
            "region": "south",
            "population": 2000,
            "battery_h": 3,
        },
    ],
    "links": [
        {
            "id": "l1",
            "source": "core-1",
            "target": "tower-1",
            "kind": "terrestrial_fiber",
            "capacity_gbps": 10,
        },
        {
            "id": "l2",
            "source": "core-1",
            "target": "tower-2",
            "kind": "microwave",
            "capacity_gbps": 1,
            "length_km": 25,
        },
        {
            "id": "l3",
            "source": "core-1",
            "target": "gw-1",
            "kind": "submarine_cable",
            "capacity_gbps": 100,
        },
    ],
}


SCENARIO: dict[str, Any] = {
    "name": "Tiny Storm",
    "topology": "net.yaml",
    "horizon_h": 72,
    "seed": 1,
    "replications": 2,
    "hazards": [
        {"type": "asset_failure", "at_h": 1, "assets": ["tower-1", "l2"]},
        {"type": "regional_outage", "at_h": 2, "regions": ["south"], "duration_h": 5},
    ],
    "recovery": {"crews": [{"depot": "core-1", "count": 1}]},
}
