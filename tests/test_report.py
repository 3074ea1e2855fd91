"""The HTML report: sections checked on the figure data, escaping, offline plotly.js."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import fixed, line_topology, scenario_on

import resilience_sim as rs
from resilience_sim.metrics import curve_quantiles, resample_steps
from resilience_sim.reports import RunFolder, figures, write_report
from resilience_sim.reports.html import median_replication, wilson_interval

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    scenario = scenario_on(
        line_topology(),
        description=f"description {EVIL}",
        hazards=[
            {"type": "asset_failure", "kind": "cell_site", "fraction": 0.5, "label": EVIL},
            {"type": "asset_failure", "assets": ["l-gw-ex"], "at_h": 24.0, "duration_h": 12.0},
        ],
        recovery={"crews": [{"depot": "ex"}], "repair_h": {"cell_site": fixed(10.0)}},
    )
    result = rs.simulate(scenario, replications=12, seed=4)
    return rs.write_run(result, tmp_path_factory.mktemp("results"))


def test_report_is_written_self_contained_and_escaped(run_dir):
    page = write_report(run_dir).read_text()
    assert EVIL not in page  # neither in the HTML nor inside figure JSON
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # plotly.js is embedded, nothing is loaded from the network
    assert "plotly.js v" in page
    assert not re.search(r"<script[^>]+src=", page)
    assert "cdn.plot.ly/plotly" not in page
    for div in ("recovery-curves", "region-outage", "dist-unserved", "dist-t90"):
        assert f'id="{div}"' in page


def test_recovery_curve_traces_hold_the_quantiles(run_dir):
    run = RunFolder.read(run_dir)
    fig = figures.recovery_curves(run)
    names = [t.name for t in fig.data]
    assert names[:6] == [
        "domestic p95",
        "domestic 5-95 %",
        "domestic median",
        "international p95",
        "international 5-95 %",
        "international median",
    ]
    median = np.asarray(fig.data[2].y)
    grid_days = np.asarray(fig.data[2].x)
    expected = curve_quantiles(run.timeline, "served_domestic_frac", grid_days * 24.0)[1]
    np.testing.assert_allclose(median, expected)
    # the gateway cut from 24 h to 36 h: international median is 0 in between
    intl = np.asarray(fig.data[5].y)
    inside = (grid_days * 24 >= 24.0) & (grid_days * 24 < 36.0)
    assert inside.any() and np.all(intl[inside] == 0.0)
    onset = fig.data[6]
    assert list(onset.x) == [0.0, 1.0]
    assert "&lt;script&gt;" in onset.hovertext[0]


def test_region_figure_ranks_regions_by_outage(run_dir):
    run = RunFolder.read(run_dir)
    fig = figures.region_outage(run)
    bar = fig.data[0]
    assert sorted(bar.x) == ["r1", "r2"]  # 'unassigned' has no users
    assert list(bar.y) == sorted(bar.y, reverse=True)


def test_resample_steps_and_quantiles_by_hand():
    grid = np.array([0.0, 1.0, 2.0, 3.0])
    assert resample_steps(np.array([0.0, 1.5]), np.array([1.0, 0.0]), grid).tolist() == [
        1.0,
        1.0,
        0.0,
        0.0,
    ]


def test_median_replication_and_wilson():
    import pandas as pd

    summary = pd.DataFrame({"replication": [0, 1, 2, 3], "unserved_user_h_domestic": [5, 1, 9, 3]})
    assert median_replication(summary) == 3  # sorted 1,3,5,9 -> lower middle is 3 (rep 3)
    lo, hi = wilson_interval(0, 30)
    assert lo == 0.0 and 0.10 < hi < 0.12  # 95 % Wilson upper bound for 0/30 is 0.114
    lo, hi = wilson_interval(15, 30)
    assert lo == pytest.approx(0.3315, abs=1e-3) and hi == pytest.approx(0.6685, abs=1e-3)


def test_manifest_lists_the_snapshots(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for name in ("scenario.json", "topology.json"):
        assert name in manifest["files"]
        assert (run_dir / name).is_file()
    topo = rs.load_topology(run_dir / "topology.json")
    assert topo.n_nodes == 5


def test_report_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(rs.InputError, match=r"manifest\.json"):
        write_report(tmp_path)


def test_regional_table_can_be_turned_off(tmp_path):
    scenario = scenario_on(
        line_topology(),
        hazards=[{"type": "asset_failure", "assets": ["b"], "duration_h": 5.0}],
        output={"regional": False},
    )
    run_dir = rs.write_run(rs.simulate(scenario), tmp_path)
    assert not (run_dir / "regional.parquet").exists()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "regional.parquet" not in manifest["files"]
    page = write_report(run_dir).read_text()
    assert "not recorded" in page


def test_recovery_curves_mark_stopgaps_and_draw_international_capacity(tmp_path):
    """A 0.1 Gbit/s satellite terminal after 24 h behind a cut 10 Gbit/s cable, 5 Gbit/s
    demand: the capacity median is 0 until 24 h and 0.02 after; the stopgap is marked."""
    from test_cascades import capacity_topology

    scenario = scenario_on(
        capacity_topology(),
        horizon_h=200.0,
        hazards=[{"type": "asset_failure", "assets": ["cable"]}],
        recovery={
            "stopgaps": [
                {"type": "satellite_gateway", "node": "ex", "after_h": 24.0, "capacity_gbps": 0.1}
            ]
        },
    )
    run = RunFolder.read(rs.write_run(rs.simulate(scenario), tmp_path))
    fig = figures.recovery_curves(run)
    by_name = {t.name: t for t in fig.data}
    marker = by_name["stopgap arrives"]
    assert list(marker.x) == [1.0]
    curve = by_name["international capacity median (share of demand carried)"]
    days, share = np.asarray(curve.x), np.asarray(curve.y)
    assert np.all(share[days * 24 < 24.0] == 0.0)
    assert share[days * 24 >= 24.0] == pytest.approx(0.02)
