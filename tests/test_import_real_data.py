"""Real-data importers: TeleGeography submarine cables and WATRA national fibre backbones.

The data lives outside the repository (shared/data, next to the project folder); tests
that need it skip cleanly when it is absent. Expected counts are recomputed here from
the raw files by a separate, plain-Python implementation of the documented rules.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.engine.service import served_masks
from resilience_sim.errors import InputError, InputWarning
from resilience_sim.geo import EARTH_RADIUS_KM
from resilience_sim.topology import TopologyDocument, compile_topology, read_topology
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.io.countries import ISO_ALPHA2
from resilience_sim.topology.io.submarine_cables import cable_segments, read_submarine_cables
from resilience_sim.topology.io.watra import read_fibre_backbone

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CABLES = DATA / "submarine-cables"
WATRA = DATA / "watra-west-africa-fiber"
ISLAND = Path(__file__).resolve().parents[1] / "topologies" / "pacific_island.yaml"
KM_PER_DEG = math.pi * EARTH_RADIUS_KM / 180.0  # 111.195 km along a great circle

needs_cables = pytest.mark.skipif(not CABLES.is_dir(), reason="shared cable data absent")
needs_watra = pytest.mark.skipif(not WATRA.is_dir(), reason="shared WATRA data absent")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        return fn(*args, **kwargs)


def _hav_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


# ------------------------------------------------------------- cable splitting, no data


def test_branched_cable_splits_into_the_minimum_spanning_tree():
    """Trunk A(0,0) - X(0,1) - B(0,3) with a branch X - C(0.5,1) (lat, lon degrees).

    Route distances: A-C = 1 + 0.5 = 1.5 deg, B-C = 2 + 0.5 = 2.5 deg, A-B = 3 deg; the
    minimum spanning tree is {A-C, B-C} and the A-C route runs A, X, C.
    """
    parts = [[(0.0, 0.0), (0.0, 1.0), (0.0, 3.0)], [(0.0, 1.0), (0.5, 1.0)]]
    landings = [(0.0, 0.0), (0.0, 3.0), (0.5, 1.0)]
    segments, n_bridged = cable_segments(parts, landings)
    assert n_bridged == 0
    by_pair = {(i, j): (route, km) for i, j, route, km in segments}
    assert set(by_pair) == {(0, 2), (1, 2)}
    assert by_pair[(0, 2)][0] == [(0.0, 0.0), (0.0, 1.0), (0.5, 1.0)]
    assert by_pair[(0, 2)][1] == pytest.approx(1.5 * KM_PER_DEG, rel=1e-9)
    assert by_pair[(1, 2)][1] == pytest.approx(2.5 * KM_PER_DEG, rel=1e-9)


def test_antimeridian_cut_is_joined_and_gaps_are_bridged():
    """A line cut at +-180 on the equator is one 2-degree cable; a far piece is bridged."""
    parts = [[(0.0, 179.0), (0.0, 179.99999)], [(0.0, -179.99999), (0.0, -179.0)]]
    segments, n_bridged = cable_segments(parts, [(0.0, 179.0), (0.0, -179.0)])
    assert n_bridged == 0 and len(segments) == 1
    assert segments[0][3] == pytest.approx(2 * KM_PER_DEG, rel=1e-6)

    far = [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 10.0), (0.0, 11.0)]]
    segments, n_bridged = cable_segments(far, [(0.0, 0.0), (0.0, 11.0)])
    assert n_bridged == 1
    assert segments[0][2] == [(0.0, 0.0), (0.0, 11.0)]


# ------------------------------------------------------------- submarine cables, real data


def _raw_cables() -> list[dict]:
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((CABLES / "cable").glob("*.json"))
        if p.name not in ("all.json", "cable-geo.json")
    ]


@needs_cables
def test_every_country_in_the_data_has_an_iso_code():
    countries = {lp["country"] for c in _raw_cables() for lp in c["landing_points"]}
    assert countries == set(ISO_ALPHA2)
    assert len(set(ISO_ALPHA2.values())) == len(ISO_ALPHA2)


@pytest.fixture(scope="module")
def pacific():
    if not CABLES.is_dir():
        pytest.skip("shared cable data absent")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        topology = read_submarine_cables(CABLES, ["Tonga", "Fiji", "Samoa"])
    return topology, [str(w.message) for w in caught if w.category is InputWarning]


@needs_cables
def test_names_and_iso_codes_select_the_same_cables(pacific):
    by_code = _quiet(read_submarine_cables, CABLES, ["to", "FJ", " WS"])
    assert by_code.to_document() == pacific[0].to_document()


@needs_cables
def test_expected_cables_and_the_tonga_cable(pacific):
    topology, _ = pacific
    selected = {"Tonga", "Fiji", "Samoa"}
    raw = [
        c
        for c in _raw_cables()
        if any(lp["country"] in selected for lp in c["landing_points"]) and not c["is_planned"]
    ]
    assert {e.cable_system for e in topology.links} == {c["name"] for c in raw}
    assert {"Tonga Cable", "Tui-Samoa", "Manatua", "Southern Cross NEXT"} <= {
        e.cable_system for e in topology.links
    }
    # each cable becomes a spanning tree over its (distinct) landing points
    for c in raw:
        lps = {lp["id"] for lp in c["landing_points"]}
        g = nx.Graph([(e.source, e.target) for e in topology.links if e.cable_system == c["name"]])
        assert set(g.nodes) == lps and nx.is_tree(g), c["name"]

    tonga = [e for e in topology.links if e.cable_system == "Tonga Cable"]
    assert len(tonga) == 1
    ends = {topology.node(tonga[0].source).region, topology.node(tonga[0].target).region}
    assert ends == {"Tonga", "Fiji"}
    data = json.loads((CABLES / "cable" / "tonga-cable.json").read_text(encoding="utf-8"))
    data_km = float(data["length"].replace(",", "").removesuffix(" km"))  # "827 km"
    # one segment: the data's length, up to the shore stubs (< 1 km here)
    assert tonga[0].length_km == pytest.approx(data_km, abs=1.0)


@needs_cables
def test_nodes_located_routes_present_regions_and_flags(pacific):
    topology, notes = pacific
    lp_geo = json.loads(
        (CABLES / "landing-point" / "landing-point-geo.json").read_text(encoding="utf-8")
    )
    at = {f["properties"]["id"]: f["geometry"]["coordinates"] for f in lp_geo["features"]}
    for node in topology.nodes:
        assert node.kind.value == "landing_station"
        assert (node.lon, node.lat) == tuple(at[node.id])
        assert node.international == (node.region not in {"Tonga", "Fiji", "Samoa"})
    for link in topology.links:
        assert link.kind.value == "submarine_cable" and link.capacity_gbps == 100.0
        src, dst = topology.node(link.source), topology.node(link.target)
        assert link.route[0] == (src.lat, src.lon) and link.route[-1] == (dst.lat, dst.lon)
        assert link.length_km > 0
    assert sum("capacity" in m for m in notes) == 1


@needs_cables
def test_cutting_the_tonga_cable_cuts_tonga_off(pacific):
    """Tonga alone: Fiji's Suva landing is the international node. Tongatapu reaches it
    only over the Tonga Cable, and Ha'apai / Vava'u only through Tongatapu, so with that
    link down no Tongan node is served internationally; with everything up all are."""
    topology = _quiet(read_submarine_cables, CABLES, ["Tonga"])
    arrays = compile_topology(topology)
    up = np.ones(arrays.n_assets, dtype=bool)
    tongan = np.array([n.region == "Tonga" for n in topology.nodes])
    _, intl = served_masks(arrays, up)
    assert intl[tongan].all() and tongan.sum() == 3
    cut = up.copy()
    cut[arrays.asset_index["tonga-cable:suva-fiji--nukualofa-tonga"]] = False
    _, intl = served_masks(arrays, cut)
    assert not intl[tongan].any()


@needs_cables
def test_combines_with_the_shipped_island_topology(pacific):
    """The imported ids (``<place>-<country>``) do not clash with the shipped ones, so
    the two documents concatenate; a link joins the island's Sopu landing to the real
    cable's Nuku'alofa landing (docs/data-import.md)."""
    imported = _quiet(read_submarine_cables, CABLES, ["Tonga"]).to_document()
    island = read_topology(ISLAND).to_document()
    joined = TopologyDocument(
        name="island-plus-cables",
        nodes=[*island.nodes, *imported.nodes],
        links=[
            *island.links,
            *imported.links,
            {"id": "sopu-to-real", "source": "sopu-landing", "target": "nukualofa-tonga",
             "kind": "terrestrial_fiber", "length_km": 1.0},
        ],
    )  # fmt: skip
    topology = build_topology(joined, "joined")
    assert topology.n_nodes == len(island.nodes) + len(imported.nodes)
    compile_topology(topology)


@needs_cables
def test_unknown_country_names_the_field():
    with pytest.raises(InputError) as info:
        read_submarine_cables(CABLES, ["Tonga", "Atlantis"])
    assert info.value.problems[0].field == "countries"
    assert "Atlantis" in info.value.problems[0].message


@needs_cables
def test_cli_import_cables(tmp_path, monkeypatch):
    out = tmp_path / "tonga.yaml"
    monkeypatch.delenv("RESILIENCE_SIM_DATA", raising=False)
    args = ["topology", "import-cables", "--countries", "TO", "--out", str(out)]
    missing = CliRunner().invoke(cli, args)
    assert missing.exit_code == 2 and "--data-dir" in missing.output and not out.exists()
    monkeypatch.setenv("RESILIENCE_SIM_DATA", str(DATA))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    written = read_topology(out)
    assert written.n_nodes == 4 and written.n_links == 3  # Tonga Cable + TDCE (3 landings)


# ------------------------------------------------------------- WATRA fibre backbones


def _expected_watra(code: str, snap_km: float) -> dict[str, int]:
    """The documented rules, re-implemented in plain Python over the raw GeoJSON."""
    nodes = json.loads((WATRA / "nodes" / f"{code}_nodes.geojson").read_text("utf-8"))
    lines = json.loads((WATRA / "lines" / f"{code}_lines.geojson").read_text("utf-8"))
    points = [f for f in nodes["features"] if (f.get("geometry") or {}).get("type") == "Point"]
    sites = [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in points]
    keys = Counter()
    index = {}
    for i, f in enumerate(points):
        for key in {f["properties"].get("name"), f["properties"].get("node_id")}:
            if isinstance(key, str) and key.strip():
                keys[key.strip()] += 1
                index[key.strip()] = i
    count = Counter()
    for f in lines["features"]:
        if str(f["properties"].get("status") or "").lower() == "planned":
            count["planned"] += 1
            continue
        g = f["geometry"]
        parts = [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"]
        pts = [(c[1], c[0]) for part in parts for c in part]
        ends, snapped = [], False
        for key, at in (("from", pts[0]), ("to", pts[-1])):
            name = (f["properties"].get(key) or "").strip()
            if keys.get(name) == 1:
                ends.append(index[name])
                continue
            d = [_hav_km(at, s) for s in sites]
            best = min(range(len(d)), key=d.__getitem__)
            ends.append(best if d[best] <= snap_km else -1)
            snapped = snapped or d[best] <= snap_km
        if -1 in ends or ends[0] == ends[1]:
            count["dropped"] += 1
        else:
            count["snapped" if snapped else "by_name"] += 1
    return {"nodes": len(points), **count}


@needs_watra
@pytest.mark.parametrize("code", ["GHA", "SLE"])
def test_watra_counts_match_the_raw_data(code):
    result = _quiet(read_fibre_backbone, WATRA, code, snap_km=2.0)
    expected = _expected_watra(code, 2.0)
    topo = result.topology
    assert topo.n_nodes == expected["nodes"]
    assert result.n_by_name == expected.get("by_name", 0)
    assert result.n_snapped == expected.get("snapped", 0)
    assert result.n_dropped == expected.get("dropped", 0)
    assert result.n_planned == expected.get("planned", 0)
    assert topo.n_links == result.n_by_name + result.n_snapped
    assert result.n_lines == topo.n_links + result.n_dropped
    assert all(n.kind.value == "exchange" and n.has_location for n in topo.nodes)
    assert all(e.kind.value == "terrestrial_fiber" and e.route for e in topo.links)
    arrays = compile_topology(topo)
    domestic, _ = served_masks(arrays, np.ones(arrays.n_assets, dtype=bool))
    assert domestic.all()  # every node is an exchange, hence core, hence served


@needs_watra
def test_sierra_leone_names_do_not_match_so_every_link_is_snapped_and_reported():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_fibre_backbone(WATRA, "Sierra Leone", snap_km=2.0)
    assert result.n_lines == 49 and result.n_by_name == 0  # SOURCE.md: SLE matches 0 of 49
    assert result.n_snapped == result.topology.n_links > 0
    report = [str(w.message) for w in caught if "snapped" in str(w.message)]
    assert len(report) == 1
    assert f"{result.n_snapped} snapped" in report[0]
    assert f"{result.n_dropped} dropped" in report[0]
    # a wider tolerance can only join more ends
    wider = _quiet(read_fibre_backbone, WATRA, "SLE", snap_km=20.0)
    assert wider.n_snapped >= result.n_snapped


def test_single_file_hand_counted(tmp_path):
    """Three nodes on the equator 0.1 deg (11.1 km) apart and three lines:
    a-b named (distance 11,200 m -> 11.2 km); an unnamed line starting 0.005 deg
    (0.56 km) from b and ending on c (snapped at 2 km); an unnamed line ending 0.05 deg
    (5.6 km) from any node (dropped at 2 km)."""

    def point(name, lon):
        return {"type": "Feature", "properties": {"name": name, "country": "X"},
                "geometry": {"type": "Point", "coordinates": [lon, 0.0]}}  # fmt: skip

    def line(frm, to, coords, distance=None):
        return {"type": "Feature", "properties": {"from": frm, "to": to, "distance": distance},
                "geometry": {"type": "LineString", "coordinates": coords}}  # fmt: skip

    doc = {
        "type": "FeatureCollection",
        "features": [
            point("a", 0.0), point("b", 0.1), point("c", 0.2),
            line("a", "b", [[0.0, 0.0], [0.1, 0.0]], 11200),
            line(None, None, [[0.105, 0.0], [0.2, 0.0]]),
            line(None, None, [[0.2, 0.0], [0.25, 0.0]]),
        ],
    }  # fmt: skip
    path = tmp_path / "net.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = _quiet(read_fibre_backbone, path, snap_km=2.0)
    assert (result.n_by_name, result.n_snapped, result.n_dropped) == (1, 1, 1)
    links = {(e.source, e.target): e for e in result.topology.links}
    assert links[("a", "b")].length_km == 11.2
    assert result.topology.link_length_km(links[("b", "c")]) == pytest.approx(
        0.095 * KM_PER_DEG, rel=1e-9
    )


@needs_watra
def test_cli_import_fibre(tmp_path):
    out = tmp_path / "sle.json"
    args = ["topology", "import-fibre", str(WATRA), "--country", "SLE", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "snapped" in result.output
    assert read_topology(out).n_nodes == 51
    bad = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / "sle.txt")])
    assert bad.exit_code == 2 and "--out" in bad.output
    unknown = CliRunner().invoke(cli, [*args[:4], "Atlantis", "--out", str(out)])
    assert unknown.exit_code == 2 and "country" in unknown.output


# ------------------------------------------------------------- cells + cables, Japan


OPENCELLID = DATA / "opencellid" / "OCID-diff-cell-export-2022-09-10.csv"


@needs_cables
@pytest.mark.skipif(not OPENCELLID.is_file(), reason="shared OpenCelliD data absent")
def test_japan_cells_with_the_real_cables_join_each_landing_station_to_its_two_nearest_exchanges(
    tmp_path,
):
    """docs/data-import.md's recipe for the Kanto example with cables, run as documented.

    The join rule is checked against a plain haversine here: every domestic landing station
    with an exchange within 100 km gets links to its 2 nearest exchanges, the others none;
    and every cell site then reaches a foreign landing station over the network.
    """
    cables, kanto = tmp_path / "cables.yaml", tmp_path / "kanto.yaml"
    steps = [
        ["topology", "import-cables", "--countries", "JP", "--data-dir", str(CABLES)],
        [
            *("topology", "import-cells", str(OPENCELLID), "--mcc", "440,441"),
            *("--bbox", "34.9,138.9,36.3,140.9", "--cables", str(cables)),
        ],
    ]
    for args, out in zip(steps, (cables, kanto), strict=True):
        result = CliRunner().invoke(cli, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    topo = read_topology(kanto)
    nodes = {n.id: n for n in topo.nodes}
    exchanges = [n for n in topo.nodes if n.kind == "exchange"]
    joins: dict[str, set[str]] = {}
    for link in topo.links:
        ends = sorted((nodes[link.source], nodes[link.target]), key=lambda n: n.kind)
        if [n.kind for n in ends] == ["exchange", "landing_station"]:
            joins.setdefault(ends[1].id, set()).add(ends[0].id)
    expected = {}
    for n in topo.nodes:
        if n.kind == "landing_station" and not n.international:
            by_km = sorted(exchanges, key=lambda e: _hav_km((n.lat, n.lon), (e.lat, e.lon)))
            if _hav_km((n.lat, n.lon), (by_km[0].lat, by_km[0].lon)) <= 100.0:
                expected[n.id] = {e.id for e in by_km[:2]}
    assert joins == expected and len(expected) >= 2
    graph = nx.Graph((link.source, link.target) for link in topo.links)
    abroad = {n.id for n in topo.nodes if n.international}
    sites = [n.id for n in topo.nodes if n.kind == "cell_site"]
    reached = set().union(*(nx.node_connected_component(graph, a) for a in abroad if a in graph))
    assert sites and set(sites) <= reached
