"""Event sets: several hazard events with annual frequencies -> expected annual outage
and an exceedance curve.

Experiments layer (... -> engine -> metrics -> experiments -> reports -> cli). An event
set file lists scenario files, each one event, with how often it happens
(``annual_frequency`` per year, or ``return_period_years``). Each event is simulated as
its own study; with events occurring as independent Poisson processes:

* expected annual unserved user-hours ``EAU = sum_e f_e * mean_e``, with standard error
  ``sqrt(sum_e f_e^2 * s_e^2 / n_e)`` from the replications' sample variances;
* annual exceedance frequency of a per-event loss ``x``:
  ``lambda(x) = sum_e f_e * P_e(U >= x)``, estimated by the share of replications of
  event e with at least ``x``; the annual exceedance probability is
  ``1 - exp(-lambda(x))`` and the return period ``1 / lambda(x)``.

Event ``i`` of a set uses its scenario's own seed and replications, or, when the set is
run with ``seed``/``replications``, ``seed + i`` and that number.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.multi_study import simulate_summaries
from resilience_sim.experiments.runfolder import (
    build_manifest,
    run_stem,
    sha256_file,
    utc_now,
    write_folder,
    write_manifest,
)
from resilience_sim.experiments.study import study_arguments
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.scenario.common import Strict
from resilience_sim.scenario.inputs.resolve import resolve_input_files
from resilience_sim.scenario.loader import SCENARIO_UNION_TAGS, check_references
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.scenario.variants import BENEFIT_METRICS
from resilience_sim.validation import read_document, validate_document

EVENT_SET_FILES = ("events.csv", "exceedance.csv", "exceedance.parquet", "summary.parquet")


class EventSpec(Strict):
    """One event of a set: a scenario file and how often it happens."""

    scenario: str = Field(min_length=1, description="scenario file, relative to this file")
    annual_frequency: Annotated[float, Field(gt=0.0, le=1e6)] | None = Field(
        None, description="occurrences per year"
    )
    return_period_years: Annotated[float, Field(gt=0.0, le=1e9)] | None = Field(
        None, description="mean years between occurrences (1 / annual_frequency)"
    )
    hazards: list[dict[str, Any]] | None = Field(
        None, description="the event's hazards, replacing the scenario's own (catalogues)"
    )
    year: Annotated[int, Field(ge=0)] | None = Field(
        None, description="the simulated year the event falls in (catalogues, 0-based)"
    )
    seed: Annotated[int, Field(ge=0)] | None = Field(
        None, description="seed of this event's study (default the scenario's)"
    )
    source: str | None = Field(None, description="the catalogue source that generated it")

    @model_validator(mode="after")
    def _one_frequency(self) -> EventSpec:
        if (self.annual_frequency is None) == (self.return_period_years is None):
            raise ValueError(
                "annual_frequency: give exactly one of `annual_frequency` and `return_period_years`"
            )
        return self

    @property
    def frequency_per_year(self) -> float:
        """Annual frequency: ``annual_frequency``, else ``1 / return_period_years``."""
        if self.annual_frequency is not None:
            return self.annual_frequency
        return 1.0 / self.return_period_years


class EventSetSpec(Strict):
    """An event set file."""

    name: str = Field(min_length=1, max_length=200, description="event set name")
    description: str = Field("", description="free text")
    metric: Literal[BENEFIT_METRICS] = Field(  # type: ignore[valid-type]
        "unserved_user_h_international", description="the loss measured, user-hours"
    )
    events: list[EventSpec] = Field(min_length=1, description="the events")
    catalogue_years: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="years a stochastic catalogue simulates: every event then has a `year` "
        "below it, and years without events lose nothing (docs/decisions.md)",
    )
    catalogue: dict[str, Any] = Field(
        default_factory=dict, description="where a generated catalogue came from"
    )

    @model_validator(mode="after")
    def _years(self) -> EventSetSpec:
        if self.catalogue_years is None:
            return self
        for i, event in enumerate(self.events):
            if event.year is None or event.year >= self.catalogue_years:
                raise ValueError(
                    f"events: events[{i}].year must be given and below catalogue_years "
                    f"({self.catalogue_years})"
                )
            if abs(event.frequency_per_year * self.catalogue_years - 1.0) > 1e-9:
                raise ValueError(
                    f"events: events[{i}] of a catalogue happens once in its "
                    f"{self.catalogue_years} years: annual_frequency must be "
                    f"1 / {self.catalogue_years}"
                )
        return self


@dataclass(frozen=True)
class EventSet:
    """A validated event set: its spec and each event's loaded scenario."""

    spec: EventSetSpec
    scenarios: tuple[Scenario, ...]
    source: Path | None = None

    @property
    def frequencies(self) -> np.ndarray:
        """``(n_events,)`` annual frequency of each event."""
        return np.array([e.frequency_per_year for e in self.spec.events])


def load_event_set(path: str | Path) -> EventSet:
    """Read an event set file and every scenario it names (relative to the file).

    Parameters
    ----------
    path : str or Path
        The event set file.

    Returns
    -------
    EventSet
        The event set and its scenarios.
    """
    path = Path(path)
    spec = validate_document(EventSetSpec, read_document(path), str(path))
    return event_set_from_spec(spec, path.parent, str(path), path.resolve())


def event_set_from_spec(
    spec: EventSetSpec, folder: Path, file: str, source: Path | None = None
) -> EventSet:
    """Load every scenario a validated event set names (relative to ``folder``); problems
    are reported against ``file``.

    Parameters
    ----------
    spec : EventSetSpec
        The validated event set.
    folder : Path
        Scenario paths are relative to it.
    file : str
        The file named in errors (``FILE: field: message``).
    source : Path or None, default None
        The event set file (None: built in code).

    Returns
    -------
    EventSet
        The event set.
    """
    scenarios, problems, bases = [], [], {}
    for i, event in enumerate(spec.events):
        scenario_path = (folder / event.scenario).resolve()
        if not scenario_path.is_file():
            problems.append(
                InputProblem(
                    file,
                    f"events[{i}].scenario",
                    f"scenario file {event.scenario!r} does not exist (looked for {scenario_path})",
                )
            )
            continue
        if scenario_path not in bases:
            bases[scenario_path] = load_scenario(scenario_path)
        base = bases[scenario_path]
        if event.hazards is None and event.seed is None:
            scenarios.append(base)
            continue
        try:
            scenarios.append(event_scenario(base, event, file, f"events[{i}]"))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return EventSet(spec=spec, scenarios=tuple(scenarios), source=source)


def event_scenario(base: Scenario, event: EventSpec, file: str, where: str) -> Scenario:
    """``base`` with the event's hazards (and seed) in place of its own; problems are
    named ``<where>.hazards[...]`` in ``file``.

    Parameters
    ----------
    base : Scenario
        The event's scenario file.
    event : EventSpec
        The event.
    file : str
        The file named in errors (``FILE: field: message``).
    where : str
        The event's field in errors.

    Returns
    -------
    Scenario
        The event's scenario.
    """
    document = base.spec.model_dump(mode="json", exclude_unset=True)
    if event.hazards is not None:
        document["hazards"] = event.hazards
    if event.seed is not None:
        document["seed"] = event.seed
    try:
        spec = validate_document(ScenarioSpec, document, file, skip=SCENARIO_UNION_TAGS)
        spec = resolve_input_files(spec, (base.source or Path("x")).parent, file)
        check_references(spec, base.topology, file)
    except InputError as exc:
        raise InputError(
            [InputProblem(file, f"{where}.{p.field}".rstrip("."), p.message) for p in exc.problems]
        ) from None
    return dataclasses.replace(base, spec=spec)


@dataclass
class EventSetResult:
    """Per-event statistics, the exceedance curve and every replication's summary.

    ``events``: one row per event (frequency, mean, p5, p95, standard error, share of
    EAU); ``exceedance``: loss levels with their annual exceedance frequency, probability
    and return period; ``summary``: per replication, with an ``event`` column.
    """

    event_set: EventSet
    metric: str
    expected_annual_user_h: float
    expected_annual_user_h_se: float
    events: pd.DataFrame
    exceedance: pd.DataFrame
    summary: pd.DataFrame
    wall_time_s: float


def run_event_set(
    event_set: EventSet,
    replications: int | None = None,
    seed: int | None = None,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> EventSetResult:
    """Simulate every event and combine them by frequency (see the module docstring).

    Parameters
    ----------
    event_set : EventSet
        The event set.
    replications : int or None, default None
        Replications per event (None: the event set's).
    seed : int or None, default None
        The seed (None: the event set's).
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).

    Returns
    -------
    EventSetResult
        The per-event losses and the combined figures.
    """
    started = time.perf_counter()
    metric = event_set.spec.metric
    scenarios = event_set.scenarios
    for scenario in scenarios:
        study_arguments(scenario, replications, seed)
    tables = simulate_summaries(
        scenarios,
        [s.spec.seed if seed is None else seed + i for i, s in enumerate(scenarios)],
        [s.spec.replications if replications is None else replications for s in scenarios],
        executor=executor,
        batch_size=batch_size,
        progress=progress,
    )
    losses = [t[metric].to_numpy(dtype=float) for t in tables]
    summaries = [
        t.assign(event=i, scenario=s.name)
        for i, (t, s) in enumerate(zip(tables, scenarios, strict=True))
    ]
    frequencies = event_set.frequencies
    eau, se = expected_annual_loss(losses, frequencies)
    events = event_table(event_set, losses, eau)
    summary = pd.concat(summaries, ignore_index=True)
    summary = summary[["event", "scenario", *summary.columns[:-2]]]
    return EventSetResult(
        event_set=event_set,
        metric=metric,
        expected_annual_user_h=eau,
        expected_annual_user_h_se=se,
        events=events,
        exceedance=exceedance_curve(losses, frequencies),
        summary=summary,
        wall_time_s=time.perf_counter() - started,
    )


def expected_annual_loss(losses: list[np.ndarray], frequencies: np.ndarray) -> tuple[float, float]:
    """``(EAU, standard error)``: ``sum f_e mean_e`` and ``sqrt(sum f_e^2 s_e^2 / n_e)``.

    Parameters
    ----------
    losses : list[numpy.ndarray]
        Per event, its replications' losses.
    frequencies : numpy.ndarray
        ``(n_events,)`` annual frequencies.

    Returns
    -------
    tuple[float, float]
        ``(EAU, standard error)``.

    Examples
    --------
    >>> expected_annual_loss([np.array([10.0, 30.0]), np.array([4.0])], np.array([0.1, 1.0]))
    (6.0, 1.0)
    """
    eau = sum(f * float(np.mean(x)) for f, x in zip(frequencies, losses, strict=True))
    var = sum(
        f**2 * (float(np.var(x, ddof=1)) / len(x) if len(x) > 1 else 0.0)
        for f, x in zip(frequencies, losses, strict=True)
    )
    return float(eau), float(np.sqrt(var))


def exceedance_curve(losses: list[np.ndarray], frequencies: np.ndarray) -> pd.DataFrame:
    """Annual exceedance frequency, probability and return period at every loss level seen.

    One row per distinct positive loss ``x`` (largest first):
    ``annual_frequency = sum_e f_e * share of event e's replications with loss >= x``.

    Parameters
    ----------
    losses : list[numpy.ndarray]
        Per event, its replications' losses.
    frequencies : numpy.ndarray
        ``(n_events,)`` annual frequencies.

    Returns
    -------
    pandas.DataFrame
        The curve.

    Examples
    --------
    >>> exceedance_curve([np.array([0.0, 100.0])], np.array([0.2])).annual_frequency.tolist()
    [0.1]
    """
    levels = np.unique(np.concatenate(losses))
    levels = levels[levels > 0][::-1]
    rate = np.zeros(len(levels))
    for f, x in zip(frequencies, losses, strict=True):
        x = np.sort(x)
        at_least = len(x) - np.searchsorted(x, levels, side="left")
        rate += f * at_least / len(x)
    with np.errstate(divide="ignore"):
        period = np.where(rate > 0, 1.0 / np.where(rate > 0, rate, 1.0), np.inf)
    return pd.DataFrame(
        {
            "unserved_user_h": levels,
            "annual_frequency": rate,
            "annual_probability": 1.0 - np.exp(-rate),
            "return_period_years": period,
        }
    )


def event_table(event_set: EventSet, losses: list[np.ndarray], eau: float) -> pd.DataFrame:
    """One row per event: frequency, replications, mean, p5, p95, standard error, and its
    contribution to the expected annual loss (and, for a catalogue, its year and source).

    Parameters
    ----------
    event_set : EventSet
        The event set.
    losses : list[numpy.ndarray]
        Per event, its replications' losses.
    eau : float
        The expected annual loss.

    Returns
    -------
    pandas.DataFrame
        The table.
    """
    rows = []
    for i, (event, scenario, x) in enumerate(
        zip(event_set.spec.events, event_set.scenarios, losses, strict=True)
    ):
        f = event.frequency_per_year
        mean = float(np.mean(x))
        rows.append(
            {
                "event": i,
                "scenario": scenario.name,
                "scenario_file": event.scenario,
                "annual_frequency": f,
                "return_period_years": 1.0 / f,
                "replications": len(x),
                "mean_user_h": mean,
                "p5_user_h": float(np.percentile(x, 5)),
                "p95_user_h": float(np.percentile(x, 95)),
                "se_user_h": float(np.std(x, ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0,
                "annual_user_h": f * mean,
                "share_of_expected": f * mean / eau if eau > 0 else float("nan"),
            }
            | (  # a catalogue's events: which year and source (plain sets keep their columns)
                {"year": event.year, "source": event.source}
                if event_set.spec.catalogue_years is not None
                else {}
            )
        )
    return pd.DataFrame(rows)


def write_event_set(result: EventSetResult, results_dir: str | Path) -> Path:
    """Write the event set's tables and ``manifest.json`` to a new folder (atomically).

    Parameters
    ----------
    result : EventSetResult
        The simulated event set.
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
    event_set = result.event_set

    def fill(folder: Path) -> None:
        result.events.to_csv(folder / "events.csv", index=False)
        result.exceedance.to_csv(folder / "exceedance.csv", index=False)
        result.exceedance.to_parquet(folder / "exceedance.parquet", index=False)
        result.summary.to_parquet(folder / "summary.parquet", index=False)
        fields = {
            "event_set": event_set.spec.name,
            "event_set_file": str(event_set.source) if event_set.source else None,
            "event_set_sha256": sha256_file(event_set.source) if event_set.source else None,
            "scenario_files": [str(s.source) if s.source else None for s in event_set.scenarios],
            "metric": result.metric,
            "expected_annual_user_h": result.expected_annual_user_h,
            "expected_annual_user_h_se": result.expected_annual_user_h_se,
            "wall_time_s": round(result.wall_time_s, 3),
        }
        write_manifest(folder, build_manifest("event_set", created, fields, EVENT_SET_FILES))

    return write_folder(results_dir, run_stem(f"{event_set.spec.name} events", created), fill)
