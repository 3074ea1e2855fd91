"""Re-run a finished study from its run folder and compare the summary (experiments layer).

``rerun(run_dir)`` reads ``manifest.json``, runs the same study again (same seed, same
number of replications) and compares the new summary with ``summary.parquet`` bit for
bit. The inputs come from the files the manifest names when their SHA-256 still
matches; when a file is missing or changed, the change is reported and the study is
run from the snapshots ``scenario.json`` / ``topology.json`` in the folder instead, so
the answer is always about the code and the environment, not about edited inputs
(docs/robustness.md, "Reproducing a run").
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from resilience_sim.errors import InputError
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.runfolder import (
    MANIFEST_FILE,
    check_snapshots,
    package_versions,
    read_manifest,
    scenario_from_snapshots,
    sha256_file,
    table_file,
)
from resilience_sim.experiments.study import simulate_summary
from resilience_sim.scenario import Scenario, load_scenario

_NEEDED = ("seed", "replications", "scenario_sha256")


@dataclass
class RerunReport:
    """What a rerun found: changed inputs, the differing summary columns, versions."""

    run_dir: Path
    seed: int
    replications: int
    changed_inputs: list[str] = field(default_factory=list)
    from_snapshots: bool = False
    differing_columns: list[str] = field(default_factory=list)
    changed_versions: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        """Whether the new summary is bit-identical to the recorded one."""
        return not self.differing_columns


def checked_manifest(run_dir: Path) -> dict:
    """``manifest.json`` of a finished run folder, checked before any work: required
    fields, seed and replications, the summary's Parquet footer and row count, and the
    snapshots' SHA-256; InputError naming what is wrong.

    Parameters
    ----------
    run_dir : Path
        The run folder.

    Returns
    -------
    dict
        The manifest.
    """
    manifest = read_manifest(run_dir, "RUN_DIR")
    file = run_dir / MANIFEST_FILE
    for key in _NEEDED:
        if key not in manifest:
            raise InputError.single(str(file), key, "required field is missing")
    for key in ("seed", "replications"):
        value = manifest[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < (key != "seed"):
            least = "a whole number >= 0" if key == "seed" else "a whole number >= 1"
            raise InputError.single(str(file), key, f"expected {least}, got {value!r}")
    summary = run_dir / table_file("summary")
    if not summary.is_file():
        raise InputError.single(str(run_dir), "summary.parquet", "file not found")
    try:  # the footer only: a truncated or foreign file fails here, before any work
        rows = pq.ParquetFile(summary).metadata.num_rows
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError.single(str(summary), "", f"not a readable Parquet file: {exc}") from None
    if rows != manifest["replications"]:
        raise InputError.single(
            str(file),
            "replications",
            f"expected the {rows} replications of summary.parquet, got {manifest['replications']}",
        )
    check_snapshots(run_dir, manifest.get("snapshots"), file)
    return manifest


def changed_inputs(manifest: dict) -> list[str]:
    """A line per input file that is missing or whose SHA-256 differs from the manifest's.

    Parameters
    ----------
    manifest : dict
        The run's manifest.

    Returns
    -------
    list[str]
        One line per changed input.
    """
    changes = []
    for kind in ("scenario", "topology"):
        name = manifest.get(f"{kind}_file")
        if not name:
            changes.append(f"{kind}: no file recorded (built in code)")
            continue
        path = Path(name)
        if not path.is_file():
            changes.append(f"{kind} file {path} no longer exists")
        elif sha256_file(path) != manifest.get(f"{kind}_sha256"):
            changes.append(f"{kind} file {path} changed since the run (SHA-256 differs)")
    return changes


def rerun_scenario(run_dir: Path, manifest: dict, changes: list[str]) -> Scenario:
    """The original files if unchanged, else the run folder's snapshots.

    Parameters
    ----------
    run_dir : Path
        The run folder.
    manifest : dict
        The run's manifest.
    changes : list[str]
        The changed inputs (:func:`changed_inputs`).

    Returns
    -------
    Scenario
        The scenario.
    """
    if not changes:
        return load_scenario(manifest["scenario_file"])
    return scenario_from_snapshots(run_dir, manifest)


def differing_columns(recorded: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Columns not bit-identical between two summaries (all of them if the rows differ).

    Parameters
    ----------
    recorded : pandas.DataFrame
        The recorded summary.
    new : pandas.DataFrame
        The new summary.

    Returns
    -------
    list[str]
        Column names.
    """
    columns = list(dict.fromkeys([*recorded.columns, *new.columns]))
    if len(recorded) != len(new):
        return columns
    different = []
    for column in columns:
        if column not in recorded or column not in new:
            different.append(column)
            continue
        try:
            pd.testing.assert_series_equal(recorded[column], new[column], check_exact=True)
        except AssertionError:
            different.append(column)
    return different


def rerun(
    run_dir: str | Path,
    *,
    executor: Executor | ExecutorName | None = "sequential",
    batch_size: int | None = None,
) -> RerunReport:
    """Run the study recorded in ``run_dir`` again and compare ``summary.parquet``.

    The new summary goes through the same Parquet round trip as the recorded one, so
    equal means equal bit for bit (``assert_series_equal(check_exact=True)`` per column).

    Parameters
    ----------
    run_dir : str or Path
        The run folder.
    executor : Executor or ExecutorName or None, default 'sequential'
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).

    Returns
    -------
    RerunReport
        The comparison of the summaries.
    """
    run_dir = Path(run_dir)
    manifest = checked_manifest(run_dir)
    changes = changed_inputs(manifest)
    scenario = rerun_scenario(run_dir, manifest, changes)
    seed, n = int(manifest["seed"]), int(manifest["replications"])
    summary = simulate_summary(scenario, n, seed, executor=executor, batch_size=batch_size)
    buffer = io.BytesIO()
    summary.to_parquet(buffer, index=False)
    new = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    recorded = pd.read_parquet(run_dir / table_file("summary"))
    now = package_versions()
    then = manifest.get("versions") or {}
    return RerunReport(
        run_dir=run_dir,
        seed=seed,
        replications=n,
        changed_inputs=changes,
        from_snapshots=bool(changes),
        differing_columns=differing_columns(recorded, new),
        changed_versions={
            k: (str(then.get(k)), v) for k, v in now.items() if then.get(k) not in (None, v)
        },
    )
