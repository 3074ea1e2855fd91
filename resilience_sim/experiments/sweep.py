"""Parameter sweeps: one study per setting of scenario fields (experiments layer).

A sweep takes the scenario document, sets one or more fields addressed by a path
(``hazards.0.at_h``, ``recovery.crews.0.count``: dict keys and list indices) to each
combination of the given values (a full grid, first parameter slowest), re-validates
the scenario for every setting, and runs the same replications for all of them:
replication ``k`` uses seed child ``k`` in every setting (common random numbers), so
differences between settings are not sampling noise in the hazards drawn. Results are
one tidy row per setting x replication, and a summary per setting x metric.

Value syntax (the CLI's ``--param PATH=VALUES``, or a string in the Python API):
``a:b:n`` is ``n`` evenly spaced values from ``a`` to ``b`` inclusive (integers when
``a`` and ``b`` are integers and every value is whole); ``v1,v2,...`` a list; ``[...]``
a YAML flow list (for values containing commas or colons); anything else one value.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.multi_study import simulate_summaries
from resilience_sim.experiments.runfolder import (
    build_manifest,
    input_record,
    run_stem,
    utc_now,
    write_folder,
    write_manifest,
)
from resilience_sim.experiments.study import (
    check_batch_size,
    study_arguments,
)
from resilience_sim.metrics import aggregate_summary
from resilience_sim.scenario import Scenario, load_scenario

PARAM = "--param"  # how problems with a sweep parameter are reported (file column)
_FIXED_FIELDS = {
    "seed": "the seed is the study's (--seed): every setting uses the same replication seeds",
    "replications": "the number of replications is the study's (--replications)",
    "topology": "a sweep runs on one topology; compare topologies as variants",
}
SWEEP_FILES = ("sweep.parquet", "sweep.csv", "sweep_summary.csv", "manifest.json")


@dataclass
class SweepResult:
    """Results of a sweep (see docs/experiments.md).

    ``settings``: one row per setting (``setting`` and one column per parameter path);
    ``table``: one row per setting x replication (settings columns, ``replication`` and
    the summary metrics of docs/metrics.md); ``summary``: one row per setting x metric
    (settings columns, ``metric``, ``mean``, ``p5``, ``p50``, ``p95``, ``n_nan``).
    """

    scenario: Scenario
    params: dict[str, list[Any]]
    seed: int
    replications: int
    settings: pd.DataFrame
    table: pd.DataFrame
    summary: pd.DataFrame
    wall_time_s: float


def parse_param(text: str) -> tuple[str, list[Any]]:
    """``PATH=VALUES`` (the CLI's ``--param``) as the path and its list of values.

    Parameters
    ----------
    text : str
        ``path=values``.

    Returns
    -------
    tuple[str, list[Any]]
        ``(path, values)``.
    """
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise InputError.single(PARAM, text, "expected PATH=VALUES, e.g. hazards.0.at_h=0:48:5")
    return path, parse_values(values, path)


def parse_values(text: str, path: str) -> list[Any]:
    """The values of one parameter from the sweep syntax (module docstring).

    Parameters
    ----------
    text : str
        The values' text.
    path : str
        The parameter (named in errors).

    Returns
    -------
    list[Any]
        The values.
    """
    text = text.strip()
    if not text:
        raise InputError.single(PARAM, path, "no values given")
    if text.startswith("["):
        try:
            values = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError.single(PARAM, path, f"invalid YAML list: {exc}") from None
        if not isinstance(values, list) or not values:
            raise InputError.single(PARAM, path, "expected a non-empty list [v1, v2, ...]")
        return values
    if "," in text:
        items = [item.strip() for item in text.split(",")]
        if not all(items):
            raise InputError.single(PARAM, path, f"empty value in list {text!r}")
        return [_scalar(item) for item in items]
    parts = text.split(":")
    if len(parts) == 3:
        return _evenly_spaced(parts, path)
    return [_scalar(text)]


def _evenly_spaced(parts: list[str], path: str) -> list[Any]:
    """``a:b:n``: ``n`` values from ``a`` to ``b`` inclusive."""
    try:
        a, b = float(parts[0]), float(parts[1])
        n = int(parts[2])
    except ValueError:
        raise InputError.single(
            PARAM, path, f"expected a:b:n with numbers a, b and a whole n, got {':'.join(parts)!r}"
        ) from None
    if not (np.isfinite(a) and np.isfinite(b)):
        raise InputError.single(PARAM, path, "a and b of a:b:n must be finite")
    if n < 1 or (n == 1 and a != b):
        raise InputError.single(PARAM, path, f"n of a:b:n must be at least 2 (got {n})")
    values = np.linspace(a, b, n)
    if _is_int(parts[0]) and _is_int(parts[1]) and np.all(values == np.round(values)):
        return [int(v) for v in values]
    return [float(v) for v in values]


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _scalar(text: str) -> Any:
    """A number if it reads as one, else YAML (true, null, a string, ...)."""
    for kind in (int, float):
        with contextlib.suppress(ValueError):
            return kind(text)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as plain Python values (for YAML-like documents, JSON)."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    return value


def normalise_params(params: Mapping[str, Sequence[Any] | str]) -> dict[str, list[Any]]:
    """Parameter paths and their value lists, strings parsed with the sweep syntax.

    Parameters
    ----------
    params : Mapping[str, Sequence[Any] or str]
        Path -> values (a list or sweep text).

    Returns
    -------
    dict[str, list[Any]]
        Path -> values.
    """
    if not isinstance(params, Mapping) or not params:
        raise InputError.single(PARAM, "", "give at least one parameter to sweep")
    out: dict[str, list[Any]] = {}
    for path, values in params.items():
        path = str(path).strip()
        first = path.split(".")[0]
        if first in _FIXED_FIELDS:
            raise InputError.single(PARAM, path, _FIXED_FIELDS[first])
        if isinstance(values, str):
            values = parse_values(values, path)
        elif isinstance(values, Sequence | np.ndarray):
            values = [_plain(v) for v in values]
        else:
            values = [_plain(values)]
        if not values:
            raise InputError.single(PARAM, path, "no values given")
        out[path] = values
    return out


def set_path(document: Any, path: str, value: Any) -> None:
    """Set the field at ``path`` (dot-separated keys and list indices) in ``document``.

    A missing dict key is created (the scenario schema then says whether it exists).

    Parameters
    ----------
    document : Any
        The scenario document.
    path : str
        Dot-separated keys and indices.
    value : Any
        The new value.
    """
    keys = path.split(".")
    if not all(keys):
        raise InputError.single(PARAM, path, "empty segment in the path")
    node = document
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        where = ".".join(keys[:depth]) or "the scenario"
        if isinstance(node, list):
            if not key.lstrip("-").isdigit():
                raise InputError.single(PARAM, path, f"{where} is a list: {key!r} is not an index")
            index = int(key)
            if not 0 <= index < len(node):
                raise InputError.single(
                    PARAM, path, f"index {index} out of range ({where} has {len(node)} items)"
                )
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            raise InputError.single(PARAM, path, f"{where} is {node!r}, not a mapping or list")


def _setting_scenario(base: Scenario, document: dict, setting: dict[str, Any]) -> Scenario:
    """The scenario of one setting: the base document with ``setting`` applied, validated."""
    document = copy.deepcopy(document)
    for path, value in setting.items():
        set_path(document, path, value)
    try:
        scenario = Scenario.from_dict(document, base.topology, file=PARAM)
    except InputError as exc:
        raise InputError([_param_problem(problem, setting) for problem in exc.problems]) from None
    return Scenario(
        spec=scenario.spec,
        topology=base.topology,
        source=base.source,
        topology_source=base.topology_source,
    )


def _param_problem(problem: InputProblem, setting: dict[str, Any]) -> InputProblem:
    """Name the parameter a validation problem is about (or the whole setting)."""
    for path, value in setting.items():
        field = "".join(f"[{k}]" if k.isdigit() else f".{k}" for k in path.split(".")).lstrip(".")
        if problem.field == field or problem.field.startswith((f"{field}.", f"{field}[")):
            return InputProblem(PARAM, path, f"value {value!r}: {problem.message}")
    where = ", ".join(f"{p}={v!r}" for p, v in setting.items())
    return InputProblem(PARAM, where, f"{problem.field or '<document>'}: {problem.message}")


def _column(value: Any) -> Any:
    """A parameter value as a table cell (JSON text for lists and mappings)."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def sweep(
    scenario: Scenario | str | Path,
    params: Mapping[str, Sequence[Any] | str],
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
) -> SweepResult:
    """Run ``scenario`` at every combination of ``params`` values; see the module docstring.

    ``params`` maps a path in the scenario document to a list of values or a string in
    the sweep syntax: ``{"hazards.0.at_h": "0:48:5", "recovery.crews.0.count": [1, 2, 4]}``.
    ``replications``, ``seed``, ``executor``, ``batch_size`` as for ``simulate``;
    ``progress`` gets the number of replications finished over all settings. A bad path
    or value raises InputError reported as ``--param: PATH: message``.

    Parameters
    ----------
    scenario : Scenario or str or Path
        A scenario, or its file.
    params : Mapping[str, Sequence[Any] or str]
        Path -> values (a list or sweep text).
    replications : int or None, default None
        Replications to run (None: the scenario's).
    seed : int or None, default None
        The study seed (None: the scenario's).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).

    Returns
    -------
    SweepResult
        The summary of every setting.
    """
    base = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    n, seed = study_arguments(base, replications, seed)
    check_batch_size(batch_size)
    grid = normalise_params(params)
    started = time.perf_counter()
    document = base.spec.model_dump(mode="json", exclude_unset=True)
    settings = [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
    scenarios = [_setting_scenario(base, document, setting) for setting in settings]
    parts = simulate_summaries(
        scenarios,
        [seed] * len(scenarios),
        [n] * len(scenarios),
        executor=executor,
        batch_size=batch_size,
        progress=progress,
    )
    settings_table = pd.DataFrame(
        [
            {"setting": s, **{p: _column(v) for p, v in setting.items()}}
            for s, setting in enumerate(settings)
        ]
    )
    tables, summaries = [], []
    for s, rows in enumerate(parts):
        tables.append(_with_setting(rows, settings_table, s))
        stats = aggregate_summary(rows).reset_index()
        summaries.append(_with_setting(stats, settings_table, s))
    return SweepResult(
        scenario=base,
        params=grid,
        seed=seed,
        replications=n,
        settings=settings_table,
        table=pd.concat(tables, ignore_index=True),
        summary=pd.concat(summaries, ignore_index=True),
        wall_time_s=time.perf_counter() - started,
    )


def _with_setting(frame: pd.DataFrame, settings: pd.DataFrame, s: int) -> pd.DataFrame:
    """``frame`` with the settings columns of setting ``s`` in front."""
    front = {c: np.repeat(settings[c].to_numpy()[s : s + 1], len(frame)) for c in settings}
    return pd.concat([pd.DataFrame(front), frame.reset_index(drop=True)], axis=1)


def write_sweep(result: SweepResult, results_dir: str | Path) -> Path:
    """Write a sweep to a new run folder ``<results>/<slug>-sweep-<UTC timestamp>/``.

    Parameters
    ----------
    result : SweepResult
        The sweep's results.
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
    stem = run_stem(f"{result.scenario.name} sweep", created)

    def fill(folder: Path) -> None:
        result.table.to_parquet(folder / "sweep.parquet", index=False)
        result.table.to_csv(folder / "sweep.csv", index=False)
        result.summary.to_csv(folder / "sweep_summary.csv", index=False)
        fields = {
            **input_record(result.scenario),
            "seed": result.seed,
            "replications": result.replications,
            "params": result.params,
            "n_settings": len(result.settings),
            "wall_time_s": round(result.wall_time_s, 3),
        }
        write_manifest(folder, build_manifest("sweep", created, fields, SWEEP_FILES))

    return write_folder(results_dir, stem, fill)
