"""Cell sites -> topology: backhaul heuristic, population by coverage, import-cells CLI.

Hand-worked answers on tiny inputs (sites on the equator, where a degree of longitude is
111.195 km), plus the real OpenCelliD export when it is present (skips otherwise).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.topology import read_topology
from resilience_sim.topology.cell_import import import_cell_network
from resilience_sim.topology.cell_network import build_cell_network, grid_cells
from resilience_sim.topology.io.opencellid import Sites, cluster_sites, read_cells
from resilience_sim.topology.model import TopologyDocument
from resilience_sim.topology.population import (
    SiteCoverage,
    assign_areas,
    assign_raster,
    largest_remainder,
    read_areas,
)

_CANDIDATES = [
    Path(__file__).resolve().parents[2] / "shared" / "data" / "opencellid",
    Path("/work/shared/data/opencellid"),
]
OPENCELLID = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[-1])
REAL = OPENCELLID / "OCID-diff-cell-export-2022-09-10.csv"
HEADER = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal"
)


def _sites(lon: list[float], operators: list[tuple[str, ...]] | None = None) -> Sites:
    n = len(lon)
    operators = operators or [("440-10",)] * n
    return Sites(
        lat=np.zeros(n),
        lon=np.asarray(lon, float),
        operators=operators,
        radios=[("LTE",)] * n,
        n_cells=np.ones(n, dtype=np.int64),
        range_m=np.full(n, 1000.0),
    )


# Two clusters of three sites 0.01 deg (1.112 km) apart, 1 deg apart from each other.
LONS = [10.00, 10.01, 10.02, 11.05, 11.06, 11.07]


def test_grid_cells_split_where_hand_computed():
    # columns: floor((lon + 180) * 111.195 * cos(~0) / 10): 2112, 2112, 2112, 2124 x 3
    label = grid_cells(np.zeros(6), np.asarray(LONS), 10.0)
    assert label.tolist() == [0, 0, 0, 1, 1, 1]


def test_backhaul_microwave_up_to_the_limit_fibre_beyond():
    ops = [("440-10",), ("440-10", "440-20"), ("440-20",)] + [("440-10",)] * 3
    topology, counts = build_cell_network(
        _sites(LONS, ops), name="t", aggregation_km=10.0, exchange_km=50.0, microwave_max_km=1.0
    )
    # each cluster's aggregation node sits on its middle site (mean of a symmetric trio):
    # the middle site is 0 km from it (microwave), the outer ones 1.112 km (> 1 km: fibre)
    kinds = {lk.source: lk.kind.value for lk in topology.links if lk.source.startswith("site")}
    assert kinds == {
        "site-1": "terrestrial_fiber",
        "site-2": "microwave",
        "site-3": "terrestrial_fiber",
        "site-4": "terrestrial_fiber",
        "site-5": "microwave",
        "site-6": "terrestrial_fiber",
    }
    backhaul = {lk.source: lk for lk in topology.links if lk.source.startswith("site")}
    assert backhaul["site-1"].length_km == pytest.approx(1.112, abs=1e-3)
    assert backhaul["site-1"].target == "agg-1" and backhaul["site-4"].target == "agg-2"
    # 6 sites + 2 aggregation + 2 exchanges (columns 211 and 212 of the 50 km grid)
    assert [n.kind.value for n in topology.nodes].count("exchange") == 2
    assert topology.n_nodes == 10
    # 6 backhaul + 2 uplinks + 1 core link between the two exchanges
    assert topology.n_links == 9
    assert ("exchange-1", "exchange-2") in [(lk.source, lk.target) for lk in topology.links]
    sites = {n.id: n for n in topology.nodes if n.kind.value == "cell_site"}
    assert sites["site-2"].operator is None  # shared by two operators
    assert sites["site-1"].operator == "440-10" and sites["site-1"].battery_h == 3.0
    assert sites["site-1"].power_feed == "grid-exchange-1"
    assert backhaul["site-2"].operator is None and backhaul["site-3"].operator == "440-20"
    assert counts.n_shared_sites == 1 and counts.n_microwave == 2 and counts.n_fibre_backhaul == 4
    assert sites["site-1"].region == "exchange-1" and sites["site-6"].region == "exchange-2"
    TopologyDocument.model_validate(topology.to_document().model_dump())  # schema-valid


def test_backbone_exchanges_are_joined_and_kept_first():
    backbone = TopologyDocument.model_validate(
        {
            "name": "bb",
            "nodes": [
                {"id": "tokyo", "kind": "exchange", "lat": 0.0, "lon": 9.5, "region": "east"},
                {"id": "osaka", "kind": "exchange", "lat": 0.0, "lon": 11.5, "region": "west"},
                {"id": "x", "kind": "ixp"},
            ],
            "links": [
                {"id": "bb1", "source": "tokyo", "target": "osaka", "kind": "terrestrial_fiber"}
            ],
        }
    )
    from resilience_sim.topology.checks import build_topology

    topology, counts = build_cell_network(
        _sites(LONS), name="t", aggregation_km=10.0, backbone=build_topology(backbone, "bb.yaml")
    )
    assert [n.id for n in topology.nodes[:3]] == ["tokyo", "osaka", "x"]
    assert topology.links[0].id == "bb1"
    uplinks = {lk.source: lk.target for lk in topology.links if lk.source.startswith("agg")}
    assert uplinks == {"agg-1": "tokyo", "agg-2": "osaka"}
    assert counts.n_exchanges == 2 and topology.n_nodes == 3 + 6 + 2
    assert topology.node("site-6").region == "west"
    nodes_only = TopologyDocument.model_validate(
        {"name": "n", "nodes": [{"id": "x", "kind": "ixp"}]}
    )
    with pytest.raises(InputError, match=r"bb\.yaml: nodes: no exchange node"):
        build_cell_network(
            _sites(LONS),
            name="t",
            backbone=build_topology(nodes_only, "n"),
            backbone_file="bb.yaml",
        )


def test_largest_remainder_exact_totals():
    # quotas 3.5, 2.1, 1.4: floors 3, 2, 1 and the one left goes to the largest remainder
    assert largest_remainder(7, np.array([0.5, 0.3, 0.2])).tolist() == [4, 2, 1]
    assert largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist() == [4, 3, 3]
    assert largest_remainder(5, np.zeros(3)).tolist() == [0, 0, 0]
    rng = np.random.default_rng(12345)
    for _ in range(200):
        weights = rng.random(rng.integers(1, 50)) ** 3
        total = int(rng.integers(0, 10**9))
        parts = largest_remainder(total, weights)
        assert parts.sum() == total and parts.min() >= 0
        quota = total * weights / weights.sum()
        assert np.all(np.abs(parts - quota) < 1.0 + 1e-6)


def _areas(tmp_path: Path, rows: list[str], header: str = "name,population,lat,lon,wkt") -> Path:
    path = tmp_path / "areas.csv"
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_point_areas_voronoi_and_range(tmp_path):
    # sites at lon 0 and 1 on the equator; ranges 10 km and 50 km
    covering = SiteCoverage(np.zeros(2), np.array([0.0, 1.0]), np.array([10_000.0, 50_000.0]))
    path = _areas(tmp_path, ["a,100,0,0.2,", "b,50,0,0.9,", "c,7,0,0.05,"])
    areas = read_areas(path)
    voronoi = assign_areas(areas, covering, "voronoi")
    assert voronoi.site_users.tolist() == [107, 50] and voronoi.uncovered == 0
    # a is 22.2 km from site 0 (range 10 km) and 88.96 km from site 1 (range 50 km): uncovered
    ranged = assign_areas(areas, covering, "range")
    assert ranged.site_users.tolist() == [7, 50]
    assert ranged.uncovered == 100 and ranged.uncovered_by_area == {"a": 100}
    assert ranged.total == 157 == ranged.site_users.sum() + ranged.uncovered


def test_range_takes_a_farther_site_whose_range_reaches():
    # the point at lon 0.3 is nearest site 0 (range 1 km) but inside site 1's 100 km
    covering = SiteCoverage(np.zeros(2), np.array([0.0, 1.0]), np.array([1_000.0, 100_000.0]))
    assert covering.assign(np.zeros(1), np.array([0.3]), "range").tolist() == [1]


def test_polygon_areas_split_by_voronoi_overlap_with_holes(tmp_path):
    covering = SiteCoverage(np.zeros(2), np.array([0.0, 1.0]))
    square = "POLYGON ((0 -0.1, 1 -0.1, 1 0.1, 0 0.1, 0 -0.1))"
    holed = (
        "POLYGON ((0 -0.1, 1 -0.1, 1 0.1, 0 0.1, 0 -0.1), "
        "(0 -0.1, 0.5 -0.1, 0.5 0.1, 0 0.1, 0 -0.1))"
    )
    path = _areas(tmp_path, [f'sq,101,,,"{square}"', f'h,40,,,"{holed}"'])
    result = assign_areas(read_areas(path), covering, "voronoi")
    # the square halves at the Voronoi edge lon 0.5: 50.5 each, the tie goes to site 0;
    # the holed square keeps only its eastern half: all 40 to site 1
    assert result.site_users.tolist() == [51, 50 + 40]
    assert result.site_users.sum() == 141


def test_raster_population_is_split_by_pixel(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    path = tmp_path / "pop.tif"
    data = np.array([[10.4, 20.3], [-1.0, 5.0]], dtype="float32")
    with rasterio.open(
        path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
        crs="EPSG:4326", transform=from_origin(0.0, 1.0, 0.5, 0.5), nodata=-1.0,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    # pixel centres (lat, lon): (0.75, 0.25) -> site 0; (0.75, 0.75), (0.25, 0.75) -> site 1
    covering = SiteCoverage(np.array([0.75, 0.3]), np.array([0.25, 0.8]))
    result = assign_raster(path, covering, "voronoi")
    # weights 10.4 and 25.3 (float32), total round(35.7) = 36: quotas 10.49, 25.51 -> 10, 26
    assert result.total == 36 and result.site_users.tolist() == [10, 26]


def test_bad_areas_name_file_line_and_field(tmp_path):
    bad = _areas(tmp_path, ["a,12.5,0,0,"])
    with pytest.raises(InputError, match=r"areas\.csv: line 2\.population: must be a whole"):
        read_areas(bad)
    bad = _areas(tmp_path, ["a,1,0,0,", 'b,2,,,"POLYGON ((0 0, 1 0, 1 1))"'])
    with pytest.raises(InputError, match=r"areas\.csv: line 3\.wkt: each WKT ring needs >= 4"):
        read_areas(bad)
    bad = _areas(tmp_path, ["a,1"], header="name,population")
    with pytest.raises(InputError, match=r"areas\.csv: lat: missing column"):
        read_areas(bad)
    bad = _areas(tmp_path, ["a,1,95,0,"])
    with pytest.raises(InputError, match=r"line 2\.lat: outside \+-90 degrees"):
        read_areas(bad)


def _cells_csv(tmp_path: Path) -> Path:
    rows = [
        "LTE,440,10,1,1,0,10.000,0.0,2000,1,1,0,0,0",
        "UMTS,440,20,1,2,0,10.0002,0.0,500,1,1,0,0,0",  # 22 m away: same site
        "LTE,440,10,1,3,0,10.020,0.0,1000,1,1,0,0,0",
        "LTE,441,0,1,4,0,11.050,0.0,,1,1,0,0,0",  # blank range, second Japanese MCC
        "GSM,262,2,1,5,0,10.01,0.0,1000,1,1,0,0,0",
    ]
    path = tmp_path / "cells.csv"
    path.write_text(HEADER + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_import_cells_cli_writes_topology_with_exact_users(tmp_path):
    cells = _cells_csv(tmp_path)
    areas = _areas(tmp_path, ["west,1001,0,10.001,", "east,333,0,11.0,"])
    out = tmp_path / "net.parquet"
    args = ["topology", "import-cells", str(cells), "--mcc", "440,441", "--population", str(areas)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cells: 4 -> 3 sites (1 shared" in result.output
    topology = read_topology(out)
    users = {n.id: n.population for n in topology.nodes if n.kind.value == "cell_site"}
    assert users == {"site-1": 1001.0, "site-2": 0.0, "site-3": 333.0}
    assert topology.node("site-1").radios == ["LTE", "UMTS"]
    # range mode: east (at lon 11.0) is 5.6 km from site 3, which has no range: uncovered
    ranged = CliRunner().invoke(cli, [*args, "--coverage", "range", "--out", str(out)])
    assert ranged.exit_code == 0
    assert "333 covered by no site" in ranged.output
    assert "1 site(s) have no range" in ranged.output


def test_import_cells_bad_input_exits_2_and_writes_nothing(tmp_path):
    cells = _cells_csv(tmp_path)
    out = tmp_path / "net.yaml"
    base = ["topology", "import-cells", str(cells), "--out", str(out)]
    for extra, message in (
        (["--mcc", "440", "--bbox", "1,2,3"], "--bbox: 1,2,3: give S,W,N,E"),
        (["--mcc", "999"], "cells.csv: mcc: no cell with mcc [999]"),
        (["--mcc", "440", "--aggregation-km", "0"], "--aggregation-km: 0.0: must be a positive"),
        (
            ["--mcc", "440", "--population", str(_areas(tmp_path, ["a,x,0,0,"]))],
            "line 2.population: not a number",
        ),
    ):
        result = CliRunner().invoke(cli, base + extra)
        assert result.exit_code == 2, extra
        assert message in result.output
        assert "Traceback" not in result.output
        assert not out.exists()
    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + "\nLTE,440,10,1,1,0,10.0,0.0,far,1,1,0,0,0\n")
    result = CliRunner().invoke(
        cli, ["topology", "import-cells", str(broken), "--mcc", "440", "--out", str(out)]
    )
    assert (
        result.exit_code == 2
        and "broken.csv: line 2.range: not a non-negative number" in result.output
    )


def test_real_export_japan_has_two_mccs():
    if not REAL.exists():
        pytest.skip(f"{REAL} absent")
    # SOURCE.md's 5,086 Japanese cells are 5,085 with MCC 440 plus one with 441 (Japan's
    # second MCC; net 0, at 33.96 N 131.24 E), checked with awk -F, '$2==441' on the file.
    assert len(read_cells(REAL, mcc=440)) == 5085
    cells = read_cells(REAL, mcc=[440, 441])
    assert len(cells) == 5086
    assert cells["operator"].value_counts()["441-0"] == 1
    result = import_cell_network(REAL, [440, 441], population_total=1_000_000)
    topology = result.topology
    sites = cluster_sites(cells)
    assert result.counts.n_sites == len(sites.lat)
    assert sum(n.population for n in topology.nodes) == 1_000_000
    kinds = {lk.kind.value for lk in topology.links}
    assert kinds <= {"microwave", "terrestrial_fiber"}
    # every site reaches an exchange (one connected network)
    import networkx as nx

    assert nx.is_connected(topology.to_networkx())


def test_domestic_landing_stations_join_the_nearest_exchange_within_reach():
    from resilience_sim.topology.checks import build_topology
    from resilience_sim.topology.merge import join_landing_stations

    base, _ = build_cell_network(_sites(LONS), name="t", aggregation_km=10.0, exchange_km=50.0)
    cables = TopologyDocument.model_validate(
        {
            "name": "c",
            "nodes": [
                {"id": "near", "kind": "landing_station", "lat": 0.0, "lon": 10.5},
                {"id": "far", "kind": "landing_station", "lat": 0.0, "lon": 13.0},
                {"id": "abroad", "kind": "landing_station", "lat": 0.0, "lon": 11.2,
                 "international": True},
            ],
            "links": [
                {"id": "c1", "source": "near", "target": "abroad", "kind": "submarine_cable"},
                {"id": "c2", "source": "far", "target": "abroad", "kind": "submarine_cable"},
            ],
        }
    )  # fmt: skip
    merged = join_landing_stations(base, build_topology(cables, "c.yaml"), max_km=100.0)
    # exchanges sit at lon 10.01 and 11.06: "near" is 0.49 deg (54.5 km) from exchange-1
    # and 0.56 deg (62.3 km) from exchange-2; "far" is 1.94 deg (215.7 km) from exchange-2;
    # "abroad" is international: not joined
    assert merged.joined == [
        ("near", "exchange-1", pytest.approx(54.486, abs=1e-3)),
        ("near", "exchange-2", pytest.approx(62.269, abs=1e-3)),
    ]
    assert merged.n_not_joined == 1
    topology = merged.topology
    assert topology.n_nodes == base.n_nodes + 3
    assert topology.n_links == base.n_links + 2 + 2
    one = join_landing_stations(base, build_topology(cables, "c.yaml"), n_exchanges=1)
    assert [x[1] for x in one.joined] == ["exchange-1"]
    assert topology.link("near--exchange-1").kind.value == "terrestrial_fiber"


def test_declared_gateways_join_their_two_nearest_exchanges():
    """Exchanges at lon 10.01 and 11.06 on the equator: a gateway at lon 10.5 is 0.49 deg
    (54.486 km) and 0.56 deg (62.269 km) away; it is international, so the sites are
    served internationally through it, and a bad --gateway names the option."""
    from resilience_sim.cli.topology_cells import parse_gateway
    from resilience_sim.topology.merge import Gateway, add_gateways

    base, _ = build_cell_network(_sites(LONS), name="t", aggregation_km=10.0, exchange_km=50.0)
    added = add_gateways(base, [parse_gateway("0,10.5,gw")])
    assert parse_gateway("0,10.5,gw") == Gateway("gw", 0.0, 10.5)
    assert added.joined == [
        ("gw", "exchange-1", pytest.approx(54.486, abs=1e-3)),
        ("gw", "exchange-2", pytest.approx(62.269, abs=1e-3)),
    ]
    topology = added.topology
    assert topology.n_nodes == base.n_nodes + 1 and topology.n_links == base.n_links + 2
    assert topology.node("gw").international and topology.node("gw").kind.value == "gateway"
    assert topology.international_node_ids() == ["gw"]
    for text in ("0,10.5", "91,0,gw", "x,0,gw", "0,0,"):
        with pytest.raises(InputError, match=r"--gateway: .*give LAT,LON,ID"):
            parse_gateway(text)


ROOT = Path(__file__).resolve().parents[1]


def test_build_script_says_when_the_data_is_absent(tmp_path):
    import subprocess

    result = subprocess.run(
        [str(ROOT / "scripts" / "build-japan-example"), str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "shared data absent" in result.stderr


def test_shipped_japan_example_is_the_build_script_output(tmp_path):
    """topologies/japan_kanto.yaml equals what scripts/build-japan-example writes."""
    import subprocess
    import sys

    if not REAL.exists():
        pytest.skip("shared data absent")
    work = tmp_path / "repo"
    (work / "scripts").mkdir(parents=True)
    (work / "topologies").mkdir()
    script = work / "scripts" / "build-japan-example"
    script.write_bytes((ROOT / "scripts" / "build-japan-example").read_bytes())
    script.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    subprocess.run([str(script), str(OPENCELLID.parent)], check=True, env=env, capture_output=True)
    built = read_topology(work / "topologies" / "japan_kanto.yaml")
    shipped = read_topology(ROOT / "topologies" / "japan_kanto.yaml")

    # Equal but for the last printed digit of a coordinate (1e-6 deg, ~0.1 m): cluster
    # centroids are float means whose rounding can differ between numpy builds and CPUs.
    def points(topo):
        return np.array([(n.lat, n.lon) for n in topo.nodes])

    def without_points(topo):
        return [n.model_copy(update={"lat": 0.0, "lon": 0.0}) for n in topo.nodes]

    assert without_points(built) == without_points(shipped)
    assert list(built.links) == list(shipped.links)
    np.testing.assert_allclose(points(built), points(shipped), rtol=0, atol=1.5e-6)
    assert (ROOT / "topologies" / "japan_kanto.yaml").stat().st_size < 2_000_000
    assert sum(n.population for n in shipped.nodes) == 36_930_000


def test_projected_raster_is_transformed_to_lon_lat(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    # Web Mercator, two 100 km pixels along the equator: centres x = 50 and 150 km, i.e.
    # lon 0.449 and 1.347 deg (x / 6378.137 km in radians), y = 50 km (lat 0.449 deg)
    path = tmp_path / "pop3857.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=2, height=1, count=1, dtype="float64",
        crs="EPSG:3857", transform=from_origin(0.0, 100_000.0, 100_000.0, 100_000.0),
    ) as dst:  # fmt: skip
        dst.write(np.array([[3.0, 4.0]]), 1)
    covering = SiteCoverage(np.array([0.45, 0.45]), np.array([0.40, 1.40]))
    assert assign_raster(path, covering, "voronoi").site_users.tolist() == [3, 4]
    # the second pixel centre is 0.053 deg (5.9 km) from site 1: outside a 5 km range
    ranged = SiteCoverage(np.array([0.45, 0.45]), np.array([0.40, 1.40]), np.array([9e3, 5e3]))
    result = assign_raster(path, ranged, "range")
    assert result.site_users.tolist() == [3, 0] and result.uncovered == 4


def test_more_bad_files(tmp_path):
    fake = tmp_path / "pop.tif"
    fake.write_text("not a raster")
    covering = SiteCoverage(np.zeros(1), np.zeros(1))
    with pytest.raises(InputError, match=r"pop\.tif: <document>: cannot read raster"):
        assign_raster(fake, covering, "voronoi")
    bad = _areas(tmp_path, ['a,1,,,"POLYGON ((0 0, 1 0, 1 1, 0 0)"'])
    with pytest.raises(InputError, match=r"line 2\.wkt: unbalanced parentheses"):
        read_areas(bad)
    bad = _areas(tmp_path, ['a,1,,,"LINESTRING (0 0, 1 1)"'])
    with pytest.raises(InputError, match=r"line 2\.wkt: WKT must be POLYGON"):
        read_areas(bad)
    header_only = tmp_path / "empty.csv"
    header_only.write_text(HEADER + "\n")
    assert len(read_cells(header_only, mcc=440)) == 0
    out = tmp_path / "x.yaml"
    args = ["topology", "import-cells", str(header_only), "--mcc", "440", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "empty.csv: mcc: no cell with mcc [440]" in result.output


def test_assign_population_to_an_existing_topology(tmp_path):
    topo = tmp_path / "net.yaml"
    topo.write_text(
        "name: net\n"
        "nodes:\n"
        "  - {id: a, kind: cell_site, lat: 0.0, lon: 0.0, population: 9}\n"
        "  - {id: b, kind: cell_site, lat: 0.0, lon: 1.0}\n"
        "  - {id: x, kind: exchange, lat: 0.0, lon: 0.5, population: 5}\n"
        "  - {id: nowhere, kind: cell_site}\n"
        "links:\n"
        "  - {id: l1, source: a, target: x, kind: microwave}\n"
        "  - {id: l2, source: b, target: x, kind: microwave}\n"
    )
    areas = _areas(tmp_path, ["p,10,0,0.1,", "q,21,0,0.7,"])
    out = tmp_path / "out.yaml"
    args = ["topology", "assign-population", str(topo), "--population", str(areas)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "users: 31 in the data, 31 on cell_site nodes, 0 covered by no node" in result.output
    back = read_topology(out)
    # p (lon 0.1) is nearest a, q (lon 0.7) nearest b; the exchange keeps its 5; the
    # unlocated site gets none and keeps its 0
    assert [n.population for n in back.nodes] == [10.0, 21.0, 5.0, 0.0]
    bad = CliRunner().invoke(
        cli, [*args[:3], "--population", str(tmp_path / "no.csv"), "--out", str(out)]
    )
    assert bad.exit_code == 2 and "no.csv: <document>: no such file" in bad.output


def test_import_cells_cli_onto_a_backbone_file(tmp_path):
    backbone = tmp_path / "bb.yaml"
    backbone.write_text(
        "name: bb\n"
        "nodes:\n"
        "  - {id: west, kind: exchange, lat: 0.0, lon: 9.9, region: w}\n"
        "  - {id: east, kind: exchange, lat: 0.0, lon: 11.2, region: e}\n"
        "links:\n"
        "  - {id: bb1, source: west, target: east, kind: terrestrial_fiber}\n"
    )
    out = tmp_path / "net.yaml"
    args = ["topology", "import-cells", str(_cells_csv(tmp_path)), "--mcc", "440,441"]
    result = CliRunner().invoke(cli, [*args, "--backbone", str(backbone), "--out", str(out)])
    assert result.exit_code == 0, result.output
    topology = read_topology(out)
    assert [n.id for n in topology.nodes[:2]] == ["west", "east"]
    # sites at lon 10.0 and 10.02 share a 20 km aggregation cell; the one at 11.05 has its own
    uplinks = sorted((lk.source, lk.target) for lk in topology.links if lk.source.startswith("agg"))
    assert uplinks == [("agg-1", "west"), ("agg-2", "east")]
    assert {n.region for n in topology.nodes if n.kind.value == "cell_site"} == {"w", "e"}
    assert "warning: " in result.output and "every site has 0 users" in result.output
