"""Metrics per operator: the summary figures of one operator's users, and the total.

The per-operator figures are :func:`~resilience_sim.metrics.summary.summarize_replication`
applied to one operator's served users (relative to that operator's users served in the
undamaged network), plus the user-hours served through emergency roaming
(docs/operators.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from resilience_sim.engine.operators import OperatorServed
from resilience_sim.engine.service import ServedPopulation
from resilience_sim.engine.state import EventArrays
from resilience_sim.metrics.summary import served_fraction, step_integral, summarize_replication

OPERATOR_SUMMARY_COLUMNS = (
    "peak_outage_frac",
    "t_restore_90_h",
    "unserved_user_h_domestic",
    "unserved_user_h_international",
    "resilience_loss_h",
    "max_region_outage_h",
    "international_isolation_h",
    "roaming_user_h_domestic",
    "roaming_user_h_international",
)


def with_operator_totals(served: ServedPopulation, ops: OperatorServed) -> ServedPopulation:
    """``served`` with its served users (total and per region) summed over operators.

    Parameters
    ----------
    served : ServedPopulation
        The replication's timeline.
    ops : OperatorServed
        Its per-operator served users.

    Returns
    -------
    ServedPopulation
        ``served`` with the totals replaced.
    """
    return dataclasses.replace(
        served,
        domestic=ops.domestic.sum(axis=(1, 2)),
        international=ops.international.sum(axis=(1, 2)),
        by_region_domestic=ops.domestic.sum(axis=1),
        by_region_international=ops.international.sum(axis=1),
    )


def operator_population(served: ServedPopulation, ops: OperatorServed, op: int) -> ServedPopulation:
    """The users of operator ``op`` only, as a :class:`ServedPopulation` (other columns kept).

    Parameters
    ----------
    served : ServedPopulation
        The replication's timeline.
    ops : OperatorServed
        Its per-operator served users.
    op : int
        The operator index.

    Returns
    -------
    ServedPopulation
        The operator's timeline.
    """
    return dataclasses.replace(
        served,
        domestic=ops.domestic[:, op].sum(axis=1),
        international=ops.international[:, op].sum(axis=1),
        by_region_domestic=ops.domestic[:, op],
        by_region_international=ops.international[:, op],
    )


def summarize_operators(
    served: ServedPopulation,
    ops: OperatorServed,
    baseline: ServedPopulation,
    baseline_ops: OperatorServed,
    operator_ids: tuple[str, ...],
    until_h: float,
    events: EventArrays,
) -> list[dict[str, float | str]]:
    """One row per operator: ``operator`` and :data:`OPERATOR_SUMMARY_COLUMNS`.

    Parameters
    ----------
    served : ServedPopulation
        The replication's timeline.
    ops : OperatorServed
        Its per-operator served users.
    baseline : ServedPopulation
        The undamaged network's timeline.
    baseline_ops : OperatorServed
        The undamaged network's per-operator users.
    operator_ids : tuple[str, ...]
        Operator names, by index.
    until_h : float
        The end of the metric window, hours (a study's horizon).
    events : EventArrays
        The replication's event log (its codes and ``propagated`` flags).

    Returns
    -------
    list[dict[str, float or str]]
        One summary row per operator.
    """
    rows = []
    for op, op_id in enumerate(operator_ids):
        full = summarize_replication(
            operator_population(served, ops, op),
            operator_population(baseline, baseline_ops, op),
            until_h,
            events,
        )
        full["roaming_user_h_domestic"] = step_integral(
            ops.time_h, ops.roaming_domestic[:, op], until_h
        )
        full["roaming_user_h_international"] = step_integral(
            ops.time_h, ops.roaming_international[:, op], until_h
        )
        rows.append({"operator": op_id, **{c: full[c] for c in OPERATOR_SUMMARY_COLUMNS}})
    return rows


def operator_timeline(
    replication: int,
    ops: OperatorServed,
    baseline_ops: OperatorServed,
    operator_ids: tuple[str, ...],
) -> pd.DataFrame:
    """Rows ``replication, time_h, operator, served_domestic_frac,
    served_international_frac, roaming_domestic_users, roaming_international_users``,
    one per timeline row and operator (time first).

    Parameters
    ----------
    replication : int
        The replication number put on the rows.
    ops : OperatorServed
        Per-operator served users.
    baseline_ops : OperatorServed
        The undamaged network's per-operator users.
    operator_ids : tuple[str, ...]
        Operator names, by index.

    Returns
    -------
    pandas.DataFrame
        The per-operator timeline table.
    """
    k, n_ops = len(ops.time_h), len(operator_ids)
    dom = served_fraction(ops.domestic.sum(axis=2), baseline_ops.domestic[0].sum(axis=1))
    intl = served_fraction(ops.international.sum(axis=2), baseline_ops.international[0].sum(axis=1))
    return pd.DataFrame(
        {
            "replication": np.full(k * n_ops, replication, dtype=np.int64),
            "time_h": np.repeat(ops.time_h, n_ops),
            "operator": np.tile(np.asarray(operator_ids, dtype=object), k).astype(str),
            "served_domestic_frac": dom.ravel(),
            "served_international_frac": intl.ravel(),
            "roaming_domestic_users": ops.roaming_domestic.ravel(),
            "roaming_international_users": ops.roaming_international.ravel(),
        }
    )
