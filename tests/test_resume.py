"""Long studies: batches saved as they finish; an interrupted study (Ctrl-C, SIGKILL)
resumes to exactly the tables of an uninterrupted run, in the usual run-folder layout."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_reproducibility import random_scenario, star

from resilience_sim import InputError, InputWarning, load_scenario
from resilience_sim.cli import cli
from resilience_sim.experiments import (
    LocalExecutor,
    StudyInterrupted,
    resume_study,
    run_study,
    simulate,
    write_run,
)
from resilience_sim.experiments.results import PROGRESS_FILE, PartialRun
from resilience_sim.experiments.study import TABLES

REPO = Path(__file__).parent.parent
SCENARIO = REPO / "scenarios" / "pacific_island_eruption.yaml"

# Runs in a child process: the real study, with every batch slowed by 0.25 s so that the
# parent can interrupt it between batches. Results do not depend on timing.
SLOW_BATCHES = """
import sys, time
import resilience_sim.experiments.runs as runs
_run_batch = runs.run_batch
def slow_run_batch(context, batch):
    tables = _run_batch(context, batch)
    time.sleep(0.25)
    return tables
runs.run_batch = slow_run_batch
"""


# Runs in a child process: a study that stops while writing its finished run folder
# (after creating the first table's file, before its first batch is in it), touches
# the marker file argv[3] and waits there to be killed.
HANG_WHILE_FINISHING = """
import sys, time
from pathlib import Path
import resilience_sim.experiments.results as results
def conform_then_hang(table, schema):
    Path(sys.argv[3]).touch()
    time.sleep(600)
results.conform_table = conform_then_hang
from resilience_sim import load_scenario, run_study
run_study(load_scenario(sys.argv[1]), sys.argv[2], replications=12, seed=5,
          executor="sequential", batch_size=4)
"""


def assert_run_folder_matches(run_dir: Path, expected) -> None:
    """The finished folder holds exactly the files and tables of ``write_run(expected)``
    (and the report, which `run` draws from them)."""
    reference = write_run(expected, run_dir.parent / "reference")
    files = sorted(p.name for p in run_dir.iterdir() if p.name != "report.html")
    assert files == sorted(p.name for p in reference.iterdir())
    for table in TABLES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(run_dir / f"{table}.parquet"),
            getattr(expected, table),
            check_exact=True,
        )
    for name in ("summary.csv", "summary_stats.csv", "scenario.json", "topology.json"):
        assert (run_dir / name).read_bytes() == (reference / name).read_bytes()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert (manifest["seed"], manifest["replications"]) == (expected.seed, expected.replications)


def assert_same_tables(result, expected) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(result, table), getattr(expected, table), check_exact=True
        )


def wait_for_batches(out: Path, at_least: int, proc: subprocess.Popen) -> Path:
    """The partial run folder under ``out`` once ``at_least`` batches are saved."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the study ended before it could be interrupted"
        for partial in out.glob("*.partial"):
            done = [p for p in (partial / "batches").glob("*") if p.name.isdigit()]
            if len(done) >= at_least:
                return partial
        time.sleep(0.02)
    raise AssertionError("no batches saved within 120 s")


def test_sigkill_mid_study_then_resume_gives_the_uninterrupted_result(tmp_path):
    """A real process running run_study is killed with SIGKILL after 3 of its 10 batches;
    resuming on two local worker processes writes the same tables, byte-identical CSV
    and snapshots, and the same file list as an uninterrupted run."""
    out = tmp_path / "out"
    script = SLOW_BATCHES + (
        "from resilience_sim import load_scenario\n"
        "runs.run_study(load_scenario(sys.argv[1]), sys.argv[2], replications=30, seed=8,\n"
        "               executor='sequential', batch_size=3)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(SCENARIO), str(out)])
    try:
        partial = wait_for_batches(out, 3, proc)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        proc.kill()
    assert [p.name for p in out.iterdir()] == [partial.name]  # no finished folder
    saved = PartialRun.open(partial).done_batches()
    assert 3 <= len(saved) < 10

    result = resume_study(partial, executor=LocalExecutor(2))

    assert not partial.exists()
    assert result.run_dir == out / partial.name.removesuffix(".partial")
    expected = simulate(load_scenario(SCENARIO), replications=30, seed=8)
    assert_same_tables(result, expected)
    assert_run_folder_matches(result.run_dir, expected)


def test_sigkill_while_finishing_then_resume_finishes(tmp_path):
    """Killed while streaming the batches into the run folder: every batch is saved,
    the run folder is not there (only its hidden, half-written temporary folder);
    resume writes the uninterrupted run folder and removes both leftovers."""
    out, marker = tmp_path / "out", tmp_path / "finishing"
    proc = subprocess.Popen(
        [sys.executable, "-c", HANG_WHILE_FINISHING, str(SCENARIO), str(out), str(marker)]
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "never finished"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        proc.kill()
    (partial,) = out.glob("*.partial")
    stem = partial.name.removesuffix(".partial")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [partial.name, f".{stem}.tmp-{proc.pid}"]
    )
    assert PartialRun.open(partial).done_batches() == {0, 1, 2}

    result = resume_study(partial)

    assert sorted(p.name for p in out.iterdir()) == [stem]
    assert result.run_dir == out / stem
    assert_run_folder_matches(result.run_dir, simulate(load_scenario(SCENARIO), 12, 5))


def test_ctrl_c_on_the_cli_keeps_batches_and_run_resume_finishes(tmp_path):
    """SIGINT to `resilience-sim run` after 2 batches: exit 130 naming the partial folder;
    `run --resume` finishes it to the uninterrupted tables."""
    out = tmp_path / "out"
    script = SLOW_BATCHES + "from resilience_sim.cli import main\nmain()\n"
    args = [str(SCENARIO), "-n", "24", "--seed", "3", "--batch-size", "3", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "run", *args, "--executor", "sequential", "--no-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        partial = wait_for_batches(out, 2, proc)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert f"continue with: resilience-sim run --resume {partial}" in stderr
    assert "Traceback" not in stderr
    assert len(PartialRun.open(partial).done_batches()) >= 2

    resumed = CliRunner().invoke(
        cli, ["run", "--resume", str(partial), "--executor", "local", "--workers", "2"]
    )

    assert resumed.exit_code == 0, resumed.output
    run_dir = out / partial.name.removesuffix(".partial")
    assert f"results in {run_dir}" in resumed.output
    assert (run_dir / "report.html").is_file()
    expected = simulate(load_scenario(SCENARIO), replications=24, seed=3)
    assert_run_folder_matches(run_dir, expected)


def interrupted_study(tmp_path, after: int, n: int = 20, seed: int = 6):
    """A star-topology study interrupted (KeyboardInterrupt) once ``after`` replications
    are saved; returns the exception."""
    scenario = random_scenario(star(25))

    def stop(done: int) -> None:
        if done >= after:
            raise KeyboardInterrupt

    with pytest.raises(StudyInterrupted) as info:
        run_study(scenario, tmp_path, n, seed, stop, batch_size=4)
    return scenario, info.value


def test_interrupted_study_keeps_finished_batches(tmp_path):
    scenario, stopped = interrupted_study(tmp_path, after=8)
    assert isinstance(stopped, KeyboardInterrupt)
    assert (stopped.replications_done, stopped.replications) == (8, 20)
    assert stopped.run_dir.name.endswith(".partial")
    assert str(stopped.run_dir) in str(stopped)
    partial = PartialRun.open(stopped.run_dir)
    assert partial.done_batches() == {0, 1}
    progress = json.loads((stopped.run_dir / PROGRESS_FILE).read_text())
    assert {k: progress[k] for k in ("seed", "replications", "batch_size", "n_batches")} == {
        "seed": 6,
        "replications": 20,
        "batch_size": 4,
        "n_batches": 5,
    }
    assert progress["replications_done"] == 8
    assert sorted(p.name for p in stopped.run_dir.iterdir()) == [
        ".lock",
        "batches",
        "progress.json",
        "scenario.json",
        "topology.json",
    ]
    seen = []
    result = resume_study(stopped.run_dir, seen.append)
    assert seen == [8, 12, 16, 20]
    assert_same_tables(result, simulate(scenario, replications=20, seed=6))


def test_lost_and_half_written_batches_are_recomputed(tmp_path):
    """A batch folder deleted and a half-written one left by a killed process: resume
    recomputes the missing batch, ignores and removes the leftover."""
    scenario, stopped = interrupted_study(tmp_path, after=12)
    batches = stopped.run_dir / "batches"
    for p in (batches / "000001").iterdir():
        p.unlink()
    (batches / "000001").rmdir()
    leftover = batches / ".000003.tmp-99999"
    leftover.mkdir()
    (leftover / "timeline.parquet").write_bytes(b"partial")
    result = resume_study(stopped.run_dir)
    assert_same_tables(result, simulate(scenario, replications=20, seed=6))


def test_killed_after_the_final_rename_resumes_to_that_folder(tmp_path, monkeypatch):
    """If the process dies between renaming the finished folder and removing the partial
    one, resume returns the finished folder (no second copy) and removes the partial."""
    scenario = random_scenario(star(10))
    monkeypatch.setattr(PartialRun, "remove", lambda self: None)
    first = run_study(scenario, tmp_path, 6, 2, batch_size=4)
    (partial,) = tmp_path.glob("*.partial")
    monkeypatch.undo()
    again = resume_study(partial)
    assert again.run_dir == first.run_dir
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.run_dir.name]
    assert_same_tables(again, first)


def test_resume_warns_when_package_versions_changed(tmp_path):
    _, stopped = interrupted_study(tmp_path, after=4)
    file = stopped.run_dir / PROGRESS_FILE
    progress = json.loads(file.read_text())
    progress["versions"]["numpy"] = "0.0.1"
    file.write_text(json.dumps(progress))
    with pytest.warns(InputWarning, match="package versions differ"):
        resume_study(stopped.run_dir)


def test_resume_refuses_what_is_not_a_partial_run(tmp_path):
    with pytest.raises(InputError, match="no such run folder"):
        resume_study(tmp_path / "missing")
    finished = run_study(random_scenario(star(5)), tmp_path / "out", 2, 1).run_dir
    with pytest.raises(InputError, match="already complete"):
        resume_study(finished)
    with pytest.raises(InputError, match="not a partial run folder"):
        resume_study(tmp_path)


def test_one_process_at_a_time(tmp_path):
    """A second study on the folder in the same process is refused (the lock of another
    process is tested in test_parent_death.py)."""
    _, stopped = interrupted_study(tmp_path, after=4)
    refused = pytest.raises(InputError, match="another study in this process is working")
    with PartialRun.open(stopped.run_dir).locked(), refused:
        resume_study(stopped.run_dir)
    assert resume_study(stopped.run_dir).run_dir.is_dir()


def test_cli_resume_takes_the_study_from_the_folder(tmp_path):
    _, stopped = interrupted_study(tmp_path, after=4)
    result = CliRunner().invoke(
        cli, ["run", str(SCENARIO), "--resume", str(stopped.run_dir), "--seed", "3"]
    )
    assert result.exit_code == 2
    assert "--resume: SCENARIO, --seed: the scenario, replications, seed" in result.stderr
    assert os.path.isdir(stopped.run_dir)
    no_scenario = CliRunner().invoke(cli, ["run"])
    assert no_scenario.exit_code == 2
    assert "give a SCENARIO file (or --resume RUN_DIR)" in no_scenario.output


def test_a_dead_local_worker_stops_the_study_and_resume_finishes_it(tmp_path):
    """SIGKILL a local worker process after the first batch: the process pool breaks and
    the error names the partial folder; resuming gives the uninterrupted tables."""
    scenario = random_scenario(star(25))

    def kill_a_worker(done: int) -> None:
        if done == 2:
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    with pytest.raises(BrokenProcessPool) as info:
        run_study(scenario, tmp_path, 40, 5, kill_a_worker, executor=LocalExecutor(2), batch_size=2)
    (partial,) = tmp_path.glob("*.partial")
    assert any(f"resume_study({str(partial)!r})" in note for note in info.value.__notes__)
    result = resume_study(partial)
    assert_same_tables(result, simulate(scenario, replications=40, seed=5))
