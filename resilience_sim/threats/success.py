"""Whether one attack attempt on one asset succeeds (threats layer).

Shared by the targeted attack and sabotage: an asset's success probability is the
attack's base probability divided by the asset's ``hardening_factor`` (the topology field
that also multiplies fragility medians; > 1 is sturdier), capped at 1. So a factor of 2
halves the chance that an attempt takes the asset out; a factor below 1 (a weak asset)
raises it. The scaling is a modelling choice (``assumed``), documented in docs/threats.md.
"""

from __future__ import annotations

import numpy as np


def success_probability(base: float, hardening_factor: np.ndarray) -> np.ndarray:
    """``min(1, base / hardening_factor)`` per asset; shape of ``hardening_factor``.

    Parameters
    ----------
    base : float
        Base success probability, 0..1.
    hardening_factor : numpy.ndarray
        Hardening factor per asset (>0).

    Returns
    -------
    numpy.ndarray
        Probabilities, 0..1.

    Examples
    --------
    >>> success_probability(0.8, np.array([1.0, 2.0, 0.5])).tolist()
    [0.8, 0.4, 1.0]
    """
    return np.minimum(1.0, base / np.asarray(hardening_factor, dtype=float))
