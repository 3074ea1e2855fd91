"""Recovery curves across replications: step functions resampled on a common time grid."""

from __future__ import annotations

import numpy as np
import pandas as pd

from resilience_sim.metrics.summary import step_integral


def resample_steps(time_h: np.ndarray, values: np.ndarray, grid_h: np.ndarray) -> np.ndarray:
    """Value of a step function (``values[i]`` from ``time_h[i]``) at each grid time.

    >>> resample_steps(np.array([0.0, 2.0]), np.array([1.0, 0.5]), np.array([0.0, 1.9, 2.0, 9.0]))
    array([1. , 1. , 0.5, 0.5])
    """
    i = np.searchsorted(time_h, grid_h, side="right") - 1
    return values[np.clip(i, 0, len(values) - 1)]


def curve_quantiles(
    timeline: pd.DataFrame,
    column: str,
    grid_h: np.ndarray,
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
) -> np.ndarray:
    """Quantiles across replications of ``column`` at each grid time.

    Returns shape ``(len(quantiles), len(grid_h))``. NaN values (no users to serve)
    are ignored.
    """
    rows = [
        resample_steps(group.time_h.to_numpy(), group[column].to_numpy(dtype=float), grid_h)
        for _, group in timeline.groupby("replication", sort=True)
    ]
    stacked = np.vstack(rows)
    if np.isnan(stacked).all():
        return np.full((len(quantiles), len(grid_h)), np.nan)
    return np.nanquantile(stacked, quantiles, axis=0)


def time_grid(horizon_h: float, event_times_h: np.ndarray, n_points: int = 400) -> np.ndarray:
    """A grid over [0, horizon_h] that also holds every distinct event time (capped)."""
    base = np.linspace(0.0, horizon_h, n_points)
    events = np.unique(event_times_h[(event_times_h >= 0) & (event_times_h <= horizon_h)])
    if len(events) > 4 * n_points:  # keep the figure small for big studies
        events = events[np.linspace(0, len(events) - 1, 4 * n_points).astype(int)]
    return np.unique(np.concatenate([base, events]))


def region_outage_hours(regional: pd.DataFrame, horizon_h: float) -> pd.DataFrame:
    """Mean outage hours per user, per region and replication (domestic service).

    The integral over the horizon of ``1 - served_domestic_frac`` of each region;
    regions without users (NaN fractions) are left out.
    """
    frames = []
    for (rep, region), group in regional.groupby(["replication", "region"], sort=True):
        frac = group.served_domestic_frac.to_numpy(dtype=float)
        if np.isnan(frac).all():
            continue
        hours = step_integral(group.time_h.to_numpy(), 1.0 - frac, horizon_h)
        frames.append((rep, region, hours))
    return pd.DataFrame(frames, columns=["replication", "region", "outage_h"])
