"""Hazard rasters (GeoTIFF flood depth, PGA) sampled at points, via rasterio (scenario layer).

Any single-band raster GDAL reads, in any CRS: points given in lon/lat (WGS 84) are
transformed to the raster's CRS (``rasterio.warp.transform``), then converted to
pixel positions by the inverse affine transform. Values are taken at pixel centres:
``nearest`` is the pixel containing the point, ``bilinear`` interpolates between the
four nearest centres. Nodata pixels (the band's nodata value, or NaN) and points
outside the raster give NaN; a caller decides what that means (a flood: no water).

Only the window around the points is read (plus one pixel of margin), so a
continental 10 GB raster costs the memory of the part over the network.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.scenario.inputs.shakemap import bilinear

STANDARD_GRAVITY_MS2 = 9.80665
# units accepted per quantity -> factor to the model's unit (m of water; g of PGA)
RASTER_UNITS: dict[str, dict[str, float]] = {
    "depth_m": {"m": 1.0, "cm": 0.01, "ft": 0.3048},
    "pga_g": {"g": 1.0, "%g": 0.01, "m/s2": 1.0 / STANDARD_GRAVITY_MS2},
}


@dataclass(frozen=True)
class RasterInfo:
    """What the header says: size, band count, CRS (WKT or EPSG string), nodata."""

    width: int
    height: int
    count: int
    crs: str
    nodata: float | None


def _open(path: str):
    import rasterio  # imported here: only scenarios with a raster need it

    try:
        return rasterio.open(path)
    except (rasterio.errors.RasterioIOError, OSError) as exc:
        raise InputError.single(path, "", f"cannot read as a raster: {exc}") from None


def raster_info(path: str | Path, band: int = 1) -> RasterInfo:
    """Check that ``path`` is a raster with ``band`` and a CRS; return its header.

    Parameters
    ----------
    path : str or Path
        The raster file.
    band : int, default 1
        The band, from 1.

    Returns
    -------
    RasterInfo
        Its size, bounds, CRS and nodata value.
    """
    file = os.fspath(path)
    with _open(file) as src:
        if not 1 <= band <= src.count:
            raise InputError.single(file, "band", f"band {band} absent (the file has {src.count})")
        if src.crs is None:
            raise InputError.single(file, "crs", "the raster has no coordinate reference system")
        return RasterInfo(src.width, src.height, src.count, src.crs.to_string(), src.nodata)


def sample_raster(
    path: str | Path,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    band: int = 1,
    method: str = "bilinear",
) -> np.ndarray:
    """Values of raster ``band`` at points (degrees), in the file's units; NaN at nodata,
    outside the raster and for NaN points. ``method``: ``nearest`` or ``bilinear``.

    Cached per (file, size, mtime, band, method, points): the footprint, the intensity and
    the sampler of one study ask for the same points and read the file once.

    Parameters
    ----------
    path : str or Path
        The raster file.
    lat, lon : numpy.ndarray
        ``(n,)`` points, decimal degrees.
    band : int, default 1
        The band, from 1.
    method : str, default 'bilinear'
        ``nearest`` or ``bilinear``.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` values in the file's units.
    """
    file = os.fspath(path)
    lat = np.ascontiguousarray(lat, dtype=float)
    lon = np.ascontiguousarray(lon, dtype=float)
    try:
        st = os.stat(file)
    except OSError as exc:
        raise InputError.single(file, "", f"cannot read: {exc.strerror}") from None
    stamp = (st.st_size, st.st_mtime_ns)
    values = _sample_cached(file, stamp, band, method, lat.tobytes(), lon.tobytes())
    return values.reshape(lat.shape).copy()


@functools.lru_cache(maxsize=16)
def _sample_cached(file, stamp, band, method, lat_bytes, lon_bytes) -> np.ndarray:
    del stamp  # part of the key only
    from rasterio.warp import transform
    from rasterio.windows import Window

    lat = np.frombuffer(lat_bytes, dtype=float)
    lon = np.frombuffer(lon_bytes, dtype=float)
    out = np.full(lat.shape, np.nan)
    located = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    if not len(located):
        return out
    with _open(file) as src:
        raster_info(file, band)
        xs, ys = transform("EPSG:4326", src.crs, lon[located].tolist(), lat[located].tolist())
        col, row = ~src.transform @ (np.asarray(xs), np.asarray(ys))  # pixel-corner units
        col, row = np.asarray(col, dtype=float), np.asarray(row, dtype=float)
        inside = (col >= 0) & (col < src.width) & (row >= 0) & (row < src.height)
        if not inside.any():
            return out
        r0 = max(int(np.floor(row[inside].min())) - 1, 0)
        c0 = max(int(np.floor(col[inside].min())) - 1, 0)
        r1 = min(int(np.floor(row[inside].max())) + 2, src.height)
        c1 = min(int(np.floor(col[inside].max())) + 2, src.width)
        data = src.read(band, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
    values = np.ma.filled(data.astype(float), np.nan)
    rr, cc = row[inside] - r0, col[inside] - c0
    if method == "nearest":
        got = values[np.floor(rr).astype(np.int64), np.floor(cc).astype(np.int64)]
    else:  # centres of pixels are at +0.5; clamp to the outermost centres at the edges
        got = bilinear(
            values,
            np.clip(rr - 0.5, 0, values.shape[0] - 1),
            np.clip(cc - 0.5, 0, values.shape[1] - 1),
        )
    out[located[inside]] = got
    return out


__all__ = ["RASTER_UNITS", "RasterInfo", "raster_info", "sample_raster"]
