"""Great-circle geometry on a spherical Earth (distances in km)."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_NAUTICAL_MILE = 1.852


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points given in decimal degrees (broadcasts)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def polyline_length_km(points: list[tuple[float, float]] | np.ndarray) -> float:
    """Length in km of a polyline of ``(lat, lon)`` points in decimal degrees."""
    pts = np.asarray(points, dtype=float)
    if len(pts) < 2:
        return 0.0
    return float(np.sum(haversine_km(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])))


def unit_vectors(lat, lon) -> np.ndarray:
    """Earth-centred unit vectors of points given in decimal degrees, shape ``(..., 3)``.

    The dot product of two is the cosine of their angular distance, so distances from
    many points to many others are one matrix product.
    """
    phi, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)
