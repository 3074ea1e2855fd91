"""From intensity at sites to Damage, for every hazard with fragility curves (hazards layer).

A graded hazard (earthquake, cyclone, flood, ...) computes one intensity per *site* --
a node, or a point along a link where the intensity varies along it (a cyclone's winds
along an overhead fibre route, at each tower of a microwave link) -- and hands it here
with its built-in library. This module applies the scenario's overrides, draws damage
states and repair times with common random numbers, and builds the :class:`Damage`
record the engine applies:

    intensity per site -> damage state (fragility) -> failure -> repair time (restoration)

A failing site on a link is a located fault: its own repair job at that point (a
fibre route torn in three places needs three repairs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.durations import duration_quantile
from resilience_sim.hazards.kit.fragility import (
    STATE_KEYS,
    FragilitySet,
    is_failure,
    sample_graded_damage_states,
)
from resilience_sim.hazards.kit.route_faults import route_pieces
from resilience_sim.scenario.common import GradedHazardBase, RestorationSpec
from resilience_sim.scenario.distributions import Lognormal
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

# Below this probability of failure an asset counts as outside a hazard's footprint.
FOOTPRINT_MIN_PROBABILITY = 1e-6


@dataclass(frozen=True)
class Sites:
    """Points where a hazard's intensity is evaluated; each belongs to one asset.

    Shapes ``(n_sites,)``: ``asset_idx`` (node or link asset index), ``lat``/``lon``
    (degrees; NaN for an unlocated node), ``is_fault_point`` (True for a point on a
    link: its failure is a located fault there).
    """

    asset_idx: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    is_fault_point: np.ndarray

    def __len__(self) -> int:
        return len(self.asset_idx)

    @classmethod
    def concat(cls, *parts: Sites) -> Sites:
        """The sites of ``parts`` one after another.

        Parameters
        ----------
        *parts : Sites
            Site sets.

        Returns
        -------
        Sites
            The joined sites.
        """
        return cls(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__)
        )


def _link_points(asset_idx, lat, lon) -> Sites:
    asset_idx = np.asarray(asset_idx, dtype=np.int64)
    return Sites(
        asset_idx,
        np.asarray(lat, dtype=float),
        np.asarray(lon, dtype=float),
        np.ones(len(asset_idx), dtype=bool),
    )


def node_sites(arrays: NetworkArrays) -> Sites:
    """One site per node, in node order (unlocated nodes have NaN coordinates).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    Sites
        The sites.
    """
    n = arrays.n_nodes
    return Sites(
        np.arange(n, dtype=np.int64),
        arrays.asset_lat[:n].astype(float),
        arrays.asset_lon[:n].astype(float),
        np.zeros(n, dtype=bool),
    )


def vertex_sites(topology: Topology, arrays: NetworkArrays, kinds: tuple[str, ...]) -> Sites:
    """One site per vertex of the geometry (route points, else the located end nodes) of
    every link of ``kinds``, in link order -- e.g. the towers of a microwave link.

    Parameters
    ----------
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    kinds : tuple[str, ...]
        Link kinds.

    Returns
    -------
    Sites
        The sites.
    """
    idx, points = [], []
    for j, link in enumerate(topology.links):
        if link.kind.value in kinds:
            pts = np.asarray(topology.link_points(link), dtype=float).reshape(-1, 2)
            idx.append(np.full(len(pts), arrays.n_nodes + j, dtype=np.int64))
            points.append(pts)
    if not idx:
        return _link_points([], [], [])
    pts = np.concatenate(points)
    return _link_points(np.concatenate(idx), pts[:, 0], pts[:, 1])


def piece_sites(topology: Topology, arrays: NetworkArrays, kinds: tuple[str, ...]) -> Sites:
    """One site at the middle of every route piece (at most ``route_faults.PIECE_KM``
    long) of the links of ``kinds`` -- e.g. the spans of an overhead fibre route.

    Parameters
    ----------
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    kinds : tuple[str, ...]
        Link kinds.

    Returns
    -------
    Sites
        The sites.
    """
    pieces = route_pieces(topology, arrays, kinds)
    return _link_points(arrays.n_nodes + pieces.link, pieces.mid_lat, pieces.mid_lon)


def fragility_library(
    builtin: Mapping[str, FragilitySet], hazard: GradedHazardBase, intensity_measure: str
) -> dict[str, FragilitySet]:
    """The built-in curves with the scenario's ``fragility`` overrides per asset kind.

    Parameters
    ----------
    builtin : Mapping[str, FragilitySet]
        Kind -> built-in fragility set.
    hazard : GradedHazardBase
        The graded hazard's scenario entry.
    intensity_measure : str
        The intensity measure of the hazard.

    Returns
    -------
    dict[str, FragilitySet]
        Kind -> fragility set.
    """
    library = dict(builtin)
    for kind, spec in hazard.fragility.items():
        library[kind] = FragilitySet.from_parameters(
            intensity_measure, spec.medians, spec.betas, "scenario override"
        )
    return library


def restoration_library(
    builtin: Mapping[str, RestorationSpec], hazard: GradedHazardBase
) -> dict[str, RestorationSpec]:
    """The built-in repair times with the scenario's ``restoration`` overrides per kind.

    Parameters
    ----------
    builtin : Mapping[str, RestorationSpec]
        Kind -> built-in repair times.
    hazard : GradedHazardBase
        The graded hazard's scenario entry.

    Returns
    -------
    dict[str, RestorationSpec]
        Kind -> repair times.
    """
    return {**builtin, **hazard.restoration}


def failure_state_index(hazard: GradedHazardBase) -> int:
    """The hazard's ``failure_state`` as a damage-state code (1 = slight .. 4 = complete).

    Parameters
    ----------
    hazard : GradedHazardBase
        The graded hazard's scenario entry.

    Returns
    -------
    int
        The state code.
    """
    return STATE_KEYS.index(hazard.failure_state) + 1


def restoration_hours(
    states: np.ndarray,
    kinds: np.ndarray,
    restoration: Mapping[str, RestorationSpec],
    u: np.ndarray,
) -> np.ndarray:
    """On-site repair hours per site for its damage state; NaN where state 0 or no entry.

    NaN lets the engine draw from ``recovery.repair_h`` for the asset kind.

    Parameters
    ----------
    states : numpy.ndarray
        ``(n_sites,)`` damage states.
    kinds : numpy.ndarray
        ``(n_sites,)`` asset kinds.
    restoration : Mapping[str, RestorationSpec]
        Kind -> repair times.
    u : numpy.ndarray
        ``(n_sites,)`` uniforms, 0..1.

    Returns
    -------
    numpy.ndarray
        ``(n_sites,)`` hours.
    """
    out = np.full(len(states), np.nan)
    for kind, spec in restoration.items():
        of_kind = kinds == kind
        for code, key in enumerate(STATE_KEYS, start=1):
            mask = of_kind & (states == code)
            if mask.any():
                out[mask] = duration_quantile(getattr(spec, key), u[mask])
    return out


def lognormal_restoration(medians_h: tuple[float, ...], sigma: float) -> RestorationSpec:
    """Lognormal repair times with the given medians (hours) for slight .. complete.

    Parameters
    ----------
    medians_h : tuple[float, ...]
        Median repair hours, slight .. complete.
    sigma : float
        Log-standard deviation.

    Returns
    -------
    RestorationSpec
        The repair times.
    """
    return RestorationSpec(
        **{
            key: Lognormal(dist="lognormal", median_h=m, sigma=sigma)
            for key, m in zip(STATE_KEYS, medians_h, strict=True)
        }
    )


def fragility_quantile(
    sites: Sites,
    arrays: NetworkArrays,
    library: Mapping[str, FragilitySet],
    state: int,
    z: float = 0.0,
) -> np.ndarray:
    """Intensity per site at which P(damage state >= ``state``) = Phi(``z``): the curve's
    ``median * exp(z * beta)`` times the asset's hardening (``z = 0``: the median).
    inf where the site's kind has no curve.

    Parameters
    ----------
    sites : Sites
        The sites.
    arrays : NetworkArrays
        The compiled network.
    library : Mapping[str, FragilitySet]
        Kind -> fragility set.
    state : int
        Damage state 1..4.
    z : float, default 0.0
        Standard-normal quantile.

    Returns
    -------
    numpy.ndarray
        ``(n_sites,)`` intensities.
    """
    kinds = arrays.asset_kinds[sites.asset_idx]
    out = np.full(len(sites), np.inf)
    for kind, fragility in library.items():
        curve = fragility.curves[state - 1]
        out[kinds == kind] = curve.median * np.exp(z * curve.beta)
    return out * arrays.hardening_factor[sites.asset_idx]


def footprint_assets(
    intensity: np.ndarray,
    sites: Sites,
    arrays: NetworkArrays,
    library: Mapping[str, FragilitySet],
    state: int,
) -> np.ndarray:
    """Asset indices a hazard can take down: P(damage state >= ``state``) >= 1e-6 at
    some site.

    An empty result means the hazard's footprint touches no asset.

    Parameters
    ----------
    intensity : numpy.ndarray
        ``(n_sites,)`` intensities.
    sites : Sites
        The sites.
    arrays : NetworkArrays
        The compiled network.
    library : Mapping[str, FragilitySet]
        Kind -> fragility set.
    state : int
        Damage state 1..4.

    Returns
    -------
    numpy.ndarray
        Asset indices.
    """
    kinds = arrays.asset_kinds[sites.asset_idx]
    factor = arrays.hardening_factor[sites.asset_idx]
    x = np.nan_to_num(np.asarray(intensity, dtype=float), nan=0.0)
    p = np.zeros(len(sites))
    column = state - 1
    for kind, fragility in library.items():
        mask = kinds == kind
        if mask.any():
            p[mask] = fragility.exceedance(x[mask] / factor[mask])[:, column]
    return np.unique(sites.asset_idx[p >= FOOTPRINT_MIN_PROBABILITY])


def sample_graded_damage(
    hazard: GradedHazardBase,
    sites: Sites,
    intensity: np.ndarray,
    onset_h: np.ndarray,
    fragility: Mapping[str, FragilitySet],
    restoration: Mapping[str, RestorationSpec],
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Draw damage at every site and return the failures as :class:`Damage`.

    ``intensity`` and ``onset_h`` (absolute hours) have shape ``(n_sites,)``; NaN
    intensity (unlocated) counts as none. Draws: one uniform per site for the damage
    state, then one per site for the repair time, whatever fails (common random
    numbers across variants with the same sites). With ``hazard.duration_h`` set the
    failures restore themselves after that many hours instead of needing a repair.

    Parameters
    ----------
    hazard : GradedHazardBase
        The graded hazard's scenario entry.
    sites : Sites
        The sites.
    intensity : numpy.ndarray
        ``(n_sites,)`` intensities.
    onset_h : numpy.ndarray
        ``(n_sites,)`` onsets, hours.
    fragility : Mapping[str, FragilitySet]
        Kind -> fragility set.
    restoration : Mapping[str, RestorationSpec]
        Kind -> repair times.
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
    kinds = arrays.asset_kinds[sites.asset_idx]
    x = np.nan_to_num(np.asarray(intensity, dtype=float), nan=0.0)
    states = sample_graded_damage_states(
        x, kinds, fragility, rng, median_factor=arrays.hardening_factor[sites.asset_idx]
    )
    repair_h = restoration_hours(states, kinds, restoration, rng.random(len(sites)))
    fail = np.flatnonzero(is_failure(states, failure_state_index(hazard)))
    n = len(fail)
    located = sites.is_fault_point[fail]
    if hazard.duration_h is not None:  # self-restoring outage: no repair job
        duration_h, repair_h = np.full(n, hazard.duration_h), np.full(n, np.nan)
    else:
        duration_h, repair_h = np.full(n, np.nan), repair_h[fail]
    out = DamageBuilder()
    out.add(
        sites.asset_idx[fail],
        np.asarray(onset_h, dtype=float)[fail],
        duration_h=duration_h,
        damage_state=states[fail],
        repair_h=repair_h,
        fault_lat=np.where(located, sites.lat[fail], np.nan),
        fault_lon=np.where(located, sites.lon[fail], np.nan),
    )
    return out.build(cause)


__all__ = [
    "FOOTPRINT_MIN_PROBABILITY",
    "Sites",
    "failure_state_index",
    "footprint_assets",
    "fragility_library",
    "fragility_quantile",
    "lognormal_restoration",
    "node_sites",
    "piece_sites",
    "restoration_hours",
    "restoration_library",
    "sample_graded_damage",
    "vertex_sites",
]
