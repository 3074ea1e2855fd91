"""Threat `targeted_attack`: rankings, static vs adaptive, budgets, hardening, timing."""

from __future__ import annotations

import math
from collections import Counter
from itertools import chain

import numpy as np
import pytest
from conftest import make_topology, scenario_on

from resilience_sim.threats import THREAT_SAMPLERS
from resilience_sim.topology import compile_topology


def sample(topology, rng, **fields):
    """Validate one targeted_attack through the scenario schema and sample it."""
    scenario = scenario_on(topology, hazards=[{"type": "targeted_attack", **fields}])
    arrays = compile_topology(topology)
    hazard = scenario.spec.hazards[0]
    damage = THREAT_SAMPLERS["targeted_attack"](hazard, topology, arrays, rng, "attack")
    return damage, arrays


def ids(damage, arrays):
    return arrays.asset_ids[damage.asset_idx].tolist()


def two_hubs():
    """A(4): B C D E; B(3): A C D; F(3): G H I (node order A..I).

    Static degree ranking: A (4), then B and F tie at 3 -> B (earlier). After A is gone,
    B has degree 2 (C, D) and F still 3, so an adaptive attacker takes F.
    """
    nodes = [{"id": x, "kind": "exchange"} for x in "ABCDEFGHI"]
    pairs = ["AB", "AC", "AD", "AE", "BC", "BD", "FG", "FH", "FI"]
    links = [{"id": p, "source": p[0], "target": p[1], "kind": "terrestrial_fiber"} for p in pairs]
    return make_topology(nodes, links, "two-hubs")


def test_static_degree_attack_ranks_once(rng):
    damage, arrays = sample(two_hubs(), rng, rank_by="degree", budget_assets=2)
    assert ids(damage, arrays) == ["A", "B"]
    assert damage.onset_h.tolist() == [0.0, 0.0]
    assert np.isnan(damage.duration_h).all()  # needs a repair job


def test_adaptive_degree_attack_reranks_after_each_removal(rng):
    damage, arrays = sample(two_hubs(), rng, rank_by="degree", budget_assets=2, adaptive=True)
    assert ids(damage, arrays) == ["A", "F"]


def test_link_attack_by_edge_degree(rng):
    # edge degree = deg(u) + deg(v) - 2: AB 4+3-2 = 5, AC 4, AD 4, BC 3, ... -> AB first
    damage, arrays = sample(two_hubs(), rng, rank_by="degree", target="links", budget_assets=1)
    assert ids(damage, arrays) == ["AB"]


def test_population_ranking_counts_users_losing_service(line, rng):
    # gw - ex - a(100) - b(50) - c(25); core ex, international gw. Losing gw costs 175
    # users international service, ex 175 both, a 175, b 75, c 25: ties keep node order.
    damage, arrays = sample(line, rng, rank_by="population", budget_assets=4)
    assert ids(damage, arrays) == ["gw", "ex", "a", "b"]
    damage, arrays = sample(line, rng, rank_by="population", target="links", budget_assets=2)
    # l-gw-ex 175 (international), l-ex-a 175, l-a-b 75, l-b-c 25
    assert ids(damage, arrays) == ["l-gw-ex", "l-ex-a"]


def island():
    """Landing station L (cable 100 Gbit/s abroad) and earth station S (satellite 1 Gbit/s
    abroad) both joined to exchange X; intl1, intl2 are the international nodes."""
    nodes = [
        {"id": "X", "kind": "exchange", "population": 10},
        {"id": "L", "kind": "landing_station"},
        {"id": "S", "kind": "satellite_ground_station"},
        {"id": "intl1", "kind": "gateway", "international": True},
        {"id": "intl2", "kind": "gateway", "international": True},
    ]
    links = [
        {"id": "cable", "source": "L", "target": "intl1", "kind": "submarine_cable",
         "capacity_gbps": 100},
        {"id": "sat", "source": "S", "target": "intl2", "kind": "satellite", "capacity_gbps": 1},
        {"id": "XL", "source": "X", "target": "L", "kind": "terrestrial_fiber"},
        {"id": "XS", "source": "X", "target": "S", "kind": "terrestrial_fiber"},
    ]  # fmt: skip
    return make_topology(nodes, links, "island")


def test_international_capacity_ranking(rng):
    damage, arrays = sample(island(), rng, rank_by="international_capacity", budget_assets=2)
    assert ids(damage, arrays) == ["L", "S"]  # 100 then 1 Gbit/s; abroad nodes score 0
    damage, arrays = sample(
        island(), rng, rank_by="international_capacity", target="links", budget_assets=1
    )
    assert ids(damage, arrays) == ["cable"]


def test_cost_budget_skips_what_it_cannot_afford(rng):
    # ranked L (landing, cost 6), S (ground station, cost 5); budget 10: L, then S is
    # too dear (4 left); X has no cost listed, so it is not a candidate.
    damage, arrays = sample(
        island(),
        rng,
        rank_by="international_capacity",
        budget_cost=10,
        cost_by_kind={"landing_station": 6, "satellite_ground_station": 5, "gateway": 4},
    )
    assert ids(damage, arrays) == ["L", "intl1"]  # gateways score 0 but are affordable


def test_kinds_and_exclude_filter_the_candidates(rng):
    damage, arrays = sample(
        two_hubs(), rng, rank_by="degree", budget_assets=2, exclude=["A"], kinds=["exchange"]
    )
    assert ids(damage, arrays) == ["B", "F"]


def test_attempts_are_spaced_and_failed_ones_use_budget_and_time():
    # success 0.5 on A, B, F with interval 2 h: attempt i at 1 + 2 i whatever its outcome
    topology = two_hubs()
    seen = set()
    for seed in range(40):
        damage, arrays = sample(
            topology,
            np.random.default_rng(seed),
            rank_by="degree",
            budget_assets=3,
            success_probability=0.5,
            at_h=1.0,
            interval_h=2.0,
        )
        onset = dict(zip(ids(damage, arrays), damage.onset_h.tolist(), strict=True))
        assert set(onset) <= {"A", "B", "F"}
        for asset, t in onset.items():
            assert t == {"A": 1.0, "B": 3.0, "F": 5.0}[asset]
        seen.add(len(onset))
    assert seen == {0, 1, 2, 3}


def test_hardening_divides_the_success_probability():
    """Node A has hardening_factor 2 and base success probability 0.6: p = 0.3; node E
    (factor 0.5) is capped at 1. 4,000 replications: the count of A removals is
    Binomial(4000, 0.3), sd = sqrt(4000 x 0.3 x 0.7) = 29; allow 4 sd."""
    nodes = [
        {"id": "A", "kind": "exchange", "hardening_factor": 2.0},
        {"id": "E", "kind": "exchange", "hardening_factor": 0.5},
    ]
    topology = make_topology(nodes, [], "pair")
    scenario = scenario_on(
        topology,
        hazards=[
            {
                "type": "targeted_attack",
                "rank_by": "degree",
                "budget_assets": 2,
                "success_probability": 0.6,
            }
        ],
    )
    arrays = compile_topology(topology)
    rng = np.random.default_rng(12345)
    sampler = THREAT_SAMPLERS["targeted_attack"]
    hits = Counter(
        chain.from_iterable(
            ids(sampler(scenario.spec.hazards[0], topology, arrays, rng, "x"), arrays)
            for _ in range(4000)
        )
    )
    assert hits["E"] == 4000
    assert hits["A"] == pytest.approx(1200, abs=4 * math.sqrt(4000 * 0.3 * 0.7))


def test_random_attack_removes_exactly_k_uniformly():
    """budget_share 0.25 of 8 nodes = 2 per draw; over 2,000 draws each node is hit
    Binomial(2000, 1/4) times: sd = sqrt(2000 x 0.25 x 0.75) = 19.4; allow 4 sd."""
    nodes = [{"id": f"n{i}", "kind": "cell_site"} for i in range(8)]
    topology = make_topology(nodes, [], "eight")
    rng = np.random.default_rng(99)
    lists = []
    for _ in range(2000):
        damage, arrays = sample(topology, rng, rank_by="random", budget_share=0.25)
        assert len(damage) == 2 and len(set(damage.asset_idx.tolist())) == 2
        lists.append(ids(damage, arrays))
    counts = Counter(chain.from_iterable(lists))
    for i in range(8):
        assert counts[f"n{i}"] == pytest.approx(500, abs=4 * math.sqrt(2000 * 0.25 * 0.75))


def test_betweenness_attack_takes_the_bridge_node(rng):
    # two triangles joined by a path a1 - M - b1
    nodes = [{"id": x, "kind": "exchange"} for x in ["a1", "a2", "a3", "M", "b1", "b2", "b3"]]
    pairs = [("a1", "a2"), ("a2", "a3"), ("a1", "a3"), ("a1", "M"), ("M", "b1"),
             ("b1", "b2"), ("b2", "b3"), ("b1", "b3")]  # fmt: skip
    links = [{"id": f"{u}-{v}", "source": u, "target": v, "kind": "microwave"} for u, v in pairs]
    damage, arrays = sample(
        make_topology(nodes, links), rng, rank_by="betweenness", budget_assets=1
    )
    # M lies on (a1, a2, a3) x (b1, b2, b3) = 9 pairs; a1 on (a2, a3) x (M, b1, b2, b3) = 8,
    # b1 likewise 8; the others on none.
    assert ids(damage, arrays) == ["M"]


def test_duration_h_makes_the_attack_self_restoring_and_same_seed_is_identical(line):
    a, arrays = sample(
        line, np.random.default_rng(3), rank_by="random", budget_assets=2, duration_h=6
    )
    b, _ = sample(line, np.random.default_rng(3), rank_by="random", budget_assets=2, duration_h=6)
    assert a.duration_h.tolist() == [6.0, 6.0]
    assert a.asset_idx.tolist() == b.asset_idx.tolist()
    assert ids(a, arrays) != [] and len(a) == 2
