"""Users per site from population data: areas (CSV) or a population raster (GeoTIFF).

Part of the topology stage (``topology import-cells --population``). Each unit of
population is placed at a point (an area's point, sample points inside an area's
polygon, a raster pixel's centre) and given to the site that covers that point:

- ``voronoi``: the nearest site (its Voronoi cell), great-circle distance;
- ``range``: the nearest site whose coverage radius (OpenCelliD ``range``, m) reaches
  the point; population no site reaches is *uncovered* and reported, not dropped.

Totals are preserved exactly: each area's integer population is split over its sites
(and the uncovered share) by largest remainder (Hamilton's method), so the sum over
sites plus the uncovered count equals the file's total. A raster's total is its pixel
sum rounded to an integer, split the same way.

A polygon is sampled on a ``POLYGON_GRID`` x ``POLYGON_GRID`` grid of points over its
bounding box, each inside point weighted by cos(latitude) (its share of area on a
lat/lon grid), so an area's split approximates the area of its overlap with each
site's coverage to within the grid step. WKT ``POLYGON`` and ``MULTIPOLYGON`` in
lon/lat (WGS84), holes included (even-odd rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.spatial import cKDTree

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.geo import EARTH_RADIUS_KM, unit_vectors
from resilience_sim.topology.model import Topology

Coverage = Literal["voronoi", "range"]
COVERAGE: tuple[str, ...] = ("voronoi", "range")
POLYGON_GRID = 200
RASTER_SUFFIXES = (".tif", ".tiff")  # read as a population raster; anything else as areas CSV
_RING = re.compile(r"\(([^()]*)\)")
_WKT_TYPE = re.compile(r"^\s*(MULTIPOLYGON|POLYGON)\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Areas:
    """Administrative areas: a name, an integer population and a point or rings."""

    name: list[str]
    population: np.ndarray  # persons, int64
    lat: np.ndarray  # point areas; NaN for polygon areas
    lon: np.ndarray
    rings: list[list[np.ndarray] | None]  # per area: rings of (lon, lat) vertices, or None


@dataclass(frozen=True)
class PopulationAssignment:
    """Users per site and what no site covers (persons)."""

    site_users: np.ndarray  # int64, shape (n_sites,)
    total: int
    uncovered: int
    uncovered_by_area: dict[str, int] = field(default_factory=dict)


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder).

    The parts are integers that sum to ``total`` exactly; each is the floor or the
    ceiling of its quota ``total * w / sum(w)``; ties go to the lower index.

    Parameters
    ----------
    total : int
        The integer to split.
    weights : numpy.ndarray
        ``(n,)`` non-negative weights.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int parts summing to ``total``.

    Examples
    --------
    >>> largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist()
    [4, 3, 3]
    """
    weights = np.asarray(weights, dtype=float)
    out = np.zeros(len(weights), dtype=np.int64)
    wsum = weights.sum()
    if total == 0 or wsum <= 0:
        return out
    quota = total * (weights / wsum)
    out = np.floor(quota).astype(np.int64)
    frac = quota - out
    short = int(total - out.sum())
    order = np.argsort(-frac, kind="stable")
    if short > 0:
        out[order[:short]] += 1
    elif short < 0:  # float rounding pushed a floor over its quota: take back the smallest
        candidates = [i for i in order[::-1] if out[i] > 0][:-short]
        out[candidates] -= 1
    return out


class SiteCoverage:
    """Which site covers a point: nearest, or nearest within its range."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray, range_m: np.ndarray | None = None):
        self.n = len(lat)
        self.tree = cKDTree(unit_vectors(lat, lon))
        rng = np.full(self.n, np.nan) if range_m is None else np.asarray(range_m, float)
        self.range_km = np.where(np.isnan(rng), 0.0, rng / 1000.0)
        self.n_without_range = int(np.isnan(rng).sum())

    def assign(self, lat: np.ndarray, lon: np.ndarray, coverage: Coverage) -> np.ndarray:
        """Index of the covering site per point, -1 where none covers it.

        Parameters
        ----------
        lat, lon : numpy.ndarray
            ``(n,)`` points, decimal degrees.
        coverage : Coverage
            ``voronoi`` or ``range`` (range-limited).

        Returns
        -------
        numpy.ndarray
            ``(n,)`` site indices.
        """
        points = unit_vectors(lat, lon).reshape(-1, 3)
        if len(points) == 0:
            return np.zeros(0, dtype=np.int64)
        if coverage == "voronoi":
            return np.asarray(self.tree.query(points)[1], dtype=np.int64)
        out = np.full(len(points), -1, dtype=np.int64)
        todo = np.arange(len(points))
        max_km = float(self.range_km.max(initial=0.0))
        k = 8
        while todo.size:
            kk = min(k, self.n)
            chord, idx = self.tree.query(points[todo], k=kk)
            chord, idx = chord.reshape(len(todo), kk), idx.reshape(len(todo), kk)
            dist_km = 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))
            covers = dist_km <= self.range_km[idx]
            hit = covers.any(axis=1)
            first = np.argmax(covers, axis=1)
            out[todo[hit]] = idx[hit, first[hit]]
            # a farther site can still cover a point only if the k-th is within max range
            more = ~hit & (dist_km[:, -1] <= max_km) & (kk < self.n)
            todo = todo[more]
            k *= 4
        return out


def assign_areas(
    areas: Areas, coverage_of: SiteCoverage, coverage: Coverage
) -> PopulationAssignment:
    """Split every area's population over the sites that cover it (module docstring).

    Parameters
    ----------
    areas : Areas
        The areas and their populations.
    coverage_of : SiteCoverage
        The sites.
    coverage : Coverage
        ``voronoi`` or ``range`` (range-limited).

    Returns
    -------
    PopulationAssignment
        Users per site and the uncovered population.
    """
    n = coverage_of.n
    users = np.zeros(n, dtype=np.int64)
    uncovered_by_area: dict[str, int] = {}
    for a, name in enumerate(areas.name):
        if areas.rings[a] is None:
            lat, lon, w = areas.lat[a : a + 1], areas.lon[a : a + 1], np.ones(1)
        else:
            lat, lon, w = polygon_samples(areas.rings[a])
        site = coverage_of.assign(lat, lon, coverage)
        weights = np.bincount(np.where(site < 0, n, site), w, minlength=n + 1)
        parts = largest_remainder(int(areas.population[a]), weights)
        users += parts[:n]
        if parts[n]:
            uncovered_by_area[name] = uncovered_by_area.get(name, 0) + int(parts[n])
    total = int(areas.population.sum())
    return PopulationAssignment(users, total, total - int(users.sum()), uncovered_by_area)


def assign_raster(
    path: str | Path, coverage_of: SiteCoverage, coverage: Coverage, band: int = 1
) -> PopulationAssignment:
    """Split a population raster (persons per pixel) over the sites, block by block.

    Parameters
    ----------
    path : str or Path
        The GeoTIFF.
    coverage_of : SiteCoverage
        The sites.
    coverage : Coverage
        ``voronoi`` or ``range`` (range-limited).
    band : int, default 1
        The raster band, from 1.

    Returns
    -------
    PopulationAssignment
        Users per site and the uncovered population.
    """
    import rasterio
    from rasterio.warp import transform as warp_transform

    name = str(path)
    n = coverage_of.n
    weights = np.zeros(n + 1)
    try:
        src = rasterio.open(path)
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise InputError.single(name, "", f"cannot read raster: {exc}") from None
    with src:
        if band < 1 or band > src.count:
            raise InputError.single(name, "band", f"no band {band} (the file has {src.count})")
        if src.crs is None:
            raise InputError.single(name, "crs", "the raster has no coordinate reference system")
        nodata = src.nodata
        for _, window in src.block_windows(band):
            values = src.read(band, window=window).astype(float)
            valid = np.isfinite(values)
            if nodata is not None:
                valid &= values != nodata
            if np.any(values[valid] < 0):
                raise InputError.single(name, f"band {band}", "negative population in a pixel")
            rows, cols = np.nonzero(valid & (values > 0))
            if rows.size == 0:
                continue
            tf = src.window_transform(window)
            x = tf.c + (cols + 0.5) * tf.a + (rows + 0.5) * tf.b
            y = tf.f + (cols + 0.5) * tf.d + (rows + 0.5) * tf.e
            if not src.crs.is_geographic or src.crs.to_epsg() != 4326:
                x, y = (np.asarray(v) for v in warp_transform(src.crs, "EPSG:4326", x, y))
            site = coverage_of.assign(y, x, coverage)
            weights += np.bincount(np.where(site < 0, n, site), values[rows, cols], n + 1)
    total = int(np.rint(weights.sum()))
    parts = largest_remainder(total, weights)
    return PopulationAssignment(parts[:n], total, int(parts[n]), {name: int(parts[n])})


def read_areas(path: str | Path) -> Areas:
    """Read an areas CSV: ``name``, ``population`` and ``lat``/``lon`` or ``wkt``.

    Raises :class:`InputError` (``FILE: line N.field: message``) for a missing column,
    a population that is not a non-negative integer, a bad coordinate or bad WKT.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    Areas
        The areas.
    """
    name = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError.single(name, "", f"cannot read CSV: {exc}") from None
    problems = [
        InputProblem(name, c, "missing column (name, population, and lat/lon or wkt)")
        for c in ("name", "population")
        if c not in frame
    ]
    has_point = "lat" in frame and "lon" in frame
    if "wkt" not in frame and not has_point:
        problems.append(InputProblem(name, "lat", "missing column: give lat and lon, or wkt"))
    if problems:
        raise InputError(problems)
    if frame.empty:
        raise InputError.single(name, "", "no area rows")
    n = len(frame)
    population = np.zeros(n, dtype=np.int64)
    lat, lon = np.full(n, np.nan), np.full(n, np.nan)
    rings: list[list[np.ndarray] | None] = []
    for i, row in enumerate(frame.to_dict("records")):
        where = f"line {i + 2}"
        population[i] = _integer(row["population"], name, f"{where}.population")
        wkt = str(row.get("wkt", "")).strip()
        if wkt:
            rings.append(parse_wkt_polygon(wkt, name, f"{where}.wkt"))
            continue
        rings.append(None)
        for column, limit, out in (("lat", 90.0, lat), ("lon", 180.0, lon)):
            text = str(row.get(column, "")).strip()
            try:
                value = float(text)
            except ValueError:
                raise InputError.single(name, f"{where}.{column}", "not a number") from None
            if not abs(value) <= limit:
                raise InputError.single(name, f"{where}.{column}", f"outside +-{limit:g} degrees")
            out[i] = value
    return Areas(frame["name"].astype(str).tolist(), population, lat, lon, rings)


def _integer(text: str, file: str, where: str) -> int:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise InputError.single(file, where, "not a number") from None
    if not (np.isfinite(value) and value >= 0 and value == int(value)):
        raise InputError.single(file, where, "must be a whole number of persons >= 0")
    return int(value)


def parse_wkt_polygon(text: str, file: str, where: str) -> list[np.ndarray]:
    """Rings of a WKT ``POLYGON`` / ``MULTIPOLYGON`` as ``(k, 2)`` arrays of (lon, lat).

    Parameters
    ----------
    text : str
        The WKT.
    file : str
        The file named in errors (``FILE: field: message``).
    where : str
        The field named in errors (``line N.wkt``).

    Returns
    -------
    list[numpy.ndarray]
        The rings.
    """
    if not _WKT_TYPE.match(text):
        raise InputError.single(file, where, "WKT must be POLYGON (...) or MULTIPOLYGON (...)")
    if text.count("(") != text.count(")"):
        raise InputError.single(file, where, "unbalanced parentheses in WKT")
    rings = []
    for body in _RING.findall(text):
        try:
            ring = np.array([[float(v) for v in p.split()] for p in body.split(",")])
        except ValueError:
            raise InputError.single(file, where, "WKT coordinates must be numbers") from None
        if ring.ndim != 2 or ring.shape[1] != 2 or len(ring) < 4:
            raise InputError.single(
                file, where, "each WKT ring needs >= 4 'lon lat' points (closed)"
            )
        if np.any(np.abs(ring[:, 0]) > 180) or np.any(np.abs(ring[:, 1]) > 90):
            raise InputError.single(file, where, "WKT coordinate outside lon/lat range")
        rings.append(ring)
    if not rings:
        raise InputError.single(file, where, "WKT polygon has no ring")
    return rings


def inside_rings(lon: np.ndarray, lat: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """Whether each point is inside the rings (even-odd rule: holes and parts).

    Parameters
    ----------
    lon, lat : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    rings : list[numpy.ndarray]
        ``(k, 2)`` (lon, lat) rings.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.
    """
    inside = np.zeros(len(lon), dtype=bool)
    for ring in rings:
        x0, y0 = ring[:-1, 0], ring[:-1, 1]
        x1, y1 = ring[1:, 0], ring[1:, 1]
        for ax, ay, bx, by in zip(x0, y0, x1, y1, strict=True):
            crosses = (ay > lat) != (by > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = ax + (lat - ay) * (bx - ax) / (by - ay)
            inside ^= crosses & (lon < x_at)
    return inside


def polygon_samples(rings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample points (lat, lon) inside the rings and their area weights (cos latitude).

    Parameters
    ----------
    rings : list[numpy.ndarray]
        ``(k, 2)`` (lon, lat) rings.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]
        ``(lat, lon, weight)``, each ``(m,)``.
    """
    allpts = np.vstack(rings)
    (x_min, y_min), (x_max, y_max) = allpts.min(axis=0), allpts.max(axis=0)
    step_x = (x_max - x_min) / POLYGON_GRID
    step_y = (y_max - y_min) / POLYGON_GRID
    xs = x_min + (np.arange(POLYGON_GRID) + 0.5) * step_x
    ys = y_min + (np.arange(POLYGON_GRID) + 0.5) * step_y
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.reshape(-1), gy.reshape(-1)
    keep = inside_rings(gx, gy, rings)
    if not keep.any():  # a sliver thinner than the grid step: its first vertex stands in
        lon0, lat0 = rings[0][0]
        return np.array([lat0]), np.array([lon0]), np.ones(1)
    lat, lon = gy[keep], gx[keep]
    return lat, lon, np.cos(np.radians(lat))


def assign_to_topology(
    topology: Topology, population_file: str | Path, kind: str = "cell_site"
) -> tuple[Topology, PopulationAssignment]:
    """``topology`` with the users of ``population_file`` on its located ``kind`` nodes.

    Voronoi coverage (a topology keeps no coverage radius). The population of every other
    node is kept; that of the ``kind`` nodes is replaced.

    Parameters
    ----------
    topology : Topology
        The network.
    population_file : str or Path
        Areas CSV or population GeoTIFF.
    kind : str, default 'cell_site'
        The node kind that gets users.

    Returns
    -------
    tuple[Topology, PopulationAssignment]
        The topology with users and the assignment.
    """
    kinds = np.asarray(topology.node_column("kind"), dtype=object)
    lat = np.asarray([np.nan if v is None else v for v in topology.node_column("lat")])
    rows = np.flatnonzero((kinds == kind) & ~np.isnan(lat))
    if rows.size == 0:
        raise InputError.single(topology.name, "nodes", f"no located {kind} node to give users")
    lon = np.asarray(topology.node_column("lon"), dtype=object)[rows].astype(float)
    covering = SiteCoverage(lat[rows], lon)
    if Path(population_file).suffix.lower() in RASTER_SUFFIXES:
        result = assign_raster(population_file, covering, "voronoi")
    else:
        result = assign_areas(read_areas(population_file), covering, "voronoi")
    population = np.asarray(topology.node_column("population"), dtype=float)
    population[rows] = result.site_users
    table = topology.node_table
    index = table.schema.get_field_index("population")
    table = table.set_column(index, table.schema.field(index), pa.array(population.tolist()))
    return Topology.from_tables(
        topology.name, table, topology.link_table, topology.description
    ), result
