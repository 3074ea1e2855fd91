"""Engine: the only importer of simpy. State, crews, the replication run, the service model."""

from resilience_sim.engine.crews import CrewPlan, plan_crews
from resilience_sim.engine.plan import ReplicationPlan, compile_plan
from resilience_sim.engine.service import (
    ServedPopulation,
    baseline_population,
    served_masks,
    served_over_time,
)
from resilience_sim.engine.simulation import simulate_planned, simulate_replication
from resilience_sim.engine.state import (
    EVENT_NAMES,
    FAIL,
    REPAIR,
    EventArrays,
    EventLog,
    NetworkState,
)

__all__ = [
    "EVENT_NAMES",
    "FAIL",
    "REPAIR",
    "CrewPlan",
    "EventArrays",
    "EventLog",
    "NetworkState",
    "ReplicationPlan",
    "ServedPopulation",
    "baseline_population",
    "compile_plan",
    "plan_crews",
    "served_masks",
    "served_over_time",
    "simulate_planned",
    "simulate_replication",
]
