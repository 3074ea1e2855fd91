"""Faults along link routes with a rate that varies along the route (hazards layer).

Used by hazards whose expected number of cable breaks per km changes continuously along
a route (an earthquake's fibre breaks follow the shaking; its submarine-cable faults
depend on distance from the source). Every segment of the shared route table
(:mod:`resilience_sim.hazards.kit.routes`) is cut once per topology into equal pieces of at
most ``PIECE_KM``; a hazard gives each piece an expected number of faults, and
:func:`sample_route_faults` turns that into located faults, each its own repair job.

Draw pattern: two uniforms per piece (count, position), in piece order, whatever the
rates, so the draws never depend on how many faults occur.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.routes import RouteSegments, route_segments
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

PIECE_KM = 1.0  # pieces are short enough that a band edge or a PGA gradient moves little
_U_MIN = 1e-12


@dataclass(frozen=True)
class RoutePieces:
    """Pieces of link routes, shape ``(n_pieces,)`` each.

    ``link`` is the link index (0-based among links); ``lat0, lon0 -> lat1, lon1`` the
    piece's ends (``lon1`` unwrapped to within 180 degrees of ``lon0``); ``mid_lat,
    mid_lon`` its middle; ``km`` its length, scaled so a link's pieces sum to its declared
    ``length_km`` where one is given (the route is then only the shape).
    """

    link: np.ndarray
    lat0: np.ndarray
    lon0: np.ndarray
    lat1: np.ndarray
    lon1: np.ndarray
    km: np.ndarray

    @property
    def mid_lat(self) -> np.ndarray:
        """``(n_pieces,)`` latitude of each piece's middle, degrees."""
        return 0.5 * (self.lat0 + self.lat1)

    @property
    def mid_lon(self) -> np.ndarray:
        """``(n_pieces,)`` longitude of each piece's middle, degrees, in [-180, 180)."""
        return wrap_lon(0.5 * (self.lon0 + self.lon1))

    def __len__(self) -> int:
        return len(self.link)


_CACHE: weakref.WeakKeyDictionary[NetworkArrays, dict[tuple[str, ...], RoutePieces]] = (
    weakref.WeakKeyDictionary()
)


def route_pieces(topology: Topology, arrays: NetworkArrays, kinds: tuple[str, ...]) -> RoutePieces:
    """Pieces of every located link of the given kinds (built once per ``arrays``).

    Cut from the shared segment table of :func:`resilience_sim.hazards.kit.routes.route_segments`;
    links without coordinates have no pieces (and so never get located faults).

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
    RoutePieces
        The pieces.
    """
    per_arrays = _CACHE.setdefault(arrays, {})
    if kinds not in per_arrays:
        per_arrays[kinds] = _build_pieces(route_segments(topology, arrays), arrays, kinds)
    return per_arrays[kinds]


def _build_pieces(
    segments: RouteSegments, arrays: NetworkArrays, kinds: tuple[str, ...]
) -> RoutePieces:
    link_kinds = arrays.asset_kinds[arrays.n_nodes :]
    keep = np.isin(link_kinds[segments.link], kinds)
    link = segments.link[keep]
    lat_a, lon_a = segments.lat0[keep], segments.lon0[keep]
    lat_b = segments.lat1[keep]
    lon_b = lon_a + wrap_lon(segments.lon1[keep] - lon_a)  # the short way round
    seg_km = haversine_km(lat_a, lon_a, lat_b, lon_b)
    n_sub = np.maximum(1, np.ceil(seg_km / PIECE_KM).astype(np.int64))
    seg = np.repeat(np.arange(len(seg_km)), n_sub)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    f0, f1 = k / n_sub[seg], (k + 1) / n_sub[seg]
    lat0 = lat_a[seg] + f0 * (lat_b[seg] - lat_a[seg])
    lat1 = lat_a[seg] + f1 * (lat_b[seg] - lat_a[seg])
    lon0 = lon_a[seg] + f0 * (lon_b[seg] - lon_a[seg])
    lon1 = lon_a[seg] + f1 * (lon_b[seg] - lon_a[seg])
    km = seg_km[seg] / n_sub[seg]
    piece_link = link[seg]
    # a declared length_km is the cable's length; the route then only gives its shape
    geometric = np.bincount(piece_link, weights=km, minlength=arrays.n_links)
    declared = arrays.link_length_km
    scale = np.where(
        np.isfinite(declared) & (geometric > 0),
        declared / np.where(geometric > 0, geometric, 1.0),
        1.0,
    )
    shift = lon0 - wrap_lon(lon0)
    return RoutePieces(piece_link, lat0, lon0 - shift, lat1, lon1 - shift, km * scale[piece_link])


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Smallest k with P(Poisson(mean) <= k) >= u, elementwise (inverse CDF), int64.

    Summed term by term for the small means of route pieces (fast, exact); scipy's
    ``poisson.ppf`` for means above 30, where ``exp(-mean)`` would lose precision.

    Parameters
    ----------
    u : numpy.ndarray
        Uniforms, 0..1.
    mean : numpy.ndarray
        Poisson means (same shape).

    Returns
    -------
    numpy.ndarray
        Counts, int64.
    """
    k = np.zeros(len(u), dtype=np.int64)
    large = mean > 30.0
    if large.any():
        k[large] = poisson.ppf(u[large], mean[large]).astype(np.int64)
    pmf = np.exp(-np.where(large, 0.0, mean))
    cdf = pmf.copy()
    active = np.flatnonzero(~large & (u > cdf))
    j = 0
    while len(active):
        j += 1
        pmf[active] *= mean[active] / j
        cdf[active] += pmf[active]
        k[active] = j
        active = active[u[active] > cdf[active]]
    return k


def wrap_lon(lon: np.ndarray) -> np.ndarray:
    """Longitudes brought into [-180, 180).

    Parameters
    ----------
    lon : numpy.ndarray
        Longitudes, degrees.

    Returns
    -------
    numpy.ndarray
        Longitudes in [-180, 180).
    """
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


def sample_route_faults(
    pieces: RoutePieces,
    expected_faults: np.ndarray,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> tuple[Damage, np.ndarray]:
    """Located faults: a Poisson number per piece with mean ``expected_faults`` (shape
    ``(n_pieces,)``), spread evenly along the piece from one random offset.

    Returns the faults as ``Damage`` (onset 0, needing repair; set the onsets with
    ``dataclasses.replace``) and the piece index of each fault. Inverse-CDF Poisson draws:
    a larger mean never gives fewer faults for the same draw.

    Parameters
    ----------
    pieces : RoutePieces
        The route pieces.
    expected_faults : numpy.ndarray
        ``(n_pieces,)`` expected faults.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    damage : Damage
        The faults.
    piece : numpy.ndarray
        Piece index of each fault.
    """
    u_count = np.clip(rng.random(len(pieces)), _U_MIN, 1.0 - _U_MIN)
    u_position = rng.random(len(pieces))
    counts = poisson_quantile(u_count, np.asarray(expected_faults, dtype=float))
    piece = np.repeat(np.arange(len(pieces)), counts)
    # the j-th of k faults on a piece sits at fraction (j + u) / k along it
    j = np.arange(len(piece)) - np.repeat(np.cumsum(counts) - counts, counts)
    f = (j + u_position[piece]) / np.maximum(counts[piece], 1)
    lat = pieces.lat0[piece] + f * (pieces.lat1[piece] - pieces.lat0[piece])
    lon = wrap_lon(pieces.lon0[piece] + f * (pieces.lon1[piece] - pieces.lon0[piece]))
    damage = DamageBuilder()
    damage.add(arrays.n_nodes + pieces.link[piece], 0.0, fault_lat=lat, fault_lon=lon)
    return damage.build(cause), piece


def distance_to_polyline_km(
    lat: np.ndarray, lon: np.ndarray, line_lat: np.ndarray, line_lon: np.ndarray
) -> np.ndarray:
    """Great-circle distance (km) from points ``(n,)`` to a polyline of ``m >= 1`` vertices.

    Per segment: the cross-track distance where the foot of the perpendicular falls
    inside the segment, else the distance to the nearer end (spherical Earth).

    Parameters
    ----------
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    line_lat, line_lon : numpy.ndarray
        ``(m,)`` vertices, decimal degrees.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` distances, km.
    """
    lat = np.asarray(lat, dtype=float)[:, None]
    lon = np.asarray(lon, dtype=float)[:, None]
    a_lat, a_lon = np.asarray(line_lat, float)[None, :-1], np.asarray(line_lon, float)[None, :-1]
    b_lat, b_lon = np.asarray(line_lat, float)[None, 1:], np.asarray(line_lon, float)[None, 1:]
    to_vertex = haversine_km(lat, lon, np.asarray(line_lat)[None, :], np.asarray(line_lon)[None, :])
    best = np.min(to_vertex, axis=1)
    if a_lat.shape[1] == 0:
        return best
    d13 = haversine_km(a_lat, a_lon, lat, lon) / EARTH_RADIUS_KM
    d12 = haversine_km(a_lat, a_lon, b_lat, b_lon) / EARTH_RADIUS_KM
    dtheta = _bearing(a_lat, a_lon, lat, lon) - _bearing(a_lat, a_lon, b_lat, b_lon)
    cross = np.arcsin(np.clip(np.sin(d13) * np.sin(dtheta), -1.0, 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        along = np.arccos(np.clip(np.cos(d13) / np.cos(cross), -1.0, 1.0))
    inside = (np.cos(dtheta) > 0) & (along <= d12)
    cross_km = np.where(inside, np.abs(cross) * EARTH_RADIUS_KM, np.inf)
    return np.minimum(best, np.min(cross_km, axis=1))


def _bearing(lat1, lon1, lat2, lon2):
    """Initial great-circle bearing from point 1 to point 2, radians."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    return np.arctan2(
        np.sin(dl) * np.cos(p2), np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    )
