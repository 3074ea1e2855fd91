"""Scenario: the file schema, its loader and cross-reference checks."""

from resilience_sim.scenario.loader import Scenario, check_references, load_scenario
from resilience_sim.scenario.schema import (
    AssetFailure,
    CrewDepot,
    Recovery,
    RegionalOutage,
    ScenarioSpec,
)

__all__ = [
    "AssetFailure",
    "CrewDepot",
    "Recovery",
    "RegionalOutage",
    "Scenario",
    "ScenarioSpec",
    "check_references",
    "load_scenario",
]
