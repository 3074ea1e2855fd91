"""Bounded memory for large studies (issue 10, item 5): the finished run folder is
streamed from the batch files, the result of run_study holds only the summary, and the
report reads the big tables in chunks; all with the tables and figures of before."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_reproducibility import random_scenario, star

from resilience_sim.experiments import StudyInterrupted, run_study, simulate
from resilience_sim.experiments.results import (
    PartialRun,
    stack_parquet,
    unified_schema,
    write_run,
)
from resilience_sim.experiments.study import TABLES
from resilience_sim.metrics import (
    DistinctTimes,
    curve_quantiles,
    resample_replications,
    resample_steps,
    stream_curve_quantiles,
    time_grid,
)
from resilience_sim.reports import RunFolder, render_report, run_folder
from resilience_sim.reports.replay import replay_run

BIG_TABLES = ("timeline", "events", "regional")


# -- the finished run folder, streamed batch by batch ------------------------------------


def test_run_study_streams_one_row_group_per_batch_with_the_tables_of_simulate(tmp_path):
    """300 replications in 30 batches of 10: each big table of the run folder has one
    row group per batch, in replication order, and reads back as simulate's table,
    with the schema (and pandas metadata) write_run gives the in-memory tables."""
    scenario = random_scenario(star(25))
    result = run_study(scenario, tmp_path / "out", 300, 11, batch_size=10)
    expected = simulate(scenario, replications=300, seed=11)
    reference = write_run(expected, tmp_path / "reference")
    for table in BIG_TABLES:
        file = pq.ParquetFile(result.run_dir / f"{table}.parquet")
        assert file.metadata.num_row_groups == 30
        first = [
            file.metadata.row_group(g).column(0).statistics.min
            for g in range(file.metadata.num_row_groups)
        ]
        assert first == list(range(0, 300, 10))  # column 0 is `replication`
        assert file.schema_arrow.equals(
            pq.read_schema(reference / f"{table}.parquet"), check_metadata=True
        )
    for table in TABLES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(result.run_dir / f"{table}.parquet"),
            getattr(expected, table),
            check_exact=True,
        )


def test_the_result_of_run_study_reads_its_big_tables_from_the_run_folder(tmp_path):
    scenario = random_scenario(star(10))
    result = run_study(scenario, tmp_path, 12, 3, batch_size=5)
    assert result._tables["timeline"] is None  # only the summary is held
    assert len(result.summary) == 12
    expected = simulate(scenario, replications=12, seed=3)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(result, table), getattr(expected, table), check_exact=True
        )
    assert result.timeline is result.timeline  # read once, then kept


def _write_batches(folder: Path, frames: list[pd.DataFrame]) -> list[Path]:
    files = []
    for i, frame in enumerate(frames):
        files.append(folder / f"{i}.parquet")
        frame.to_parquet(files[-1], index=False)
    return files


def _stacked(tmp_path: Path, frames: list[pd.DataFrame]) -> pd.DataFrame:
    target = tmp_path / "stacked.parquet"
    stack_parquet(_write_batches(tmp_path, frames), target)
    return pd.read_parquet(target)


def test_an_empty_batch_with_untyped_columns_takes_the_other_batches_types(tmp_path):
    """A batch without rows whose string and float columns are object columns of no
    values (arrow type null) adds nothing and changes no dtype."""
    rows = pd.DataFrame(
        {
            "replication": np.array([0, 0, 1], dtype=np.int64),
            "asset": pd.array(["a", "b", "a"], dtype="str"),
            "capacity_frac": [np.nan, 0.5, np.nan],
        }
    )
    empty = pd.DataFrame(
        {
            "replication": np.array([], dtype=np.int64),
            "asset": pd.Series([], dtype=object),
            "capacity_frac": pd.Series([], dtype=object),
        }
    )
    files = _write_batches(tmp_path, [empty, rows, empty])
    assert pq.read_schema(files[0]).field("asset").type == pa.null()
    target = tmp_path / "stacked.parquet"
    stack_parquet(files, target)
    assert pq.read_schema(target).field("asset").type == pa.large_string()
    pd.testing.assert_frame_equal(pd.read_parquet(target), rows, check_exact=True)


def test_a_column_all_none_in_one_batch_and_float_in_another_is_float(tmp_path):
    first = pd.DataFrame({"replication": [0, 1], "t_restore_90_h": [None, None]})
    second = pd.DataFrame({"replication": [2], "t_restore_90_h": [4.5]})
    stacked = _stacked(tmp_path, [first, second])
    expected = pd.DataFrame({"replication": [0, 1, 2], "t_restore_90_h": [np.nan, np.nan, 4.5]})
    pd.testing.assert_frame_equal(stacked, expected, check_exact=True)


def test_integers_and_floats_make_floats_as_pandas_concat_does(tmp_path):
    frames = [
        pd.DataFrame({"replication": [0], "assets_down": np.array([3], dtype=np.int64)}),
        pd.DataFrame({"replication": [1], "assets_down": [2.5]}),
    ]
    stacked = _stacked(tmp_path, frames)
    pd.testing.assert_frame_equal(stacked, pd.concat(frames, ignore_index=True))
    assert stacked.assets_down.dtype == np.float64


def test_categorical_and_string_columns_are_written_as_strings(tmp_path):
    frames = [
        pd.DataFrame({"replication": [0, 0], "region": pd.Categorical(["north", "south"])}),
        pd.DataFrame({"replication": [1], "region": pd.array(["east"], dtype="str")}),
        pd.DataFrame({"replication": [2], "region": pd.Categorical(["west"])}),
    ]
    stacked = _stacked(tmp_path, frames)
    regions = pd.array(["north", "south", "east", "west"], dtype="str")
    expected = pd.DataFrame({"replication": [0, 0, 1, 2], "region": regions})
    pd.testing.assert_frame_equal(stacked, expected, check_exact=True)


def test_identical_schemas_are_kept_and_incompatible_ones_refused(tmp_path):
    a = pa.schema([("x", pa.int64())], metadata={b"k": b"v"})
    assert unified_schema([a, a]) is a
    with pytest.raises(ValueError, match="column 'x': types bool, large_string"):
        unified_schema([pa.schema([("x", pa.bool_())]), pa.schema([("x", pa.large_string())])])
    with pytest.raises(ValueError, match="has no column 'y'"):
        _stacked(tmp_path, [pd.DataFrame({"x": [1], "y": [2]}), pd.DataFrame({"x": [3]})])


# -- recovery curves from chunks ---------------------------------------------------------


def _random_timeline(rng: np.random.Generator, n_replications: int) -> pd.DataFrame:
    frames = []
    for rep in range(n_replications):
        k = int(rng.integers(1, 30))
        times = np.concatenate([[0.0], np.sort(rng.uniform(0, 120, k - 1))])
        values = np.round(rng.uniform(0, 1, k), 1)  # ties, so quantiles interpolate
        capacity = np.where(rng.uniform(size=k) < 0.3, np.nan, values)
        frames.append(
            pd.DataFrame(
                {"replication": rep, "time_h": times, "served": values, "capacity": capacity}
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_resample_replications_equals_resample_steps_per_replication():
    rng = np.random.default_rng(12345)
    timeline = _random_timeline(rng, 40)
    grid = np.unique(np.concatenate([rng.uniform(-5, 130, 60), timeline.time_h[:20]]))
    stacked = resample_replications(
        timeline.replication.to_numpy(),
        timeline.time_h.to_numpy(),
        timeline.served.to_numpy(),
        grid,
    )
    for rep, group in timeline.groupby("replication"):
        expected = resample_steps(group.time_h.to_numpy(), group.served.to_numpy(), grid)
        np.testing.assert_array_equal(stacked[rep], expected)


def test_curve_quantiles_in_blocks_and_chunks_equal_the_whole_table():
    """Blocks of 7 grid times (max_cells 7 x 50 x 2) and chunks of 3 replications give
    exactly the quantiles of the whole table, with grid times where every replication's
    capacity is NaN (a whole first block of them)."""
    rng = np.random.default_rng(12345)
    timeline = _random_timeline(rng, 50)
    timeline.loc[timeline.time_h < 20.0, "capacity"] = np.nan
    grid = time_grid(120.0, timeline.time_h.to_numpy(), n_points=30)
    assert grid[6] < 20.0

    def chunks():
        for first in range(0, 50, 3):
            yield timeline[timeline.replication.between(first, first + 2)]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # All-NaN slice, in both
        streamed = stream_curve_quantiles(
            chunks, ["served", "capacity"], grid, 50, max_cells=7 * 50 * 2
        )
        for column in ("served", "capacity"):
            expected = curve_quantiles(timeline, column, grid)
            np.testing.assert_array_equal(streamed[column], expected)
    assert np.isnan(streamed["capacity"][:, :7]).all()


def test_distinct_times_are_exact_up_to_the_cap_then_a_uniform_sample():
    rng = np.random.default_rng(12345)
    times = rng.uniform(0, 1000, 50_000)
    exact = DistinctTimes(500.0, cap=100_000)
    for part in np.array_split(times, 7):
        exact.add(part)
    assert exact.level == 0
    np.testing.assert_array_equal(exact.values, np.unique(times[times <= 500.0]))

    sampled = DistinctTimes(1000.0, cap=2_000)
    for part in np.array_split(times, 7):
        sampled.add(part)
    assert 500 < len(sampled.values) <= 2_000  # halved as often as needed, no more
    assert np.isin(sampled.values, times).all()
    # uniform over the distinct times: the sample's deciles are the population's
    # (binomial standard error of a decile of 500+ draws: below 0.02 of the range)
    np.testing.assert_allclose(
        np.quantile(sampled.values, np.linspace(0.1, 0.9, 9)) / 1000,
        np.linspace(0.1, 0.9, 9),
        atol=0.06,
    )
    again = DistinctTimes(1000.0, cap=2_000)
    again.add(times)
    np.testing.assert_array_equal(again.values, sampled.values)  # order does not matter


def test_the_report_read_in_small_chunks_is_the_report_read_whole(tmp_path, monkeypatch):
    """The whole page (every figure's data) is the same when the run folder is read 40
    rows at a time and the curves are resampled 500 values at a time."""
    scenario = random_scenario(star(30))
    run_dir = run_study(scenario, tmp_path, 60, 4, batch_size=7).run_dir
    whole = render_report(RunFolder.read(run_dir))
    monkeypatch.setattr(run_folder, "CHUNK_ROWS", 40)
    monkeypatch.setattr("resilience_sim.metrics.curves.MAX_CURVE_CELLS", 500)
    run = RunFolder.read(run_dir)
    chunks = list(run.iter_replications("events", ["time_h"]))
    assert len(chunks) > 10
    assert [c.replication.iloc[0] for c in chunks] == sorted(c.replication.iloc[0] for c in chunks)
    assert sum(len(c) for c in chunks) == len(run.events)
    assert render_report(run, replay_run(run)) == whole


# -- peak memory: a few batches, not the study ---------------------------------------------

# Runs in a fresh process, so that its peaks are the measured call's alone: Python and
# numpy allocations (tracemalloc) plus Arrow's memory pool (parquet reading and writing).
# The report's chunk sizes are made small, as a large study's are small compared with it.
_MEASURE = """
import json, sys, tracemalloc
import pyarrow as pa
import resilience_sim.metrics.curves as curves
import resilience_sim.reports.replay as replay
import resilience_sim.reports.run_folder as run_folder
from resilience_sim.experiments import resume_study
from resilience_sim.reports import write_report

curves.MAX_CURVE_CELLS = 50_000
curves.MAX_DISTINCT_TIMES = 2_000
run_folder.CHUNK_ROWS = 1_000
replay.MAX_REPLAYED = 10
call = {"finish": resume_study, "report": write_report}[sys.argv[1]]
tracemalloc.start()
done = call(sys.argv[2])
python = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak": python + pa.default_memory_pool().max_memory(),
                  "run_dir": str(getattr(done, "run_dir", ""))}))
"""


def _peak(what: str, folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, what, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def _unfinished_study(results: Path, n_batches: int) -> Path:
    """A partial run folder with all ``n_batches`` batches of 10 replications saved and
    the run folder not yet written (stopped as the last batch was saved)."""
    scenario = random_scenario(star(200))
    n = 10 * n_batches

    def stop_at_the_end(done: int) -> None:
        if done == n:
            raise KeyboardInterrupt

    with pytest.raises(StudyInterrupted) as info:
        run_study(scenario, results, n, 21, stop_at_the_end, batch_size=10)
    assert len(PartialRun.open(info.value.run_dir).done_batches()) == n_batches
    return info.value.run_dir


@pytest.fixture(scope="module")
def finished_studies(tmp_path_factory) -> dict:
    """Peaks of finishing a study of 10 and of 40 batches, its run folders, and the
    in-memory size of one replication's big tables."""
    results = tmp_path_factory.mktemp("results")
    studies = {}
    for n_batches in (10, 40):
        partial = _unfinished_study(results / str(n_batches), n_batches)
        finish = _peak("finish", partial)
        studies[n_batches] = {"finish": finish["peak"], "run_dir": Path(finish["run_dir"])}
    run = RunFolder.read(studies[40]["run_dir"])
    studies["per_replication"] = (
        sum(int(getattr(run, t).memory_usage(deep=True).sum()) for t in BIG_TABLES) / 400
    )
    return studies


def test_finishing_a_study_holds_a_few_batches_not_the_study(finished_studies):
    """Finishing 40 batches instead of 10 adds 300 replications. Stacking their tables,
    as the run folder was written before, needs at least 300 x per_replication more
    (about 3 MB here: ~10 kB per replication; pandas.concat needs twice that). Streamed,
    the extra 30 batches add only their summary rows (~150 bytes each, stacked in
    memory) and bookkeeping; the bound allows a fifth of the stacked tables."""
    small, large = finished_studies[10]["finish"], finished_studies[40]["finish"]
    stacked = 300 * finished_studies["per_replication"]
    assert stacked > 2e6
    assert large - small < 0.2 * stacked, (small, large, stacked)
    assert large < 1.5 * small


def test_the_report_of_a_run_folder_reads_chunks_not_the_study(finished_studies):
    """Drawing the report of 400 replications instead of 100 (chunks of 1,000 rows,
    curve blocks of 50,000 values, 10 replications replayed): the growth is the summary
    and the per-replication rows derived from it (region hours, histograms, ~1 kB per
    replication), well under the 300 replications' tables the old report read whole."""
    small = _peak("report", finished_studies[10]["run_dir"])["peak"]
    large = _peak("report", finished_studies[40]["run_dir"])["peak"]
    stacked = 300 * finished_studies["per_replication"]
    assert large - small < 0.3 * stacked, (small, large, stacked)
    assert large < 1.5 * small
