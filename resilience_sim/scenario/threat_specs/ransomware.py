"""Scenario parameters of the `ransomware` threat (docs/threats.md).

Ransomware encrypts an operations centre's systems: the centre is down until restored,
and the crews that depend on it are slowed or blocked meanwhile. Validated at load time,
read by :mod:`resilience_sim.threats.ransomware`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import HazardBase
from resilience_sim.scenario.distributions import Duration
from resilience_sim.scenario.threat_specs.common import missing_assets
from resilience_sim.topology.model import Topology


class Ransomware(HazardBase):
    """An operations centre is down for ``restore_h``; its crews work slower or not at all."""

    type: Literal["ransomware"]
    operations_centre: str = Field(description="id of the node whose systems are encrypted")
    restore_h: Duration = Field(
        description="hours until its systems are restored (from backups), a distribution"
    )
    crew_slowdown: Annotated[float, Field(ge=1.0, le=1000.0)] | Literal["blocked"] = Field(
        description="repair jobs started while the centre is down take this many times as "
        "long; 'blocked': none starts until it is back"
    )
    depots: list[str] = Field(
        default_factory=list,
        description="crew depots (node ids) that depend on the centre; all if empty",
    )

    @model_validator(mode="after")
    def _no_duration(self) -> Ransomware:
        if self.duration_h is not None:
            raise ValueError("duration_h: not used: give restore_h (a distribution)")
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for an unknown centre or depot.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        problems = [
            ("operations_centre", message)
            for _, message in missing_assets(
                "operations_centre", [self.operations_centre], topology, only="node"
            )
        ]
        return problems + missing_assets("depots", self.depots, topology, only="node")
