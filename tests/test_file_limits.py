"""Issue 21.5: files too large to parse are refused from their size before a byte is
read, by every reader that parses a whole file; `run --max-memory` refuses a study whose
topology alone would not fit before the topology is loaded or compiled."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import resilience_sim.memory as memory
import resilience_sim.scenario.loader as loader
from resilience_sim import InputError, load_topology, write_topology
from resilience_sim.cli import cli
from resilience_sim.experiments.event_set import load_event_set
from resilience_sim.experiments.limits import (
    check_topology_memory,
    file_assets,
)
from resilience_sim.memory import (
    MAX_YAML_BYTES,
    available_memory_bytes,
    check_parse_memory,
    parse_bytes,
    size_text,
)
from resilience_sim.topology import read_topology
from resilience_sim.topology.io.geojson import read_json

REPO = Path(__file__).parent.parent
ISLAND = REPO / "topologies" / "pacific_island.yaml"
MB_200 = 200 * 1024 * 1024


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole)."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


@pytest.fixture
def no_reading(monkeypatch):
    """Fail the test if any file is read whole."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)


def scenario_on(tmp_path: Path, topology: Path) -> Path:
    text = (REPO / "scenarios" / "pacific_island_eruption.yaml").read_text()
    path = tmp_path / "scenario.yaml"
    path.write_text(
        text.replace("topology: ../topologies/pacific_island.yaml", f"topology: {topology}")
    )
    return path


def test_a_200_mb_yaml_is_refused_from_its_size(tmp_path):
    big = sparse(tmp_path / "big.yaml", MB_200)
    needed = 64 * MB_200
    message = (
        f"{big}: <document>: too large to read: this 210 MB file is larger than the "
        f"{size_text(MAX_YAML_BYTES)} limit for YAML; parsing this 210 MB YAML file needs "
        f"about {size_text(needed)} (64 bytes per byte of file, measured); write large "
        "networks as JSON (about 3x less memory to read) or Parquet (about 10x less): "
        "topology generate, import-cables, import-fibre and convert write both; convert "
        "this file with another YAML parser"
    )
    assert size_text(needed) == "13.4 GB"
    for args in (["validate", str(big)], ["run", str(big)], ["topology", "stats", str(big)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.stderr == message + "\n"


def test_a_200_mb_yaml_topology_named_by_a_scenario_is_refused_before_parsing(
    tmp_path, monkeypatch
):
    big = sparse(tmp_path / "big.yaml", MB_200)
    scenario = scenario_on(tmp_path, big)
    real_read = Path.read_text
    read = []

    def read_text(self, *args, **kwargs):
        read.append(self)
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    result = CliRunner().invoke(cli, ["run", str(scenario), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{big}: <document>: too large to read: this 210 MB")
    assert big not in read
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "factor"), [("t.json", 16), ("t.graphml", 37), ("t.gml", 27), ("c.geojson", 16)]
)
def test_every_reader_refuses_what_the_memory_available_cannot_parse(
    tmp_path, monkeypatch, no_reading, name, factor
):
    """With 1 GB available, a 200 MB file of any format read whole is refused unread."""
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 10**9)
    path = sparse(tmp_path / name, MB_200)
    kind = name.rsplit(".", 1)[1].upper()
    expected = (
        f"{path}: <document>: too large to read: parsing this 210 MB {kind} file needs about "
        f"{size_text(factor * MB_200)} ({factor} bytes per byte of file, measured), more "
        "than the 1 GB of memory available; free memory, or read it on a machine with more"
    )
    with pytest.raises(InputError) as info:
        read_json(path) if name.endswith(".geojson") else read_topology(path)
    assert str(info.value) == expected


def test_a_parquet_topology_is_judged_by_its_footer_and_an_event_set_like_any_yaml(
    tmp_path, monkeypatch
):
    topology = tmp_path / "island.parquet"
    write_topology(load_topology(ISLAND), topology)
    rows = pq.read_metadata(topology).num_rows
    assert parse_bytes(topology) == 100_000_000 + 500 * rows
    events = tmp_path / "events.yaml"
    events.write_text("name: x\nevents: []\n")
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 50_000_000)
    with pytest.raises(InputError, match=r"rows needs about 100 MB .* than the 50 MB of memory"):
        read_topology(topology)
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 1_000)
    with pytest.raises(InputError, match=r"events\.yaml: <document>: too large to read: parsing"):
        load_event_set(events)
    monkeypatch.undo()
    assert read_topology(topology).n_nodes == load_topology(ISLAND).n_nodes


def test_available_memory_is_what_the_machine_reports():
    """Linux: MemAvailable (bounded by a cgroup limit): positive, at most MemTotal."""
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        pytest.skip("no /proc/meminfo")
    total = next(
        int(line.split()[1]) * 1024
        for line in meminfo.read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    available = available_memory_bytes()
    assert available is not None and 0 < available <= total
    assert check_parse_memory(ISLAND) == 100 * ISLAND.stat().st_size  # fits: the estimate


def million_node_footer(path: Path, nodes: int = 1_000_000, links: int = 1_400_000) -> Path:
    """A Parquet file whose footer says 2.4 million rows, as a 1M-node national network
    has (the estimate reads only the footer; the file is never loaded here)."""
    pq.write_table(pa.table({"n": pa.nulls(nodes + links, pa.int8())}), path)
    return path


def test_max_memory_refuses_a_million_node_study_before_loading_its_topology(tmp_path, monkeypatch):
    """`run --max-memory 2`: parsing the file would fit (1.3 GB), its compiled arrays in
    this process and one worker's copy would not (2 x 2,000 x 2.4M = 9.6 GB)."""
    topology = million_node_footer(tmp_path / "national-1m.parquet")
    assert parse_bytes(topology) == 100_000_000 + 500 * 2_400_000  # 1.3 GB: would parse
    assert file_assets(topology) == 2_400_000
    parsed = []
    monkeypatch.setattr(loader, "read_topology", lambda path: parsed.append(path))
    args = ["run", str(scenario_on(tmp_path, topology)), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, [*args, "--max-memory", "2", "--executor", "sequential"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"{topology}: --max-memory: expected the study to fit in 2 GB; its topology of "
        "2,400,000 assets (rows in the file's footer) needs about 9.6 GB as compiled arrays "
        "alone (2,000 bytes per asset, measured, in this process and a copy in each of 1 "
        "workers), refused before loading it. Use fewer workers (--workers) or raise "
        "--max-memory\n"
    )
    assert parsed == []
    local = CliRunner().invoke(cli, [*args, "--max-memory", "12", "--workers", "2"])
    assert "a copy in each of 2 workers" in local.stderr and "14.4 GB" in local.stderr


def test_the_early_study_check_counts_assets_only_where_the_file_says_them(tmp_path):
    """Parquet: the footer's rows; text formats: not before parsing (their parsing
    estimate, already above one copy of the arrays, is the early check)."""
    island = load_topology(ISLAND)
    assets = island.n_nodes + island.n_links
    parquet, text = tmp_path / "island.parquet", tmp_path / "island.json"
    write_topology(island, parquet)
    write_topology(island, text)
    assert file_assets(parquet) == assets
    assert file_assets(text) is None
    assert check_topology_memory(text, 1e-3, n_workers=2) == 16 * text.stat().st_size
    with pytest.raises(InputError, match="parsing this"):
        check_topology_memory(text, 1e-4, n_workers=2)
    assert check_topology_memory(parquet, 1.0, n_workers=2) == 100_000_000 + 500 * assets
    million = million_node_footer(tmp_path / "m.parquet")  # 2 x 2,000 x 2.4M = 9.6 GB
    assert check_topology_memory(million, 9.7, n_workers=1) == 1_300_000_000
    with pytest.raises(InputError, match=r"expected the study to fit in 9\.5 GB"):
        check_topology_memory(million, 9.5, n_workers=1)
