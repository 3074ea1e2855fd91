"""Global sensitivity: Sobol indices of study outputs to uncertain inputs (SALib).

Experiments layer. Each uncertain input (a **factor**) is uniform on ``[low, high]``:

* ``repair_time_scale``: multiplies every repair-duration distribution's hours in
  ``recovery.repair_h`` (every asset kind, the built-in defaults included) and every
  cable ship's ``repair_h`` (the hazards' own restoration tables are not scaled);
* ``battery_h_scale``: multiplies every node's ``battery_h``;
* ``fragility_median_scale``: multiplies every node's and link's ``hardening_factor``,
  i.e. every fragility median of the fragility-based hazards;
* ``path``: sets the scenario field at ``path`` (the sweep syntax, e.g.
  ``recovery.cable_ships.0.speed_kn``) to the sampled value.

Saltelli's design (SALib ``sample.sobol``, scrambled Sobol' points, ``N (D + 2)``
points for ``D`` factors, no second-order terms) is evaluated by simulating the study
at every point with the same seeds (common random numbers, so replication noise is the
same at every point and largely cancels between points); an output is the mean over
replications of a summary column, or for an event set its expected annual value
``sum_e f_e mean_e``. SALib's ``analyze.sobol`` gives first-order (``S1``) and total
(``ST``) indices with bootstrap confidence intervals. **Convergence**: the whole
analysis is run at ``N`` and at ``2N`` (independent designs); an index is converged when
the two estimates differ by at most ``tolerance`` (0.05, `assumed`), and the intervals
at ``2N`` are reported. Replication noise that common random numbers do not remove adds
to ``ST - S1`` (an interaction with "noise").
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from resilience_sim.errors import InputError
from resilience_sim.experiments.event_set import EventSet, EventSetSpec, EventSpec, load_event_set
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.multi_study import simulate_summaries
from resilience_sim.experiments.results import write_tables_folder
from resilience_sim.experiments.sweep import set_path
from resilience_sim.metrics.summary import SUMMARY_COLUMNS
from resilience_sim.rng import named_rngs
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.scenario.common import Strict
from resilience_sim.scenario.loader import SCENARIO_UNION_TAGS, check_references
from resilience_sim.scenario.schema import DEFAULT_REPAIR_H, ScenarioSpec
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.model import Topology, TopologyDocument
from resilience_sim.validation import read_document, validate_document

DEFAULT_TOLERANCE = 0.05  # assumed: indices within 0.05 at N and 2N count as converged
SENSITIVITY_FILES = ("indices.csv", "samples.parquet")
FactorKind = Literal["repair_time_scale", "battery_h_scale", "fragility_median_scale", "path"]


class Factor(Strict):
    """One uncertain input, uniform on ``[low, high]``."""

    name: str = Field(min_length=1, max_length=200)
    kind: FactorKind
    low: float
    high: float
    path: str | None = Field(None, description="the scenario field (kind `path` only)")

    @model_validator(mode="after")
    def _valid(self) -> Factor:
        if not self.high > self.low:
            raise ValueError("high: must be above low")
        if (self.kind == "path") != (self.path is not None):
            raise ValueError("path: give `path` exactly when kind is `path`")
        if self.kind != "path" and self.low <= 0:
            raise ValueError("low: a scale must be positive")
        return self


class SensitivitySpec(Strict):
    """A sensitivity file (docs/decisions.md)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    scenario: str | None = Field(None, description="scenario file, relative to this file")
    event_set: str | None = Field(None, description="or an event-set file")
    outputs: list[str] = Field(min_length=1, description="summary columns (docs/metrics.md)")
    factors: list[Factor] = Field(min_length=2)
    n: Annotated[int, Field(ge=8, le=65536)] = Field(
        64, description="base sample size N (a power of 2); runs (D + 2) N and (D + 2) 2N"
    )
    replications: Annotated[int, Field(ge=1)] = Field(4, description="per point (and event)")
    seed: Annotated[int, Field(ge=0)] = Field(0, description="seed of designs and bootstrap")
    bootstrap: Annotated[int, Field(ge=10, le=100_000)] = Field(200)
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(0.95)
    tolerance: Annotated[float, Field(gt=0.0, le=1.0)] = Field(DEFAULT_TOLERANCE)

    @model_validator(mode="after")
    def _valid(self) -> SensitivitySpec:
        if (self.scenario is None) == (self.event_set is None):
            raise ValueError("scenario: give exactly one of `scenario` and `event_set`")
        if self.n & (self.n - 1):
            raise ValueError("n: must be a power of 2 (Sobol' sequences)")
        unknown = [o for o in self.outputs if o not in SUMMARY_COLUMNS]
        if unknown:
            raise ValueError(f"outputs: {unknown[0]!r} is not a summary column")
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise ValueError("factors: names must be distinct")
        return self


# ---------------------------------------------------------------- Sobol indices


@dataclass
class SobolIndices:
    """First-order and total indices of each output at N and 2N (one row per output x
    factor x N), with confidence half-widths, and the evaluated design."""

    indices: pd.DataFrame
    samples: pd.DataFrame


def sobol_indices(
    evaluate: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    bounds: Sequence[tuple[float, float]],
    outputs: Sequence[str],
    n: int,
    *,
    seed: int = 0,
    bootstrap: int = 200,
    confidence: float = 0.95,
    tolerance: float = DEFAULT_TOLERANCE,
) -> SobolIndices:
    """Sobol indices of ``evaluate`` (points ``(m, D)`` -> outputs ``(m, K)``) at ``n``
    and ``2 n`` base samples, with SALib (see the module docstring).

    Parameters
    ----------
    evaluate : Callable[[numpy.ndarray], numpy.ndarray]
        Points ``(m, D)`` -> outputs ``(m, K)``.
    names : Sequence[str]
        Factor names.
    bounds : Sequence[tuple[float, float]]
        ``(low, high)`` per factor.
    outputs : Sequence[str]
        Output names.
    n : int
        Base sample size N.
    seed : int, default 0
        Seed of the designs and bootstrap.
    bootstrap : int, default 200
        Bootstrap resamples.
    confidence : float, default 0.95
        Confidence level of the intervals, 0..1.
    tolerance : float, default DEFAULT_TOLERANCE
        Largest change of an index from N to 2N that counts as converged.

    Returns
    -------
    SobolIndices
        The indices at N and 2N with intervals.
    """
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}
    rngs = named_rngs(seed, ("design_n", "design_2n", "bootstrap"))
    rows, samples = [], []
    for label, size in (("design_n", n), ("design_2n", 2 * n)):
        x = sobol_sample.sample(problem, size, calc_second_order=False, seed=rngs[label])
        y = np.asarray(evaluate(x), dtype=float).reshape(len(x), len(outputs))
        samples.append(
            pd.DataFrame(x, columns=list(names)).assign(
                n=size, **{o: y[:, k] for k, o in enumerate(outputs)}
            )
        )
        for k, output in enumerate(outputs):
            if not np.all(np.isfinite(y[:, k])):
                raise InputError.single(
                    "<sensitivity>", f"outputs.{output}", "not finite at every point"
                )
            result = sobol_analyze.analyze(
                problem,
                y[:, k],
                calc_second_order=False,
                num_resamples=bootstrap,
                conf_level=confidence,
                seed=rngs["bootstrap"],
            )
            for j, factor in enumerate(names):
                rows.append(
                    {
                        "output": output,
                        "factor": factor,
                        "n": size,
                        "S1": float(result["S1"][j]),
                        "S1_conf": float(result["S1_conf"][j]),
                        "ST": float(result["ST"][j]),
                        "ST_conf": float(result["ST_conf"][j]),
                    }
                )
    indices = pd.DataFrame(rows)
    small = indices[indices.n == n].set_index(["output", "factor"])
    large = indices[indices.n == 2 * n].set_index(["output", "factor"])
    change = np.maximum((large.S1 - small.S1).abs(), (large.ST - small.ST).abs())
    indices = indices.merge(
        change.rename("change_n_to_2n").reset_index(), on=["output", "factor"], how="left"
    )
    indices["converged"] = indices.change_n_to_2n <= tolerance
    return SobolIndices(indices=indices, samples=pd.concat(samples, ignore_index=True))


# ---------------------------------------------------------------- scenario factors


def _scaled(duration, factor: float):
    """A duration distribution with every hour field multiplied by ``factor``."""
    fields = type(duration).model_fields
    return duration.model_copy(
        update={k: getattr(duration, k) * factor for k in fields if k.endswith("_h")}
    )


def scaled_topology(topology: Topology, battery: float, fragility: float) -> Topology:
    """The topology with every ``battery_h`` and every ``hardening_factor`` scaled.

    Parameters
    ----------
    topology : Topology
        The network.
    battery : float
        Factor on ``battery_h``.
    fragility : float
        Factor on ``hardening_factor``.

    Returns
    -------
    Topology
        The scaled topology.
    """
    if battery == 1.0 and fragility == 1.0:
        return topology
    nodes = [
        n.model_copy(
            update={
                "battery_h": n.battery_h * battery,
                "hardening_factor": n.hardening_factor * fragility,
            }
        )
        for n in topology.nodes
    ]
    links = [
        e.model_copy(update={"hardening_factor": e.hardening_factor * fragility})
        for e in topology.links
    ]
    doc = TopologyDocument(
        name=topology.name, description=topology.description, nodes=nodes, links=links
    )
    return build_topology(doc, "<sensitivity>")


def factor_scenario(base: Scenario, factors: Sequence[Factor], values: Sequence[float]) -> Scenario:
    """``base`` with the factors at ``values`` (see the module docstring).

    Parameters
    ----------
    base : Scenario
        The base scenario.
    factors : Sequence[Factor]
        The factors.
    values : Sequence[float]
        One value per factor.

    Returns
    -------
    Scenario
        The scenario.
    """
    scale = {"repair_time_scale": 1.0, "battery_h_scale": 1.0, "fragility_median_scale": 1.0}
    paths = {}
    for factor, value in zip(factors, values, strict=True):
        if factor.kind == "path":
            paths[factor.path] = float(value)
        else:
            scale[factor.kind] *= float(value)
    spec = base.spec
    if paths:
        document = copy.deepcopy(spec.model_dump(mode="json", exclude_unset=True))
        for path, value in paths.items():
            set_path(document, path, value)
        spec = validate_document(ScenarioSpec, document, "--factor", skip=SCENARIO_UNION_TAGS)
        check_references(spec, base.topology, "--factor")
    s = scale["repair_time_scale"]
    if s != 1.0:
        recovery = spec.recovery
        repair = {kind: _scaled(recovery.repair_duration(kind), s) for kind in DEFAULT_REPAIR_H}
        ships = [
            c.model_copy(update={"repair_h": _scaled(c.repair_h, s)}) for c in recovery.cable_ships
        ]
        spec = spec.model_copy(
            update={
                "recovery": recovery.model_copy(update={"repair_h": repair, "cable_ships": ships})
            }
        )
    topology = scaled_topology(
        base.topology, scale["battery_h_scale"], scale["fragility_median_scale"]
    )
    return Scenario(spec, topology, base.source, base.topology_source)


@dataclass
class SensitivityResult:
    spec: SensitivitySpec
    event_set: EventSet
    sobol: SobolIndices
    n_studies: int
    wall_time_s: float
    source: Path | None = None


def load_sensitivity(path: str | Path) -> tuple[SensitivitySpec, EventSet]:
    """Read a sensitivity file and its scenario (as a one-event set) or event set.

    Parameters
    ----------
    path : str or Path
        The sensitivity file.

    Returns
    -------
    tuple[SensitivitySpec, EventSet]
        The spec and its event set.
    """
    path = Path(path)
    spec = validate_document(SensitivitySpec, read_document(path), str(path))
    target = (path.parent / (spec.scenario or spec.event_set)).resolve()
    if not target.is_file():
        field = "scenario" if spec.scenario else "event_set"
        raise InputError.single(str(path), field, f"file does not exist (looked for {target})")
    if spec.event_set:
        return spec, load_event_set(target)
    scenario = load_scenario(target)
    one = EventSetSpec(
        name=scenario.name, events=[EventSpec(scenario=str(target), annual_frequency=1.0)]
    )
    return spec, EventSet(spec=one, scenarios=(scenario,), source=target)


def run_sensitivity(
    spec: SensitivitySpec,
    event_set: EventSet,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    source: Path | None = None,
) -> SensitivityResult:
    """Evaluate the designs at N and 2N and compute the indices.

    Parameters
    ----------
    spec : SensitivitySpec
        The sensitivity spec.
    event_set : EventSet
        The event set.
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    source : Path or None, default None
        The sensitivity file (None: none).

    Returns
    -------
    SensitivityResult
        The indices and the samples.
    """
    started = time.perf_counter()
    frequencies = event_set.frequencies
    events = event_set.scenarios
    counter = {"studies": 0, "done": 0}
    seen: set[str] = set()  # each distinct warning once over all design points

    def evaluate(points: np.ndarray) -> np.ndarray:
        scenarios: list[Scenario] = []
        for values in points:
            built: dict[int, Scenario] = {}
            for event in events:
                key = id(event.topology)
                if key not in built:
                    built[key] = factor_scenario(event, spec.factors, values)
                b = built[key]
                s = b.spec.model_copy(
                    update={"hazards": event.spec.hazards, "seed": event.spec.seed}
                )
                scenarios.append(Scenario(s, b.topology, event.source, event.topology_source))
        done = counter["done"]
        tables = simulate_summaries(
            scenarios,
            [s.spec.seed for s in scenarios],
            [spec.replications] * len(scenarios),
            executor=executor,
            batch_size=batch_size,
            progress=None if progress is None else (lambda k: progress(done + k)),
            seen_warnings=seen,
        )
        counter["studies"] += len(scenarios)
        counter["done"] += spec.replications * len(scenarios)
        means = np.array(
            [[np.nanmean(t[o].to_numpy(dtype=float)) for o in spec.outputs] for t in tables]
        ).reshape(len(points), len(events), len(spec.outputs))
        return np.einsum("e,peo->po", frequencies, means)

    sobol = sobol_indices(
        evaluate,
        [f.name for f in spec.factors],
        [(f.low, f.high) for f in spec.factors],
        spec.outputs,
        spec.n,
        seed=spec.seed,
        bootstrap=spec.bootstrap,
        confidence=spec.confidence,
        tolerance=spec.tolerance,
    )
    return SensitivityResult(
        spec, event_set, sobol, counter["studies"], time.perf_counter() - started, source
    )


def write_sensitivity(result: SensitivityResult, results_dir: str | Path) -> Path:
    """Write ``indices.csv``, ``samples.parquet`` and ``manifest.json`` (kind
    ``sensitivity``) to a new folder (atomically).

    Parameters
    ----------
    result : SensitivityResult
        The sensitivity result.
    results_dir : str or Path
        The folder the new results folder goes in.

    Returns
    -------
    Path
        The new folder.
    """
    spec = result.spec
    tables = dict(zip(SENSITIVITY_FILES, (result.sobol.indices, result.sobol.samples), strict=True))
    manifest = {
        "kind": "sensitivity",
        "name": spec.name,
        "spec": spec.model_dump(mode="json"),
        "n_studies": result.n_studies,
        "wall_time_s": round(result.wall_time_s, 3),
    }
    return write_tables_folder(
        results_dir, f"{spec.name} sensitivity", tables, manifest, result.source
    )
