"""Scenario parameters of hazard `regional_outage` (docs/scenario-format.md, Hazards)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import AssetKind, HazardBase, NonNegative, Point


class RegionalOutage(HazardBase):
    """Every asset in named regions, or within a radius of a point, fails."""

    type: Literal["regional_outage"]
    regions: list[str] = Field(default_factory=list, description="region names (node.region)")
    center: Point | None = Field(None, description="centre of a circular area")
    radius_km: NonNegative | None = Field(None, description="radius of the circular area, km")
    kinds: list[AssetKind] | None = Field(
        None, description="only these asset kinds (all if absent)"
    )

    @model_validator(mode="after")
    def _one_area(self) -> RegionalOutage:
        circle = self.center is not None or self.radius_km is not None
        if self.regions and circle:
            raise ValueError("give either `regions` or `center` with `radius_km`, not both")
        if not self.regions and (self.center is None or self.radius_km is None):
            raise ValueError("give `regions` or both `center` and `radius_km`")
        return self
