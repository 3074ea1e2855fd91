"""Threats `ransomware` and `bgp_hijack`: the records they hand to the engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import scenario_on

from resilience_sim.hazards.base import CrewImpairment, Damage, RouteHijack
from resilience_sim.threats import THREAT_SAMPLERS
from resilience_sim.topology import compile_topology


def sample(topology, rng, spec):
    hazard = scenario_on(topology, hazards=[spec]).spec.hazards[0]
    arrays = compile_topology(topology)
    return THREAT_SAMPLERS[spec["type"]](hazard, topology, arrays, rng, "cyber"), arrays


def test_ransomware_takes_the_centre_down_and_blocks_its_crews(line, rng):
    (damage, impairment), arrays = sample(
        line,
        rng,
        {
            "type": "ransomware",
            "operations_centre": "ex",
            "at_h": 3,
            "restore_h": {"dist": "fixed", "value_h": 36},
            "crew_slowdown": "blocked",
            "depots": ["ex"],
        },
    )
    assert isinstance(damage, Damage) and isinstance(impairment, CrewImpairment)
    assert arrays.asset_ids[damage.asset_idx].tolist() == ["ex"]
    assert damage.onset_h.tolist() == [3.0] and damage.duration_h.tolist() == [36.0]
    assert impairment == CrewImpairment(
        centre_idx=arrays.asset_index["ex"], slowdown=math.inf, depots=("ex",), cause="cyber"
    )


def test_ransomware_restore_time_is_drawn_from_its_distribution(line):
    """Lognormal restore time, median 72 h: the sample median of 2,000 draws is within
    4 sd of it (the sample median of a lognormal has sd ~ 1.2533 sigma median / sqrt(n),
    so log-scale sd = 1.2533 x 0.5 / sqrt(2000) = 0.014)."""
    rng = np.random.default_rng(5)
    spec = {
        "type": "ransomware",
        "operations_centre": "ex",
        "restore_h": {"dist": "lognormal", "median_h": 72, "sigma": 0.5},
        "crew_slowdown": 3,
    }
    durations = []
    for _ in range(2000):
        (damage, impairment), _ = sample(line, rng, spec)
        durations.append(damage.duration_h[0])
        assert impairment.slowdown == 3.0 and impairment.depots == ()
    log_sd = 1.2533 * 0.5 / math.sqrt(2000)
    assert math.log(np.median(durations)) == pytest.approx(math.log(72), abs=4 * log_sd)


def test_bgp_hijack_names_the_regions_for_its_duration(line, rng):
    hijack, arrays = sample(
        line, rng, {"type": "bgp_hijack", "regions": ["r2", "r1", "r2"], "at_h": 1, "duration_h": 2}
    )
    assert isinstance(hijack, RouteHijack)
    assert [arrays.region_names[i] for i in hijack.region_idx] == ["r1", "r2"]
    assert hijack.onset_h.tolist() == [1.0, 1.0] and hijack.duration_h.tolist() == [2.0, 2.0]
