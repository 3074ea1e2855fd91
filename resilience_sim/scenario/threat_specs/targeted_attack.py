"""Scenario parameters of the `targeted_attack` threat (docs/threats.md).

An attacker removes the nodes or links it ranks highest (degree, betweenness, served
population, international capacity, or at random), ranked once (static) or again after
every removal (adaptive), until its budget in assets or in cost is spent. Validated at
load time, read by :mod:`resilience_sim.threats.targeted`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import AssetKind, HazardBase, NonNegative
from resilience_sim.scenario.threat_specs.common import (
    SUCCESS_PROBABILITY_FIELD,
    PositiveFloat,
    Probability,
    kinds_of,
    missing_assets,
)
from resilience_sim.topology.model import Topology

RankBy = Literal["random", "degree", "betweenness", "population", "international_capacity"]


class TargetedAttack(HazardBase):
    """Remove the top-ranked nodes or links, within a budget."""

    type: Literal["targeted_attack"]
    target: Literal["nodes", "links"] = Field("nodes", description="what the attacker removes")
    rank_by: RankBy = Field(
        description="ranking: random, degree, betweenness, population (users who lose "
        "service if the asset alone goes), international_capacity (Gbit/s of its links abroad)"
    )
    adaptive: bool = Field(
        False, description="re-rank on the damaged network after every attempt (else rank once)"
    )
    budget_assets: Annotated[int, Field(ge=1, le=10_000_000)] | None = Field(
        None, description="number of assets the attacker attempts"
    )
    budget_share: Annotated[float, Field(gt=0.0, le=1.0)] | None = Field(
        None, description="share of the candidate assets attempted (rounded to nearest)"
    )
    budget_cost: PositiveFloat | None = Field(
        None, description="total attack cost the attacker can spend (unit of cost_by_kind)"
    )
    cost_by_kind: dict[AssetKind, PositiveFloat] = Field(
        default_factory=dict,
        description="cost of attacking one asset of each kind; with budget_cost, kinds not "
        "listed cannot be attacked",
    )
    kinds: list[AssetKind] | None = Field(
        None, description="only assets of these kinds are candidates (all of the target if absent)"
    )
    exclude: list[str] = Field(default_factory=list, description="ids never attacked")
    success_probability: Probability = SUCCESS_PROBABILITY_FIELD
    interval_h: NonNegative = Field(
        0.0, description="hours between successive attempts (0: all at at_h)"
    )
    betweenness_pivots: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None,
        description="estimate betweenness from this many random source nodes (exact if absent)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> TargetedAttack:
        budgets = [self.budget_assets, self.budget_share, self.budget_cost]
        if sum(b is not None for b in budgets) != 1:
            raise ValueError(
                "budget_assets: give exactly one of budget_assets, budget_share, budget_cost"
            )
        if self.budget_cost is not None and not self.cost_by_kind:
            raise ValueError("cost_by_kind: needed with budget_cost")
        if self.cost_by_kind and self.budget_cost is None:
            raise ValueError("cost_by_kind: only used with budget_cost")
        allowed = set(kinds_of(self.target))
        for name, kinds in (("kinds", self.kinds or []), ("cost_by_kind", self.cost_by_kind)):
            wrong = sorted(set(kinds) - allowed)
            if wrong:
                raise ValueError(
                    f"{name}: {', '.join(wrong)} cannot be a target when target is {self.target!r}"
                )
        if self.betweenness_pivots is not None and self.rank_by != "betweenness":
            raise ValueError("betweenness_pivots: only used with rank_by: betweenness")
        return self

    def check_references(self, topology: Topology) -> list[tuple[str, str]]:
        """``(field, message)`` for every excluded id the topology lacks.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[tuple[str, str]]
            The problems; empty if none.
        """
        return missing_assets("exclude", self.exclude, topology)
