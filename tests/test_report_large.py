"""A 100,000-node network: the report and the topology page stay small (aggregated map)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fixed, make_topology, scenario_on

import resilience_sim as rs
from resilience_sim.reports import RunFolder, geomap
from resilience_sim.reports.html import render_report
from resilience_sim.reports.outage_map import MAX_FRAMES, outage_map
from resilience_sim.reports.replay import replay_run
from resilience_sim.reports.topology_page import topology_figure

N_AGGREGATION = 500
N_CELLS = 100_000 - 3 - N_AGGREGATION
MAX_PAGE_BYTES = 20 * 1024 * 1024


def national_network(rng: np.random.Generator):
    """A gateway, two core exchanges, 500 aggregation nodes and 99,497 cell sites spread
    over a 6 x 6 degree box in mainland South-East Asia; a tree with a fibre core."""
    lat = rng.uniform(12.0, 18.0, N_AGGREGATION + N_CELLS)
    lon = rng.uniform(99.0, 105.0, N_AGGREGATION + N_CELLS)
    nodes = [
        {"id": "gw", "kind": "gateway", "lat": 13.7, "lon": 100.5},
        {"id": "ex-1", "kind": "exchange", "lat": 13.75, "lon": 100.55},
        {"id": "ex-2", "kind": "exchange", "lat": 16.4, "lon": 102.8},
    ]
    links = [
        {"id": "gw-ex-1", "source": "gw", "target": "ex-1", "kind": "terrestrial_fiber"},
        {"id": "ex-ex", "source": "ex-1", "target": "ex-2", "kind": "terrestrial_fiber"},
    ]
    for k in range(N_AGGREGATION):
        nodes.append({"id": f"agg-{k}", "kind": "aggregation", "lat": lat[k], "lon": lon[k]})
        links.append(
            {
                "id": f"l-agg-{k}",
                "source": f"agg-{k}",
                "target": f"ex-{1 + k % 2}",
                "kind": "terrestrial_fiber",
                "capacity_gbps": 100.0,
            }
        )
    for k in range(N_CELLS):
        j = N_AGGREGATION + k
        nodes.append(
            {
                "id": f"cell-{k}",
                "kind": "cell_site",
                "lat": lat[j],
                "lon": lon[j],
                "population": 500.0,
                "region": f"r{k % 7}",
            }
        )
        links.append(
            {
                "id": f"l-cell-{k}",
                "source": f"cell-{k}",
                "target": f"agg-{k % N_AGGREGATION}",
                "kind": "microwave",
                "capacity_gbps": 1.0,
            }
        )
    return make_topology(nodes, links, "large")


@pytest.mark.slow
def test_hundred_thousand_node_report_is_aggregated_and_under_20_mb(tmp_path):
    """10 % of aggregation nodes damaged (crews repair them one by one: ~50 distinct
    repair times) and 2 % of links out for 48 h. The map shows at most MAX_CELLS grid
    cells and the core/international nodes, failed links as points; the page < 20 MB."""
    topology = national_network(np.random.default_rng(12345))
    scenario = scenario_on(
        topology,
        horizon_h=24.0 * 30,
        hazards=[
            {"type": "asset_failure", "kind": "aggregation", "fraction": 0.1},
            {"type": "asset_failure", "kind": "microwave", "fraction": 0.02, "duration_h": 48.0},
        ],
        recovery={
            "crews": [{"depot": "ex-1", "count": 10, "kinds": ["aggregation"]}],
            "repair_h": {"aggregation": fixed(6.0)},
        },
        output={"regional": False},
    )
    run = RunFolder.read(rs.write_run(rs.simulate(scenario, replications=1, seed=5), tmp_path))
    replay = replay_run(run)
    assert replay.outage_h.shape == (1, topology.n_nodes)
    page = render_report(run, replay)
    assert len(page.encode()) < MAX_PAGE_BYTES

    view, _ = geomap.national_view(replay.topology)
    fig = outage_map(run, replay, view)
    (cells,) = [t for t in fig.data if t.name.startswith("users in")]
    assert len(cells.lat) <= geomap.MAX_CELLS
    (nodes,) = [t for t in fig.data if t.name == "core and international nodes"]
    assert len(nodes.lat) == 3
    assert 20 < len(fig.frames) <= MAX_FRAMES + 1
    drawn = sum(t.lat.count(None) for t in fig.data if t.mode == "lines")
    assert drawn <= geomap.MAX_LINKS
    (failed,) = [t for t in fig.data if t.name == "failed link"]
    assert failed.mode == "markers"
    # cell colours are served shares: weighted by the cells' users they give the national
    # served fraction of the timeline at every frame time (to the 3 decimals kept)
    lat, lon = geomap.node_lat_lon(replay.topology)
    grid = geomap.grid_cells(lat, lon, replay.arrays.population)
    timeline = run.timeline.set_index("time_h").served_domestic_frac
    for frame in fig.frames[1:]:
        share = np.asarray(frame.data[2].marker.color)
        t_h = float(frame.name.removeprefix("t="))
        national = float(np.sum(share * grid.population) / grid.population.sum())
        assert national == pytest.approx(timeline.loc[t_h], abs=1e-3)
    assert min(np.min(f.data[2].marker.color) for f in fig.frames) < 0.95
    assert np.all(np.asarray(fig.frames[-1].data[2].marker.color) == 1.0)


def test_topology_page_of_a_network_above_the_node_cap_is_aggregated():
    """3,000 nodes (over MAX_NODES): users in grid cells, core and gateway one by one."""
    rng = np.random.default_rng(12345)
    nodes = [
        {"id": "gw", "kind": "gateway", "lat": 13.7, "lon": 100.5},
        {"id": "ex", "kind": "exchange", "lat": 13.75, "lon": 100.55},
    ] + [
        {"id": f"c{k}", "kind": "cell_site", "lat": lat, "lon": lon, "population": 100.0}
        for k, (lat, lon) in enumerate(rng.uniform([12, 99], [18, 105], (2998, 2)))
    ]
    links = [{"id": "g", "source": "gw", "target": "ex", "kind": "submarine_cable"}] + [
        {"id": f"l{k}", "source": f"c{k}", "target": "ex", "kind": "microwave"} for k in range(2998)
    ]
    topology = make_topology(nodes, links, "mid")
    view, _ = geomap.national_view(topology)
    fig = topology_figure(topology, view)
    (cells,) = [t for t in fig.data if t.name.startswith("users")]
    assert len(cells.lat) <= geomap.MAX_CELLS
    assert sum(cells.marker.size) > 0
    kinds = {t.name: len(t.lat) for t in fig.data if t.legendgroup == "nodes"}
    assert kinds == {"exchange": 1, "gateway": 1}
    lines = sum(t.lat.count(None) for t in fig.data if t.mode == "lines")
    assert lines == geomap.MAX_LINKS  # the 2,000 of highest capacity (the cable first)
