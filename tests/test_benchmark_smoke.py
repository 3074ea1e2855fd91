"""Smoke run of the benchmark command at 10k nodes, 3 replications: correctness facts only.

The timings it prints are not asserted (this machine is shared and noisy); what is
asserted holds whatever the speed: the fast timeline equals the scipy reference and
the naive networkx replay on every row they computed, every replication recovers in
full, and the floor's SimPy replay of the repair jobs ends when the engine's last
repair does (it replays the same schedule).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_at_10k_nodes_three_replications(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "10k",
         "--repeats", "3", "--naive-budget-s", "1", "--skip-executors", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )  # fmt: skip
    (result_file,) = tmp_path.glob("benchmark-*.json")
    (size,) = json.loads(result_file.read_text())["sizes"]
    assert size["build"]["n_nodes"] == 10_000
    assert size["build"]["n_links"] == 14_000
    assert len(size["facts"]) == 3
    for facts in size["facts"]:
        assert facts["naive_rows_checked"] >= 5 and facts["naive_rows_equal"]
        assert facts["scipy_rows_checked"] >= 20 and facts["scipy_rows_equal"]
        assert facts["assets_down_at_end"] == 0  # full recovery by the crews
        assert facts["failure_batches"] >= 1
        # the floor replays the engine's own schedule: same crews, durations, FIFO order
        assert facts["floor_makespan_h"] == pytest.approx(facts["last_event_h"], rel=1e-12)
        # ~20 % of 10k nodes and their links struck; each damaged asset is one job
        assert 0.15 * 24_000 <= facts["jobs"] <= 0.3 * 24_000
    markdown = next(tmp_path.glob("benchmark-*.md")).read_text()
    assert "(a) / (c)" in markdown and "fast == naive on rows checked | yes" in markdown


def test_replication_plan_benchmark_on_the_roads_scenario(tmp_path):
    """The plan benchmark runs (it calls simulate_replication with the study's plan
    options) and both ways give the same logs on the scenario with roads."""
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "replication_plan.py"), "--replications", "2",
         "--repeats", "1", "--sizes", "", "--scenarios", "pacific_island_cyclone_roads",
         "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )  # fmt: skip
    (result_file,) = tmp_path.glob("replication-plan-*.json")
    rows = json.loads(result_file.read_text())["rows"]
    assert list(rows) == ["pacific_island_cyclone_roads"]
    assert rows["pacific_island_cyclone_roads"]["logs_equal"] is True
