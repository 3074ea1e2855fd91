"""Scenario parameters of hazard `asset_failure` (docs/scenario-format.md, Hazards)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import AssetKind, HazardBase


class AssetFailure(HazardBase):
    """Named assets fail, or a random fraction of the assets of one kind."""

    type: Literal["asset_failure"]
    assets: list[str] = Field(default_factory=list, description="node or link ids that fail")
    kind: AssetKind | None = Field(None, description="asset kind for a random failure")
    fraction: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="share of the assets of `kind` that fail, each independently"
    )

    @model_validator(mode="after")
    def _one_selection(self) -> AssetFailure:
        random_given = self.kind is not None or self.fraction is not None
        if self.assets and random_given:
            raise ValueError("give either `assets` or `kind` with `fraction`, not both")
        if not self.assets and (self.kind is None or self.fraction is None):
            raise ValueError("give `assets` (a list of ids) or both `kind` and `fraction`")
        return self
