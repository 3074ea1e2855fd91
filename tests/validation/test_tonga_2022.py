"""Validation: the shipped eruption scenario against the January 2022 Tonga eruption.

Scenario: ``scenarios/pacific_island_eruption.yaml`` on ``topologies/pacific_island.yaml``,
50 replications (its default), seed 2022. Reference (docs/validation.md has the sources):

1. International service is lost at the event: the eruption faults the only international
   cable and ash takes the GEO link off the air (in 2022 Tonga was cut off abroad).
2. Partial international service returns by satellite within days: within a week in every
   replication, and in the median when the ash clears (``ash_duration_h`` 72 h; measured
   74 h, 95th percentile 107 h, latest 159 h). The carried share is then the satellite's,
   1 Gbit/s over the demand of 94,000 users x 200 kbit/s = 18.8 Gbit/s, i.e. 1 / 18.8 =
   0.0532, exactly in the median replication; never more (plus the 0.05 Gbit/s terminal
   after 96 h), less where unreachable users or a domestic bottleneck limit it.
3. The international cable returns after about five weeks (the issue's figure for 2022; the repair
   ship sailed from Port Moresby, ~4,200 km, PARAMETERS.md). Reference band for the median
   repair time across replications: 28-42 days.

Calibration (docs/validation.md): the ship's on-site time per fault is `assumed` in the
scenario, between one deep fault (3-5 days) and the 2022 replacement of a ~90 km destroyed
section (~20 days); 12 days per fault (the eruption places one to three faults per cable)
gives a median repair time of 30.2 days with seed 2022. Unrepaired cables (beyond the
60-day horizon) count as +inf, which can only raise the median.

Tolerance. The median's standard error over n = 50 replications with spread sd ~10 days is
about 1.2533 sd / sqrt(n) = 1.8 days. The band 28-42 days (+/- 7 days round five weeks) is
the reference's own imprecision, not a statistical tolerance. With the seed fixed the
figures are exact; the calibrated median (30.2 days) sits ~1 standard error above the
lower edge, so a change of random streams could move it out: then re-check the
calibration, do not widen the band.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import resilience_sim as rs

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "pacific_island_eruption.yaml"
CABLE = "tcs-sopu-suva"
SEED = 2022
REPLICATIONS = 50


def _cable_repair_days(result: rs.SimulationResult) -> np.ndarray:
    """Days from the eruption to the cable's last repair, +inf when not repaired."""
    events = result.events
    repaired = (
        events[(events["asset"] == CABLE) & (events["event"] == "repair")]
        .groupby("replication")["time_h"]
        .max()
    )
    days = np.full(REPLICATIONS, np.inf)
    days[repaired.index.to_numpy()] = repaired.to_numpy() / 24.0
    return days


@pytest.fixture(scope="module")
def shipped() -> tuple[rs.Scenario, rs.SimulationResult]:
    scenario = rs.load_scenario(SCENARIO)
    return scenario, rs.simulate(scenario, replications=REPLICATIONS, seed=SEED)


def test_international_service_is_lost_at_the_event_and_returns_by_satellite(shipped):
    scenario, result = shipped
    population = sum(n.population or 0.0 for n in scenario.topology.nodes)
    satellite_share = 1.0 / (population * scenario.spec.service.demand_gbps_per_user)
    assert satellite_share == pytest.approx(1.0 / 18.8)
    carried, returned_h = [], []
    for _, tl in result.timeline.groupby("replication"):
        t = tl["time_h"].to_numpy()
        intl = tl["served_international_frac"].to_numpy()
        lost = np.flatnonzero(intl == 0.0)
        assert lost.size and t[lost[0]] < 3.0  # cut off within hours of the eruption
        back = lost[-1] + 1  # first time after the last total isolation
        assert 72.0 <= t[back] <= 7 * 24.0  # satellite back within a week
        returned_h.append(t[back])
        assert tl["satellite_share"].iloc[back] == 1.0
        # carried share: at most the satellite capacity (1 Gbit/s, plus the 0.05 Gbit/s
        # terminal from 96 h) and the reachable users' demand
        capacity = tl["served_international_capacity_frac"].iloc[back]
        with_terminal = satellite_share * (1.05 if t[back] >= 96.0 else 1.0)
        assert 0.0 < capacity <= min(intl[back], with_terminal) + 1e-9
        carried.append(capacity)
    # typically right after the ash clears (72 h + the earth station's power restart)
    assert 72.0 <= np.median(returned_h) <= 96.0
    # in the typical replication the satellite is the only bottleneck
    assert np.median(carried) == pytest.approx(satellite_share, rel=1e-6)


def test_cable_repair_takes_four_to_six_weeks(shipped):
    _, result = shipped
    days = _cable_repair_days(result)
    assert 28.0 <= np.median(days) <= 42.0
