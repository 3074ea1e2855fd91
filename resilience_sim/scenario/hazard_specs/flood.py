"""Scenario schema of hazard ``flood``: river or pluvial flood, storm surge, tsunami.

Second stage of the pipeline (topology -> **scenario** -> hazards): the parameters are
validated here; :mod:`resilience_sim.hazards.flood` turns them into water depths and
damage. Units, defaults and their sources are in ``docs/hazards/flood.md``.

The water surface is given in one of two ways:

* an **area** (``polygon`` or ``regions``) flooded to ``water_level_m`` above datum;
* a **coast** (``coast`` polyline) with ``runup_m`` at the shore, falling linearly to
  zero ``inundation_distance_km`` inland;
* a **raster** of water depth above ground (GeoTIFF, units m, cm or ft).

A tsunami may add an ``origin`` so that it arrives later at farther sites.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import GradedHazardBase, Point
from resilience_sim.scenario.hazard_specs.files import RasterInput
from resilience_sim.topology.model import Latitude, Longitude

LatLon = tuple[Latitude, Longitude]


class Flood(GradedHazardBase):
    """Water over an area or inland from a coast; depth-damage fragility per asset kind."""

    type: Literal["flood"]
    source: Literal["river", "pluvial", "surge", "tsunami"] = Field(
        description="what floods: river, pluvial (rain ponding), surge (storm surge), tsunami"
    )
    polygon: list[LatLon] | None = Field(
        None,
        description="flooded area as [lat, lon] points; closed (first point == last point)",
    )
    regions: list[str] | None = Field(
        None, description="flooded regions (node.region), instead of a polygon"
    )
    water_level_m: Annotated[float, Field(ge=-500.0, le=9000.0)] | None = Field(
        None, description="water surface over the area, m above the elevation datum"
    )
    coast: list[LatLon] | None = Field(
        None, min_length=1, description="coastline as [lat, lon] points (a polyline, or a point)"
    )
    runup_m: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="water level at the coast (run-up or surge height), m above datum"
    )
    inundation_distance_km: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="distance inland at which the water level falls to zero, km"
    )
    raster: RasterInput | None = Field(
        None, description="water depth above ground from a raster (units m, cm or ft)"
    )
    origin: Point | None = Field(
        None, description="tsunami source: arrival delayed by distance / propagation speed"
    )
    speed_kmh: Annotated[float, Field(gt=0.0, le=1000.0)] | None = Field(
        None, description="tsunami propagation speed, km/h (else from ocean_depth_m)"
    )
    ocean_depth_m: Annotated[float, Field(gt=0.0, le=11000.0)] | None = Field(
        None, description="representative ocean depth for sqrt(g h), m (default 4000, assumed)"
    )

    @model_validator(mode="after")
    def _one_water_surface(self) -> Flood:
        area = self.polygon is not None or self.regions is not None
        coastal = self.coast is not None
        if self.raster is not None:
            others = (self.water_level_m, self.runup_m, self.inundation_distance_km)
            if area or coastal or any(v is not None for v in others):
                raise ValueError(
                    "raster: a depth raster replaces `polygon`/`regions`/`coast` and their levels"
                )
            if self.raster.units not in ("m", "cm", "ft"):
                raise ValueError(f"raster.units: {self.raster.units!r} is not one of m, cm, ft")
            return self
        if area == coastal:
            raise ValueError(
                "polygon: give either an area (`polygon` or `regions`, with `water_level_m`), "
                "a `coast` (with `runup_m` and `inundation_distance_km`) or a depth `raster`"
            )
        if area:
            if self.polygon is not None and self.regions is not None:
                raise ValueError("regions: give `polygon` or `regions`, not both")
            if self.water_level_m is None:
                raise ValueError("water_level_m: required with `polygon` or `regions`")
            for name in ("runup_m", "inundation_distance_km"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name}: only used with `coast`")
        else:
            for name in ("runup_m", "inundation_distance_km"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name}: required with `coast`")
            if self.water_level_m is not None:
                raise ValueError("water_level_m: only used with `polygon` or `regions`")
        if self.polygon is not None:
            if len(self.polygon) < 4:
                raise ValueError("polygon: needs at least 3 corners plus the closing point")
            if tuple(self.polygon[0]) != tuple(self.polygon[-1]):
                raise ValueError(
                    f"polygon: does not close: the last point {list(self.polygon[-1])} must "
                    f"repeat the first {list(self.polygon[0])}"
                )
        if self.regions is not None and not self.regions:
            raise ValueError("regions: name at least one region")
        return self

    @model_validator(mode="after")
    def _tsunami_timing(self) -> Flood:
        for name in ("origin", "speed_kmh", "ocean_depth_m"):
            if getattr(self, name) is not None and self.source != "tsunami":
                raise ValueError(f"{name}: only for source: tsunami")
        if self.speed_kmh is not None and self.ocean_depth_m is not None:
            raise ValueError("speed_kmh: give `speed_kmh` or `ocean_depth_m`, not both")
        if self.origin is None and (self.speed_kmh is not None or self.ocean_depth_m is not None):
            raise ValueError("origin: required to time the tsunami with a speed or depth")
        return self
