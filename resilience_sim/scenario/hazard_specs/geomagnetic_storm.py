"""Scenario parameters of the `geomagnetic_storm` hazard (docs/hazards/geomagnetic_storm.md).

Repeater and power-feed failures on long submarine cables during a geomagnetic
storm. Part of the scenario schema, validated at load time, read by
:mod:`resilience_sim.hazards.geomagnetic_storm`. Every default is `assumed`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import HazardBase


class GeomagneticStorm(HazardBase):
    """A geomagnetic storm given by its Dst or Kp index. Each repeater of a submarine
    cable fails with a probability rising with storm strength and geomagnetic latitude.

    With ``duration_h`` a failure is a power-feed trip that clears by itself after that
    many hours; without it, each failed repeater is a fault a cable ship must repair.
    """

    type: Literal["geomagnetic_storm"]
    dst_nt: Annotated[float, Field(ge=-3000.0, lt=0.0, allow_inf_nan=False)] | None = Field(
        None, description="storm-time minimum of the Dst index, nT (negative; March 1989: -589)"
    )
    kp: Annotated[float, Field(ge=0.0, le=9.0, allow_inf_nan=False)] | None = Field(
        None, description="maximum planetary Kp index, 0-9"
    )
    repeater_spacing_km: Annotated[float, Field(gt=0.0, le=1000.0, allow_inf_nan=False)] = Field(
        70.0, description="distance between repeaters, km (assumed; typically 50-100 km)"
    )
    repeater_failure_probability: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = (
        Field(
            0.003,
            description="probability that one repeater fails in a reference storm (Dst -589 nT "
            "or Kp 9) at high geomagnetic latitude (assumed)",
        )
    )

    @model_validator(mode="after")
    def _one_index(self) -> GeomagneticStorm:
        if (self.dst_nt is None) == (self.kp is None):
            raise ValueError("dst_nt: give exactly one of `dst_nt` and `kp`")
        return self
