"""`topology import-cells` (an OpenCelliD export to a topology) and `assign-population`.

CLI layer over :func:`resilience_sim.topology.cell_import.import_cell_network`
(docs/data-import.md, "Cell sites").
"""

from __future__ import annotations

from pathlib import Path

import click

from resilience_sim.cli.common import out, reports_input_errors
from resilience_sim.cli.topology_import import _check_out, _out_option, _write
from resilience_sim.errors import InputError
from resilience_sim.topology import read_topology
from resilience_sim.topology.cell_import import import_cell_network
from resilience_sim.topology.cell_network import (
    DEFAULT_AGGREGATION_KM,
    DEFAULT_EXCHANGE_KM,
    DEFAULT_MICROWAVE_MAX_KM,
)
from resilience_sim.topology.io.opencellid import DEFAULT_SITE_RADIUS_M
from resilience_sim.topology.merge import (
    DEFAULT_JOIN_MAX_KM,
    Gateway,
    add_gateways,
    join_landing_stations,
)
from resilience_sim.topology.model import NODE_KINDS
from resilience_sim.topology.population import COVERAGE, assign_to_topology


def parse_mcc(text: str) -> list[int]:
    """``"440,441"`` -> ``[440, 441]``; InputError naming ``--mcc`` otherwise.

    Parameters
    ----------
    text : str
        ``--mcc``: comma-separated mobile country codes, each 1..999.

    Returns
    -------
    list of int
        The codes, in the given order.

    Raises
    ------
    InputError
        No code, a code that is not an integer or one outside 1..999.
    """
    try:
        codes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        codes = []
    if not codes or any(not 0 < c < 1000 for c in codes):
        raise InputError.single("--mcc", text, "give mobile country codes, e.g. 440 or 440,441")
    return codes


def parse_gateway(text: str) -> Gateway:
    """``"35.687,139.763,tokyo-gateway"`` -> a :class:`Gateway`.

    Parameters
    ----------
    text : str
        ``--gateway``: ``LAT,LON,ID`` in decimal degrees and a node id.

    Returns
    -------
    Gateway
        The gateway node to add.

    Raises
    ------
    InputError
        Not three fields, coordinates out of range, or an empty id.
    """
    parts = [p.strip() for p in text.split(",")]
    try:
        lat, lon = float(parts[0]), float(parts[1])
        ok = len(parts) == 3 and parts[2] and -90 <= lat <= 90 and -180 <= lon <= 180
    except (ValueError, IndexError):
        ok = False
    if not ok:
        raise InputError.single("--gateway", text, "give LAT,LON,ID (decimal degrees, an id)")
    return Gateway(parts[2], lat, lon)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"S,W,N,E"`` degrees -> ``(min_lon, min_lat, max_lon, max_lat)``.

    Parameters
    ----------
    text : str
        ``--bbox``: south, west, north, east in decimal degrees.

    Returns
    -------
    tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``, degrees.

    Raises
    ------
    InputError
        Not four numbers, or not -90 <= S < N <= 90 and -180 <= W < E <= 180.
    """
    try:
        south, west, north, east = (float(t) for t in text.split(","))
    except ValueError:
        raise InputError.single("--bbox", text, "give S,W,N,E in decimal degrees") from None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise InputError.single("--bbox", text, "need -90 <= S < N <= 90 and -180 <= W < E <= 180")
    return west, south, east, north


def population_option(required: bool):
    """``--population FILE``: an areas CSV or a population GeoTIFF.

    Parameters
    ----------
    required : bool
        Whether the command needs the option.

    Returns
    -------
    callable
        The ``click.option`` decorator (the value reaches the command as
        ``population_file``, a Path or None).
    """
    return click.option(
        "--population",
        "population_file",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        default=None,
        help="areas CSV (name, population, lat/lon or wkt) or population GeoTIFF (.tif)",
    )


@click.command("import-cells")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mcc", required=True, help="mobile country code(s) to keep: 440 or 440,441")
@click.option("--bbox", default=None, help="keep cells inside S,W,N,E (decimal degrees)")
@click.option(
    "--site-radius-m",
    type=float,
    default=DEFAULT_SITE_RADIUS_M,
    show_default=True,
    help="cells closer than this (single linkage) are one site, m (assumed)",
)
@click.option(
    "--aggregation-km",
    type=float,
    default=DEFAULT_AGGREGATION_KM,
    show_default=True,
    help="grid cell side for aggregation nodes, km (assumed)",
)
@click.option(
    "--exchange-km",
    type=float,
    default=DEFAULT_EXCHANGE_KM,
    show_default=True,
    help="grid cell side for exchanges, km (assumed; not with --backbone)",
)
@click.option(
    "--microwave-max-km",
    type=float,
    default=DEFAULT_MICROWAVE_MAX_KM,
    show_default=True,
    help="site backhaul up to this distance is microwave, fibre beyond, km (assumed)",
)
@click.option(
    "--backbone",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="a topology whose exchanges the aggregation nodes join (its nodes and links are kept)",
)
@population_option(required=False)
@click.option(
    "--coverage",
    type=click.Choice(COVERAGE),
    default="voronoi",
    show_default=True,
    help="users go to the nearest site, or the nearest site whose range reaches them",
)
@click.option(
    "--population-total",
    type=int,
    default=None,
    help="instead of --population: this many users split over sites by their cell counts",
)
@click.option(
    "--cables",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="a topology from import-cables; its domestic landing stations join 2 nearest exchanges",
)
@click.option(
    "--cables-max-km",
    type=float,
    default=DEFAULT_JOIN_MAX_KM,
    show_default=True,
    help="join a landing station only to an exchange this close, km (assumed)",
)
@click.option(
    "--gateway",
    "gateways",
    multiple=True,
    metavar="LAT,LON,ID",
    help="an international gateway node joined to its 2 nearest exchanges (repeatable)",
)
@_out_option
@reports_input_errors
def import_cells_command(
    file: Path, mcc: str, bbox: str | None, site_radius_m: float, aggregation_km: float,
    exchange_km: float, microwave_max_km: float, backbone: Path | None,
    population_file: Path | None, coverage: str, population_total: int | None,
    cables: Path | None, cables_max_km: float, gateways: tuple[str, ...], out_file: Path,
) -> None:  # fmt: skip
    """Import cell sites from an OpenCelliD CSV export, with inferred backhaul."""
    _check_out(out_file)
    declared = [parse_gateway(text) for text in gateways]
    if not file.is_file():
        raise InputError.single(str(file), "", "no such file")
    if population_file is not None and not population_file.is_file():
        raise InputError.single(str(population_file), "", "no such file")
    result = import_cell_network(
        file,
        parse_mcc(mcc),
        bbox=None if bbox is None else parse_bbox(bbox),
        site_radius_m=site_radius_m,
        aggregation_km=aggregation_km,
        exchange_km=exchange_km,
        microwave_max_km=microwave_max_km,
        backbone=None if backbone is None else read_topology(backbone),
        backbone_file=str(backbone),
        population_file=population_file,
        coverage=coverage,
        population_total=population_total,
        name=out_file.stem,
    )
    topology = result.topology
    if cables is not None:
        merged = join_landing_stations(
            topology, read_topology(cables), max_km=cables_max_km, file=str(cables)
        )
        topology = merged.topology
        out.print(
            f"landing stations: {len({lp for lp, _, _ in merged.joined})} joined by "
            f"{len(merged.joined)} links to their nearest exchanges, "
            f"{merged.n_not_joined} farther than {cables_max_km:g} km left on their cables"
        )
    if declared:
        added = add_gateways(topology, declared)
        topology = added.topology
        out.print(
            f"gateways: {len(gateways)} joined by {len(added.joined)} links to their "
            "nearest exchanges"
        )
    c = result.counts
    out.print(
        f"cells: {result.n_cells:,} -> {c.n_sites:,} sites ({c.n_shared_sites:,} shared by "
        f"several operators); {c.n_aggregation:,} aggregation nodes, {c.n_exchanges:,} "
        f"exchanges; backhaul {c.n_microwave:,} microwave, {c.n_fibre_backhaul:,} fibre"
    )
    if result.population is not None:
        p = result.population
        out.print(
            f"users: {p.total:,} in the data, {p.total - p.uncovered:,} on sites, "
            f"{p.uncovered:,} covered by no site"
        )
    _write(topology, out_file)


@click.command("assign-population")
@click.argument("topology_file", type=click.Path(dir_okay=False, path_type=Path))
@population_option(required=True)
@click.option(
    "--kind",
    type=click.Choice(NODE_KINDS),
    default="cell_site",
    show_default=True,
    help="the nodes that get users (by Voronoi coverage; others keep theirs)",
)
@_out_option
@reports_input_errors
def assign_population_command(
    topology_file: Path, population_file: Path, kind: str, out_file: Path
) -> None:
    """Give a topology's sites the users of an areas CSV or a population raster."""
    _check_out(out_file)
    if not population_file.is_file():
        raise InputError.single(str(population_file), "", "no such file")
    topology, result = assign_to_topology(read_topology(topology_file), population_file, kind)
    out.print(
        f"users: {result.total:,} in the data, {result.total - result.uncovered:,} on "
        f"{kind} nodes, {result.uncovered:,} covered by no node"
    )
    _write(topology, out_file)
