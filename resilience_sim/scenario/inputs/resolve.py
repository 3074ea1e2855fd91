"""Read the hazard-event files a scenario names, at load time (scenario layer).

Called by :mod:`resilience_sim.scenario.loader` after validation: file paths become
absolute (relative to the scenario file), a ``track_file`` fills ``track``, a
ShakeMap's event header fills an absent epicentre, depth and magnitude, and every
file is read or opened once so that a bad one is refused before any replication
(``FILE: field: message``; the CLI exits 2).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from pydantic import ValidationError

from resilience_sim.errors import InputError, InputWarning
from resilience_sim.scenario.hazard_specs.earthquake import Earthquake
from resilience_sim.scenario.hazard_specs.flood import Flood
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TropicalCyclone
from resilience_sim.scenario.inputs.ibtracs import read_ibtracs_track
from resilience_sim.scenario.inputs.raster import raster_info
from resilience_sim.scenario.inputs.roads import read_road_file
from resilience_sim.scenario.inputs.shakemap import read_shakemap


def _existing(base_dir: Path, name: str, file: str, where: str) -> str:
    path = (base_dir / name).resolve()
    if not path.is_file():
        raise InputError.single(file, where, f"file {name!r} does not exist (looked for {path})")
    return str(path)


def _revalidated(hazard, updates: dict, file: str, where: str):
    try:
        return type(hazard).model_validate(hazard.model_dump() | updates)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(p) for p in error["loc"])
        raise InputError.single(file, f"{where}.{loc}", error["msg"]) from None


def _cyclone(hazard: TropicalCyclone, base_dir: Path, file: str, where: str):
    spec = hazard.track_file
    path = _existing(base_dir, spec.path, file, f"{where}.track_file.path")
    points = read_ibtracs_track(
        path,
        sid=spec.sid,
        name=spec.name,
        season=spec.season,
        agency=spec.agency,
        radius_max_wind_km=spec.radius_max_wind_km,
    )
    track = []
    for p in points:
        point = p.model_dump()
        # a weak fix at or above the ambient pressure keeps only its wind (Holland needs a
        # pressure deficit; the wind then sets the intensity)
        pressure = point["central_pressure_hpa"]
        if (
            pressure is not None
            and pressure >= hazard.ambient_pressure_hpa
            and point["max_wind_ms"]
        ):
            point["central_pressure_hpa"] = None
        track.append(point)
    updates = {"track": track, "track_file": spec.model_dump() | {"path": path}}
    return _revalidated(hazard, updates, file, where)


def _earthquake(hazard: Earthquake, base_dir: Path, file: str, where: str):
    if hazard.raster is not None:
        path = _existing(base_dir, hazard.raster.path, file, f"{where}.raster.path")
        raster_info(path, hazard.raster.band)
        return _revalidated(
            hazard, {"raster": hazard.raster.model_dump() | {"path": path}}, file, where
        )
    path = _existing(base_dir, hazard.shakemap, file, f"{where}.shakemap")
    grid = read_shakemap(path)
    event = grid.event
    updates: dict = {"shakemap": path}
    header = {"magnitude": "magnitude", "depth_km": "depth"}
    try:
        for name, attr in header.items():
            if getattr(hazard, name) is None:
                updates[name] = float(event[attr])
        if hazard.epicentre is None:
            updates["epicentre"] = {"lat": float(event["lat"]), "lon": float(event["lon"])}
    except (KeyError, ValueError):
        raise InputError.single(
            path, "event", "no usable magnitude/depth/lat/lon: give them in the scenario"
        ) from None
    if "STDPGA" not in grid.values:
        _warn_median(hazard, file, f"{where}.shakemap", "the grid has no STDPGA")
    return _revalidated(hazard, updates, file, where)


def _warn_median(hazard: Earthquake, file: str, where: str, why: str) -> None:
    if hazard.pga_variability == "sampled":
        warnings.warn(
            f"{file}: {where}: {why}; the median PGA is used "
            "(set pga_variability: median to silence this)",
            InputWarning,
            stacklevel=3,
        )


def _with_raster(hazard: Earthquake | Flood, base_dir: Path, file: str, where: str):
    path = _existing(base_dir, hazard.raster.path, file, f"{where}.raster.path")
    raster_info(path, hazard.raster.band)
    updates = {"raster": hazard.raster.model_dump() | {"path": path}}
    return _revalidated(hazard, updates, file, where)


def _power_with_roads(power, base_dir: Path, file: str, where: str):
    """``power`` with its road file read and its path made absolute (itself if none)."""
    roads = power.fuel.roads if power is not None and power.fuel is not None else None
    if roads is None or roads.file is None:
        return power
    path = _existing(base_dir, roads.file, file, f"{where}.fuel.roads.file")
    read_road_file(path)
    roads = roads.model_copy(update={"file": path})
    fuel = power.fuel.model_copy(update={"roads": roads})
    return power.model_copy(update={"fuel": fuel})


def _resolve_roads(spec, base_dir: Path, file: str):
    updates: dict = {}
    power = _power_with_roads(spec.power, base_dir, file, "power")
    if power is not spec.power:
        updates["power"] = power
    variants = dict(spec.variants)
    for name, variant in spec.variants.items():
        power = _power_with_roads(variant.power, base_dir, file, f"variants.{name}.power")
        if power is not variant.power:
            variants[name] = variant.model_copy(update={"power": power})
            updates["variants"] = variants
    return spec.model_copy(update=updates) if updates else spec


def resolve_input_files(spec, base_dir: Path, file: str):
    """``spec`` with every hazard-event file (and road file) read and its path made absolute.

    Returns ``spec`` itself when nothing names a file (the common case).

    Parameters
    ----------
    spec : ScenarioSpec
        The validated scenario.
    base_dir : pathlib.Path
        Directory relative paths are resolved against.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    ScenarioSpec
        The scenario with the files read.
    """
    spec = _resolve_roads(spec, base_dir, file)
    hazards = list(spec.hazards)
    changed = False
    for i, hazard in enumerate(hazards):
        where = f"hazards[{i}]"
        if isinstance(hazard, TropicalCyclone) and hazard.track_file is not None:
            hazards[i] = _cyclone(hazard, base_dir, file, where)
        elif isinstance(hazard, Earthquake) and (hazard.shakemap or hazard.raster):
            hazards[i] = _earthquake(hazard, base_dir, file, where)
        elif isinstance(hazard, Flood) and hazard.raster is not None:
            hazards[i] = _with_raster(hazard, base_dir, file, where)
        else:
            continue
        changed = True
    return spec.model_copy(update={"hazards": hazards}) if changed else spec


__all__ = ["resolve_input_files"]
