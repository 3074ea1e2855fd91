"""Hazard footprints: which assets each hazard of a scenario can take down (hazards layer).

A footprint is deterministic -- the assets with a non-zero probability of failing --
so it is computed once per study, before any replication. It serves checks that need
to know what a hazard reaches without sampling it: a hazard whose footprint touches
no asset still runs (it does nothing), and :func:`empty_footprints` says so for the
run summary; ``warn_unrepairable`` uses it to find damaged kinds no crew repairs.

Every hazard type that damages assets registers a footprint function in
:data:`FOOTPRINTS`; a type not registered (``power_grid_outage``, which de-energises
grid regions rather than assets) has no footprint here (``None``) and is never
reported as empty.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from resilience_sim.hazards.cable_fault import cable_fault_footprint
from resilience_sim.hazards.earthquake import earthquake_footprint
from resilience_sim.hazards.flood import flood_footprint
from resilience_sim.hazards.geomagnetic_storm import geomagnetic_storm_footprint
from resilience_sim.hazards.regional_outage import affected_assets
from resilience_sim.hazards.tropical_cyclone import tropical_cyclone_footprint
from resilience_sim.hazards.volcanic_eruption import volcanic_eruption_footprint
from resilience_sim.scenario.schema import AssetFailure, ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

# (hazard spec, topology, arrays) -> asset indices the hazard can take down
Footprint = Callable[..., np.ndarray]


def asset_failure_footprint(
    hazard: AssetFailure, topology: Topology, arrays: NetworkArrays
) -> np.ndarray:
    """Named assets; or every asset of ``kind`` if ``fraction > 0``."""
    if hazard.assets:
        return np.unique(arrays.indices_of(list(hazard.assets)))
    if hazard.fraction == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(arrays.asset_kinds == hazard.kind)


FOOTPRINTS: dict[str, Footprint] = {
    "asset_failure": asset_failure_footprint,
    "regional_outage": affected_assets,
    "tropical_cyclone": tropical_cyclone_footprint,
    "flood": flood_footprint,
    "earthquake": earthquake_footprint,
    "volcanic_eruption": volcanic_eruption_footprint,
    "cable_fault": cable_fault_footprint,
    "geomagnetic_storm": geomagnetic_storm_footprint,
}


def hazard_footprint(hazard, topology: Topology, arrays: NetworkArrays) -> np.ndarray | None:
    """Asset indices ``hazard`` can take down, or None if its type has no footprint."""
    footprint = FOOTPRINTS.get(hazard.type)
    return None if footprint is None else footprint(hazard, topology, arrays)


def empty_footprints(spec: ScenarioSpec, topology: Topology, arrays: NetworkArrays) -> list[str]:
    """One message per hazard whose footprint touches no asset, in file order.

    Such a hazard is valid and runs (it damages nothing); a run summary should show
    these messages so that a misplaced vent or a track that misses every cable is
    noticed. Example: ``hazards[1] (cable_fault 'anchor off Sopu'): its footprint
    touches no asset``.
    """
    messages = []
    for i, hazard in enumerate(spec.hazards):
        assets = hazard_footprint(hazard, topology, arrays)
        if assets is not None and len(assets) == 0:
            name = hazard.type + (f" {hazard.label!r}" if hazard.label else "")
            messages.append(f"hazards[{i}] ({name}): its footprint touches no asset")
    return messages


__all__ = [
    "FOOTPRINTS",
    "asset_failure_footprint",
    "empty_footprints",
    "hazard_footprint",
]
