"""Fragility and restoration: from hazard intensity to damage state to repair time.

The vocabulary is HAZUS's: four damage states (slight, moderate, extensive,
complete), each with a lognormal fragility curve giving the probability that the
state is reached or exceeded at an intensity. Each hazard module holds its own
library of curves per asset kind (with sources); this module holds the maths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from resilience_sim.hazards.base import COMPLETE, MODERATE, NOT_GRADED, SLIGHT

N_STATES = 4  # slight, moderate, extensive, complete
STATE_KEYS = ("slight", "moderate", "extensive", "complete")


@dataclass(frozen=True)
class FragilityCurve:
    """Lognormal fragility: P(state reached | intensity x) = Phi(ln(x / median) / beta).

    ``median`` is in the intensity measure's unit (g, m/s, m, ...); ``beta`` is the
    lognormal standard deviation (dimensionless, > 0).

    >>> FragilityCurve(0.3, 0.6).probability(np.array([0.3]))
    array([0.5])
    """

    median: float
    beta: float

    def __post_init__(self) -> None:
        if not (self.median > 0 and self.beta > 0):
            raise ValueError("fragility median and beta must be > 0")

    def probability(self, intensity: np.ndarray) -> np.ndarray:
        """P(damage state >= this curve's) at each intensity (lognormal CDF; 0 at intensity <= 0).

        Parameters
        ----------
        intensity : numpy.ndarray
            Intensities, in the set's intensity measure.

        Returns
        -------
        numpy.ndarray
            Probabilities, 0..1, the shape of ``intensity``.
        """
        x = np.asarray(intensity, dtype=float)
        with np.errstate(divide="ignore"):
            z = np.log(np.where(x > 0, x, 0.0) / self.median) / self.beta
        return np.where(x > 0, ndtr(z), 0.0)


@dataclass(frozen=True)
class FragilitySet:
    """The four curves of one asset class for one intensity measure, with their source.

    ``intensity_measure`` names the unit (``pga_g``, ``gust_ms``, ``depth_m``).
    """

    intensity_measure: str
    curves: tuple[FragilityCurve, FragilityCurve, FragilityCurve, FragilityCurve]
    source: str

    @classmethod
    def from_parameters(cls, intensity_measure: str, medians, betas, source: str) -> FragilitySet:
        """A set from 4 medians and betas (slight .. complete).

        Parameters
        ----------
        intensity_measure : str
            The intensity measure's name (``pga_g``, ``gust_ms``...).
        medians : sequence of float
            Median intensity of each curve.
        betas : sequence of float
            Lognormal dispersion of each curve.
        source : str
            Where the values come from.

        Returns
        -------
        FragilitySet
            The set.
        """
        curves = tuple(
            FragilityCurve(float(m), float(b)) for m, b in zip(medians, betas, strict=True)
        )
        if len(curves) != N_STATES:
            raise ValueError("a fragility set needs 4 curves: slight .. complete")
        return cls(intensity_measure, curves, source)  # type: ignore[arg-type]

    def exceedance(self, intensity: np.ndarray) -> np.ndarray:
        """P(damage state >= k) for k = slight .. complete, shape ``(n, 4)``.

        Forced non-increasing in k (curves with different betas can cross in the tails).

        Parameters
        ----------
        intensity : numpy.ndarray
            ``(n,)`` intensities.

        Returns
        -------
        numpy.ndarray
            ``(n, 4)`` probabilities, 0..1.
        """
        p = np.stack([c.probability(intensity) for c in self.curves], axis=-1)
        return np.minimum.accumulate(p, axis=-1)


def sample_damage_states(exceedance: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one damage state per asset from ``(n, 4)`` exceedance probabilities.

    One uniform draw per asset: the state is the number of curves whose
    probability exceeds it (0 = none, 1 = slight, ..., 4 = complete). With the
    same draws, a higher intensity never gives a lower state.

    Parameters
    ----------
    exceedance : numpy.ndarray
        ``(n, 4)`` exceedance probabilities, 0..1.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` damage states 0..4.
    """
    u = rng.random(exceedance.shape[0])
    return (exceedance > u[:, None]).sum(axis=1).astype(np.int8)


def sample_graded_damage_states(
    intensity: np.ndarray,
    asset_kinds: np.ndarray,
    library: Mapping[str, FragilitySet],
    rng: np.random.Generator,
    median_factor: np.ndarray | None = None,
) -> np.ndarray:
    """Damage state per asset from its intensity and its kind's fragility set.

    Assets whose kind has no set in ``library`` stay undamaged (state 0). One uniform
    draw per asset, in asset order, whatever the kinds (common random numbers).
    ``median_factor`` (shape ``(n,)``) scales each asset's medians (hardening).

    Parameters
    ----------
    intensity : numpy.ndarray
        ``(n,)`` intensities.
    asset_kinds : numpy.ndarray
        ``(n,)`` asset kind names.
    library : Mapping[str, FragilitySet]
        Kind -> fragility set.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).
    median_factor : numpy.ndarray or None, default None
        ``(n,)`` median scale factors (None: 1).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` damage states 0..4.
    """
    n = len(intensity)
    exceed = np.zeros((n, N_STATES))
    factor = np.ones(n) if median_factor is None else np.asarray(median_factor, dtype=float)
    for kind, fragility in library.items():
        mask = asset_kinds == kind
        if mask.any():
            # dividing the intensity by the factor == multiplying every median by it
            exceed[mask] = fragility.exceedance(np.asarray(intensity)[mask] / factor[mask])
    return sample_damage_states(exceed, rng)


def is_failure(states: np.ndarray, threshold: int = MODERATE) -> np.ndarray:
    """Damage states that take an asset out of service (default: moderate and worse).

    Parameters
    ----------
    states : numpy.ndarray
        Damage states.
    threshold : int, default MODERATE
        Lowest failing state.

    Returns
    -------
    numpy.ndarray
        Bool, the shape of ``states``.
    """
    return states >= threshold


__all__ = [
    "COMPLETE",
    "MODERATE",
    "NOT_GRADED",
    "N_STATES",
    "SLIGHT",
    "STATE_KEYS",
    "FragilityCurve",
    "FragilitySet",
    "is_failure",
    "sample_damage_states",
    "sample_graded_damage_states",
]
