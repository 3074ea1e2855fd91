"""Scenario parameters of the `bgp_hijack` threat (docs/threats.md).

A BGP hijack or route leak diverts the international traffic of some regions (their
prefixes) from ``at_h`` until mitigation ``duration_h`` hours later; diverted traffic is
lost. Validated at load time, read by :mod:`resilience_sim.threats.bgp_hijack`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import HazardBase
from resilience_sim.topology.model import Topology


class BgpHijack(HazardBase):
    """The regions named lose international service until the route is fixed."""

    type: Literal["bgp_hijack"]
    regions: list[str] = Field(
        min_length=1, description="regions whose prefixes are hijacked (node.region)"
    )

    @model_validator(mode="after")
    def _needs_duration(self) -> BgpHijack:
        if self.duration_h is None:
            raise ValueError("duration_h: required: hours from onset until mitigation")
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for every region the topology lacks.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        regions = set(topology.regions)
        return [
            (f"regions[{j}]", f"no region {name!r} in topology ({', '.join(sorted(regions))})")
            for j, name in enumerate(self.regions)
            if name not in regions
        ]
