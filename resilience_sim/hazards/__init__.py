"""Hazards: pure functions from hazard parameters and assets to damage.

Every hazard type has one sampler with the signature of :data:`Sampler`, listed in
:data:`SAMPLERS` under its scenario ``type``. Samplers never import the engine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from resilience_sim.hazards.asset_failure import sample_asset_failure
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.checks import warn_unrepairable
from resilience_sim.hazards.regional_outage import affected_assets, sample_regional_outage
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

# (hazard spec, topology, arrays, rng, cause) -> Damage
Sampler = Callable[..., Damage]

SAMPLERS: dict[str, Sampler] = {
    "asset_failure": lambda hazard, topology, arrays, rng, cause: sample_asset_failure(
        hazard, arrays, rng, cause
    ),
    "regional_outage": lambda hazard, topology, arrays, rng, cause: sample_regional_outage(
        hazard, topology, arrays, cause
    ),
}


def hazard_cause(spec: ScenarioSpec, i: int) -> str:
    """The cause label of hazard ``i``: its ``label``, else ``hazards[i]:<type>``."""
    hazard = spec.hazards[i]
    return hazard.label or f"hazards[{i}]:{hazard.type}"


def sample_hazards(
    spec: ScenarioSpec, topology: Topology, arrays: NetworkArrays, rng: np.random.Generator
) -> list[Damage]:
    """Sample the damage of every hazard of a scenario, in file order, from one generator."""
    return [
        SAMPLERS[hazard.type](hazard, topology, arrays, rng, hazard_cause(spec, i))
        for i, hazard in enumerate(spec.hazards)
    ]


__all__ = [
    "SAMPLERS",
    "Damage",
    "affected_assets",
    "hazard_cause",
    "sample_hazards",
    "warn_unrepairable",
]
