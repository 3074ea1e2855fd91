"""Scenario fields that name a hazard-event file (read by :mod:`resilience_sim.scenario.inputs`).

Paths are relative to the scenario file; the loader makes them absolute.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from resilience_sim.scenario.common import Strict


class RasterInput(Strict):
    """A hazard raster (GeoTIFF or any GDAL format) sampled at the assets."""

    path: str = Field(min_length=1, description="raster file, relative to the scenario file")
    band: Annotated[int, Field(ge=1)] = Field(1, description="band number, 1-based")
    units: str = Field(description="unit of the values (flood: m, cm, ft; earthquake: g, %g, m/s2)")
    interpolation: Literal["bilinear", "nearest"] = Field(
        "bilinear", description="bilinear between pixel centres, or the pixel holding the point"
    )
