"""Metrics: plain functions of the served-population timeline of one replication.

All served fractions are relative to the undamaged network (the users it serves
are 100 %), so a network that leaves some users unreachable by design does not
count that as outage. Integrals treat the timeline as a step function: a row's
value holds from its time until the next row (or the horizon).

Every metric is taken over the window ``[0, until_h]``: ``until_h`` is the metric
cut-off, hours, and a study passes its scenario's ``horizon_h`` (the simulated time);
``horizon_h`` itself is kept for that one meaning (docs/metrics.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from resilience_sim.engine.service import ServedPopulation
from resilience_sim.engine.state import FAIL, EventArrays

_EPS = 1e-12
RESTORE_SHARES = {
    "t_restore_50_h": 0.5,
    "t_restore_90_h": 0.9,
    "t_restore_99_h": 0.99,
    "t_restore_100_h": 1.0,
}
SUMMARY_COLUMNS = (
    "peak_outage_frac",
    "peak_outage_population",
    *RESTORE_SHARES,
    "unserved_user_h_domestic",
    "unserved_user_h_international",
    "resilience_loss_h",
    "max_region_outage_h",
    "peak_international_outage_frac",
    "international_isolation_h",
    "min_international_capacity_frac",
    "international_capacity_loss_h",
    "t_peak_h",
    "propagated_failure_frac",
    "regions_affected_max",
)


def step_widths(time_h: np.ndarray, until_h: float) -> np.ndarray:
    """Hours within [0, until_h] each step of a step function lasts (step ``i`` on
    [time_h[i], time_h[i+1]), the last until ``until_h``; 0 for steps after it).

    Parameters
    ----------
    time_h : numpy.ndarray
        ``(n,)`` change times, hours, increasing.
    until_h : float
        The end of the metric window, hours (a study's horizon).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` widths, hours.
    """
    ends = np.append(time_h[1:], until_h)
    return np.clip(np.minimum(ends, until_h) - time_h, 0.0, None)


def step_integral(time_h: np.ndarray, values: np.ndarray, until_h: float) -> float:
    """Integral over [0, until_h] of a step function (``values[i]`` on [time_h[i], time_h[i+1])).

    Parameters
    ----------
    time_h : numpy.ndarray
        ``(n,)`` change times, hours, increasing.
    values : numpy.ndarray
        ``(n,)`` value from each change time on.
    until_h : float
        The end of the metric window, hours (a study's horizon).

    Returns
    -------
    float
        The integral, value x hours.

    Examples
    --------
    >>> step_integral(np.array([0.0, 2.0]), np.array([1.0, 3.0]), 5.0)
    11.0
    """
    return float(np.sum(step_widths(time_h, until_h) * values))


def served_fraction(served: np.ndarray, baseline: float | np.ndarray) -> np.ndarray:
    """Served population as a share of the undamaged network's (NaN where that is 0).

    Parameters
    ----------
    served : numpy.ndarray
        Served population at each time.
    baseline : float or numpy.ndarray
        The undamaged network's served population.

    Returns
    -------
    numpy.ndarray
        Shares, 0..1.
    """
    baseline = np.asarray(baseline, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(baseline > 0, served / np.where(baseline > 0, baseline, 1.0), np.nan)


def time_to_restore(time_h: np.ndarray, fraction: np.ndarray, share: float) -> float:
    """Hours from the first loss until ``share`` of the peak loss is back.

    The peak loss is ``1 - min(fraction)``; restoration is the first time at or
    after the minimum with ``fraction >= min + share * loss``. Returns 0.0 when
    nothing was lost and NaN when the share is not restored in the timeline.

    Parameters
    ----------
    time_h : numpy.ndarray
        ``(n,)`` timeline times, hours.
    fraction : numpy.ndarray
        ``(n,)`` served fraction, 0..1.
    share : float
        Share of the peak loss restored, 0..1.

    Returns
    -------
    float
        Hours (0.0, or NaN if not restored).

    Examples
    --------
    >>> time_to_restore(np.array([0.0, 1.0, 4.0]), np.array([1.0, 0.2, 1.0]), 0.9)
    3.0
    """
    lost = fraction < 1.0 - _EPS
    if not np.any(lost):
        return 0.0
    t_first_loss = time_h[np.argmax(lost)]
    i_min = int(np.argmin(fraction))
    f_min = fraction[i_min]
    target = f_min + share * (1.0 - f_min)
    restored = np.flatnonzero(fraction[i_min:] >= target - _EPS)
    if len(restored) == 0:
        return float("nan")
    return float(time_h[i_min + restored[0]] - t_first_loss)


def capacity_loss_h(served: ServedPopulation, baseline: ServedPopulation, until_h: float) -> float:
    """Hours of the whole international demand not carried, against the undamaged network:
    the integral of (undamaged - current) capacity-aware served share; NaN without demand.

    Unlike reachability, this counts a thin satellite path as the few per cent of demand it
    carries, so faster cable repairs show up here.

    Parameters
    ----------
    served : ServedPopulation
        The replication's timeline.
    baseline : ServedPopulation
        The undamaged network's timeline.
    until_h : float
        The end of the metric window, hours (a study's horizon).

    Returns
    -------
    float
        Lost demand-hours, hours of the whole demand.
    """
    base = baseline.international_capacity[0]
    if np.isnan(base):
        return float("nan")
    lost = np.clip(base - np.nan_to_num(served.international_capacity, nan=0.0), 0.0, None)
    return step_integral(served.time_h, lost, until_h)


def time_to_peak(time_h: np.ndarray, fraction: np.ndarray) -> float:
    """Hours from the first loss to the (first) minimum of ``fraction``; 0 if no loss.

    Parameters
    ----------
    time_h : numpy.ndarray
        ``(n,)`` timeline times, hours.
    fraction : numpy.ndarray
        ``(n,)`` served fraction, 0..1.

    Returns
    -------
    float
        Hours.
    """
    lost = fraction < 1.0 - _EPS
    if not np.any(lost):
        return 0.0
    return float(time_h[int(np.argmin(fraction))] - time_h[np.argmax(lost)])


def summarize_replication(
    served: ServedPopulation,
    baseline: ServedPopulation,
    until_h: float,
    events: EventArrays | None = None,
) -> dict[str, float]:
    """Summary figures of one replication (see docs/metrics.md for definitions and units).

    ``events``: the replication's event log, for the share of failures that propagated
    from another asset (power, dependencies); 0 without it.

    Parameters
    ----------
    served : ServedPopulation
        The replication's timeline.
    baseline : ServedPopulation
        The undamaged network's timeline.
    until_h : float
        The end of the metric window, hours (a study's horizon).
    events : EventArrays or None, default None
        The replication's event log.

    Returns
    -------
    dict[str, float]
        Metric name -> value.
    """
    t = served.time_h
    base_dom, base_intl = baseline.domestic[0], baseline.international[0]
    dom = np.nan_to_num(served_fraction(served.domestic, base_dom), nan=1.0)
    intl = np.nan_to_num(served_fraction(served.international, base_intl), nan=1.0)
    base_regions = baseline.by_region_domestic[0]
    region_unserved_user_h = np.array(
        [
            step_integral(t, base_regions[r] - served.by_region_domestic[:, r], until_h)
            for r in range(len(base_regions))
        ]
    )
    has_users = base_regions > 0
    region_outage_h = region_unserved_user_h[has_users] / base_regions[has_users]
    out = {
        "peak_outage_frac": float(1.0 - dom.min()),
        "peak_outage_population": float(base_dom - served.domestic.min()),
        **{name: time_to_restore(t, dom, share) for name, share in RESTORE_SHARES.items()},
        "unserved_user_h_domestic": step_integral(t, base_dom - served.domestic, until_h),
        "unserved_user_h_international": step_integral(
            t, base_intl - served.international, until_h
        ),
        "resilience_loss_h": step_integral(t, 1.0 - dom, until_h),
        "max_region_outage_h": float(region_outage_h.max()) if len(region_outage_h) else 0.0,
        "peak_international_outage_frac": float(1.0 - intl.min()),
        "international_isolation_h": step_integral(
            t, ((served.international <= 0) & (base_intl > 0)).astype(float), until_h
        ),
        "min_international_capacity_frac": float(np.nanmin(served.international_capacity))
        if not np.all(np.isnan(served.international_capacity))
        else float("nan"),
        "international_capacity_loss_h": capacity_loss_h(served, baseline, until_h),
        "t_peak_h": time_to_peak(t, dom),
        "propagated_failure_frac": propagated_share(events),
        "regions_affected_max": float(
            ((served.by_region_domestic < base_regions - 1e-9) & has_users).sum(axis=1).max()
        ),
    }
    return out


def propagated_share(events: EventArrays | None) -> float:
    """Share of failures caused by another asset (power, dependency); 0 with no failure.

    Parameters
    ----------
    events : EventArrays or None
        The event log (None: no log).

    Returns
    -------
    float
        Share, 0..1.
    """
    if events is None:
        return 0.0
    fails = events.event == FAIL
    return float(events.propagated[fails].mean()) if fails.any() else 0.0


def aggregate_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Across replications: mean, p5, p50, p95 per metric, and how many were NaN.

    NaN (a share never restored within the horizon) is left out of the statistics
    and counted in ``n_nan``.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per replication, one column per metric.

    Returns
    -------
    pandas.DataFrame
        One row per metric: ``mean, p5, p50, p95, n_nan``.
    """
    rows = {}
    for column in SUMMARY_COLUMNS:
        values = summary[column].to_numpy(dtype=float)
        finite = values[~np.isnan(values)]
        if len(finite):
            p5, p50, p95 = np.percentile(finite, [5, 50, 95])
            mean = float(finite.mean())
        else:
            mean = p5 = p50 = p95 = float("nan")
        rows[column] = {
            "mean": mean,
            "p5": p5,
            "p50": p50,
            "p95": p95,
            "n_nan": int(np.isnan(values).sum()),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "metric"
    return frame
