"""Hazards: pure functions from hazard parameters and assets to damage."""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.asset_failure import sample_asset_failure
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.checks import warn_unrepairable
from resilience_sim.hazards.regional_outage import affected_assets, sample_regional_outage
from resilience_sim.scenario.schema import AssetFailure, RegionalOutage, ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def hazard_cause(spec: ScenarioSpec, i: int) -> str:
    """The cause label of hazard ``i``: its ``label``, else ``hazards[i]:<type>``."""
    hazard = spec.hazards[i]
    return hazard.label or f"hazards[{i}]:{hazard.type}"


def sample_hazards(
    spec: ScenarioSpec, topology: Topology, arrays: NetworkArrays, rng: np.random.Generator
) -> list[Damage]:
    """Sample the damage of every hazard of a scenario, in file order, from one generator."""
    damages = []
    for i, hazard in enumerate(spec.hazards):
        cause = hazard_cause(spec, i)
        if isinstance(hazard, AssetFailure):
            damages.append(sample_asset_failure(hazard, arrays, rng, cause))
        elif isinstance(hazard, RegionalOutage):
            damages.append(sample_regional_outage(hazard, topology, arrays, cause))
        else:  # pragma: no cover - the schema admits no other type
            raise TypeError(f"unknown hazard {hazard!r}")
    return damages


__all__ = [
    "Damage",
    "affected_assets",
    "hazard_cause",
    "sample_hazards",
    "warn_unrepairable",
]
