"""Annual risk: a hand-worked year-loss table and exceedance curve, Poisson closed forms
for the T-year loss, the bootstrap intervals, the folder, the report and the command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.experiments.annual_risk import (
    annual_risk,
    return_period_loss,
    run_annual_risk,
    write_annual_risk,
    year_loss_table,
)
from resilience_sim.experiments.event_set import load_event_set
from resilience_sim.reports.html import write_report
from resilience_sim.reports.study_folder import folder_kind

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no crew repairs:resilience_sim.errors.InputWarning"
)


def test_hand_worked_year_loss_table_and_curve():
    """Five years; events: year 1 loses 10, year 3 loses 20 and 5, year 4 loses 40.
    Aggregate A = [0, 10, 0, 25, 40], largest O = [0, 10, 0, 20, 40]. EAU = 75 / 5 = 15.
    Sorted A: 40, 25, 10, 0, 0. T-year loss = floor(5 / T)-th largest: T = 5 -> 40,
    T = 2.5 -> 25, T = 5/3 -> 10, T = 1.25 -> 0; T = 10 > 5 years -> NaN.
    Standard error of EAU: sd(A) / sqrt(5), sd with ddof 1 of [0, 10, 0, 25, 40]:
    squared deviations 225 + 25 + 225 + 100 + 625 = 1200, sd = sqrt(1200 / 4) = 17.32."""
    losses = np.array([[10.0], [20.0], [5.0], [40.0]])
    a, o = year_loss_table(losses, np.array([1, 3, 3, 4]), 5)
    assert a.ravel().tolist() == [0.0, 10.0, 0.0, 25.0, 40.0]
    assert o.ravel().tolist() == [0.0, 10.0, 0.0, 20.0, 40.0]
    t = np.array([5.0, 2.5, 5 / 3, 1.25, 10.0])
    assert return_period_loss(a.ravel(), t)[:4].tolist() == [40.0, 25.0, 10.0, 0.0]
    assert np.isnan(return_period_loss(a.ravel(), t)[4])
    assert return_period_loss(o.ravel(), t)[:4].tolist() == [40.0, 20.0, 10.0, 0.0]
    risk = annual_risk(a, o, n_bootstrap=500, seed=1, value_per_user_h_usd=2.0)
    assert risk.expected_annual_user_h == 15.0
    assert risk.expected_annual_user_h_se == pytest.approx(math.sqrt(1200 / 4) / math.sqrt(5))
    assert risk.as_dict()["expected_annual_loss_usd"] == 30.0
    curve = risk.curve.set_index("return_period_years")
    assert curve.loc[5.0, "aggregate_user_h"] == 40.0
    assert curve.loc[2.5, "aggregate_user_h"] == 25.0
    assert curve.loc[5.0, "aggregate_usd"] == 80.0
    assert risk.return_periods.aggregate_user_h.isna().all()  # 10-250 y beyond 5 years
    # bootstrap bands: resampled years only, so within [min, max] of the years
    assert (
        0.0
        <= risk.expected_annual_user_h_boot_low
        <= 15.0
        <= risk.expected_annual_user_h_boot_high
        <= 40.0
    )
    assert (curve.aggregate_user_h_low <= curve.aggregate_user_h).all()
    assert (curve.aggregate_user_h <= curve.aggregate_user_h_high).all()


def test_constant_losses_have_zero_width_intervals():
    a = np.full((30, 2), 7.0)
    risk = annual_risk(a, a, n_bootstrap=100)
    assert risk.expected_annual_user_h_se == 0.0
    assert risk.expected_annual_user_h_boot_low == risk.expected_annual_user_h_boot_high == 7.0
    assert (risk.curve.aggregate_user_h_high - risk.curve.aggregate_user_h_low).max() == 0.0


def test_poisson_counts_give_the_poisson_quantile():
    """K ~ Poisson(0.5) events a year, each losing 100: the T-year aggregate loss is the
    (1 - 1/T) quantile, 100 k with k the smallest count with P(K > k) <= 1/T:
    10 y -> P(K > 0) = 0.39, P(K > 1) = 0.090 -> 100; 100 y -> P(K > 2) = 0.0144 > 0.01,
    P(K > 3) = 0.0018 -> 300; 250 y -> 300 (0.0018 <= 0.004 < 0.0144). 40,000 years keep
    the empirical shares within a few standard errors of these margins (0.090 vs 0.1:
    0.0014). EAU = 50; its 90 % intervals (normal and bootstrap) hold 50 for this seed."""
    rng = np.random.default_rng(12345)
    k = rng.poisson(0.5, size=40_000)
    a = 100.0 * k[:, None]
    o = 100.0 * (k > 0)[:, None]
    risk = annual_risk(a, o, n_bootstrap=200, seed=2)
    rp = risk.return_periods.set_index("return_period_years")
    assert poisson.sf(1, 0.5) == pytest.approx(0.0902, abs=1e-4)
    assert rp.loc[10.0, "aggregate_user_h"] == 100.0
    assert rp.loc[100.0, "aggregate_user_h"] == 300.0
    assert rp.loc[250.0, "aggregate_user_h"] == 300.0
    assert rp.loc[10.0, "occurrence_user_h"] == 100.0
    assert risk.expected_annual_user_h_low < 50.0 < risk.expected_annual_user_h_high
    assert risk.expected_annual_user_h_boot_low < 50.0 < risk.expected_annual_user_h_boot_high
    se = math.sqrt(0.5) * 100 / math.sqrt(40_000)  # Poisson: sd = 100 sqrt(0.5)
    assert risk.expected_annual_user_h_se == pytest.approx(se, rel=0.05)


TOPOLOGY = {
    "name": "star",
    "nodes": [
        {"id": "X", "kind": "exchange", "lat": -21.0, "lon": -175.0},
        {"id": "G", "kind": "gateway", "lat": -18.0, "lon": 178.0},
        {"id": "A", "kind": "cell_site", "population": 100, "lat": -21.1, "lon": -175.1},
    ],
    "links": [
        {"id": "xg", "source": "X", "target": "G", "kind": "submarine_cable", "length_km": 500},
        {"id": "xa", "source": "X", "target": "A", "kind": "terrestrial_fiber"},
    ],
}


def write_event_set(folder: Path, years: list[int], n_years: int) -> Path:
    """Base scenario without crews: a fault on xg costs 100 users x 10 h = 1,000 user-h."""
    (folder / "star.yaml").write_text(yaml.safe_dump(TOPOLOGY))
    base = {"name": "base", "topology": "star.yaml", "horizon_h": 10, "hazards": []}
    (folder / "base.yaml").write_text(yaml.safe_dump(base))
    fault = {"type": "cable_fault", "faults": [{"cable": "xg", "at_km": 10}]}
    document = {
        "name": "star catalogue",
        "catalogue_years": n_years,
        "events": [
            {
                "scenario": "base.yaml",
                "year": y,
                "annual_frequency": 1 / n_years,
                "hazards": [fault],
            }
            for y in years
        ],
    }
    file = folder / "events.yaml"
    file.write_text(yaml.safe_dump(document))
    return file


def test_run_write_and_report(tmp_path):
    """Events in years 0, 0, 3 of 4: A = [2000, 0, 0, 1000]; EAU = 750; the 4-year loss
    2,000 (aggregate) and 1,000 (largest event)."""
    file = write_event_set(tmp_path, [0, 0, 3], 4)
    result = run_annual_risk(load_event_set(file), replications=2, n_bootstrap=50)
    risk = result.risk
    assert risk.expected_annual_user_h == 750.0
    assert risk.year_losses.aggregate_user_h.tolist() == [2000.0] * 2 + [0.0] * 4 + [1000.0] * 2
    curve = risk.curve.set_index("return_period_years")
    assert curve.loc[8.0, "aggregate_user_h"] == 2000.0  # N = 4 years x 2 replications
    assert curve.loc[8.0, "occurrence_user_h"] == 1000.0
    folder = write_annual_risk(result, tmp_path / "results")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "annual_risk" and manifest["expected_annual_user_h"] == 750.0
    assert folder_kind(folder) == "annual_risk"
    page = write_report(folder).read_text()
    assert "exceedance-curve" in page and "star catalogue" in page


def test_same_results_on_every_executor(tmp_path):
    """Events in one executor pass: sequential and local processes give the same tables."""
    file = write_event_set(tmp_path, [0, 1, 1, 2], 3)
    a = run_annual_risk(load_event_set(file), replications=2, n_bootstrap=20)
    b = run_annual_risk(load_event_set(file), replications=2, n_bootstrap=20, executor="local")
    assert a.event_set_result.summary.equals(b.event_set_result.summary)
    assert a.risk.year_losses.equals(b.risk.year_losses)
    assert a.risk.curve.equals(b.risk.curve)
    events = a.event_set_result.events
    assert events.year.tolist() == [0, 1, 1, 2]


def test_plain_event_set_is_refused(tmp_path):
    file = write_event_set(tmp_path, [0], 1)
    document = yaml.safe_load(file.read_text())
    del document["catalogue_years"]
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(InputError, match="catalogue_years"):
        run_annual_risk(load_event_set(file), replications=1)


def test_event_year_beyond_catalogue_is_refused(tmp_path):
    file = write_event_set(tmp_path, [5], 4)
    with pytest.raises(InputError, match="year"):
        load_event_set(file)


def test_catalogue_event_frequency_must_be_one_over_years(tmp_path):
    file = write_event_set(tmp_path, [0, 1], 4)
    document = yaml.safe_load(file.read_text())
    document["events"][1]["annual_frequency"] = 0.5
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(InputError, match="1 / 4"):
        load_event_set(file)


def test_bad_inline_hazard_is_named(tmp_path):
    file = write_event_set(tmp_path, [0], 2)
    document = yaml.safe_load(file.read_text())
    document["events"][0]["hazards"][0]["at_h"] = -1
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(InputError) as caught:
        load_event_set(file)
    assert caught.value.problems[0].field.startswith("events[0].hazards[0]")


def test_annual_risk_command(tmp_path):
    file = write_event_set(tmp_path, [0, 1], 3)
    result = CliRunner().invoke(
        cli,
        ["annual-risk", str(file), "-n", "1", "--bootstrap", "20", "--out", str(tmp_path / "r")],
    )
    assert result.exit_code == 0, result.output
    assert "expected annual" in result.output and "report:" in result.output
    bad = CliRunner().invoke(cli, ["annual-risk", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@settings(max_examples=60, deadline=None)
@given(
    losses=st.lists(st.floats(0, 1e6), min_size=1, max_size=40),
    years=st.integers(1, 10),
    seed=st.integers(0, 2**16),
)
def test_year_loss_table_and_return_period_properties(losses, years, seed):
    """The aggregate keeps every event's loss; the largest event is at most the aggregate;
    the T-year loss never decreases with T and stays within the sample's range."""
    rng = np.random.default_rng(seed)
    event_years = rng.integers(0, years, size=len(losses))
    a, o = year_loss_table(np.array(losses)[:, None], event_years, years)
    assert a.sum() == pytest.approx(sum(losses))
    assert np.all(o <= a + 1e-9)
    t = np.array([1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 10.0])
    value = return_period_loss(a.ravel(), t)
    finite = value[~np.isnan(value)]
    assert np.all(np.diff(finite) >= 0)
    assert np.all((finite >= a.min()) & (finite <= a.max()))
    assert np.isnan(value[t > years]).all()
