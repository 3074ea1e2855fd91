"""Threat `ddos`: capacity left on the links into the targets, before and after mitigation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_topology, scenario_on

from resilience_sim.hazards.base import CapacityLoss
from resilience_sim.threats import THREAT_SAMPLERS
from resilience_sim.topology import compile_topology


def gateway_site():
    """Gateway GW: satellite link 'sat' abroad (1 Gbit/s) and fibre 'fib' to X (9 Gbit/s);
    IXP I on fibre 'fi' to X (10 Gbit/s)."""
    nodes = [
        {"id": "GW", "kind": "gateway"},
        {"id": "T", "kind": "gateway", "international": True},
        {"id": "X", "kind": "exchange", "population": 10},
        {"id": "I", "kind": "ixp"},
    ]
    links = [
        {"id": "sat", "source": "GW", "target": "T", "kind": "satellite", "capacity_gbps": 1},
        {"id": "fib", "source": "GW", "target": "X", "kind": "terrestrial_fiber",
         "capacity_gbps": 9},
        {"id": "fi", "source": "I", "target": "X", "kind": "terrestrial_fiber",
         "capacity_gbps": 10},
    ]  # fmt: skip
    return make_topology(nodes, links, "gateway-site")


def losses(**fields) -> list[tuple[str, float, float, float]]:
    """``(link, onset_h, duration_h, remaining_frac)`` sorted, for one sampled ddos."""
    topology = gateway_site()
    scenario = scenario_on(topology, hazards=[{"type": "ddos", **fields}])
    arrays = compile_topology(topology)
    record = THREAT_SAMPLERS["ddos"](
        scenario.spec.hazards[0], topology, arrays, np.random.default_rng(0), "ddos"
    )
    assert isinstance(record, CapacityLoss)
    rows = zip(
        arrays.asset_ids[record.asset_idx].tolist(),
        record.onset_h.tolist(),
        record.duration_h.tolist(),
        record.remaining_frac.tolist(),
        strict=True,
    )
    return sorted((a, t, d, round(f, 12)) for a, t, d, f in rows)


def test_attack_shared_over_the_target_links_then_mitigated():
    # C = 1 + 9 = 10 Gbit/s; 4 Gbit/s of attack leaves 1 - 4/10 = 0.6 on both links from
    # t = 2 h; mitigation after 0.5 h filters 75 %: 1 Gbit/s left -> 0.9 until t = 2 + 6.
    got = losses(
        targets=["GW"],
        attack_gbps=4,
        at_h=2,
        duration_h=6,
        mitigation={"detection_delay_h": 0.5, "filtered_share": 0.75},
    )
    assert got == [
        ("fib", 2.0, 0.5, 0.6),
        ("fib", 2.5, 5.5, 0.9),
        ("sat", 2.0, 0.5, 0.6),
        ("sat", 2.5, 5.5, 0.9),
    ]


def test_attack_on_the_satellite_link_only_saturates_it():
    # links: [sat]: C = 1 Gbit/s; 4 Gbit/s -> max(0, 1 - 4) = 0; after 90 % filtering
    # 0.4 Gbit/s -> 0.6.
    got = losses(
        targets=["GW"],
        links=["sat"],
        attack_gbps=4,
        duration_h=10,
        mitigation={"detection_delay_h": 1, "filtered_share": 0.9},
    )
    assert got == [("sat", 0.0, 1.0, 0.0), ("sat", 1.0, 9.0, 0.6)]


@pytest.mark.parametrize(
    ("mitigation", "expected"),
    [
        (None, [("fib", 0.0, 3.0, 0.8), ("sat", 0.0, 3.0, 0.8)]),
        # detection after the attack has ended: one phase, cut at the end
        ({"detection_delay_h": 5, "filtered_share": 0.5}, [("fib", 0.0, 3.0, 0.8),
                                                           ("sat", 0.0, 3.0, 0.8)]),
        # everything filtered: nothing lost after detection
        ({"detection_delay_h": 1, "filtered_share": 1.0}, [("fib", 0.0, 1.0, 0.8),
                                                           ("sat", 0.0, 1.0, 0.8)]),
    ],
)  # fmt: skip
def test_phases(mitigation, expected):
    fields = {"targets": ["GW"], "attack_gbps": 2, "duration_h": 3}
    if mitigation is not None:
        fields["mitigation"] = mitigation
    assert losses(**fields) == expected


def test_targets_by_kind_and_a_link_between_two_targets():
    # kinds [gateway, ixp]: GW (C = 10), the abroad gateway T (C = 1: sat only, 5 Gbit/s
    # saturates it) and I (C = 10): sat gets a loss from GW and one from T (they multiply
    # in the engine).
    got = losses(kinds=["gateway", "ixp"], attack_gbps=5, duration_h=1)
    assert got == [
        ("fi", 0.0, 1.0, 0.5),
        ("fib", 0.0, 1.0, 0.5),
        ("sat", 0.0, 1.0, 0.0),
        ("sat", 0.0, 1.0, 0.5),
    ]
