"""Hazards: pure functions from hazard parameters and assets to damage.

Every hazard type has one sampler with the signature of :data:`Sampler`, registered in
:data:`resilience_sim.hazards.registry.HAZARD_MODELS` under its scenario ``type`` (the
names of :mod:`resilience_sim.scenario.registry`); :data:`SAMPLERS` is its view.
Samplers never import the engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.checks import warn_unrepairable
from resilience_sim.hazards.regional_outage import affected_assets
from resilience_sim.hazards.registry import HAZARD_MODELS, Sampler
from resilience_sim.scenario.registry import HAZARD_REGISTRY
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

SAMPLERS: dict[str, Sampler] = {name: model.sampler for name, model in HAZARD_MODELS.items()}

# The cause class of the outages a type's Damage starts (events' ``cause_class``): natural
# hazards do structural damage, threats are cyber, except these.
_CAUSE_CLASS = {"power_grid_outage": "power", "sabotage": "structural"}


def cause_class_of(hazard_type: str) -> str:
    """``structural``, ``power`` or ``cyber``: the class of outages this type starts.

    Parameters
    ----------
    hazard_type : str
        A hazard or threat ``type``.

    Returns
    -------
    str
        The cause class.
    """
    if hazard_type in _CAUSE_CLASS:
        return _CAUSE_CLASS[hazard_type]
    return "cyber" if HAZARD_REGISTRY[hazard_type].family == "threat" else "structural"


def hazard_cause(spec: ScenarioSpec, i: int) -> str:
    """The cause label of hazard ``i``: its ``label``, else ``hazards[i]:<type>``.

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario.
    i : int
        Index of the hazard in ``spec.hazards``.

    Returns
    -------
    str
        The cause label.
    """
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

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The hazards' stream.
    threat_samplers : Mapping[str, Sampler] or None, default None
        Threat ``type`` -> sampler (None: none).
    threat_rng : numpy.random.Generator or None, default None
        The threats' stream (None: no threats).

    Returns
    -------
    list
        The records (Damage, GridOutage, CapacityLoss, RouteHijack, CrewImpairment), in
        file order.
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
        cause_class = cause_class_of(hazard.type)
        for record in sampled if isinstance(sampled, tuple) else (sampled,):
            if isinstance(record, Damage) and record.cause_class != cause_class:
                record = dataclasses.replace(record, cause_class=cause_class)
            records.append(record)
    return records


__all__ = [
    "SAMPLERS",
    "Damage",
    "affected_assets",
    "cause_class_of",
    "hazard_cause",
    "sample_hazards",
    "warn_unrepairable",
]
