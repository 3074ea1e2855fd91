"""The compiled topology cache: second loads skip parsing, edits and code changes miss,
a cache that cannot be written or read never stops a load (resilience_sim/topology/cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from resilience_sim.errors import InputError
from resilience_sim.topology import cache as topology_cache
from resilience_sim.topology.io import native, read_topology

SHIPPED = Path(__file__).resolve().parents[1] / "topologies"
SOURCE = SHIPPED / "pacific_island.yaml"


@pytest.fixture
def large(tmp_path, monkeypatch) -> Path:
    """A shipped topology, treated as large enough to cache (the threshold lowered)."""
    monkeypatch.setenv(topology_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(topology_cache, "CACHE_MIN_BYTES", 1)
    path = tmp_path / "net.yaml"
    path.write_bytes(SOURCE.read_bytes())
    return path


def _no_parsing(monkeypatch):
    def refuse(path):
        raise AssertionError(f"parsed {path}")

    monkeypatch.setattr(native, "read_document", refuse)


def test_second_load_reads_the_cache_and_gives_the_same_topology(large, monkeypatch):
    first = read_topology(large)
    [entry] = (large.parent / "cache").iterdir()
    assert entry.name.startswith(topology_cache.hashlib.sha256(large.read_bytes()).hexdigest())
    _no_parsing(monkeypatch)
    second = read_topology(large)
    assert second == first
    assert second.nodes[17] == first.nodes[17] and second.links[-1] == first.links[-1]


def test_an_edited_file_misses_the_cache(large, monkeypatch):
    read_topology(large)
    large.write_text(large.read_text().replace("name: pacific-island", "name: edited", 1))
    assert read_topology(large).name == "edited"
    assert len(list((large.parent / "cache").iterdir())) == 2


def test_a_new_code_key_misses_the_cache(large, monkeypatch):
    read_topology(large)
    monkeypatch.setattr(topology_cache, "code_key", lambda: "0123456789abcdef")
    assert topology_cache.cached_entry(large) is None
    read_topology(large)
    assert len(list((large.parent / "cache").iterdir())) == 2


def test_a_corrupt_entry_is_replaced(large):
    first = read_topology(large)
    [entry] = (large.parent / "cache").iterdir()
    entry.write_bytes(b"not parquet")
    assert read_topology(large) == first
    assert entry.read_bytes()[:4] == b"PAR1"


def test_an_unwritable_cache_is_skipped(large, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(topology_cache.CACHE_ENV, str(blocker / "cache"))  # cannot be made
    assert read_topology(large).n_nodes == read_topology(SOURCE).n_nodes


def test_cache_off_and_small_files(large, tmp_path, monkeypatch):
    monkeypatch.setenv(topology_cache.CACHE_ENV, "off")
    assert topology_cache.cache_dir() is None
    read_topology(large)
    assert not (large.parent / "cache").exists()
    monkeypatch.setenv(topology_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.undo()
    monkeypatch.setenv(topology_cache.CACHE_ENV, str(tmp_path / "cache"))
    assert SOURCE.stat().st_size < topology_cache.CACHE_MIN_BYTES  # the real threshold
    assert topology_cache.cache_path(SOURCE) is None
    assert topology_cache.cache_path(SHIPPED / "national_10k.yaml") is not None


def test_bad_files_are_not_cached(large, tmp_path):
    large.write_text(large.read_text().replace("lat: -21.136", "lat: 94.0", 1))
    with pytest.raises(InputError, match=r"nodes\[nukualofa-exchange\]\.lat"):
        read_topology(large)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())
