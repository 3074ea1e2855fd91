"""Hazard `earthquake`: ground shaking -> damage to sites, breaks in fibre and submarine cables.

Pipeline place: scenario (``Earthquake`` parameters) + topology arrays -> this module ->
``Damage`` for the engine. Three mechanisms, documented with equations and sources in
docs/hazards/earthquake.md:

1. Sites (nodes): peak ground acceleration from Boore, Joyner & Fumal (1997) at each
   site -> damage state from lognormal fragility per asset kind -> repair time drawn
   from the restoration time of that state. Onset ``at_h`` (shaking lasts seconds).
2. Terrestrial fibre: PGA along the route -> Poisson breaks per km (`assumed` rate
   curve); each break is located and is its own repair job. Onset ``at_h``.
3. Submarine cables: seabed landslides and turbidity currents -> Poisson faults per km
   within distance bands of the source (`assumed` rates scaled with magnitude); onset
   delayed by the current's travel from the source.

With ``shakemap`` or ``raster`` the median PGA comes from that file instead of BJF97
(:mod:`resilience_sim.hazards.shaking_inputs`), and a ShakeMap's STDPGA scales a
spatially correlated residual field (Jayaram & Baker 2009,
:mod:`resilience_sim.hazards.kit.spatial_field`); docs/hazards/earthquake.md section 5.

Draw pattern (common random numbers), in this order: 1 between-event normal; one
within-site normal per node; 2 uniforms per node (damage state, repair time); per
fibre piece 1 normal and 2 uniforms; per submarine piece 2 uniforms. With a ShakeMap
with STDPGA the normals are replaced by one per correlated point (or cell), drawn
first; with a raster or without STDPGA there are none.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import ndtr

from resilience_sim.geo import haversine_km
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.hazards.kit.fragility import FragilitySet
from resilience_sim.hazards.kit.graded import (
    FOOTPRINT_MIN_PROBABILITY,
    failure_state_index,
    fragility_library,
    lognormal_restoration,
    node_sites,
    restoration_library,
    sample_graded_damage,
)
from resilience_sim.hazards.kit.route_faults import (
    RoutePieces,
    distance_to_polyline_km,
    route_pieces,
    sample_route_faults,
)
from resilience_sim.hazards.kit.spatial_field import JB09_PGA_RANGE_KM, correlated_field
from resilience_sim.hazards.shaking_inputs import (
    observed_pga_g,
    observed_sigma_ln_pga,
    uses_observed_shaking,
)
from resilience_sim.scenario.common import RestorationSpec
from resilience_sim.scenario.hazard_specs.earthquake import Earthquake
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

# --- Ground motion: Boore, Joyner & Fumal (1997), PGA row of their Table 8 -----------------
# ln PGA[g] = b1 + b2 (M-6) + b3 (M-6)^2 + b5 ln r + bV ln(Vs30 / VA),  r = sqrt(rjb^2 + h^2)
# Coefficients (random horizontal component) cross-checked against the OpenQuake hazardlib
# implementation (gem/oq-engine, hazardlib/gsim/boore_1997.py); sigmas per Boore (2005,
# erratum, SRL 76(3)): between-event 0.184, within-event 0.460 (total 0.495).
BJF97_B1 = {"strike_slip": -0.313, "reverse": -0.117, "unspecified": -0.242}
BJF97_B2, BJF97_B3, BJF97_B5 = 0.527, 0.0, -0.778
BJF97_BV, BJF97_VA_MPS, BJF97_H_KM = -0.371, 1396.0, 5.57
BJF97_SIGMA_BETWEEN, BJF97_SIGMA_WITHIN = 0.184, 0.460
# Range of the relation as we recall the authors' recommendation (M 5.5-7.5, rjb <= 80 km;
# paper not re-read, confidence L). Above 7.5 the magnitude is held at 7.5 (saturation);
# below 5.5 and beyond 80 km the relation is extrapolated.
BJF97_MAX_MAGNITUDE = 7.5
# `assumed`: BJF97 is a shallow-crustal relation; hypocentre depth beyond this is added to
# the distance in quadrature (an extension of ours, not part of BJF97).
SHALLOW_DEPTH_KM = 20.0


def bjf97_median_pga_g(
    magnitude: float,
    rjb_km: np.ndarray,
    vs30_mps: float | np.ndarray = 760.0,
    mechanism: str = "unspecified",
    depth_km: float = 0.0,
) -> np.ndarray:
    """Median peak ground acceleration (g) from BJF97 at Joyner-Boore distances ``rjb_km``.

    Magnitude above ``BJF97_MAX_MAGNITUDE`` is evaluated at that value; below 5.5 and beyond
    80 km the relation is extrapolated (docs/hazards/earthquake.md says why).

    At M 6, rjb 0 and Vs30 = VA: exp(-0.242 - 0.778 ln 5.57) g.

    Parameters
    ----------
    magnitude : float
        Moment magnitude.
    rjb_km : numpy.ndarray
        Joyner-Boore distances, km.
    vs30_mps : float or numpy.ndarray, default 760.0
        Vs30, m/s.
    mechanism : str, default 'unspecified'
        ``strike_slip``, ``reverse`` or ``unspecified``.
    depth_km : float, default 0.0
        Hypocentre depth, km.

    Returns
    -------
    numpy.ndarray
        Median PGA, g, the shape of ``rjb_km``.

    Examples
    --------
    >>> round(float(bjf97_median_pga_g(6.0, np.array([0.0]), 1396.0)[0]), 4)
    0.2064
    """
    m = min(float(magnitude), BJF97_MAX_MAGNITUDE)
    extra_depth = max(0.0, float(depth_km) - SHALLOW_DEPTH_KM)
    r = np.sqrt(np.asarray(rjb_km, dtype=float) ** 2 + BJF97_H_KM**2 + extra_depth**2)
    ln_pga = (
        BJF97_B1[mechanism]
        + BJF97_B2 * (m - 6.0)
        + BJF97_B3 * (m - 6.0) ** 2
        + BJF97_B5 * np.log(r)
        + BJF97_BV * np.log(np.asarray(vs30_mps, dtype=float) / BJF97_VA_MPS)
    )
    return np.exp(ln_pga)


def source_distance_km(hazard: Earthquake, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Horizontal distance (km) to the rupture trace if given, else to the epicentre.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    lat, lon : numpy.ndarray
        Points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        Distances, km.
    """
    if hazard.rupture_trace:
        trace = np.array([(p.lat, p.lon) for p in hazard.rupture_trace])
        return distance_to_polyline_km(lat, lon, trace[:, 0], trace[:, 1])
    return haversine_km(hazard.epicentre.lat, hazard.epicentre.lon, lat, lon)


def _median_pga_g(hazard: Earthquake, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Median PGA (g) at points for the scenario's Vs30 (or from its shakemap or raster),
    before site amplification."""
    if uses_observed_shaking(hazard):
        return observed_pga_g(hazard, lat, lon)
    rjb = source_distance_km(hazard, lat, lon)
    return bjf97_median_pga_g(
        hazard.magnitude, rjb, hazard.vs30_mps, hazard.mechanism, hazard.depth_km
    )


def median_pga_at_g(hazard: Earthquake, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Median PGA at arbitrary points (road segments), with the scenario-wide site
    amplification, as for link routes.

    Parameters
    ----------
    hazard : Earthquake
        The earthquake.
    lat, lon : numpy.ndarray
        Points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        Median PGA per point, g (NaN at unlocated points).
    """
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return _median_pga_g(hazard, lat, lon) * hazard.site_amplification


def node_site_factor(hazard: Earthquake, arrays: NetworkArrays) -> np.ndarray:
    """Site amplification per node, shape ``(n_nodes,)``: its region's, else the scenario's.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` factors.
    """
    by_region = np.array(
        [
            hazard.site_amplification_by_region.get(r, hazard.site_amplification)
            for r in arrays.region_names
        ]
        or [hazard.site_amplification]
    )
    return by_region[arrays.region_of_node]


def _node_median_pga_g(hazard: Earthquake, arrays: NetworkArrays) -> np.ndarray:
    n = arrays.n_nodes
    pga = _median_pga_g(hazard, arrays.asset_lat[:n], arrays.asset_lon[:n])
    return pga * node_site_factor(hazard, arrays)


def _piece_median_pga_g(hazard: Earthquake, pieces: RoutePieces) -> np.ndarray:
    return _median_pga_g(hazard, pieces.mid_lat, pieces.mid_lon) * hazard.site_amplification


def earthquake_intensity(
    hazard: Earthquake, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Median PGA (g) per asset, shape ``(n_assets,)``, without the sampled residuals.

    Nodes at their site (with their site amplification); links the largest value along
    their route (with the scenario-wide amplification). NaN for assets without coordinates.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` median PGA, g.
    """
    n = arrays.n_nodes
    pga = np.full(arrays.n_assets, np.nan)
    pga[:n] = _node_median_pga_g(hazard, arrays)
    pieces = route_pieces(topology, arrays, tuple(sorted(set(arrays.asset_kinds[n:]))))
    if len(pieces):
        link_max = np.full(arrays.n_links, -np.inf)
        np.maximum.at(link_max, pieces.link, _piece_median_pga_g(hazard, pieces))
        pga[n:] = np.where(np.isfinite(link_max), link_max, np.nan)
    return pga


# --- Fragility library: PGA (g) -> damage state -------------------------------------------
_HAZUS = "HAZUS v5.1 earthquake technical manual, electric power substations (PARAMETERS.md)"
HAZUS_SUBSTATION: dict[str, FragilitySet] = {
    name: FragilitySet.from_parameters("pga_g", medians, betas, f"{_HAZUS}: {name}")
    for name, (medians, betas) in {
        "low_voltage_anchored": ((0.15, 0.29, 0.45, 0.90), (0.70, 0.55, 0.45, 0.45)),
        "low_voltage_unanchored": ((0.13, 0.26, 0.34, 0.74), (0.65, 0.50, 0.40, 0.40)),
        "medium_voltage_anchored": ((0.15, 0.25, 0.35, 0.70), (0.60, 0.50, 0.40, 0.40)),
        "medium_voltage_unanchored": ((0.10, 0.20, 0.30, 0.50), (0.60, 0.50, 0.40, 0.40)),
        "high_voltage_anchored": ((0.11, 0.15, 0.20, 0.47), (0.50, 0.45, 0.35, 0.40)),
        "high_voltage_unanchored": ((0.09, 0.13, 0.17, 0.38), (0.50, 0.40, 0.35, 0.35)),
    }.items()
}
# `assumed` (HAZUS communication-facility medians not retrieved): telecom buildings with
# anchored racks, set around the anchored low-voltage substation (slight 0.15 g as there;
# complete 1.0 g, a little above its 0.90 g for an engineered building); beta 0.6 is the
# middle of that table's 0.40-0.70. How chosen: docs/hazards/earthquake.md.
FACILITY = FragilitySet.from_parameters(
    "pga_g", (0.15, 0.35, 0.60, 1.00), (0.6, 0.6, 0.6, 0.6), "assumed: telecom facility"
)
# `assumed`: mast or rooftop antennas with a cabinet on a slab; less mass to shift than a
# building of racks, so slight/moderate medians above the facility's.
CELL_SITE = FragilitySet.from_parameters(
    "pga_g", (0.20, 0.40, 0.70, 1.10), (0.6, 0.6, 0.6, 0.6), "assumed: cell site"
)
FACILITY_KINDS = (
    "exchange",
    "aggregation",
    "landing_station",
    "ixp",
    "gateway",
    "data_center",
    "satellite_ground_station",
    "operations_centre",
)


def builtin_fragility(substation_class: str = "low_voltage_anchored") -> dict[str, FragilitySet]:
    """Built-in PGA fragility per node kind (links break by :mod:`route_faults` instead).

    Parameters
    ----------
    substation_class : str, default 'low_voltage_anchored'
        The HAZUS substation class used for substation-like nodes.

    Returns
    -------
    dict[str, FragilitySet]
        Node kind -> fragility set.
    """
    return {
        **dict.fromkeys(FACILITY_KINDS, FACILITY),
        "cell_site": CELL_SITE,
        "power_substation": HAZUS_SUBSTATION[substation_class],
    }


# Repair time on site per damage state, slight .. complete (lognormal medians in hours,
# one sigma per kind), all `assumed`: facility 12 h / 3 d / 2 weeks / 30 d (re-seat and
# test; replace racks; rebuild in a temporary shelter); cell site 8 h / 1 d / 5 d / 2 weeks
# (realign; replace the cabinet; new mast); substation 1 d / 3 d / 1 week / 30 d.
_FACILITY_RESTORATION = lognormal_restoration((12.0, 72.0, 336.0, 720.0), 0.6)
BUILTIN_RESTORATION: dict[str, RestorationSpec] = {
    **dict.fromkeys(FACILITY_KINDS, _FACILITY_RESTORATION),
    "cell_site": lognormal_restoration((8.0, 24.0, 120.0, 336.0), 0.6),
    "power_substation": lognormal_restoration((24.0, 72.0, 168.0, 720.0), 0.6),
}


# --- Cable breaks ---------------------------------------------------------------------------
def fiber_faults_per_km(hazard: Earthquake, pga_g: np.ndarray) -> np.ndarray:
    """Expected terrestrial-fibre breaks per km at PGA ``pga_g`` (the `assumed` rate curve).

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    pga_g : numpy.ndarray
        PGA, g.

    Returns
    -------
    numpy.ndarray
        Expected breaks per km.
    """
    spec = hazard.fiber_faults
    pga = np.asarray(pga_g, dtype=float)
    with np.errstate(divide="ignore"):
        z = np.log(np.where(pga > 0, pga, 0.0) / spec.median_pga_g) / spec.beta
    return spec.max_faults_per_km * np.where(pga > 0, ndtr(z), 0.0)


def submarine_faults_per_km(hazard: Earthquake, distance_km: np.ndarray) -> np.ndarray:
    """Expected submarine-cable faults per km at ``distance_km`` from the source.

    The band rate, times ``10 ** (exponent * (min(M, max_magnitude) - reference_magnitude))``;
    zero beyond the last band.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    distance_km : numpy.ndarray
        Distance from the source, km.

    Returns
    -------
    numpy.ndarray
        Expected faults per km.
    """
    spec = hazard.submarine_cable_faults
    if not spec.bands:
        return np.zeros(np.shape(distance_km))
    edges = np.array([b.to_km for b in spec.bands])
    rates = np.array([b.faults_per_km for b in spec.bands] + [0.0])
    band = np.searchsorted(edges, np.asarray(distance_km, dtype=float), side="left")
    m = min(hazard.magnitude, spec.max_magnitude)
    return rates[band] * 10.0 ** (spec.magnitude_exponent * (m - spec.reference_magnitude))


def _fiber_faults(
    hazard: Earthquake,
    pieces: RoutePieces,
    arrays: NetworkArrays,
    between: float,
    rng: np.random.Generator,
    cause: str,
    ln_residual: np.ndarray | None = None,
) -> Damage:
    """Fibre breaks; ``ln_residual`` (per piece) replaces BJF97's residuals when given."""
    if not len(pieces):
        return Damage.empty(cause)
    if ln_residual is None:
        within = rng.standard_normal(len(pieces))
    felt = per_hazard(
        arrays,
        hazard,
        "earthquake: fibre PGA / hardening",
        lambda: (
            _piece_median_pga_g(hazard, pieces)
            / arrays.hardening_factor[arrays.n_nodes + pieces.link]
        ),
    )
    if ln_residual is not None:
        felt = felt * np.exp(ln_residual)
    elif hazard.pga_variability == "sampled" and not uses_observed_shaking(hazard):
        felt = felt * np.exp(between + BJF97_SIGMA_WITHIN * within)
    expected = fiber_faults_per_km(hazard, felt) * pieces.km
    damage, _ = sample_route_faults(pieces, expected, arrays, rng, cause)
    return dataclasses.replace(damage, onset_h=np.full(len(damage), hazard.at_h))


def _submarine_faults(
    hazard: Earthquake,
    pieces: RoutePieces,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    if not len(pieces):
        return Damage.empty(cause)
    expected = per_hazard(
        arrays,
        hazard,
        "earthquake: submarine faults",
        lambda: _submarine_expected(hazard, pieces, arrays),
    )
    damage, _ = sample_route_faults(pieces, expected, arrays, rng, cause)
    travel_km = source_distance_km(hazard, damage.fault_lat, damage.fault_lon)
    speed = hazard.submarine_cable_faults.turbidity_current_speed_kmh
    return dataclasses.replace(damage, onset_h=hazard.at_h + travel_km / speed)


def _submarine_expected(
    hazard: Earthquake, pieces: RoutePieces, arrays: NetworkArrays
) -> np.ndarray:
    """Expected submarine-cable faults per piece, hardening applied."""
    distance = source_distance_km(hazard, pieces.mid_lat, pieces.mid_lon)
    hardening = arrays.hardening_factor[arrays.n_nodes + pieces.link]
    return submarine_faults_per_km(hazard, distance) * pieces.km / hardening


# --- Footprint -----------------------------------------------------------------------------
def earthquake_footprint(
    hazard: Earthquake, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Asset indices the earthquake can take down; empty if its footprint touches none.

    A site is inside when its failure probability reaches 1e-6, the PGA residual (if
    sampled) folded into the fragility dispersion; a link when its expected number of
    faults does (fibre at the PGA three total sigmas above the median, an upper bound).

    Parameters
    ----------
    hazard : Earthquake
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
    n = arrays.n_nodes
    sigma = _footprint_sigma(hazard, arrays.asset_lat[:n], arrays.asset_lon[:n])
    pga = np.nan_to_num(_node_median_pga_g(hazard, arrays), nan=0.0) / arrays.hardening_factor[:n]
    library = fragility_library(builtin_fragility(hazard.power_substation_class), hazard, "pga_g")
    state = failure_state_index(hazard) - 1
    p_fail = np.zeros(n)
    kinds = arrays.asset_kinds[:n]
    for kind, fragility in library.items():
        mask = (kinds == kind) & (pga > 0)
        curve = fragility.curves[state]
        z = np.log(pga[mask] / curve.median) / np.hypot(curve.beta, np.broadcast_to(sigma, n)[mask])
        p_fail[mask] = ndtr(z)
    expected = np.zeros(arrays.n_links)
    fiber = route_pieces(topology, arrays, ("terrestrial_fiber",))
    if len(fiber):
        sigma_fiber = _footprint_sigma(hazard, fiber.mid_lat, fiber.mid_lon)
        pga_high = _piece_median_pga_g(hazard, fiber) * np.exp(3.0 * sigma_fiber)
        hardening = arrays.hardening_factor[n + fiber.link]
        rate = fiber_faults_per_km(hazard, pga_high / hardening) * fiber.km
        np.add.at(expected, fiber.link, rate)
    submarine = route_pieces(topology, arrays, ("submarine_cable",))
    if len(submarine):
        np.add.at(expected, submarine.link, _submarine_expected(hazard, submarine, arrays))
    p_link = -np.expm1(-expected)  # P(at least one fault)
    return np.flatnonzero(np.concatenate([p_fail, p_link]) >= FOOTPRINT_MIN_PROBABILITY)


def _footprint_sigma(hazard: Earthquake, lat: np.ndarray, lon: np.ndarray):
    """Total ln-PGA spread at points: BJF97's, the shakemap's STDPGA, or 0 (median)."""
    if uses_observed_shaking(hazard):
        sigma = observed_sigma_ln_pga(hazard, lat, lon)
        return 0.0 if sigma is None else sigma
    if hazard.pga_variability == "sampled":
        return float(np.hypot(BJF97_SIGMA_BETWEEN, BJF97_SIGMA_WITHIN))
    return 0.0


# --- The sampler ----------------------------------------------------------------------------
def sample_earthquake(
    hazard: Earthquake,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Sample the damage of one earthquake: failing sites, fibre breaks, submarine faults.

    Sites fail at ``at_h`` when their damage state reaches ``failure_state``, with a repair
    time drawn for that state; cable faults are located, each its own repair job, with the
    repair time left to ``recovery.repair_h`` of the link kind.

    Parameters
    ----------
    hazard : Earthquake
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
        The failures and located faults.
    """
    n = arrays.n_nodes
    fiber = route_pieces(topology, arrays, ("terrestrial_fiber",))
    submarine = route_pieces(topology, arrays, ("submarine_cable",))
    pga, fragility, restoration = per_hazard(
        arrays, hazard, "earthquake: sites", lambda: _site_model(hazard, arrays)
    )
    between, piece_residual = 0.0, None
    if uses_observed_shaking(hazard):
        residual = shakemap_ln_residual(hazard, topology, arrays, rng)
        if residual is not None:
            pga = pga * np.exp(residual[:n])
            piece_residual = residual[n:]
    else:
        between = BJF97_SIGMA_BETWEEN * rng.standard_normal()
        within = rng.standard_normal(n)
        if hazard.pga_variability == "sampled":
            pga = pga * np.exp(between + BJF97_SIGMA_WITHIN * within)
    sites = sample_graded_damage(
        hazard,
        node_sites(arrays),
        pga,
        np.full(n, hazard.at_h),
        fragility,
        restoration,
        arrays,
        rng,
        cause,
    )
    return _concat(
        [
            sites,
            _fiber_faults(hazard, fiber, arrays, between, rng, cause, piece_residual),
            _submarine_faults(hazard, submarine, arrays, rng, cause),
        ]
    )


def shakemap_ln_residual(
    hazard: Earthquake, topology: Topology, arrays: NetworkArrays, rng: np.random.Generator
) -> np.ndarray | None:
    """One replication's ln-PGA residual at every node then every fibre piece:
    ``STDPGA x z``, ``z`` the Jayaram & Baker (2009) correlated field. None (no draw)
    without STDPGA or with ``pga_variability: median``.

    Parameters
    ----------
    hazard : Earthquake
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The hazards' stream.

    Returns
    -------
    numpy.ndarray or None
        ``(n_nodes + n_pieces,)`` residuals, or None.
    """
    field = per_hazard(
        arrays,
        hazard,
        "earthquake: residual field",
        lambda: _field(hazard, arrays, route_pieces(topology, arrays, ("terrestrial_fiber",))),
    )
    if field is None:
        return None
    sigma, sampler = field
    return sigma * sampler.sample(rng)


def _field(hazard: Earthquake, arrays: NetworkArrays, fiber: RoutePieces):
    """(STDPGA, correlated field) at nodes then fibre pieces; None without STDPGA."""
    n = arrays.n_nodes
    lat = np.concatenate([arrays.asset_lat[:n], fiber.mid_lat])
    lon = np.concatenate([arrays.asset_lon[:n], fiber.mid_lon])
    sigma = observed_sigma_ln_pga(hazard, lat, lon)
    if sigma is None:
        return None
    return sigma, correlated_field(lat, lon, JB09_PGA_RANGE_KM[hazard.vs30_clustering])


def _site_model(hazard: Earthquake, arrays: NetworkArrays):
    """Median PGA per node (0 where unlocated), fragility and restoration libraries."""
    return (
        np.nan_to_num(_node_median_pga_g(hazard, arrays), nan=0.0),
        fragility_library(builtin_fragility(hazard.power_substation_class), hazard, "pga_g"),
        restoration_library(BUILTIN_RESTORATION, hazard),
    )


def _concat(parts: list[Damage]) -> Damage:
    """One record holding every entry of ``parts`` (which share one cause), in order."""
    out = DamageBuilder()
    for part in parts:
        out.extend(part)
    return out.build(parts[0].cause)
