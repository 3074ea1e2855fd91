"""Hazard samplers and footprints, registered against the scenario registry (hazards layer).

One row per natural-hazard ``type`` of :data:`resilience_sim.scenario.registry.HAZARD_REGISTRY`
(family ``"hazard"``): the sampler ``(hazard, topology, arrays, rng, cause) -> record(s)``
and the footprint ``(hazard, topology, arrays) -> asset indices`` (None for a type
that takes down no asset itself: ``power_grid_outage`` de-energises grid regions).
:data:`SAMPLERS` (``hazards``) and :data:`FOOTPRINTS` (``hazards.kit.footprint``)
are views of this table. Import fails if the table and the scenario registry differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from resilience_sim.hazards.asset_failure import asset_failure_footprint, sample_asset_failure
from resilience_sim.hazards.base import Damage, GridOutage
from resilience_sim.hazards.cable_fault import cable_fault_footprint, sample_cable_fault
from resilience_sim.hazards.earthquake import earthquake_footprint, sample_earthquake
from resilience_sim.hazards.flood import flood_footprint, sample_flood
from resilience_sim.hazards.geomagnetic_storm import (
    geomagnetic_storm_footprint,
    sample_geomagnetic_storm,
)
from resilience_sim.hazards.power_grid_outage import sample_power_grid_outage
from resilience_sim.hazards.regional_outage import affected_assets, sample_regional_outage
from resilience_sim.hazards.tropical_cyclone import (
    sample_tropical_cyclone,
    tropical_cyclone_footprint,
)
from resilience_sim.hazards.volcanic_eruption import (
    sample_volcanic_eruption,
    volcanic_eruption_footprint,
)
from resilience_sim.scenario.registry import check_covers

# (hazard spec, topology, arrays, rng, cause) -> Damage, GridOutage, or a tuple of them
Sampler = Callable[..., Damage | GridOutage | tuple[Damage | GridOutage, ...]]
# (hazard spec, topology, arrays) -> asset indices the hazard can take down
Footprint = Callable[..., np.ndarray]


@dataclass(frozen=True)
class HazardModel:
    """How one hazard type is sampled, and which assets it can reach."""

    sampler: Sampler
    footprint: Footprint | None


HAZARD_MODELS: dict[str, HazardModel] = {
    "asset_failure": HazardModel(
        lambda hazard, topology, arrays, rng, cause: sample_asset_failure(
            hazard, arrays, rng, cause
        ),
        asset_failure_footprint,
    ),
    "regional_outage": HazardModel(
        lambda hazard, topology, arrays, rng, cause: sample_regional_outage(
            hazard, topology, arrays, cause
        ),
        affected_assets,
    ),
    "tropical_cyclone": HazardModel(sample_tropical_cyclone, tropical_cyclone_footprint),
    "flood": HazardModel(sample_flood, flood_footprint),
    "earthquake": HazardModel(sample_earthquake, earthquake_footprint),
    "power_grid_outage": HazardModel(sample_power_grid_outage, None),
    "volcanic_eruption": HazardModel(sample_volcanic_eruption, volcanic_eruption_footprint),
    "cable_fault": HazardModel(sample_cable_fault, cable_fault_footprint),
    "geomagnetic_storm": HazardModel(sample_geomagnetic_storm, geomagnetic_storm_footprint),
}
check_covers("hazard", set(HAZARD_MODELS), "resilience_sim.hazards.registry.HAZARD_MODELS")

__all__ = ["HAZARD_MODELS", "Footprint", "HazardModel", "Sampler"]
