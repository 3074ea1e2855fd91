"""The run folder format has one owner (experiments/runfolder; issue 22 item 5) and
records what reproducing a run needs (issue 21 item 8): exact versions of the
dependencies, OS, CPU, executor and batch size, and a SHA-256 of each input snapshot
that ``rerun`` and ``run --resume`` check before using the folder."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

from resilience_sim import InputError, load_scenario
from resilience_sim.cli import cli
from resilience_sim.experiments import resume_study, run_study, simulate, write_run
from resilience_sim.experiments.results import PartialRun
from resilience_sim.experiments.runfolder import (
    FORMAT,
    MANIFEST_FILE,
    SNAPSHOT_FILES,
    read_manifest,
    sha256_file,
)
from resilience_sim.experiments.runfolder.environment import requirement_names

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenarios" / "pacific_island_eruption.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    result = simulate(load_scenario(SCENARIO), 2, 7, executor="sequential", batch_size=1)
    return write_run(result, tmp_path_factory.mktemp("runs"))


def test_the_manifest_records_the_environment_and_the_execution(run_dir):
    manifest = json.loads((run_dir / MANIFEST_FILE).read_text())
    assert (manifest["kind"], manifest["format"]) == ("run", FORMAT)
    versions = manifest["versions"]
    for name in ("dask", "distributed", "pyyaml", "numpy", "pandas", "pyarrow", "simpy"):
        assert versions[name] == metadata.version(name), name
    assert versions["resilience-sim"] == metadata.version("resilience-sim")
    platform = manifest["platform"]
    assert platform["system"] and platform["os"] and platform["cpu"]
    assert isinstance(platform["cpu_count"], int) and platform["cpu_count"] >= 1
    assert manifest["execution"] == {"executor": "sequential", "workers": 1, "batch_size": 1}


def test_the_manifest_hashes_the_snapshots_it_lists(run_dir):
    manifest = json.loads((run_dir / MANIFEST_FILE).read_text())
    assert set(manifest["snapshots"]) == set(SNAPSHOT_FILES)
    for name, digest in manifest["snapshots"].items():
        assert name in manifest["files"]
        assert sha256_file(run_dir / name) == digest


def test_requirement_names_follow_the_project_metadata():
    assert requirement_names(["dask[distributed,diagnostics]>=2024", "x ; extra == 'test'"]) == [
        "dask",
        "distributed",
        "diagnostics",
    ]
    assert requirement_names(None) == []


@pytest.mark.parametrize("snapshot", SNAPSHOT_FILES)
def test_rerun_refuses_a_tampered_snapshot_before_any_work(run_dir, tmp_path, snapshot):
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    with open(folder / snapshot, "a") as fh:  # one trailing space: same content, new bytes
        fh.write(" ")
    result = CliRunner().invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert f"{folder / snapshot}: <document>: snapshot changed since the run" in message
    assert "Traceback" not in result.output


def test_rerun_refuses_a_missing_snapshot_and_a_malformed_record(run_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    (folder / "topology.json").unlink()
    result = CliRunner().invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 2
    assert "topology.json: <document>: snapshot missing from the run folder" in " ".join(
        result.output.split()
    )
    shutil.copy(run_dir / "topology.json", folder / "topology.json")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["snapshots"] = ["scenario.json"]
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    result = CliRunner().invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 2
    assert "manifest.json: snapshots: expected a mapping of file name to SHA-256" in " ".join(
        result.output.split()
    )


def test_rerun_of_an_untouched_folder_is_identical(run_dir):
    result = CliRunner().invoke(cli, ["rerun", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "identical: summary.parquet reproduced bit for bit (2 replications, seed 7)" in (
        result.output
    )


def test_a_folder_written_before_snapshot_hashes_still_reruns(run_dir, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(run_dir, folder)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    for key in ("snapshots", "kind", "format", "platform", "execution"):
        del manifest[key]
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    result = CliRunner().invoke(cli, ["rerun", str(folder)])
    assert result.exit_code == 0, result.output


def test_resume_refuses_a_tampered_snapshot(tmp_path):
    scenario = load_scenario(SCENARIO)
    partial = PartialRun.create(tmp_path, scenario, 7, 2, 1, {"executor": "sequential"})
    progress = json.loads((partial.path / "progress.json").read_text())
    assert set(progress["snapshots"]) == set(SNAPSHOT_FILES)
    with open(partial.path / "topology.json", "a") as fh:
        fh.write(" ")
    with pytest.raises(InputError, match="snapshot changed since the run"):
        PartialRun.open(partial.path).scenario()


def test_a_long_study_records_its_executor_and_later_sessions(tmp_path):
    scenario = load_scenario(SCENARIO)
    result = run_study(scenario, tmp_path / "a", 2, 7, executor="sequential", batch_size=1)
    manifest = read_manifest(result.run_dir)
    assert manifest["execution"] == {"executor": "sequential", "workers": 1, "batch_size": 1}
    assert set(manifest["snapshots"]) == set(SNAPSHOT_FILES)
    # a study started with 2 local workers and finished sequentially by --resume
    first = {"executor": "local", "workers": 2, "batch_size": 1}
    partial = PartialRun.create(tmp_path / "b", scenario, 7, 2, 1, first)
    resumed = resume_study(partial.path, executor="sequential")
    manifest = read_manifest(resumed.run_dir)
    assert manifest["execution"] == {**first, "resumed": [{"executor": "sequential", "workers": 1}]}
    assert resumed.summary.equals(result.summary)


def test_every_study_folder_has_one_manifest_shape(run_dir):
    """kind, format, created_utc, versions, platform and files in every manifest."""
    manifest = read_manifest(run_dir)
    for key in ("kind", "format", "created_utc", "versions", "platform", "files"):
        assert key in manifest
    with pytest.raises(InputError, match="not a finished run folder"):
        read_manifest(run_dir.parent)
    with pytest.raises(InputError, match="no such run folder"):
        read_manifest(run_dir / "nowhere")
