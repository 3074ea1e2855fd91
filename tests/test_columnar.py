"""Columnar topologies (Parquet): same errors, same topology, same results as YAML.

* every bad topology document of tests/test_bad_input.py that a Parquet file can hold
  gives, read from Parquet, exactly the problems (field paths and messages) it gives
  from YAML;
* shipped topologies round-trip YAML -> Parquet -> YAML unchanged, and the objects
  built lazily from the columns equal the ones pydantic builds from YAML;
* every shipped scenario run on its Parquet-converted topology gives the pinned golden
  table hashes of tests/test_golden_traces.py, bit for bit;
* compile from columns equals a reference compile from objects on hand-built cases
  (routes of odd and even length, one located end, grid-region feeds, dependencies).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from test_bad_input import CASES, T
from test_golden_traces import GOLDEN, REPLICATIONS, SEED, table_hash
from tiny_documents import TOPOLOGY

import resilience_sim as rs
from resilience_sim.geo import haversine_km, polyline_length_km
from resilience_sim.topology import Link, Node, Topology, compile_topology
from resilience_sim.topology.column_checks import COLUMN_RULES, uncovered_validators
from resilience_sim.topology.io import read_topology, write_topology
from resilience_sim.topology.io.columnar import (
    FORMAT_VERSION,
    LINK_PREFIX,
    METADATA_KEY,
    NODE_PREFIX,
    file_schema,
)
from resilience_sim.topology.io.native import topology_to_dict
from resilience_sim.topology.table import model_schema

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "topologies").glob("*.yaml"))


def write_raw_parquet(document: dict, path: Path) -> None:
    """Write a (possibly invalid) topology document as Parquet, value for value.

    Columns take the model's type where the values fit it, else the type Arrow infers
    (a string in a number column stays a string: the reader must report it).
    """
    tables = []
    rows = {"node": document.get("nodes", []), "link": document.get("links", [])}
    n_nodes, n_links = len(rows["node"]), len(rows["link"])
    for which, model in (("node", Node), ("link", Link)):
        keys = list(dict.fromkeys(k for row in rows[which] for k in row))
        types = {f.name: f.type for f in model_schema(model)}
        columns = {}
        for key in keys:
            values = [row.get(key) for row in rows[which]]
            try:
                columns[f"{which}_{key}"] = pa.array(values, type=types.get(key))
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                columns[f"{which}_{key}"] = pa.array([json.dumps(v) for v in values])
        tables.append(columns)
    meta = {"version": FORMAT_VERSION, "n_nodes": n_nodes, "n_links": n_links}
    for key in ("name", "description"):
        if key in document:
            meta[key] = document[key]
    names = {name: col.type for t in tables for name, col in t.items()}
    schema = pa.schema(list(names.items()), metadata={METADATA_KEY: json.dumps(meta).encode()})
    with pq.ParquetWriter(path, schema) as writer:
        for table, n in zip(tables, (n_nodes, n_links), strict=True):
            if n:
                arrays = [table.get(k, pa.nulls(n, t)) for k, t in names.items()]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema.remove_metadata()))


def _problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(rs.InputError) as info:
        read_topology(path)
    return [(p.field, p.message) for p in info.value.problems]


def _mutated(case) -> dict | None:
    doc = copy.deepcopy(TOPOLOGY)
    replaced = case.mutate(doc)
    doc = doc if replaced is None else replaced
    # a Parquet file always has a node table: "no nodes" is an empty one, not a missing key
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
        return None
    rows = [*doc.get("nodes", []), *doc.get("links", [])]
    if not all(isinstance(r, dict) for r in rows) or set(doc) - {
        "name",
        "description",
        "nodes",
        "links",
    }:
        return None
    return doc


PARQUET_CASES = [c for c in CASES if c.target == T and _mutated(c) is not None]


def test_most_bad_topology_cases_can_be_written_as_parquet():
    assert len(PARQUET_CASES) >= 20


@pytest.mark.parametrize("case", PARQUET_CASES, ids=lambda c: c.id)
def test_bad_parquet_gives_the_yaml_errors(tmp_path, case):
    doc = _mutated(case)
    as_yaml, as_parquet = tmp_path / "net.yaml", tmp_path / "net.parquet"
    as_yaml.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    write_raw_parquet(doc, as_parquet)
    from_yaml = _problems(as_yaml)
    assert (case.field, next(m for f, m in from_yaml if f == case.field)) in from_yaml
    assert _problems(as_parquet) == from_yaml


def test_several_bad_rows_are_reported_in_file_order(tmp_path):
    doc = copy.deepcopy(TOPOLOGY)
    doc["nodes"][3]["lat"] = 95.0
    doc["nodes"][0]["battery_h"] = -1.0
    doc["nodes"][2].pop("id")
    doc["links"][1]["source"] = doc["links"][1]["target"]
    write_raw_parquet(doc, tmp_path / "net.parquet")
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    got = _problems(tmp_path / "net.parquet")
    assert got == _problems(tmp_path / "net.yaml")
    assert [f for f, _ in got] == [
        "nodes[core-1].battery_h",
        "nodes[2].id",
        "nodes[tower-2].lat",
        "links[l2]",
    ]


def test_every_model_validator_has_a_column_form():
    for model in (Node, Link):
        assert uncovered_validators(model) == set(), model
    assert set(COLUMN_RULES) == {Node, Link}


def test_a_column_of_the_wrong_type_is_named(tmp_path):
    doc = copy.deepcopy(TOPOLOGY)
    for node in doc["nodes"]:
        node["population"] = "many"
    write_raw_parquet(doc, tmp_path / "net.parquet")
    (tmp_path / "net.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    got = _problems(tmp_path / "net.parquet")
    assert got == _problems(tmp_path / "net.yaml")
    assert len(got) == len(doc["nodes"])


def test_a_file_without_topology_metadata_is_refused(tmp_path):
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), path)
    assert _problems(path) == [("", "not a resilience-sim topology (no 'resilience_sim' metadata)")]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_topology_round_trips(tmp_path, path):
    original = read_topology(path)
    write_topology(original, tmp_path / "t.parquet")
    back = read_topology(tmp_path / "t.parquet")
    assert back == original
    assert back.nodes == original.nodes and back.links == original.links
    assert topology_to_dict(back) == topology_to_dict(original)
    write_topology(back, tmp_path / "again.yaml")
    assert read_topology(tmp_path / "again.yaml") == original


def test_file_schema_follows_the_models():
    names = file_schema().names
    assert names == [NODE_PREFIX + f for f in Node.model_fields] + [
        LINK_PREFIX + f for f in Link.model_fields
    ]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_scenario_on_parquet_topology_gives_the_golden_tables(tmp_path, name):
    source = ROOT / "scenarios" / f"{name}.yaml"
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    topology = read_topology((source.parent / spec["topology"]).resolve())
    write_topology(topology, tmp_path / "net.parquet")
    spec["topology"] = "net.parquet"
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    scenario = rs.load_scenario(tmp_path / "s.yaml")
    result = rs.simulate(scenario, replications=REPLICATIONS, seed=SEED)
    assert {t: table_hash(getattr(result, t)) for t in GOLDEN[name]} == GOLDEN[name]


# ------------------------------------------------------------ compile from columns
def _reference_arrays(topology: Topology) -> dict[str, np.ndarray]:
    """Asset positions and link lengths computed object by object (the old compile)."""
    n, m = topology.n_nodes, topology.n_links
    lat, lon = np.full(n + m, np.nan), np.full(n + m, np.nan)
    for i, node in enumerate(topology.nodes):
        if node.lat is not None:
            lat[i], lon[i] = node.lat, node.lon
    lengths = []
    for j, link in enumerate(topology.links):
        points = topology.link_points(link)
        if len(points) % 2:
            lat[n + j], lon[n + j] = points[len(points) // 2]
        elif points:
            (a_lat, a_lon), (b_lat, b_lon) = points[len(points) // 2 - 1], points[len(points) // 2]
            if abs(b_lon - a_lon) > 180.0:
                b_lon += 360.0 if b_lon < a_lon else -360.0
            mid = 0.5 * (a_lon + b_lon)
            mid = mid - 360.0 if mid > 180.0 else mid + 360.0 if mid < -180.0 else mid
            lat[n + j], lon[n + j] = 0.5 * (a_lat + b_lat), mid
        lengths.append(topology.link_length_km(link))
    return {
        "lat": lat,
        "lon": lon,
        "length": np.array([np.nan if x is None else x for x in lengths]),
    }


def test_compile_from_columns_matches_objects_bit_for_bit():
    nodes = [
        Node(id="a", kind="exchange", lat=10.0, lon=179.5, power_feed="grid-east", core=True),
        Node(id="b", kind="exchange", lat=10.5, lon=-179.0, power_feed="ps", depends_on=["ab"]),
        Node(
            id="c", kind="cell_site", population=30, power_feed="grid-west", depends_on=["a", "b"]
        ),
        Node(id="d", kind="gateway", lat=-3.25, lon=20.125),
        Node(id="ps", kind="power_substation", lat=10.2, lon=179.9),
    ]
    links = [
        Link(id="ab", source="a", target="b", kind="terrestrial_fiber"),
        Link(id="ac", source="a", target="c", kind="microwave"),  # c has no location
        Link(
            id="bd",
            source="b",
            target="d",
            kind="submarine_cable",
            route=[(10.5, -179.0), (5.0, -170.0), (-3.25, 20.125)],
        ),
        Link(
            id="ad",
            source="a",
            target="d",
            kind="submarine_cable",
            length_km=12_345.6,
            route=[(10.0, 179.5), (4.0, 175.0), (1.0, 100.0), (-3.25, 20.125)],
        ),
        Link(id="cd", source="c", target="d", kind="satellite", orbit="geo", latency_ms=280),
    ]
    topology = Topology("hand", tuple(nodes), tuple(links))
    arrays = compile_topology(topology, standby={"cd": 96.0})
    ref = _reference_arrays(topology)
    assert arrays.asset_lat.tobytes() == ref["lat"].tobytes()
    assert arrays.asset_lon.tobytes() == ref["lon"].tobytes()
    assert arrays.link_length_km.tobytes() == ref["length"].tobytes()
    # hand-checked: ab crosses the antimeridian, its middle is at lon 180.25 -> -179.75
    assert arrays.asset_lon[5] == -179.75
    assert arrays.link_length_km[0] == float(haversine_km(10.0, 179.5, 10.5, -179.0))
    assert arrays.link_length_km[2] == polyline_length_km(links[2].route)
    assert arrays.link_length_km[3] == 12_345.6
    assert arrays.asset_lat[6] == 10.0 and arrays.asset_lon[6] == 179.5  # c has no location
    assert arrays.grid_regions == ("grid-east", "grid-west")
    assert arrays.power_feed_region.tolist() == [0, -1, 1, -1, -1]
    assert arrays.power_feed_node.tolist() == [-1, 4, -1, -1, -1]
    assert arrays.dependency_src.tolist() == [1, 2, 2]
    assert arrays.dependency_dst.tolist() == [5, 0, 1]
    assert arrays.is_core.tolist() == [True, False, False, False, False]
    assert arrays.is_international.tolist() == [False, False, False, True, False]
    assert arrays.standby.tolist() == [False] * 9 + [True]
    assert np.isnan(arrays.link_latency_ms[:4]).all() and arrays.link_latency_ms[4] == 280


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_native_document_from_columns_is_pydantics_dump(path):
    topology = read_topology(path)
    expected = topology.to_document().model_dump(mode="json", exclude_defaults=True)
    got = topology_to_dict(topology)
    assert json.dumps(got) == json.dumps(expected | {"name": topology.name})


def test_yaml_writer_reproduces_the_shipped_large_file(tmp_path):
    """`topology generate ... --out national_10k.yaml` (topologies/README.md), byte for byte."""
    large = ROOT / "topologies" / "national_10k.yaml"
    write_topology(read_topology(large), tmp_path / "again.yaml")
    assert (tmp_path / "again.yaml").read_bytes() == large.read_bytes()


def test_max_memory_estimate_of_a_parquet_file_goes_by_rows(tmp_path):
    from resilience_sim.experiments.limits import topology_load_bytes
    from resilience_sim.memory import PARQUET_BYTES_PER_ROW, PARQUET_FIXED_BYTES

    topology = read_topology(ROOT / "topologies" / "archipelago.yaml")
    write_topology(topology, tmp_path / "a.parquet")
    rows = topology.n_nodes + topology.n_links
    assert topology_load_bytes(tmp_path / "a.parquet") == (
        PARQUET_FIXED_BYTES + PARQUET_BYTES_PER_ROW * rows
    )


def test_topology_convert_command(tmp_path):
    from click.testing import CliRunner

    from resilience_sim.cli import cli

    source = ROOT / "topologies" / "landlocked.yaml"
    target = tmp_path / "landlocked.parquet"
    done = CliRunner().invoke(cli, ["topology", "convert", str(source), str(target)])
    assert done.exit_code == 0, done.output
    assert read_topology(target) == read_topology(source)
    refused = CliRunner().invoke(cli, ["topology", "convert", str(source), str(tmp_path / "x.gml")])
    assert refused.exit_code == 2
    assert f"{tmp_path / 'x.gml'}: <document>: unknown format" in refused.output
    assert not (tmp_path / "x.gml").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.read_text().replace("kind: exchange", "kind: exchnage", 1))
    failed = CliRunner().invoke(cli, ["topology", "convert", str(bad), str(tmp_path / "b.parquet")])
    assert failed.exit_code == 2 and "kind: Input should be" in failed.output
    assert not (tmp_path / "b.parquet").exists()
    validated = CliRunner().invoke(cli, ["validate", str(target)])
    assert validated.exit_code == 0 and "valid topology" in validated.output
