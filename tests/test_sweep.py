"""Sweeps: value syntax, paths into the scenario document, the grid, hand-computed
results, common random numbers, bad input and the CLI's run folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import line_topology, scenario_on
from test_reproducibility import random_scenario, star

from resilience_sim import InputError, Scenario
from resilience_sim.cli import cli
from resilience_sim.experiments import simulate, sweep
from resilience_sim.experiments.sweep import SWEEP_FILES, parse_param, parse_values, set_path
from resilience_sim.metrics import SUMMARY_COLUMNS
from resilience_sim.topology import write_topology


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("0:48:5", [0, 12, 24, 36, 48]),
        ("0:1:3", [0.0, 0.5, 1.0]),
        ("1:2:3", [1.0, 1.5, 2.0]),  # integer ends, but 1.5 is not whole
        ("48:0:3", [48, 24, 0]),
        ("2.5:2.5:1", [2.5]),
        ("1,2,4", [1, 2, 4]),
        ("0.5, 1e3 ,abc,true", [0.5, 1000.0, "abc", True]),
        ("[a, 'b,c', {dist: fixed, value_h: 5}]", ["a", "b,c", {"dist": "fixed", "value_h": 5}]),
        ("7", [7]),
        ("nukualofa", ["nukualofa"]),
    ],
)
def test_parse_values(text, values):
    parsed = parse_values(text, "p")
    assert parsed == values
    assert [type(v) for v in parsed] == [type(v) for v in values]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no values"),
        ("1:2:1", "at least 2"),
        ("a:b:3", "expected a:b:n"),
        ("1:2:2.5", "expected a:b:n"),
        ("0:inf:3", "finite"),
        ("1,,2", "empty value"),
        ("[]", "non-empty list"),
        ("[1, 2", "invalid YAML"),
    ],
)
def test_bad_values_name_the_parameter(text, message):
    with pytest.raises(InputError) as info:
        parse_values(text, "hazards.0.at_h")
    problem = info.value.problems[0]
    assert (problem.file, problem.field) == ("--param", "hazards.0.at_h")
    assert message in problem.message


def test_parse_param_needs_path_and_values():
    assert parse_param("recovery.crews.0.count=1,2") == ("recovery.crews.0.count", [1, 2])
    with pytest.raises(InputError, match="PATH=VALUES"):
        parse_param("recovery.crews.0.count")


def test_set_path_addresses_keys_and_indices():
    document = {"hazards": [{"at_h": 0}, {"at_h": 1}], "recovery": {}}
    set_path(document, "hazards.1.at_h", 5)
    set_path(document, "recovery.repair_h.cell_site", {"dist": "fixed", "value_h": 2})
    set_path(document, "output.regional", False)  # missing mappings are created
    assert document == {
        "hazards": [{"at_h": 0}, {"at_h": 5}],
        "recovery": {"repair_h": {"cell_site": {"dist": "fixed", "value_h": 2}}},
        "output": {"regional": False},
    }


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("hazards.2.at_h", "index 2 out of range (hazards has 2 items)"),
        ("hazards.first.at_h", "hazards is a list: 'first' is not an index"),
        ("hazards.0.at_h.x", "hazards.0.at_h is 0, not a mapping or list"),
        ("hazards..at_h", "empty segment"),
    ],
)
def test_bad_paths(path, message):
    with pytest.raises(InputError) as info:
        set_path({"hazards": [{"at_h": 0}, {"at_h": 1}]}, path, 1)
    problem = info.value.problems[0]
    assert (problem.file, problem.field) == ("--param", path)
    assert message in problem.message


def outage_scenario():
    """Line topology gw - ex - a - b - c (users 100, 50, 25); link ex-a is down from
    at_h for duration_h hours (it comes back by itself, no crew); horizon 100 h."""
    return scenario_on(
        line_topology(),
        hazards=[{"type": "asset_failure", "assets": ["l-ex-a"], "at_h": 0, "duration_h": 10}],
    )


def test_sweep_grid_matches_hand_computed_user_hours():
    """Cutting ex-a disconnects a, b and c: 175 users lose domestic and international
    service for min(duration, horizon - onset) hours. Grid at_h in {0, 90} x duration
    in {10, 20}:  (0,10) 1750; (0,20) 3500; (90,10) 1750; (90,20) 175 x 10 = 1750."""
    result = sweep(
        outage_scenario(),
        {"hazards.0.at_h": "0:90:2", "hazards.0.duration_h": [10, 20]},
        replications=3,
        seed=1,
    )
    assert result.settings.to_dict("list") == {
        "setting": [0, 1, 2, 3],
        "hazards.0.at_h": [0, 0, 90, 90],
        "hazards.0.duration_h": [10, 20, 10, 20],
    }
    table = result.table
    assert len(table) == 4 * 3
    assert list(table.columns[:4]) == [
        "setting",
        "hazards.0.at_h",
        "hazards.0.duration_h",
        "replication",
    ]
    assert list(table.columns[4:]) == list(SUMMARY_COLUMNS)
    assert table.replication.tolist() == [0, 1, 2] * 4
    expected = np.repeat([1750.0, 3500.0, 1750.0, 1750.0], 3)
    np.testing.assert_allclose(table.unserved_user_h_domestic, expected, rtol=1e-12)
    np.testing.assert_allclose(table.unserved_user_h_international, expected, rtol=1e-12)
    summary = result.summary
    assert len(summary) == 4 * len(SUMMARY_COLUMNS)
    row = summary[(summary.setting == 1) & (summary.metric == "unserved_user_h_domestic")]
    assert row[["mean", "p5", "p50", "p95", "n_nan"]].to_numpy().tolist() == [
        [3500.0, 3500.0, 3500.0, 3500.0, 0]
    ]


def test_settings_use_common_random_numbers():
    """Crew count does not change which sites fail at t = 0, so with common random
    numbers every replication has the same peak outage in both settings, while more
    crews restore service sooner (less unserved user-hours, never more). Each setting
    also equals a plain study of the modified scenario with the same seed."""
    scenario = random_scenario(star(30))
    result = sweep(scenario, {"recovery.crews.0.count": [1, 3]}, replications=25, seed=4)
    one = result.table[result.table.setting == 0].reset_index(drop=True)
    three = result.table[result.table.setting == 1].reset_index(drop=True)
    pd.testing.assert_series_equal(one.peak_outage_frac, three.peak_outage_frac)
    assert (three.unserved_user_h_domestic <= one.unserved_user_h_domestic + 1e-9).all()
    assert (three.unserved_user_h_domestic < one.unserved_user_h_domestic).any()
    three_crews = random_scenario(star(30)).spec.model_dump(mode="json", exclude_unset=True)
    three_crews["recovery"]["crews"][0]["count"] = 3
    plain = simulate(Scenario.from_dict(three_crews, star(30)), replications=25, seed=4)
    pd.testing.assert_frame_equal(
        three.drop(columns=["setting", "recovery.crews.0.count"]), plain.summary, check_exact=True
    )


def test_sweep_is_identical_on_local_processes():
    scenario = random_scenario(star(20))
    params = {"recovery.crews.0.count": "1:3:3"}
    a = sweep(scenario, params, replications=10, seed=2)
    b = sweep(scenario, params, replications=10, seed=2, executor="local", batch_size=3)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"hazards.0.at_hh": "1"},
            "hazards.0.at_hh",
            "unknown field 'at_hh' (did you mean 'at_h'?)",
        ),
        ({"hazards.0.at_h": "5,-1"}, "hazards.0.at_h", "value -1: Input should be greater"),
        ({"hazards.0.assets.0": "nowhere"}, "hazards.0.assets.0", "no node or link with id"),
        ({"hazards.3.at_h": "1"}, "hazards.3.at_h", "out of range"),
        ({"seed": "1,2"}, "seed", "same replication seeds"),
        ({"topology": "x.yaml"}, "topology", "one topology"),
    ],
)
def test_bad_settings_name_param_and_path(params, field, message):
    with pytest.raises(InputError) as info:
        sweep(outage_scenario(), params, replications=1)
    problem = info.value.problems[0]
    assert (problem.file, problem.field) == ("--param", field)
    assert message in problem.message


def test_cli_sweep_writes_the_four_files(tmp_path):
    topology_file = tmp_path / "line.yaml"
    write_topology(line_topology(), topology_file)
    scenario_file = tmp_path / "outage.yaml"
    scenario_file.write_text(
        yaml.safe_dump(
            {
                "name": "outage sweep",
                "topology": "line.yaml",
                "horizon_h": 100,
                "hazards": [{"type": "asset_failure", "assets": ["l-ex-a"], "duration_h": 10}],
            }
        )
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "sweep", str(scenario_file), "--param", "hazards.0.at_h=0:90:2",
            "--param", "hazards.0.duration_h=10,20", "-n", "2", "--out", str(out),
            "--executor", "sequential",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (folder,) = out.iterdir()
    assert folder.name.startswith("outage-sweep-sweep-")
    # report.html is drawn afterwards from those files (--no-report skips it)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*SWEEP_FILES, "report.html"])
    table = pd.read_parquet(folder / "sweep.parquet")
    assert len(table) == 4 * 2
    pd.testing.assert_frame_equal(pd.read_csv(folder / "sweep.csv"), table, check_dtype=False)
    assert len(pd.read_csv(folder / "sweep_summary.csv")) == 4 * len(SUMMARY_COLUMNS)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["params"] == {"hazards.0.at_h": [0, 90], "hazards.0.duration_h": [10, 20]}
    assert (manifest["kind"], manifest["n_settings"], manifest["replications"]) == ("sweep", 4, 2)
    assert "3,500" in result.output  # the (0 h, 20 h) setting's mean unserved user-hours

    bad = CliRunner().invoke(
        cli, ["sweep", str(scenario_file), "--param", "hazards.0.at_hh=1", "--out", str(out)]
    )
    assert bad.exit_code == 2
    assert "--param: hazards.0.at_hh: value 1: unknown field 'at_hh'" in bad.stderr
    assert len(list(out.iterdir())) == 1  # nothing written
