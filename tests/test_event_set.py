"""Event sets: expected annual unserved user-hours and the exceedance curve, by hand and
against the analytic mean of a random event; the file format and the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.experiments.event_set import (
    exceedance_curve,
    load_event_set,
    run_event_set,
)

# The scenarios have no crews on purpose (damage lasts to the horizon): silence that warning.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no crew repairs:resilience_sim.errors.InputWarning"
)

TOPOLOGY = {
    "name": "star",
    "nodes": [
        {"id": "X", "kind": "exchange"},
        {"id": "G", "kind": "gateway"},
        {"id": "A", "kind": "cell_site", "population": 100},
        {"id": "B", "kind": "cell_site", "population": 40},
        {"id": "C", "kind": "cell_site", "population": 60},
    ],
    "links": [
        {"id": "xg", "source": "X", "target": "G", "kind": "submarine_cable"},
        {"id": "xa", "source": "X", "target": "A", "kind": "terrestrial_fiber"},
        {"id": "xb", "source": "X", "target": "B", "kind": "terrestrial_fiber"},
        {"id": "xc", "source": "X", "target": "C", "kind": "terrestrial_fiber"},
    ],
}


def write_files(folder: Path, scenarios: dict[str, dict], events: list[dict]) -> Path:
    """A topology, scenario files (no crews: damage lasts to the horizon) and an event set."""
    (folder / "star.yaml").write_text(yaml.safe_dump(TOPOLOGY))
    for name, fields in scenarios.items():
        document = {"name": name, "topology": "star.yaml", "horizon_h": 10, **fields}
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(document))
    file = folder / "events.yaml"
    file.write_text(yaml.safe_dump({"name": "star events", "events": events}))
    return file


def fails(*assets: str) -> dict:
    return {"hazards": [{"type": "asset_failure", "assets": list(assets)}]}


def test_deterministic_events_hand_computed(tmp_path):
    """A down 10 h: 100 users x 10 h = 1,000 user-h, once in 10 years (f = 0.1).
    B down 10 h: 400 user-h, f = 0.5. EAU = 0.1 x 1,000 + 0.5 x 400 = 300, no sampling
    error. Exceedance: >= 1,000 at 0.1 a year; >= 400 at 0.1 + 0.5 = 0.6 a year."""
    file = write_files(
        tmp_path,
        {"lose-a": fails("A"), "lose-b": fails("B")},
        [
            {"scenario": "lose-a.yaml", "return_period_years": 10},
            {"scenario": "lose-b.yaml", "annual_frequency": 0.5},
        ],
    )
    result = run_event_set(load_event_set(file), replications=3, seed=1)
    assert result.expected_annual_user_h == pytest.approx(300.0)
    assert result.expected_annual_user_h_se == 0.0
    curve = result.exceedance
    assert curve.unserved_user_h.tolist() == [1000.0, 400.0]
    assert curve.annual_frequency.tolist() == pytest.approx([0.1, 0.6])
    assert curve.annual_probability.tolist() == pytest.approx([1 - np.exp(-0.1), 1 - np.exp(-0.6)])
    assert curve.return_period_years.tolist() == pytest.approx([10.0, 1 / 0.6])
    events = result.events.set_index("scenario")
    assert events.share_of_expected.to_dict() == pytest.approx({"lose-a": 1 / 3, "lose-b": 2 / 3})


def test_random_event_matches_the_analytic_expectation(tmp_path):
    """Each of A, B, C (100, 40, 60 users) fails with p = 0.3 and stays down 10 h:
    E[U] = 10 x 0.3 x 200 = 600 user-h; Var[U] = 10^2 x 0.3 x 0.7 x (100^2 + 40^2 + 60^2)
    = 319,200. With f = 0.2 and n = 400: EAU = 120, SE = 0.2 sqrt(319,200 / 400) = 5.65.
    The estimate must lie within 4 SE (two-sided alpha ~ 6e-5 for a normal mean), and the
    estimated SE within 15 % of the analytic one (the sample sd of 400 draws has a
    relative standard error of ~ 1/sqrt(2 x 399) = 3.5 %, so 15 % is > 4 of those)."""
    random = {"hazards": [{"type": "asset_failure", "kind": "cell_site", "fraction": 0.3}]}
    file = write_files(
        tmp_path, {"random": random}, [{"scenario": "random.yaml", "annual_frequency": 0.2}]
    )
    result = run_event_set(load_event_set(file), replications=400, seed=12345)
    se = 0.2 * np.sqrt(319_200 / 400)
    assert abs(result.expected_annual_user_h - 120.0) < 4 * se
    assert result.expected_annual_user_h_se == pytest.approx(se, rel=0.15)
    # all three sites down (2,000 user-h) happens with probability 0.3^3 = 0.027
    top = result.exceedance.iloc[0]
    assert top.unserved_user_h == 2000.0
    p_hat = top.annual_frequency / 0.2
    assert abs(p_hat - 0.027) < 4 * np.sqrt(0.027 * 0.973 / 400)


def test_exceedance_curve_sums_events_by_frequency():
    """Event 1 (f = 1): losses 0, 5, 10 -> P(>= 10) = 1/3, P(>= 5) = 2/3. Event 2
    (f = 0.5): losses 5, 5 -> P(>= 5) = 1. lambda(10) = 1/3; lambda(5) = 2/3 + 0.5."""
    curve = exceedance_curve(
        [np.array([0.0, 5.0, 10.0]), np.array([5.0, 5.0])], np.array([1.0, 0.5])
    )
    assert curve.unserved_user_h.tolist() == [10.0, 5.0]
    assert curve.annual_frequency.tolist() == pytest.approx([1 / 3, 2 / 3 + 0.5])


def test_event_set_cli_end_to_end(tmp_path):
    file = write_files(
        tmp_path,
        {"lose-a": fails("A"), "lose-b": fails("B")},
        [
            {"scenario": "lose-a.yaml", "return_period_years": 10},
            {"scenario": "lose-b.yaml", "annual_frequency": 0.5},
        ],
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["event-set", str(file), "-n", "2", "--executor", "sequential", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "expected annual unserved_user_h_international: 300" in result.output
    (run_dir,) = out.glob("star-events-events-*")
    assert len(pd.read_csv(run_dir / "events.csv")) == 2
    assert pd.read_parquet(run_dir / "exceedance.parquet").annual_frequency.tolist() == (
        pytest.approx([0.1, 0.6])
    )
    assert len(pd.read_parquet(run_dir / "summary.parquet")) == 4


@pytest.mark.parametrize(
    ("event", "field", "message"),
    [
        (
            {"scenario": "lose-a.yaml", "annual_frequency": 1, "return_period_years": 1},
            "events[0].annual_frequency",
            "exactly one",
        ),
        ({"scenario": "nowhere.yaml", "annual_frequency": 1}, "events[0].scenario", "not exist"),
        ({"scenario": "lose-a.yaml", "annual_frequency": -1}, "events[0].annual_frequency", ""),
    ],
)
def test_bad_event_set_files_exit_2_naming_the_field(tmp_path, event, field, message):
    file = write_files(tmp_path, {"lose-a": fails("A")}, [event])
    result = CliRunner().invoke(cli, ["event-set", str(file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{file}: {field}: " in result.output
    assert message in result.output
    assert not (tmp_path / "o").exists()
