"""resilience-sim: national telecom networks under disasters and cyberattacks.

The public API::

    import resilience_sim as rs
    scenario = rs.load_scenario("scenarios/pacific_island_eruption.yaml")
    result = rs.simulate(scenario, replications=100, seed=1)
    result.summary, result.timeline, result.events
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from resilience_sim.errors import InputError, InputWarning, ResilienceSimError


def _version() -> str:
    """The installed package's version (``__version__``, looked up on first use:
    importing importlib.metadata and reading the metadata take ~25 ms of every command)."""
    from importlib import metadata

    try:
        return metadata.version("resilience-sim")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "0.0.0+unknown"


# The public names, imported on first use (PEP 562): ``import resilience_sim`` (and so
# every command of the CLI, e.g. ``validate`` of a topology) loads only what it uses,
# not the engine, scipy.stats, plotly and dask (docs/performance.md, topology input).
_LAZY = {
    "SimulationResult": "resilience_sim.experiments",
    "StudyInterrupted": "resilience_sim.experiments",
    "SweepResult": "resilience_sim.experiments",
    "resume_study": "resilience_sim.experiments",
    "run_study": "resilience_sim.experiments",
    "simulate": "resilience_sim.experiments",
    "sweep": "resilience_sim.experiments",
    "write_run": "resilience_sim.experiments",
    "Comparison": "resilience_sim.experiments.compare",
    "compare": "resilience_sim.experiments.compare",
    "write_comparison": "resilience_sim.experiments.compare",
    "CriticalityResult": "resilience_sim.experiments.criticality",
    "criticality": "resilience_sim.experiments.criticality",
    "Scenario": "resilience_sim.scenario",
    "load_scenario": "resilience_sim.scenario",
    "Topology": "resilience_sim.topology",
    "compile_topology": "resilience_sim.topology",
    "write_topology": "resilience_sim.topology",
    "load_topology": "resilience_sim.topology:read_topology",
}

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    """A public name of :data:`_LAZY`, ``__version__`` or a subpackage (``rs.topology``),
    on first use."""
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    target = _LAZY.get(name)
    if target is None:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, "__version__"})


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
