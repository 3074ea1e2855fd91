"""Issue 21.1: SIGKILL of the main process alone (not its process group) must not leave
local worker processes running or holding the run's lock; `run --resume` then finishes
the study to the uninterrupted tables."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_resume import SCENARIO, SLOW_BATCHES, assert_run_folder_matches, wait_for_batches

from resilience_sim import InputError, load_scenario
from resilience_sim.cli import cli
from resilience_sim.experiments import StudyInterrupted, resume_study, run_study, simulate
from resilience_sim.experiments.executors import _watch_parent
from resilience_sim.experiments.results import PartialRun

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc for the worker processes"
)


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (every thread's children, from /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a zombie holds no lock and runs nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(condition, within_s: float) -> bool:
    """Poll ``condition`` until it holds or ``within_s`` passed (no speed asserted)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_sigkill_of_the_main_process_alone_stops_its_workers_and_resume_finishes(tmp_path):
    """A real `resilience-sim run --executor local --workers 2`; after 2 saved batches
    only the main process gets SIGKILL. Its two workers exit (polled for up to 60 s),
    the lock is free, and `run --resume` writes the tables of an uninterrupted run."""
    out = tmp_path / "out"
    script = SLOW_BATCHES + "from resilience_sim.cli import main\nmain()\n"
    args = [str(SCENARIO), "-n", "24", "--seed", "4", "--batch-size", "2", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "run", *args, "--executor", "local", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: the kill below reaches the main process only
    )
    workers: list[int] = []
    try:
        partial = wait_for_batches(out, 2, proc)
        assert wait_until(lambda: len(children(proc.pid)) >= 2, 60)
        workers = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        assert wait_until(lambda: not any(is_running(w) for w in workers), 60), (
            f"workers {[w for w in workers if is_running(w)]} outlived the main process"
        )
    finally:
        proc.kill()
        for w in workers:
            if is_running(w):
                os.kill(w, signal.SIGKILL)
    assert len(PartialRun.open(partial).done_batches()) < 12

    resumed = CliRunner().invoke(
        cli, ["run", "--resume", str(partial), "--executor", "local", "--workers", "2"]
    )

    assert resumed.exit_code == 0, resumed.output
    run_dir = out / partial.name.removesuffix(".partial")
    assert_run_folder_matches(run_dir, simulate(load_scenario(SCENARIO), replications=24, seed=4))


def test_a_lock_held_by_another_live_process_refuses_and_its_death_frees_it(tmp_path):
    """The lock is the kernel's, owned by the process that took it: another live process
    holding it refuses `resume` (naming its pid); once that process is killed, resume
    proceeds at once (no stale lock to clear)."""

    def stop(done: int) -> None:
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(StudyInterrupted):
        run_study(load_scenario(SCENARIO), tmp_path, 4, 2, stop, batch_size=2)
    (partial,) = tmp_path.glob("*.partial")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from resilience_sim.experiments.results import PartialRun\n"
            "with PartialRun.open(sys.argv[1]).locked():\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            str(partial),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=f"another process \\(pid {holder.pid}, since "):
            resume_study(partial)
    finally:
        holder.kill()
        holder.wait(timeout=60)
    assert resume_study(partial).replications == 4


def test_the_parent_watchdog_exits_a_worker_whose_parent_is_gone():
    """The portable fallback: a worker whose parent pid changed (it was re-parented)
    exits with status 1; the check runs in a child process here."""
    pid = os.fork()
    if pid == 0:  # the child pretends its parent was another process, so it is "gone"
        try:
            _watch_parent(os.getppid() + 1_000_000, poll_s=0.01)
        finally:
            os._exit(3)  # _watch_parent must exit before returning
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1
