"""Scenario parameters of the `sabotage` threat (docs/threats.md).

Coordinated physical sabotage: simultaneous cuts of named cables, cable systems or
landing stations, and/or of the links a min-cut attacker chooses to cut off the most
users. Validated at load time, read by :mod:`resilience_sim.threats.sabotage`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import HazardBase, Strict
from resilience_sim.scenario.threat_specs.common import (
    SUCCESS_PROBABILITY_FIELD,
    Probability,
    missing_assets,
)
from resilience_sim.topology.model import LinkKind, Topology


class MinCutAttack(Strict):
    """Cut at most ``budget_links`` links so as to cut off the most users from
    ``cut_from`` (every international node, or every core node)."""

    budget_links: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="number of links the attacker can cut"
    )
    cut_from: Literal["international", "core"] = Field(
        "international", description="users count as cut off when they reach none of these"
    )
    kinds: list[LinkKind] | None = Field(
        None, description="only links of these kinds can be cut (all if absent)"
    )


class Sabotage(HazardBase):
    """Simultaneous cuts at ``at_h``: named assets, whole cable systems, a min-cut attack."""

    type: Literal["sabotage"]
    assets: list[str] = Field(
        default_factory=list, description="ids of nodes or links cut (cables, landing stations)"
    )
    cable_systems: list[str] = Field(
        default_factory=list, description="every link whose cable_system is named here is cut"
    )
    min_cut: MinCutAttack | None = Field(None, description="a min-cut attacker")
    success_probability: Probability = SUCCESS_PROBABILITY_FIELD

    @model_validator(mode="after")
    def _something(self) -> Sabotage:
        if not self.assets and not self.cable_systems and self.min_cut is None:
            raise ValueError("assets: give assets, cable_systems, min_cut, or several of them")
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for unknown asset ids and cable systems.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        problems = missing_assets("assets", self.assets, topology)
        systems = {e.cable_system for e in topology.links if e.cable_system is not None}
        for j, name in enumerate(self.cable_systems):
            if name not in systems:
                known = ", ".join(sorted(systems)) or "none"
                problems.append(
                    (f"cable_systems[{j}]", f"no cable system {name!r} in topology ({known})")
                )
        return problems
