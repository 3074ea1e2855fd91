"""Scenario schema of hazard ``tropical_cyclone``: a storm track and wind-field settings.

Second stage of the pipeline (topology -> **scenario** -> hazards): the parameters are
validated here; :mod:`resilience_sim.hazards.tropical_cyclone` turns them into winds and
damage. Field meanings, units and default values with their sources are documented in
``docs/hazards/tropical_cyclone.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from resilience_sim.scenario.common import GradedHazardBase, NonNegative, Strict
from resilience_sim.topology.model import Latitude, Longitude

# Lowest sea-level pressure measured in a tropical cyclone is 870 hPa (Typhoon Tip,
# 1979); 850 leaves a margin. Above 1020 hPa nothing is a cyclone.
MIN_CENTRAL_PRESSURE_HPA = 850.0
MAX_CENTRAL_PRESSURE_HPA = 1020.0


class TrackPoint(Strict):
    """The storm at one time: centre, intensity (pressure and/or wind) and size."""

    t_h: NonNegative = Field(description="hours after the hazard's at_h")
    lat: Latitude = Field(description="storm centre latitude, degrees")
    lon: Longitude = Field(description="storm centre longitude, degrees")
    central_pressure_hpa: (
        Annotated[float, Field(ge=MIN_CENTRAL_PRESSURE_HPA, le=MAX_CENTRAL_PRESSURE_HPA)] | None
    ) = Field(None, description="minimum sea-level pressure at the centre, hPa")
    max_wind_ms: Annotated[float, Field(gt=0.0, le=120.0)] | None = Field(
        None, description="maximum 1-minute sustained wind at 10 m, m/s (best-track convention)"
    )
    radius_max_wind_km: Annotated[float, Field(gt=0.0, le=500.0)] = Field(
        description="radius of maximum winds, km"
    )
    holland_b: Annotated[float, Field(ge=1.0, le=2.5)] | None = Field(
        None,
        description="Holland profile shape parameter B (1 to 2.5); derived when absent",
    )

    @model_validator(mode="after")
    def _has_intensity(self) -> TrackPoint:
        if self.central_pressure_hpa is None and self.max_wind_ms is None:
            raise ValueError("central_pressure_hpa: give central_pressure_hpa, max_wind_ms or both")
        return self


class TrackFile(Strict):
    """A best track read from an IBTrACS v04 CSV file (docs/hazards/tropical_cyclone.md)."""

    path: str = Field(min_length=1, description="IBTrACS CSV file, relative to the scenario file")
    sid: str | None = Field(None, min_length=1, description="storm id (IBTrACS SID)")
    name: str | None = Field(None, min_length=1, description="storm name (with `season`)")
    season: Annotated[int, Field(ge=1800, le=2200)] | None = Field(
        None, description="IBTrACS season (with `name`)"
    )
    agency: str = Field("USA", description="whose positions and intensities: USA, WMO, BOM, ...")
    radius_max_wind_km: Annotated[float, Field(gt=0.0, le=500.0)] | None = Field(
        None, description="radius of maximum winds when the agency reports none, km"
    )

    @model_validator(mode="after")
    def _one_selection(self) -> TrackFile:
        if (self.sid is None) == (self.name is None and self.season is None):
            raise ValueError("sid: give `sid`, or `name` and `season`")
        if self.sid is None and (self.name is None or self.season is None):
            raise ValueError("season: give both `name` and `season`")
        return self


class TropicalCyclone(GradedHazardBase):
    """A tropical cyclone along a track: Holland (1980) winds, gust fragility per asset kind."""

    type: Literal["tropical_cyclone"]
    track: list[TrackPoint] = Field(
        default_factory=list, description="storm positions with strictly increasing t_h"
    )
    track_file: TrackFile | None = Field(
        None, description="read the track from an IBTrACS CSV file instead of `track`"
    )
    ambient_pressure_hpa: Annotated[float, Field(ge=990.0, le=1030.0)] = Field(
        1010.0, description="environmental pressure far from the storm, hPa (assumed default)"
    )
    surface_wind_factor: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.8, description="10 m sustained wind / gradient wind (assumed default)"
    )
    gust_factor: Annotated[float, Field(ge=1.0, le=2.0)] = Field(
        1.25, description="3-second gust / 1-minute sustained wind at 10 m (assumed default)"
    )
    translation_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.55, description="share of the storm's forward velocity added to the surface wind"
    )
    translation_rotation_deg: Annotated[float, Field(ge=-90.0, le=90.0)] = Field(
        20.0, description="cyclonic rotation of that forward-velocity vector, degrees"
    )
    time_step_h: Annotated[float, Field(gt=0.0, le=3.0)] = Field(
        0.25, description="time step of the interpolated track, hours"
    )

    @field_validator("track")
    @classmethod
    def _times_increase(cls, track: list[TrackPoint]) -> list[TrackPoint]:
        for i in range(1, len(track)):
            if track[i].t_h <= track[i - 1].t_h:
                raise ValueError(
                    f"t_h must strictly increase along the track: track[{i}].t_h = "
                    f"{track[i].t_h:g} is not after track[{i - 1}].t_h = {track[i - 1].t_h:g}"
                )
        return track

    @model_validator(mode="after")
    def _one_track(self) -> TropicalCyclone:
        # a track_file is read by the loader, which fills `track` (keeping track_file)
        if self.track_file is None and len(self.track) < 2:
            raise ValueError("track: needs at least 2 items (or give a `track_file`)")
        return self

    @model_validator(mode="after")
    def _below_ambient(self) -> TropicalCyclone:
        for i, point in enumerate(self.track):
            p = point.central_pressure_hpa
            if p is not None and p >= self.ambient_pressure_hpa:
                raise ValueError(
                    f"track: track[{i}].central_pressure_hpa = {p:g} is not below "
                    f"ambient_pressure_hpa = {self.ambient_pressure_hpa:g}"
                )
        return self
