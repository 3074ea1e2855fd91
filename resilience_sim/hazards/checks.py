"""Scenario checks that need the hazards' footprints (warnings, not errors)."""

from __future__ import annotations

import warnings

import numpy as np

from resilience_sim.errors import InputWarning
from resilience_sim.hazards.regional_outage import affected_assets
from resilience_sim.scenario.schema import AssetFailure, ScenarioSpec
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def warn_unrepairable(
    spec: ScenarioSpec, topology: Topology, arrays: NetworkArrays, file: str
) -> list[str]:
    """Warn when a hazard can damage asset kinds that no crew depot repairs.

    Such assets stay down until the horizon; that is allowed (a scenario may study
    exactly that) but is more often a forgotten crew. Returns the warning texts.
    """
    present = set(arrays.asset_kinds.tolist())
    repaired: set[str] = set()
    for crew in spec.recovery.crews:
        repaired |= present if crew.kinds is None else set(crew.kinds)
    messages = []
    for i, hazard in enumerate(spec.hazards):
        if hazard.duration_h is not None:
            continue  # self-restoring: no crew needed
        if isinstance(hazard, AssetFailure):
            idx = arrays.indices_of(hazard.assets) if hazard.assets else np.empty(0, np.int64)
            kinds = set(arrays.asset_kinds[idx].tolist()) if hazard.assets else {hazard.kind}
        else:
            kinds = set(arrays.asset_kinds[affected_assets(hazard, topology, arrays)].tolist())
        missing = sorted((kinds & present) - repaired)
        if missing:
            messages.append(
                f"{file}: hazards[{i}]: no crew repairs {', '.join(missing)}; "
                "damaged assets of these kinds stay down until the horizon"
            )
    for message in messages:
        warnings.warn(message, InputWarning, stacklevel=2)
    return messages
