"""Great-circle geometry on a spherical Earth (distances in km)."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_NAUTICAL_MILE = 1.852


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points given in decimal degrees (broadcasts).

    Parameters
    ----------
    lat1, lon1 : float or array_like
        First points, decimal degrees.
    lat2, lon2 : float or array_like
        Second points, decimal degrees (broadcast against the first).

    Returns
    -------
    float or numpy.ndarray
        Distance in km, the broadcast shape of the inputs.
    """
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def polyline_length_km(points: list[tuple[float, float]] | np.ndarray) -> float:
    """Length in km of a polyline of ``(lat, lon)`` points in decimal degrees.

    Parameters
    ----------
    points : list[tuple[float, float]] or numpy.ndarray
        ``(n, 2)`` points ``(lat, lon)``, decimal degrees.

    Returns
    -------
    float
        Sum of the great-circle lengths of its segments, km (0 for fewer than two points).
    """
    pts = np.asarray(points, dtype=float)
    if len(pts) < 2:
        return 0.0
    return float(np.sum(haversine_km(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])))


def unit_vectors(lat, lon) -> np.ndarray:
    """Earth-centred unit vectors of points given in decimal degrees, shape ``(..., 3)``.

    The dot product of two is the cosine of their angular distance, so distances from
    many points to many others are one matrix product.

    Parameters
    ----------
    lat, lon : float or array_like
        Points, decimal degrees (same shape ``...``).

    Returns
    -------
    numpy.ndarray
        Unit vectors ``(x, y, z)``, shape ``(..., 3)``.
    """
    phi, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def initial_bearing_deg(lat1, lon1, lat2, lon2):
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north
    (broadcasts; decimal degrees in).

    Parameters
    ----------
    lat1, lon1 : float or array_like
        Start points, decimal degrees.
    lat2, lon2 : float or array_like
        End points, decimal degrees.

    Returns
    -------
    float or numpy.ndarray
        Bearing in [0, 360) degrees, the broadcast shape of the inputs.
    """
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    y = np.sin(l2 - l1) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(l2 - l1)
    return np.degrees(np.arctan2(y, x))


def destination_point(lat, lon, bearing_deg, distance_km):
    """``(lat, lon)`` reached from a point along ``bearing_deg`` after ``distance_km`` on
    the great circle (broadcasts; longitudes wrapped to [-180, 180)).

    Parameters
    ----------
    lat, lon : float or array_like
        Start points, decimal degrees.
    bearing_deg : float or array_like
        Initial bearing, degrees clockwise from north.
    distance_km : float or array_like
        Distance along the great circle, km.

    Returns
    -------
    tuple of float or numpy.ndarray
        ``(lat, lon)`` of the destinations, decimal degrees.

    Examples
    --------
    >>> lat, lon = destination_point(0.0, 0.0, 90.0, np.pi * EARTH_RADIUS_KM / 2)
    >>> round(float(lat), 9), round(float(lon), 9)
    (0.0, 90.0)
    """
    phi, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    theta = np.radians(np.asarray(bearing_deg, dtype=float))
    delta = np.asarray(distance_km, dtype=float) / EARTH_RADIUS_KM
    phi2 = np.arcsin(np.sin(phi) * np.cos(delta) + np.cos(phi) * np.sin(delta) * np.cos(theta))
    lam2 = lam + np.arctan2(
        np.sin(theta) * np.sin(delta) * np.cos(phi), np.cos(delta) - np.sin(phi) * np.sin(phi2)
    )
    lon2 = (np.degrees(lam2) + 180.0) % 360.0 - 180.0
    return np.degrees(phi2), lon2
