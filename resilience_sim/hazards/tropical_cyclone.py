"""Hazard ``tropical_cyclone``: wind damage to towers, buildings and overhead plant (hazards layer).

Scenario parameters (:class:`TropicalCyclone`) -> peak 3-second gust per site
(:mod:`resilience_sim.hazards.cyclone_wind`) -> damage state from gust fragility
curves per asset kind -> :class:`Damage` with onset when the storm reaches the site
and repair times per damage state. Documented in ``docs/hazards/tropical_cyclone.md``.

Sites: every node; every vertex of a microwave link's geometry (its towers); the
middle of every route piece (at most ``PIECE_KM`` = 1 km) of a terrestrial fibre route
(overhead plant: a per-span fragility, each failing span its own repair job).
Submarine and satellite links take no wind damage.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.cyclone_wind import PeakGust, peak_gust
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.hazards.kit.fragility import FragilitySet
from resilience_sim.hazards.kit.graded import (
    Sites,
    failure_state_index,
    footprint_assets,
    fragility_library,
    fragility_quantile,
    lognormal_restoration,
    node_sites,
    piece_sites,
    restoration_library,
    sample_graded_damage,
    vertex_sites,
)
from resilience_sim.scenario.common import RestorationSpec
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TropicalCyclone
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

INTENSITY_MEASURE = "gust_ms"  # peak 3-second gust at 10 m, m/s

# Built-in library, all `assumed` (no sourced telecom wind fragility was available):
# kind -> (gust medians m/s for slight, moderate, extensive, complete; lognormal beta;
#          lognormal median repair hours per state). How each was chosen is in
# docs/hazards/tropical_cyclone.md; the test suite checks this table against the docs.
_BUILDING = ((45.0, 58.0, 70.0, 85.0), 0.20, (8.0, 48.0, 240.0, 1440.0))
LIBRARY_TABLE: dict[str, tuple[tuple[float, ...], float, tuple[float, ...]]] = {
    "cell_site": ((40.0, 50.0, 62.0, 75.0), 0.20, (4.0, 24.0, 120.0, 480.0)),
    "exchange": _BUILDING,
    "aggregation": _BUILDING,
    "landing_station": _BUILDING,
    "ixp": _BUILDING,
    "gateway": _BUILDING,
    "data_center": _BUILDING,
    "operations_centre": _BUILDING,
    "satellite_ground_station": ((35.0, 45.0, 58.0, 72.0), 0.20, (8.0, 48.0, 240.0, 720.0)),
    "power_substation": ((40.0, 50.0, 62.0, 78.0), 0.20, (8.0, 48.0, 240.0, 1440.0)),
    "microwave": ((32.0, 42.0, 55.0, 68.0), 0.20, (4.0, 12.0, 72.0, 240.0)),
    "terrestrial_fiber": ((55.0, 65.0, 75.0, 85.0), 0.25, (4.0, 8.0, 24.0, 72.0)),
}
REPAIR_SIGMA = 0.5  # lognormal sigma of every built-in repair time (assumed)
SOURCE = "assumed; see docs/hazards/tropical_cyclone.md"

FRAGILITY: dict[str, FragilitySet] = {
    kind: FragilitySet.from_parameters(INTENSITY_MEASURE, medians, (beta,) * 4, SOURCE)
    for kind, (medians, beta, _) in LIBRARY_TABLE.items()
}
RESTORATION: dict[str, RestorationSpec] = {
    kind: lognormal_restoration(repair, REPAIR_SIGMA)
    for kind, (_, _, repair) in LIBRARY_TABLE.items()
}


def cyclone_sites(topology: Topology, arrays: NetworkArrays) -> Sites:
    """Nodes, microwave towers and overhead-fibre spans (see the module docstring).

    Parameters
    ----------
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    Sites
        The sites.
    """
    return Sites.concat(
        node_sites(arrays),
        vertex_sites(topology, arrays, ("microwave",)),
        piece_sites(topology, arrays, ("terrestrial_fiber",)),
    )


# Sites whose gust bound gives P(>= slight) below Phi(-7) = 1.3e-12 are not evaluated
# (gust 0): the wind field is then computed only where it can matter.
NEGLIGIBLE_Z = -7.0


def _site_winds(
    hazard: TropicalCyclone, topology: Topology, arrays: NetworkArrays
) -> tuple[Sites, dict[str, FragilitySet], PeakGust]:
    """Sites, fragility library and peak gusts (threshold: the failure-state median).

    Deterministic, so computed once per (arrays, hazard) and cached: every replication
    of a study then only draws.
    """

    def compute() -> tuple[Sites, dict[str, FragilitySet], PeakGust]:
        sites = cyclone_sites(topology, arrays)
        library = fragility_library(FRAGILITY, hazard, INTENSITY_MEASURE)
        threshold = fragility_quantile(sites, arrays, library, failure_state_index(hazard))
        negligible = fragility_quantile(sites, arrays, library, 1, NEGLIGIBLE_Z)
        peak = peak_gust(hazard, sites.lat, sites.lon, threshold, negligible)
        for values in (peak.gust_ms, peak.t_peak_h, peak.t_cross_h):
            values.setflags(write=False)
        return sites, library, peak

    return per_hazard(arrays, hazard, "tropical_cyclone.site_winds", compute)


def tropical_cyclone_intensity(
    hazard: TropicalCyclone, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Peak 3-second gust (m/s) per asset, shape ``(n_assets,)``.

    A link's is the highest over its sites; 0 for links without sites (submarine,
    satellite, unlocated), unlocated nodes, and sites so far from the track that no
    damage is possible there (see ``NEGLIGIBLE_Z``).

    Parameters
    ----------
    hazard : TropicalCyclone
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` gusts, m/s.
    """
    sites, _, peak = _site_winds(hazard, topology, arrays)
    out = np.zeros(arrays.n_assets)
    np.maximum.at(out, sites.asset_idx, peak.gust_ms)
    return out


def tropical_cyclone_footprint(
    hazard: TropicalCyclone, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Asset indices the storm can take down (failure probability >= 1e-6); empty if none.

    Parameters
    ----------
    hazard : TropicalCyclone
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
    sites, library, peak = _site_winds(hazard, topology, arrays)
    return footprint_assets(peak.gust_ms, sites, arrays, library, failure_state_index(hazard))


def sample_tropical_cyclone(
    hazard: TropicalCyclone,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Return the wind damage of one replication.

    Onset: the first time the gust at the site reaches the median of the failure state
    (hardening applied); for a site that fails below that median, the time of its peak
    gust. Draws: two uniforms per site (state, repair time), whatever fails.

    Parameters
    ----------
    hazard : TropicalCyclone
        The hazard's scenario entry.
    topology : Topology
        The network.
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
    sites, library, peak = _site_winds(hazard, topology, arrays)
    onset = np.where(np.isnan(peak.t_cross_h), peak.t_peak_h, peak.t_cross_h)
    return sample_graded_damage(
        hazard,
        sites,
        peak.gust_ms,
        onset,
        library,
        restoration_library(RESTORATION, hazard),
        arrays,
        rng,
        cause,
    )


__all__ = [
    "FRAGILITY",
    "LIBRARY_TABLE",
    "RESTORATION",
    "cyclone_sites",
    "sample_tropical_cyclone",
    "tropical_cyclone_footprint",
    "tropical_cyclone_intensity",
]
