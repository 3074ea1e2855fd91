"""Scenario checks that need the hazards' footprints (warnings, not errors)."""

from __future__ import annotations

import warnings

from resilience_sim.errors import InputWarning
from resilience_sim.hazards.kit.footprint import empty_footprints, hazard_footprint
from resilience_sim.scenario.schema import ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def warn_unrepairable(
    spec: ScenarioSpec, topology: Topology, arrays: NetworkArrays, file: str
) -> list[str]:
    """Warn when a hazard can damage asset kinds that no crew depot repairs.

    Such assets stay down until the horizon; that is allowed (a scenario may study
    exactly that) but is more often a forgotten crew. Also warns when a hazard's
    footprint touches no asset (it runs, and damages nothing). Returns the warning texts.

    Parameters
    ----------
    spec : ScenarioSpec
        The scenario.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    list[str]
        The warning texts.
    """
    present = set(arrays.asset_kinds.tolist())
    repaired: set[str] = set()
    for crew in spec.recovery.crews:
        repaired |= present if crew.kinds is None else set(crew.kinds)
    if spec.recovery.cable_ships:
        repaired.add("submarine_cable")
    messages = [f"{file}: {m}" for m in empty_footprints(spec, topology, arrays)]
    for i, hazard in enumerate(spec.hazards):
        touched = hazard_footprint(hazard, topology, arrays)
        if hazard.duration_h is not None or touched is None or len(touched) == 0:
            continue  # self-restoring (no crew needed), no footprint, or touches nothing
        kinds = set(arrays.asset_kinds[touched].tolist())
        missing = sorted((kinds & present) - repaired)
        if missing:
            messages.append(
                f"{file}: hazards[{i}]: no crew repairs {', '.join(missing)}; "
                "damaged assets of these kinds stay down until the horizon"
            )
    for message in messages:
        warnings.warn(message, InputWarning, stacklevel=2)
    return messages
