"""The vectorised reference gate and the lazy asset index (issue 20).

``has_reference_problems`` decides with one Arrow hash pass whether a topology's ids
and references are consistent; only then is the topology walked item by item
(``reference_problems``) for the messages. The gate must say "problem" exactly when
the walk finds one. ``AssetIndex`` answers id -> index without a dict on large
topologies; it must give the dict's answers. Validating a topology loads only what
it uses: not the engine or the reports, and on the Parquet and cached paths neither
pandas nor rich (structural checks of which modules a fresh process imported).
"""

from __future__ import annotations

import copy
import json
import os
import pickle

import numpy as np
import pyarrow as pa
import pytest
import yaml
from test_bad_input import CASES, T
from test_columnar import PARQUET_CASES, _mutated, _problems
from tiny_documents import TOPOLOGY

import resilience_sim.topology.compile as compile_module
from resilience_sim.topology import Topology, compile_topology
from resilience_sim.topology.checks import has_reference_problems, reference_problems
from resilience_sim.topology.compile import AssetIndex
from resilience_sim.topology.model import TopologyDocument

SUBSTATION = {"id": "ps-1", "kind": "power_substation", "lat": -21.0, "lon": -175.0}


def _edited(edit) -> Topology:
    doc = copy.deepcopy(TOPOLOGY)
    doc["nodes"].append(dict(SUBSTATION))
    edit(doc)
    return Topology.from_document(TopologyDocument.model_validate(doc))


def _set(path, value):
    def edit(doc):
        *parents, last = path
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value

    return edit


# name -> (edit, whether the topology stays valid)
EDITS = {
    "valid": (lambda doc: None, True),
    "duplicate node id": (_set(("nodes", 1, "id"), "core-1"), False),
    "duplicate link id": (_set(("links", 1, "id"), "l1"), False),
    "link id is a node id": (_set(("links", 0, "id"), "tower-1"), False),
    "source undefined": (_set(("links", 0, "source"), "nowhere"), False),
    "target is a link id": (_set(("links", 0, "target"), "l2"), False),
    "feed is a substation": (_set(("nodes", 2, "power_feed"), "ps-1"), True),
    "feed is a cell site": (_set(("nodes", 2, "power_feed"), "tower-2"), False),
    "feed is a grid region": (_set(("nodes", 2, "power_feed"), "grid-north"), True),
    "feed names a link (so a grid region)": (_set(("nodes", 2, "power_feed"), "l1"), True),
    "depends on a node and a link": (_set(("nodes", 2, "depends_on"), ["core-1", "l1"]), True),
    "depends on nothing known": (_set(("nodes", 2, "depends_on"), ["core-1", "ghost"]), False),
    "depends on itself": (_set(("nodes", 2, "depends_on"), ["tower-1"]), False),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_the_vectorised_gate_agrees_with_the_item_by_item_walk(name):
    edit, valid = EDITS[name]
    topology = _edited(edit)
    nodes, links = topology.node_table, topology.link_table
    found = reference_problems(nodes, links, "net.yaml")
    assert bool(found) == (not valid)
    assert has_reference_problems(nodes, links) == (not valid)


@pytest.mark.parametrize("case", PARQUET_CASES, ids=lambda c: c.id)
def test_bad_json_gives_the_yaml_errors(tmp_path, case):
    """The third format: the same document as JSON reports what YAML and Parquet do."""
    doc = _mutated(case)
    as_yaml, as_json = tmp_path / "net.yaml", tmp_path / "net.json"
    as_yaml.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    as_json.write_text(json.dumps(doc), encoding="utf-8")
    assert _problems(as_json) == _problems(as_yaml)


def test_every_bad_topology_case_is_covered_by_a_format_test():
    topology_cases = [c for c in CASES if c.target == T]
    assert len(PARQUET_CASES) >= 0.6 * len(topology_cases)


def _index(n: int) -> tuple[np.ndarray, dict[str, int]]:
    ids = np.array([f"a{i}" for i in range(n)], dtype=object)
    return ids, {a: i for i, a in enumerate(ids.tolist())}


@pytest.mark.parametrize("dict_assets", [0, 10**9])
def test_asset_index_gives_the_dicts_answers(monkeypatch, dict_assets):
    monkeypatch.setattr(compile_module, "DICT_ASSETS", dict_assets)
    ids, expected = _index(500)
    index = AssetIndex(ids)
    wanted = [f"a{i}" for i in (499, 0, 17, 17, 250)]
    assert index.positions(wanted).tolist() == [expected[a] for a in wanted]
    assert index.positions([]).tolist() == []
    assert index["a42"] == 42 and "a42" in index and "b1" not in index and 7 not in index
    with pytest.raises(KeyError, match="nope"):
        index.positions(["a1", "nope"])
    with pytest.raises(KeyError):
        index["nope"]
    assert len(index) == 500
    for _ in range(compile_module.DICT_AFTER_LOOKUPS + 1):  # a loop of lookups gets the dict
        assert index["a3"] == 3
    assert dict(index) == expected
    again = pickle.loads(pickle.dumps(index))
    assert again.positions(wanted).tolist() == [expected[a] for a in wanted]


def test_compile_without_building_the_dict_on_a_large_topology(monkeypatch):
    monkeypatch.setattr(compile_module, "DICT_ASSETS", 0)
    doc = copy.deepcopy(TOPOLOGY)
    doc["nodes"][2]["depends_on"] = ["core-1", "l1"]
    topology = Topology.from_document(TopologyDocument.model_validate(doc))
    arrays = compile_topology(topology, standby={"l2": 5.0})
    assert arrays.asset_index._dict is None  # answered by Arrow lookups only
    assert arrays.dependency_dst.tolist() == [0, topology.n_nodes]
    assert arrays.deploy_at_h[topology.n_nodes + 1] == 5.0 and arrays.standby.sum() == 1


def test_validating_a_topology_imports_neither_engine_nor_reports(tmp_path):
    """``resilience-sim validate TOPOLOGY`` loads what it uses only (lazy package and
    command imports): not the engine, scipy.stats, networkx, plotly or dask."""
    import subprocess
    import sys

    path = tmp_path / "net.json"
    path.write_text(json.dumps(TOPOLOGY), encoding="utf-8")
    code = (
        "import sys\n"
        "from resilience_sim.cli import cli\n"
        f"cli.main(['validate', {str(path)!r}], standalone_mode=False)\n"
        "heavy = ('resilience_sim.engine', 'resilience_sim.experiments', 'scipy.stats',\n"
        "         'networkx', 'plotly', 'dask', 'resilience_sim.reports', 'simpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "valid topology 'tiny-net'" in out
    assert out.strip().splitlines()[-1] == "[]"


def _validate_in_a_fresh_process(path, env) -> dict:
    """``resilience-sim validate PATH`` through the console script's ``main`` in a new
    interpreter: its exit code, output, mimalloc's arena option as the process saw it
    and which modules it loaded."""
    import subprocess
    import sys

    code = (
        "import json, os, sys\n"
        f"sys.argv = ['resilience-sim', 'validate', {str(path)!r}]\n"
        "from resilience_sim.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "kept_out = ('pandas', 'rich', 'resilience_sim.scenario', 'resilience_sim.engine',\n"
        "            'scipy', 'networkx', 'importlib.metadata')\n"
        "print(json.dumps({'status': status,\n"
        "                  'eager': os.environ.get('MIMALLOC_ARENA_EAGER_COMMIT'),\n"
        "                  'loaded': sorted(m for m in kept_out if m in sys.modules)}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    *printed, last = proc.stdout.strip().splitlines()
    return {**json.loads(last), "printed": printed}


def test_validating_parquet_or_a_cached_yaml_leaves_pandas_and_rich_unimported(
    tmp_path, monkeypatch
):
    """The Parquet path and the cached YAML path of ``validate`` convert between Arrow
    and numpy without pandas (topology/arrow_np.py), print without rich, build no
    pydantic validator (so no importlib.metadata, on the Parquet path: the cache key
    needs the package version) and load Arrow with mimalloc's lazy arena commit
    (docs/performance.md, "Topology input")."""
    from resilience_sim.topology import read_topology, write_topology
    from resilience_sim.topology.cache import CACHE_ENV, CACHE_MIN_BYTES, cached_entry

    topology = Topology.from_document(TopologyDocument.model_validate(TOPOLOGY))
    parquet = tmp_path / "net.parquet"
    write_topology(topology, parquet)
    big = tmp_path / "net.yaml"  # cached from CACHE_MIN_BYTES on: padded with a comment
    text = yaml.safe_dump(TOPOLOGY, sort_keys=False)
    big.write_text(text + "# " + "x" * CACHE_MIN_BYTES + "\n", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    assert read_topology(big) == topology  # first load: parsed, checked, cached
    assert cached_entry(big) is not None
    env = {k: v for k, v in os.environ.items() if k != "MIMALLOC_ARENA_EAGER_COMMIT"}
    for path, loaded in ((parquet, []), (big, ["importlib.metadata"])):
        got = _validate_in_a_fresh_process(path, env)
        assert got["status"] == 0
        assert got["printed"] == [f"{path}: valid topology 'tiny-net' (4 nodes, 3 links)"]
        assert got["loaded"] == loaded
        assert got["eager"] == "0"


def test_lazy_arena_commit_is_chosen_for_validate_only(monkeypatch):
    import sys

    from resilience_sim.cli import tune_arrow_memory

    key = "MIMALLOC_ARENA_EAGER_COMMIT"
    monkeypatch.delitem(sys.modules, "pyarrow")  # as in a new process: not loaded yet
    monkeypatch.delenv(key, raising=False)
    tune_arrow_memory(["run", "storm.yaml"])
    tune_arrow_memory([])
    assert key not in os.environ
    tune_arrow_memory(["validate", "net.parquet"])
    assert os.environ[key] == "0"
    monkeypatch.setenv(key, "1")  # the user's choice wins
    tune_arrow_memory(["validate", "net.parquet"])
    assert os.environ[key] == "1"
    monkeypatch.delenv(key)
    monkeypatch.setitem(sys.modules, "pyarrow", pa)  # too late: mimalloc has read it
    tune_arrow_memory(["validate", "net.parquet"])
    assert key not in os.environ


DOCUMENT_FIELDS = [
    ("tiny-net", None, 4),
    ("tiny-net", "a description", 4),
    ("tiny-net", "", 4),
    ("x" * 200, None, 1),
    ("x" * 201, None, 1),
    ("", None, 4),
    (" leading space", None, 4),
    ("tab\tinside", "é", 4),
    ("line\nbreak", None, 4),
    ("trailing newline\n", None, 4),
    (None, None, 4),
    (5, None, 4),
    ("tiny-net", 7, 4),
    ("tiny-net", None, 0),
    (None, 3.5, 0),
]


@pytest.mark.parametrize(("name", "description", "n_nodes"), DOCUMENT_FIELDS)
def test_the_document_fields_gate_agrees_with_pydantic(monkeypatch, name, description, n_nodes):
    """A Parquet file's name and description are checked by their rules on one-value
    columns; pydantic is asked only when they may break one, and names the same
    problems it names when always asked."""
    from resilience_sim.topology import column_checks

    fast = column_checks.document_problems(name, description, n_nodes, "net.parquet")
    monkeypatch.setattr(column_checks, "_document_may_break", lambda *_: True)
    assert fast == column_checks.document_problems(name, description, n_nodes, "net.parquet")
