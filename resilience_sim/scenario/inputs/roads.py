"""Read a road-network GeoJSON file (scenario layer, at load time and once per study).

A ``FeatureCollection`` of ``LineString`` / ``MultiLineString`` features, positions
``[lon, lat(, elevation)]`` in WGS84 degrees; optional properties ``speed_kmh`` (a speed
limit, km/h), ``class`` (a road class, looked up in ``roads.class_speed_kmh``) and
``elevation_m`` (ground elevation, m above datum, for flood depth; 0 if absent,
`assumed`). Every problem names the file and the feature (``FILE: features[i].field:
message``; the CLI exits 2). Read with :mod:`resilience_sim.topology.io.geojson`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.topology.io.geojson import properties, read_features


@dataclass(frozen=True)
class RoadLines:
    """The polylines of a road file, file order (one per LineString or part).

    ``parts``: ``(k, 2)`` arrays of ``(lat, lon)`` degrees; ``speed_kmh``,
    ``elevation_m``: one per part (NaN: none given); ``road_class``: one per part
    (``""``: none).
    """

    parts: tuple[np.ndarray, ...]
    speed_kmh: np.ndarray
    elevation_m: np.ndarray
    road_class: tuple[str, ...]


def _number(value, file: str, where: str, *, positive: bool) -> float:
    if value is None:
        return float("nan")
    ok = isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
    if not ok or (positive and value <= 0):
        need = "a positive number" if positive else "a number"
        raise InputError.single(file, where, f"must be {need}, got {value!r}")
    return float(value)


def _positions(raw, file: str, where: str) -> np.ndarray:
    if not isinstance(raw, list) or len(raw) < 2:
        raise InputError.single(file, where, "a line needs at least two [lon, lat] positions")
    out = []
    for k, position in enumerate(raw):
        valid = (
            isinstance(position, list | tuple)
            and len(position) >= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        )
        if not valid or not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            raise InputError.single(
                file, f"{where}[{k}]", f"not a [lon, lat] position in range: {position!r}"
            )
        out.append((float(position[1]), float(position[0])))
    return np.asarray(out, dtype=float)


def read_road_file(path: str | Path) -> RoadLines:
    """The road polylines of a GeoJSON file.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoJSON ``FeatureCollection`` of (Multi)LineString features.

    Returns
    -------
    RoadLines
        One polyline per LineString (or MultiLineString part), with its speed limit
        (km/h), ground elevation (m) and class.

    Raises
    ------
    InputError
        Missing or malformed file, a feature that is not a line, a bad position or
        property (``FILE: features[i].field: message``).
    """
    file = str(path)
    features = read_features(Path(path))
    parts, speeds, elevations, classes = [], [], [], []
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if kind == "LineString":
            raw_parts = [(coords, f"{where}.geometry.coordinates")]
        elif kind == "MultiLineString" and isinstance(coords, list) and coords:
            raw_parts = [(c, f"{where}.geometry.coordinates[{j}]") for j, c in enumerate(coords)]
        else:
            raise InputError.single(
                file,
                f"{where}.geometry",
                f"must be a LineString or MultiLineString road, got {kind or 'none'}",
            )
        props = properties(feature)
        speed = _number(
            props.get("speed_kmh"), file, f"{where}.properties.speed_kmh", positive=True
        )
        elevation = _number(
            props.get("elevation_m"), file, f"{where}.properties.elevation_m", positive=False
        )
        road_class = props.get("class")
        if road_class is not None and not isinstance(road_class, str):
            raise InputError.single(
                file, f"{where}.properties.class", f"must be a string, got {road_class!r}"
            )
        for raw, at in raw_parts:
            parts.append(_positions(raw, file, at))
            speeds.append(speed)
            elevations.append(elevation)
            classes.append(road_class or "")
    if not parts:
        raise InputError.single(file, "features", "no road lines in the file")
    return RoadLines(tuple(parts), np.asarray(speeds), np.asarray(elevations), tuple(classes))


__all__ = ["RoadLines", "read_road_file"]
