"""Golden traces: every shipped scenario gives the same tables as when the hashes were pinned.

A refactor must not change results (issue 22). The hashes below were taken on main at
4b15a85 (seed 20261206, 4 replications). A change that is *meant* to alter results of a
shipped scenario updates the hash in the same commit and says why in its message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import resilience_sim as rs

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEED = 20261206
REPLICATIONS = 4

GOLDEN = {
    "archipelago_anchor_drag": {
        "summary": "5ac61d3fc9a2ec38",
        "events": "8b35669b9af040bc",
        "timeline": "b9ecae64b4cd3a1e",
        "regional": "e654af4924305ae1",
    },
    "archipelago_ddos_ixp_typhoon": {
        "summary": "11871a550ec9cbc0",
        "events": "4bdc1d8846796716",
        "timeline": "9df30db4e4780f08",
        "regional": "f8bd2e38fdc4efac",
    },
    "archipelago_earthquake_tsunami": {
        "summary": "ac0c89ca2ce55ba3",
        "events": "06ab88db7a626bf4",
        "timeline": "168583b96feae91a",
        "regional": "cafad86f2c264d28",
    },
    "archipelago_strait_earthquake": {
        "summary": "127ce9e912944631",
        "events": "0fe98ec5e3ee9b26",
        "timeline": "ddd4b9703ad0a2a6",
        "regional": "3b02e4b5335d86d3",
    },
    "archipelago_typhoon": {
        "summary": "1956796635e1e4d0",
        "events": "dcbcd039bbf2eb92",
        "timeline": "f0aeab2728dbf51e",
        "regional": "dc768cf29dfabb5e",
    },
    "cyber_during_cyclone": {
        "summary": "b1b94888b9b31ac1",
        "events": "d89b97c7562bbd40",
        "timeline": "cd0394da1615595f",
        "regional": "009e72fc24c07abd",
    },
    "landlocked_grid_blackout": {
        "summary": "37ca8b6a3129f6b7",
        "events": "7ced4328a17e7f85",
        "timeline": "c780d46646b7d85d",
        "regional": "fd7fa8b1360f6488",
    },
    "landlocked_ransomware": {
        "summary": "5de36b100e533f77",
        "events": "91c290ad5baf0bb8",
        "timeline": "51449cabd3f3c3cb",
        "regional": "26d89ccb1ffbe0f1",
    },
    "pacific_island_eruption": {
        "summary": "d64722350665f987",
        "events": "2a76253b99caeca8",
        "timeline": "0c1158723b05ecaa",
        "regional": "bf9624b6ab8b1365",
    },
}


def table_hash(frame: pd.DataFrame) -> str:
    """First 16 hex digits of the SHA-256 of pandas' row hashes (values, dtypes and index)."""
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    return hashlib.sha256(rows.tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_shipped_scenario_tables_are_unchanged(name):
    scenario = rs.load_scenario(SCENARIOS / f"{name}.yaml")
    result = rs.simulate(scenario, replications=REPLICATIONS, seed=SEED)
    got = {table: table_hash(getattr(result, table)) for table in GOLDEN[name]}
    assert got == GOLDEN[name]


def test_every_shipped_scenario_is_pinned():
    assert sorted(p.stem for p in SCENARIOS.glob("*.yaml")) == sorted(GOLDEN)
