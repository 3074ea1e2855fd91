"""OpenCelliD export -> topology with backhaul and users (``topology import-cells``).

Part of the topology stage: chains :func:`~resilience_sim.topology.io.opencellid.read_cells`
(streamed MCC/bbox read), :func:`~resilience_sim.topology.io.opencellid.cluster_sites`,
the users of :mod:`resilience_sim.topology.population` and the backhaul heuristic of
:mod:`resilience_sim.topology.cell_network`. The CLI and ``scripts/build-japan-example``
both call :func:`import_cell_network`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from resilience_sim.errors import InputError, InputWarning
from resilience_sim.topology.cell_network import (
    DEFAULT_AGGREGATION_KM,
    DEFAULT_EXCHANGE_KM,
    DEFAULT_MICROWAVE_MAX_KM,
    BackhaulCounts,
    build_cell_network,
)
from resilience_sim.topology.io.opencellid import (
    DEFAULT_SITE_RADIUS_M,
    cluster_sites,
    read_cells,
)
from resilience_sim.topology.model import Topology
from resilience_sim.topology.population import (
    RASTER_SUFFIXES,
    Coverage,
    PopulationAssignment,
    SiteCoverage,
    assign_areas,
    assign_raster,
    largest_remainder,
    read_areas,
)

ATTRIBUTION = "Cell positions: OpenCelliD Project, CC BY-SA 4.0"


@dataclass(frozen=True)
class CellImport:
    """The imported topology and what was inferred on the way."""

    topology: Topology
    n_cells: int
    counts: BackhaulCounts
    population: PopulationAssignment | None


def import_cell_network(
    path: str | Path,
    mcc: int | Sequence[int],
    *,
    bbox: tuple[float, float, float, float] | None = None,
    site_radius_m: float = DEFAULT_SITE_RADIUS_M,
    aggregation_km: float = DEFAULT_AGGREGATION_KM,
    exchange_km: float = DEFAULT_EXCHANGE_KM,
    microwave_max_km: float = DEFAULT_MICROWAVE_MAX_KM,
    backbone: Topology | None = None,
    backbone_file: str = "--backbone",
    population_file: str | Path | None = None,
    coverage: Coverage = "voronoi",
    population_total: int | None = None,
    name: str | None = None,
) -> CellImport:
    """Read ``path``, cluster its cells, give sites users and build the backhaul.

    ``bbox`` is ``(min_lon, min_lat, max_lon, max_lat)``. Users come from
    ``population_file`` (an areas CSV, or a GeoTIFF by its suffix) by ``coverage``,
    or ``population_total`` persons split over sites in proportion to their cells;
    with neither, sites have no users (a warning says so).

    Parameters
    ----------
    path : str or Path
        An OpenCelliD CSV export.
    mcc : int or Sequence[int]
        Mobile country code(s) to keep.
    bbox : tuple[float, float, float, float] or None, default None
        ``(min_lon, min_lat, max_lon, max_lat)``, decimal degrees (None: everywhere).
    site_radius_m : float, default DEFAULT_SITE_RADIUS_M
        Clustering radius of co-located cells, m.
    aggregation_km, exchange_km : float, default DEFAULT_AGGREGATION_KM
        Grid cell sides for aggregation nodes / exchanges, km.
    microwave_max_km : float, default DEFAULT_MICROWAVE_MAX_KM
        Longest site-to-aggregation link built as microwave, km.
    backbone : Topology or None, default None
        An existing topology whose located exchanges the aggregation nodes join.
    backbone_file : str, default '--backbone'
        The name given to the backbone in errors.
    population_file : str or Path or None, default None
        Areas CSV or population GeoTIFF (None: none).
    coverage : Coverage, default 'voronoi'
        How sites cover people: ``voronoi`` or ``range`` (range-limited).
    population_total : int or None, default None
        Persons split over sites by their cells (None: none).
    name : str or None, default None
        The topology's name (None: from the file).

    Returns
    -------
    CellImport
        The topology and the import's counts.
    """
    file = str(path)
    if population_file is not None and population_total is not None:
        raise InputError.single(
            "--population-total", str(population_total), "give --population or it, not both"
        )
    if not site_radius_m > 0:
        raise InputError.single("--site-radius-m", str(site_radius_m), "must be > 0")
    cells = read_cells(path, mcc, bbox=bbox)
    if len(cells) == 0:
        where = f" inside bbox {bbox}" if bbox is not None else ""
        raise InputError.single(file, "mcc", f"no cell with mcc {mcc}{where}")
    sites = cluster_sites(cells, radius_m=site_radius_m)
    assignment = None
    if population_file is not None:
        covering = SiteCoverage(sites.lat, sites.lon, sites.range_m)
        if coverage == "range" and covering.n_without_range:
            warnings.warn(
                f"{file}: {covering.n_without_range} site(s) have no range; "
                "they cover nothing with --coverage range",
                InputWarning,
                stacklevel=2,
            )
        if Path(population_file).suffix.lower() in RASTER_SUFFIXES:
            assignment = assign_raster(population_file, covering, coverage)
        else:
            assignment = assign_areas(read_areas(population_file), covering, coverage)
        users = assignment.site_users
    elif population_total is not None:
        if population_total < 0:
            raise InputError.single("--population-total", str(population_total), "must be >= 0")
        users = largest_remainder(int(population_total), sites.n_cells)
        assignment = PopulationAssignment(users, int(population_total), 0)
    else:
        users = None
        warnings.warn(
            f"{file}: no --population or --population-total; every site has 0 users",
            InputWarning,
            stacklevel=2,
        )
    codes = sorted({op for ops in sites.operators for op in ops})
    description = (
        f"{len(cells):,} cells of {', '.join(codes)} from {Path(file).name}"
        + (
            f" in {bbox[1]:g}-{bbox[3]:g} N, {bbox[0]:g}-{bbox[2]:g} E (bbox)"
            if bbox is not None
            else ""
        )
        + f", clustered into {len(sites.lat):,} sites; backhaul, aggregation nodes and "
        "exchanges inferred (docs/data-import.md). " + ATTRIBUTION + "."
    )
    topology, counts = build_cell_network(
        sites,
        name=name or f"cells-{Path(file).stem}".lower(),
        description=description,
        population=None if users is None else np.asarray(users, float),
        aggregation_km=aggregation_km,
        exchange_km=exchange_km,
        microwave_max_km=microwave_max_km,
        backbone=backbone,
        backbone_file=backbone_file,
    )
    if assignment is not None and assignment.uncovered:
        warnings.warn(
            f"{population_file}: {assignment.uncovered:,} of {assignment.total:,} persons "
            f"are covered by no site ({coverage}); they are not in the topology",
            InputWarning,
            stacklevel=2,
        )
    return CellImport(topology, len(cells), counts, assignment)
