"""`resilience-sim topology import-cables` and `import-fibre`: real data to topology files.

CLI layer over :mod:`resilience_sim.topology.io.submarine_cables` and
:mod:`resilience_sim.topology.io.watra` (docs/data-import.md). The data is read from
the user's copy at run time; nothing of it ships with resilience-sim.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from resilience_sim.cli.common import out, reports_input_errors
from resilience_sim.errors import InputError, InputProblem
from resilience_sim.topology import Topology, write_topology
from resilience_sim.topology.io.submarine_cables import (
    DEFAULT_CAPACITY_GBPS as CABLE_CAPACITY_GBPS,
)
from resilience_sim.topology.io.submarine_cables import read_submarine_cables
from resilience_sim.topology.io.watra import DEFAULT_CAPACITY_GBPS as FIBRE_CAPACITY_GBPS
from resilience_sim.topology.io.watra import DEFAULT_SNAP_KM, read_fibre_backbone

DATA_ENV = "RESILIENCE_SIM_DATA"  # folder holding submarine-cables/ and watra-west-africa-fiber/
_SUFFIXES = (".parquet", ".json", ".yaml", ".yml", ".graphml")

_out_option = click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="topology file to write: .parquet, .yaml/.yml, .json or .graphml",
)
_planned_option = click.option(
    "--include-planned", is_flag=True, help="keep cables / lines the data marks as planned"
)


@click.command("import-cables")
@click.option(
    "--countries",
    required=True,
    help="comma-separated country names as in the data (Tonga,Fiji) or ISO alpha-2 codes (TO,FJ)",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"the submarine-cables data folder (cable/, landing-point/); default "
    f"${DATA_ENV}/submarine-cables",
)
@click.option(
    "--capacity-gbps",
    type=float,
    default=CABLE_CAPACITY_GBPS,
    show_default=True,
    help="capacity of every cable link, Gbit/s (assumed; the data has none)",
)
@_planned_option
@_out_option
@reports_input_errors
def import_cables_command(
    countries: str, data_dir: Path | None, capacity_gbps: float, include_planned: bool,
    out_file: Path,
) -> None:  # fmt: skip
    """Import the submarine cables landing in --countries (TeleGeography data, CC BY-NC-SA)."""
    _check_out(out_file)
    if data_dir is None:
        if not os.environ.get(DATA_ENV):
            raise InputError.single(
                "--data-dir", DATA_ENV, "neither given; give --data-dir or set the variable"
            )
        data_dir = Path(os.environ[DATA_ENV]) / "submarine-cables"
    tokens = [c for c in countries.split(",") if c.strip()]
    try:
        topology = read_submarine_cables(
            data_dir, tokens, capacity_gbps=capacity_gbps, include_planned=include_planned
        )
    except InputError as exc:  # name the option, not the API argument
        raise InputError(
            [
                InputProblem("--countries", countries, p.message) if p.field == "countries" else p
                for p in exc.problems
            ]
        ) from None
    _write(topology, out_file)


@click.command("import-fibre")
@click.argument("file_or_dir", type=click.Path(path_type=Path))
@click.option(
    "--country",
    default=None,
    help="WATRA file code (SLE) or country name (Sierra Leone); needed with a folder",
)
@click.option(
    "--snap-km",
    type=float,
    default=DEFAULT_SNAP_KM,
    show_default=True,
    help="join a line end that names no node to the nearest node within this distance, km",
)
@click.option(
    "--capacity-gbps",
    type=float,
    default=FIBRE_CAPACITY_GBPS,
    show_default=True,
    help="capacity of every fibre link, Gbit/s (assumed; the data has none)",
)
@_planned_option
@_out_option
@reports_input_errors
def import_fibre_command(
    file_or_dir: Path, country: str | None, snap_km: float, capacity_gbps: float,
    include_planned: bool, out_file: Path,
) -> None:  # fmt: skip
    """Import a national fibre backbone from GeoJSON (WATRA folder, or one file of both)."""
    _check_out(out_file)
    if not file_or_dir.exists():
        raise InputError.single(str(file_or_dir), "", "no such file or folder")
    result = read_fibre_backbone(
        file_or_dir,
        country,
        snap_km=snap_km,
        capacity_gbps=capacity_gbps,
        include_planned=include_planned,
    )
    _write(result.topology, out_file)
    out.print(
        f"lines: {result.n_by_name} joined by name, {result.n_snapped} snapped, "
        f"{result.n_dropped} dropped, {result.n_planned} planned left out"
    )


def _check_out(out_file: Path) -> None:
    if out_file.suffix.lower() not in _SUFFIXES:  # before the work, not after it
        raise InputError.single(
            "--out", str(out_file), f"unknown format; use one of {', '.join(_SUFFIXES)}"
        )


def _write(topology: Topology, out_file: Path) -> None:
    write_topology(topology, out_file)
    out.print(
        f"{out_file}: {topology.name}: {topology.n_nodes:,} nodes, {topology.n_links:,} links, "
        f"{len(topology.regions)} regions"
    )
