"""The catalogue file: sources of stochastic events and how often they occur (pydantic).

Experiments layer. A catalogue file names a base scenario (topology, recovery, horizon;
its own hazards are replaced by each event's), a number of simulated years, a seed, and
three kinds of source: earthquake source zones (truncated Gutenberg-Richter),
historical tropical-cyclone tracks to perturb, and cable-fault rates per 1,000 km of
cable. :mod:`resilience_sim.experiments.catalogue.build` turns it into an event-set
file. Documented in docs/decisions.md.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import Point, Strict
from resilience_sim.scenario.hazard_specs.tropical_cyclone import TrackFile, TrackPoint
from resilience_sim.scenario.variants import BENEFIT_METRICS
from resilience_sim.topology.model import LINK_KINDS, Latitude, Longitude

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Magnitude = Annotated[float, Field(ge=0.0, le=10.0)]
LinkKind = Literal[LINK_KINDS]  # type: ignore[valid-type]

# Global submarine-cable fault rate, per 1,000 km of cable per year: the ICPC's 150-200
# faults a year on ~1.0-1.7 million km of cable (PARAMETERS.md, H) give 0.088-0.20; the
# default is the ratio of the mid-points, 175 / 1,350 = 0.13. A global average: a
# national rate needs local data (shallow, fished, anchored waters fault more).
ICPC_FAULTS_PER_1000_KM_YEAR = 175.0 / 1350.0


class DepthRange(Strict):
    """Hypocentral depth drawn uniformly between ``min_km`` and ``max_km``."""

    min_km: Annotated[float, Field(ge=0.0, le=700.0)]
    max_km: Annotated[float, Field(ge=0.0, le=700.0)]

    @model_validator(mode="after")
    def _ordered(self) -> DepthRange:
        if self.max_km < self.min_km:
            raise ValueError("max_km: must not be below min_km")
        return self


class SourceZone(Strict):
    """One earthquake source zone with a truncated Gutenberg-Richter magnitude law.

    Epicentres fall uniformly over the zone's area: a ``polygon`` ([lat, lon] ring,
    first point repeated), or a disc of ``radius_km`` around ``centre``. Events with
    magnitude at least ``min_magnitude`` occur as a Poisson process at
    ``rate_per_year``; magnitudes follow ``N(>=m) ∝ 10^(-b m)`` cut at ``max_magnitude``.
    """

    name: str = Field(min_length=1, max_length=200, description="zone name")
    polygon: list[tuple[Latitude, Longitude]] | None = Field(
        None, description="closed ring of [lat, lon] points (last repeats first)"
    )
    centre: Point | None = Field(None, description="centre of a circular zone")
    radius_km: Positive | None = Field(None, description="radius of a circular zone, km")
    rate_per_year: Positive = Field(description="annual rate of events with M >= min_magnitude")
    min_magnitude: Magnitude = Field(description="Mmin: smallest magnitude in the catalogue")
    max_magnitude: Magnitude = Field(description="Mmax: truncation magnitude")
    b_value: Annotated[float, Field(gt=0.0, le=3.0)] = Field(
        1.0, description="Gutenberg-Richter b-value (1.0 assumed when absent)"
    )
    depth_km: Annotated[float, Field(ge=0.0, le=700.0)] | DepthRange = Field(
        description="hypocentral depth, km, or a uniform {min_km, max_km} range"
    )
    earthquake: dict[str, Any] = Field(
        default_factory=dict,
        description="other `earthquake` hazard fields copied into every event "
        "(mechanism, vs30_mps, fragility, ...)",
    )

    @model_validator(mode="after")
    def _valid(self) -> SourceZone:
        if self.max_magnitude <= self.min_magnitude:
            raise ValueError("max_magnitude: must be above min_magnitude")
        circle = self.centre is not None or self.radius_km is not None
        if (self.polygon is None) == (not circle):
            raise ValueError("polygon: give `polygon`, or `centre` and `radius_km`")
        if circle and (self.centre is None or self.radius_km is None):
            raise ValueError("radius_km: a circular zone needs both `centre` and `radius_km`")
        if self.polygon is not None and (
            len(self.polygon) < 4 or tuple(self.polygon[0]) != tuple(self.polygon[-1])
        ):
            raise ValueError(
                "polygon: needs at least 3 corners and the first point repeated at the end"
            )
        reserved = {"type", "epicentre", "magnitude", "depth_km", "shakemap", "raster"}
        clash = sorted(reserved & set(self.earthquake))
        if clash:
            raise ValueError(f"earthquake: {', '.join(clash)} are drawn by the catalogue")
        return self


class TrackPerturbation(Strict):
    """Random-walk perturbation of a track (the method of CLIMADA's
    ``calc_perturbed_trajectories``; defaults are CLIMADA's)."""

    max_shift_ini_deg: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.75, description="starting point moved by up to ± this in latitude and longitude"
    )
    max_dspeed_rel: Annotated[float, Field(ge=0.0, le=0.95)] = Field(
        0.3, description="translation speed of each segment scaled by 1 ± up to this"
    )
    max_ddirection_rad_per_h: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        math.pi / 360.0, description="bearing change per hour of up to ± this, radians"
    )
    autocorr_dspeed: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.85, description="lag-1 h autocorrelation of the speed perturbation"
    )
    autocorr_ddirection: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.5, description="lag-1 h autocorrelation of the direction perturbation"
    )


class CycloneSource(Strict):
    """Storms like one historical track: a Poisson number per year, each a perturbed copy."""

    name: str = Field(min_length=1, max_length=200, description="source name")
    track_file: TrackFile | None = Field(None, description="the historical track (IBTrACS CSV)")
    track: list[TrackPoint] = Field(default_factory=list, description="or the track inline")
    rate_per_year: Positive = Field(description="annual rate of storms of this kind")
    perturbation: TrackPerturbation = Field(default_factory=TrackPerturbation)
    cyclone: dict[str, Any] = Field(
        default_factory=dict,
        description="other `tropical_cyclone` hazard fields copied into every event",
    )

    @model_validator(mode="after")
    def _one_track(self) -> CycloneSource:
        if (self.track_file is None) == (len(self.track) == 0):
            raise ValueError("track_file: give `track_file` or `track` (at least 2 points)")
        if self.track and len(self.track) < 2:
            raise ValueError("track: needs at least 2 points")
        clash = sorted({"type", "track", "track_file"} & set(self.cyclone))
        if clash:
            raise ValueError(f"cyclone: {', '.join(clash)} are set by the catalogue")
        return self


class CableFaultSource(Strict):
    """Cable faults at a rate per 1,000 km of cable per year, uniform along each cable."""

    name: str = Field("cable faults", min_length=1, max_length=200)
    faults_per_1000km_year: Positive = Field(
        ICPC_FAULTS_PER_1000_KM_YEAR,
        description="faults per 1,000 km of cable per year (default 0.13, from the ICPC's "
        "global 150-200 faults a year on 1.0-1.7 M km)",
    )
    kinds: list[LinkKind] = Field(
        default_factory=lambda: ["submarine_cable"], description="link kinds exposed"
    )
    links: list[str] | None = Field(
        None, description="only these link ids (all of `kinds` if absent)"
    )


class CatalogueSpec(Strict):
    """A catalogue file."""

    name: str = Field(min_length=1, max_length=200, description="catalogue name")
    description: str = Field("", description="free text")
    scenario: str = Field(min_length=1, description="base scenario file, relative to this file")
    years: Annotated[int, Field(ge=1, le=10_000_000)] = Field(description="years simulated")
    seed: Annotated[int, Field(ge=0)] = Field(description="catalogue seed")
    metric: Literal[BENEFIT_METRICS] = Field(  # type: ignore[valid-type]
        "unserved_user_h_international", description="the loss measured, user-hours"
    )
    earthquakes: list[SourceZone] = Field(default_factory=list)
    tropical_cyclones: list[CycloneSource] = Field(default_factory=list)
    cable_faults: list[CableFaultSource] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_sources(self) -> CatalogueSpec:
        if not (self.earthquakes or self.tropical_cyclones or self.cable_faults):
            raise ValueError("earthquakes: give at least one earthquake, cyclone or cable source")
        return self
