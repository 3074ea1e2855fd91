"""Annual risk of a stochastic catalogue: expected annual loss, return-period losses and
the exceedance curve, with Monte Carlo confidence intervals.

Experiments layer. A catalogue event set (``catalogue_years = Y``, each event with its
``year``) is simulated with ``R`` replications per event (the events' own seeds). The
**year-loss table** holds, for simulated year ``y`` and replication ``r``,

* the aggregate loss ``A[y, r] = sum of event losses in year y`` (replication r of each), and
* the largest single event ``O[y, r]`` (0 in a year without events),

giving ``N = Y R`` simulated years (years without events lose nothing). Then

* **expected annual loss** ``EAU = mean(A)``;
* the **T-year loss** is the ``1 - 1/T`` quantile of the annual loss, the loss exceeded
  with probability at most ``1 / T`` a year; of a sample of ``N`` annual losses it is
  the ``k``-th largest with ``k = floor(N / T)``, and NaN when ``N < T`` (the catalogue
  is too short to say);
* the **exceedance curve**: the T-year loss at every return period of a grid from 1 to
  ``N`` years (aggregate: AEP; largest event: OEP).

**Confidence intervals** come from a bootstrap over simulated years: ``B`` resamples of
the ``Y`` years with replacement (each year keeps its ``R`` replications, so events
that share a year stay together), each giving EAU, the T-year losses and the curve; the
interval is the (1 - c)/2 and (1 + c)/2 percentiles. EAU also has the analytic interval
``mean ± z sd(year means) / sqrt(Y)``. Both measure Monte Carlo error of the
catalogue's length, not the uncertainty of the catalogue's own rates.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from resilience_sim.errors import InputError
from resilience_sim.experiments.event_set import EventSet, EventSetResult, run_event_set
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.results import write_tables_folder
from resilience_sim.rng import named_rngs

RETURN_PERIODS_YEARS = (10, 50, 100, 250)
DEFAULT_BOOTSTRAP = 1000  # resamples (assumed: enough for 90 % percentile intervals)
DEFAULT_CONFIDENCE = 0.9
ANNUAL_RISK_FILES = (
    "return_periods.csv",
    "exceedance_curve.csv",
    "year_losses.parquet",
    "events.csv",
    "summary.parquet",
)


def year_loss_table(
    event_losses: np.ndarray, event_years: np.ndarray, n_years: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(A, O)``, each ``(n_years, R)``: aggregate and largest event loss per year and
    replication, from ``event_losses`` ``(n_events, R)`` and each event's year.

    Parameters
    ----------
    event_losses : numpy.ndarray
        ``(n_events, R)`` loss of each event in each replication.
    event_years : numpy.ndarray
        ``(n_events,)`` year of each event, 0..n_years-1.
    n_years : int
        Simulated years.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(A, O)``, each ``(n_years, R)``.

    Examples
    --------
    >>> a, o = year_loss_table(np.array([[1.0], [2.0], [5.0]]), np.array([0, 0, 2]), 3)
    >>> a.ravel().tolist(), o.ravel().tolist()
    ([3.0, 0.0, 5.0], [2.0, 0.0, 5.0])
    """
    n_reps = event_losses.shape[1] if event_losses.ndim == 2 else 1
    aggregate = np.zeros((n_years, n_reps))
    largest = np.zeros((n_years, n_reps))
    np.add.at(aggregate, event_years, event_losses)
    np.maximum.at(largest, event_years, event_losses)
    return aggregate, largest


def return_period_loss(losses: np.ndarray, return_period_years: float | np.ndarray) -> np.ndarray:
    """The T-year loss of annual ``losses`` (last axis): the ``floor(N / T)``-th largest,
    NaN where ``N < T``.

    Parameters
    ----------
    losses : numpy.ndarray
        Annual losses, years on the last axis.
    return_period_years : float or numpy.ndarray
        Return period(s), years.

    Returns
    -------
    numpy.ndarray
        The T-year losses.

    Examples
    --------
    >>> return_period_loss(np.array([0.0, 10.0, 20.0, 30.0]), np.array([1, 2, 3, 4, 5])).tolist()
    [0.0, 20.0, 30.0, 30.0, nan]
    """
    x = -np.sort(-np.asarray(losses, dtype=float), axis=-1)  # largest first
    n = x.shape[-1]
    k = np.floor(n / np.asarray(return_period_years, dtype=float)).astype(int)
    safe = np.clip(k - 1, 0, n - 1)
    values = np.take(x, safe, axis=-1)
    return np.where(k >= 1, values, np.nan)


def curve_grid(n_samples: int, points: int = 60) -> np.ndarray:
    """Return periods for the curve: log-spaced from 1 to ``n_samples`` years, rounded to
    distinct values of ``n / k``, so each is a point of the empirical curve.

    Parameters
    ----------
    n_samples : int
        Annual samples (years x replications).
    points : int, default 60
        Most grid points.

    Returns
    -------
    numpy.ndarray
        Return periods, years.
    """
    k = np.unique(np.round(np.geomspace(1, n_samples, points)).astype(int))
    return np.unique(n_samples / k)


@dataclass
class AnnualRisk:
    """Expected annual loss, T-year losses and exceedance curves with their intervals.

    ``return_periods``: per T in ``RETURN_PERIODS_YEARS``, aggregate and occurrence
    losses with ``_low``/``_high``; ``curve``: per return period of the grid, the same.
    Money columns (``_usd``) appear when a value per user-hour is known.
    """

    metric: str
    n_years: int
    replications: int
    confidence: float
    n_bootstrap: int
    expected_annual_user_h: float
    expected_annual_user_h_se: float
    expected_annual_user_h_low: float
    expected_annual_user_h_high: float
    expected_annual_user_h_boot_low: float
    expected_annual_user_h_boot_high: float
    value_per_user_h_usd: float | None
    return_periods: pd.DataFrame
    curve: pd.DataFrame
    year_losses: pd.DataFrame

    def as_dict(self) -> dict:
        fields = {k: v for k, v in self.__dict__.items() if not isinstance(v, pd.DataFrame)}
        if self.value_per_user_h_usd is not None:
            v = self.value_per_user_h_usd
            for key in ("", "_low", "_high"):
                fields[f"expected_annual_loss_usd{key}"] = (
                    v * fields[f"expected_annual_user_h{key}"]
                )
        return fields


def annual_risk(
    aggregate: np.ndarray,
    largest: np.ndarray,
    *,
    metric: str = "unserved_user_h_international",
    confidence: float = DEFAULT_CONFIDENCE,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    value_per_user_h_usd: float | None = None,
) -> AnnualRisk:
    """Annual risk from a year-loss table ``(n_years, R)`` (see the module docstring).

    Parameters
    ----------
    aggregate : numpy.ndarray
        ``(n_years, R)`` aggregate annual losses.
    largest : numpy.ndarray
        ``(n_years, R)`` largest event loss of each year.
    metric : str, optional
        The loss metric (a summary column).
    confidence : float, default DEFAULT_CONFIDENCE
        Confidence level of the intervals, 0..1.
    n_bootstrap : int, default DEFAULT_BOOTSTRAP
        Bootstrap resamples.
    seed : int, default 0
        Seed of the bootstrap.
    value_per_user_h_usd : float or None, default None
        USD per user-hour, to add money columns (None: none).

    Returns
    -------
    AnnualRisk
        The annual risk figures and curves.
    """
    n_years, n_reps = aggregate.shape
    if not 0.0 < confidence < 1.0:
        raise InputError.single("<api>", "confidence", f"must be in (0, 1), got {confidence!r}")
    rng = named_rngs(seed, ("bootstrap",))["bootstrap"]
    picks = rng.integers(0, n_years, size=(n_bootstrap, n_years))
    boot_a = aggregate[picks].reshape(n_bootstrap, -1)
    boot_o = largest[picks].reshape(n_bootstrap, -1)
    q = [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0]
    year_means = aggregate.mean(axis=1)
    eau = float(aggregate.mean())
    se = float(year_means.std(ddof=1) / math.sqrt(n_years)) if n_years > 1 else float("nan")
    z = float(norm.ppf(q[1]))
    boot_eau = boot_a.mean(axis=1)
    periods = np.asarray(RETURN_PERIODS_YEARS, dtype=float)
    grid = curve_grid(aggregate.size)

    def with_bands(name: str, sample: np.ndarray, boot: np.ndarray, t: np.ndarray) -> dict:
        point = return_period_loss(sample.ravel(), t)
        with warnings.catch_warnings():  # all-NaN columns: return periods beyond N
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanquantile(return_period_loss(boot, t), q, axis=0)
        return {name: point, f"{name}_low": low, f"{name}_high": high}

    def table(t: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "return_period_years": t,
                "exceedance_probability": 1.0 / t,
                **with_bands("aggregate_user_h", aggregate, boot_a, t),
                **with_bands("occurrence_user_h", largest, boot_o, t),
            }
        )
        if value_per_user_h_usd is not None:
            for col in [c for c in frame.columns if c.endswith(("_user_h", "_low", "_high"))]:
                frame[col.replace("user_h", "usd")] = frame[col] * value_per_user_h_usd
        return frame

    years = np.repeat(np.arange(n_years), n_reps)
    year_losses = pd.DataFrame(
        {
            "year": years,
            "replication": np.tile(np.arange(n_reps), n_years),
            "aggregate_user_h": aggregate.ravel(),
            "occurrence_user_h": largest.ravel(),
        }
    )
    boot_low, boot_high = np.quantile(boot_eau, q)
    return AnnualRisk(
        metric=metric,
        n_years=n_years,
        replications=n_reps,
        confidence=confidence,
        n_bootstrap=n_bootstrap,
        expected_annual_user_h=eau,
        expected_annual_user_h_se=se,
        expected_annual_user_h_low=eau - z * se,
        expected_annual_user_h_high=eau + z * se,
        expected_annual_user_h_boot_low=float(boot_low),
        expected_annual_user_h_boot_high=float(boot_high),
        value_per_user_h_usd=value_per_user_h_usd,
        return_periods=table(periods),
        curve=table(grid),
        year_losses=year_losses,
    )


def event_loss_matrix(result: EventSetResult) -> np.ndarray:
    """``(n_events, R)`` losses of the metric, replication order kept per event.

    Parameters
    ----------
    result : EventSetResult
        The simulated event set.

    Returns
    -------
    numpy.ndarray
        ``(n_events, R)`` losses.
    """
    summary = result.summary
    n_events = len(result.event_set.scenarios)
    per_event = [
        summary.loc[summary.event == i, result.metric].to_numpy(dtype=float)
        for i in range(n_events)
    ]
    sizes = {len(x) for x in per_event}
    if len(sizes) != 1:
        raise InputError.single(
            str(result.event_set.source or "<event set>"),
            "events",
            "every event needs the same number of replications for a year-loss table "
            "(give --replications)",
        )
    return np.vstack(per_event)


def check_catalogue(event_set: EventSet) -> int:
    """The catalogue's number of years; InputError for an event set without one.

    Parameters
    ----------
    event_set : EventSet
        The event set.

    Returns
    -------
    int
        The years.
    """
    years = event_set.spec.catalogue_years
    if years is None:
        raise InputError.single(
            str(event_set.source or "<event set>"),
            "catalogue_years",
            "annual risk needs a stochastic catalogue (events with a `year`); "
            "generate one with `resilience-sim catalogue`",
        )
    return years


@dataclass
class AnnualRiskResult:
    """An event set's simulation and its annual risk."""

    event_set_result: EventSetResult
    risk: AnnualRisk
    wall_time_s: float


def run_annual_risk(
    event_set: EventSet,
    replications: int | None = None,
    seed: int | None = None,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> AnnualRiskResult:
    """Simulate a catalogue event set and compute its annual risk.

    Parameters
    ----------
    event_set : EventSet
        The event set.
    replications : int or None, default None
        Replications per event (None: the event set's).
    seed : int or None, default None
        The seed (None: the event set's).
    confidence : float, default DEFAULT_CONFIDENCE
        Confidence level of the intervals, 0..1.
    n_bootstrap : int, default DEFAULT_BOOTSTRAP
        Bootstrap resamples.
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).

    Returns
    -------
    AnnualRiskResult
        The annual risk and the event set's results.
    """
    started = time.perf_counter()
    n_years = check_catalogue(event_set)
    result = run_event_set(
        event_set, replications, seed, executor=executor, batch_size=batch_size, progress=progress
    )
    years = np.array([e.year for e in event_set.spec.events])
    aggregate, largest = year_loss_table(event_loss_matrix(result), years, n_years)
    economics = event_set.scenarios[0].spec.economics
    risk = annual_risk(
        aggregate,
        largest,
        metric=result.metric,
        confidence=confidence,
        n_bootstrap=n_bootstrap,
        seed=event_set.spec.catalogue.get("seed", 0) if seed is None else seed,
        value_per_user_h_usd=economics.value_per_user_h_usd,
    )
    return AnnualRiskResult(result, risk, time.perf_counter() - started)


def write_annual_risk(result: AnnualRiskResult, results_dir: str | Path) -> Path:
    """Write the annual-risk tables and ``manifest.json`` (kind ``annual_risk``) to a new
    folder (atomically); the report is drawn from it.

    Parameters
    ----------
    result : AnnualRiskResult
        The annual risk.
    results_dir : str or Path
        The folder the new results folder goes in.

    Returns
    -------
    Path
        The new folder.
    """
    event_set = result.event_set_result.event_set
    risk = result.risk
    tables = dict(
        zip(
            ANNUAL_RISK_FILES,
            (
                risk.return_periods,
                risk.curve,
                risk.year_losses,
                result.event_set_result.events,
                result.event_set_result.summary,
            ),
            strict=True,
        )
    )
    manifest = {
        "kind": "annual_risk",
        "event_set": event_set.spec.name,
        "catalogue": event_set.spec.catalogue,
        **risk.as_dict(),
        "wall_time_s": round(result.wall_time_s, 3),
    }
    name = f"{event_set.spec.name} risk"
    return write_tables_folder(results_dir, name, tables, manifest, event_set.source)
