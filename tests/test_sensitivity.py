"""Global sensitivity: Sobol indices of the Ishigami function and of a linear model
against their closed forms, the scenario factors, a tiny study whose output depends on
one factor only, the folder, the report and the command."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.experiments.sensitivity import (
    Factor,
    factor_scenario,
    load_sensitivity,
    run_sensitivity,
    sobol_indices,
    write_sensitivity,
)
from resilience_sim.reports.html import write_report
from resilience_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return (np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0]))[
        :, None
    ]


def test_ishigami_indices_match_closed_form():
    """Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
    V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = 8 b^2 pi^8 / 225:
    S1 = 0.314, 0.442, 0; ST1 = (V1 + V13)/V = 0.558, ST2 = 0.442, ST3 = V13/V = 0.244.
    N = 4096 (61,440 evaluations over both designs): within 0.02, and converged."""
    a, b, pi = 7.0, 0.1, math.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    s1 = [v1 / v, v2 / v, 0.0]
    st = [(v1 + v13) / v, v2 / v, v13 / v]
    assert s1[0] == pytest.approx(0.314, abs=5e-4) and s1[1] == pytest.approx(0.442, abs=5e-4)
    assert st[2] == pytest.approx(0.244, abs=5e-4)
    result = sobol_indices(ishigami, ["x1", "x2", "x3"], [(-pi, pi)] * 3, ["y"], 4096, seed=1)
    at_2n = result.indices[result.indices.n == 8192].set_index("factor")
    assert at_2n.S1.tolist() == pytest.approx(s1, abs=0.02)
    assert at_2n.ST.tolist() == pytest.approx(st, abs=0.02)
    assert result.indices.converged.all()
    assert (at_2n.S1_conf < 0.05).all() and (at_2n.ST_conf < 0.05).all()
    assert len(result.samples) == 5 * 4096 + 5 * 8192


def test_linear_model_indices_and_reproducibility():
    """y = 2 x1 + x2 on [0, 1]^2: Var = 4/12 + 1/12, S1 = ST = (0.8, 0.2)."""
    model = lambda x: (2 * x[:, 0] + x[:, 1])[:, None]  # noqa: E731
    result = sobol_indices(model, ["x1", "x2"], [(0, 1), (0, 1)], ["y"], 1024, seed=3)
    at_2n = result.indices[result.indices.n == 2048].set_index("factor")
    assert at_2n.S1.tolist() == pytest.approx([0.8, 0.2], abs=0.02)
    assert at_2n.ST.tolist() == pytest.approx([0.8, 0.2], abs=0.02)
    again = sobol_indices(model, ["x1", "x2"], [(0, 1), (0, 1)], ["y"], 1024, seed=3)
    assert again.indices.equals(result.indices)


def test_scenario_factors_scale_what_they_say():
    base = load_scenario(ROOT / "scenarios/pacific_island_eruption.yaml")
    factors = [
        Factor(name="repair", kind="repair_time_scale", low=0.5, high=2),
        Factor(name="battery", kind="battery_h_scale", low=0.5, high=2),
        Factor(name="fragility", kind="fragility_median_scale", low=0.5, high=2),
        Factor(name="speed", kind="path", path="recovery.cable_ships.0.speed_kn", low=8, high=14),
    ]
    s = factor_scenario(base, factors, [2.0, 3.0, 1.5, 12.0])
    ship, new_ship = base.spec.recovery.cable_ships[0], s.spec.recovery.cable_ships[0]
    assert new_ship.repair_h.median_h == 2.0 * ship.repair_h.median_h
    assert new_ship.speed_kn == 12.0
    for kind in ("cell_site", "terrestrial_fiber"):
        old = base.spec.recovery.repair_duration(kind)
        new = s.spec.recovery.repair_duration(kind)
        assert new.median_h == pytest.approx(2.0 * old.median_h)
    for node, new in zip(base.topology.nodes, s.topology.nodes, strict=True):
        assert new.battery_h == 3.0 * node.battery_h
        assert new.hardening_factor == 1.5 * node.hardening_factor
    assert factor_scenario(base, factors, [1.0, 1.0, 1.0, 10.0]).topology is base.topology


def write_study(folder: Path, n: int = 8) -> Path:
    """A fibre link to A (100 users) fails at 0 and a crew at X repairs it in 4 h x the
    repair scale (no travel: no locations): unserved = 100 x 4 x scale user-h, whatever
    the detour factor. So S1(repair) = ST(repair) = 1, S1 = ST = 0 for the detour."""
    topology = {
        "name": "pair",
        "nodes": [
            {"id": "X", "kind": "exchange"},
            {"id": "G", "kind": "gateway"},
            {"id": "A", "kind": "cell_site", "population": 100},
        ],
        "links": [
            {"id": "xg", "source": "X", "target": "G", "kind": "submarine_cable"},
            {"id": "xa", "source": "X", "target": "A", "kind": "terrestrial_fiber"},
        ],
    }
    (folder / "pair.yaml").write_text(yaml.safe_dump(topology))
    scenario = {
        "name": "fibre cut",
        "topology": "pair.yaml",
        "horizon_h": 48,
        "hazards": [{"type": "asset_failure", "assets": ["xa"]}],
        "recovery": {
            "crews": [{"depot": "X", "count": 1}],
            "repair_h": {"terrestrial_fiber": {"dist": "fixed", "value_h": 4}},
        },
    }
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario))
    spec = {
        "name": "tiny",
        "scenario": "scenario.yaml",
        "outputs": ["unserved_user_h_domestic"],
        "factors": [
            {"name": "repair", "kind": "repair_time_scale", "low": 0.5, "high": 2.0},
            {
                "name": "detour",
                "kind": "path",
                "path": "recovery.detour_factor",
                "low": 1,
                "high": 3,
            },
        ],
        "n": n,
        "replications": 1,
        "bootstrap": 50,
    }
    file = folder / "sensitivity.yaml"
    file.write_text(yaml.safe_dump(spec))
    return file


def test_tiny_study_output_depends_on_repair_time_only(tmp_path):
    file = write_study(tmp_path)
    spec, event_set = load_sensitivity(file)
    result = run_sensitivity(spec, event_set)
    samples = result.sobol.samples
    assert samples.unserved_user_h_domestic.to_numpy() == pytest.approx(400.0 * samples.repair)
    at_2n = result.sobol.indices[result.sobol.indices.n == 16].set_index("factor")
    # an irrelevant factor: f(A with B's detour) = f(A), so both estimators are exactly 0;
    # the relevant one's are 1 up to the estimators' finite-N error (N = 16)
    assert at_2n.loc["detour", "S1"] == 0.0 and at_2n.loc["detour", "ST"] == 0.0
    assert at_2n.loc["repair", "S1"] == pytest.approx(1.0, abs=0.25)
    assert at_2n.loc["repair", "ST"] == pytest.approx(1.0, abs=0.25)
    assert result.n_studies == (2 + 2) * 8 + (2 + 2) * 16
    folder = write_sensitivity(result, tmp_path / "r")
    assert "sobol-0" in write_report(folder).read_text()


def test_event_set_output_is_expected_annual(tmp_path):
    """Two events of the same cut at 0.5 and 0.25 a year: output 0.75 x 400 x scale."""
    file = write_study(tmp_path)
    events = {
        "name": "two",
        "events": [
            {"scenario": "scenario.yaml", "annual_frequency": 0.5},
            {"scenario": "scenario.yaml", "annual_frequency": 0.25},
        ],
    }
    (tmp_path / "events.yaml").write_text(yaml.safe_dump(events))
    document = yaml.safe_load(file.read_text())
    del document["scenario"]
    document["event_set"] = "events.yaml"
    file.write_text(yaml.safe_dump(document))
    spec, event_set = load_sensitivity(file)
    samples = run_sensitivity(spec, event_set).sobol.samples
    assert samples.unserved_user_h_domestic.to_numpy() == pytest.approx(300.0 * samples.repair)


def test_bad_sensitivity_input(tmp_path):
    file = write_study(tmp_path, n=12)
    with pytest.raises(InputError, match="power of 2"):
        load_sensitivity(file)
    document = yaml.safe_load(write_study(tmp_path).read_text())
    document["outputs"] = ["nope"]
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(InputError, match="nope"):
        load_sensitivity(file)


def test_shipped_sensitivity_loads():
    spec, event_set = load_sensitivity(ROOT / "scenarios/decisions/archipelago_sensitivity.yaml")
    assert [f.kind for f in spec.factors] == [
        "repair_time_scale",
        "battery_h_scale",
        "fragility_median_scale",
    ]
    assert len(event_set.scenarios) == 1


def test_sensitivity_command(tmp_path):
    file = write_study(tmp_path)
    result = CliRunner().invoke(cli, ["sensitivity", str(file), "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "Sobol indices" in result.output and "report:" in result.output
    bad = CliRunner().invoke(cli, ["sensitivity", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
