"""Scenario parameters of the `power_grid_outage` hazard (docs/hazards/power_grid_outage.md).

Part of the scenario schema: which grid regions and substations lose power, when, and how
long the utility takes to restore it; read by :mod:`resilience_sim.hazards.power_grid_outage`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import HazardBase, Strict
from resilience_sim.scenario.distributions import Duration
from resilience_sim.topology.model import NodeKind, Topology


class RestorationStage(Strict):
    """One stage of a region's restoration: ``share`` of its sites get mains back at
    ``factor`` x the region's drawn restoration time."""

    share: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="share of the region's sites restored in this stage (shares add up to 1)"
    )
    factor: Annotated[float, Field(gt=0.0, le=100.0, allow_inf_nan=False)] = Field(
        description="restoration time of the stage / the region's drawn restore time"
    )


class PowerGridOutage(HazardBase):
    """Mains power lost in named grid regions and/or at named substations, each restored
    by the utility as one piece after a time drawn from ``restore_h``."""

    type: Literal["power_grid_outage"]
    grid_regions: list[str] = Field(
        default_factory=list,
        description="grid regions that lose power: names used in node.power_feed that are "
        "not node ids",
    )
    substations: list[str] = Field(
        default_factory=list, description="ids of power_substation nodes that lose power"
    )
    restore_h: Duration = Field(
        description="time from onset until the utility restores a region or substation, "
        "hours (one draw each)"
    )
    restore_by_region: dict[str, Duration] = Field(
        default_factory=dict,
        description="restore time per grid region (area), replacing restore_h for it",
    )
    stages: list[RestorationStage] = Field(
        default_factory=list,
        description="staged restoration inside each region: shares of its sites and "
        "factors of its restore time (empty: the region returns as one piece)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> PowerGridOutage:
        if self.duration_h is not None:
            raise ValueError("duration_h: give the restoration time as `restore_h`")
        if not self.grid_regions and not self.substations:
            raise ValueError("grid_regions: name at least one grid region or substation")
        for name in self.restore_by_region:
            if name not in self.grid_regions:
                raise ValueError(f"restore_by_region: {name!r} is not one of grid_regions")
        if self.stages:
            total = sum(stage.share for stage in self.stages)
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"stages: shares must add up to 1 (they add up to {total:g})")
            factors = [stage.factor for stage in self.stages]
            if factors != sorted(factors):
                raise ValueError("stages: factors must not decrease from stage to stage")
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for every named region or substation the topology lacks.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        problems = []
        regions = grid_region_names(topology)
        for j, name in enumerate(self.grid_regions):
            if name not in regions:
                known = ", ".join(sorted(regions)) or "none: no node.power_feed names a region"
                problems.append(
                    (f"grid_regions[{j}]", f"no grid region {name!r} in topology ({known})")
                )
        for j, node_id in enumerate(self.substations):
            if node_id not in topology.node_index:
                problems.append((f"substations[{j}]", f"no node with id {node_id!r} in topology"))
            elif topology.node(node_id).kind != NodeKind.POWER_SUBSTATION:
                kind = topology.node(node_id).kind.value
                problems.append(
                    (
                        f"substations[{j}]",
                        f"node {node_id!r} is of kind {kind}, not power_substation",
                    )
                )
        return problems


def grid_region_names(topology: Topology) -> set[str]:
    """Grid regions of a topology: ``power_feed`` values that are not node ids.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    set[str]
        The region names.
    """
    return {
        n.power_feed
        for n in topology.nodes
        if n.power_feed is not None and n.power_feed not in topology.node_index
    }
