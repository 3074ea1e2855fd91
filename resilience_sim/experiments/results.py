"""A study's run folder and a long study's partial run folder (experiments layer).

The format (file names, manifest, snapshots, atomic writing) is owned by
:mod:`resilience_sim.experiments.runfolder`; this module writes a study's tables into
it.

A finished study is written to a hidden temporary folder beside its final place and
renamed into ``<results>/<scenario-slug>-<UTC timestamp>/`` only when complete, so a
crash never leaves a half-written run folder that looks finished (docs/results.md).

A long study (:mod:`resilience_sim.experiments.runs`) is written batch by batch into
a *partial* run folder ``<results>/<scenario-slug>-<UTC start>.partial/``::

    progress.json        what the study is (seed, replications, batch size, inputs'
                         and snapshots' SHA-256, executor of each session) and how
                         far it got (informative; see below)
    scenario.json        the validated scenario, as in a finished run folder
    topology.json        the topology, as in a finished run folder
    batches/000017/      one folder per finished batch: timeline, events, summary and
                         regional parquet files of replications 17*b .. 17*b+b-1

A batch is written to ``batches/.000017.tmp-PID`` and renamed when complete, so the
batch folders present *are* the finished work, whatever happened to the process. When
every batch is there, the usual run folder is written (same layout and tables as an
uninterrupted run) and the partial folder removed. Its tables are streamed: each batch's
file is appended to the run folder's parquet file as row groups (:func:`stack_parquet`),
so finishing holds one batch in memory, not the study; only the summary (one row per
replication) is stacked in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from resilience_sim.atomic_write import (
    cleaned_on_failure,
    temporary_sibling,
)
from resilience_sim.errors import InputError
from resilience_sim.experiments.run_lock import hold_run_lock
from resilience_sim.experiments.runfolder import (
    BATCHES_DIR,
    MANIFEST_FILE,
    PARTIAL_SUFFIX,
    PROGRESS_FILE,
    SNAPSHOT_FILES,
    SUMMARY_CSV,
    SUMMARY_STATS_CSV,
    build_manifest,
    check_snapshots,
    free_name,
    input_record,
    package_versions,
    parse_utc,
    remove_abandoned_folders,
    run_stem,
    scenario_from_snapshots,
    sha256_file,
    table_file,
    utc_now,
    utc_text,
    write_folder,
    write_json_atomic,
    write_manifest,
    write_snapshots,
)
from resilience_sim.experiments.study import (
    ALL_TABLES,
    FUEL_TABLES,
    OPERATOR_TABLES,
    OPTIONAL_TABLES,
    SimulationResult,
)
from resilience_sim.scenario import Scenario

_PROGRESS_FORMAT = "resilience-sim partial run 1"


def run_manifest(
    result: SimulationResult,
    created: dt.datetime,
    files: list[str],
    snapshots: dict[str, str],
    inputs: dict | None = None,
) -> dict:
    """manifest.json of a run folder (docs/results.md); ``inputs`` as recorded at the
    start of a long study, else read from the scenario's files now.

    Parameters
    ----------
    result : SimulationResult
        The study's results.
    created : dt.datetime
        When the folder was created (UTC).
    files : list[str]
        The folder's files.
    snapshots : dict[str, str]
        Snapshot file -> SHA-256.
    inputs : dict or None, default None
        Input files and hashes recorded at the start (None: read now).

    Returns
    -------
    dict
        The manifest.
    """
    fields = {
        **(input_record(result.scenario) if inputs is None else inputs),
        "seed": result.seed,
        "replications": result.replications,
        "horizon_h": result.scenario.horizon_h,
        "wall_time_s": round(result.wall_time_s, 3),
    }
    return build_manifest(
        "run", created, fields, files, execution=result.execution, snapshots=snapshots
    )


def write_run(result: SimulationResult, results_dir: str | Path) -> Path:
    """Write ``result`` to a new run folder under ``results_dir`` and return its path.

    Parameters
    ----------
    result : SimulationResult
        The study's results.
    results_dir : str or Path
        The folder the new results folder goes in.

    Returns
    -------
    Path
        The new folder.
    """
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    created = utc_now()
    stem = run_stem(result.scenario.name, created)
    return write_folder(results_dir, stem, lambda tmp: write_run_files(tmp, result, created))


def write_run_files(
    folder: Path,
    result: SimulationResult,
    created: dt.datetime,
    inputs: dict | None = None,
    write_table: Callable[[str, Path], None] | None = None,
) -> None:
    """The files of a run folder (docs/results.md), written into ``folder``.

    ``write_table(name, file)`` writes a table's parquet file (default: from the
    result's DataFrame); the summary and statistics come from ``result.summary``.

    Parameters
    ----------
    folder : Path
        The (temporary) folder.
    result : SimulationResult
        The study's results.
    created : dt.datetime
        When the folder was created (UTC).
    inputs : dict or None, default None
        Input files and hashes recorded at the start (None: read now).
    write_table : Callable[[str, Path], None] or None, default None
        Writes one table to a path (None: from ``result``).
    """
    spec = result.scenario.spec
    output = spec.output
    tables = [t for t in ALL_TABLES if t not in OPTIONAL_TABLES or getattr(output, t)]
    tables = [t for t in tables if t not in OPERATOR_TABLES or spec.operators]
    fuel = spec.power.fuel if spec.power is not None else None
    if fuel is None:
        tables = [t for t in tables if t not in FUEL_TABLES]
    elif fuel.roads is None:
        tables = [t for t in tables if t != "road_closures"]
    for table in tables:
        if write_table is None:
            getattr(result, table).to_parquet(folder / table_file(table), index=False)
        else:
            write_table(table, folder / table_file(table))
    result.summary.to_csv(folder / SUMMARY_CSV, index=False)
    result.aggregate().to_csv(folder / SUMMARY_STATS_CSV)
    snapshots = write_snapshots(folder, result.scenario)
    files = [table_file(t) for t in tables] + [SUMMARY_CSV, SUMMARY_STATS_CSV, *SNAPSHOT_FILES]
    write_manifest(folder, run_manifest(result, created, files, snapshots, inputs))


class PartialRun:
    """A partial run folder of a long study (layout in the module docstring).

    One process at a time may work on it (a lock tied to that process).
    """

    def __init__(self, path: Path, progress: dict):
        self.path = path
        self.progress = progress

    # -- creating and opening ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        results_dir: str | Path,
        scenario: Scenario,
        seed: int,
        replications: int,
        batch_size: int,
        execution: dict | None = None,
    ) -> PartialRun:
        """A new, empty partial run folder under ``results_dir``; ``execution``
        (:func:`~resilience_sim.experiments.runfolder.execution_record`) says how this
        session runs the replications.

        Parameters
        ----------
        results_dir : str or Path
            The folder the new results folder goes in.
        scenario : Scenario
            The checked scenario.
        seed : int
            The study seed.
        replications : int
            Replications to run.
        batch_size : int
            Replications per batch.
        execution : dict or None, default None
            How the first session runs them (None: not recorded).

        Returns
        -------
        PartialRun
            The partial run.
        """
        results_dir = Path(results_dir)
        results_dir.mkdir(parents=True, exist_ok=True)
        created = utc_now()
        # A name free both as a finished and as a partial run folder.
        stem = free_name(results_dir, run_stem(scenario.name, created), ("", PARTIAL_SUFFIX)).name
        progress = {
            "format": _PROGRESS_FORMAT,
            "seed": seed,
            "replications": replications,
            "batch_size": batch_size,
            "n_batches": -(-replications // batch_size),
            "inputs": input_record(scenario),
            "created_utc": utc_text(created),
            "stem": stem,
            "versions": package_versions(),
            "execution": execution,
            "replications_done": 0,
            "wall_time_s": 0.0,
            "final": None,
        }

        def fill(tmp: Path) -> None:
            progress["snapshots"] = write_snapshots(tmp, scenario)
            (tmp / BATCHES_DIR).mkdir()
            write_json_atomic(tmp / PROGRESS_FILE, progress)

        path = write_folder(results_dir, stem, fill, results_dir / f"{stem}{PARTIAL_SUFFIX}")
        return cls(path, progress)

    @classmethod
    def open(cls, run_dir: str | Path) -> PartialRun:
        """An existing partial run folder; InputError naming the folder if it is not one.

        Parameters
        ----------
        run_dir : str or Path
            The partial run folder.

        Returns
        -------
        PartialRun
            The partial run.
        """
        path = Path(run_dir)
        file = path / PROGRESS_FILE
        if not path.is_dir():
            raise InputError.single(str(path), "--resume", "no such run folder")
        if not file.is_file():
            why = (
                "this run is already complete (it has a manifest.json)"
                if (path / MANIFEST_FILE).is_file()
                else f"not a partial run folder (no {PROGRESS_FILE})"
            )
            raise InputError.single(str(path), "--resume", why)
        try:
            progress = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise InputError.single(str(file), "", f"cannot read: {exc}") from None
        needed = ("seed", "replications", "batch_size", "inputs", "created_utc", "stem")
        if not isinstance(progress, dict) or progress.get("format") != _PROGRESS_FORMAT:
            raise InputError.single(str(file), "format", f"expected {_PROGRESS_FORMAT!r}")
        for key in needed:
            if key not in progress:
                raise InputError.single(str(file), key, "required field is missing")
        return cls(path, progress)

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold the folder's lock (InputError if another process holds it; see
        :mod:`resilience_sim.experiments.run_lock`)."""
        return hold_run_lock(self.path)

    # -- the study it holds -----------------------------------------------------------

    @property
    def seed(self) -> int:
        """The study seed."""
        return int(self.progress["seed"])

    @property
    def replications(self) -> int:
        """Replications of the study."""
        return int(self.progress["replications"])

    @property
    def batch_size(self) -> int:
        """Replications per batch."""
        return int(self.progress["batch_size"])

    def scenario(self) -> Scenario:
        """The scenario as run, rebuilt from the folder's snapshots (the original files
        may have moved or changed since), checked against their recorded SHA-256."""
        check_snapshots(self.path, self.progress.get("snapshots"), self.path / PROGRESS_FILE)
        return scenario_from_snapshots(self.path, self.progress["inputs"])

    def add_session(self, execution: dict) -> None:
        """Record how a resumed session runs the replications (progress.json).

        Parameters
        ----------
        execution : dict
            The session's executor, workers and batch size.
        """
        first = self.progress.get("execution")
        if first is None:  # a folder started before execution was recorded
            self.progress["execution"] = {**execution, "batch_size": self.batch_size}
        else:
            sessions = first.setdefault("resumed", [])
            sessions.append({k: execution[k] for k in ("executor", "workers")})
        write_json_atomic(self.path / PROGRESS_FILE, self.progress)

    @property
    def execution(self) -> dict | None:
        """How the sessions ran the replications (None in folders from before)."""
        return self.progress.get("execution")

    # -- batches ----------------------------------------------------------------------

    def done_batches(self) -> set[int]:
        """Indices of the batches already written (complete batch folders)."""
        return {int(p.name) for p in (self.path / BATCHES_DIR).iterdir() if p.name.isdigit()}

    def clear_unfinished(self) -> None:
        """Remove batch folders a killed process left half-written."""
        for p in (self.path / BATCHES_DIR).iterdir():
            if not p.name.isdigit():
                shutil.rmtree(p, ignore_errors=True)

    def write_batch(self, index: int, tables: dict[str, pd.DataFrame]) -> None:
        """Write one finished batch's tables into ``batches/`` (atomically, one folder per batch).

        Parameters
        ----------
        index : int
            The batch index.
        tables : dict[str, pandas.DataFrame]
            Table name -> the batch's rows.
        """
        batches = self.path / BATCHES_DIR
        name = f"{index:06d}"
        tmp = temporary_sibling(batches / name)
        with cleaned_on_failure(tmp, batches / name):
            tmp.mkdir()
            for table in ALL_TABLES:
                tables[table].to_parquet(tmp / table_file(table), index=False)
            os.rename(tmp, batches / name)

    def batch_files(self, table: str) -> list[Path]:
        """The parquet files of ``table`` of every batch, in batch (so replication) order.

        Parameters
        ----------
        table : str
            A table name.

        Returns
        -------
        list[Path]
            Parquet files.
        """
        batches = self.path / BATCHES_DIR
        return [batches / f"{i:06d}" / table_file(table) for i in range(self.progress["n_batches"])]

    def read_summary(self) -> pd.DataFrame:
        """The study's summary table (one row per replication), stacked from the batches."""
        return pd.concat(
            [pd.read_parquet(f) for f in self.batch_files("summary")], ignore_index=True
        )

    def record(self, replications_done: int, wall_time_s: float) -> None:
        """Update the informative counters of progress.json (atomically).

        Parameters
        ----------
        replications_done : int
            Replications finished.
        wall_time_s : float
            Wall time so far, s.
        """
        self.progress["replications_done"] = replications_done
        self.progress["wall_time_s"] = round(wall_time_s, 3)
        write_json_atomic(self.path / PROGRESS_FILE, self.progress)

    # -- finishing --------------------------------------------------------------------

    def finished_folder(self) -> Path | None:
        """The run folder this study was already renamed into (killed while tidying up)."""
        final = self.progress.get("final")
        if final and (self.path.parent / final / MANIFEST_FILE).is_file():
            return self.path.parent / final
        return None

    def finish(self, result: SimulationResult) -> Path:
        """Write the finished run folder (docs/results.md layout) and remove this one.

        ``result`` holds the summary (:meth:`read_summary`); the other tables are
        streamed from the batch files, one batch at a time.

        Parameters
        ----------
        result : SimulationResult
            The whole study's results.

        Returns
        -------
        Path
            The finished run folder.
        """
        parent, stem = self.path.parent, self.progress["stem"]
        remove_abandoned_folders(parent, stem)  # a process killed while finishing
        final = free_name(parent, stem)
        self.progress["final"] = final.name
        write_json_atomic(self.path / PROGRESS_FILE, self.progress)
        created = parse_utc(self.progress["created_utc"])
        inputs = self.progress["inputs"]

        def write_table(table: str, file: Path) -> None:
            if table == "summary":
                result.summary.to_parquet(file, index=False)
            else:
                stack_parquet(self.batch_files(table), file)

        write_folder(
            parent,
            stem,
            lambda tmp: write_run_files(tmp, result, created, inputs, write_table),
            final,
        )
        self.remove()
        return final

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def stack_parquet(files: Sequence[Path], target: Path) -> None:
    """Write the tables of the parquet ``files`` one after the other into ``target``.

    Each file becomes one or more row groups of ``target`` (pyarrow cuts row groups at
    about a million rows), read and written one at a time, so memory holds one file's
    table, never the whole. The schema is :func:`unified_schema` of the files'; read
    back, ``target`` equals ``pandas.concat`` of the files read one by one.

    Parameters
    ----------
    files : Sequence[Path]
        Parquet files.
    target : Path
        The output file.
    """
    distinct: list[pa.Schema] = []  # batches of one study share one: keep it once
    for file in files:
        schema = pq.read_schema(file)
        if not any(schema.equals(s, check_metadata=True) for s in distinct):
            distinct.append(schema)
    schema = unified_schema(distinct)
    with pq.ParquetWriter(target, schema) as writer:
        for file in files:
            writer.write_table(conform_table(pq.read_table(file), schema))


def unified_schema(schemas: Sequence[pa.Schema]) -> pa.Schema:
    """One schema for tables written batch by batch (columns in order of first appearance).

    Batches of one study share their schema (``collect_tables`` fixes every dtype, even
    for a batch without events), and then it is kept with its pandas metadata. Batches
    written by another version could differ; per column:

    - a column with no values (arrow type ``null``: an all-``None`` object column)
      takes the type of the batches that have values;
    - categorical (dictionary) columns are written as their values;
    - ``string`` and ``large_string`` make ``large_string``; integers and floats make
      ``float64`` (as ``pandas.concat`` does);
    - anything else raises ValueError naming the column and its types.

    The pandas metadata is then rebuilt for the unified types.

    Parameters
    ----------
    schemas : Sequence[pyarrow.Schema]
        The batches' schemas.

    Returns
    -------
    pyarrow.Schema
        The schema.
    """
    if all(s.equals(schemas[0], check_metadata=True) for s in schemas[1:]):
        return schemas[0]
    types: dict[str, list[pa.DataType]] = {}
    for schema in schemas:
        for field in schema:
            types.setdefault(field.name, []).append(field.type)
    fields = [pa.field(name, _common_type(name, found)) for name, found in types.items()]
    plain = pa.schema(fields)
    metadata = pa.Schema.from_pandas(plain.empty_table().to_pandas(), preserve_index=False).metadata
    return plain.with_metadata(metadata)


def _common_type(name: str, found: list[pa.DataType]) -> pa.DataType:
    decoded = [t.value_type if pa.types.is_dictionary(t) else t for t in found]
    typed = [t for t in decoded if not pa.types.is_null(t)]
    if not typed:
        return pa.null()
    if all(t == typed[0] for t in typed):
        return typed[0]
    if all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in typed):
        return pa.large_string()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in typed):
        return pa.float64()
    raise ValueError(
        f"batch tables disagree on column {name!r}: types {', '.join(sorted(set(map(str, typed))))}"
    )


def conform_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns and types of ``schema`` (see :func:`unified_schema`).

    A column missing from an empty table is added (no values); missing from a table
    with rows, it is an error (pandas would fill it with NaN and change its dtype).

    Parameters
    ----------
    table : pyarrow.Table
        A batch's table.
    schema : pyarrow.Schema
        The unified schema.

    Returns
    -------
    pyarrow.Table
        The table in ``schema``.
    """
    if table.schema.equals(schema, check_metadata=True):
        return table
    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table[field.name]
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            if column.type != field.type:
                column = column.cast(field.type, safe=False)  # only widening casts here
        elif table.num_rows == 0:
            column = pa.nulls(0, field.type)
        else:
            raise ValueError(f"a batch table with rows has no column {field.name!r}")
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def write_tables_folder(
    results_dir: str | Path,
    name: str,
    tables: dict[str, pd.DataFrame],
    fields: dict,
    source: Path | None = None,
) -> Path:
    """A new folder ``<slug of name>-<UTC time>`` under ``results_dir`` (atomically) with
    every table (``.csv`` or ``.parquet`` by its file name) and ``manifest.json``: the
    given fields (``kind`` among them) plus ``source_file`` and its SHA-256, built by
    :func:`~resilience_sim.experiments.runfolder.build_manifest`. For the folders of
    ``annual-risk``, ``portfolio`` and ``sensitivity``.

    Parameters
    ----------
    results_dir : str or Path
        The folder the new results folder goes in.
    name : str
        The folder name's base.
    tables : dict[str, pandas.DataFrame]
        File name -> table.
    fields : dict
        Manifest fields.
    source : Path or None, default None
        The input file (None: none).

    Returns
    -------
    Path
        The new folder.
    """
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    created = utc_now()
    kind, fields = fields["kind"], {k: v for k, v in fields.items() if k != "kind"}

    def fill(folder: Path) -> None:
        for file, frame in tables.items():
            if file.endswith(".parquet"):
                frame.to_parquet(folder / file, index=False)
            else:
                frame.to_csv(folder / file, index=False)
        record = {
            **fields,
            "source_file": str(source) if source else None,
            "source_sha256": sha256_file(source) if source else None,
        }
        write_manifest(folder, build_manifest(kind, created, record, list(tables)))

    return write_folder(results_dir, run_stem(name, created), fill)
