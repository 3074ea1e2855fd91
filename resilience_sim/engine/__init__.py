"""Engine: the only importer of simpy. State, crews, the replication run, the service model."""

from resilience_sim.engine.crews import CrewPlan, plan_crews
from resilience_sim.engine.service import (
    ServedPopulation,
    baseline_population,
    served_masks,
    served_over_time,
)
from resilience_sim.engine.simulation import simulate_replication
from resilience_sim.engine.state import EVENT_NAMES, FAIL, REPAIR, EventLog, NetworkState

__all__ = [
    "EVENT_NAMES",
    "FAIL",
    "REPAIR",
    "CrewPlan",
    "EventLog",
    "NetworkState",
    "ServedPopulation",
    "baseline_population",
    "plan_crews",
    "served_masks",
    "served_over_time",
    "simulate_replication",
]
