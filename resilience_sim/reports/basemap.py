"""The offline base map: Natural Earth land, cut to the map's view and inlined in the page.

Reports stage. plotly.js draws a geo subplot's land and coastlines from a TopoJSON
named ``<scope>_<resolution>m`` (``world_50m`` here). Before fetching it from its
CDN (the ``topojsonURL`` config) it looks in ``window.PlotlyGeoAssets.topojson``;
this module fills that entry in the page, so no request is made and the map draws
with no network.

The shipped data are Natural Earth 4.1.0 land polygons at 1:10m and 1:50m
(public domain, via the npm package world-atlas; ``scripts/build_basemap.py``
rebuilds them). Only polygons that reach the view (plus a margin) are inlined,
at 1:10m, or at 1:50m when the 1:10m cut would exceed ``_MAX_POINTS`` points
(continent-wide views), which keeps a national map's page small.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOPOJSON_NAME = "world_50m"  # what plotly.js looks up for scope "world", resolution 50
_ASSETS = Path(__file__).parent / "assets"
_MAX_POINTS = 150_000


@dataclass(frozen=True)
class MapView:
    """A map window in degrees. Longitudes are unwrapped: ``lon_max`` may exceed 180
    (a view across the antimeridian), and ``lon_min <= center_lon <= lon_max``."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float

    @property
    def center_lon(self) -> float:
        """Longitude of the window's centre, degrees."""
        return 0.5 * (self.lon_min + self.lon_max)

    @property
    def center_lat(self) -> float:
        """Latitude of the window's centre, degrees."""
        return 0.5 * (self.lat_min + self.lat_max)

    @classmethod
    def around(cls, lat: np.ndarray, lon: np.ndarray, pad: float = 0.15) -> MapView:
        """The smallest window holding the points, padded by ``pad`` of its span per side.

        Longitudes are unwrapped around their circular mean, so points on both
        sides of the antimeridian give a narrow window, not a world-wide one.
        A single point (or none) gets a 1-degree window.

        Parameters
        ----------
        lat, lon : numpy.ndarray
            Points, decimal degrees.
        pad : float, default 0.15
            Padding per side, share of the span.

        Returns
        -------
        MapView
            The window.
        """
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        ok = ~(np.isnan(lat) | np.isnan(lon))
        lat, lon = lat[ok], lon[ok]
        if len(lat) == 0:
            return cls(-180.0, 180.0, -60.0, 75.0)
        rad = np.radians(lon)
        center = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
        unwrapped = (lon - center + 180.0) % 360.0 - 180.0 + center
        lo, hi = float(unwrapped.min()), float(unwrapped.max())
        south, north = float(lat.min()), float(lat.max())
        span = max(hi - lo, north - south, 1.0)
        margin = pad * span
        # keep the window roughly as wide as tall so small networks are not a sliver
        half_w = max(0.5 * (hi - lo), 0.35 * span) + margin
        half_h = max(0.5 * (north - south), 0.35 * span) + margin
        mid_lon, mid_lat = 0.5 * (lo + hi), 0.5 * (south + north)
        return cls(
            lon_min=mid_lon - min(half_w, 180.0),
            lon_max=mid_lon + min(half_w, 180.0),
            lat_min=max(mid_lat - half_h, -89.0),
            lat_max=min(mid_lat + half_h, 89.0),
        )


@functools.cache
def _land(scale: str) -> dict[str, np.ndarray]:
    with np.load(_ASSETS / f"ne_land_{scale}.npz") as data:
        arrays = {key: data[key] for key in data.files}
    q = np.cumsum(arrays["dxy"].astype(np.int64), axis=0)
    deg = q * arrays["scale"] + arrays["translate"]
    polygon_first_point = arrays["ring_offsets"][arrays["polygon_rings"][:-1]]
    polygon_end_point = arrays["ring_offsets"][arrays["polygon_rings"][1:]]
    bounds = [
        np.minimum.reduceat(deg, polygon_first_point, axis=0),
        np.maximum.reduceat(deg, polygon_first_point, axis=0),
    ]
    return arrays | {
        "q": q,
        "deg": deg,
        "lon_min": bounds[0][:, 0],
        "lat_min": bounds[0][:, 1],
        "lon_max": bounds[1][:, 0],
        "lat_max": bounds[1][:, 1],
        "n_points": polygon_end_point - polygon_first_point,
    }


def _polygons_in(land: dict[str, np.ndarray], view: MapView, margin: float) -> np.ndarray:
    """Indices of polygons that reach the view widened by ``margin`` of its span.

    A bounding-box test, refined for polygons whose box is far larger than the
    window (continents, and those wrapping round the antimeridian, whose box spans
    every longitude): those are kept only if a vertex lies in the window or the
    window's centre lies inside them. (A continent crossing the window without a
    vertex in it is missed; at 1:10m vertices are a few km apart.)
    """
    dx = margin * (view.lon_max - view.lon_min)
    dy = margin * (view.lat_max - view.lat_min)
    lo, hi = view.lon_min - dx, view.lon_max + dx
    south, north = view.lat_min - dy, view.lat_max + dy
    meets_lat = (land["lat_max"] >= south) & (land["lat_min"] <= north)
    meets_lon = np.zeros_like(meets_lat)
    for shift in (-360.0, 0.0, 360.0):  # the view may run past +-180
        meets_lon |= (land["lon_max"] + shift >= lo) & (land["lon_min"] + shift <= hi)
    chosen = np.flatnonzero(meets_lat & meets_lon)
    box_area = (land["lon_max"] - land["lon_min"])[chosen] * (land["lat_max"] - land["lat_min"])[
        chosen
    ]
    large = box_area > 25.0 * (hi - lo) * (north - south)
    keep = [
        not big or _reaches(land, p, lo, hi, south, north)
        for p, big in zip(chosen, large, strict=True)
    ]
    return chosen[np.asarray(keep, dtype=bool)]


def _reaches(
    land: dict[str, np.ndarray], p: int, lo: float, hi: float, south: float, north: float
) -> bool:
    """Whether polygon ``p`` has a vertex in the window or holds the window's centre."""
    offsets, rings_of = land["ring_offsets"], land["polygon_rings"]
    points = land["deg"][offsets[rings_of[p]] : offsets[rings_of[p + 1]]]
    centre_lon, centre_lat = 0.5 * (lo + hi), 0.5 * (south + north)
    rel = (points[:, 0] - centre_lon + 180.0) % 360.0 - 180.0  # longitude seen from the centre
    if np.any((np.abs(rel) <= 0.5 * (hi - lo)) & (points[:, 1] >= south) & (points[:, 1] <= north)):
        return True
    # even-odd count of boundary crossings on the meridian north of the centre
    crossings = 0
    for r in range(rings_of[p], rings_of[p + 1]):
        x = rel[offsets[r] - offsets[rings_of[p]] : offsets[r + 1] - offsets[rings_of[p]]]
        y = land["deg"][offsets[r] : offsets[r + 1], 1]
        x2, y2 = np.roll(x, -1), np.roll(y, -1)
        straddles = ((x > 0) != (x2 > 0)) & (np.abs(x2 - x) < 180.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            y_at = y + (0.0 - x) * (y2 - y) / (x2 - x)
        crossings += int(np.sum(straddles & (y_at > centre_lat)))
    return crossings % 2 == 1


def land_topojson(view: MapView, margin: float = 0.5) -> dict:
    """A TopoJSON with objects ``land`` (polygons) and ``coastlines`` (their rings).

    Holds the Natural Earth polygons that reach the view; one arc per ring,
    delta-encoded on the source quantization grid.

    Parameters
    ----------
    view : MapView
        The map window.
    margin : float, default 0.5
        Extra degrees around the window whose land is kept.

    Returns
    -------
    dict
        The TopoJSON document.
    """
    land = _land("10m")
    chosen = _polygons_in(land, view, margin)
    if land["n_points"][chosen].sum() > _MAX_POINTS:
        land = _land("50m")
        chosen = _polygons_in(land, view, margin)
    arcs, polygons = [], []
    offsets, rings_of = land["ring_offsets"], land["polygon_rings"]
    for p in chosen:
        rings = []
        for r in range(rings_of[p], rings_of[p + 1]):
            points = land["q"][offsets[r] : offsets[r + 1]]
            arc = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
            rings.append([len(arcs)])
            arcs.append(arc.tolist())
        polygons.append(rings)
    return {
        "type": "Topology",
        "transform": {
            "scale": land["scale"].tolist(),
            "translate": land["translate"].tolist(),
        },
        "objects": {
            "land": {
                "type": "GeometryCollection",
                "geometries": [{"type": "MultiPolygon", "arcs": polygons}],
            },
            "coastlines": {
                "type": "GeometryCollection",
                "geometries": [
                    {
                        "type": "MultiLineString",
                        "arcs": [ring for poly in polygons for ring in poly],
                    }
                ],
            },
        },
        "arcs": arcs,
    }


def geo_assets_script(view: MapView) -> str:
    """A ``<script>`` that hands plotly.js the base map for ``view`` (place it before figures).

    Parameters
    ----------
    view : MapView
        The map window.

    Returns
    -------
    str
        The HTML script element.
    """
    payload = json.dumps(land_topojson(view), separators=(",", ":"))
    return (
        "<script>window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};"
        f"window.PlotlyGeoAssets.topojson[{json.dumps(TOPOJSON_NAME)}] = {payload};</script>"
    )


def geo_layout(view: MapView) -> dict:
    """plotly ``layout.geo`` for ``view``: the inlined land, no online tiles, no country lines.

    Parameters
    ----------
    view : MapView
        The map window.

    Returns
    -------
    dict
        The ``layout.geo`` dict.
    """
    return {
        "scope": "world",
        "resolution": 50,
        "projection": {"type": "mercator", "rotation": {"lon": view.center_lon}},
        "center": {"lon": view.center_lon, "lat": view.center_lat},
        "lonaxis": {"range": [view.lon_min, view.lon_max]},
        "lataxis": {"range": [view.lat_min, view.lat_max]},
        "showland": True,
        "landcolor": "#e9e4d8",
        "showcoastlines": True,
        "coastlinecolor": "#8c8c8c",
        "coastlinewidth": 0.8,
        "showocean": False,
        "showlakes": False,
        "showrivers": False,
        "showcountries": False,
        "showsubunits": False,
        "showframe": True,
        "framecolor": "#bbbbbb",
        "bgcolor": "#dceaf5",
    }
