"""resilience-sim: national telecom networks under disasters and cyberattacks.

The public API::

    import resilience_sim as rs
    scenario = rs.load_scenario("scenarios/pacific_island_eruption.yaml")
    result = rs.simulate(scenario, replications=100, seed=1)
    result.summary, result.timeline, result.events
"""

from importlib import metadata

from resilience_sim.errors import InputError, InputWarning, ResilienceSimError
from resilience_sim.experiments import SimulationResult, simulate, write_run
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.topology import Topology, compile_topology, write_topology
from resilience_sim.topology import read_topology as load_topology

try:
    __version__ = metadata.version("resilience-sim")
except metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = [
    "InputError",
    "InputWarning",
    "ResilienceSimError",
    "Scenario",
    "SimulationResult",
    "Topology",
    "__version__",
    "compile_topology",
    "load_scenario",
    "load_topology",
    "simulate",
    "write_run",
    "write_topology",
]
