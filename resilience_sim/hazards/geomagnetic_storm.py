"""Hazard `geomagnetic_storm`: repeater failures on long submarine cables (hazards layer).

From the scenario's :class:`~resilience_sim.scenario.hazard_specs.geomagnetic_storm.
GeomagneticStorm` (Dst or Kp) to failed repeaters. A transparent, `assumed` model
(no published quantitative model of repeater failure under geomagnetically induced
currents was available to us; docs/hazards/geomagnetic_storm.md explains each piece):

* a cable of length ``L`` has ``n = ceil(L / spacing) - 1`` repeaters, evenly spaced
  along its route (a cable shorter than one span is unrepeatered and immune);
* repeater ``k`` fails independently with probability
  ``p_k = min(1, p_ref * S * g(lambda_k))``: ``S`` the storm factor (1 for a reference
  storm, Dst = -589 nT or Kp 9), ``g`` a latitude factor of the repeater's geomagnetic
  latitude ``lambda_k`` (centred-dipole approximation), rising from 0.1 at low to 1 at
  high latitude across ~50 degrees;
* so ``P(cable fails) = 1 - prod_k (1 - p_k)``, which is ``1 - (1 - p)**n`` for equal p.

Each failed repeater is a located fault at ``at_h`` (its own repair job), or, with
``duration_h``, one power-feed trip per affected cable that clears by itself.

Draw pattern: one uniform per repeater of every submarine cable, in cable order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.hazards.kit.route_faults import route_pieces, wrap_lon
from resilience_sim.scenario.hazard_specs.geomagnetic_storm import GeomagneticStorm
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

CABLE_KINDS = ("submarine_cable",)

# Centred-dipole geomagnetic north pole, epoch 2020, from the IGRF (table of
# deeptow.whoi.edu/cdpole.html: 80.59 N, 73.17 W). Approximate: the pole drifts
# ~0.06 deg/yr and the real field is not a centred dipole (errors of a few degrees).
DIPOLE_POLE_LAT = 80.59
DIPOLE_POLE_LON = -73.17

# Reference storm (storm factor 1): March 1989, Dst minimum -589 nT (WDC Kyoto value
# as widely quoted; confidence L-M), Kp 9.
REFERENCE_DST_NT = -589.0
# Kp -> ap equivalent amplitude (nT) at integer Kp (the "o" values of the standard
# Bartels conversion, recalled, not re-verified here; confidence L). Interpolated
# linearly between integers. S = ap(Kp) / ap(9).
KP_AP = np.array([0.0, 4.0, 7.0, 15.0, 27.0, 48.0, 80.0, 132.0, 207.0, 400.0])

# Latitude factor: Pulkkinen et al. (2012), "Generation of 100-year geomagnetically
# induced current scenarios", Space Weather: geoelectric field amplitudes drop by about
# an order of magnitude across a boundary at ~50 deg geomagnetic latitude (the drop
# spanning ~40-60 deg). g is a logistic step from LOW_LATITUDE_FACTOR to 1 centred at
# LATITUDE_THRESHOLD_DEG; the width (`assumed`) puts 5-95 % of the rise within +-10 deg.
LOW_LATITUDE_FACTOR = 0.1
LATITUDE_THRESHOLD_DEG = 50.0
LATITUDE_WIDTH_DEG = 10.0 / np.log(19.0)  # logistic 5 % -> 95 % over +-10 deg


def geomagnetic_latitude_deg(lat, lon) -> np.ndarray:
    """Centred-dipole geomagnetic latitude (degrees) of geographic ``lat``/``lon``.

    ``sin(lambda_m) = sin(lat) sin(lat_p) + cos(lat) cos(lat_p) cos(lon - lon_p)``.

    Parameters
    ----------
    lat, lon : float or array_like
        Geographic points, decimal degrees.

    Returns
    -------
    numpy.ndarray
        Geomagnetic latitudes, degrees.

    Examples
    --------
    >>> round(float(geomagnetic_latitude_deg(DIPOLE_POLE_LAT, DIPOLE_POLE_LON)), 5)
    90.0
    """
    phi = np.radians(np.asarray(lat, dtype=float))
    dlon = np.radians(np.asarray(lon, dtype=float) - DIPOLE_POLE_LON)
    phi_p = np.radians(DIPOLE_POLE_LAT)
    s = np.sin(phi) * np.sin(phi_p) + np.cos(phi) * np.cos(phi_p) * np.cos(dlon)
    return np.degrees(np.arcsin(np.clip(s, -1.0, 1.0)))


def latitude_factor(mlat_deg) -> np.ndarray:
    """Relative geoelectric hazard at geomagnetic latitude ``mlat_deg`` (0.1 .. 1).

    Exactly halfway (0.55) at 50 degrees, in either hemisphere.

    Parameters
    ----------
    mlat_deg : float or array_like
        Geomagnetic latitudes, degrees.

    Returns
    -------
    numpy.ndarray
        Factors, 0.1..1.
    """
    z = (np.abs(np.asarray(mlat_deg, dtype=float)) - LATITUDE_THRESHOLD_DEG) / LATITUDE_WIDTH_DEG
    return LOW_LATITUDE_FACTOR + (1.0 - LOW_LATITUDE_FACTOR) / (1.0 + np.exp(-z))


def storm_factor(hazard: GeomagneticStorm) -> float:
    """Storm strength relative to the reference storm: |Dst| / 589 nT, or ap(Kp) / 400 nT.

    Parameters
    ----------
    hazard : GeomagneticStorm
        The hazard's scenario entry.

    Returns
    -------
    float
        The factor.
    """
    if hazard.dst_nt is not None:
        return hazard.dst_nt / REFERENCE_DST_NT
    return float(np.interp(hazard.kp, np.arange(10.0), KP_AP) / KP_AP[-1])


@dataclass(frozen=True)
class Repeaters:
    """Repeaters of every located submarine cable, in cable order; shapes ``(n,)``."""

    link: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.link)


def cable_repeaters(topology: Topology, arrays: NetworkArrays, spacing_km: float) -> Repeaters:
    """``ceil(L / spacing_km) - 1`` repeaters per cable, evenly spaced along its route.

    ``L`` is the cable's length (its declared ``length_km``, else its route length); the
    route gives where they are. Cables without located geometry have none here.

    Parameters
    ----------
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    spacing_km : float
        Repeater spacing, km.

    Returns
    -------
    Repeaters
        The repeaters and their positions.
    """
    pieces = route_pieces(topology, arrays, CABLE_KINDS)
    total = np.bincount(pieces.link, weights=pieces.km, minlength=arrays.n_links)
    n_rep = np.maximum(np.ceil(total / spacing_km - 1e-9).astype(np.int64) - 1, 0)
    link = np.repeat(np.arange(arrays.n_links), n_rep)
    k = np.arange(len(link)) - np.repeat(np.cumsum(n_rep) - n_rep, n_rep) + 1
    along = k * total[link] / (n_rep[link] + 1)  # km from the cable's start
    # pieces are in link order: place each repeater in the piece that holds its km
    end = np.cumsum(pieces.km)
    start_of_link = np.zeros(arrays.n_links)
    first = np.searchsorted(pieces.link, np.arange(arrays.n_links))
    has = first < len(pieces)
    start_of_link[has] = (end - pieces.km)[first[has]]
    piece = np.searchsorted(end, start_of_link[link] + along, side="left")
    piece = np.minimum(piece, len(pieces) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.clip(
            (start_of_link[link] + along - (end[piece] - pieces.km[piece])) / pieces.km[piece],
            0.0,
            1.0,
        )
    f = np.nan_to_num(f, nan=0.5)
    lat = pieces.lat0[piece] + f * (pieces.lat1[piece] - pieces.lat0[piece])
    lon = wrap_lon(pieces.lon0[piece] + f * (pieces.lon1[piece] - pieces.lon0[piece]))
    return Repeaters(link, lat, lon)


def repeater_failure_probability(hazard: GeomagneticStorm, repeaters: Repeaters) -> np.ndarray:
    """``p_k = min(1, p_ref * S * g(lambda_k))`` per repeater.

    Parameters
    ----------
    hazard : GeomagneticStorm
        The hazard's scenario entry.
    repeaters : Repeaters
        The repeaters.

    Returns
    -------
    numpy.ndarray
        ``(n_repeaters,)`` probabilities, 0..1.
    """
    g = latitude_factor(geomagnetic_latitude_deg(repeaters.lat, repeaters.lon))
    return np.minimum(1.0, hazard.repeater_failure_probability * storm_factor(hazard) * g)


def _exposure(
    hazard: GeomagneticStorm, topology: Topology, arrays: NetworkArrays
) -> tuple[Repeaters, np.ndarray]:
    repeaters = cable_repeaters(topology, arrays, hazard.repeater_spacing_km)
    return repeaters, repeater_failure_probability(hazard, repeaters)


def geomagnetic_storm_intensity(
    hazard: GeomagneticStorm, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """P(the asset fails) per asset, shape ``(n_assets,)``: ``1 - prod(1 - p_k)`` over a
    cable's repeaters, 0 for every other asset.

    Parameters
    ----------
    hazard : GeomagneticStorm
        The hazard's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` probabilities, 0..1.
    """
    repeaters = cable_repeaters(topology, arrays, hazard.repeater_spacing_km)
    p = repeater_failure_probability(hazard, repeaters)
    log_survive = np.zeros(arrays.n_links)
    with np.errstate(divide="ignore"):
        np.add.at(log_survive, repeaters.link, np.log1p(-p))
    out = np.zeros(arrays.n_assets)
    out[arrays.n_nodes :] = -np.expm1(log_survive)
    return out


def geomagnetic_storm_footprint(
    hazard: GeomagneticStorm, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Asset indices with a non-zero probability of failing.

    Parameters
    ----------
    hazard : GeomagneticStorm
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
    return np.flatnonzero(geomagnetic_storm_intensity(hazard, topology, arrays) > 0)


def sample_geomagnetic_storm(
    hazard: GeomagneticStorm,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Draw failed repeaters: one located fault each, or one self-clearing trip per cable.

    Parameters
    ----------
    hazard : GeomagneticStorm
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
        The faults or trips.
    """
    repeaters, p = per_hazard(
        arrays, hazard, "repeaters", lambda: _exposure(hazard, topology, arrays)
    )
    failed = rng.random(len(repeaters)) < p
    out = DamageBuilder()
    if hazard.duration_h is None:
        out.add(
            arrays.n_nodes + repeaters.link[failed],
            hazard.at_h,
            fault_lat=repeaters.lat[failed],
            fault_lon=repeaters.lon[failed],
        )
    else:
        out.add(
            arrays.n_nodes + np.unique(repeaters.link[failed]),
            hazard.at_h,
            duration_h=hazard.duration_h,
        )
    return out.build(cause)


__all__ = [
    "Repeaters",
    "cable_repeaters",
    "geomagnetic_latitude_deg",
    "geomagnetic_storm_footprint",
    "geomagnetic_storm_intensity",
    "latitude_factor",
    "repeater_failure_probability",
    "sample_geomagnetic_storm",
    "storm_factor",
]
