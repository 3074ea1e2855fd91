"""Metrics: closed-form answers worked by hand, and aggregation across replications."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import fixed, scenario_on

from resilience_sim import simulate
from resilience_sim.metrics import (
    SUMMARY_COLUMNS,
    aggregate_summary,
    step_integral,
    time_to_restore,
)


def test_step_integral_clips_at_the_horizon():
    t = np.array([0.0, 2.0, 10.0])
    # 1 on [0,2), 3 on [2,10), 5 on [10,12)  (the tail after the horizon is cut)
    assert step_integral(t, np.array([1.0, 3.0, 5.0]), 12.0) == 2 + 24 + 10
    assert step_integral(t, np.array([1.0, 3.0, 5.0]), 5.0) == 2 + 9


def test_time_to_restore_shares():
    t = np.array([0.0, 2.0, 3.0, 6.0, 9.0])
    f = np.array([1.0, 0.6, 0.2, 0.7, 1.0])  # first loss at 2 h, minimum 0.2 at 3 h
    assert time_to_restore(t, f, 0.5) == 4.0  # 0.2 + 0.5*0.8 = 0.6 reached at 6 h
    assert time_to_restore(t, f, 0.9) == 7.0  # 0.92 reached at 9 h
    assert time_to_restore(t, f, 1.0) == 7.0
    assert time_to_restore(t, np.ones(5), 0.9) == 0.0
    assert math.isnan(time_to_restore(t[:4], f[:4], 0.9))


def cut_then_failure(line):
    """Link a-b cut from 10 to 16 h; cell site c fails at 20 h, repaired in 10 h."""
    return scenario_on(
        line,
        hazards=[
            {"type": "asset_failure", "assets": ["l-a-b"], "at_h": 10.0, "duration_h": 6.0},
            {"type": "asset_failure", "assets": ["c"], "at_h": 20.0},
        ],
        recovery={"crews": [{"depot": "c"}], "repair_h": {"cell_site": fixed(10.0)}},
    )


def test_unserved_user_hours_equal_population_times_outage_hours(line):
    # Cut a-b from t=10 to t=16 (b, c: 75 users) and fail c from 20 to 30 (25 users)
    # in a 100 h horizon. Hand-worked:
    #   domestic unserved = 75*6 + 25*10 = 700 user-h; international the same.
    #   resilience loss = 700 / 175 = 4 h.  peak outage = 75/175.
    #   region r2 (b, c: 75 users) loses 700 user-h -> 9.33 h per user; r1 none.
    s = simulate(cut_then_failure(line)).summary.iloc[0]
    assert s.unserved_user_h_domestic == pytest.approx(700.0)
    assert s.unserved_user_h_international == pytest.approx(700.0)
    assert s.resilience_loss_h == pytest.approx(4.0)
    assert s.peak_outage_frac == pytest.approx(75 / 175)
    assert s.peak_outage_population == pytest.approx(75.0)
    assert s.max_region_outage_h == pytest.approx(700 / 75)
    # The peak (75 users out) is at 10 h and fully back at 16 h; the later dip does
    # not reach the peak, so restoration times count from the first loss at 10 h.
    assert s.t_restore_50_h == pytest.approx(6.0)
    assert s.t_restore_100_h == pytest.approx(6.0)
    assert s.international_isolation_h == 0.0


def test_gateway_cut_isolates_internationally(line):
    scenario = scenario_on(
        line,
        hazards=[{"type": "asset_failure", "assets": ["l-gw-ex"], "at_h": 0.0, "duration_h": 30.0}],
    )
    s = simulate(scenario).summary.iloc[0]
    assert s.international_isolation_h == 30.0
    assert s.unserved_user_h_international == 175 * 30.0
    assert s.unserved_user_h_domestic == 0.0
    assert s.peak_international_outage_frac == 1.0
    assert s.t_restore_90_h == 0.0  # domestic never lost


def test_aggregate_summary_percentiles_and_nan_count():
    values = np.arange(1.0, 101.0)
    summary = pd.DataFrame({c: values for c in SUMMARY_COLUMNS})
    summary.loc[0, "t_restore_100_h"] = np.nan
    stats = aggregate_summary(summary)
    row = stats.loc["peak_outage_frac"]
    assert row["mean"] == pytest.approx(50.5)
    assert row["p50"] == pytest.approx(50.5)
    assert row["p5"] == pytest.approx(np.percentile(values, 5))
    assert row["p95"] == pytest.approx(np.percentile(values, 95))
    assert stats.loc["t_restore_100_h", "n_nan"] == 1
    assert stats.loc["t_restore_100_h", "mean"] == pytest.approx(51.0)


def test_regional_table_holds_a_row_only_where_a_region_changed(line):
    # Same hand-worked case: the cut a-b (10-16 h) takes r2 (b, c) out; c fails at 20 h
    # and is repaired at 30 h (r2 at 50/75); r1 never changes. Distinct times: 0, 10,
    # 16, 20, 30; regions r1, r2, and the gateway's default region.
    result = simulate(cut_then_failure(line))
    regional = result.regional.set_index(["region", "time_h"]).served_domestic_frac
    assert list(result.timeline.time_h) == [0.0, 10.0, 16.0, 20.0, 30.0]
    assert regional["r1"].to_dict() == {0.0: 1.0}  # r1 has its first row only
    assert regional["r2"].to_dict() == {0.0: 1.0, 10.0: 0.0, 16.0: 1.0, 20.0: 50 / 75, 30.0: 1.0}
    assert result.summary.max_region_outage_h.iloc[0] == pytest.approx(700 / 75)


def test_regional_step_rows_expand_to_every_timeline_row():
    """Forward-filled over the timeline's times, the regional rows equal the dense
    per-region fractions of every time (shipped island scenario, 3 replications)."""
    from resilience_sim import load_scenario
    from resilience_sim.experiments.study import StudyContext, run_replication
    from resilience_sim.metrics.summary import served_fraction
    from resilience_sim.rng import replication_seeds

    scenario = load_scenario("scenarios/pacific_island_eruption.yaml")
    context = StudyContext.build(scenario)
    regions = list(context.arrays.region_names)
    result = simulate(scenario, 3, seed=5)
    for k, seed_seq in enumerate(replication_seeds(5, 3)):
        served = run_replication(context, k, seed_seq).served
        dense = served_fraction(served.by_region_domestic, context.baseline.by_region_domestic[0])
        rows = result.regional[result.regional.replication == k]
        assert len(rows) < dense.size  # fewer rows than times x regions
        wide = (
            rows.pivot(index="time_h", columns="region", values="served_domestic_frac")
            .reindex(index=served.time_h, columns=regions)
            .ffill()
        )
        np.testing.assert_array_equal(wide.to_numpy(), dense)
        for _, group in rows.groupby("region"):  # no row repeats its region's previous one
            values = group[["served_domestic_frac", "served_international_frac"]].to_numpy()
            same = (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
            assert not same.all(axis=1).any()
