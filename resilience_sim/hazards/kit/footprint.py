"""Hazard footprints: which assets each hazard of a scenario can take down (hazards layer).

A footprint is deterministic -- the assets with a non-zero probability of failing --
so it is computed once per study, before any replication. It serves checks that need
to know what a hazard reaches without sampling it: a hazard whose footprint touches
no asset still runs (it does nothing), and :func:`empty_footprints` says so for the
run summary; ``warn_unrepairable`` uses it to find damaged kinds no crew repairs.

Every hazard type that damages assets registers a footprint function in
:data:`resilience_sim.hazards.registry.HAZARD_MODELS` (:data:`FOOTPRINTS` is its
view); a type without one (``power_grid_outage``, which de-energises grid regions
rather than assets) has no footprint here (``None``) and is never reported as empty.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.registry import HAZARD_MODELS, Footprint
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

FOOTPRINTS: dict[str, Footprint] = {
    name: model.footprint for name, model in HAZARD_MODELS.items() if model.footprint is not None
}


def hazard_footprint(hazard, topology: Topology, arrays: NetworkArrays) -> np.ndarray | None:
    """Asset indices ``hazard`` can take down, or None if its type has no footprint.

    Parameters
    ----------
    hazard : object
        A hazard spec.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray or None
        Asset indices, or None.
    """
    footprint = FOOTPRINTS.get(hazard.type)
    return None if footprint is None else footprint(hazard, topology, arrays)


def empty_footprints(spec: ScenarioSpec, topology: Topology, arrays: NetworkArrays) -> list[str]:
    """One message per hazard whose footprint touches no asset, in file order.

    Such a hazard is valid and runs (it damages nothing); a run summary should show
    these messages so that a misplaced vent or a track that misses every cable is
    noticed. Example: ``hazards[1] (cable_fault 'anchor off Sopu'): its footprint
    touches no asset``.

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    list[str]
        The messages.
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
    "empty_footprints",
    "hazard_footprint",
]
