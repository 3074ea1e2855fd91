"""GeoJSON reading helpers shared by the real-data importers of the topology stage.

First stage of the pipeline (topology -> scenario -> hazards -> engine -> metrics).
:func:`read_features` loads a ``FeatureCollection`` and names the file in every error;
:func:`line_points` turns a (Multi)LineString into ``(lat, lon)`` points;
:func:`nearest_within_km` snaps points to the nearest of a set of sites in one
matrix product. GeoJSON positions are ``[lon, lat(, elevation)]`` in WGS84 degrees.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.geo import EARTH_RADIUS_KM, unit_vectors
from resilience_sim.memory import check_parse_memory

_NOT_ID_CHAR = re.compile(r"[^\w-]+")
_DASHES = re.compile(r"-{2,}")


def read_json(path: Path) -> Any:
    """Parse a JSON file; raise :class:`InputError` naming it when missing or malformed.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    Any
        The parsed JSON.
    """
    file = str(path)
    if not path.is_file():
        raise InputError.single(file, "", "file not found")
    check_parse_memory(path, file)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError.single(file, "", f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise InputError.single(file, f"line {exc.lineno}", f"not JSON: {exc.msg}") from None


def read_features(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON ``FeatureCollection`` file (each a dict).

    Parameters
    ----------
    path : Path
        The GeoJSON file.

    Returns
    -------
    list[dict[str, Any]]
        The features.
    """
    doc = read_json(path)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError.single(str(path), "type", "not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise InputError.single(str(path), "features", "must be a list of Feature objects")
    return features


def properties(feature: dict[str, Any]) -> dict[str, Any]:
    """A feature's properties (empty when absent).

    Parameters
    ----------
    feature : dict[str, Any]
        A GeoJSON feature.

    Returns
    -------
    dict[str, Any]
        Its properties.
    """
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def point_lat_lon(feature: dict[str, Any]) -> tuple[float, float] | None:
    """``(lat, lon)`` of a Point feature, or None when absent or out of range.

    Parameters
    ----------
    feature : dict[str, Any]
        A GeoJSON feature.

    Returns
    -------
    tuple[float, float] or None
        ``(lat, lon)``, decimal degrees, or None.
    """
    geometry = feature.get("geometry") or {}
    if geometry.get("type") != "Point":
        return None
    return _lat_lon(geometry.get("coordinates"))


def line_parts(feature: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The parts of a LineString / MultiLineString feature as lists of ``(lat, lon)``.

    Positions that are malformed or out of range are skipped; parts with fewer than
    two valid positions are left out.

    Parameters
    ----------
    feature : dict[str, Any]
        A GeoJSON feature.

    Returns
    -------
    list[list[tuple[float, float]]]
        The parts, ``(lat, lon)`` decimal degrees.
    """
    geometry = feature.get("geometry") or {}
    coords = geometry.get("coordinates")
    if geometry.get("type") == "LineString":
        raw_parts = [coords]
    elif geometry.get("type") == "MultiLineString" and isinstance(coords, list):
        raw_parts = coords
    else:
        return []
    parts = []
    for raw in raw_parts:
        if not isinstance(raw, list):
            continue
        points = [p for p in (_lat_lon(c) for c in raw) if p is not None]
        if len(points) >= 2:
            parts.append(points)
    return parts


def line_points(feature: dict[str, Any]) -> list[tuple[float, float]]:
    """A (Multi)LineString feature as one list of ``(lat, lon)`` points, parts in file order.

    Parameters
    ----------
    feature : dict[str, Any]
        A GeoJSON feature.

    Returns
    -------
    list[tuple[float, float]]
        The points, ``(lat, lon)`` decimal degrees.
    """
    points: list[tuple[float, float]] = []
    for part in line_parts(feature):
        points.extend(part[1:] if points and points[-1] == part[0] else part)
    return points


def nearest_within_km(
    points: np.ndarray, sites: np.ndarray, max_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest site to each point, -1 where it is farther than ``max_km``.

    ``points`` ``(p, 2)`` and ``sites`` ``(s, 2)`` hold ``(lat, lon)`` degrees. Returns
    ``(index (p,), distance_km (p,))``; great-circle distances on a sphere of radius
    :data:`EARTH_RADIUS_KM`. O(p x s) in one matrix product.

    Parameters
    ----------
    points : numpy.ndarray
        ``(p, 2)`` ``(lat, lon)``, decimal degrees.
    sites : numpy.ndarray
        ``(s, 2)`` ``(lat, lon)``, decimal degrees.
    max_km : float
        Largest distance, km.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        ``(index (p,), distance_km (p,))``.
    """
    if len(points) == 0 or len(sites) == 0:
        return np.full(len(points), -1, dtype=np.int64), np.full(len(points), np.inf)
    cos = unit_vectors(points[:, 0], points[:, 1]) @ unit_vectors(sites[:, 0], sites[:, 1]).T
    best = np.argmax(cos, axis=1)
    dist_km = EARTH_RADIUS_KM * np.arccos(np.clip(cos[np.arange(len(points)), best], -1.0, 1.0))
    return np.where(dist_km <= max_km, best, -1), dist_km


def slug(text: str) -> str:
    """A readable id from a name: spaces and punctuation become single ``-``.

    Parameters
    ----------
    text : str
        A name.

    Returns
    -------
    str
        The id.
    """
    text = unicodedata.normalize("NFKC", text)
    return _DASHES.sub("-", _NOT_ID_CHAR.sub("-", text)).strip("-_")[:180]


def _lat_lon(position: Any) -> tuple[float, float] | None:
    if not isinstance(position, list | tuple) or len(position) < 2:
        return None
    lon, lat = position[0], position[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return float(lat), float(lon)
