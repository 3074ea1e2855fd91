"""Repair and outage durations drawn by inverse CDF from scenario distributions (hazards layer)."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from resilience_sim.scenario.distributions import Duration, Lognormal  # noqa: F401 (doctest)


def duration_quantile(dist: Duration, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a scenario duration distribution (hours) at uniforms ``u``.

    Inverse-transform sampling keeps one uniform per draw whatever the distribution,
    and a larger ``u`` always gives a longer time.

    Parameters
    ----------
    dist : Duration
        The distribution.
    u : numpy.ndarray
        Uniforms, 0..1.

    Returns
    -------
    numpy.ndarray
        Hours, the shape of ``u``.

    Examples
    --------
    >>> duration_quantile(Lognormal(dist="lognormal", median_h=10, sigma=0.5), np.array([0.5]))
    array([10.])
    """
    u = np.clip(np.asarray(u, dtype=float), 1e-12, 1.0 - 1e-12)
    if dist.dist == "fixed":
        return np.full(u.shape, float(dist.value_h))
    if dist.dist == "lognormal":
        return dist.median_h * np.exp(dist.sigma * ndtri(u))
    if dist.dist == "exponential":
        return -dist.mean_h * np.log1p(-u)
    if dist.dist == "uniform":
        return dist.low_h + u * (dist.high_h - dist.low_h)
    raise ValueError(f"unknown duration distribution {dist.dist!r}")


def share_band(shares: list[float], u: np.ndarray) -> np.ndarray:
    """Index of the band of cumulative ``shares`` (adding up to 1) each uniform falls in:
    the mixture component or stage of each draw.

    Parameters
    ----------
    shares : list[float]
        Band shares, summing to 1.
    u : numpy.ndarray
        Uniforms, 0..1.

    Returns
    -------
    numpy.ndarray
        Band indices.

    Examples
    --------
    >>> share_band([0.5, 0.3, 0.2], np.array([0.1, 0.6, 0.95]))
    array([0, 1, 2])
    """
    upper = np.cumsum(shares)
    upper[-1] = 1.0  # shares add up to 1 within rounding
    return np.searchsorted(upper, u, side="right")


def repair_hours(duration: Duration | None, u: np.ndarray) -> np.ndarray:
    """Repair hours at uniforms ``u`` (inverse CDF); NaN (engine default) if no duration.

    Parameters
    ----------
    duration : Duration or None
        The distribution (None: engine default).
    u : numpy.ndarray
        Uniforms, 0..1.

    Returns
    -------
    numpy.ndarray
        Hours, the shape of ``u``.
    """
    u = np.asarray(u, dtype=float)
    return np.full(u.shape, np.nan) if duration is None else duration_quantile(duration, u)


__all__ = ["duration_quantile", "repair_hours", "share_band"]
