"""Scenario parameters of the `cable_fault` hazard (docs/hazards/cable_fault.md).

Human-caused submarine-cable faults: a ship dragging its anchor along a track, and
fishing zones with a fault rate per km of cable. Part of the scenario schema,
validated at load time, read by :mod:`resilience_sim.hazards.cable_fault`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from resilience_sim.scenario.common import HazardBase, NonNegative, Strict
from resilience_sim.topology.model import Latitude, Longitude

LatLon = tuple[Latitude, Longitude]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class AnchorDrag(Strict):
    """A ship dragging its anchor along ``track``: every crossing of a cable by the
    swept corridor (``width_km`` wide, centred on the track) is one fault."""

    track: list[LatLon] = Field(description="the ship's track as [lat, lon] points, in order")
    width_km: Annotated[float, Field(gt=0.0, le=100.0, allow_inf_nan=False)] = Field(
        description="width of the swept corridor, km (anchor and chain spread plus track "
        "position uncertainty)"
    )
    speed_kn: Annotated[float, Field(gt=0.0, le=40.0, allow_inf_nan=False)] | None = Field(
        None,
        description="speed over ground, knots: a crossing at distance s km along the track "
        "happens at at_h + s / (1.852 speed_kn); without it every crossing happens at at_h",
    )
    fault_probability: Probability = Field(
        1.0,
        description="probability that one crossing breaks the cable (lower for buried "
        "cables; assumed default 1)",
    )

    @field_validator("track")
    @classmethod
    def _two_points(cls, track: list[LatLon]) -> list[LatLon]:
        if len(track) < 2:
            raise ValueError("a track needs at least two [lat, lon] points")
        return track


class FishingZone(Strict):
    """A polygon where fishing gear or anchoring faults cables at a rate per km of cable
    inside it: per day over ``window_days`` (``faults_per_km_day``) or for the event
    (``faults_per_km``)."""

    name: str | None = Field(None, max_length=200, description="zone name, for messages")
    polygon: list[LatLon] = Field(
        description="closed ring of [lat, lon] points: the last point repeats the first"
    )
    faults_per_km_day: NonNegative | None = Field(
        None, description="expected faults per km of cable inside the zone per day"
    )
    faults_per_km: NonNegative | None = Field(
        None, description="expected faults per km of cable inside the zone, for the event"
    )

    @model_validator(mode="after")
    def _valid(self) -> FishingZone:
        if len(self.polygon) < 4:
            raise ValueError(
                "polygon: needs at least 3 corners and the first point repeated at the end"
            )
        if tuple(self.polygon[0]) != tuple(self.polygon[-1]):
            raise ValueError(
                "polygon: does not close: the last point must repeat the first "
                f"({list(self.polygon[0])})"
            )
        if len(set(map(tuple, self.polygon[:-1]))) < 3:
            raise ValueError("polygon: needs at least 3 distinct corners")
        if (self.faults_per_km_day is None) == (self.faults_per_km is None):
            raise ValueError("faults_per_km_day: give exactly one of it and `faults_per_km`")
        return self


class LocatedFault(Strict):
    """A known fault at ``at_km`` along one cable (from its ``source`` end, in the km of
    the link's ``length_km``), at ``at_h`` (default the hazard's ``at_h``)."""

    cable: str = Field(min_length=1, description="id of the submarine-cable link")
    at_km: NonNegative = Field(description="km along the cable from its source end")
    depth_m: Annotated[float, Field(ge=0.0, le=11_000.0)] | None = Field(
        None,
        description="water depth at the fault, m; default from the link's route_depth_m "
        "(linear along the route), else unknown",
    )
    at_h: NonNegative | None = Field(None, description="when, hours from start")


class CableFault(HazardBase):
    """Submarine-cable faults from human activity: anchor drag, fishing zones, and
    faults known by their position along a cable."""

    type: Literal["cable_fault"]
    anchor_drag: AnchorDrag | None = Field(None, description="a ship dragging its anchor")
    fishing_zones: list[FishingZone] = Field(
        default_factory=list, description="zones with a fault rate per km of cable"
    )
    faults: list[LocatedFault] = Field(
        default_factory=list, description="known faults at a km along a cable"
    )
    window_days: Annotated[float, Field(gt=0.0, le=1e5, allow_inf_nan=False)] | None = Field(
        None,
        description="days from at_h over which `faults_per_km_day` rates apply; faults fall "
        "uniformly in that window",
    )

    @model_validator(mode="after")
    def _consistent(self) -> CableFault:
        if self.duration_h is not None:
            raise ValueError("duration_h: a cable fault needs a repair; it does not end by itself")
        if self.anchor_drag is None and not self.fishing_zones and not self.faults:
            raise ValueError("anchor_drag: give `anchor_drag`, `fishing_zones` or `faults`")
        per_day = any(z.faults_per_km_day is not None for z in self.fishing_zones)
        if per_day and self.window_days is None:
            raise ValueError("window_days: needed for zones with `faults_per_km_day`")
        return self
