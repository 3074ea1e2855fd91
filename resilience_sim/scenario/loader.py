"""Load a scenario file, resolve its topology, and check every cross-reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.scenario.custom_policy import (
    CustomPolicy,
    is_custom_policy,
    resolve_custom_policy,
)
from resilience_sim.scenario.distributions import DISTRIBUTION_TAGS
from resilience_sim.scenario.inputs.resolve import resolve_input_files
from resilience_sim.scenario.interdependency import rule_problems
from resilience_sim.scenario.operators import check_operators, warn_unused_operators
from resilience_sim.scenario.recovery import STOPGAP_TAGS
from resilience_sim.scenario.schema import HAZARD_TAGS, AssetFailure, RegionalOutage, ScenarioSpec
from resilience_sim.scenario.variant_build import check_variants
from resilience_sim.topology.io import read_topology
from resilience_sim.topology.model import Topology
from resilience_sim.validation import as_path, did_you_mean, read_document, validate_document

SCENARIO_UNION_TAGS = HAZARD_TAGS | DISTRIBUTION_TAGS | STOPGAP_TAGS


@dataclass(frozen=True)
class Scenario:
    """A validated scenario together with the topology it runs on.

    ``source`` and ``topology_source`` are the files they came from (None when
    built in code); the results manifest records their SHA-256.
    """

    spec: ScenarioSpec
    topology: Topology
    source: Path | None = None
    topology_source: Path | None = None

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def horizon_h(self) -> float:
        """The simulated time, hours (resolved from the file's ``horizon_h`` or
        ``horizon_days``): the engine runs to it and every metric is taken up to it."""
        return self.spec.horizon_hours

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], topology: Topology, file: str = "<scenario>"
    ) -> Scenario:
        """Build a scenario in code; ``data['topology']`` may be any label, and hazard-event
        file paths (shakemap, track_file, raster) are relative to the current directory.

        Parameters
        ----------
        data : dict[str, Any]
            The scenario document.
        topology : Topology
            The network it runs on.
        file : str, default '<scenario>'
            The file named in errors (``FILE: field: message``).

        Returns
        -------
        Scenario
            The checked scenario.
        """
        if not isinstance(data, dict):
            raise InputError.single(
                file, "", f"expected a mapping of fields, got {type(data).__name__}"
            )
        data = {"topology": topology.name, **data}
        spec = validate_document(ScenarioSpec, data, file, skip=SCENARIO_UNION_TAGS)
        spec = resolve_input_files(spec, Path.cwd(), file)
        check_custom_policy(spec, file)
        check_references(spec, topology, file)
        return cls(spec=spec, topology=topology)


def load_scenario(
    path: str | Path, *, check_topology: Callable[[Path], None] | None = None
) -> Scenario:
    """Read a scenario file, the topology and the hazard-event files it names (paths
    relative to the scenario file; see :mod:`resilience_sim.scenario.inputs`).

    ``check_topology(topology_path)`` is called once the topology file is found and
    before it is parsed; it raises InputError to refuse it (``run --max-memory``:
    :func:`resilience_sim.experiments.limits.check_topology_memory`).

    Parameters
    ----------
    path : str or Path
        The scenario file.
    check_topology : Callable[[Path], None] or None, default None
        Called with the topology path before it is parsed (None: no check).

    Returns
    -------
    Scenario
        The checked scenario with its topology.
    """
    path = as_path(path)
    file = str(path)
    spec = validate_document(ScenarioSpec, read_document(path), file, skip=SCENARIO_UNION_TAGS)
    spec = resolve_input_files(spec, path.parent, file)
    check_custom_policy(spec, file)  # before the (maybe large) topology is read
    topology_path = (path.parent / spec.topology).resolve()
    if not topology_path.is_file():
        raise InputError.single(
            file,
            "topology",
            f"topology file {spec.topology!r} does not exist (looked for {topology_path})",
        )
    if check_topology is not None:
        check_topology(topology_path)
    topology = read_topology(topology_path)
    check_references(spec, topology, file)
    return Scenario(
        spec=spec, topology=topology, source=path.resolve(), topology_source=topology_path
    )


def check_custom_policy(spec: ScenarioSpec, file: str) -> CustomPolicy | None:
    """Resolve, check and probe ``recovery.policy`` if it names a user function (None for
    a built-in policy); InputError naming ``file`` otherwise. Runs the module's code: see
    the trust model in :mod:`resilience_sim.scenario.custom_policy`.

    Parameters
    ----------
    spec : ScenarioSpec
        The validated scenario.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    CustomPolicy or None
        The policy, or None.
    """
    policy = spec.recovery.policy
    return resolve_custom_policy(policy, file) if is_custom_policy(policy) else None


def check_references(spec: ScenarioSpec, topology: Topology, file: str) -> None:
    """Raise InputError if the scenario names assets, regions or depots the topology lacks.

    Parameters
    ----------
    spec : ScenarioSpec
        The validated scenario.
    topology : Topology
        The network.
    file : str
        The file named in errors (``FILE: field: message``).
    """
    problems: list[InputProblem] = []
    regions = set(topology.regions)
    for i, hazard in enumerate(spec.hazards):
        where = f"hazards[{i}]"
        if isinstance(hazard, AssetFailure):
            for j, asset in enumerate(hazard.assets):
                if not topology.has_asset(asset):
                    problems.append(
                        InputProblem(
                            file,
                            f"{where}.assets[{j}]",
                            f"no node or link with id {asset!r} in topology {topology.name!r}"
                            + did_you_mean(asset, [*topology.node_index, *topology.link_index]),
                        )
                    )
        elif isinstance(hazard, RegionalOutage):
            for j, region in enumerate(hazard.regions):
                if region not in regions:
                    problems.append(
                        InputProblem(
                            file,
                            f"{where}.regions[{j}]",
                            f"no region {region!r} in topology (regions: "
                            f"{', '.join(sorted(regions))})" + did_you_mean(region, regions),
                        )
                    )
        # a hazard model may check its own references: (field, message) pairs
        for field, message in getattr(hazard, "check_references", lambda _: [])(topology):
            problems.append(InputProblem(file, f"{where}.{field}", message))
    for i, crew in enumerate(spec.recovery.crews):
        if crew.depot not in topology.node_index:
            problems.append(
                InputProblem(
                    file,
                    f"recovery.crews[{i}].depot",
                    f"no node with id {crew.depot!r} in topology"
                    + did_you_mean(crew.depot, topology.node_index),
                )
            )
    problems += _recovery_references(spec, topology, file, regions)
    problems += [InputProblem(file, f, m) for f, m in rule_problems(spec.dependencies, topology)]
    if spec.power is not None:
        for field, message in spec.power.check_references(topology):
            problems.append(InputProblem(file, f"power.{field}", message))
    problems += _operator_references(spec, topology, file)
    try:
        check_variants(spec, topology, file)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)


def _recovery_references(
    spec: ScenarioSpec, topology: Topology, file: str, regions: set[str]
) -> list[InputProblem]:
    """Stopgap nodes and regions, closed-area regions: each must exist in the topology."""
    problems = []
    recovery = spec.recovery
    for i, area in enumerate(recovery.closed_areas):
        for j, region in enumerate(area.regions):
            if region not in regions:
                problems.append(
                    InputProblem(
                        file,
                        f"recovery.closed_areas[{i}].regions[{j}]",
                        f"no region {region!r} in topology" + did_you_mean(region, regions),
                    )
                )
    international = set(topology.international_node_ids())
    for i, stopgap in enumerate(recovery.stopgaps):
        where = f"recovery.stopgaps[{i}]"
        if stopgap.type == "satellite_gateway":
            named = [("node", stopgap.node)]
            named += [(f"redeploy_to[{j}]", n) for j, n in enumerate(stopgap.redeploy_to)]
            for field, node in named:
                if node not in topology.node_index:
                    problems.append(
                        InputProblem(
                            file,
                            f"{where}.{field}",
                            f"no node with id {node!r} in topology"
                            + did_you_mean(node, topology.node_index),
                        )
                    )
            if stopgap.to is not None and stopgap.to not in topology.node_index:
                problems.append(
                    InputProblem(
                        file,
                        f"{where}.to",
                        f"no node with id {stopgap.to!r} in topology"
                        + did_you_mean(stopgap.to, topology.node_index),
                    )
                )
            if stopgap.to is None and not international:
                problems.append(
                    InputProblem(
                        file, f"{where}.to", "the topology has no international node to reach"
                    )
                )
        elif stopgap.region not in regions:
            problems.append(
                InputProblem(
                    file,
                    f"{where}.region",
                    f"no region {stopgap.region!r} in topology"
                    + did_you_mean(stopgap.region, regions),
                )
            )
    return problems


def _operator_references(spec: ScenarioSpec, topology: Topology, file: str) -> list[InputProblem]:
    """The operators section and every variant's roaming mandate, against the topology."""
    regions = topology.regions
    found = check_operators(spec.operators, spec.roaming, regions)
    for name, variant in spec.variants.items():
        if variant.roaming is not None:
            found += [
                (f"variants.{name}.{field}", message)
                for field, message in check_operators(spec.operators, variant.roaming, regions)
                if field.startswith("roaming")
            ]
    if spec.operators and not found:
        used = set(topology.node_column("operator")) | set(topology.link_column("operator"))
        warn_unused_operators(spec.operators, used, file)
    return [InputProblem(file, field, message) for field, message in found]
