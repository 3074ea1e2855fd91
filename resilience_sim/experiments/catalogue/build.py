"""Catalogue file -> stochastic events -> an event-set file (``resilience-sim catalogue``).

Experiments layer. Every source draws from its own generator (``rng.keyed_rng`` with key
``(kind, source index)``), so the same seed gives the same file and adding a source of
one kind leaves the events of the others unchanged. The event set written has
``catalogue_years`` and, per event, the base scenario, its ``year``, its hazards, its
own seed (catalogue seed + event index) and ``annual_frequency = 1 / years`` (each
event is one draw of a ``years``-long history), so both the existing per-event
combination (:mod:`resilience_sim.experiments.event_set`) and the year-loss table of
:mod:`resilience_sim.experiments.annual_risk` apply to it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.experiments.catalogue.cable_faults import (
    exposed_cables,
    sample_cable_fault_events,
)
from resilience_sim.experiments.catalogue.earthquakes import sample_zone_events
from resilience_sim.experiments.catalogue.spec import CatalogueSpec
from resilience_sim.experiments.catalogue.tracks import sample_cyclone_events
from resilience_sim.experiments.results import sha256_file
from resilience_sim.rng import keyed_rng
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.scenario.inputs.ibtracs import read_ibtracs_track
from resilience_sim.scenario.loader import SCENARIO_UNION_TAGS
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.validation import read_document, validate_document

_KINDS = ("earthquakes", "tropical_cyclones", "cable_faults")


@dataclass(frozen=True)
class Catalogue:
    """Generated events: ``(year, source, hazard fields)``, sorted by year."""

    spec: CatalogueSpec
    scenario: Scenario
    events: list[tuple[int, str, dict]]
    source: Path | None = None


def load_catalogue_spec(path: str | Path) -> tuple[CatalogueSpec, Scenario]:
    """Read a catalogue file and its base scenario (relative to the file).

    Parameters
    ----------
    path : str or Path
        The catalogue file.

    Returns
    -------
    tuple[CatalogueSpec, Scenario]
        The catalogue spec and its base scenario.
    """
    path = Path(path)
    spec = validate_document(CatalogueSpec, read_document(path), str(path))
    scenario_path = (path.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise InputError.single(
            str(path),
            "scenario",
            f"scenario file {spec.scenario!r} does not exist (looked for {scenario_path})",
        )
    return spec, load_scenario(scenario_path)


def generate_catalogue(
    spec: CatalogueSpec, scenario: Scenario, base_dir: Path, file: str = "<catalogue>"
) -> list[tuple[int, str, dict]]:
    """Every event of the catalogue as ``(year, source name, hazard fields)``, by year
    (sources in file order within a year). Track files are relative to ``base_dir``.

    Parameters
    ----------
    spec : CatalogueSpec
        The catalogue spec.
    scenario : Scenario
        The base scenario.
    base_dir : Path
        The catalogue file's folder.
    file : str, default '<catalogue>'
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    list[tuple[int, str, dict]]
        ``(year, source name, hazard fields)`` per event.
    """
    events: list[tuple[int, int, str, dict]] = []
    for i, zone in enumerate(spec.earthquakes):
        rng = keyed_rng(spec.seed, (0, i))
        events += [(y, 0, zone.name, h) for y, h in sample_zone_events(zone, rng, spec.years)]
    for i, cyclone in enumerate(spec.tropical_cyclones):
        track = cyclone.track
        if cyclone.track_file is not None:
            tf = cyclone.track_file
            track = read_ibtracs_track(
                base_dir / tf.path,
                sid=tf.sid,
                name=tf.name,
                season=tf.season,
                agency=tf.agency,
                radius_max_wind_km=tf.radius_max_wind_km,
            )
        rng = keyed_rng(spec.seed, (1, i))
        events += [
            (y, 1, cyclone.name, h)
            for y, h in sample_cyclone_events(cyclone, track, rng, spec.years)
        ]
    for i, faults in enumerate(spec.cable_faults):
        cables, lengths = exposed_cables(faults, scenario.topology, file, f"cable_faults[{i}]")
        rng = keyed_rng(spec.seed, (2, i))
        events += [
            (y, 2, faults.name, h)
            for y, h in sample_cable_fault_events(faults, cables, lengths, rng, spec.years)
        ]
    events.sort(key=lambda e: (e[0], e[1]))  # stable: draw order kept within a kind
    check_source_fields(spec, scenario, events, file)
    return [(y, name, h) for y, _, name, h in events]


def check_source_fields(
    spec: CatalogueSpec, scenario: Scenario, events: list[tuple], file: str
) -> None:
    """Validate the first event of every source as the base scenario's hazard, so a bad
    copied field (``earthquake:``, ``cyclone:``) is reported against the catalogue file.

    Parameters
    ----------
    spec : CatalogueSpec
        The catalogue spec.
    scenario : Scenario
        The base scenario.
    events : list[tuple]
        The generated events.
    file : str
        The file named in errors (``FILE: field: message``).
    """
    base = scenario.spec.model_dump(mode="json", exclude_unset=True)
    names = {
        0: [(f"earthquakes[{i}].earthquake", z.name) for i, z in enumerate(spec.earthquakes)],
        1: [
            (f"tropical_cyclones[{i}].cyclone", c.name)
            for i, c in enumerate(spec.tropical_cyclones)
        ],
        2: [(f"cable_faults[{i}]", c.name) for i, c in enumerate(spec.cable_faults)],
    }
    firsts: dict[tuple[int, str], dict] = {}
    for _, kind, name, hazard in events:
        firsts.setdefault((kind, name), hazard)
    for kind, fields in names.items():
        for field, name in fields:
            hazard = firsts.get((kind, name))
            if hazard is None:
                continue
            document = {**base, "hazards": [hazard]}
            try:
                validate_document(ScenarioSpec, document, file, skip=SCENARIO_UNION_TAGS)
            except InputError as exc:
                raise InputError(
                    [InputProblem(file, field, f"{p.field}: {p.message}") for p in exc.problems]
                ) from None


def build_catalogue(path: str | Path) -> Catalogue:
    """Load a catalogue file and generate its events.

    Parameters
    ----------
    path : str or Path
        The catalogue file.

    Returns
    -------
    Catalogue
        The catalogue and its events.
    """
    path = Path(path)
    spec, scenario = load_catalogue_spec(path)
    events = generate_catalogue(spec, scenario, path.parent, str(path))
    return Catalogue(spec=spec, scenario=scenario, events=events, source=path.resolve())


def event_set_document(catalogue: Catalogue, out: Path) -> dict:
    """The event-set document of a catalogue written at ``out`` (scenario paths relative
    to it).

    Parameters
    ----------
    catalogue : Catalogue
        The catalogue.
    out : Path
        Where the event set file goes.

    Returns
    -------
    dict
        The event-set document.
    """
    spec = catalogue.spec
    scenario_file = os.path.relpath(catalogue.scenario.source, out.resolve().parent)
    return {
        "name": spec.name,
        "description": spec.description
        or f"{spec.years} simulated years generated from a catalogue file",
        "metric": spec.metric,
        "catalogue_years": spec.years,
        "catalogue": {
            "file": str(catalogue.source) if catalogue.source else None,
            "sha256": sha256_file(catalogue.source) if catalogue.source else None,
            "seed": spec.seed,
            "n_events": len(catalogue.events),
        },
        "events": [
            {
                "scenario": scenario_file,
                "year": year,
                "annual_frequency": 1.0 / spec.years,
                "seed": spec.seed + i,
                "source": name,
                "hazards": [hazard],
            }
            for i, (year, name, hazard) in enumerate(catalogue.events)
        ],
    }


def write_catalogue(catalogue: Catalogue, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write the catalogue as an event-set YAML file (atomically: a temporary file then a
    rename); refuses to replace an existing file unless ``overwrite``.

    Parameters
    ----------
    catalogue : Catalogue
        The catalogue.
    out : str or Path
        The event-set YAML file.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise InputError.single(str(out), "--out", "exists; pass --overwrite to replace it")
    if not catalogue.events:
        raise InputError.single(
            str(catalogue.source or "<catalogue>"),
            "years",
            "no event in the simulated years: raise `years` or the rates",
        )
    document = event_set_document(catalogue, out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(yaml.safe_dump(document, sort_keys=False, width=100))
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError.single(str(out), "--out", f"cannot write: {exc.strerror}") from None
    return out
