"""Fields and reference checks shared by the threat parameter models (scenario layer).

The success probability of an attack on one asset is ``success_probability /
hardening_factor`` of the asset (capped at 1), documented in ``docs/threats.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import Field

from resilience_sim.topology.model import LINK_KINDS, NODE_KINDS, Topology

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

SUCCESS_PROBABILITY_FIELD = Field(
    1.0,
    description="probability that one attempt takes an asset with hardening_factor 1 out; "
    "an asset's own probability is this divided by its hardening_factor (capped at 1)",
)


def missing_assets(
    field: str, asset_ids: Iterable[str], topology: Topology, only: str = "asset"
) -> list[tuple[str, str]]:
    """``(field[i], message)`` for every id the topology lacks (``only``: node, link, asset).

    Parameters
    ----------
    field : str
        The field of the ids.
    asset_ids : Iterable[str]
        The ids.
    topology : Topology
        The network.
    only : str, default 'asset'
        ``node``, ``link`` or ``asset``.

    Returns
    -------
    list[tuple[str, str]]
        The problems; empty if none.
    """
    known = {
        "node": topology.node_index,
        "link": topology.link_index,
    }.get(only)
    problems = []
    for i, asset_id in enumerate(asset_ids):
        exists = topology.has_asset(asset_id) if known is None else asset_id in known
        if not exists:
            what = "node or link" if known is None else only
            problems.append((f"{field}[{i}]", f"no {what} with id {asset_id!r} in topology"))
    return problems


def kinds_of(target: str) -> tuple[str, ...]:
    """Asset kinds that exist for a target class, ``"nodes"`` or ``"links"``.

    Parameters
    ----------
    target : str
        ``"nodes"`` or ``"links"``.

    Returns
    -------
    tuple[str, ...]
        Asset kinds.
    """
    return NODE_KINDS if target == "nodes" else LINK_KINDS
