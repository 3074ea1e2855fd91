"""OpenCelliD cell exports: read cells and cluster co-located sectors into sites.

Part of the topology stage. :func:`read_cells` streams the standard export
(``radio,mcc,net,area,cell,unit,lon,lat,range,...``) with pandas in chunks, keeping
only the columns it needs and the rows of one MCC (and an optional bounding box).
:func:`cluster_sites` groups cells whose positions lie within ``radius_m`` of each
other (single linkage over a :class:`scipy.spatial.cKDTree`) into physical sites and
keeps, per site, the operators (``MCC-MNC``) and the radio mix.

The default ``radius_m`` = 100 m is ``assumed``: sectors of one mast share a position,
but OpenCelliD positions are estimated from crowd-sourced measurements, so cells of
one mast scatter; 100 m joins such scatter without joining distinct urban sites,
which are rarely closer than a few hundred metres (assumed, not measured here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from resilience_sim.errors import InputError, InputProblem

REQUIRED_COLUMNS: tuple[str, ...] = ("radio", "mcc", "net", "lon", "lat")
RANGE_COLUMN = "range"  # optional: estimated coverage radius, m
DEFAULT_SITE_RADIUS_M = 100.0  # assumed, see module docstring
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Sites:
    """Physical sites from clustered cells (arrays of one row per site)."""

    lat: np.ndarray  # decimal degrees, mean of the site's cells
    lon: np.ndarray  # decimal degrees
    operators: list[tuple[str, ...]]  # sorted "MCC-MNC" codes present at the site
    radios: list[tuple[str, ...]]  # sorted radio technologies present at the site
    n_cells: np.ndarray  # cells (sectors) per site
    range_m: np.ndarray | None = None  # largest OpenCelliD ``range`` of the site's cells, m

    @property
    def operator(self) -> list[str | None]:
        """One operator per site; None where several operators share it."""
        return [ops[0] if len(ops) == 1 else None for ops in self.operators]


def read_cells(
    path: str | Path,
    mcc: int | Sequence[int],
    bbox: tuple[float, float, float, float] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> pd.DataFrame:
    """Read the cells of one MCC from an OpenCelliD CSV export, streaming.

    Parameters
    ----------
    path : OpenCelliD export (header row with at least ``radio,mcc,net,lon,lat``).
    mcc : mobile country code(s) to keep (Japan has two: 440 and 441).
    bbox : optional ``(min_lon, min_lat, max_lon, max_lat)`` in decimal degrees.
    chunk_rows : rows per pandas chunk.

    Returns
    -------
    DataFrame with columns ``radio`` (str), ``operator`` ("MCC-MNC"), ``lon``, ``lat``
    and ``range_m`` (the ``range`` column, m; NaN where blank or when the file has none).

    Raises
    ------
    InputError
        ``FILE: field: message`` for a missing column, non-numeric value or an
        out-of-range coordinate.
    """
    path = Path(path)
    name = str(path)
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(InputProblem(name, "", f"cannot read CSV: {exc}")) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            [InputProblem(name, c, "missing column (OpenCelliD export header)") for c in missing]
        )
    has_range = RANGE_COLUMN in header
    columns = list(REQUIRED_COLUMNS) + ([RANGE_COLUMN] if has_range else [])
    mccs = np.atleast_1d(np.asarray(mcc, dtype=float))
    parts = []
    row0 = 2  # file line of the first data row
    reader = pd.read_csv(path, usecols=columns, dtype={"radio": str}, chunksize=chunk_rows)
    for chunk in reader:
        for column in ("mcc", "net", "lon", "lat"):
            values = pd.to_numeric(chunk[column], errors="coerce")
            bad = np.flatnonzero(values.isna().to_numpy())
            if bad.size:
                line = row0 + int(bad[0])
                raise InputError(
                    InputProblem(name, f"line {line}.{column}", "not a number")
                ) from None
            chunk[column] = values
        if has_range:  # blank is allowed (NaN); text or a negative radius is not
            text = chunk[RANGE_COLUMN]
            values = pd.to_numeric(text, errors="coerce")
            invalid = (values.isna() & text.notna()) | (values < 0)
            bad = np.flatnonzero(invalid.to_numpy())
            if bad.size:
                line = row0 + int(bad[0])
                raise InputError(
                    InputProblem(name, f"line {line}.range", "not a non-negative number (m)")
                )
            chunk[RANGE_COLUMN] = values
        for column, limit in (("lon", 180.0), ("lat", 90.0)):
            bad = np.flatnonzero(np.abs(chunk[column].to_numpy()) > limit)
            if bad.size:
                line = row0 + int(bad[0])
                raise InputError(
                    InputProblem(name, f"line {line}.{column}", f"outside +-{limit:g} degrees")
                )
        row0 += len(chunk)
        keep = np.isin(chunk["mcc"].to_numpy(), mccs)
        if bbox is not None:
            min_lon, min_lat, max_lon, max_lat = bbox
            lon, lat = chunk["lon"].to_numpy(), chunk["lat"].to_numpy()
            keep &= (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        parts.append(chunk.loc[keep])
    # a file with only its header row has no chunk at all
    cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    operator = cells["mcc"].astype(int).astype(str) + "-" + cells["net"].astype(int).astype(str)
    return pd.DataFrame(
        {
            "radio": cells["radio"].fillna("unknown").astype(str),
            "operator": operator,
            "lon": cells["lon"].astype(float),
            "lat": cells["lat"].astype(float),
            "range_m": cells[RANGE_COLUMN].astype(float) if has_range else np.nan,
        }
    )


def cluster_sites(cells: pd.DataFrame, radius_m: float = DEFAULT_SITE_RADIUS_M) -> Sites:
    """Cluster cells within ``radius_m`` of each other (single linkage) into sites.

    Positions are projected to Earth-centred Cartesian metres, so the KD-tree
    distance is the chord, equal to the great-circle distance to < 1 mm at 100 m.

    Parameters
    ----------
    cells : pandas.DataFrame
        Cells with ``lat``, ``lon`` (and operator, radio) columns.
    radius_m : float, default DEFAULT_SITE_RADIUS_M
        Clustering radius, m.

    Returns
    -------
    Sites
        The sites.
    """
    lat = np.radians(cells["lat"].to_numpy(float))
    lon = np.radians(cells["lon"].to_numpy(float))
    xyz = EARTH_RADIUS_M * np.column_stack(
        (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat))
    )
    n = len(xyz)
    pairs = cKDTree(xyz).query_pairs(radius_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    n_sites, label = connected_components(graph, directed=False)
    counts = np.bincount(label, minlength=n_sites)
    # Mean position of the site's cells (in Cartesian space, then back to lat/lon).
    mean = np.column_stack([np.bincount(label, xyz[:, k], n_sites) for k in range(3)])
    mean /= counts[:, None]
    site_lat = np.degrees(np.arctan2(mean[:, 2], np.hypot(mean[:, 0], mean[:, 1])))
    site_lon = np.degrees(np.arctan2(mean[:, 1], mean[:, 0]))
    operators = _distinct_per_site(label, cells["operator"].to_numpy(), n_sites)
    radios = _distinct_per_site(label, cells["radio"].to_numpy(), n_sites)
    range_m = None
    if "range_m" in cells:
        values = cells["range_m"].to_numpy(float)
        range_m = np.full(n_sites, np.nan)
        has = ~np.isnan(values)
        np.fmax.at(range_m, label[has], values[has])
    return Sites(
        lat=site_lat,
        lon=site_lon,
        operators=operators,
        radios=radios,
        n_cells=counts,
        range_m=range_m,
    )


def _distinct_per_site(label: np.ndarray, values: np.ndarray, n_sites: int) -> list[tuple]:
    """Sorted distinct ``values`` of each site's cells (one ``np.unique`` over pairs)."""
    names, code = np.unique(values.astype(str), return_inverse=True)  # names sorted
    pairs = np.unique(label.astype(np.int64) * len(names) + code.reshape(-1))
    site, code = np.divmod(pairs, len(names))
    bounds = np.searchsorted(site, np.arange(n_sites + 1))
    names = names.tolist()
    codes = code.tolist()
    return [tuple(names[c] for c in codes[a:b]) for a, b in pairwise(bounds.tolist())]
