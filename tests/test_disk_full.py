"""Issue 21.3: disk full while writing any output. Every writer removes its temporary
file or folder, leaves the target as it was, and the CLI prints `FILE: field: cannot
write: No space left on device [ENOSPC]; nothing was written` and exits 2.

Two ways to fill the disk: the kernel's own ENOSPC, by making a writer's temporary name
a symbolic link to /dev/full (every write to it fails with ENOSPC), and OSError(ENOSPC)
injected with monkeypatch after part of the data is written (for the writers that fill
a temporary folder, whose file names are not known in advance)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_resume import SCENARIO, assert_same_tables

import resilience_sim.atomic_write as atomic_write
from resilience_sim import load_scenario, load_topology, simulate, write_topology
from resilience_sim.atomic_write import temporary_sibling, write_text_atomic
from resilience_sim.cli import cli
from resilience_sim.errors import InputError, OutputError
from resilience_sim.experiments import resume_study, run_study

REPO = Path(__file__).parent.parent
TOPOLOGY = REPO / "topologies" / "pacific_island.yaml"
ENOSPC = "cannot write: No space left on device [ENOSPC]; nothing was written"
DEV_FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full")


def fill_disk_at(target: Path) -> Path:
    """Make the temporary name of ``target``'s writer a link to /dev/full."""
    tmp = temporary_sibling(target)
    tmp.symlink_to(DEV_FULL)
    return tmp


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def disk_full_after(calls: int):
    """An OSError(ENOSPC) raiser for the ``calls``-th call on (earlier calls pass)."""
    seen = []

    def check() -> None:
        seen.append(1)
        if len(seen) >= calls:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return check


@needs_dev_full
@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml", ".parquet", ".html"])
def test_a_full_disk_leaves_the_previous_file_and_no_temporary(tmp_path, suffix):
    """The kernel's ENOSPC: the previous version of the file is kept byte for byte."""
    target = tmp_path / f"net{suffix}"
    target.write_bytes(b"the previous version\n")
    fill_disk_at(target)
    with pytest.raises(OutputError) as info:
        if suffix == ".html":
            write_text_atomic(target, "<html>" + "x" * 100_000)
        else:
            write_topology(load_topology(TOPOLOGY), target)
    assert str(info.value) == f"{target}: <output>: {ENOSPC}"
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value, OSError) and isinstance(info.value, InputError)
    assert listing(tmp_path) == [target.name]
    assert target.read_bytes() == b"the previous version\n"
    assert DEV_FULL.exists()  # the link was removed, not what it pointed to


@needs_dev_full
def test_report_on_a_full_disk_exits_2_and_leaves_no_temporary(tmp_path):
    run_dir = run_study(load_scenario(SCENARIO), tmp_path, 2, 1).run_dir
    before = listing(run_dir)
    fill_disk_at(run_dir / "report.html")
    result = CliRunner().invoke(cli, ["report", str(run_dir)])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"{run_dir / 'report.html'}: <output>: {ENOSPC}\n"
    assert listing(run_dir) == before

    assert CliRunner().invoke(cli, ["report", str(run_dir)]).exit_code == 0  # space again


@needs_dev_full
def test_topology_show_on_a_full_disk_exits_2(tmp_path):
    target = tmp_path / "map.html"
    fill_disk_at(target)
    result = CliRunner().invoke(cli, ["topology", "show", str(TOPOLOGY), "--out", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"{target}: --out: {ENOSPC}\n"
    assert listing(tmp_path) == []


def test_run_with_the_report_failing_keeps_the_results_and_says_how_to_redraw(
    tmp_path, monkeypatch
):
    """ENOSPC injected in the middle of writing the report's bytes."""
    real_open = open
    full = disk_full_after(1)

    class HalfWritten:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            full()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def opener(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return HalfWritten(fh) if str(path).endswith(f"report.html.tmp-{os.getpid()}") else fh

    monkeypatch.setattr(atomic_write, "open", opener, raising=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(SCENARIO), "-n", "2", "--out", str(out)])
    assert result.exit_code == 2, result.output
    (run_dir,) = out.iterdir()
    assert result.stderr.splitlines() == [
        f"{run_dir / 'report.html'}: --out: {ENOSPC}",
        f"{run_dir}: --report: the run folder is complete; draw the report once there is "
        f"space with: resilience-sim report {run_dir}",
    ]
    assert "report.html" not in listing(run_dir)
    assert not [n for n in listing(run_dir) if ".tmp" in n]
    assert (run_dir / "manifest.json").is_file()


def test_a_full_disk_mid_study_keeps_the_saved_batches_and_resume_finishes(tmp_path, monkeypatch):
    """The third batch's parquet files hit ENOSPC: its temporary folder is removed, the
    error says what is kept, and resuming (space freed) gives the uninterrupted tables."""
    from resilience_sim.experiments.study import ALL_TABLES

    n_tables = len(ALL_TABLES)  # files written per batch
    full = disk_full_after(2 * n_tables + 2)  # fails inside the third batch
    real_to_parquet = pd.DataFrame.to_parquet

    def to_parquet(self, path, *args, **kwargs):
        real_to_parquet(self, path, *args, **kwargs)
        full()

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)
    scenario = load_scenario(SCENARIO)
    with pytest.raises(OutputError) as info:
        run_study(scenario, tmp_path, 10, 3, batch_size=2)
    (partial,) = tmp_path.glob("*.partial")
    first, kept = info.value.problems
    assert (first.file, first.field, first.message) == (
        str(partial / "batches" / "000002"),
        "<output>",
        ENOSPC,
    )
    assert kept.message == (
        "4 of 10 replications are kept; free some space and continue with: "
        f"resilience-sim run --resume {partial}"
    )
    assert listing(partial / "batches") == ["000000", "000001"]

    monkeypatch.setattr(pd.DataFrame, "to_parquet", real_to_parquet)
    result = resume_study(partial)
    assert_same_tables(result, simulate(scenario, replications=10, seed=3))


def test_a_full_disk_while_finishing_leaves_no_half_folder(tmp_path, monkeypatch):
    """ENOSPC while writing the finished folder's CSV: the hidden folder is removed, the
    partial folder (every batch saved) stays, and `run --resume` finishes it."""
    full = disk_full_after(1)
    real_to_csv = pd.DataFrame.to_csv

    def to_csv(self, path=None, *args, **kwargs):
        real_to_csv(self, path, *args, **kwargs)
        full()

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", str(SCENARIO), "-n", "4", "--batch-size", "2", "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    (partial,) = out.iterdir()
    assert partial.name.endswith(".partial")
    final = out / partial.name.removesuffix(".partial")
    assert result.stderr.splitlines() == [
        f"{final}: --out: {ENOSPC}",
        f"{partial}: --resume: 4 of 4 replications are kept; free some space and continue "
        f"with: resilience-sim run --resume {partial}",
    ]
    assert "Traceback" not in result.output

    monkeypatch.setattr(pd.DataFrame, "to_csv", real_to_csv)
    resumed = CliRunner().invoke(cli, ["run", "--resume", str(partial), "--no-report"])
    assert resumed.exit_code == 0, resumed.output
    assert listing(out) == [final.name]


@pytest.mark.parametrize("command", ["criticality", "topology generate"])
def test_other_writers_on_a_full_disk_exit_2_and_leave_nothing(tmp_path, monkeypatch, command):
    """A folder writer (criticality) and a file writer (topology generate) with ENOSPC
    injected after their first file is written."""
    full = disk_full_after(1)
    real_to_csv, real_write = pd.DataFrame.to_csv, atomic_write.write_bytes_atomic

    def to_csv(self, path=None, *args, **kwargs):
        real_to_csv(self, path, *args, **kwargs)
        full()

    def write_bytes(target, data, field="<output>"):
        with atomic_write.atomic_output(target, field) as tmp:
            tmp.write_bytes(data[:100])
            full()
        return real_write(target, data, field)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    monkeypatch.setattr(atomic_write, "write_bytes_atomic", write_bytes)
    out = tmp_path / "out"
    out.mkdir()
    if command == "criticality":
        args = ["criticality", str(TOPOLOGY), "--out", str(out)]
        target = out
    else:
        target = out / "national.yaml"
        args = ["topology", "generate", "--preset", "national", "--nodes", "200"]
        args += ["--seed", "1", "--out", str(target)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert ENOSPC in result.stderr
    assert result.stderr.startswith(str(target))
    assert listing(out) == []


def test_temporaries_of_killed_writers_are_removed_by_the_next_writer(tmp_path):
    """A writer killed mid-write leaves `.NAME.tmp-PID`; the next write of the same file
    removes it if that process is gone, and keeps one of a live process."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    target = tmp_path / "net.json"
    dead = tmp_path / f".net.json.tmp-{int(gone.stdout)}"
    alive = tmp_path / f".net.json.tmp-{os.getppid()}"
    other = tmp_path / f".other.json.tmp-{int(gone.stdout)}"
    for leftover in (dead, alive, other):
        leftover.write_text("half")
    write_text_atomic(target, "{}\n")
    assert listing(tmp_path) == sorted([target.name, alive.name, other.name])
