"""Recovery curves across replications: step functions resampled on a common time grid.

The functions taking a ``read`` callable work on a table read in chunks of whole
replications (a run folder's ``timeline.parquet``, one row group at a time), so a
study of any number of replications is summarised in bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from resilience_sim.metrics.summary import step_integral

# Resampled values (replications x grid times, float64) held at once by
# stream_curve_quantiles: 64 MB, plus the copies np.concatenate and np.nanquantile make.
# Assumed: above it a study is resampled in blocks of grid times, one pass over the
# timeline per block (a 100,000-replication study: 40 grid times per block, 50 passes).
MAX_CURVE_CELLS = 8_000_000
# Distinct event times kept for the time grid (8 MB); beyond, a uniform sample of them.
MAX_DISTINCT_TIMES = 1_000_000
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2^64 / golden ratio, odd


def resample_steps(time_h: np.ndarray, values: np.ndarray, grid_h: np.ndarray) -> np.ndarray:
    """Value of a step function (``values[i]`` from ``time_h[i]``) at each grid time.

    Parameters
    ----------
    time_h : numpy.ndarray
        ``(n,)`` change times, hours, increasing.
    values : numpy.ndarray
        ``(n,)`` value from each change time on.
    grid_h : numpy.ndarray
        Grid times, hours.

    Returns
    -------
    numpy.ndarray
        ``(len(grid_h),)`` the step function's value at each grid time.

    Examples
    --------
    >>> resample_steps(np.array([0.0, 2.0]), np.array([1.0, 0.5]), np.array([0.0, 1.9, 2.0, 9.0]))
    array([1. , 1. , 0.5, 0.5])
    """
    i = np.searchsorted(time_h, grid_h, side="right") - 1
    return values[np.clip(i, 0, len(values) - 1)]


def resample_replications(
    replication: np.ndarray, time_h: np.ndarray, values: np.ndarray, grid_h: np.ndarray
) -> np.ndarray:
    """:func:`resample_steps` of many replications at once.

    Rows are grouped by ``replication`` and sorted by time within each group (as in a
    timeline table). Returns shape ``(n_groups, len(grid_h))``, groups in order of
    appearance; row ``g`` equals ``resample_steps`` of group ``g``'s rows exactly.
    O(rows + groups x grid) with no loop per replication.

    Parameters
    ----------
    replication : numpy.ndarray
        ``(rows,)`` replication of each row (rows of one replication together).
    time_h : numpy.ndarray
        ``(rows,)`` change times, hours, increasing within a replication.
    values : numpy.ndarray
        ``(rows,)`` value from each change time on.
    grid_h : numpy.ndarray
        Grid times, hours.

    Returns
    -------
    numpy.ndarray
        ``(n_groups, len(grid_h))`` the step functions on the grid.

    Examples
    --------
    >>> resample_replications(
    ...     np.array([0, 0, 1]), np.array([0.0, 2.0, 0.0]), np.array([1.0, 0.5, 0.8]),
    ...     np.array([0.0, 2.0, 9.0]))
    array([[1. , 0.5, 0.5],
           [0.8, 0.8, 0.8]])
    """
    n_grid = len(grid_h)
    if len(time_h) == 0:
        return np.empty((0, n_grid))
    new_group = np.empty(len(replication), dtype=bool)
    new_group[0] = True
    new_group[1:] = replication[1:] != replication[:-1]
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    # a row holds from the first grid time at or after its own time; of the rows of a
    # group that start at the same grid time, the last one is the one seen there
    first = np.searchsorted(grid_h, time_h, side="left")
    last_of_pair = np.ones(len(first), dtype=bool)
    last_of_pair[:-1] = (group[1:] != group[:-1]) | (first[1:] != first[:-1])
    keep = last_of_pair & (first < n_grid)
    row = np.full((len(starts), n_grid), -1, dtype=np.int64)
    row[group[keep], first[keep]] = np.flatnonzero(keep)
    np.maximum.accumulate(row, axis=1, out=row)  # row indices grow with time in a group
    row = np.where(row < 0, starts[:, None], row)  # before its first row: the first row
    return values[row]


def curve_quantiles(
    timeline: pd.DataFrame,
    column: str,
    grid_h: np.ndarray,
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
) -> np.ndarray:
    """Quantiles across replications of ``column`` at each grid time.

    Returns shape ``(len(quantiles), len(grid_h))``. NaN values (no users to serve)
    are ignored.

    Parameters
    ----------
    timeline : pandas.DataFrame
        A timeline table (``replication``, ``time_h`` and ``column``).
    column : str
        The column to take quantiles of.
    grid_h : numpy.ndarray
        Grid times, hours.
    quantiles : tuple[float, ...], default (0.05, 0.5, 0.95)
        Quantile levels, 0..1.

    Returns
    -------
    numpy.ndarray
        ``(len(quantiles), len(grid_h))`` quantiles at each grid time.
    """
    if not timeline.replication.is_monotonic_increasing:
        timeline = timeline.sort_values("replication", kind="stable")
    stacked = resample_replications(
        timeline.replication.to_numpy(),
        timeline.time_h.to_numpy(dtype=float),
        timeline[column].to_numpy(dtype=float),
        grid_h,
    )
    return _quantiles(stacked, quantiles)


def stream_curve_quantiles(
    read: Callable[[], Iterable[pd.DataFrame]],
    columns: Sequence[str],
    grid_h: np.ndarray,
    n_replications: int,
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
    max_cells: int | None = None,
) -> dict[str, np.ndarray]:
    """:func:`curve_quantiles` of several columns of a timeline read in chunks.

    ``read()`` yields DataFrames of whole replications (each replication's rows in
    one chunk, by time); it is called once per block of grid times, a block being as
    many as keep ``n_replications x len(columns) x block <= max_cells`` (default
    ``MAX_CURVE_CELLS``). Quantiles are taken per grid time, so the result equals
    :func:`curve_quantiles` exactly. Returns, per column, shape
    ``(len(quantiles), len(grid_h))``.

    Parameters
    ----------
    read : Callable[[], Iterable[pandas.DataFrame]]
        Returns a fresh iterator over the timeline's chunks.
    columns : Sequence[str]
        The columns to take quantiles of.
    grid_h : numpy.ndarray
        Grid times, hours.
    n_replications : int
        Replications in the timeline.
    quantiles : tuple[float, ...], default (0.05, 0.5, 0.95)
        Quantile levels, 0..1.
    max_cells : int or None, default None
        Largest block of values held at once (default ``MAX_CURVE_CELLS``).

    Returns
    -------
    dict[str, numpy.ndarray]
        Column -> ``(len(quantiles), len(grid_h))`` quantiles.
    """
    max_cells = MAX_CURVE_CELLS if max_cells is None else max_cells
    per_block = max(1, max_cells // max(1, n_replications * len(columns)))
    result = {c: np.empty((len(quantiles), len(grid_h))) for c in columns}
    for start in range(0, len(grid_h), per_block):
        block = grid_h[start : start + per_block]
        parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}
        for chunk in read():
            replication = chunk.replication.to_numpy()
            time_h = chunk.time_h.to_numpy(dtype=float)
            for c in columns:
                values = chunk[c].to_numpy(dtype=float)
                parts[c].append(resample_replications(replication, time_h, values, block))
        for c in columns:
            stacked = np.concatenate(parts[c]) if parts[c] else np.empty((0, len(block)))
            result[c][:, start : start + len(block)] = _quantiles(stacked, quantiles)
    return result


def _quantiles(stacked: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """NaN-ignoring quantiles down the columns of ``stacked`` (all NaN: NaN, no warning)."""
    if np.isnan(stacked).all():
        return np.full((len(quantiles), stacked.shape[1]), np.nan)
    return np.nanquantile(stacked, quantiles, axis=0)


class DistinctTimes:
    """The distinct times in ``[0, until_h]`` of a table read in chunks (for
    :func:`time_grid`), at most ``cap`` (default ``MAX_DISTINCT_TIMES``) of them kept.

    Up to ``cap`` distinct times ``values`` holds them all, so ``time_grid`` is the same
    as from the whole column. Beyond, it holds a uniform sample of the distinct times:
    those whose hash has its top ``level`` bits zero, ``level`` raised by one (halving
    the sample) whenever more than ``cap`` are kept (distinct sampling; deterministic,
    and a time repeated in many replications is no likelier to be kept).
    """

    def __init__(self, until_h: float, cap: int | None = None):
        self.until_h = until_h
        self.cap = MAX_DISTINCT_TIMES if cap is None else cap
        self.level = 0
        self.values = np.empty(0)

    def add(self, time_h: np.ndarray) -> None:
        """Add event times (those in [0, until_h]), thinning the kept set to stay under the cap.

        Parameters
        ----------
        time_h : numpy.ndarray
            Event times, hours.
        """
        time_h = np.asarray(time_h, dtype=float)
        new = np.unique(time_h[(time_h >= 0) & (time_h <= self.until_h)])
        self.values = np.union1d(self.values, new[self._kept(new)])
        while len(self.values) > self.cap:
            self.level += 1
            self.values = self.values[self._kept(self.values)]

    def _kept(self, values: np.ndarray) -> np.ndarray:
        if self.level == 0:
            return np.ones(len(values), dtype=bool)
        hashed = np.ascontiguousarray(values).view(np.uint64) * _GOLDEN  # wraps mod 2^64
        return (hashed >> np.uint64(64 - self.level)) == 0


def time_grid(until_h: float, event_times_h: np.ndarray, n_points: int = 400) -> np.ndarray:
    """A grid over [0, until_h] that also holds every distinct event time (capped).

    Parameters
    ----------
    until_h : float
        The end of the metric window, hours.
    event_times_h : numpy.ndarray
        Event times, hours.
    n_points : int, default 400
        Points of the regular part of the grid.

    Returns
    -------
    numpy.ndarray
        Sorted grid times, hours.
    """
    base = np.linspace(0.0, until_h, n_points)
    events = np.unique(event_times_h[(event_times_h >= 0) & (event_times_h <= until_h)])
    if len(events) > 4 * n_points:  # keep the figure small for big studies
        events = events[np.linspace(0, len(events) - 1, 4 * n_points).astype(int)]
    return np.unique(np.concatenate([base, events]))


def region_outage_hours(regional: pd.DataFrame, until_h: float) -> pd.DataFrame:
    """Mean outage hours per user, per region and replication (domestic service).

    The integral over the horizon of ``1 - served_domestic_frac`` of each region;
    regions without users (NaN fractions) are left out.

    Parameters
    ----------
    regional : pandas.DataFrame
        The regional timeline (``replication``, ``region``, ``time_h``,
        ``served_domestic_frac``).
    until_h : float
        The end of the metric window, hours (a study's horizon).

    Returns
    -------
    pandas.DataFrame
        Rows ``replication, region, outage_h``.
    """
    frames = []
    for (rep, region), group in regional.groupby(["replication", "region"], sort=True):
        frac = group.served_domestic_frac.to_numpy(dtype=float)
        if np.isnan(frac).all():
            continue
        hours = step_integral(group.time_h.to_numpy(), 1.0 - frac, until_h)
        frames.append((rep, region, hours))
    return pd.DataFrame(frames, columns=["replication", "region", "outage_h"])
