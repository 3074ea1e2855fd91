"""Scenario parameters of the `ddos` threat (docs/threats.md).

A volumetric attack of ``attack_gbps`` on each target node (gateway, IXP, DNS host) for
``duration_h`` hours; mitigation (scrubbing, upstream filtering) removes a share of it
after a detection delay. Validated at load time, read by :mod:`resilience_sim.threats.ddos`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import HazardBase, NonNegative, Strict
from resilience_sim.scenario.threat_specs.common import (
    PositiveFloat,
    Probability,
    missing_assets,
)
from resilience_sim.topology.model import NodeKind, Topology


class Mitigation(Strict):
    """Scrubbing or upstream filtering, in effect ``detection_delay_h`` after the onset."""

    detection_delay_h: NonNegative = Field(
        description="hours from the attack's onset until mitigation is in effect"
    )
    filtered_share: Probability = Field(
        description="share of the attack traffic removed once mitigation is in effect"
    )


class Ddos(HazardBase):
    """Capacity of the links into each target is eaten by the attack traffic."""

    type: Literal["ddos"]
    targets: list[str] = Field(default_factory=list, description="ids of the attacked nodes")
    kinds: list[NodeKind] | None = Field(
        None, description="every node of these kinds is attacked too"
    )
    links: list[str] = Field(
        default_factory=list,
        description="links that carry the attack (each must touch a target); all links of "
        "each target if empty",
    )
    attack_gbps: PositiveFloat = Field(description="attack volume at each target, Gbit/s")
    mitigation: Mitigation | None = Field(
        None, description="mitigation after a detection delay (none if absent)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Ddos:
        if not self.targets and not self.kinds:
            raise ValueError("targets: give targets, kinds, or both")
        if self.duration_h is None:
            raise ValueError("duration_h: required: how long the attack lasts, hours")
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for unknown targets, and links that touch no target.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        problems = missing_assets("targets", self.targets, topology, only="node")
        problems += missing_assets("links", self.links, topology, only="link")
        wanted = set(self.targets) | {
            n.id for n in topology.nodes if self.kinds and n.kind in self.kinds
        }
        for j, link_id in enumerate(self.links):
            if link_id in topology.link_index:
                link = topology.link(link_id)
                if link.source not in wanted and link.target not in wanted:
                    problems.append((f"links[{j}]", f"link {link_id!r} touches no attacked node"))
        return problems
