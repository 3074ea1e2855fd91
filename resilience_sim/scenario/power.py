"""The scenario's ``power:`` section: back-up power per site, battery recharge, fuel logistics.

Part of the scenario schema (docs/power.md); read by :mod:`resilience_sim.engine.backup`
(sampling and the site state machine) and :mod:`resilience_sim.engine.fuel` (trucks).
Units: hours, litres, km/h. Defaults are `assumed` unless a source is named.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import NonNegative, Point, Strict
from resilience_sim.scenario.distributions import Duration
from resilience_sim.topology.model import NodeKind, Topology
from resilience_sim.validation import did_you_mean

Share = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
FUEL_POLICIES = ("fifo", "critical_first", "most_users_first")


class MixtureComponent(Strict):
    """One part of a mixture: ``share`` of the sites draw their hours from ``hours``."""

    share: Share = Field(description="share of the matched sites (the shares add up to 1)")
    hours: Duration = Field(description="distribution of the hours, h")


class BackupRule(Strict):
    """Back-up power of the nodes of some kinds and/or regions (all nodes when both are
    absent), drawn per site and replication. The first rule that matches a node applies;
    a field left out keeps the topology's value (``battery_h``, ``fuel_h``)."""

    kinds: list[NodeKind] = Field(default_factory=list, description="node kinds (all if empty)")
    regions: list[str] = Field(default_factory=list, description="regions (all if empty)")
    battery_h: list[MixtureComponent] | None = Field(
        None, description="battery hours as a mixture, e.g. most 2-4 h, some 6-8 h, a few 24 h"
    )
    generator_share: Probability | None = Field(
        None, description="probability that a site has a fixed generator (needs tank_h)"
    )
    tank_h: Duration | None = Field(
        None, description="hours a full generator tank lasts (a site's fuel_h)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> BackupRule:
        if self.battery_h is not None:
            if not self.battery_h:
                raise ValueError("battery_h: give at least one mixture component")
            total = sum(c.share for c in self.battery_h)
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"battery_h: shares must add up to 1 (they add up to {total:g})")
        if self.generator_share is not None and self.tank_h is None:
            raise ValueError("tank_h: needed with generator_share (hours of a full tank)")
        return self


class FuelDepot(Strict):
    """Where trucks load diesel: a node or a point, with its stock."""

    name: str = Field(min_length=1, max_length=200, description="depot name")
    node: str | None = Field(None, description="id of the node the depot is at")
    location: Point | None = Field(None, description="or its position (lat, lon)")
    stock_l: Positive | None = Field(
        None, description="diesel in stock, litres (unlimited if absent)"
    )

    @model_validator(mode="after")
    def _one_place(self) -> FuelDepot:
        if (self.node is None) == (self.location is None):
            raise ValueError("node: give exactly one of `node` and `location`")
        return self


class FuelTrucks(Strict):
    """Refuelling trucks based at a depot; each carries one load at a time."""

    depot: str = Field(description="name of their fuel depot")
    count: Annotated[int, Field(ge=1, le=100_000)] = Field(1, description="number of trucks")
    speed_kmh: Annotated[float, Field(gt=0.0, le=200.0)] = Field(
        40.0, description="average road speed, km/h (assumed, as crews)"
    )
    capacity_l: Positive = Field(
        5000.0, description="litres per load (assumed: a small rigid tanker)"
    )
    regions: list[str] = Field(
        default_factory=list,
        description="regions they can drive to (an island's roads); all if empty",
    )


ROAD_HAZARDS = ("flood", "tropical_cyclone", "earthquake")
ROAD_LINK_KINDS = ("terrestrial_fiber", "microwave")


class RoadDamage(Strict):
    """Road segments a hazard closes: every hazard of type ``hazard`` in the scenario
    closes a segment with probability ``Phi(ln(I / above) / beta)`` at its intensity ``I``
    (``beta`` 0: exactly when ``I >= above``), from the hazard's arrival there until a
    drawn clearance time later (docs/power.md#roads). Defaults per hazard type are in
    ``engine/roads.ROAD_DAMAGE_DEFAULTS``."""

    hazard: Literal[ROAD_HAZARDS] = Field(  # type: ignore[valid-type]
        description="hazard type whose intensity closes roads: flood (water depth, m), "
        "tropical_cyclone (peak 3-s gust, m/s), earthquake (median PGA, g)"
    )
    above: Positive | None = Field(
        None,
        description="intensity at which a segment closes (median of the closure curve): "
        "m, m/s or g; default per hazard type (docs/power.md)",
    )
    beta: Annotated[float, Field(ge=0.0, le=3.0)] = Field(
        0.0, description="lognormal dispersion of the closure curve; 0 = a sharp threshold"
    )
    clearance_h: Duration | None = Field(
        None, description="hours from closure until the segment reopens; default per hazard"
    )


class RoadNetwork(Strict):
    """The roads fuel trucks drive on: a GeoJSON file of road segments, or the routes
    of the topology's terrestrial links (fibre is commonly laid along roads: `assumed`).
    Sites and depots join the nearest road vertex (the leg to it off-road:
    great-circle km x ``road_factor``)."""

    file: str | None = Field(
        None,
        description="GeoJSON FeatureCollection of LineString / MultiLineString road segments "
        "(optional properties speed_kmh, class); path relative to the scenario file",
    )
    from_links: list[Literal[ROAD_LINK_KINDS]] | None = Field(  # type: ignore[valid-type]
        None, description="or: roads follow the routes of these terrestrial link kinds"
    )
    class_speed_kmh: dict[str, Annotated[float, Field(gt=0.0, le=200.0)]] = Field(
        default_factory=dict,
        description="speed limit per road `class` property, km/h (a truck drives at the "
        "lower of its speed and the segment's)",
    )
    damage: list[RoadDamage] = Field(
        default_factory=list, description="hazards that close road segments"
    )
    closed_areas: bool = Field(
        True, description="recovery.closed_areas close the road segments inside them"
    )

    @model_validator(mode="after")
    def _one_source(self) -> RoadNetwork:
        if (self.file is None) == (self.from_links is None):
            raise ValueError("file: give exactly one of `file` and `from_links`")
        if self.from_links is not None and not self.from_links:
            raise ValueError("from_links: give at least one link kind")
        return self


class FuelLogistics(Strict):
    """Fuel depots and refuelling trucks for the sites' generators."""

    depots: list[FuelDepot] = Field(min_length=1, description="fuel depots")
    trucks: list[FuelTrucks] = Field(min_length=1, description="truck fleets")
    policy: Literal[FUEL_POLICIES] = Field(  # type: ignore[valid-type]
        "fifo",
        description="which waiting site a truck serves next: fifo (earliest request), "
        "critical_first, most_users_first",
    )
    burn_l_per_h: Positive = Field(
        2.5, description="generator consumption, litres per hour (assumed: ~10 kVA set)"
    )
    road_factor: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.3, description="road km / great-circle km (assumed, as recovery.detour_factor)"
    )
    pump_h: NonNegative = Field(0.5, description="time on site to fill a tank, h (assumed)")
    roads: RoadNetwork | None = Field(
        None,
        description="a road network for the trucks (shortest open road path); without it "
        "great-circle km x road_factor",
    )

    @model_validator(mode="after")
    def _depots_known(self) -> FuelLogistics:
        names = [d.name for d in self.depots]
        if len(set(names)) != len(names):
            raise ValueError("depots: depot names must be unique")
        for i, fleet in enumerate(self.trucks):
            if fleet.depot not in names:
                raise ValueError(
                    f"trucks[{i}].depot: unknown fuel depot {fleet.depot!r} ({', '.join(names)})"
                )
        return self


class PowerSpec(Strict):
    """Back-up power per site, battery recharge and fuel logistics (docs/power.md)."""

    backup: list[BackupRule] = Field(
        default_factory=list, description="back-up power by node kind and region"
    )
    recharge_h: NonNegative = Field(
        0.0,
        description="hours to recharge an empty battery on mains or generator, linear "
        "(assumed; 0 = at once, the behaviour without a power section)",
    )
    fuel: FuelLogistics | None = Field(
        None, description="fuel depots and trucks; without them tanks refill when mains returns"
    )

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for regions and depot nodes the topology lacks.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        problems = []
        regions = set(topology.regions)
        for i, rule in enumerate(self.backup):
            for j, region in enumerate(rule.regions):
                if region not in regions:
                    problems.append(
                        (
                            f"backup[{i}].regions[{j}]",
                            f"no region {region!r} in topology" + did_you_mean(region, regions),
                        )
                    )
        for i, fleet in enumerate(self.fuel.trucks if self.fuel else []):
            for j, region in enumerate(fleet.regions):
                if region not in regions:
                    problems.append(
                        (
                            f"fuel.trucks[{i}].regions[{j}]",
                            f"no region {region!r} in topology" + did_you_mean(region, regions),
                        )
                    )
        for i, depot in enumerate(self.fuel.depots if self.fuel else []):
            if depot.node is not None and depot.node not in topology.node_index:
                problems.append(
                    (
                        f"fuel.depots[{i}].node",
                        f"no node with id {depot.node!r} in topology"
                        + did_you_mean(depot.node, topology.node_index),
                    )
                )
        roads = self.fuel.roads if self.fuel else None
        if roads is not None and roads.from_links:
            kinds = set(topology.link_column("kind"))
            if not kinds & set(roads.from_links):
                problems.append(
                    (
                        "fuel.roads.from_links",
                        f"no links of kinds {roads.from_links} in topology to lay roads along",
                    )
                )
        return problems
