"""Topology file formats: native YAML/JSON, GraphML and Internet Topology Zoo GML."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import networkx as nx
import pytest

from resilience_sim.errors import InputError, InputWarning
from resilience_sim.topology.io import read_topology, write_topology
from resilience_sim.topology.io.graphml import read_graphml, write_graphml
from resilience_sim.topology.io.zoo import read_zoo_gml
from resilience_sim.topology.model import Link, Node, Topology

ZOO_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "topology-zoo"
ZOO_FILES = sorted(ZOO_DIR.glob("*.gml")) if ZOO_DIR.is_dir() else []
ZOO_PARAMS = [pytest.param(p, id=p.stem) for p in ZOO_FILES] or [
    pytest.param(None, id="no-data", marks=pytest.mark.skip(reason=f"no data at {ZOO_DIR}"))
]

_NODE_BLOCK = re.compile(r"^\s*node\s*\[", re.MULTILINE)
_EDGE_BLOCK = re.compile(r"^\s*edge\s*\[(.*?)^\s*\]", re.MULTILINE | re.DOTALL)
_SOURCE = re.compile(r"^\s*source\s+(-?\d+)\s*$", re.MULTILINE)
_TARGET = re.compile(r"^\s*target\s+(-?\d+)\s*$", re.MULTILINE)


def full_topology() -> Topology:
    """A small topology that sets every optional Node and Link field somewhere."""
    nodes = (
        Node(
            id="sub-1",
            kind="power_substation",
            name="Substation 1",
            lat=-41.29,
            lon=174.78,
            region="Wellington",
            elevation_m=15.5,
        ),
        Node(
            id="ex-a",
            kind="exchange",
            name="Exchange A",
            lat=-41.2865,
            lon=174.7762,
            region="Wellington",
            population=12345.5,
            elevation_m=-3.25,
            power_feed="sub-1",
            battery_h=4.0,
            fuel_h=72.5,
            critical=True,
            capacity_gbps=400.0,
            core=True,
        ),
        Node(
            id="gw-b",
            kind="gateway",
            name="Gateway B",
            lat=-36.8485,
            lon=174.7633,
            region="Auckland",
            power_feed="north-grid",
            international=True,
            battery_h=8.0,
        ),
        Node(id="sat-c", kind="satellite_ground_station", region="Auckland"),
        Node(id="ls-d", kind="landing_station", lat=-34.5, lon=172.9, region="Northland"),
    )
    links = (
        Link(
            id="a-b-1",
            source="ex-a",
            target="gw-b",
            kind="terrestrial_fiber",
            capacity_gbps=100.0,
            length_km=643.2,
            route=[(-41.2865, 174.7762), (-39.0, 175.5), (-36.8485, 174.7633)],
            srlg=["sh1-corridor", "cook-strait"],
            latency_ms=3.3,
        ),
        # parallel to a-b-1, written with the ends the other way round
        Link(id="a-b-2", source="gw-b", target="ex-a", kind="microwave", capacity_gbps=2.5),
        Link(
            id="b-d",
            source="gw-b",
            target="ls-d",
            kind="submarine_cable",
            capacity_gbps=1000.0,
            cable_system="Southern Cross",
            srlg=["scn"],
        ),
        Link(
            id="a-c",
            source="ex-a",
            target="sat-c",
            kind="satellite",
            capacity_gbps=0.5,
            orbit="geo",
            latency_ms=270.0,
        ),
        Link(
            id="c-d",
            source="sat-c",
            target="ls-d",
            kind="satellite",
            orbit="leo",
            latency_ms=25.125,
        ),
    )
    return Topology(name="full", description="every field, ünïcode", nodes=nodes, links=links)


def read_quietly(path: Path) -> Topology:
    """Read a topology, failing the test on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_topology(path)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml"])
def test_round_trip_preserves_every_field(tmp_path: Path, suffix: str) -> None:
    topology = full_topology()
    path = tmp_path / f"net{suffix}"
    write_topology(topology, path)
    back = read_quietly(path)
    assert back.to_document() == topology.to_document()
    assert [e.id for e in back.links] == [e.id for e in topology.links]


def test_graphml_is_a_networkx_multigraph_with_json_lists(tmp_path: Path) -> None:
    path = tmp_path / "net.graphml"
    write_graphml(full_topology(), path)
    g = nx.read_graphml(path, edge_key_type=str)
    assert isinstance(g, nx.MultiGraph)
    assert g.number_of_edges("ex-a", "gw-b") == 2
    data = g.edges["ex-a", "gw-b", "a-b-1"]
    assert data["id"] == "a-b-1"
    assert data["srlg"] == '["sh1-corridor", "cook-strait"]'
    assert data["route"].startswith("[[-41.2865, 174.7762]")
    assert "orbit" not in data  # None values are omitted
    assert g.nodes["ex-a"]["critical"] is True
    assert g.nodes["ex-a"]["capacity_gbps"] == 400.0


# ---------------------------------------------------------------- foreign GraphML


def test_foreign_graphml_gets_defaults_and_one_warning(tmp_path: Path) -> None:
    g = nx.MultiGraph()
    g.add_node("Wellington", Latitude=-41.2865, Longitude=174.7762, label="Wgtn")
    g.add_node("Auckland", lat=-36.8485, lon=174.7633)
    g.add_node("Hamilton", weight=3)
    g.add_edge("Wellington", "Auckland")
    g.add_edge("Wellington", "Auckland")  # parallel
    g.add_edge("Auckland", "Hamilton", capacity_gbps=40.0)
    path = tmp_path / "foreign.graphml"
    nx.write_graphml(g, path)

    with pytest.warns(InputWarning) as record:
        topology = read_graphml(path)
    ours = [w for w in record if issubclass(w.category, InputWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    assert str(path) in message
    assert "nodes[*].kind missing on 3 of 3 nodes" in message
    assert "links[*].kind missing on 3 of 3 links" in message
    assert "links[*].capacity_gbps missing on 2 of 3 links" in message

    assert topology.name == "foreign"
    assert [n.kind.value for n in topology.nodes] == ["exchange"] * 3
    wellington = topology.node("Wellington")
    assert (wellington.lat, wellington.lon, wellington.name) == (-41.2865, 174.7762, "Wgtn")
    assert topology.node("Auckland").lat == -36.8485
    # networkx writes its per-pair keys (0, 1, 0) as edge ids: not unique, so replaced
    assert [e.id for e in topology.links] == [
        "Wellington--Auckland",
        "Wellington--Auckland#2",
        "Auckland--Hamilton",
    ]
    assert [e.capacity_gbps for e in topology.links] == [10.0, 10.0, 40.0]
    assert {e.kind.value for e in topology.links} == {"terrestrial_fiber"}


def test_graphml_without_namespace_or_edge_ids(tmp_path: Path) -> None:
    path = tmp_path / "plain.graphml"
    path.write_text(
        '<?xml version="1.0"?><graphml><key id="k" for="node" attr.name="kind" '
        'attr.type="string"/><graph edgedefault="undirected">'
        '<node id="a"><data key="k">ixp</data></node><node id="b"><data key="k">ixp</data></node>'
        '<edge source="a" target="b"/></graph></graphml>',
        encoding="utf-8",
    )
    with pytest.warns(InputWarning, match="links"):
        topology = read_graphml(path)
    assert [n.kind.value for n in topology.nodes] == ["ixp", "ixp"]
    assert [e.id for e in topology.links] == ["a--b"]


# ---------------------------------------------------------------- bad GraphML


def _graphml_with(tmp_path: Path, node_kind: str, edge_target: str) -> Path:
    path = tmp_path / "bad.graphml"
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="nk" for="node" attr.name="kind" attr.type="string"/>
  <key id="ek" for="edge" attr.name="kind" attr.type="string"/>
  <graph edgedefault="undirected">
    <node id="x"><data key="nk">{node_kind}</data></node>
    <node id="y"><data key="nk">exchange</data></node>
    <edge id="e1" source="x" target="{edge_target}"><data key="ek">microwave</data></edge>
  </graph>
</graphml>
""",
        encoding="utf-8",
    )
    return path


def test_bad_graphml_kind_names_file_and_field(tmp_path: Path) -> None:
    path = _graphml_with(tmp_path, "exchnage", "y")
    with pytest.raises(InputError) as info:
        read_topology(path)
    assert f"{path}: nodes[x].kind:" in str(info.value)


def test_bad_graphml_link_to_undefined_node(tmp_path: Path) -> None:
    path = _graphml_with(tmp_path, "exchange", "ghost")
    with pytest.raises(InputError) as info:
        read_topology(path)
    assert f"{path}: links[e1].target:" in str(info.value)
    assert "'ghost' is not defined" in str(info.value)


def test_bad_graphml_route_not_json(tmp_path: Path) -> None:
    g = nx.MultiGraph()
    g.add_node("a", kind="exchange")
    g.add_node("b", kind="exchange")
    g.add_edge("a", "b", key="l", id="l", kind="microwave", capacity_gbps=1.0, route="[[1, 2],")
    path = tmp_path / "route.graphml"
    nx.write_graphml(g, path)
    with pytest.raises(InputError) as info:
        read_graphml(path)
    assert f"{path}: links[l].route:" in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"\x00\xff\xfe garbage \x89PNG", b"<graphml><graph>", b"<svg></svg>", b""],
    ids=["binary", "truncated", "not-graphml", "empty"],
)
def test_unreadable_graphml_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.graphml"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_topology(path)
    assert str(info.value).startswith(f"{path}: ")
    error = info.value  # raised "from None": no chained parser traceback
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# ---------------------------------------------------------------- Topology Zoo


def _zoo_counts(text: str) -> tuple[int, int, int]:
    """Node blocks, edge blocks and self-loop edge blocks of a GML text."""
    n_nodes = len(_NODE_BLOCK.findall(text))
    blocks = _EDGE_BLOCK.findall(text)
    loops = sum(_SOURCE.search(b).group(1) == _TARGET.search(b).group(1) for b in blocks)
    return n_nodes, len(blocks), loops


@pytest.mark.parametrize("path", ZOO_PARAMS)
def test_every_zoo_file_imports(path: Path) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        topology = read_zoo_gml(path)
    n_nodes, n_edges, n_loops = _zoo_counts(path.read_text(encoding="utf-8"))
    assert topology.n_nodes == n_nodes
    assert topology.n_links == n_edges - n_loops
    assert len(set(topology.node_index)) == n_nodes
    assert len(set(topology.link_index)) == topology.n_links
    assert all(issubclass(w.category, InputWarning) for w in record)
    assert all(str(w.message).startswith(f"{path}: ") for w in record)
    assert any("nodes[*].kind" in str(w.message) for w in record)


def _need_zoo(name: str) -> Path:
    path = ZOO_DIR / name
    if not path.is_file():
        pytest.skip(f"Topology Zoo data not found at {ZOO_DIR}")
    return path


def test_zoo_aarnet_known_answers() -> None:
    path = _need_zoo("Aarnet.gml")
    with pytest.warns(InputWarning):
        topology = read_topology(path)
    assert topology.name == "Aarnet"
    assert topology.n_nodes == 19
    assert topology.n_links == 24
    sydney = topology.node("Sydney1")
    assert (sydney.lat, sydney.lon) == (-33.86785, 151.20732)
    assert sydney.region == "Australia"
    assert sydney.kind.value == "exchange"
    assert all(e.kind.value == "terrestrial_fiber" for e in topology.links)


@pytest.mark.filterwarnings("ignore::resilience_sim.errors.InputWarning")
def test_zoo_duplicate_labels_get_suffixes() -> None:
    topology = read_zoo_gml(_need_zoo("Nsfcnet.gml"))
    assert topology.node("CERNET").name == "CERNET"
    assert topology.node("CERNET-2").name == "CERNET"
    assert topology.node("APAN-STAR").name == "APAN/STAR"
    assert topology.node("Peking-University").lat is None  # no coordinates in this file


def test_zoo_missing_labels_and_self_loops() -> None:
    with pytest.warns(InputWarning) as record:
        topology = read_zoo_gml(_need_zoo("HiberniaIreland.gml"))
    assert [n.id for n in topology.nodes][-2:] == ["node-6", "node-7"]  # labelled "None"
    messages = [str(w.message) for w in record]
    assert sum("nodes[*].kind" in m for m in messages) == 1
    assert sum("capacity_gbps" in m for m in messages) == 1

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        interoute = read_zoo_gml(_need_zoo("Interoute.gml"))
    assert any("skipped 2 self-loop" in str(w.message) for w in record)
    assert all(e.source != e.target for e in interoute.links)


def test_zoo_capacity_from_link_speed_raw(tmp_path: Path) -> None:
    path = tmp_path / "Tiny.gml"
    path.write_text(
        """graph [
  label "Tiny"
  node [ id 0 label "Alpha City" Latitude 10.5 Longitude 20.25 Country "Ruritania" ]
  node [ id 1 label "Alpha City" Internal 0 ]
  node [ id 2 Latitude 95.0 Longitude 0.0 ]
  node [ id 3 label "Beta" Latitude 1.0 ]
  edge [ source 0 target 1 LinkSpeedRaw 155520000.0 ]
  edge [ source 0 target 1 ]
  edge [ source 2 target 2 ]
  edge [ source 3 target 0 LinkSpeedRaw 10000000000.0 ]
]
""",
        encoding="utf-8",
    )
    with pytest.warns(InputWarning) as record:
        topology = read_zoo_gml(path)
    assert [n.id for n in topology.nodes] == ["Alpha-City", "Alpha-City-2", "node-2", "Beta"]
    assert topology.node("Alpha-City").region == "Ruritania"
    assert topology.node("Alpha-City-2").region == "unassigned"
    assert topology.node("node-2").lat is None  # latitude out of range: dropped
    assert topology.node("Beta").lat is None  # longitude missing: dropped
    assert [(e.id, e.capacity_gbps) for e in topology.links] == [
        ("Alpha-City--Alpha-City-2", 0.15552),
        ("Alpha-City--Alpha-City-2#2", 10.0),
        ("Beta--Alpha-City", 10.0),
    ]
    messages = " | ".join(str(w.message) for w in record)
    assert "no LinkSpeedRaw on 1 of 3 links" in messages
    assert "dropped the coordinates of 2 nodes" in messages
    assert "skipped 1 self-loop" in messages
    assert "no Country on 3 of 4 nodes" in messages


def test_unparseable_zoo_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.gml"
    path.write_text('graph [\n  node [ id 0 label "a" ]\n  node [ id 0 label "b" \n', "utf-8")
    with pytest.raises(InputError) as info:
        read_topology(path)
    assert str(info.value).startswith(f"{path}: <document>: ")
