"""resilience-sim: national telecom networks under disasters and cyberattacks.

The public API::

    import resilience_sim as rs
    scenario = rs.load_scenario("scenarios/pacific_island_eruption.yaml")
    result = rs.simulate(scenario, replications=100, seed=1)
    result.summary, result.timeline, result.events
"""

from importlib import metadata

from resilience_sim.errors import InputError, InputWarning, ResilienceSimError
from resilience_sim.experiments import (
    SimulationResult,
    StudyInterrupted,
    SweepResult,
    resume_study,
    run_study,
    simulate,
    sweep,
    write_run,
)
from resilience_sim.experiments.compare import Comparison, compare, write_comparison
from resilience_sim.experiments.criticality import CriticalityResult, criticality
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.topology import Topology, compile_topology, write_topology
from resilience_sim.topology import read_topology as load_topology

try:
    __version__ = metadata.version("resilience-sim")
except metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = [
    "Comparison",
    "CriticalityResult",
    "InputError",
    "InputWarning",
    "ResilienceSimError",
    "Scenario",
    "SimulationResult",
    "StudyInterrupted",
    "SweepResult",
    "Topology",
    "__version__",
    "compare",
    "compile_topology",
    "criticality",
    "load_scenario",
    "load_topology",
    "resume_study",
    "run_study",
    "simulate",
    "sweep",
    "write_comparison",
    "write_run",
    "write_topology",
]
