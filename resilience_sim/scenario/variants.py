"""The ``variants:`` and ``economics:`` sections of a scenario file (pydantic schema).

Scenario layer (topology -> scenario -> hazards -> engine -> metrics -> experiments).
A variant is an investment compared against the scenario as written (the baseline):
links and nodes added, links moved to another corridor, more battery hours at a class
of sites, more or pre-positioned crews and cable ships, hardened assets. Each carries
its capital cost (``capex_musd``, million US dollars) and annual cost
(``opex_musd_per_year``).
:mod:`resilience_sim.scenario.variant_build` turns a variant into a new scenario;
nothing here touches a topology. ``economics`` holds the study-wide figures that turn
avoided outage into money: discount rate, asset lifetime, event frequency and the value
of one user-hour of connectivity.

This module does not import ``scenario/schema.py``, which imports it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import AssetKind, NonNegative, Strict
from resilience_sim.scenario.operators import Roaming
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.scenario.recovery import CableShip
from resilience_sim.topology.model import Latitude, Link, Longitude, Node, NodeKind

# Economics defaults, all `assumed` (docs/experiments.md, "Variants and comparison"): no source
# has been read for any of them; set your own in the scenario's `economics` section.
DEFAULT_DISCOUNT_RATE = 0.05  # assumed: a round real rate; use your treasury's rate
DEFAULT_LIFETIME_YEARS = 20.0  # assumed: a round figure for network equipment and cables
DEFAULT_EVENT_FREQUENCY_PER_YEAR = 0.1  # assumed: the scenario's event once in 10 years
BENEFIT_METRICS = ("unserved_user_h_international", "unserved_user_h_domestic")


class LinkReroute(Strict):
    """Move an existing link to another corridor: new route and/or shared-risk groups."""

    link: str = Field(description="id of the link to move")
    route: list[tuple[Latitude, Longitude]] | None = Field(
        None, description="new path as [lat, lon] points, end points included (kept if absent)"
    )
    srlg: list[str] | None = Field(
        None, description="new shared-risk link groups, replacing the old ones (kept if absent)"
    )
    length_km: NonNegative | None = Field(
        None, description="new length, km; if absent and a route is given, computed from it"
    )

    @model_validator(mode="after")
    def _changes_something(self) -> LinkReroute:
        if self.route is None and self.srlg is None and self.length_km is None:
            raise ValueError("give at least one of `route`, `srlg` and `length_km`")
        if self.route is not None and len(self.route) < 2:
            raise ValueError("route: a route needs at least two [lat, lon] points")
        return self


class SiteSelection(Strict):
    """Which nodes a change applies to: ``nodes`` by id, or every node matching
    ``kinds`` and ``regions`` (both filters apply when both are given)."""

    nodes: list[str] = Field(default_factory=list, description="node ids")
    kinds: list[NodeKind] | None = Field(None, description="node kinds (all if absent)")
    regions: list[str] | None = Field(None, description="regions (all if absent)")

    @model_validator(mode="after")
    def _one_selection(self) -> SiteSelection:
        by_class = self.kinds is not None or self.regions is not None
        if self.nodes and by_class:
            raise ValueError("give either `nodes` or `kinds`/`regions`, not both")
        if not self.nodes and not by_class:
            raise ValueError("give `nodes`, or `kinds` and/or `regions`")
        return self


class BatteryUpgrade(SiteSelection):
    """Raise battery autonomy at the selected sites to at least ``battery_h`` hours."""

    battery_h: NonNegative = Field(description="battery autonomy after the upgrade, hours")


class AddedCrews(Strict):
    """More crews at a depot node, or crews pre-positioned at a new one.

    If the scenario already has a crew entry based at ``depot``, ``count`` crews are
    added to it (``speed_kmh`` and ``kinds`` must then be left out); otherwise a new
    depot is appended with these fields (defaults as for ``recovery.crews``).
    """

    depot: str = Field(description="id of the node the crews are based at")
    count: Annotated[int, Field(ge=1, le=100_000)] = Field(1, description="crews added")
    speed_kmh: Annotated[float, Field(gt=0.0, le=2000.0)] | None = Field(
        None, description="travel speed of a new depot, km/h (40, assumed, if absent)"
    )
    kinds: list[AssetKind] | None = Field(
        None, description="asset kinds a new depot's crews repair (all if absent)"
    )


class Hardening(Strict):
    """Harden assets: multiply their fragility medians by ``median_factor``.

    The factor multiplies the selected assets' ``hardening_factor``, which the
    fragility-based hazards apply (``resilience_sim.hazards.kit.fragility``); the generic
    ``asset_failure`` and ``regional_outage`` hazards have no fragility and ignore it.
    """

    assets: list[str] = Field(default_factory=list, description="node or link ids")
    kinds: list[AssetKind] | None = Field(None, description="asset kinds (all if absent)")
    regions: list[str] | None = Field(
        None, description="regions of nodes (links: both end nodes) (all if absent)"
    )
    median_factor: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        description="factor on the fragility median (intensity at 50 % failure); > 1 hardens"
    )

    @model_validator(mode="after")
    def _one_selection(self) -> Hardening:
        by_class = self.kinds is not None or self.regions is not None
        if self.assets and by_class:
            raise ValueError("give either `assets` or `kinds`/`regions`, not both")
        if not self.assets and not by_class:
            raise ValueError("give `assets`, or `kinds` and/or `regions`")
        return self


class Variant(Strict):
    """One investment: what it changes in the network or the recovery, and what it costs.

    New nodes and links are appended after the existing ones, so every existing asset
    keeps its index and its random draws (common random numbers across variants).
    """

    description: str = Field("", description="free text")
    capex_musd: NonNegative = Field(0.0, description="capital cost, million US dollars")
    opex_musd_per_year: NonNegative = Field(
        0.0, description="annual operating cost, million US dollars per year"
    )
    lifetime_years: Annotated[float, Field(gt=0.0, le=200.0)] | None = Field(
        None, description="life over which capex is annualised, years (economics default)"
    )
    add_nodes: list[Node] = Field(default_factory=list, description="nodes added")
    add_links: list[Link] = Field(default_factory=list, description="links added")
    reroute_links: list[LinkReroute] = Field(
        default_factory=list, description="links moved to another route or shared-risk group"
    )
    batteries: list[BatteryUpgrade] = Field(
        default_factory=list, description="battery upgrades at classes of sites"
    )
    add_crews: list[AddedCrews] = Field(
        default_factory=list, description="more crews at a depot, or pre-positioned crews"
    )
    add_cable_ships: list[CableShip] = Field(
        default_factory=list, description="cable ships added (contracted or pre-positioned)"
    )
    hardening: list[Hardening] = Field(
        default_factory=list, description="fragility-median factors for classes of assets"
    )
    power: PowerSpec | None = Field(
        None,
        description="a power section replacing the scenario's (more generators, bigger "
        "tanks, more fuel trucks or depots; docs/power.md)",
    )
    roaming: Roaming | None = Field(
        None, description="emergency national roaming mandate replacing the scenario's"
    )


class Economics(Strict):
    """Study-wide figures for cost per avoided user-hour and the benefit-cost ratio.

    Annual cost of a variant = capex x capital recovery factor(discount rate, lifetime)
    + opex. Avoided user-hours per year = avoided per event x ``event_frequency_per_year``.
    """

    discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        DEFAULT_DISCOUNT_RATE, description="real discount rate per year (0.05 = 5 %, assumed)"
    )
    lifetime_years: Annotated[float, Field(gt=0.0, le=200.0)] = Field(
        DEFAULT_LIFETIME_YEARS,
        description="default life over which capex is annualised, years (20, assumed)",
    )
    event_frequency_per_year: Annotated[float, Field(gt=0.0, le=1e6)] = Field(
        DEFAULT_EVENT_FREQUENCY_PER_YEAR,
        description="how often the scenario's event happens, per year (0.1, assumed)",
    )
    value_per_user_h_usd: NonNegative | None = Field(
        None, description="value of one user-hour of connectivity, US dollars (no default)"
    )
    benefit_metric: Literal[BENEFIT_METRICS] = Field(  # type: ignore[valid-type]
        "unserved_user_h_international",
        description="the unserved user-hours whose reduction is the benefit and the ranking",
    )
