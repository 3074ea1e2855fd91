"""OpenCelliD import: streaming read, MCC filter, bad files, site clustering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from resilience_sim.errors import InputError
from resilience_sim.topology.io.opencellid import cluster_sites, read_cells

DATA = Path("/work/shared/data/opencellid/OCID-diff-cell-export-2022-09-10.csv")
HEADER = (
    "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
)


def _write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "cells.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_mcc_filter_bbox_and_chunks_agree(tmp_path):
    path = _write(
        tmp_path,
        [
            "LTE,440,10,1,1,0,139.70,35.68,500,1,1,0,0,0",
            "GSM,262,2,1,2,0,10.9,50.1,500,1,1,0,0,0",
            "UMTS,440,20,1,3,0,135.50,34.69,500,1,1,0,0,0",
        ],
    )
    cells = read_cells(path, mcc=440, chunk_rows=1)
    assert list(cells["operator"]) == ["440-10", "440-20"]
    assert list(cells["radio"]) == ["LTE", "UMTS"]
    tokyo = read_cells(path, mcc=440, bbox=(139.0, 35.0, 140.0, 36.0))
    assert list(tokyo["operator"]) == ["440-10"]


def test_missing_column_and_bad_value_name_file_and_field(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text("radio,mcc,net,lon\nLTE,440,10,139.7\n")
    with pytest.raises(InputError, match=r"cells\.csv: lat: missing column"):
        read_cells(path, mcc=440)
    bad = _write(
        tmp_path, ["LTE,440,10,1,1,0,139.7,35.6,1,1,1,0,0,0", "LTE,440,10,1,1,0,x,35,1,1,1,0,0,0"]
    )
    with pytest.raises(InputError, match=r"cells\.csv: line 3\.lon: not a number"):
        read_cells(bad, mcc=440, chunk_rows=1)


def test_cluster_joins_sectors_within_radius_only():
    # 0.0005 deg of latitude = 55.6 m: joined; 0.01 deg = 1.1 km: a separate site.
    cells = pd.DataFrame(
        {
            "radio": ["LTE", "UMTS", "LTE"],
            "operator": ["440-10", "440-20", "440-10"],
            "lat": [35.0, 35.0005, 35.01],
            "lon": [139.0, 139.0, 139.0],
        }
    )
    sites = cluster_sites(cells, radius_m=100.0)
    assert sorted(sites.n_cells.tolist()) == [1, 2]
    shared = int(np.argmax(sites.n_cells))
    assert sites.operators[shared] == ("440-10", "440-20")
    assert sites.operator[shared] is None
    assert sites.radios[shared] == ("LTE", "UMTS")
    assert sites.lat[shared] == pytest.approx(35.00025, abs=1e-9)
    assert len(cluster_sites(cells, radius_m=50.0).lat) == 3


def test_real_japan_export():
    if not DATA.exists():
        pytest.skip(f"{DATA} absent")
    cells = read_cells(DATA, mcc=440)
    # Counts checked with awk -F, '$2==440' on the file: 5,085 rows; SOURCE.md's 5,086 adds
    # the one row with MCC 441 (test_cell_import.py::test_real_export_japan_has_two_mccs).
    assert len(cells) == 5085
    counts = cells["operator"].value_counts()
    assert counts["440-10"] == 2045 and counts["440-11"] == 1285 and counts["440-20"] == 936
    sites = cluster_sites(cells)
    assert int(sites.n_cells.sum()) == len(cells)
    assert len(sites.lat) < len(cells)
    assert all(130.0 < lon < 146.0 for lon in sites.lon[:50])


def test_operator_and_radios_round_trip_graphml(tmp_path):
    from resilience_sim.topology.checks import build_topology
    from resilience_sim.topology.io.graphml import read_graphml, write_graphml
    from resilience_sim.topology.model import TopologyDocument

    doc = TopologyDocument.model_validate(
        {
            "name": "t",
            "nodes": [
                {"id": "s1", "kind": "cell_site", "operator": "440-10", "radios": ["LTE", "NR"]},
                {"id": "agg", "kind": "aggregation"},
            ],
            "links": [
                {
                    "id": "l1",
                    "source": "s1",
                    "target": "agg",
                    "kind": "microwave",
                    "operator": "440-10",
                },
            ],
        }
    )
    topology = build_topology(doc, "t.yaml")
    write_graphml(topology, tmp_path / "t.graphml")
    back = read_graphml(tmp_path / "t.graphml")
    site = next(n for n in back.nodes if n.id == "s1")
    assert site.operator == "440-10" and site.radios == ["LTE", "NR"]
    assert next(n for n in back.nodes if n.id == "agg").operator is None
    assert back.links[0].operator == "440-10"
