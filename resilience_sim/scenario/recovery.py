"""Recovery resources beyond field crews: cable ships, closed areas, stopgaps, policies.

Units: hours, km, knots (cable ships, as the industry quotes them), Gbit/s.
Defaults carry their source or `assumed` (docs/parameters.md).
"""

from __future__ import annotations

import difflib
import itertools
import math
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, ValidationError, field_validator, model_validator

from resilience_sim.scenario.cable_logistics import SECTION_KM_PER_H, ZoneRelease
from resilience_sim.scenario.common import NonNegative, Point, Strict
from resilience_sim.scenario.custom_policy import CUSTOM_POLICY_PATTERN
from resilience_sim.scenario.distributions import Duration, Lognormal
from resilience_sim.topology.model import Link, LinkKind, Topology

# The built-in restoration policies: their one list of names (the file format's
# vocabulary); each is implemented once in resilience_sim.engine.policies.POLICIES,
# which checks at import that it covers exactly these.
PolicyName = Literal["fifo", "nearest_first", "most_users_first", "critical_first"]
BUILTIN_POLICIES: tuple[str, ...] = get_args(PolicyName)
CustomPolicyPath = Annotated[str, StringConstraints(pattern=CUSTOM_POLICY_PATTERN)]

# One deep-water fault takes 3-5 days on site (cable operators, Dec 2006; PARAMETERS.md, H):
# median 4 days; the spread is assumed.
DEFAULT_SHIP_REPAIR = Lognormal(dist="lognormal", median_h=96.0, sigma=0.2)


class CableShip(Strict):
    """A cable repair ship. Each submarine-cable fault is one job; the ship takes
    jobs in turn, sailing great-circle distances from wherever it is."""

    name: str = Field(min_length=1, max_length=200, description="ship name")
    port: Point = Field(description="home port (lat, lon)")
    speed_kn: Annotated[float, Field(gt=0.0, le=40.0)] = Field(
        10.0, description="transit speed, knots (assumed default)"
    )
    mobilise_h: NonNegative = Field(
        24.0,
        description="from the first job until the ship sails from port, h (SEAIOCMA "
        "ships mobilise within 24 h; PARAMETERS.md)",
    )
    repair_h: Duration = Field(
        DEFAULT_SHIP_REPAIR, description="on-site time per fault, h (default median 96 h)"
    )
    weather_downtime_frac: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="share of on-site time lost to weather: repair takes repair_h / (1 - x)"
    )
    permit_delay_h: NonNegative = Field(
        0.0,
        description="earliest repair start after the fault occurred, h (permits, security; "
        "up to ~8 weeks in the Red Sea 2024 per PARAMETERS.md)",
    )
    available_from_h: NonNegative = Field(
        0.0, description="busy elsewhere until this time, hours from start"
    )
    available_at: Point | None = Field(
        None,
        description="where the ship is when it becomes free (at sea: no mobilisation); "
        "default its home port",
    )
    zones: list[str] = Field(
        default_factory=list,
        description="maintenance zones it serves (recovery.cable_logistics); empty: any cable",
    )
    released_to: list[ZoneRelease] = Field(
        default_factory=list, description="zones it may also serve from a time on"
    )
    spare_hold_km: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = Field(
        None,
        description="spare cable its tanks hold, km; it fills them when loading (default: "
        "loads what the repair needs)",
    )
    spares_on_board_km: NonNegative = Field(0.0, description="spare cable carried at start, km")
    on_site_by_depth: list[tuple[NonNegative, NonNegative]] | None = Field(
        None,
        description="[[depth_m, hours], ...] by increasing depth: on-site time of a fault of "
        "known depth, linear in between (replaces repair_h for those faults)",
    )
    visit_span_km: NonNegative = Field(
        0.0,
        description="faults of one cable within this many km of the first are repaired in "
        "one visit, replacing the section between them",
    )
    section_km_per_h: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = Field(
        SECTION_KM_PER_H,
        description="km of section replaced per on-site hour (0.234 km/h derived from the "
        "Tonga 2022 repair, PARAMETERS.md)",
    )

    @field_validator("on_site_by_depth")
    @classmethod
    def _increasing(cls, table):
        if table is not None and (
            not table or any(b[0] <= a[0] for a, b in itertools.pairwise(table))
        ):
            raise ValueError("give [depth_m, hours] rows by strictly increasing depth")
        return table


class ClosedArea(Strict):
    """An area crews may not start work in before ``until_h`` (exclusion zone, road cut)."""

    regions: list[str] = Field(default_factory=list, description="region names")
    center: Point | None = Field(None, description="centre of a circular area")
    radius_km: Annotated[float, Field(gt=0.0)] | None = Field(None, description="radius, km")
    until_h: NonNegative = Field(description="opens at this time, hours from start")

    @model_validator(mode="after")
    def _one_area(self) -> ClosedArea:
        circle = self.center is not None or self.radius_km is not None
        if bool(self.regions) == circle or (
            circle and (self.center is None or self.radius_km is None)
        ):
            raise ValueError("regions: give `regions` or both `center` and `radius_km`")
        return self


class SatelliteGateway(Strict):
    """A satellite terminal activated at ``node`` after ``after_h``: a new satellite link
    to an international node, with limited capacity and higher latency."""

    type: Literal["satellite_gateway"]
    node: str = Field(description="node where the terminal is installed")
    to: str | None = Field(None, description="international node it reaches (first if absent)")
    after_h: NonNegative = Field(description="activation time, hours from start")
    capacity_gbps: Annotated[float, Field(gt=0.0)] = Field(description="capacity, Gbit/s")
    orbit: Literal["geo", "leo"] = Field("geo", description="orbit")
    latency_ms: NonNegative | None = Field(
        None, description="one-way latency, ms (default 280 geo, 30 leo; assumed)"
    )
    release: Literal["never", "on_restore"] = Field(
        "never",
        description="never: stays from after_h to the horizon; on_restore: serves the first "
        "site of [node, *redeploy_to] without international service over permanent links, "
        "and is released when that site has it again (docs/cascades.md#stopgaps)",
    )
    redeploy_to: list[str] = Field(
        default_factory=list, description="further sites it may move to, by priority"
    )
    redeploy_h: NonNegative = Field(
        24.0, description="from release until it works at the next site, h (assumed)"
    )

    @model_validator(mode="after")
    def _redeploy_needs_release(self) -> SatelliteGateway:
        if self.redeploy_to and self.release != "on_restore":
            raise ValueError("redeploy_to: needs release: on_restore")
        return self

    @property
    def sites(self) -> list[str]:
        """The nodes it may serve, by priority (duplicates dropped)."""
        return list(dict.fromkeys([self.node, *self.redeploy_to]))


class CellOnWheels(Strict):
    """Portable cell sites (or ship-borne base stations) that take over up to ``units``
    failed cell sites of ``region`` after ``after_h`` until they are repaired."""

    type: Literal["cell_on_wheels"]
    region: str = Field(description="region they are sent to")
    units: Annotated[int, Field(ge=1, le=100_000)] = Field(description="number of units")
    after_h: NonNegative = Field(description="arrival time, hours from start")
    redeploy: bool = Field(
        False,
        description="when a covered site is repaired, the unit moves to the failed, uncovered "
        "cell site of the region with the most users (after redeploy_h)",
    )
    redeploy_h: NonNegative = Field(
        4.0, description="from release until it works at the next site, h (assumed)"
    )


class PortableGenerators(Strict):
    """Generators that power up to ``units`` sites of ``region`` that have lost mains,
    from ``after_h`` for ``fuel_h`` hours."""

    type: Literal["generator"]
    region: str = Field(description="region they are sent to")
    units: Annotated[int, Field(ge=1, le=100_000)] = Field(description="number of generators")
    after_h: NonNegative = Field(description="arrival time, hours from start")
    fuel_h: Annotated[float, Field(gt=0.0)] = Field(72.0, description="hours per tank (assumed)")


Stopgap = Annotated[
    SatelliteGateway | CellOnWheels | PortableGenerators, Field(discriminator="type")
]
STOPGAP_TAGS = frozenset({"satellite_gateway", "cell_on_wheels", "generator"})


class PolicyField:
    """Mixin validator of ``policy: PolicyName | CustomPolicyPath``: one plain message
    (with a did-you-mean) instead of pydantic's one per union member."""

    @field_validator("policy", mode="wrap")
    @classmethod
    def _policy(cls, value, handler):
        try:
            return handler(value)
        except ValidationError:
            close = difflib.get_close_matches(str(value), BUILTIN_POLICIES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"unknown policy {value!r}; use one of {', '.join(BUILTIN_POLICIES)} "
                f"or 'package.module:function'{hint}"
            ) from None


# One-way latency defaults (assumed): GEO ~36,000 km up and down ~ 240-280 ms; LEO ~30 ms.
DEFAULT_LATENCY_MS = {"geo": 280.0, "leo": 30.0}


def stopgap_link_id(i: int, site: str) -> str:
    """Id of the standby satellite link of the ``i``-th satellite stopgap at ``site``.

    Parameters
    ----------
    i : int
        The stopgap's position in ``stopgaps``.
    site : str
        Its node id.

    Returns
    -------
    str
        The link id.
    """
    return f"stopgap-{i}-{site}-satellite"


def with_stopgap_links(topology: Topology, stopgaps: list) -> tuple[Topology, dict[str, float]]:
    """The topology plus one standby satellite link per ``satellite_gateway`` stopgap.

    Returns ``(topology, {link_id: after_h})``; the original is not modified. The link
    goes from the stopgap's node to ``to`` (else the first international node).

    Parameters
    ----------
    topology : Topology
        The network.
    stopgaps : list
        The scenario's stopgaps.

    Returns
    -------
    tuple[Topology, dict[str, float]]
        ``(topology, {link_id: after_h})``.
    """
    gateways = [s for s in stopgaps if isinstance(s, SatelliteGateway)]
    if not gateways:
        return topology, {}
    international = topology.international_node_ids()
    links, standby = list(topology.links), {}
    for i, gw in enumerate(gateways):
        target = gw.to or (international[0] if international else None)
        if target is None:
            raise ValueError("to: no international node in the topology for the satellite link")
        # a releasable terminal gets one link per site; it decides itself where it works
        for site in gw.sites if gw.release == "on_restore" else [gw.node]:
            link_id = stopgap_link_id(i, site)
            links.append(
                Link(
                    id=link_id,
                    source=site,
                    target=target,
                    kind=LinkKind.SATELLITE,
                    capacity_gbps=gw.capacity_gbps,
                    orbit=gw.orbit,
                    latency_ms=gw.latency_ms
                    if gw.latency_ms is not None
                    else DEFAULT_LATENCY_MS[gw.orbit],
                )
            )
            standby[link_id] = gw.after_h if gw.release == "never" else math.inf
    derived = Topology(
        name=topology.name,
        nodes=topology.nodes,
        links=tuple(links),
        description=topology.description,
    )
    return derived, standby
