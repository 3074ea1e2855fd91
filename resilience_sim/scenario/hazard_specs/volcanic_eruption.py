"""Scenario parameters of the `volcanic_eruption` hazard (docs/hazards/volcanic_eruption.md).

Part of the scenario schema: validated at load time, then read by
:mod:`resilience_sim.hazards.volcanic_eruption`. The radii by VEI below are `assumed`
except where the table says otherwise; every one can be given explicitly instead.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import AssetKind, HazardBase, NonNegative, Point
from resilience_sim.scenario.distributions import Duration

PositiveKm = Annotated[float, Field(gt=0.0, le=20_000.0, allow_inf_nan=False)]
Speed = Annotated[float, Field(gt=0.0, le=2_000.0, allow_inf_nan=False)]

# Radii (km) by Volcanic Explosivity Index: (damage, ash, cable_fault).
#   damage       sites destroyed (pyroclastic density currents, ballistics, collapse).
#                `assumed`: 20 km at VEI 5, roughly doubling per VEI step at small VEI
#                and growing more slowly above (judgement; no source).
#   ash          ash fall heavy enough to take microwave and satellite links off the air.
#                `assumed`: 150 km at VEI 5 (ash fell across Tongatapu, ~65 km from Hunga
#                Tonga-Hunga Ha'apai, in 2022), doubling per VEI step (eruptive volume
#                grows ~10x per step; Newhall & Self 1982 define the index).
#   cable_fault  submarine density currents and landslides that break cables. VEI 5:
#                100 km, the run-out of the 2022 Hunga Tonga-Hunga Ha'apai currents
#                (">100 km", Clare et al. 2023, Science, doi:10.1126/science.adi3038;
#                that eruption is rated VEI 5.7 by Seabrook et al. 2023, Nat. Commun. 14:7881).
#                Other VEIs `assumed`: halved / doubled per step (run-out of a gravity
#                current grows roughly with the cube root of its volume, 10**(1/3) ~ 2).
VEI_RADII_KM: dict[int, tuple[float, float, float]] = {
    0: (0.5, 5.0, 3.0),
    1: (1.0, 10.0, 6.0),
    2: (2.0, 20.0, 12.0),
    3: (5.0, 40.0, 25.0),
    4: (10.0, 80.0, 50.0),
    5: (20.0, 150.0, 100.0),
    6: (30.0, 300.0, 200.0),
    7: (50.0, 600.0, 400.0),
    8: (100.0, 1200.0, 800.0),
}

# Near-field radius as a share of the cable-fault radius: a cable passing this close
# to the vent always gets at least one fault. 0.75 (`assumed`) puts it at 75 km for
# VEI 5, which covers both cables cut in 2022 (the domestic cable ~50 km and the
# international cable ~70 km from the volcano, per the BBC report of Clare et al. 2023,
# 7 Sep 2023; APNIC blog, 1 Mar 2022, puts the international cable ~50 km south).
NEAR_FIELD_SHARE = 0.75


class VolcanicEruption(HazardBase):
    """An explosive eruption: sites destroyed near the vent, links off the air under the
    ash, submarine cables broken by density currents (faults located along the route)."""

    type: Literal["volcanic_eruption"]
    vent: Point = Field(description="vent location, decimal degrees")
    vei: Annotated[int, Field(ge=0, le=8)] = Field(
        description="Volcanic Explosivity Index, 0-8 (Newhall & Self 1982)"
    )
    damage_radius_km: PositiveKm | None = Field(
        None, description="sites within this distance of the vent are destroyed (default by VEI)"
    )
    ash_radius_km: PositiveKm | None = Field(
        None, description="ash fall takes `ash_kinds` off the air within this distance, km"
    )
    ash_kinds: list[AssetKind] = Field(
        default_factory=lambda: ["microwave", "satellite"],
        description="asset kinds ash fall takes off the air (outage until the ash clears)",
    )
    ash_duration_h: Annotated[float, Field(gt=0.0, le=1e5, allow_inf_nan=False)] = Field(
        72.0, description="how long an ash outage lasts, hours (assumed default)"
    )
    ash_remaining_frac: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)] | None = Field(
        None,
        description="if set, ash leaves links this share of their capacity (they stay up) "
        "instead of taking them off the air; nodes of ash_kinds still go off the air",
    )
    ash_speed_kmh: Speed = Field(
        36.0,
        description="ash front speed: ash reaches distance d at at_h + d / speed (assumed "
        "default, 10 m/s wind)",
    )
    cable_fault_radius_km: PositiveKm | None = Field(
        None, description="submarine cables inside this radius get faults (default by VEI)"
    )
    near_field_radius_km: PositiveKm | None = Field(
        None,
        description="a cable passing this close to the vent gets at least one fault "
        "(default 0.75 x cable_fault_radius_km)",
    )
    faults_per_km: NonNegative = Field(
        0.01, description="expected faults per km of cable route inside the fault radius (assumed)"
    )
    front_speed_kmh: Speed = Field(
        60.0,
        description="density-current speed: damage at distance d from the vent starts at "
        "at_h + d / speed (assumed default, between the 47-122 km/h reported for 2022)",
    )
    repair_h: dict[AssetKind, Duration] = Field(
        default_factory=dict,
        description="on-site repair time of a destroyed site or land link, by asset kind "
        "(default: recovery.repair_h; cable faults are repaired as recovery says)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> VolcanicEruption:
        if self.duration_h is not None:
            raise ValueError(
                "duration_h: not used by volcanic_eruption: destroyed sites and cable faults "
                "need a repair, ash outages last `ash_duration_h`"
            )
        if "submarine_cable" in self.ash_kinds:
            raise ValueError(
                "ash_kinds: ash does not take submarine cables down; density currents break "
                "them inside cable_fault_radius_km"
            )
        _, _, fault_km, near_km = self.radii_km()
        if near_km > fault_km:
            raise ValueError(
                f"near_field_radius_km: {near_km:g} km is larger than the cable fault radius "
                f"({fault_km:g} km); faults only happen inside the fault radius"
            )
        return self

    def radii_km(self) -> tuple[float, float, float, float]:
        """``(damage, ash, cable_fault, near_field)`` radii in km: as given, else by VEI."""
        damage, ash, fault = VEI_RADII_KM[self.vei]
        damage = damage if self.damage_radius_km is None else self.damage_radius_km
        ash = ash if self.ash_radius_km is None else self.ash_radius_km
        fault = fault if self.cable_fault_radius_km is None else self.cable_fault_radius_km
        near = NEAR_FIELD_SHARE * fault
        return (
            damage,
            ash,
            fault,
            near if self.near_field_radius_km is None else (self.near_field_radius_km),
        )
