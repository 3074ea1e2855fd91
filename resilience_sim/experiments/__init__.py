"""Experiments: studies of many replications, executors, sweeps, long studies and the
results store."""

from resilience_sim.experiments.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    SequentialExecutor,
    make_executor,
)
from resilience_sim.experiments.results import write_run
from resilience_sim.experiments.runs import StudyInterrupted, resume_study, run_study
from resilience_sim.experiments.study import SimulationResult, StudyContext, simulate
from resilience_sim.experiments.sweep import SweepResult, sweep, write_sweep

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SequentialExecutor",
    "SimulationResult",
    "StudyContext",
    "StudyInterrupted",
    "SweepResult",
    "make_executor",
    "resume_study",
    "run_study",
    "simulate",
    "sweep",
    "write_run",
    "write_sweep",
]
