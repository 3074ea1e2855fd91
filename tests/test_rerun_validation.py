"""`rerun` checks the manifest and the summary file before any work (issue 21, item 6).

Before: a truncated summary.parquet gave an ArrowInvalid traceback, and a manifest
claiming 10^9 replications made rerun run (for days) before comparing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.experiments.results import write_run
from resilience_sim.experiments.study import simulate
from resilience_sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    scenario = load_scenario(ROOT / "scenarios" / "pacific_island_eruption.yaml")
    return write_run(simulate(scenario, 2, 7), tmp_path_factory.mktemp("runs"))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("truncate", "summary.parquet: <document>: not a readable Parquet file: "),
        (
            "replications",
            "manifest.json: replications: expected the 2 replications of "
            "summary.parquet, got 1000000000",
        ),
        ("seed", "manifest.json: seed: expected a whole number >= 0, got 'x'"),
    ],
)
def test_a_damaged_run_folder_is_refused_before_rerunning(run_dir, tmp_path, damage, expected):
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    if damage == "truncate":
        data = (folder / "summary.parquet").read_bytes()
        (folder / "summary.parquet").write_bytes(data[:300])
    else:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest[damage] = 10**9 if damage == "replications" else "x"
        (folder / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 2
    assert f"{folder}/{expected}" in result.output.replace("\n", " ")
    assert "Traceback" not in result.output
