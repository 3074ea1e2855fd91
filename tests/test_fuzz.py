"""Fuzzing the file loaders, the Python API and the CLI with hypothesis (issue 10).

Every generated input is either accepted (a 1-replication study then runs) or
rejected with :class:`resilience_sim.InputError` whose problems each name the file
(and, for a document that parses as a mapping, a field); the CLI exits 0 or 2, never
prints a traceback and writes nothing under ``--out`` when it exits 2.

Inputs: the shipped scenario and topology documents, mutated at a random place
(key deleted, unknown key inserted, value replaced by a wrong type, NaN, +-inf,
huge or negative number, empty / unicode / 10,000-character string, 200-deep
nesting), and raw files (random bytes, truncated YAML, alias bombs).

Budget (docs/robustness.md): the ``max_examples`` below, 480 generated cases in all, with a
fixed derandomised seed so CI sees the same cases every run. A per-case alarm of
``HANG_S`` seconds turns a hang into a failure instead of a stuck suite.
"""

from __future__ import annotations

import copy
import functools
import math
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resilience_sim as rs
from resilience_sim.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILE = ROOT / "scenarios" / "cyber_during_cyclone.yaml"
TOPOLOGY_FILE = ROOT / "topologies" / "pacific_island.yaml"
BASE_SCENARIO: dict[str, Any] = yaml.safe_load(SCENARIO_FILE.read_text())
BASE_TOPOLOGY: dict[str, Any] = yaml.safe_load(TOPOLOGY_FILE.read_text())
HANG_S = 60  # a case taking longer is a hang (one case normally takes < 0.5 s)

FUZZ = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


ODD_VALUES = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            0,
            -1,
            -(10**30),
            10**30,
            1e308,
            -1e308,
            math.nan,
            math.inf,
            -math.inf,
            "",
            " ",
            "é" * 50,
            "\u202e\u0000x",
            "x" * 10_000,
            [],
            {},
            [None],
            {"x": 1},
            _deep(200),
        ]
    ),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
)


def _containers(doc: Any, path: tuple = ()) -> Iterator[tuple]:
    """Paths of every dict and list inside ``doc``."""
    if isinstance(doc, dict | list):
        yield path
        items = doc.items() if isinstance(doc, dict) else enumerate(doc)
        for key, value in items:
            yield from _containers(value, (*path, key))


def _at(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def mutated(draw, base: dict[str, Any], n_max: int = 3) -> dict[str, Any]:
    """``base`` with one to ``n_max`` random mutations."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, n_max))):
        paths = list(_containers(doc))
        container = _at(doc, draw(st.sampled_from(paths)))
        keys = list(container.keys() if isinstance(container, dict) else range(len(container)))
        op = draw(st.sampled_from(["replace", "delete", "insert"] if keys else ["insert"]))
        if op == "insert":
            if isinstance(container, dict):
                container[draw(st.sampled_from(["colour", "nmae", "", "ü" * 3, "id"]))] = draw(
                    ODD_VALUES
                )
            else:
                container.append(draw(ODD_VALUES))
            continue
        key = draw(st.sampled_from(keys))
        if op == "delete":
            del container[key]
        else:
            container[key] = draw(ODD_VALUES)
    return doc


@contextmanager
def no_hang() -> Iterator[None]:
    def alarm(signum, frame):
        raise AssertionError(f"a fuzz case took longer than {HANG_S} s (hang)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(HANG_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _write_pair(folder: Path, scenario: Any, topology_text: str | None = None) -> Path:
    """Write a scenario (and its topology: the shipped one unless given) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    topology_file = folder / "topology.yaml"
    topology_file.write_text(topology_text or TOPOLOGY_FILE.read_text(), encoding="utf-8")
    if isinstance(scenario, dict) and scenario.get("topology") == BASE_SCENARIO["topology"]:
        scenario = {**scenario, "topology": "topology.yaml"}
    path = folder / "scenario.yaml"
    path.write_text(_dump(scenario), encoding="utf-8")
    return path


def _check_api(path: Path, parsed_mapping: bool) -> None:
    """load + 1-replication simulate, or an InputError naming file (and field)."""
    with no_hang():
        try:
            scenario = rs.load_scenario(path)
            rs.simulate(scenario, replications=1, seed=1)
        except rs.InputError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.file and problem.message
                if parsed_mapping and "topology.yaml" not in problem.file:
                    # a document that parses as a mapping: every problem names a field
                    assert problem.field, str(problem)


def _check_cli(path: Path, out: Path) -> None:
    """`validate` and `run -n 1`: exit 0 or 2, no traceback, nothing written on 2."""
    runner = CliRunner()
    with no_hang():
        checked = runner.invoke(cli, ["validate", str(path)])
        run = runner.invoke(
            cli,
            [
                "run",
                str(path),
                "-n",
                "1",
                "--executor",
                "sequential",
                "--no-report",
                "--out",
                str(out),
            ],
        )
    for result in (checked, run):
        assert result.exit_code in (0, 2), (result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output
    assert (checked.exit_code == 0) == (run.exit_code == 0), (checked.output, run.output)
    if run.exit_code == 2:
        assert not out.exists() or not any(out.iterdir())


@settings(FUZZ, max_examples=150)
@given(doc=mutated(BASE_SCENARIO))
def test_mutated_scenario_api(doc: dict[str, Any], tmp_path_factory) -> None:
    path = _write_pair(tmp_path_factory.mktemp("s"), doc)
    _check_api(path, parsed_mapping=True)


@settings(FUZZ, max_examples=100)
@given(doc=mutated(BASE_TOPOLOGY))
def test_mutated_topology_api(doc: dict[str, Any], tmp_path_factory) -> None:
    path = _write_pair(tmp_path_factory.mktemp("t"), BASE_SCENARIO, _dump(doc))
    _check_api(path, parsed_mapping=True)


@settings(FUZZ, max_examples=40)
@given(doc=mutated(BASE_SCENARIO, n_max=2))
def test_mutated_scenario_cli(doc: dict[str, Any], tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("c")
    _check_cli(_write_pair(folder, doc), folder / "results")


@settings(FUZZ, max_examples=30)
@given(doc=mutated(BASE_TOPOLOGY, n_max=2))
def test_mutated_topology_cli(doc: dict[str, Any], tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("tc")
    _write_pair(folder, BASE_SCENARIO, _dump(doc))
    _check_cli(folder / "topology.yaml", folder / "results")
    _check_cli(folder / "scenario.yaml", folder / "results")


def _truncated(text: str) -> st.SearchStrategy[bytes]:
    data = text.encode()
    return st.integers(0, len(data)).map(lambda n: data[:n])


RAW_FILES = st.one_of(
    st.binary(max_size=2000),
    _truncated(SCENARIO_FILE.read_text()),
    st.text(alphabet="[]{}:-&*!|>'\"\n #ab0", max_size=300).map(str.encode),
)


@settings(FUZZ, max_examples=100)
@given(data=RAW_FILES, as_topology=st.booleans())
def test_raw_files(data: bytes, as_topology: bool, tmp_path_factory) -> None:
    """Garbage, truncated files and YAML punctuation soup, as scenario or topology."""
    folder = tmp_path_factory.mktemp("raw")
    if as_topology:
        _write_pair(folder, BASE_SCENARIO)
        (folder / "topology.yaml").write_bytes(data)
    else:
        (folder / "scenario.yaml").write_bytes(data)
    _check_api(folder / "scenario.yaml", parsed_mapping=False)
    _check_cli(folder / "scenario.yaml", folder / "results")


def _bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [_bomb(9), _bomb(30, 2), "a: &a [*a]\n", "[" * 20_000 + "]" * 20_000],
    ids=["billion-laughs", "binary-doubling", "self-alias", "deep-nesting"],
)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_bombs_are_refused_with_bounded_work(tmp_path: Path, text: str, suffix: str) -> None:
    """A billion-laughs file (10**9 expanded nodes from 10 written lines) is refused
    with a document-level InputError naming the file, before anything walks it."""
    path = tmp_path / f"bomb{suffix}"
    path.write_text(text)
    with no_hang(), pytest.raises(rs.InputError) as info:
        rs.load_scenario(path)
    assert all(p.file == str(path) for p in info.value.problems)


def test_moderate_aliases_are_accepted(tmp_path: Path) -> None:
    """Ordinary anchors (one crew definition reused) still load."""
    text = SCENARIO_FILE.read_text().replace(
        "topology: ../topologies/pacific_island.yaml", f"topology: {TOPOLOGY_FILE}"
    )
    text += "\nx-defaults: &d {a: 1}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(rs.InputError) as info:  # unknown key, but parsed fine
        rs.load_scenario(path)
    assert [p.field for p in info.value.problems] == ["x-defaults"]


@functools.cache
def _exported(suffix: str) -> bytes:
    """The shipped topology written in another format (GraphML, native JSON)."""
    from resilience_sim.topology import read_topology, write_topology

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"pacific_island{suffix}"
        write_topology(read_topology(TOPOLOGY_FILE), path)
        return path.read_bytes()


@st.composite
def spliced(draw, data: bytes) -> bytes:
    """``data`` truncated, or with a slice replaced by random bytes or markup."""
    start = draw(st.integers(0, len(data)))
    if draw(st.booleans()):
        return data[:start]
    end = draw(st.integers(start, min(len(data), start + 200)))
    insert = draw(st.one_of(st.binary(max_size=20), st.sampled_from([b"<", b"]", b'"', b"nan"])))
    return data[:start] + insert + data[end:]


@settings(FUZZ, max_examples=60)
@given(suffix=st.sampled_from([".graphml", ".json"]), data=st.data())
def test_spliced_topology_formats(suffix: str, data, tmp_path_factory) -> None:
    """GraphML and JSON topologies cut or spliced at a random byte: accepted or InputError."""
    from resilience_sim.topology import read_topology

    path = tmp_path_factory.mktemp("fmt") / f"topology{suffix}"
    path.write_bytes(data.draw(spliced(_exported(suffix))))
    with no_hang():
        try:
            read_topology(path)
        except rs.InputError as exc:
            assert all(p.file == str(path) and p.message for p in exc.problems)
