"""IBTrACS v04 CSV best tracks -> :class:`TrackPoint` lists (scenario layer).

IBTrACS (Knapp et al. 2010; NOAA NCEI) merges every agency's best track into one
table: one row per fix (``ISO_TIME``, UTC), the merged ``LAT``/``LON``, and per agency
``<AGENCY>_LAT/_LON/_WIND/_PRES`` (and ``_RMW`` for USA, REUNION, BOM). Blanks are a
single space. Units: wind knots, pressure hPa (mb), radius of maximum wind nautical
miles. The full files carry a second header row of units (its ``SID`` is blank), which
is skipped.

The file is streamed row by row (the csv module); only the selected storm's rows are
kept, so the 300 MB global file costs one pass and the memory of one track.
"""

from __future__ import annotations

import csv
import functools
import math
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from resilience_sim.errors import InputError
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TrackPoint

KNOT_MS = 1852.0 / 3600.0  # 1 international knot in m/s (exact)
NMI_KM = 1.852  # 1 international nautical mile in km (exact)
# Agencies whose WIND column is a 10-minute mean (WMO practice outside the USA). The
# track model wants the 1-minute sustained wind (best-track convention of
# TrackPoint.max_wind_ms), so those winds are divided by TEN_TO_ONE_MINUTE.
TEN_MINUTE_AGENCIES = frozenset(
    {"WMO", "TOKYO", "CMA", "HKO", "KMA", "REUNION", "BOM", "NADI", "WELLINGTON"}
)
# `assumed`: ratio of the 10-minute to the 1-minute mean wind at sea, 0.93. It is the
# at-sea value usually quoted from the WMO guidelines of Harper, Kepert & Ginger (2010),
# which we have not re-read (confidence M). NEWDELHI reports 3-minute winds; we treat
# them as 1-minute (`assumed`, difference a few per cent).
TEN_TO_ONE_MINUTE = 0.93
AGENCIES = (
    "WMO",
    "USA",
    "TOKYO",
    "CMA",
    "HKO",
    "KMA",
    "NEWDELHI",
    "REUNION",
    "BOM",
    "NADI",
    "WELLINGTON",
)
_RMW_AGENCIES = frozenset({"USA", "REUNION", "BOM"})


@dataclass(frozen=True)
class _Fix:
    time: datetime
    lat: float
    lon: float
    wind_ms: float | None
    pressure_hpa: float | None
    rmw_km: float | None


def _columns(agency: str) -> dict[str, str]:
    if agency == "WMO":
        return {"lat": "LAT", "lon": "LON", "wind": "WMO_WIND", "pres": "WMO_PRES"}
    cols = {k: f"{agency}_{k.upper()}" for k in ("lat", "lon", "wind", "pres")}
    if agency in _RMW_AGENCIES:
        cols["rmw"] = f"{agency}_RMW"
    return cols


def _number(row: dict[str, str], column: str, file: str, where: str) -> float | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError.single(file, f"{where}.{column}", f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise InputError.single(file, f"{where}.{column}", f"not a finite number: {text!r}")
    return value


def _wrap_lon(lon: float) -> float:
    return lon if -180.0 <= lon < 180.0 else (lon + 180.0) % 360.0 - 180.0


def _selected_rows(file: str, sid, name, season):
    """(row number, row) of the selected storm, streaming the file; sets of SIDs seen."""
    try:
        handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
        raise InputError.single(file, "", f"cannot read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for column in ("SID", "ISO_TIME", "NAME", "SEASON"):
            if column not in header:
                raise InputError.single(file, column, "missing column: not an IBTrACS v04 CSV file")
        rows, sids = [], set()
        for number, row in enumerate(reader, start=2):
            row_sid = (row.get("SID") or "").strip()
            if not row_sid:
                continue  # the units row of the full files
            if sid is not None:
                hit = row_sid == sid
            else:
                hit = (row.get("NAME") or "").strip().upper() == name.upper() and (
                    row.get("SEASON") or ""
                ).strip() == str(season)
            if hit:
                rows.append((number, row))
                sids.add(row_sid)
        return header, rows, sids


@functools.lru_cache(maxsize=32)
def _read_cached(file, stamp, sid, name, season, agency, default_rmw_km) -> tuple[TrackPoint, ...]:
    del stamp  # part of the cache key only: a changed file is read again
    header, rows, sids = _selected_rows(file, sid, name, season)
    selection = f"SID {sid!r}" if sid is not None else f"NAME {name!r} SEASON {season}"
    field = "SID" if sid is not None else "NAME"
    if not rows:
        raise InputError.single(file, field, f"no storm with {selection}")
    if len(sids) > 1:
        raise InputError.single(
            file,
            field,
            f"{selection} matches several storms (SIDs {', '.join(sorted(sids))}); give `sid`",
        )
    cols = _columns(agency)
    missing = [c for c in cols.values() if c not in header]
    if missing:
        raise InputError.single(file, missing[0], f"missing column for agency {agency}")
    fixes = []
    for number, row in rows:
        where = f"rows[{number}]"
        lat, lon = (_number(row, cols[k], file, where) for k in ("lat", "lon"))
        wind_kt = _number(row, cols["wind"], file, where)
        pres = _number(row, cols["pres"], file, where)
        if lat is None or lon is None or (wind_kt is None and pres is None):
            continue  # this agency did not report at this time
        rmw_nmi = _number(row, cols["rmw"], file, where) if "rmw" in cols else None
        text = (row.get("ISO_TIME") or "").strip()
        try:
            time = datetime.fromisoformat(text)
        except ValueError:
            raise InputError.single(
                file, f"{where}.ISO_TIME", f"not a time 'YYYY-MM-DD HH:MM:SS': {text!r}"
            ) from None
        wind = None if wind_kt is None else wind_kt * KNOT_MS
        if wind is not None and agency in TEN_MINUTE_AGENCIES:
            wind /= TEN_TO_ONE_MINUTE
        rmw = None if rmw_nmi is None else rmw_nmi * NMI_KM
        fixes.append(_Fix(time, lat, _wrap_lon(lon), wind, pres, rmw))
    if len(fixes) < 2:
        raise InputError.single(
            file,
            cols["wind"],
            f"{selection}: agency {agency} reports {len(fixes)} fix(es) with a position and "
            "an intensity; a track needs 2 (try another `agency`)",
        )
    rmw_km = _fill_rmw([f.rmw_km for f in fixes], [f.time for f in fixes], default_rmw_km)
    if rmw_km is None:
        raise InputError.single(
            file,
            cols.get("rmw", f"{agency}_RMW"),
            f"{selection}: no radius of maximum wind from agency {agency}; give "
            "`radius_max_wind_km` in track_file",
        )
    return tuple(_points(file, fixes, rmw_km))


def _fill_rmw(values, times, default_km):
    """Blanks filled linearly in time between reported values, ends held at the nearest
    one; all blank: ``default_km`` (None if that is None too)."""
    known = [(t, v) for t, v in zip(times, values, strict=True) if v is not None]
    if not known:
        return None if default_km is None else [default_km] * len(values)
    out = []
    for t, v in zip(times, values, strict=True):
        if v is not None:
            out.append(v)
            continue
        before = [(kt, kv) for kt, kv in known if kt <= t]
        after = [(kt, kv) for kt, kv in known if kt >= t]
        if not before or not after:
            out.append((before or after)[-1 if before else 0][1])
            continue
        (t0, v0), (t1, v1) = before[-1], after[0]
        w = (t - t0).total_seconds() / (t1 - t0).total_seconds()
        out.append(v0 + w * (v1 - v0))
    return out


def _points(file: str, fixes: list[_Fix], rmw_km: list[float]):
    start = fixes[0].time
    for i, (fix, rmw) in enumerate(zip(fixes, rmw_km, strict=True)):
        t_h = (fix.time - start).total_seconds() / 3600.0
        try:
            yield TrackPoint(
                t_h=t_h,
                lat=fix.lat,
                lon=fix.lon,
                central_pressure_hpa=fix.pressure_hpa,
                max_wind_ms=fix.wind_ms,
                radius_max_wind_km=rmw,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = ".".join(str(p) for p in error["loc"]) or "fix"
            raise InputError.single(
                file, f"fix {fix.time:%Y-%m-%d %H:%M}.{loc}", error["msg"]
            ) from None
        if i and t_h <= (fixes[i - 1].time - start).total_seconds() / 3600.0:
            raise InputError.single(
                file, "ISO_TIME", f"fix times do not increase at {fix.time:%Y-%m-%d %H:%M}"
            )


def read_ibtracs_track(
    path: str | Path,
    *,
    sid: str | None = None,
    name: str | None = None,
    season: int | None = None,
    agency: str | None = None,
    radius_max_wind_km: float | None = None,
) -> list[TrackPoint]:
    """The best track of one storm from an IBTrACS v04 CSV file, as ``TrackPoint`` s.

    Select the storm by ``sid`` (e.g. ``"2019326S08163"``) or by ``name`` and
    ``season`` (IBTrACS season: southern-hemisphere storms take the year their season
    ends). ``agency`` (default ``"USA"``) picks the columns: ``WMO`` (the merged
    position with the WMO agency's wind/pressure) or one of :data:`AGENCIES`.

    Conversions: knots -> m/s; 10-minute winds of WMO agencies -> 1-minute (divided by
    ``TEN_TO_ONE_MINUTE``, `assumed` 0.93); nautical miles -> km; longitudes wrapped to
    [-180, 180). ``t_h`` is hours after the first kept fix. A fix without a position or
    without both wind and pressure from this agency is skipped. A blank radius of
    maximum wind is interpolated in time between reported ones (held at the ends);
    with none reported, ``radius_max_wind_km`` is used, else an error.

    Raises :class:`InputError` (``FILE: field: message``) for a missing storm, an
    ambiguous name, too few fixes, or an unreadable value.

    Parameters
    ----------
    path : str or Path
        The IBTrACS v04 CSV file.
    sid : str or None, default None
        IBTrACS storm id.
    name : str or None, default None
        Storm name (with ``season``).
    season : int or None, default None
        IBTrACS season (with ``name``).
    agency : str or None, default None
        Agency columns to read (None: ``"USA"``).
    radius_max_wind_km : float or None, default None
        Radius of maximum wind used when the file gives none, km.

    Returns
    -------
    list[TrackPoint]
        The track, in time order.
    """
    if (sid is None) == (name is None and season is None):
        raise InputError.single(str(path), "sid", "give `sid`, or `name` and `season`")
    if sid is None and (name is None or season is None):
        raise InputError.single(str(path), "season", "give both `name` and `season`")
    agency = (agency or "USA").upper()
    if agency not in AGENCIES:
        raise InputError.single(
            str(path), "agency", f"unknown agency {agency!r} (one of {', '.join(AGENCIES)})"
        )
    file = os.fspath(path)
    try:
        st = os.stat(file)
    except OSError as exc:
        raise InputError.single(file, "", f"cannot read: {exc.strerror}") from None
    return list(
        _read_cached(
            file, (st.st_size, st.st_mtime_ns), sid, name, season, agency, radius_max_wind_km
        )
    )


__all__ = ["AGENCIES", "KNOT_MS", "NMI_KM", "TEN_TO_ONE_MINUTE", "read_ibtracs_track"]
