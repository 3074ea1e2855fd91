"""Hazards: pure functions from hazard parameters and assets to damage.

Every hazard type has one sampler with the signature of :data:`Sampler`, listed in
:data:`SAMPLERS` under its scenario ``type``. Samplers never import the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.hazards.asset_failure import sample_asset_failure
from resilience_sim.hazards.base import Damage, GridOutage
from resilience_sim.hazards.cable_fault import sample_cable_fault
from resilience_sim.hazards.checks import warn_unrepairable
from resilience_sim.hazards.earthquake import sample_earthquake
from resilience_sim.hazards.flood import sample_flood
from resilience_sim.hazards.geomagnetic_storm import sample_geomagnetic_storm
from resilience_sim.hazards.power_grid_outage import sample_power_grid_outage
from resilience_sim.hazards.regional_outage import affected_assets, sample_regional_outage
from resilience_sim.hazards.tropical_cyclone import sample_tropical_cyclone
from resilience_sim.hazards.volcanic_eruption import sample_volcanic_eruption
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

# (hazard spec, topology, arrays, rng, cause) -> Damage, GridOutage, or a tuple of them
Sampler = Callable[..., Damage | GridOutage | tuple[Damage | GridOutage, ...]]

SAMPLERS: dict[str, Sampler] = {
    "asset_failure": lambda hazard, topology, arrays, rng, cause: sample_asset_failure(
        hazard, arrays, rng, cause
    ),
    "regional_outage": lambda hazard, topology, arrays, rng, cause: sample_regional_outage(
        hazard, topology, arrays, cause
    ),
    "tropical_cyclone": sample_tropical_cyclone,
    "flood": sample_flood,
    "earthquake": sample_earthquake,
    "power_grid_outage": sample_power_grid_outage,
    "volcanic_eruption": sample_volcanic_eruption,
    "cable_fault": sample_cable_fault,
    "geomagnetic_storm": sample_geomagnetic_storm,
}


def hazard_cause(spec: ScenarioSpec, i: int) -> str:
    """The cause label of hazard ``i``: its ``label``, else ``hazards[i]:<type>``."""
    hazard = spec.hazards[i]
    return hazard.label or f"hazards[{i}]:{hazard.type}"


def sample_hazards(
    spec: ScenarioSpec,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    *,
    threat_samplers: Mapping[str, Sampler] | None = None,
    threat_rng: np.random.Generator | None = None,
) -> list:
    """Sample every hazard (and threat) of a scenario, in file order.

    Natural hazards draw from ``rng``; threats (types in ``threat_samplers``, from
    :mod:`resilience_sim.threats`, passed in by the experiments layer) draw from
    ``threat_rng``, so adding an attack never shifts the hazard draws. A sampler
    returning several records (a tuple) contributes each of them, in order.
    """
    threat_samplers = threat_samplers or {}
    records: list = []
    for i, hazard in enumerate(spec.hazards):
        if hazard.type in threat_samplers:
            sampler, draw_from = threat_samplers[hazard.type], threat_rng or rng
        elif hazard.type in SAMPLERS:
            sampler, draw_from = SAMPLERS[hazard.type], rng
        else:
            raise InputError.single(
                "<scenario>", f"hazards[{i}].type", f"no sampler for {hazard.type!r}"
            )
        sampled = sampler(hazard, topology, arrays, draw_from, hazard_cause(spec, i))
        records.extend(sampled if isinstance(sampled, tuple) else (sampled,))
    return records


__all__ = [
    "SAMPLERS",
    "Damage",
    "affected_assets",
    "hazard_cause",
    "sample_hazards",
    "warn_unrepairable",
]
