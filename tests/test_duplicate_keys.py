"""Duplicate YAML keys are refused with their line numbers (issue 21, item 4).

YAML parsers keep the last of two equal keys silently: a scenario with
``horizon_days: 60`` and, further down, ``horizon_days: 1`` ran a one-day study.
Both parser paths are checked: the pure-Python loader (small files) and libyaml
(files from ``C_LOADER_MIN_CHARS``, forced here by lowering the threshold).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from resilience_sim import validation
from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.validation import read_document

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["python", "libyaml"])
def parser(request, monkeypatch):
    if request.param == "libyaml":
        if validation._C_SAFE_LOADER is None:
            pytest.skip("PyYAML built without libyaml")
        monkeypatch.setattr(validation, "C_LOADER_MIN_CHARS", 0)
    return request.param


def _problem(path: Path) -> tuple[str, str]:
    with pytest.raises(InputError) as caught:
        read_document(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    return problem.field, problem.message


def test_a_repeated_top_level_key_names_both_lines(tmp_path, parser):
    file = tmp_path / "s.yaml"
    file.write_text("name: x\nhorizon_days: 60\nreplications: 2\nhorizon_days: 1\n")
    field, message = _problem(file)
    assert field == "line 4"
    assert message.startswith("duplicate key 'horizon_days' (first given at line 2")


def test_nested_and_flow_mappings_are_checked(tmp_path, parser):
    nested = tmp_path / "nested.yaml"
    nested.write_text("recovery:\n  crews:\n    - {depot: a, size: 2, depot: b}\n")
    assert _problem(nested) == (
        "line 3",
        "duplicate key 'depot' (first given at line 3; each key may appear once per mapping)",
    )


def test_equal_keys_in_different_mappings_and_merge_keys_are_accepted(tmp_path, parser):
    file = tmp_path / "ok.yaml"
    file.write_text(
        "base: &b {duration_h: 5, rate: 1}\n"
        "a: {<<: *b, duration_h: 7}\n"  # overriding a merged key is what merge is for
        "b: {<<: *b}\n"
        "c: {'1': x, 1: y}\n"  # a string and an integer key differ
    )
    document = read_document(file)
    assert document["a"] == {"duration_h": 7, "rate": 1}
    assert document["c"] == {"1": "x", 1: "y"}


def test_the_cli_refuses_a_scenario_with_a_duplicate_key(tmp_path):
    scenario = tmp_path / "scenarios" / "island.yaml"
    scenario.parent.mkdir()
    text = (ROOT / "scenarios" / "pacific_island_eruption.yaml").read_text()
    (tmp_path / "topologies").mkdir()
    topology = ROOT / "topologies" / "pacific_island.yaml"
    (tmp_path / "topologies" / "pacific_island.yaml").write_text(topology.read_text())
    first = next(i for i, line in enumerate(text.splitlines(), 1) if line == "horizon_days: 60")
    scenario.write_text(text + "horizon_days: 1\n")
    last = len(scenario.read_text().splitlines())
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(scenario), "-n", "1", "--out", str(out)])
    assert result.exit_code == 2
    assert (
        f"{scenario}: line {last}: duplicate key 'horizon_days' (first given at line {first}"
        in result.output
    )
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())
