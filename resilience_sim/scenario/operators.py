"""Operators, market shares and emergency roaming (the scenario's ``operators:`` and
``roaming:`` sections; model in docs/operators.md).

An operator's ``id`` is what the topology's ``Node.operator`` / ``Link.operator`` fields
hold ("MCC-MNC" from cell data, or any name). Users of an access node are split among
the declared operators by the market shares of the node's region.
"""

from __future__ import annotations

import warnings
from typing import Annotated

from pydantic import Field, model_validator

from resilience_sim.errors import InputWarning
from resilience_sim.scenario.common import NonNegative, Strict

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]

# Shares of one region may miss 1 by this much (rounded figures from a regulator's report).
SHARE_TOLERANCE = 1e-3


class Operator(Strict):
    """One operator: its id in the topology and its share of users."""

    id: str = Field(min_length=1, max_length=200, description='"MCC-MNC" or a name')
    name: str | None = Field(None, max_length=200, description="display name")
    market_share: Share = Field(description="share of users in every region not listed below")
    regional_market_share: dict[str, Share] = Field(
        default_factory=dict, description="share of users per region, overriding market_share"
    )
    roaming_partners: list[str] = Field(
        default_factory=list,
        description="operators whose sites always serve this operator's users as its own "
        "(national roaming agreements, MVNO hosts)",
    )

    def share_in(self, region: str) -> float:
        """Share of users of ``region`` who are this operator's.

        Parameters
        ----------
        region : str
            A region name.

        Returns
        -------
        float
            Share, 0..1.
        """
        return self.regional_market_share.get(region, self.market_share)


class Roaming(Strict):
    """Emergency national roaming: from ``from_h`` (until ``until_h``), a user of a listed
    operator with no working own site in coverage may use a listed operator's site."""

    from_h: NonNegative = Field(0.0, description="when the mandate starts, hours")
    until_h: NonNegative | None = Field(None, description="when it ends, hours (never if absent)")
    operators: list[str] | None = Field(
        None, description="operators whose users and sites take part (all declared if absent)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Roaming:
        if self.until_h is not None and self.until_h <= self.from_h:
            raise ValueError("until_h: must be after from_h")
        return self


def warn_unused_operators(operators: list[Operator], used: set[str | None], file: str) -> list[str]:
    """InputWarning for each declared operator no node or link carries (a typo, or
    "539-01" for the topology's "539-1"): its users are served only by shared sites.

    Parameters
    ----------
    operators : list[Operator]
        The declared operators.
    used : set[str or None]
        Operator ids found on the topology's nodes and links.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    list[str]
        The unused operator ids.
    """
    messages = [
        f"{file}: operators[{i}].id: no node or link of the topology has operator {op.id!r}; "
        "its users are served only by shared sites and roaming partners"
        for i, op in enumerate(operators)
        if op.id not in used
    ]
    for message in messages:
        warnings.warn(message, InputWarning, stacklevel=3)
    return messages


def check_operators(
    operators: list[Operator], roaming: Roaming | None, regions: list[str]
) -> list[tuple[str, str]]:
    """``(field, message)`` problems: duplicate or unknown ids, unknown regions, shares
    that do not add up to 1 in a region.

    Parameters
    ----------
    operators : list[Operator]
        The declared operators.
    roaming : Roaming or None
        The roaming section, if any.
    regions : list[str]
        The topology's regions.

    Returns
    -------
    list[tuple[str, str]]
        The problems; empty if none.
    """
    problems: list[tuple[str, str]] = []
    ids = [o.id for o in operators]
    known = set(ids)
    for i, op in enumerate(operators):
        if op.id in ids[:i]:
            problems.append((f"operators[{i}].id", f"operator {op.id!r} is declared twice"))
        for region in op.regional_market_share:
            if region not in regions:
                problems.append(
                    (f"operators[{i}].regional_market_share", f"no region {region!r} in topology")
                )
        for j, partner in enumerate(op.roaming_partners):
            if partner not in known or partner == op.id:
                problems.append(
                    (f"operators[{i}].roaming_partners[{j}]", f"not another operator: {partner!r}")
                )
    if operators:
        for region in regions:
            total = sum(o.share_in(region) for o in operators)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                problems.append(
                    ("operators", f"market shares in region {region!r} add up to {total:g}, not 1")
                )
    if roaming is not None:
        if not operators:
            problems.append(("roaming", "needs an operators: section"))
        for j, op_id in enumerate(roaming.operators or []):
            if op_id not in known:
                problems.append((f"roaming.operators[{j}]", f"no operator {op_id!r} declared"))
    return problems
