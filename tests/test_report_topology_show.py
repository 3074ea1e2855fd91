"""`resilience-sim topology show`: an offline, escaped HTML map of a topology."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.reports import geomap
from resilience_sim.reports.topology_page import CAPACITY_CLASSES, topology_figure
from resilience_sim.topology import read_topology

ROOT = Path(__file__).resolve().parent.parent
ISLAND = ROOT / "topologies" / "pacific_island.yaml"
EVIL = "<script>alert(1)</script>"


def test_show_writes_a_self_contained_page(tmp_path):
    target = tmp_path / "island.html"
    result = CliRunner().invoke(cli, ["topology", "show", str(ISLAND), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output
    page = target.read_text()
    assert "plotly.js v" in page and not re.search(r"<script[^>]+src=", page)
    assert "window.PlotlyGeoAssets" in page and 'id="topology-map"' in page
    for region in ("tongatapu", "haapai", "vavau", "abroad"):
        assert f"<td>{region}</td>" in page


def test_show_defaults_to_the_file_name_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["topology", "show", str(ISLAND)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pacific_island.html").is_file()


def test_figure_has_kinds_capacity_classes_and_cable_routes():
    """The island: 17 cell sites, 4 exchanges; the Tonga Cable System (100 Gbit/s) drawn
    along its 9-point route in the >= 100 Gbit/s submarine trace."""
    topology = read_topology(ISLAND)
    view, outside = geomap.national_view(topology)
    fig = topology_figure(topology, view)
    nodes = {t.name: len(t.lat) for t in fig.data if t.legendgroup == "nodes"}
    assert nodes["cell site"] == 17 and nodes["exchange"] == 4 and nodes["gateway"] == 2
    assert sum(nodes.values()) == topology.n_nodes
    (big_cable,) = [
        t for t in fig.data if t.legendgroup == "submarine_cable" and t.name == "≥ 100 Gbit/s"
    ]
    route = topology.link("tcs-sopu-suva").route
    assert list(big_cable.lat[: len(route)]) == [round(p[0], 4) for p in route]
    assert big_cable.line.width == CAPACITY_CLASSES[0][1]
    widths = {t.line.width for t in fig.data if t.mode == "lines"}
    assert len(widths) == 4  # all four capacity classes occur on the island
    # the international gateways abroad are named as outside the national window
    assert {topology.nodes[i].id for i in outside} == {"suva-gateway", "sydney-teleport"}


def test_user_text_is_escaped(tmp_path):
    doc = {
        "name": EVIL,
        "description": EVIL,
        "nodes": [
            {"id": "ex", "kind": "exchange", "lat": -21.1, "lon": -175.2, "name": EVIL},
            {
                "id": "cell",
                "kind": "cell_site",
                "lat": -21.2,
                "lon": -175.1,
                "population": 10,
                "region": EVIL,
            },
        ],
        "links": [
            {"id": "l1", "source": "ex", "target": "cell", "kind": "microwave", "srlg": [EVIL]}
        ],
    }
    source = tmp_path / "evil.json"
    source.write_text(json.dumps(doc))
    target = tmp_path / "evil.html"
    result = CliRunner().invoke(cli, ["topology", "show", str(source), "--out", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text()
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bad_input_exits_2_naming_the_file(tmp_path):
    missing = tmp_path / "missing.yaml"
    result = CliRunner().invoke(cli, ["topology", "show", str(missing)])
    assert result.exit_code == 2
    assert str(missing) in result.output and "Traceback" not in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnodes:\n  - {id: a, kind: volcano}\n")
    result = CliRunner().invoke(cli, ["topology", "show", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: nodes[a].kind: " in result.output  # the field, named by node id
    unwritable = tmp_path / "no-such-dir" / "x.html"
    result = CliRunner().invoke(cli, ["topology", "show", str(ISLAND), "--out", str(unwritable)])
    assert result.exit_code == 2 and f"{unwritable}: --out" in result.output


def test_show_never_replaces_an_existing_file_or_link_without_overwrite(tmp_path):
    """Issue 21 item 7: `--out` silently overwrote any file; a dangling link was followed."""
    mine = tmp_path / "notes.html"
    mine.write_text("my notes\n")
    dangling = tmp_path / "link.html"
    dangling.symlink_to(tmp_path / "missing" / "elsewhere.html")
    runner = CliRunner()
    for target, what in ((mine, "a file"), (dangling, "a symbolic link")):
        result = runner.invoke(cli, ["topology", "show", str(ISLAND), "--out", str(target)])
        assert result.exit_code == 2
        assert f"{target}: --out: {what} of that name exists; give --overwrite" in result.output
    assert mine.read_text() == "my notes\n"
    assert dangling.is_symlink() and not (tmp_path / "missing").exists()
    result = runner.invoke(
        cli, ["topology", "show", str(ISLAND), "--out", str(mine), "--overwrite"]
    )
    assert result.exit_code == 0, result.output
    assert 'id="topology-map"' in mine.read_text()
