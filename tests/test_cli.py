"""The `resilience-sim` command on valid input: run folders, validate, stats, schema."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console
from tiny_documents import SCENARIO, TOPOLOGY

import resilience_sim as rs
import resilience_sim.cli.common as cli_common
from resilience_sim.cli import cli

SLUG = "tiny-storm"
RUN_FILES = {
    "manifest.json",
    "timeline.parquet",
    "events.parquet",
    "summary.parquet",
    "summary.csv",
    "regional.parquet",
    "summary_stats.csv",
}
TIMELINE_COLUMNS = [
    "replication",
    "time_h",
    "served_domestic_frac",
    "served_international_frac",
    "assets_down",
]
EVENTS_COLUMNS = ["replication", "time_h", "asset", "asset_kind", "event", "cause"]
SUMMARY_COLUMNS = [
    "replication",
    "peak_outage_frac",
    "peak_outage_population",
    "t_restore_50_h",
    "t_restore_90_h",
    "t_restore_99_h",
    "t_restore_100_h",
    "unserved_user_h_domestic",
    "unserved_user_h_international",
    "resilience_loss_h",
    "max_region_outage_h",
]
REGIONAL_COLUMNS = [
    "replication",
    "time_h",
    "region",
    "served_domestic_frac",
    "served_international_frac",
]
PROGRESS_BAR = re.compile(r"replications\s*[━╸╺]|\d+/\d+ \d+:\d\d:\d\d")


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """The small valid topology and scenario, as files: (topology, scenario)."""
    topology_path = tmp_path / "net.yaml"
    scenario_path = tmp_path / "storm.yaml"
    topology_path.write_text(yaml.safe_dump(TOPOLOGY, sort_keys=False), encoding="utf-8")
    scenario_path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False), encoding="utf-8")
    return topology_path, scenario_path


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def run_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -------------------------------------------------------------------------------- run


def test_run_writes_one_complete_run_folder(tmp_path, inputs):
    topology_path, scenario_path = inputs
    out = tmp_path / "out"
    result = invoke(
        "run", str(scenario_path), "--replications", "3", "--seed", "7", "--out", str(out)
    )
    assert result.exit_code == 0, result.output

    entries = list(out.iterdir())
    assert len(entries) == 1
    assert not [p for p in entries if p.name.startswith(".")]  # no temporary folder left
    run_dir = entries[0]
    assert run_dir.is_dir()
    assert re.fullmatch(rf"{SLUG}-\d{{8}}T\d{{6}}Z", run_dir.name), run_dir.name
    files = {p.name for p in run_dir.iterdir()}
    assert files >= RUN_FILES, files  # the documented files (later versions may add more)
    assert str(run_dir) in result.stdout

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["scenario"] == "Tiny Storm"
    assert manifest["seed"] == 7
    assert manifest["replications"] == 3
    assert manifest["horizon_h"] == 72
    assert manifest["scenario_sha256"] == sha256(scenario_path)
    assert manifest["topology_sha256"] == sha256(topology_path)
    assert Path(manifest["scenario_file"]) == scenario_path.resolve()
    assert Path(manifest["topology_file"]) == topology_path.resolve()
    assert manifest["versions"]["resilience-sim"] == rs.__version__
    assert isinstance(manifest["wall_time_s"], float | int)
    assert manifest["wall_time_s"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created_utc"])
    # lists what the run wrote; report.html is drawn afterwards from those files
    assert set(manifest["files"]) == files - {"manifest.json", "report.html"}

    timeline = pd.read_parquet(run_dir / "timeline.parquet")
    assert list(timeline.columns)[: len(TIMELINE_COLUMNS)] == TIMELINE_COLUMNS
    assert sorted(timeline["replication"].unique()) == [0, 1, 2]
    assert (timeline.groupby("replication")["time_h"].min() == 0).all()

    events = pd.read_parquet(run_dir / "events.parquet")
    assert list(events.columns)[: len(EVENTS_COLUMNS)] == EVENTS_COLUMNS
    assert set(events["event"]) <= {"fail", "repair"}
    assert {"tower-1", "l2"} <= set(events["asset"])

    regional = pd.read_parquet(run_dir / "regional.parquet")
    assert list(regional.columns) == REGIONAL_COLUMNS
    assert set(regional["region"]) == {"north", "south", "abroad"}

    summary = pd.read_parquet(run_dir / "summary.parquet")
    assert list(summary.columns[: len(SUMMARY_COLUMNS)]) == SUMMARY_COLUMNS
    assert len(summary) == 3
    assert summary["replication"].tolist() == [0, 1, 2]
    summary_csv = pd.read_csv(run_dir / "summary.csv")
    pd.testing.assert_frame_equal(summary_csv, summary, check_dtype=False)

    stats = pd.read_csv(run_dir / "summary_stats.csv", index_col=0)
    assert {"mean", "p5", "p50", "p95", "n_nan"} <= set(stats.columns)
    assert set(SUMMARY_COLUMNS[1:]) <= set(stats.index)


def test_run_uses_scenario_defaults(tmp_path, inputs):
    _, scenario_path = inputs
    out = tmp_path / "out"
    result = invoke("run", str(scenario_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    (run_dir,) = run_folders(out)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert (manifest["seed"], manifest["replications"]) == (
        SCENARIO["seed"],
        SCENARIO["replications"],
    )
    assert len(pd.read_parquet(run_dir / "summary.parquet")) == SCENARIO["replications"]


def test_two_runs_give_two_folders_and_the_same_seed_gives_the_same_tables(tmp_path, inputs):
    _, scenario_path = inputs
    out = tmp_path / "out"
    for _ in range(2):
        result = invoke("run", str(scenario_path), "-n", "3", "--seed", "7", "--out", str(out))
        assert result.exit_code == 0, result.output
    entries = sorted(out.iterdir())
    assert len(entries) == 2
    assert all(p.is_dir() and p.name.startswith(f"{SLUG}-") for p in entries)
    first, second = entries
    for table in ("summary", "timeline", "events", "regional"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(first / f"{table}.parquet"),
            pd.read_parquet(second / f"{table}.parquet"),
        )


def test_a_different_seed_changes_the_draws(tmp_path, inputs):
    _, scenario_path = inputs
    summaries = []
    for seed in ("7", "8"):
        out = tmp_path / f"out-{seed}"
        assert (
            invoke(
                "run", str(scenario_path), "-n", "3", "--seed", seed, "--out", str(out)
            ).exit_code
            == 0
        )
        (run_dir,) = run_folders(out)
        summaries.append(pd.read_parquet(run_dir / "summary.parquet"))
    assert not summaries[0].equals(summaries[1])


# ---------------------------------------------------------------------------- validate


def test_validate_topology(inputs):
    topology_path, _ = inputs
    result = invoke("validate", str(topology_path))
    assert result.exit_code == 0, result.output
    assert "valid topology 'tiny-net' (4 nodes, 3 links)" in result.stdout


def test_validate_scenario(tmp_path, inputs):
    _, scenario_path = inputs
    result = invoke("validate", str(scenario_path))
    assert result.exit_code == 0, result.output
    assert "valid scenario 'Tiny Storm'" in result.stdout
    assert "2 hazards" in result.stdout
    assert not (tmp_path / "results").exists()


# ------------------------------------------------------------------------------ stats


def test_topology_stats_json(inputs):
    topology_path, _ = inputs
    result = invoke("topology", "stats", "--json", str(topology_path))
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["name"] == "tiny-net"
    assert stats["n_nodes"] == 4
    assert stats["n_links"] == 3
    assert stats["nodes_by_kind"] == {"exchange": 1, "gateway": 1, "cell_site": 2}
    assert stats["links_by_kind"] == {"terrestrial_fiber": 1, "microwave": 1, "submarine_cable": 1}
    assert stats["capacity_gbps_by_kind"] == {
        "terrestrial_fiber": 10.0,
        "microwave": 1.0,
        "submarine_cable": 100.0,
    }
    assert stats["link_length_km_by_kind"]["microwave"] == 25.0
    assert stats["links_without_length"] == 0
    assert stats["regions"] == ["north", "abroad", "south"]
    assert stats["population_by_region"] == {"north": 1000.0, "abroad": 0.0, "south": 2000.0}
    assert stats["population_total"] == 3000.0
    assert stats["access_nodes"] == 2
    assert stats["connected_components"] == 1
    assert stats["core_nodes"] == ["core-1"]
    assert stats["international_nodes"] == ["gw-1"]
    assert stats["baseline_served_domestic"] == 3000.0
    assert stats["baseline_served_international"] == 3000.0


def test_topology_stats_tables(inputs):
    topology_path, _ = inputs
    result = invoke("topology", "stats", str(topology_path))
    assert result.exit_code == 0, result.output
    assert "tiny-net" in result.stdout
    assert "4 nodes, 3 links" in result.stdout
    assert "warning" not in result.stderr


# ----------------------------------------------------------------------------- schema


@pytest.mark.parametrize(
    ("what", "fields"),
    [
        ("scenario", {"name", "topology", "horizon_h", "horizon_days", "hazards", "recovery"}),
        ("topology", {"name", "nodes", "links"}),
    ],
)
def test_schema_prints_json_schema(what, fields):
    result = invoke("schema", what)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert "properties" in schema
    assert fields <= set(schema["properties"])
    assert schema.get("additionalProperties") is False


def test_schema_rejects_other_names():
    result = invoke("schema", "hazard")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---------------------------------------------------------- real process, piped output


def _run_real(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        [sys.executable, "-m", "resilience_sim.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_piped_run_has_no_progress_bar(tmp_path, inputs):
    _, scenario_path = inputs
    out = tmp_path / "out"
    proc = _run_real(
        ["run", str(scenario_path), "-n", "3", "--seed", "7", "--out", str(out)], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # The progress bar is drawn on stderr only when it is a terminal; the summary table
    # on stdout may use box-drawing characters, but no bar and no cursor control.
    assert "━" not in proc.stderr
    assert "replications" not in proc.stderr
    assert "\x1b[" not in proc.stdout + proc.stderr
    assert not PROGRESS_BAR.search(proc.stdout + proc.stderr)
    assert "3 replications" in proc.stdout
    (run_dir,) = run_folders(out)
    assert str(run_dir) in proc.stdout
    assert not (tmp_path / "results").exists()


def test_progress_bar_is_drawn_on_a_terminal(tmp_path, inputs, monkeypatch):
    # Sanity check of the test above: on a terminal the bar is drawn, and the checks see it.
    terminal = io.StringIO()
    monkeypatch.setattr(cli_common, "err", Console(file=terminal, force_terminal=True, width=80))
    _, scenario_path = inputs
    result = invoke("run", str(scenario_path), "-n", "3", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    drawn = terminal.getvalue()
    assert "━" in drawn
    assert PROGRESS_BAR.search(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn))


def test_real_process_prints_the_version(tmp_path):
    proc = _run_real(["--version"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert rs.__version__ in proc.stdout


def test_run_writes_a_report_unless_told_not_to(tmp_path, inputs):
    _, scenario = inputs
    with_report = invoke("run", str(scenario), "-n", "2", "--out", str(tmp_path / "a"))
    assert with_report.exit_code == 0, with_report.output
    (folder,) = run_folders(tmp_path / "a")
    assert (folder / "report.html").is_file()
    without = invoke("run", str(scenario), "-n", "2", "--no-report", "--out", str(tmp_path / "b"))
    assert without.exit_code == 0
    (folder_b,) = run_folders(tmp_path / "b")
    assert not (folder_b / "report.html").exists()
    again = invoke("report", str(folder_b))
    assert again.exit_code == 0
    assert (folder_b / "report.html").is_file()


def test_progress_bar_draws_through_the_lazy_console(monkeypatch):
    """The test above swaps in a real Console; the CLI's own ``err`` is the lazy stand-in,
    which rich's Live enters as a context manager (special methods bypass __getattr__)."""
    screen = io.StringIO()
    lazy = cli_common._LazyConsole(stderr=True)
    object.__setattr__(lazy, "_console", Console(file=screen, force_terminal=True, width=80))
    monkeypatch.setattr(cli_common, "err", lazy)
    with cli_common.progress_bar(3) as advance:
        assert advance is not None
        for done in (1, 2, 3):
            advance(done)
    assert "3/3" in screen.getvalue()
