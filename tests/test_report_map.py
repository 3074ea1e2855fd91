"""The report's map and equity sections, checked on the figure data (traces, frames)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import fixed, line_topology, make_topology, scenario_on

import resilience_sim as rs
from resilience_sim.reports import RunFolder, figures, geomap, write_report
from resilience_sim.reports.basemap import MapView, land_topojson
from resilience_sim.reports.outage_map import (
    CUT_OFF,
    DOMESTIC_ONLY,
    DOWN,
    SERVED,
    frame_times,
    outage_map,
)
from resilience_sim.reports.replay import replay_run

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def evil_line_topology():
    """The conftest line (gw - ex - a - b - c) with hostile names, region and description."""
    topo = line_topology()
    nodes = [n.model_dump(mode="json", exclude_none=True) for n in topo.nodes]
    nodes[3] |= {"name": EVIL}
    nodes[4] |= {"region": EVIL}
    links = [e.model_dump(mode="json", exclude_none=True) for e in topo.links]
    links[0] |= {"cable_system": EVIL}
    return make_topology(nodes, links, "line")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Deterministic: cell site b is damaged at 0 h (a crew from ex repairs it within
    24 h), the gateway link is out from 24 h to 36 h. Every replication is the same."""
    scenario = scenario_on(
        evil_line_topology(),
        hazards=[
            {"type": "asset_failure", "assets": ["b"]},
            {"type": "asset_failure", "assets": ["l-gw-ex"], "at_h": 24.0, "duration_h": 12.0},
        ],
        recovery={"crews": [{"depot": "ex"}], "repair_h": {"cell_site": fixed(10.0)}},
    )
    result = rs.simulate(scenario, replications=3, seed=1)
    return RunFolder.read(rs.write_run(result, tmp_path_factory.mktemp("results")))


@pytest.fixture(scope="module")
def replay(run):
    return replay_run(run)


@pytest.fixture(scope="module")
def fig(run, replay):
    view, _ = geomap.national_view(replay.topology)
    return outage_map(run, replay, view)


def node_trace(fig):
    (trace,) = [t for t in fig.data if t.name == "nodes"]
    return trace


def frame_codes(fig, name):
    (frame,) = [f for f in fig.frames if f.name == name]
    return list(frame.data[1].marker.color), frame


def test_one_frame_per_distinct_event_time_plus_the_undamaged_network(run, fig, replay):
    events = run.events[run.events.replication == replay.representative]
    times = np.unique(np.concatenate([[0.0], events.time_h]))
    assert [f.name for f in fig.frames] == ["undamaged"] + [f"t={float(t)!r}" for t in times]
    steps = fig.layout.sliders[0].steps
    assert [s.args[0][0] for s in steps] == [f.name for f in fig.frames]


def test_node_colours_follow_the_network_state(fig):
    """Nodes in order gw, ex, a, b, c (all located).

    t = 0: b is down, so c loses its only path to the core; a, ex and gw are served.
    t = 24 h: b is repaired, the gateway link is down: gw (not core) is cut off from
    ex, the others keep domestic service only. t = 36 h: all served again.
    """
    assert frame_codes(fig, "undamaged")[0] == [SERVED] * 5
    codes, frame = frame_codes(fig, "t=0.0")
    assert codes == [SERVED, SERVED, SERVED, DOWN, CUT_OFF]
    assert "57.1 % of users served" in frame.layout.title.text  # 100 of 175 users
    codes, frame = frame_codes(fig, "t=24.0")
    assert codes == [CUT_OFF] + [DOMESTIC_ONLY] * 4
    down_lat, down_lon = frame.data[0].lat, frame.data[0].lon
    assert list(down_lon) == [0.0, 0.1, None] and list(down_lat) == [0.0, 0.0, None]
    assert frame_codes(fig, "t=36.0")[0] == [SERVED] * 5


def test_map_opens_at_the_moment_with_fewest_users_served(fig):
    """t = 0 (75 of 175 users out) is the worst frame: slider and shown data are on it."""
    slider = fig.layout.sliders[0]
    assert slider.steps[slider.active].args[0][0] == "t=0.0"
    assert list(node_trace(fig).marker.color) == frame_codes(fig, "t=0.0")[0]


def test_map_draws_links_and_escapes_hover_text(fig):
    names = [t.name for t in fig.data]
    for expected in ("submarine cable", "terrestrial fiber", "microwave", "failed link"):
        assert expected in names
    hover = node_trace(fig).hovertext
    assert ESCAPED in hover[3] and "without domestic service" in hover[3]
    (links,) = [t for t in fig.data if t.name == "link details"]
    assert any(ESCAPED in h for h in links.hovertext)
    assert EVIL not in fig.to_json()
    assert fig.layout.geo.showland and fig.layout.geo.resolution == 50


def test_report_page_has_map_equity_and_no_raw_user_text(run):
    page = write_report(run.path).read_text()
    assert EVIL not in page
    for div in ("outage-map", "equity", "region-outage", "recovery-curves"):
        assert f'id="{div}"' in page
    assert "window.PlotlyGeoAssets" in page
    assert "Outage borne by the worst-served 20 % of users" in page


def test_equity_curve_traces(replay):
    """Every replication: b (50 users) and c (25) out from 0 h until b's repair at time r.
    Both lose r hours, a none: the curve rises straight to 100 % at 75 / 175 users.
    gw (no users) is cut off from the core while its link is down, 24-36 h."""
    hours = replay.representative_outage_h
    assert hours[3] == pytest.approx(hours[4]) and hours[3] > 10.0
    assert hours.tolist()[:3] == [12.0, 0.0, 0.0]
    fig = figures.equity_curve(replay)
    (median,) = [t for t in fig.data if t.name == "median"]
    np.testing.assert_allclose(median.y[np.isin(median.x, [0, 100])], [0.0, 100.0], atol=1e-9)
    (marker,) = [t for t in fig.data if t.name == "worst-served 20 %"]
    # the worst-served 35 users (20 % of 175) all lost the same hours as the other 40
    # users of b and c: 35 / 75 of the burden; a's 100 users lost none
    assert list(marker.x) == [20.0] and marker.y[0] == pytest.approx(100 * 35 / 75)


def test_frame_times_are_capped_keeping_both_ends():
    times = np.sort(np.random.default_rng(12345).uniform(0, 1000, 1000))
    kept = frame_times(times)
    assert len(kept) == 150 and kept[0] == times[0] and kept[-1] == times[-1]
    assert np.all(np.diff(kept) > 0) and np.isin(kept, times).all()
    assert frame_times(times[:20]).tolist() == times[:20].tolist()


def test_view_across_the_antimeridian_is_narrow():
    view = MapView.around(np.array([-18.0, -21.0]), np.array([178.4, -175.2]))
    assert view.lon_max - view.lon_min < 20
    for lon in (178.4, -175.2):  # both inside once unwrapped (one of them past +-180)
        assert any(view.lon_min < lon + s < view.lon_max for s in (-360, 0, 360))
    assert view.lon_min < -180.0 < view.lon_max or view.lon_min < 180.0 < view.lon_max


def point_in_land(topo: dict, lat: float, lon: float) -> bool:
    """Even-odd ray casting over every decoded ring of the TopoJSON ``land`` object."""
    scale, translate = (
        np.array(topo["transform"]["scale"]),
        np.array(topo["transform"]["translate"]),
    )
    inside = False
    for polygon in topo["objects"]["land"]["geometries"][0]["arcs"]:
        for (arc,) in polygon:
            ring = np.cumsum(np.array(topo["arcs"][arc]), axis=0) * scale + translate
            x, y = ring[:, 0], ring[:, 1]
            x2, y2 = np.roll(x, -1), np.roll(y, -1)
            crosses = (y > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x + (lat - y) * (x2 - x) / (y2 - y)
            inside ^= bool(np.sum(crosses & (lon < x_at)) % 2)
    return inside


def test_shipped_base_map_has_land_where_the_islands_are():
    """Natural Earth 1:10m: inland points of Tongatapu and Vava'u are land, the sea
    between Tongatapu and Ha'apai is not."""
    view = MapView.around(np.array([-21.2, -18.6]), np.array([-175.3, -173.9]))
    topo = land_topojson(view)
    assert point_in_land(topo, -21.17, -175.28)
    assert point_in_land(topo, -18.62, -174.0)
    assert not point_in_land(topo, -20.7, -174.9)
    payload = json.dumps(topo)
    assert len(payload) < 200_000  # only the polygons near the view are inlined


def test_inland_view_keeps_the_continent_that_wraps_round_the_antimeridian():
    """A small view inside Mongolia has no coastline vertex near it; the Afro-Eurasian
    polygon (which crosses 180 degrees in Chukotka) is kept because it holds the view."""
    view = MapView.around(np.array([47.5, 48.3]), np.array([106.5, 107.3]))
    assert point_in_land(land_topojson(view), 47.9, 106.9)
