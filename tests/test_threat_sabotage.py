"""Threat `sabotage`: named cuts, cable systems and the min-cut attacker (hand-checked)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import make_topology, scenario_on

from resilience_sim.threats import THREAT_SAMPLERS
from resilience_sim.threats.mincut import min_cut_attack, users_cut_off
from resilience_sim.topology import compile_topology


def two_cables():
    """G abroad; cables c1: G-L1, c2: G-L2; exchange X on fibres f1: X-L1, f2: X-L2;
    users P (100) on fXP: X-P, Q (50) on fXQ: X-Q and fQL2: Q-L2.

    Cut off from G: one link can cut off only P (fXP: 100 users); the only 2-link cut
    that cuts off everyone is {c1, c2} (every other pair leaves P or Q a path), so the
    minimum cut separating all 150 users has exactly those two links.
    Cut off from the core X: P alone costs 1 link (fXP), Q alone 2 (fXQ, fQL2), so
    budget 2 -> 100 users, budget 3 -> all 150.
    """
    nodes = [
        {"id": "G", "kind": "gateway", "international": True},
        {"id": "L1", "kind": "landing_station"},
        {"id": "L2", "kind": "landing_station"},
        {"id": "X", "kind": "exchange"},
        {"id": "P", "kind": "cell_site", "population": 100},
        {"id": "Q", "kind": "cell_site", "population": 50},
    ]
    links = [
        {"id": "c1", "source": "G", "target": "L1", "kind": "submarine_cable",
         "cable_system": "North"},
        {"id": "c2", "source": "G", "target": "L2", "kind": "submarine_cable",
         "cable_system": "South"},
        {"id": "f1", "source": "X", "target": "L1", "kind": "terrestrial_fiber"},
        {"id": "f2", "source": "X", "target": "L2", "kind": "terrestrial_fiber"},
        {"id": "fXP", "source": "X", "target": "P", "kind": "terrestrial_fiber"},
        {"id": "fXQ", "source": "X", "target": "Q", "kind": "terrestrial_fiber"},
        {"id": "fQL2", "source": "Q", "target": "L2", "kind": "microwave"},
    ]  # fmt: skip
    return make_topology(nodes, links, "two-cables")


def cut_ids(arrays, positions):
    return sorted(arrays.asset_ids[arrays.n_nodes + positions].tolist())


@pytest.mark.parametrize(
    ("budget", "cut_from", "kinds", "expected", "lost"),
    [
        (1, "international", None, ["fXP"], 100),
        (2, "international", None, ["c1", "c2"], 150),  # exactly the min cut
        (5, "international", None, ["c1", "c2"], 150),  # no link wasted
        (2, "international", ["terrestrial_fiber", "microwave"], ["fXP"], 100),
        (1, "core", None, ["fXP"], 100),
        (2, "core", None, ["fXP"], 100),
        (3, "core", None, ["fQL2", "fXP", "fXQ"], 150),
    ],
)
def test_min_cut_attacker_hand_checked(budget, cut_from, kinds, expected, lost):
    arrays = compile_topology(two_cables())
    up = np.ones(arrays.n_assets, dtype=bool)
    anchors = arrays.is_international if cut_from == "international" else arrays.is_core
    cuttable = (
        np.ones(arrays.n_links, dtype=bool)
        if kinds is None
        else np.isin(arrays.asset_kinds[arrays.n_nodes :], kinds)
    )
    cut = min_cut_attack(arrays, up, anchors, budget, cuttable)
    assert cut_ids(arrays, cut) == expected
    assert users_cut_off(arrays, up, anchors, cut) == lost


def test_fibre_only_attacker_with_three_cuts_isolates_everyone():
    # Without the cables, cutting all 150 users off takes 3 links ({f1, f2, fQL2} or
    # {fXP, fXQ, fQL2}: equal cost, either is optimal).
    arrays = compile_topology(two_cables())
    up = np.ones(arrays.n_assets, dtype=bool)
    cuttable = arrays.asset_kinds[arrays.n_nodes :] != "submarine_cable"
    cut = min_cut_attack(arrays, up, arrays.is_international, 3, cuttable)
    assert len(cut) == 3
    assert users_cut_off(arrays, up, arrays.is_international, cut) == 150


def sample(topology, rng, **fields):
    scenario = scenario_on(topology, hazards=[{"type": "sabotage", **fields}])
    arrays = compile_topology(topology)
    damage = THREAT_SAMPLERS["sabotage"](scenario.spec.hazards[0], topology, arrays, rng, "cut")
    return sorted(arrays.asset_ids[damage.asset_idx].tolist()), damage


def test_named_assets_cable_systems_and_min_cut_together(rng):
    got, damage = sample(
        two_cables(),
        rng,
        assets=["L1"],
        cable_systems=["South"],
        min_cut={"budget_links": 1, "cut_from": "core"},
        at_h=12.0,
    )
    assert got == ["L1", "c2", "fXP"]
    assert damage.onset_h.tolist() == [12.0, 12.0, 12.0]
    assert np.isnan(damage.duration_h).all()


def test_hardened_cable_survives_more_often():
    """c1 has hardening_factor 4 (buried, armoured), c2 1; base success 0.8: p = 0.2 and
    0.8. Over 3,000 replications the counts are Binomial: sd = sqrt(3000 p (1 - p)) = 21.9
    for both; allow 4 sd."""
    topology = two_cables()
    doc = topology.to_document().model_dump()
    doc["links"][0]["hardening_factor"] = 4.0
    hardened = make_topology(doc["nodes"], doc["links"], "hardened")
    rng = np.random.default_rng(2024)
    counts = {"c1": 0, "c2": 0}
    for _ in range(3000):
        got, _ = sample(hardened, rng, cable_systems=["North", "South"], success_probability=0.8)
        for asset in got:
            counts[asset] += 1
    sd = math.sqrt(3000 * 0.2 * 0.8)
    assert counts["c1"] == pytest.approx(600, abs=4 * sd)
    assert counts["c2"] == pytest.approx(2400, abs=4 * sd)
