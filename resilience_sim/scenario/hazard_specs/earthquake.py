"""Scenario parameters of the `earthquake` hazard (documented in docs/hazards/earthquake.md).

Part of the scenario schema: validated at load time, then read by
:mod:`resilience_sim.hazards.earthquake`. Every default below that is a physical value is
`assumed` (how chosen: docs/hazards/earthquake.md); all are overridable per scenario.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import GradedHazardBase, NonNegative, Point, Strict
from resilience_sim.scenario.hazard_specs.files import RasterInput
from resilience_sim.topology.model import LINK_KINDS, Topology

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

# HAZUS v5.1 electric-power substation classes (fragility table in hazards/earthquake.py).
SubstationClass = Literal[
    "low_voltage_anchored",
    "low_voltage_unanchored",
    "medium_voltage_anchored",
    "medium_voltage_unanchored",
    "high_voltage_anchored",
    "high_voltage_unanchored",
]


class CableFaultBand(Strict):
    """Submarine-cable faults per km of route within ``to_km`` of the source (and beyond
    the previous band), at the reference magnitude."""

    to_km: Positive = Field(description="outer edge of the band, km from the source")
    faults_per_km: NonNegative = Field(description="expected faults per km of cable in the band")


class SubmarineCableFaults(Strict):
    """Seabed landslides and turbidity currents breaking submarine cables (all `assumed`)."""

    bands: list[CableFaultBand] = Field(
        default_factory=lambda: [
            CableFaultBand(to_km=100.0, faults_per_km=0.008),
            CableFaultBand(to_km=300.0, faults_per_km=0.004),
            CableFaultBand(to_km=600.0, faults_per_km=0.001),
        ],
        description="distance bands from the source, nearest first; no faults beyond the last",
    )
    reference_magnitude: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        7.0, description="magnitude at which the band rates apply"
    )
    magnitude_exponent: Annotated[float, Field(ge=0.0, le=3.0)] = Field(
        1.0, description="rates scale by 10**(exponent * (M - reference_magnitude))"
    )
    max_magnitude: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        8.0, description="magnitudes above this scale the rates as this magnitude"
    )
    turbidity_current_speed_kmh: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        20.0, description="a fault at distance d km from the source breaks at at_h + d / speed"
    )

    @model_validator(mode="after")
    def _bands_increase(self) -> SubmarineCableFaults:
        edges = [b.to_km for b in self.bands]
        if any(b <= a for a, b in pairwise(edges)):
            raise ValueError("bands: `to_km` must increase from one band to the next")
        return self


class FiberFaults(Strict):
    """Terrestrial fibre breaks per km: ``max_faults_per_km * Phi(ln(PGA / median) / beta)``
    (all `assumed`)."""

    max_faults_per_km: NonNegative = Field(0.2, description="faults per km in very strong shaking")
    median_pga_g: Positive = Field(0.8, description="PGA (g) giving half the maximum rate")
    beta: Positive = Field(0.6, description="lognormal dispersion of the rate curve")


class Earthquake(GradedHazardBase):
    """Ground shaking from a point source or a rupture trace (BJF97), or from a ShakeMap
    grid or a PGA raster; damage by fragility."""

    type: Literal["earthquake"]
    epicentre: Point | None = Field(
        None, description="epicentre, decimal degrees (with a shakemap: from its event header)"
    )
    depth_km: Annotated[float, Field(ge=0.0, le=700.0)] | None = Field(
        None, description="hypocentral depth, km (0-700) (with a shakemap: from its header)"
    )
    magnitude: Annotated[float, Field(ge=0.0, le=10.0)] | None = Field(
        None, description="moment magnitude Mw (0-10) (with a shakemap: from its header)"
    )
    shakemap: str | None = Field(
        None,
        min_length=1,
        description="USGS ShakeMap grid.xml (relative to the scenario file): PGA at the "
        "assets from the grid instead of BJF97",
    )
    raster: RasterInput | None = Field(
        None, description="PGA raster (units g, %g or m/s2) instead of BJF97"
    )
    vs30_clustering: bool = Field(
        False,
        description="shakemap residuals: Jayaram & Baker (2009) case 2 range (Vs30 "
        "clustered in the region, 40.7 km) instead of case 1 (8.5 km)",
    )
    mechanism: Literal["unspecified", "strike_slip", "reverse"] = Field(
        "unspecified", description="style of faulting (BJF97 coefficient b1)"
    )
    rupture_trace: list[Point] | None = Field(
        None,
        min_length=2,
        description="surface projection of the rupture as a polyline; distances are measured "
        "to it instead of to the epicentre",
    )
    vs30_mps: Annotated[float, Field(gt=0.0, le=5000.0)] = Field(
        760.0, description="average shear-wave velocity of the top 30 m, m/s"
    )
    site_amplification: Positive = Field(
        1.0, description="factor multiplying the PGA at every site (other site effects)"
    )
    site_amplification_by_region: dict[str, Positive] = Field(
        default_factory=dict,
        description="factor per node region, replacing site_amplification there",
    )
    pga_variability: Literal["sampled", "median"] = Field(
        "sampled",
        description="`sampled`: draw BJF97's between-event and within-site residuals; "
        "`median`: use the median PGA",
    )
    power_substation_class: SubstationClass = Field(
        "low_voltage_anchored", description="HAZUS v5.1 class used for power_substation nodes"
    )
    fiber_faults: FiberFaults = Field(default_factory=FiberFaults, description="fibre breaks")
    submarine_cable_faults: SubmarineCableFaults = Field(
        default_factory=SubmarineCableFaults, description="submarine-cable faults"
    )

    @model_validator(mode="after")
    def _source(self) -> Earthquake:
        if self.shakemap is not None and self.raster is not None:
            raise ValueError("shakemap: give `shakemap` or `raster`, not both")
        if self.raster is not None and self.raster.units not in ("g", "%g", "m/s2"):
            raise ValueError(f"raster.units: {self.raster.units!r} is not one of g, %g, m/s2")
        if self.shakemap is None:
            for name in ("epicentre", "depth_km", "magnitude"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name}: required (unless a `shakemap` gives it)")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Earthquake:
        if self.duration_h is not None:
            raise ValueError(
                "duration_h: an earthquake damages assets that need a repair; "
                "give repair times per damage state in `restoration`"
            )
        for name in ("fragility", "restoration"):
            links = sorted(set(getattr(self, name)) & set(LINK_KINDS))
            if links:
                raise ValueError(
                    f"{name}: link kinds ({', '.join(links)}) have no damage states here; "
                    "use fiber_faults / submarine_cable_faults, and recovery.repair_h for "
                    "the repair time of each fault"
                )
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for every region named here that the topology lacks.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        regions = set(topology.regions)
        return [
            (
                f"site_amplification_by_region.{name}",
                f"no region {name!r} in topology (regions: {', '.join(sorted(regions))})",
            )
            for name in self.site_amplification_by_region
            if name not in regions
        ]
