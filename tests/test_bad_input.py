"""Bad input files: every loader and every CLI command names the file and the field.

Each case starts from a small valid topology and scenario (written with
``yaml.safe_dump`` into ``tmp_path``), applies one mutation, and checks that

* ``load_scenario`` / ``load_topology`` raise :class:`resilience_sim.InputError`
  whose text has ``FILE: field.path: message`` for the expected file and field;
* the CLI prints that line on stderr, exits 2, shows no traceback and writes
  nothing to the ``--out`` folder.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from tiny_documents import SCENARIO, TOPOLOGY

import resilience_sim as rs
from resilience_sim.cli import cli

Mutation = Callable[[Any], Any]


# --------------------------------------------------------------------------- mutations
# A mutation changes the document in place, or returns a replacement: any object to
# be YAML-dumped instead, or bytes to be written as the raw file.


def _parent(doc: Any, path: tuple) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def set_(path: tuple, value: Any) -> Mutation:
    def mutate(doc: Any) -> None:
        _parent(doc, path)[path[-1]] = value

    return mutate


def drop(path: tuple) -> Mutation:
    def mutate(doc: Any) -> None:
        del _parent(doc, path)[path[-1]]

    return mutate


def rename(path: tuple, new_key: str) -> Mutation:
    def mutate(doc: Any) -> None:
        parent = _parent(doc, path)
        parent[new_key] = parent.pop(path[-1])

    return mutate


def append_copy(list_key: str, index: int) -> Mutation:
    def mutate(doc: Any) -> None:
        doc[list_key].append(copy.deepcopy(doc[list_key][index]))

    return mutate


def replace(content: Any) -> Mutation:
    return lambda doc: content


def write_inputs(
    directory: Path,
    mutate_topology: Mutation | None = None,
    mutate_scenario: Mutation | None = None,
) -> tuple[Path, Path]:
    """Write the valid topology and scenario into ``directory``, each optionally mutated."""
    topology_path = directory / "net.yaml"
    scenario_path = directory / "storm.yaml"
    _write(topology_path, copy.deepcopy(TOPOLOGY), mutate_topology)
    _write(scenario_path, copy.deepcopy(SCENARIO), mutate_scenario)
    return topology_path, scenario_path


def _write(path: Path, data: Any, mutate: Mutation | None) -> None:
    if mutate is not None:
        replaced = mutate(data)
        if replaced is not None:
            data = replaced
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


# ------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    id: str
    target: str  # "topology" or "scenario": the file that is broken and must be named
    mutate: Mutation
    field: str  # the field path as printed ("<document>" for the whole file)
    message: str  # a fragment of the message


T, S = "topology", "scenario"

CASES = [
    # unknown keys, with a did-you-mean
    Case(
        "unknown-link-key",
        T,
        rename(("links", 0, "capacity_gbps"), "capacity_gpbs"),
        "links[l1].capacity_gpbs",
        "unknown field 'capacity_gpbs' (did you mean 'capacity_gbps'?)",
    ),
    Case(
        "unknown-node-key",
        T,
        rename(("nodes", 2, "battery_h"), "battery_hours"),
        "nodes[tower-1].battery_hours",
        "did you mean 'battery_h'",
    ),
    Case(
        "unknown-topology-top-key",
        T,
        rename(("description",), "descripton"),
        "descripton",
        "did you mean 'description'",
    ),
    Case(
        "unknown-scenario-top-key",
        S,
        rename(("replications",), "replicatons"),
        "replicatons",
        "unknown field 'replicatons' (did you mean 'replications'?)",
    ),
    Case(
        "field-of-another-section",  # not "did you mean 'speed_kn'?" (issue 21.7)
        S,
        rename(("replications",), "speed_kn"),
        "speed_kn",
        "unknown field 'speed_kn' here (it is a field of another section: check its indentation)",
    ),
    Case(
        "unknown-crew-key",
        S,
        rename(("recovery", "crews", 0, "count"), "cuont"),
        "recovery.crews[0].cuont",
        "did you mean 'count'",
    ),
    Case(
        "unknown-hazard-key",
        S,
        rename(("hazards", 1, "duration_h"), "duraton_h"),
        "hazards[1].duraton_h",
        "did you mean 'duration_h'",
    ),
    # missing required fields
    Case(
        "missing-node-kind",
        T,
        drop(("nodes", 2, "kind")),
        "nodes[tower-1].kind",
        "required field is missing",
    ),
    Case(
        "missing-link-source",
        T,
        drop(("links", 1, "source")),
        "links[l2].source",
        "required field is missing",
    ),
    Case("missing-topology-name", T, drop(("name",)), "name", "required field is missing"),
    Case("missing-nodes", T, drop(("nodes",)), "nodes", "required field is missing"),
    Case("missing-scenario-name", S, drop(("name",)), "name", "required field is missing"),
    Case(
        "missing-scenario-topology", S, drop(("topology",)), "topology", "required field is missing"
    ),
    Case(
        "missing-hazard-type",
        S,
        drop(("hazards", 0, "type")),
        "hazards[0].type",
        "required field is missing",
    ),
    # references to nodes that do not exist
    Case(
        "link-to-undefined-target",
        T,
        set_(("links", 1, "target"), "tower-9"),
        "links[l2].target",
        "node 'tower-9' is not defined",
    ),
    Case(
        "link-from-undefined-source",
        T,
        set_(("links", 0, "source"), "nowhere"),
        "links[l1].source",
        "node 'nowhere' is not defined",
    ),
    # duplicate ids
    Case(
        "duplicate-node-id",
        T,
        append_copy("nodes", 2),
        "nodes[tower-1].id",
        "duplicate node id 'tower-1'",
    ),
    Case("duplicate-link-id", T, append_copy("links", 1), "links[l2].id", "duplicate link id 'l2'"),
    Case(
        "link-id-is-a-node-id",
        T,
        set_(("links", 0, "id"), "tower-2"),
        "links[tower-2].id",
        "also a node id",
    ),
    # coordinates out of range
    Case("lat-above-90", T, set_(("nodes", 2, "lat"), 91.0), "nodes[tower-1].lat", "90"),
    Case("lat-below-minus-90", T, set_(("nodes", 2, "lat"), -90.5), "nodes[tower-1].lat", "-90"),
    Case("lon-above-180", T, set_(("nodes", 3, "lon"), 180.5), "nodes[tower-2].lon", "180"),
    Case("lon-below-minus-180", T, set_(("nodes", 3, "lon"), -181), "nodes[tower-2].lon", "-180"),
    Case(
        "route-point-out-of-range",
        T,
        set_(("links", 1, "route"), [[-21.1, -175.2], [95.0, -175.0]]),
        "links[l2].route[1][0]",
        "90",
    ),
    Case(
        "route-depths-not-one-per-point",
        T,
        lambda doc: doc["links"][1].update(
            route=[[-21.1, -175.2], [-21.2, -175.3]], route_depth_m=[10.0, 20.0, 30.0]
        ),
        "links[l2].route_depth_m",
        "give one depth per route point",
    ),
    Case(
        "route-depths-without-route",
        T,
        set_(("links", 0, "route_depth_m"), [10.0, 20.0]),
        "links[l1].route_depth_m",
        "give one depth per route point",
    ),
    # negative quantities
    Case(
        "negative-link-capacity",
        T,
        set_(("links", 0, "capacity_gbps"), -1),
        "links[l1].capacity_gbps",
        "greater than or equal to 0",
    ),
    Case(
        "negative-node-capacity",
        T,
        set_(("nodes", 0, "capacity_gbps"), -5),
        "nodes[core-1].capacity_gbps",
        "greater than or equal to 0",
    ),
    Case(
        "negative-length",
        T,
        set_(("links", 1, "length_km"), -25),
        "links[l2].length_km",
        "greater than or equal to 0",
    ),
    Case(
        "negative-battery",
        T,
        set_(("nodes", 2, "battery_h"), -3),
        "nodes[tower-1].battery_h",
        "greater than or equal to 0",
    ),
    Case(
        "negative-population",
        T,
        set_(("nodes", 3, "population"), -1),
        "nodes[tower-2].population",
        "greater than or equal to 0",
    ),
    Case(
        "negative-hazard-onset",
        S,
        set_(("hazards", 0, "at_h"), -1),
        "hazards[0].at_h",
        "greater than or equal to 0",
    ),
    # the scenario's topology file
    Case(
        "topology-file-missing",
        S,
        set_(("topology",), "no-such-net.yaml"),
        "topology",
        "'no-such-net.yaml' does not exist",
    ),
    Case(
        "topology-is-a-folder",
        S,
        set_(("topology",), "."),
        "topology",
        "does not exist",
    ),
    # hazards naming things the topology lacks
    Case(
        "hazard-unknown-node",
        S,
        set_(("hazards", 0, "assets", 0), "tower-9"),
        "hazards[0].assets[0]",
        "no node or link with id 'tower-9'",
    ),
    Case(
        "hazard-unknown-link",
        S,
        set_(("hazards", 0, "assets", 1), "l9"),
        "hazards[0].assets[1]",
        "no node or link with id 'l9'",
    ),
    Case(
        "hazard-unknown-type",
        S,
        set_(("hazards", 0, "type"), "meteorite"),
        "hazards[0].type",
        "unknown type 'meteorite'",
    ),
    Case(
        "hazard-misspelled-type",
        S,
        set_(("hazards", 1, "type"), "regional_outrage"),
        "hazards[1].type",
        "did you mean 'regional_outage'",
    ),
    Case(
        "regional-outage-unknown-region",
        S,
        set_(("hazards", 1, "regions", 0), "atlantis"),
        "hazards[1].regions[0]",
        "no region 'atlantis'",
    ),
    Case(
        "crew-depot-unknown",
        S,
        set_(("recovery", "crews", 0, "depot"), "depot-9"),
        "recovery.crews[0].depot",
        "no node with id 'depot-9'",
    ),
    # the horizon: exactly one of horizon_h and horizon_days (named as horizon_h)
    Case(
        "both-horizons",
        S,
        set_(("horizon_days",), 3),
        "horizon_h",
        "give exactly one of `horizon_h` and `horizon_days`",
    ),
    Case(
        "missing-horizon",
        S,
        drop(("horizon_h",)),
        "horizon_h",
        "give exactly one of `horizon_h` and `horizon_days`",
    ),
]

# Files that are not a mapping of fields at all, for both kinds of file.
for _target in (T, S):
    CASES += [
        Case(
            f"invalid-yaml-{_target}",
            _target,
            replace(b"name: tiny\nnodes: [\n  {id: a\n"),
            "line 4",
            "invalid YAML",
        ),
        Case(f"empty-file-{_target}", _target, replace(b""), "<document>", "got an empty file"),
        Case(
            f"top-level-list-{_target}",
            _target,
            replace([{"name": "tiny-net"}]),
            "<document>",
            "expected a mapping of fields at the top level, got list",
        ),
        Case(
            f"not-utf8-{_target}",
            _target,
            replace("name: caf\u00e9\n".encode("latin-1")),
            "<document>",
            "not UTF-8 text",
        ),
    ]


def _inputs(tmp_path: Path, case: Case) -> tuple[Path, Path, str]:
    """Write the case's files; return them and the path the error must name."""
    directory = tmp_path.resolve()
    if case.target == T:
        topology_path, scenario_path = write_inputs(directory, mutate_topology=case.mutate)
        return topology_path, scenario_path, str(topology_path)
    topology_path, scenario_path = write_inputs(directory, mutate_scenario=case.mutate)
    return topology_path, scenario_path, str(scenario_path)


def _assert_names(error: rs.InputError, file: str, case: Case) -> None:
    prefix = f"{file}: {case.field}: "
    text = str(error)
    assert prefix in text, text
    assert case.message in text, text
    assert any(str(p).startswith(prefix) and case.message in p.message for p in error.problems), (
        text
    )


def test_the_unmutated_inputs_are_valid(tmp_path):
    _, scenario_path = write_inputs(tmp_path)
    scenario = rs.load_scenario(scenario_path)
    assert scenario.topology.n_nodes == 4
    assert len(scenario.spec.hazards) == 2


# ------------------------------------------------------------------------- Python API


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_loaders_name_file_and_field(tmp_path, case):
    topology_path, scenario_path, file = _inputs(tmp_path, case)
    with pytest.raises(rs.InputError) as info:
        rs.load_scenario(scenario_path)
    _assert_names(info.value, file, case)
    if case.target == T:
        with pytest.raises(rs.InputError) as info:
            rs.load_topology(topology_path)
        _assert_names(info.value, file, case)


def test_input_error_is_a_value_error_with_one_line_per_problem(tmp_path):
    # Two problems in one file are both reported, one line each.
    def two_problems(doc):
        doc["nodes"][2]["lat"] = 91.0
        doc["links"][1]["target"] = "tower-9"

    topology_path, _ = write_inputs(tmp_path, mutate_topology=two_problems)
    with pytest.raises(ValueError) as info:
        rs.load_topology(topology_path)
    assert isinstance(info.value, rs.InputError)
    lines = str(info.value).splitlines()
    assert any(line.startswith(f"{topology_path}: nodes[tower-1].lat: ") for line in lines)
    assert all(line.startswith(f"{topology_path}: ") for line in lines)


def test_missing_scenario_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(rs.InputError, match=r"nope\.yaml: <document>: file not found"):
        rs.load_scenario(missing)


def test_unreadable_file_is_an_input_error(tmp_path, monkeypatch):
    topology_path, _ = write_inputs(tmp_path)

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(rs.InputError, match="cannot read file: Permission denied"):
        rs.load_topology(topology_path)


# ------------------------------------------------------------------------ CLI (click)


def _commands(case: Case, topology_path: Path, scenario_path: Path, out: Path) -> dict:
    commands = {
        "run": ["run", str(scenario_path), "--out", str(out)],
        "run-options": ["run", str(scenario_path), "-n", "2", "--seed", "3", "--out", str(out)],
        "validate-scenario": ["validate", str(scenario_path)],
    }
    if case.target == T:
        commands["validate-topology"] = ["validate", str(topology_path)]
        commands["topology-stats"] = ["topology", "stats", str(topology_path)]
        commands["topology-stats-json"] = ["topology", "stats", "--json", str(topology_path)]
    return commands


CLI_PARAMS = [
    pytest.param(case, command, id=f"{case.id}-{command}")
    for case in CASES
    for command in _commands(case, Path("t"), Path("s"), Path("o"))
]


@pytest.mark.parametrize(("case", "command"), CLI_PARAMS)
def test_cli_prints_file_and_field_and_exits_2(tmp_path, case, command):
    topology_path, scenario_path, file = _inputs(tmp_path, case)
    out = tmp_path / "results"
    out.mkdir()
    args = _commands(case, topology_path, scenario_path, out)[command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught error
    assert f"{file}: {case.field}: " in result.stderr
    assert case.message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert list(out.iterdir()) == []


def test_cli_rejected_run_without_out_creates_no_results_folder(tmp_path, monkeypatch):
    _, scenario_path = write_inputs(
        tmp_path, mutate_scenario=set_(("hazards", 0, "assets", 0), "tower-9")
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", scenario_path.name])
    assert result.exit_code == 2
    assert "storm.yaml: hazards[0].assets[0]: " in result.stderr
    assert not (tmp_path / "results").exists()


def test_cli_missing_scenario_file(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: <document>: file not found" in result.stderr
    assert not out.exists()


def test_cli_out_is_a_file(tmp_path):
    _, scenario_path = write_inputs(tmp_path)
    out = tmp_path / "results"
    out.write_text("not a folder")
    result = CliRunner().invoke(cli, ["run", str(scenario_path), "--out", str(out)])
    assert result.exit_code == 2
    assert "--out" in result.stderr  # click's own check of the option
    assert "Traceback" not in result.output
    assert out.read_text() == "not a folder"


# -------------------------------------------------------- CLI (real console entry point)


def _run_real(args: list[str], cwd: Path, module: bool) -> subprocess.CompletedProcess:
    if module:
        command = [sys.executable, "-m", "resilience_sim.cli", *args]
    else:
        command = [str(Path(sys.executable).parent / "resilience-sim"), *args]
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _case(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


@pytest.mark.parametrize(
    ("case_id", "module"),
    [
        ("unknown-link-key", True),
        ("not-utf8-scenario", True),
        ("hazard-unknown-node", False),
    ],
)
def test_real_process_exits_2_without_traceback(tmp_path, case_id, module):
    case = _case(case_id)
    _, scenario_path, file = _inputs(tmp_path, case)
    out = tmp_path / "out"
    proc = _run_real(["run", str(scenario_path), "--out", str(out)], tmp_path, module)
    assert proc.returncode == 2, proc.stderr
    assert f"{file}: {case.field}: " in proc.stderr
    assert case.message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert not out.exists()
    assert not (tmp_path / "results").exists()
