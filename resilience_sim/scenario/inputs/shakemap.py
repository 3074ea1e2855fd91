"""USGS ShakeMap ``grid.xml`` -> a regular lon/lat grid of shaking (scenario layer).

A grid.xml holds an ``<event>`` (magnitude, depth, epicentre), a
``<grid_specification>`` (extent, spacing, ``nlon`` x ``nlat``), ``<grid_field>``
declarations (index, name, units) and ``<grid_data>``: one row per cell, the fields in
index order. Schema v3.5 and v4 differ in field order and unit spelling (``pctg`` /
``%g``, ``cms`` / ``cm/s``), and only some grids carry ``STDPGA`` (the standard
deviation of ln PGA), so the reader goes by the declarations, never by position.

Units here: PGA in g, PGV in cm/s, MMI as is, STDPGA in natural-log units (the same
for ln(%g) and ln(g): scaling PGA shifts ln PGA, it does not change its spread).

The header is parsed as XML; the data rows are streamed in blocks of
``BLOCK_LINES`` lines and only the kept fields are stored (float64, 8 bytes per cell
and field), so a 1,000 x 1,000 grid costs 32 MB whatever its file size.
"""

from __future__ import annotations

import functools
import io
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from resilience_sim.errors import InputError

BLOCK_LINES = 8192
# field -> {accepted unit spelling: factor to our unit}
UNITS: dict[str, dict[str, float]] = {
    "PGA": {"pctg": 0.01, "%g": 0.01, "g": 1.0},
    "PGV": {"cms": 1.0, "cm/s": 1.0},
    "MMI": {"intensity": 1.0, "": 1.0},
    "STDPGA": {"ln(pctg)": 1.0, "ln(%g)": 1.0, "ln(g)": 1.0},
}
REQUIRED = ("LON", "LAT", "PGA")


@dataclass(frozen=True)
class ShakeMapGrid:
    """Shaking on a regular grid: ``values[name]`` has shape ``(nlat, nlon)``, row 0 at
    ``lat_max`` (north), column 0 at ``lon_min``; NaN where the file has no cell."""

    lon_min: float
    lat_max: float
    dlon: float
    dlat: float
    values: dict[str, np.ndarray]
    event: dict[str, str] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of the grid."""
        return next(iter(self.values.values())).shape

    def at(self, name: str, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Bilinear interpolation of field ``name`` at points (degrees); NaN outside the
        grid or next to a missing cell (corners of zero weight are not needed).

        Parameters
        ----------
        name : str
            Field name (``PGA``, ``PGV``, ``MMI``...).
        lat, lon : numpy.ndarray
            Points, decimal degrees.

        Returns
        -------
        numpy.ndarray
            Values at the points, the field's units.
        """
        col = (np.asarray(lon, dtype=float) - self.lon_min) / self.dlon
        row = (self.lat_max - np.asarray(lat, dtype=float)) / self.dlat
        return bilinear(self.values[name], row, col)


def bilinear(grid: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of ``grid`` at fractional (row, col) positions.

    A corner whose weight is zero is not read, so a point on a grid line (or on the
    last row or column) needs only the cells on that line. NaN outside the grid, for NaN
    positions, and where a needed corner is NaN.

    Parameters
    ----------
    grid : numpy.ndarray
        ``(rows, cols)`` values.
    row, col : numpy.ndarray
        Fractional positions (same shape).

    Returns
    -------
    numpy.ndarray
        Interpolated values, the shape of ``row``.
    """
    nrow, ncol = grid.shape
    row = np.asarray(row, dtype=float)
    col = np.asarray(col, dtype=float)
    out = np.full(row.shape, np.nan)
    ok = (row >= 0) & (row <= nrow - 1) & (col >= 0) & (col <= ncol - 1)
    r, c = row[ok], col[ok]
    r0 = np.minimum(np.floor(r).astype(np.int64), max(nrow - 2, 0))
    c0 = np.minimum(np.floor(c).astype(np.int64), max(ncol - 2, 0))
    fr, fc = r - r0, c - c0
    total = np.zeros(len(r))
    for dr, wr in ((0, 1.0 - fr), (1, fr)):
        for dc, wc in ((0, 1.0 - fc), (1, fc)):
            w = wr * wc
            rr = np.minimum(r0 + dr, nrow - 1)
            cc = np.minimum(c0 + dc, ncol - 1)
            v = grid[rr, cc]
            total += np.where(w > 0, w * v, 0.0)
    out[ok] = total
    return out


def _header(file: str, text: str) -> ET.Element:
    try:
        return ET.fromstring(text + "</shakemap_grid>")
    except ET.ParseError as exc:
        raise InputError.single(file, "shakemap_grid", f"not a ShakeMap grid.xml: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _float_attr(file: str, element: ET.Element, name: str) -> float:
    text = element.get(name)
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InputError.single(
            file, f"{_local(element.tag)}.{name}", f"missing or not a number: {text!r}"
        ) from None
    if not np.isfinite(value):
        raise InputError.single(file, f"{_local(element.tag)}.{name}", "not finite")
    return value


def _fields(file: str, root: ET.Element) -> dict[str, tuple[int, float]]:
    """Kept field name -> (0-based column, unit factor), from the declarations."""
    declared: dict[str, tuple[int, str]] = {}
    for element in root:
        if _local(element.tag) != "grid_field":
            continue
        name = (element.get("name") or "").upper()
        index = element.get("index", "")
        if not index.isdigit() or int(index) < 1:
            raise InputError.single(file, f"grid_field[{name}].index", f"not 1, 2, ...: {index!r}")
        declared[name] = (int(index) - 1, element.get("units", ""))
    for name in REQUIRED:
        if name not in declared:
            raise InputError.single(file, f"grid_field[{name}]", "not declared")
    kept: dict[str, tuple[int, float]] = {}
    for name, (index, units) in declared.items():
        if name in ("LON", "LAT"):
            kept[name] = (index, 1.0)
        elif name in UNITS:
            factors = UNITS[name]
            if units not in factors:
                raise InputError.single(
                    file,
                    f"grid_field[{name}].units",
                    f"unknown units {units!r} (known: {', '.join(repr(u) for u in factors)})",
                )
            kept[name] = (index, factors[units])
    kept["_ncols"] = (len(declared), 0.0)
    return kept


def _stream_rows(file: str, handle: io.TextIOBase, ncols: int, first_line: int):
    """Blocks of data rows, shape ``(k, ncols)``, until ``</grid_data>``."""
    line_no = first_line
    block: list[str] = []
    done = False
    while not done:
        line = handle.readline()
        if not line:
            raise InputError.single(file, "grid_data", "file ends before </grid_data>")
        line_no += 1
        if "</grid_data>" in line:
            line, done = line.split("</grid_data>", 1)[0], True
        if line.strip():
            block.append(line)
        if len(block) >= BLOCK_LINES or (done and block):
            values = np.array(" ".join(block).split(), dtype=object)
            try:
                numbers = values.astype(float)
            except ValueError:
                raise InputError.single(
                    file, "grid_data", f"a value before line {line_no} is not a number"
                ) from None
            if len(numbers) % ncols:
                raise InputError.single(
                    file,
                    "grid_data",
                    f"rows before line {line_no} do not have {ncols} values each "
                    f"(one per grid_field)",
                )
            block = []
            yield numbers.reshape(-1, ncols)


@functools.lru_cache(maxsize=8)
def _read_cached(file: str, stamp: tuple[int, int]) -> ShakeMapGrid:
    del stamp
    try:
        handle = open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise InputError.single(file, "", f"cannot read: {exc.strerror}") from None
    with handle:
        head, line_no = [], 0
        while True:
            line = handle.readline()
            if not line:
                raise InputError.single(file, "grid_data", "no <grid_data> element")
            line_no += 1
            if "<grid_data>" in line:
                before, after = line.split("<grid_data>", 1)
                head.append(before)
                break
            head.append(line)
        root = _header(file, "".join(head))
        spec = next((e for e in root if _local(e.tag) == "grid_specification"), None)
        if spec is None:
            raise InputError.single(file, "grid_specification", "missing")
        lon_min, lat_max = _float_attr(file, spec, "lon_min"), _float_attr(file, spec, "lat_max")
        dlon = _float_attr(file, spec, "nominal_lon_spacing")
        dlat = _float_attr(file, spec, "nominal_lat_spacing")
        nlon, nlat = int(_float_attr(file, spec, "nlon")), int(_float_attr(file, spec, "nlat"))
        if dlon <= 0 or dlat <= 0 or nlon < 1 or nlat < 1:
            raise InputError.single(file, "grid_specification", "spacing and size must be > 0")
        fields = _fields(file, root)
        ncols = int(fields.pop("_ncols")[0])
        values = {
            name: np.full((nlat, nlon), np.nan) for name in fields if name not in ("LON", "LAT")
        }
        stream = io.StringIO(after) if after.strip() else None
        blocks = _stream_rows(file, _Chain(stream, handle), ncols, line_no)
        for rows in blocks:
            col = np.rint((rows[:, fields["LON"][0]] - lon_min) / dlon).astype(np.int64)
            row = np.rint((lat_max - rows[:, fields["LAT"][0]]) / dlat).astype(np.int64)
            bad = (col < 0) | (col >= nlon) | (row < 0) | (row >= nlat)
            if bad.any():
                raise InputError.single(
                    file, "grid_data", "a cell lies outside grid_specification's extent"
                )
            for name, array in values.items():
                index, factor = fields[name]
                array[row, col] = rows[:, index] * factor
    event = next((e for e in root if _local(e.tag) == "event"), None)
    for array in values.values():
        array.setflags(write=False)
    return ShakeMapGrid(
        lon_min, lat_max, dlon, dlat, values, dict(event.attrib) if event is not None else {}
    )


class _Chain(io.TextIOBase):
    """Read lines from a first buffer (the rest of the ``<grid_data>`` line), then a file."""

    def __init__(self, first: io.StringIO | None, rest: io.TextIOBase):
        self._first, self._rest = first, rest

    def readline(self, size: int = -1) -> str:
        if self._first is not None:
            line = self._first.readline()
            if line:
                return line
            self._first = None
        return self._rest.readline()


def read_shakemap(path: str | Path) -> ShakeMapGrid:
    """Read a ShakeMap ``grid.xml`` (v3.5 or v4); cached per (path, size, mtime).

    Raises :class:`InputError` (``FILE: field: message``) for a file that is not a
    grid.xml, a missing ``LON``/``LAT``/``PGA`` declaration, unknown units, rows of the
    wrong length, or cells outside the declared extent.

    Parameters
    ----------
    path : str or Path
        The ``grid.xml`` file.

    Returns
    -------
    ShakeMapGrid
        The grid and its fields.
    """
    file = os.fspath(path)
    try:
        st = os.stat(file)
    except OSError as exc:
        raise InputError.single(file, "", f"cannot read: {exc.strerror}") from None
    return _read_cached(file, (st.st_size, st.st_mtime_ns))


__all__ = ["UNITS", "ShakeMapGrid", "bilinear", "read_shakemap"]
