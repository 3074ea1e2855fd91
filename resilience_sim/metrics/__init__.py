"""Metrics: summary figures computed from the recorded timeline."""

from resilience_sim.metrics.curves import (
    DistinctTimes,
    curve_quantiles,
    region_outage_hours,
    resample_replications,
    resample_steps,
    stream_curve_quantiles,
    time_grid,
)
from resilience_sim.metrics.outage_causes import (
    OUTAGE_CAUSE_COLUMNS,
    daily_outage_causes,
    empty_outage_causes,
)
from resilience_sim.metrics.summary import (
    SUMMARY_COLUMNS,
    aggregate_summary,
    served_fraction,
    step_integral,
    summarize_replication,
    time_to_restore,
)

__all__ = [
    "OUTAGE_CAUSE_COLUMNS",
    "SUMMARY_COLUMNS",
    "DistinctTimes",
    "aggregate_summary",
    "curve_quantiles",
    "daily_outage_causes",
    "empty_outage_causes",
    "region_outage_hours",
    "resample_replications",
    "resample_steps",
    "served_fraction",
    "step_integral",
    "stream_curve_quantiles",
    "summarize_replication",
    "time_grid",
    "time_to_restore",
]
