"""Link route geometry shared by the hazards (hazards layer).

A link's geometry is ``Topology.link_points`` (its route vertices, else its located
end points). :func:`route_segments` compiles it once per ``NetworkArrays`` into a flat
table of straight segments that every route-aware hazard queries vectorised (no
per-event walk of the topology); :mod:`resilience_sim.hazards.kit.route_faults` cuts it
into short pieces. This module also holds the planar geometry some hazards need: a
local projection, point-in-polygon, and where a corridor (a ship's anchor track)
crosses routes.

Planar geometry uses the azimuthal equidistant projection about a centre the hazard
chooses (the middle of a ship's track, a zone's centre). Distances from the centre
are exact great-circle distances; the scale error across the radius is
``c / sin(c) - 1 ~ c**2 / 6`` for an angular distance ``c`` from the centre: 0.1 % at
500 km, 0.4 % at 1,000 km, 1.6 % at 2,000 km. Route segments are straight lines on
that plane (a route's vertices are assumed close enough that the great circle
between them is nearly straight there).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

_EPS_T = 1e-9  # segment-parameter tolerance when joining pieces across vertices


@dataclass(frozen=True, eq=False)
class RouteSegments:
    """Every link's geometry as straight segments, links in order, in degrees.

    Shapes ``(n_segments,)``. ``link`` is the link position ``j`` (asset index
    ``n_nodes + j``). A link with one located point has one zero-length segment; a
    link with none has no segment.
    """

    link: np.ndarray
    lat0: np.ndarray
    lon0: np.ndarray
    lat1: np.ndarray
    lon1: np.ndarray
    n_links: int

    def __len__(self) -> int:
        return len(self.link)


_SEGMENT_CACHE: weakref.WeakKeyDictionary[NetworkArrays, RouteSegments] = (
    weakref.WeakKeyDictionary()
)


def route_segments(topology: Topology, arrays: NetworkArrays) -> RouteSegments:
    """The segment table of ``topology`` (built once per ``arrays``, then cached).

    Parameters
    ----------
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    RouteSegments
        The segments.
    """
    cached = _SEGMENT_CACHE.get(arrays)
    if cached is not None:
        return cached
    link, a, b = [], [], []
    for j, edge in enumerate(topology.links):
        points = np.asarray(topology.link_points(edge), dtype=float).reshape(-1, 2)
        if len(points) == 0:
            continue
        if len(points) == 1:
            points = np.vstack([points, points])
        link.append(np.full(len(points) - 1, j, dtype=np.int64))
        a.append(points[:-1])
        b.append(points[1:])
    if link:
        start, end = np.concatenate(a), np.concatenate(b)
        table = RouteSegments(
            np.concatenate(link),
            start[:, 0],
            start[:, 1],
            end[:, 0],
            end[:, 1],
            len(topology.links),
        )
    else:
        empty = np.empty(0)
        table = RouteSegments(np.empty(0, dtype=np.int64), empty, empty, empty, empty, 0)
    _SEGMENT_CACHE[arrays] = table
    return table


def project(lat, lon, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal equidistant projection about ``(lat0, lon0)``: ``(x east, y north)`` km.

    Parameters
    ----------
    lat, lon : float or array_like
        Points, decimal degrees.
    lat0, lon0 : float
        Centre of the projection, decimal degrees.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(x, y)``, km.

    Examples
    --------
    >>> x, y = project(0.0, 1.0, 0.0, 0.0)
    >>> round(float(x), 2), round(float(y), 6)
    (111.2, 0.0)
    """
    lat = np.radians(np.asarray(lat, dtype=float))
    dlon = np.radians(np.asarray(lon, dtype=float) - lon0)
    phi0 = np.radians(lat0)
    c = haversine_km(lat0, lon0, np.degrees(lat), np.asarray(lon, dtype=float)) / EARTH_RADIUS_KM
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(c > 1e-12, c / np.sin(c), 1.0)
    x = EARTH_RADIUS_KM * k * np.cos(lat) * np.sin(dlon)
    y = (
        EARTH_RADIUS_KM
        * k
        * (np.cos(phi0) * np.sin(lat) - np.sin(phi0) * np.cos(lat) * np.cos(dlon))
    )
    return x, y


def unproject(x, y, lat0: float, lon0: float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`project`: ``(lat, lon)`` in degrees, longitude in [-180, 180).

    Parameters
    ----------
    x, y : float or array_like
        Planar points, km.
    lat0, lon0 : float
        Centre of the projection, decimal degrees.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(lat, lon)``, decimal degrees.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    rho = np.hypot(x, y)
    c = rho / EARTH_RADIUS_KM
    phi0 = np.radians(lat0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(rho > 0, y * np.sin(c) / rho, 0.0)
    lat = np.arcsin(np.clip(np.cos(c) * np.sin(phi0) + ratio * np.cos(phi0), -1.0, 1.0))
    lon = lon0 + np.degrees(
        np.arctan2(x * np.sin(c), rho * np.cos(phi0) * np.cos(c) - y * np.sin(phi0) * np.sin(c))
    )
    return np.degrees(lat), (lon + 180.0) % 360.0 - 180.0


def spherical_centre(lat, lon) -> tuple[float, float]:
    """Centre of a set of points: their mean unit vector, normalised (safe at +-180 deg).

    Parameters
    ----------
    lat, lon : array_like
        Points, decimal degrees.

    Returns
    -------
    tuple[float, float]
        ``(lat, lon)``, decimal degrees.
    """
    lat = np.radians(np.asarray(lat, dtype=float))
    lon = np.radians(np.asarray(lon, dtype=float))
    v = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]).mean(axis=1)
    return (
        float(np.degrees(np.arctan2(v[2], np.hypot(v[0], v[1])))),
        float(np.degrees(np.arctan2(v[1], v[0]))),
    )


@dataclass(frozen=True, eq=False)
class PlanarRoutes:
    """Route segments projected about ``(lat0, lon0)``, in km; shapes ``(n_segments,)``."""

    lat0: float
    lon0: float
    link: np.ndarray
    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    n_links: int

    @classmethod
    def build(
        cls, segments: RouteSegments, lat0: float, lon0: float, links: np.ndarray | None = None
    ) -> PlanarRoutes:
        """Project ``segments`` (only those of link positions ``links``, if given).

        Parameters
        ----------
        segments : RouteSegments
            The segment table.
        lat0, lon0 : float
            Centre of the projection, decimal degrees.
        links : numpy.ndarray or None, default None
            Link positions to keep (None: all).

        Returns
        -------
        PlanarRoutes
            The projected segments.
        """
        keep = slice(None) if links is None else np.isin(segments.link, links)
        x0, y0 = project(segments.lat0[keep], segments.lon0[keep], lat0, lon0)
        x1, y1 = project(segments.lat1[keep], segments.lon1[keep], lat0, lon0)
        return cls(lat0, lon0, segments.link[keep], x0, y0, x1, y1, segments.n_links)

    @property
    def length_km(self) -> np.ndarray:
        """``(n_segments,)`` planar length of each segment, km."""
        return np.hypot(self.x1 - self.x0, self.y1 - self.y0)

    def point(self, seg: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Planar point at parameter ``t`` (0..1) along segments ``seg``.

        Parameters
        ----------
        seg : numpy.ndarray
            Segment indices.
        t : numpy.ndarray
            Parameters, 0..1.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            ``(x, y)``, km.
        """
        return (
            self.x0[seg] + t * (self.x1[seg] - self.x0[seg]),
            self.y0[seg] + t * (self.y1[seg] - self.y0[seg]),
        )

    def to_latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Planar points back to ``(lat, lon)`` (see :func:`unproject`).

        Parameters
        ----------
        x, y : float or array_like
            Planar points, km.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray]
            ``(lat, lon)``, decimal degrees.
        """
        return unproject(x, y, self.lat0, self.lon0)


@dataclass(frozen=True)
class Pieces:
    """Parts ``[t_lo, t_hi]`` of route segments inside a footprint; shapes ``(n_pieces,)``.

    Sorted by segment, then ``t_lo``; pieces never overlap.
    """

    seg: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray

    def __len__(self) -> int:
        return len(self.seg)

    def length_km(self, routes: PlanarRoutes) -> np.ndarray:
        """``(n_pieces,)`` length of each piece, km.

        Parameters
        ----------
        routes : PlanarRoutes
            The segments the pieces are of.

        Returns
        -------
        numpy.ndarray
            Lengths, km.
        """
        return (self.t_hi - self.t_lo) * routes.length_km[self.seg]

    def stretches(self, routes: PlanarRoutes) -> np.ndarray:
        """Stretch id per piece: pieces continuing one another across a route vertex
        (same link, next segment, ending at 1 and starting at 0) form one stretch.

        Parameters
        ----------
        routes : PlanarRoutes
            The segments the pieces are of.

        Returns
        -------
        numpy.ndarray
            ``(n_pieces,)`` stretch ids.
        """
        if len(self) == 0:
            return np.empty(0, dtype=np.int64)
        same_link = routes.link[self.seg[1:]] == routes.link[self.seg[:-1]]
        joined = (
            same_link
            & (self.seg[1:] - self.seg[:-1] <= 1)
            & ((self.seg[1:] == self.seg[:-1]) | (self.t_hi[:-1] >= 1 - _EPS_T))
            & ((self.seg[1:] == self.seg[:-1]) | (self.t_lo[1:] <= _EPS_T))
            & ((self.seg[1:] != self.seg[:-1]) | (self.t_lo[1:] <= self.t_hi[:-1] + _EPS_T))
        )
        return np.concatenate([[0], np.cumsum(~joined)]).astype(np.int64)

    def stretch_midpoints(self, routes: PlanarRoutes) -> tuple[np.ndarray, ...]:
        """One point per stretch: ``(link position, x, y)`` of its middle by length.

        A stretch of zero length (a route touching the footprint at one point) gives
        that point.

        Parameters
        ----------
        routes : PlanarRoutes
            The segments the pieces are of.

        Returns
        -------
        tuple[numpy.ndarray, ...]
            ``(link position, x, y)`` per stretch.
        """
        stretch = self.stretches(routes)
        if len(stretch) == 0:
            empty = np.empty(0)
            return np.empty(0, dtype=np.int64), empty, empty
        length = self.length_km(routes)
        n = int(stretch[-1]) + 1
        total = np.bincount(stretch, weights=length, minlength=n)
        before = np.cumsum(length) - length  # length of earlier pieces, all stretches
        first = np.searchsorted(stretch, np.arange(n))
        offset = before - before[first][stretch]  # within the stretch
        half = 0.5 * total[stretch]
        holds = (offset <= half + 1e-12) & (offset + length >= half - 1e-12)
        # the first piece of each stretch that holds its middle
        pick = np.full(n, len(stretch), dtype=np.int64)
        np.minimum.at(pick, stretch[holds], np.flatnonzero(holds))
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(length[pick] > 0, (half[pick] - offset[pick]) / length[pick], 0.5)
        t = self.t_lo[pick] + frac * (self.t_hi[pick] - self.t_lo[pick])
        x, y = routes.point(self.seg[pick], t)
        return routes.link[self.seg[pick]], x, y


def points_in_polygon(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """Even-odd rule: which points ``(px, py)`` lie inside the closed ring ``(qx, qy)``.

    The ring repeats its first vertex at the end. Cost ``O(n_points * n_edges)``.

    Parameters
    ----------
    px, py : numpy.ndarray
        ``(n,)`` points, km.
    qx, qy : numpy.ndarray
        ``(k,)`` ring vertices, km.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.
    """
    xi, yi, xj, yj = qx[:-1], qy[:-1], qx[1:], qy[1:]
    px, py = np.asarray(px)[:, None], np.asarray(py)[:, None]
    straddles = (yi > py) != (yj > py)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_cross = xi + (py - yi) * (xj - xi) / (yj - yi)
    return np.count_nonzero(straddles & (px < x_cross), axis=1) % 2 == 1


def _linear_interval(alpha, beta, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """The ``t`` in [0, 1] with ``lo <= alpha + beta * t <= hi`` (NaN pair if none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ta, tb = (lo - alpha) / beta, (hi - alpha) / beta
    t0 = np.where(
        beta != 0, np.minimum(ta, tb), np.where((alpha >= lo) & (alpha <= hi), 0.0, np.nan)
    )
    t1 = np.where(
        beta != 0, np.maximum(ta, tb), np.where((alpha >= lo) & (alpha <= hi), 1.0, np.nan)
    )
    return np.maximum(t0, 0.0), np.minimum(t1, 1.0)


def _disc_interval(px, py, dx, dy, radius) -> tuple[np.ndarray, np.ndarray]:
    """The ``t`` in [0, 1] with ``|p + t d| <= radius`` (p relative to the disc centre)."""
    a = dx * dx + dy * dy
    b = px * dx + py * dy
    c = px * px + py * py - radius * radius
    disc = b * b - a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.where(disc >= 0, disc, np.nan))
        t0 = np.where(a > 0, (-b - root) / a, np.where(c <= 0, 0.0, np.nan))
        t1 = np.where(a > 0, (-b + root) / a, np.where(c <= 0, 1.0, np.nan))
    return np.maximum(t0, 0.0), np.minimum(t1, 1.0)


def pieces_in_corridor(
    routes: PlanarRoutes, track_x: np.ndarray, track_y: np.ndarray, half_width_km: float
) -> Pieces:
    """Parts of every segment within ``half_width_km`` of the polyline ``track``.

    The corridor is the union of one capsule per track segment (a rectangle along it
    plus a disc at each end); a capsule is convex, so its intersection with a route
    segment is one interval: the hull of the intervals cut by the rectangle and the
    two discs. Intervals of one route segment from several track segments are merged.

    Parameters
    ----------
    routes : PlanarRoutes
        The projected segments.
    track_x, track_y : numpy.ndarray
        Track vertices, km.
    half_width_km : float
        Half the corridor's width, km.

    Returns
    -------
    Pieces
        The pieces.
    """
    ax, ay, bx, by = track_x[:-1], track_y[:-1], track_x[1:], track_y[1:]
    seg_len = np.hypot(bx - ax, by - ay)
    with np.errstate(invalid="ignore", divide="ignore"):
        ux = np.where(seg_len > 0, (bx - ax) / seg_len, 0.0)
        uy = np.where(seg_len > 0, (by - ay) / seg_len, 0.0)
    # pairs: route segment i (rows) x track segment k (columns)
    x0, y0 = routes.x0[:, None], routes.y0[:, None]
    dx, dy = (routes.x1 - routes.x0)[:, None], (routes.y1 - routes.y0)[:, None]
    intervals = [
        _disc_interval(x0 - ax, y0 - ay, dx, dy, half_width_km),
        _disc_interval(x0 - bx, y0 - by, dx, dy, half_width_km),
    ]
    along0, t_along1 = _linear_interval(
        (x0 - ax) * ux + (y0 - ay) * uy, dx * ux + dy * uy, 0, seg_len
    )
    across0, across1 = _linear_interval(
        -(x0 - ax) * uy + (y0 - ay) * ux, -dx * uy + dy * ux, -half_width_km, half_width_km
    )
    rect = (np.maximum(along0, across0), np.minimum(t_along1, across1))
    rect_ok = seg_len > 0
    intervals.append((np.where(rect_ok, rect[0], np.nan), np.where(rect_ok, rect[1], np.nan)))
    lo = np.full(x0.shape[:1] + ax.shape, np.inf)
    hi = np.full_like(lo, -np.inf)
    for t0, t1 in intervals:
        ok = ~np.isnan(t0) & ~np.isnan(t1) & (t0 <= t1)
        lo = np.where(ok, np.minimum(lo, t0), lo)
        hi = np.where(ok, np.maximum(hi, t1), hi)
    hit_seg, hit_track = np.nonzero(lo <= hi)
    return _merge(hit_seg, lo[hit_seg, hit_track], hi[hit_seg, hit_track])


def _merge(seg: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Pieces:
    """Union of possibly overlapping intervals per segment."""
    order = np.lexsort((lo, seg))
    seg, lo, hi = seg[order], lo[order], hi[order]
    out_seg: list[int] = []
    out_lo: list[float] = []
    out_hi: list[float] = []
    for s, a, b in zip(seg.tolist(), lo.tolist(), hi.tolist(), strict=True):
        if out_seg and out_seg[-1] == s and a <= out_hi[-1] + _EPS_T:
            out_hi[-1] = max(out_hi[-1], b)
        else:
            out_seg.append(s)
            out_lo.append(a)
            out_hi.append(b)
    return Pieces(
        np.asarray(out_seg, dtype=np.int64), np.asarray(out_lo, float), np.asarray(out_hi, float)
    )


def distance_along_polyline_km(
    track_x: np.ndarray, track_y: np.ndarray, px: np.ndarray, py: np.ndarray
) -> np.ndarray:
    """Distance along the polyline ``track`` to the point of it nearest each ``(px, py)``.

    Parameters
    ----------
    track_x, track_y : numpy.ndarray
        Track vertices, km.
    px, py : numpy.ndarray
        ``(n,)`` points, km.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` distances, km.
    """
    ax, ay, bx, by = track_x[:-1], track_y[:-1], track_x[1:], track_y[1:]
    dx, dy = bx - ax, by - ay
    dd = dx * dx + dy * dy
    px, py = np.asarray(px, dtype=float)[:, None], np.asarray(py, dtype=float)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(dd > 0, ((px - ax) * dx + (py - ay) * dy) / dd, 0.0), 0.0, 1.0)
    dist = np.hypot(ax + t * dx - px, ay + t * dy - py)
    k = np.argmin(dist, axis=1)
    start = np.concatenate([[0.0], np.cumsum(np.sqrt(dd))])[:-1]
    rows = np.arange(len(k))
    return start[k] + t[rows, k] * np.sqrt(dd[k])


__all__ = [
    "Pieces",
    "PlanarRoutes",
    "RouteSegments",
    "distance_along_polyline_km",
    "pieces_in_corridor",
    "points_in_polygon",
    "project",
    "route_segments",
    "spherical_centre",
    "unproject",
]
