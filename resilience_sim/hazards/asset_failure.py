"""Hazard `asset_failure`: named assets fail, or each asset of a kind with a probability."""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import Damage
from resilience_sim.scenario.schema import AssetFailure
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def sample_asset_failure(
    hazard: AssetFailure, arrays: NetworkArrays, rng: np.random.Generator, cause: str
) -> Damage:
    """Return the assets that fail.

    Named assets always fail. With ``kind`` and ``fraction``, each asset of that kind
    fails independently with probability ``fraction`` (one uniform draw per asset of the
    kind, in asset order, so the number failing is Binomial(n_kind, fraction)).

    Parameters
    ----------
    hazard : AssetFailure
        The hazard's scenario entry.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    Damage
        The failures.
    """
    if hazard.assets:
        idx = arrays.indices_of(list(dict.fromkeys(hazard.assets)))
    else:
        candidates = np.flatnonzero(arrays.asset_kinds == hazard.kind)
        idx = candidates[rng.random(len(candidates)) < hazard.fraction]
    return Damage.uniform(idx, hazard.at_h, hazard.duration_h, cause)


def asset_failure_footprint(
    hazard: AssetFailure, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Named assets; or every asset of ``kind`` if ``fraction > 0``.

    Parameters
    ----------
    hazard : AssetFailure
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        Asset indices.
    """
    if hazard.assets:
        return np.unique(arrays.indices_of(list(hazard.assets)))
    if hazard.fraction == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(arrays.asset_kinds == hazard.kind)
