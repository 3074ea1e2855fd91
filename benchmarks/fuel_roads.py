"""Cost of fuel trucks on a road network relative to the same study without roads.

    .venv/bin/python benchmarks/fuel_roads.py [--sizes 10k] [--repeats 3]

On a synthetic national network (``topology generate`` preset ``national``), every
substation loses mains for 200 h of a 240 h horizon; cell sites have a 2 h battery and
half of them a generator with a 24 h tank; 20 trucks at one exchange refuel them. The
same study runs without ``roads`` (great-circle x road factor) and with ``roads:
{from_links: [terrestrial_fiber, microwave]}`` (no road damage, so the trips differ only
by the road graph): medians of ``--repeats`` of one replication each, their ratio, the
once-per-study build of the road graph (``StudyContext.build``) and its road vertices and
segments.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import resilience_sim as rs  # noqa: E402
from resilience_sim.experiments.study import StudyContext  # noqa: E402
from resilience_sim.scenario.loader import Scenario  # noqa: E402
from resilience_sim.topology.generate import generate_topology  # noqa: E402

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


def scenario(topology, roads: dict | None) -> Scenario:
    """The benchmark study on ``topology``, with ``roads`` (or without: None)."""
    ids, kinds = topology.node_column("id"), topology.node_column("kind")
    substations = [i for i, k in zip(ids, kinds, strict=True) if k == "power_substation"]
    exchange = next(i for i, k in zip(ids, kinds, strict=True) if k == "exchange")
    fuel = {"depots": [{"name": "d", "node": exchange}], "trucks": [{"depot": "d", "count": 20}]}
    if roads is not None:
        fuel["roads"] = roads
    hours = {"dist": "fixed", "value_h": 2.0}
    data = {
        "name": "fuel roads benchmark",
        "horizon_h": 240,
        "hazards": [
            {
                "type": "power_grid_outage",
                "substations": substations,
                "at_h": 0,
                "restore_h": {"dist": "fixed", "value_h": 200.0},
            }
        ],
        "power": {
            "backup": [
                {
                    "kinds": ["cell_site"],
                    "battery_h": [{"share": 1.0, "hours": hours}],
                    "generator_share": 0.5,
                    "tank_h": {"dist": "fixed", "value_h": 24.0},
                }
            ],
            "fuel": fuel,
        },
    }
    return Scenario.from_dict(data, topology)


def measure(n_nodes: int, repeats: int) -> dict[str, float]:
    """Median seconds of one replication without and with roads, their ratio, the study
    build with roads and the road graph's vertices and segments."""
    topology = generate_topology("national", n_nodes, 1)
    out: dict[str, float] = {"nodes": n_nodes}
    for name, roads in (
        ("great_circle", None),
        ("roads", {"from_links": ["terrestrial_fiber", "microwave"]}),
    ):
        study = scenario(topology, roads)
        started = time.perf_counter()
        ctx = StudyContext.build(study)
        out[f"{name}_build_s"] = time.perf_counter() - started
        if roads is not None:  # the graph's size, quoted in docs/performance.md
            graph = ctx.plan.fuel.roads
            out["road_vertices"], out["road_segments"] = graph.n_vertices, graph.n_edges
        laps = []
        for _ in range(repeats):
            started = time.perf_counter()
            rs.simulate(study, replications=1, seed=1)
            laps.append(time.perf_counter() - started)
        out[f"{name}_s"] = statistics.median(laps)
    out["ratio"] = out["roads_s"] / out["great_circle_s"]
    return out


def main() -> None:
    """Print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        row = measure(SIZES[size], args.repeats)
        print(
            ", ".join(
                f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            )
        )


if __name__ == "__main__":
    main()
