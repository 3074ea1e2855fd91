"""Scenario blocks of submarine-cable repair logistics (docs/cable-repair.md).

Maintenance zones, spare-cable depots, permit areas (territorial waters) and seasonal
weather windows, read by :mod:`resilience_sim.engine.ships`. Every block is opt-in:
a scenario without them runs the fleet exactly as before. Units: hours, km, metres
of water depth, calendar months 1-12. Defaults carry their source or `assumed`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from resilience_sim.scenario.common import NonNegative, Point, Strict
from resilience_sim.topology.model import Latitude, Longitude

LatLon = tuple[Latitude, Longitude]
Share = Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)]
Month = Annotated[int, Field(ge=1, le=12)]

# Replacing ~90 km of destroyed cable took ~20 days on site (Tonga, 2022; PARAMETERS.md,
# H). Taking the 4-day median of one fault's recovery and splices (DEFAULT_SHIP_REPAIR)
# out of it leaves 384 h for 90 km: an effective section rate of 90 / 384 km/h, derived.
SECTION_KM_PER_H = 90.0 / (480.0 - 96.0)


class MaintenanceZone(Strict):
    """A maintenance agreement: the cables its ships may serve (link ids)."""

    name: str = Field(min_length=1, max_length=200, description="zone name")
    cables: list[str] = Field(min_length=1, description="ids of the submarine-cable links")


class ZoneRelease(Strict):
    """From ``from_h`` on, a ship may also serve the cables of ``zone`` (released to it)."""

    zone: str = Field(min_length=1, description="maintenance zone name")
    from_h: NonNegative = Field(description="release time, hours from start")


class StockDelivery(Strict):
    """Cable added to a depot's stock at ``at_h`` (a shipment from the factory)."""

    at_h: NonNegative = Field(description="arrival time, hours from start")
    km: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = Field(description="cable, km")


class SpareDepot(Strict):
    """A spare-cable depot (usually at a port) with a stock of cable in km."""

    name: str = Field(min_length=1, max_length=200, description="depot name")
    location: Point = Field(description="where ships load (lat, lon)")
    stock_km: NonNegative = Field(description="cable in stock at the start, km")
    deliveries: list[StockDelivery] = Field(
        default_factory=list, description="later additions to the stock"
    )
    load_h: NonNegative = Field(
        24.0, description="hours to load cable into the ship's tanks (assumed)"
    )


class SpareRule(Strict):
    """Spare cable one repair visit uses, km:
    ``base_km + depth_factor x depth_km + section_km`` (all `assumed`): new cable is
    spliced in between the two recovered ends, each lifted from the seabed, so about
    twice the water depth plus slack; a visit that replaces the section between
    several faults also lays that section."""

    base_km: NonNegative = Field(2.0, description="slack per repair, km (assumed)")
    depth_factor: NonNegative = Field(
        2.0, description="km of cable per km of water depth (assumed)"
    )


class PermitArea(Strict):
    """Territorial water (or any permit area): repairs of faults inside ``polygon`` may
    not start before ``delay_h`` after the fault (permits, security)."""

    name: str = Field(min_length=1, max_length=200, description="area name")
    polygon: list[LatLon] = Field(description="closed ring of [lat, lon]: last = first")
    delay_h: NonNegative = Field(
        description="earliest repair start after the fault, h (up to ~8 weeks, Red Sea "
        "2024, PARAMETERS.md)"
    )

    @field_validator("polygon")
    @classmethod
    def _ring(cls, ring: list[LatLon]) -> list[LatLon]:
        if len(ring) < 4 or tuple(ring[0]) != tuple(ring[-1]):
            raise ValueError("needs at least 3 corners and the first point repeated at the end")
        return ring


class WeatherWindow(Strict):
    """Calendar months in which ``downtime_frac`` of on-site time is lost to weather."""

    months: list[Month] = Field(min_length=1, description="months 1-12")
    downtime_frac: Share = Field(description="share of the time no work is possible")


class CableLogistics(Strict):
    """Fleet-wide cable repair logistics (all optional)."""

    maintenance_zones: list[MaintenanceZone] = Field(
        default_factory=list, description="which cables the ships of each zone serve"
    )
    spare_depots: list[SpareDepot] = Field(
        default_factory=list,
        description="spare-cable depots; with none, spare cable is not tracked",
    )
    spares: SpareRule = Field(default_factory=SpareRule, description="cable per repair")
    permit_areas: list[PermitArea] = Field(
        default_factory=list, description="permit delay by the fault's position"
    )
    weather_windows: list[WeatherWindow] = Field(
        default_factory=list, description="seasonal on-site downtime; needs start_date"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CableLogistics:
        names = [z.name for z in self.maintenance_zones]
        if len(set(names)) != len(names):
            raise ValueError("maintenance_zones: zone names must be unique")
        months = [m for w in self.weather_windows for m in w.months]
        if len(set(months)) != len(months):
            raise ValueError("weather_windows: a month appears in two windows")
        return self

    def month_downtime(self) -> list[float]:
        """Downtime share per month, index 0 = January."""
        share = [0.0] * 12
        for window in self.weather_windows:
            for month in window.months:
                share[month - 1] = window.downtime_frac
        return share


__all__ = [
    "SECTION_KM_PER_H",
    "CableLogistics",
    "MaintenanceZone",
    "PermitArea",
    "SpareDepot",
    "SpareRule",
    "StockDelivery",
    "WeatherWindow",
    "ZoneRelease",
]
