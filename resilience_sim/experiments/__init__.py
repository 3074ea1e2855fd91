"""Experiments: studies of many replications and the results store."""

from resilience_sim.experiments.results import write_run
from resilience_sim.experiments.study import SimulationResult, StudyContext, simulate

__all__ = ["SimulationResult", "StudyContext", "simulate", "write_run"]
