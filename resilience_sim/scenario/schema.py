"""The scenario file schema (pydantic). Documented field by field in docs/scenario-format.md.

A scenario names a topology file, a horizon, the hazards that strike and the
recovery resources. Times are hours from scenario start; distances km.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from resilience_sim.scenario.cable_logistics import CableLogistics
from resilience_sim.scenario.common import (
    AssetKind,
    HazardBase,
    NonNegative,
    Strict,
)
from resilience_sim.scenario.distributions import Duration, Lognormal
from resilience_sim.scenario.hazard_specs.asset_failure import AssetFailure
from resilience_sim.scenario.hazard_specs.regional_outage import RegionalOutage
from resilience_sim.scenario.interdependency import DependencyRule
from resilience_sim.scenario.operators import Operator, Roaming
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.scenario.recovery import (
    BUILTIN_POLICIES,
    CableShip,
    ClosedArea,
    CustomPolicyPath,
    PolicyField,
    PolicyName,
    Stopgap,
)
from resilience_sim.scenario.registry import HAZARD_REGISTRY
from resilience_sim.scenario.variants import Economics, Variant

# Every hazard type comes from the one registry (resilience_sim/scenario/registry.py).
HAZARD_TYPES: tuple[type[HazardBase], ...] = tuple(entry.spec for entry in HAZARD_REGISTRY.values())

Hazard = Annotated[Union[HAZARD_TYPES], Field(discriminator="type")]  # noqa: UP007
HAZARD_TAGS = frozenset(HAZARD_REGISTRY)


class CrewDepot(Strict):
    """Repair crews based at one node; each crew does one job at a time."""

    depot: str = Field(description="id of the node the crews start from and return to")
    count: Annotated[int, Field(ge=1, le=100_000)] = Field(1, description="number of crews")
    speed_kmh: Annotated[float, Field(gt=0.0, le=2000.0)] = Field(
        40.0, description="average travel speed, km/h (assumed default)"
    )
    kinds: list[AssetKind] | None = Field(
        None, description="asset kinds they repair (all if absent)"
    )


# Default repair durations (median hours, lognormal sigma). All `assumed` except the
# submarine cable, whose ~20-day median is the SubTel Forum 2018 average repair time
# (shared/reference/PARAMETERS.md, confidence M). See docs/parameters.md.
DEFAULT_REPAIR_H: dict[str, Lognormal] = {
    kind: Lognormal(dist="lognormal", median_h=median_h, sigma=sigma)
    for kind, (median_h, sigma) in {
        "exchange": (24.0, 0.6),
        "aggregation": (12.0, 0.6),
        "cell_site": (8.0, 0.6),
        "landing_station": (72.0, 0.6),
        "ixp": (24.0, 0.6),
        "gateway": (24.0, 0.6),
        "data_center": (24.0, 0.6),
        "satellite_ground_station": (24.0, 0.6),
        "power_substation": (48.0, 0.6),
        "operations_centre": (24.0, 0.6),
        "terrestrial_fiber": (12.0, 0.5),
        "microwave": (8.0, 0.5),
        "submarine_cable": (480.0, 0.4),
        "satellite": (24.0, 0.5),
    }.items()
}


class Recovery(PolicyField, Strict):
    """Recovery resources: crews, cable ships, stopgaps, closed areas, and the policy."""

    policy: PolicyName | CustomPolicyPath = Field(
        "fifo",
        description=f"which pending job a free crew or ship takes: "
        f"{', '.join(BUILTIN_POLICIES)}, or 'package.module:function' (runs that code)",
    )
    crews: list[CrewDepot] = Field(default_factory=list, description="crew depots")
    cable_ships: list[CableShip] = Field(
        default_factory=list, description="repair ships for submarine-cable faults"
    )
    cable_logistics: CableLogistics = Field(
        default_factory=CableLogistics,
        description="maintenance zones, spare depots, permit areas, weather windows of the "
        "cable ships (docs/cable-repair.md)",
    )
    closed_areas: list[ClosedArea] = Field(
        default_factory=list, description="areas crews cannot work in until a time"
    )
    stopgaps: list[Stopgap] = Field(
        default_factory=list, description="temporary service until permanent repair"
    )
    repair_h: dict[AssetKind, Duration] = Field(
        default_factory=dict, description="repair duration per asset kind, overriding defaults"
    )
    detour_factor: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.3, description="road distance / great-circle distance (assumed default)"
    )

    @model_validator(mode="after")
    def _ship_zones_known(self) -> Recovery:
        known = {z.name for z in self.cable_logistics.maintenance_zones}
        for i, ship in enumerate(self.cable_ships):
            named = [("zones", j, z) for j, z in enumerate(ship.zones)]
            named += [("released_to", j, r.zone) for j, r in enumerate(ship.released_to)]
            for field, j, zone in named:
                if zone not in known:
                    where = f"{field}[{j}]" if field == "zones" else f"{field}[{j}].zone"
                    raise ValueError(
                        f"cable_ships[{i}].{where}: unknown maintenance zone {zone!r} "
                        "(recovery.cable_logistics.maintenance_zones)"
                    )
        return self

    def repair_duration(self, kind: str):
        """The repair-duration distribution for an asset kind (override, else default).

        Parameters
        ----------
        kind : str
            An asset kind.
        """
        return self.repair_h.get(kind, DEFAULT_REPAIR_H[kind])


class Service(Strict):
    """How service is measured."""

    demand_gbps_per_user: NonNegative = Field(
        0.0002,
        description="international busy-hour demand per user, Gbit/s, for access nodes "
        "without demand_gbps (assumed 200 kbit/s)",
    )
    capacity_model: bool = Field(
        True,
        description="compute the capacity-aware columns (max-flow and shortest-path routing "
        "once per evaluated time, ~7 ms at 10k nodes and ~40 ms at 100k; see "
        "capacity_interval_h; turn off for very large networks)",
    )
    capacity_interval_h: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = Field(
        None,
        description="evaluate the capacity-aware columns at every time with an event other than "
        "a repair, and otherwise at most once per this many hours; rows in "
        "between hold the last evaluated values (a lower bound for "
        "served_international_capacity_frac, since only repairs happen in between). "
        "null: at every distinct event time (exact)",
    )
    routing: Literal["shortest", "widest"] = Field(
        "shortest",
        description="how international traffic is routed for served_international_routed_frac "
        "and the overload cascade: shortest (fewest hops) or widest (largest bottleneck "
        "capacity, then lowest latency; docs/cascades.md)",
    )
    report_latency: bool | None = Field(
        None,
        description="add international_latency_ms (demand-weighted mean one-way path latency "
        "of the routed traffic) to the timeline; default: with widest routing",
    )

    coverage_km: NonNegative = Field(
        0.0,
        description="with operators: a site covers the users of access nodes within this "
        "distance, km (0: only its own node's users; assumed default)",
    )
    site_capacity_factor: Annotated[float, Field(ge=1.0, le=1000.0)] = Field(
        1.5,
        description="with operators: a site serves at most this factor x its users in the "
        "undamaged network; beyond, its users share it proportionally (assumed default)",
    )

    @property
    def latency_column(self) -> bool:
        """Whether the timeline has ``international_latency_ms``."""
        if self.report_latency is None:
            return self.routing == "widest"
        return self.report_latency


class Overload(Strict):
    """Motter-Lai overload cascade: a node fails when the demand routed through it
    exceeds (1 + alpha) x its load in the undamaged network (then needs a restart job)."""

    alpha: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        description="tolerance parameter: spare capacity as a share of the initial load"
    )
    load: Literal["demand", "betweenness"] = Field(
        "demand",
        description="demand: international demand routed through the node (linear in network "
        "size); betweenness: all-pairs shortest-path betweenness, Motter and Lai's own load "
        "(O(nodes x links) per evaluated instant: small networks)",
    )
    pivots: Annotated[int, Field(ge=1)] | None = Field(
        None,
        description="betweenness only: this many evenly spaced source nodes instead of all "
        "(an estimate of all pairs)",
    )


class Output(Strict):
    regional: bool = Field(True, description="write the per-region timeline")
    giant_component: bool = Field(
        False,
        description="write giant_component.parquet: the largest connected component over "
        "time, in total, per region and per operator (one to three connectivity passes per "
        "event time; docs/results.md)",
    )
    outage_causes: bool = Field(
        True,
        description="write sites out by region, cause and day (one connected-components "
        "pass per simulated day)",
    )


class ScenarioSpec(Strict):
    """A scenario file."""

    name: str = Field(min_length=1, max_length=200, description="scenario name")
    description: str = Field("", description="free text")
    topology: str = Field(min_length=1, description="topology file, relative to this file")
    horizon_h: Annotated[float, Field(gt=0.0, le=1e6)] | None = Field(
        None, description="simulated time, hours (or give horizon_days)"
    )
    horizon_days: Annotated[float, Field(gt=0.0, le=1e6 / 24)] | None = Field(
        None, description="simulated time, days (or give horizon_h)"
    )
    start_date: datetime.date | None = Field(
        None,
        description="calendar date at hour 0 (00:00 UTC), for seasonal weather windows; "
        "needed only by recovery.cable_logistics.weather_windows",
    )
    seed: Annotated[int, Field(ge=0, lt=2**63)] = Field(0, description="study seed")
    replications: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        1, description="number of Monte Carlo replications"
    )
    hazards: list[Hazard] = Field(default_factory=list, description="what strikes, and when")
    recovery: Recovery = Field(default_factory=Recovery, description="repair resources")
    power: PowerSpec | None = Field(
        None,
        description="back-up power per site, battery recharge, fuel trucks (docs/power.md); "
        "absent: the topology's battery_h and fuel_h, instant recharge, no refuelling",
    )
    service: Service = Field(default_factory=Service, description="how service is measured")
    overload: Overload | None = Field(
        None, description="optional Motter-Lai overload cascade (research use)"
    )
    dependencies: list[DependencyRule] = Field(
        default_factory=list,
        description="dependency rules between networks: nodes that fail when what they "
        "need is down or when they are cut off from it (docs/cascades.md)",
    )
    output: Output = Field(default_factory=Output, description="what to write")
    variants: dict[str, Variant] = Field(
        default_factory=dict, description="investments to compare with this scenario, by name"
    )
    economics: Economics = Field(
        default_factory=Economics, description="discount rate, lifetime, event frequency, value"
    )
    operators: list[Operator] = Field(
        default_factory=list,
        description="operators and their market shares; service is then evaluated per "
        "operator (docs/operators.md)",
    )
    roaming: Roaming | None = Field(None, description="emergency national roaming mandate")

    @model_validator(mode="after")
    def _one_horizon(self) -> ScenarioSpec:
        if (self.horizon_h is None) == (self.horizon_days is None):
            raise ValueError("horizon_h: give exactly one of `horizon_h` and `horizon_days`")
        if self.recovery.cable_logistics.weather_windows and self.start_date is None:
            raise ValueError(
                "start_date: needed by recovery.cable_logistics.weather_windows (e.g. 2026-01-15)"
            )
        return self

    @property
    def horizon_hours(self) -> float:
        """The simulated time, hours, from whichever of the file's ``horizon_h`` and
        ``horizon_days`` is given (the two fields are the file's; ``horizon_h`` is None
        when the file gives days). Also :attr:`Scenario.horizon_h`."""
        return self.horizon_h if self.horizon_h is not None else 24.0 * self.horizon_days


__all__ = [
    "DEFAULT_REPAIR_H",
    "HAZARD_TAGS",
    "HAZARD_TYPES",
    "AssetFailure",
    "CrewDepot",
    "DependencyRule",
    "Hazard",
    "Output",
    "Overload",
    "Recovery",
    "RegionalOutage",
    "ScenarioSpec",
    "Service",
]
