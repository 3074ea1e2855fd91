"""Building blocks shared by every part of the scenario schema (hazards, threats, recovery).

Hazard parameter models live one per module in :mod:`resilience_sim.scenario.hazard_specs`
and derive from :class:`HazardBase` or :class:`GradedHazardBase`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from resilience_sim.scenario.distributions import Duration
from resilience_sim.topology.model import ASSET_KINDS, Latitude, Longitude

NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
AssetKind = Literal[ASSET_KINDS]  # type: ignore[valid-type]


class Strict(BaseModel):
    """Frozen, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Point(Strict):
    lat: Latitude
    lon: Longitude


class HazardBase(Strict):
    at_h: NonNegative = Field(0.0, description="onset, hours from scenario start")
    duration_h: NonNegative | None = Field(
        None,
        description="if set, the assets come back by themselves after this many hours "
        "(e.g. a utility restores power); if absent they are damaged and need a crew repair",
    )
    label: str | None = Field(None, max_length=200, description="name used as the cause in logs")


class FragilitySpec(Strict):
    """Lognormal fragility of one asset kind: medians and betas for the four damage
    states slight, moderate, extensive, complete (medians in the hazard's intensity
    unit, non-decreasing)."""

    medians: tuple[float, float, float, float] = Field(description="median intensity per state")
    betas: tuple[float, float, float, float] = Field(description="lognormal dispersion per state")

    @model_validator(mode="after")
    def _valid(self) -> FragilitySpec:
        if any(m <= 0 for m in self.medians) or any(b <= 0 for b in self.betas):
            raise ValueError("medians: medians and betas must be > 0")
        if any(b < a for a, b in zip(self.medians, self.medians[1:], strict=False)):
            raise ValueError("medians: must not decrease from slight to complete")
        return self


class RestorationSpec(Strict):
    """Repair time on site per damage state (hours)."""

    slight: Duration
    moderate: Duration
    extensive: Duration
    complete: Duration


class GradedHazardBase(HazardBase):
    """A hazard with a physical intensity, fragility curves and restoration times.

    ``fragility`` and ``restoration`` override the hazard's built-in library per asset
    kind; ``failure_state`` is the least damage state that takes an asset out of service.
    """

    fragility: dict[AssetKind, FragilitySpec] = Field(
        default_factory=dict, description="fragility overrides per asset kind"
    )
    restoration: dict[AssetKind, RestorationSpec] = Field(
        default_factory=dict, description="repair time per damage state, per asset kind"
    )
    failure_state: Literal["slight", "moderate", "extensive", "complete"] = Field(
        "moderate", description="least damage state that takes an asset out of service"
    )
