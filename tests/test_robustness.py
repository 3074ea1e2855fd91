"""Safety, reproducibility, memory limits and error reporting (issue 10).

Fuzzing is in test_fuzz.py; kill-and-resume in test_resume.py; a Dask worker lost
mid-study in test_executors.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import resilience_sim as rs
from resilience_sim import validation
from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.experiments.limits import (
    BYTES_PER_ASSET,
    CURVE_BYTES,
    GB,
    REGION_ROW_BYTES,
    REPLAY_BYTES_PER_NODE,
    REPORT_SUMMARY_COPIES,
    SEED_BYTES,
    SUMMARY_COPIES,
    check_topology_memory,
    estimate_memory,
    size_text,
    topology_load_bytes,
)
from resilience_sim.experiments.rerun import differing_columns
from resilience_sim.experiments.results import write_folder

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "resilience_sim"
SCENARIO = ROOT / "scenarios" / "cyber_during_cyclone.yaml"
TOPOLOGY = ROOT / "topologies" / "pacific_island.yaml"

# Calls that run or unpickle arbitrary input, and YAML loaders that construct objects.
_UNSAFE = re.compile(
    r"\b(eval|exec)\(|pickle\.loads?\(|marshal\.loads?\(|shelve\.open\(|"
    r"yaml\.(unsafe_load|full_load|load_all)\(|yaml\.(Unsafe|Full)?Loader\b|"
    r"\.(query|eval)\(\s*f?[\"']"
)
_YAML_LOAD = re.compile(r"yaml\.load\((?P<args>[^)]*)\)")


def test_no_eval_exec_or_unsafe_loading_in_the_package() -> None:
    """No eval/exec/unpickling anywhere in the package; yaml.load only with a SafeLoader
    (sub)class. pandas ``query("...")``/``eval("...")`` count as eval (they parse
    expressions)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if _UNSAFE.search(code):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            for call in _YAML_LOAD.finditer(code):
                if "SafeLoader" not in call["args"]:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_yaml_loader_is_a_safe_loader() -> None:
    from resilience_sim.validation import _BoundedSafeLoader

    assert issubclass(_BoundedSafeLoader, yaml.SafeLoader)
    if validation._C_SAFE_LOADER is not None:  # large files: libyaml, the same constructor
        assert issubclass(validation._C_SAFE_LOADER, yaml.constructor.SafeConstructor)
        assert not issubclass(validation._C_SAFE_LOADER, yaml.constructor.FullConstructor)


def test_large_yaml_is_parsed_by_libyaml_to_the_same_documents_with_the_same_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the size threshold at 0, every shipped scenario and small topology goes
    through libyaml and gives the document the pure-Python parser gives; the alias
    bombs and deep nesting of test_fuzz are refused the same way."""
    from test_fuzz import _bomb

    if validation._C_SAFE_LOADER is None:
        pytest.skip("PyYAML without libyaml: every file uses the pure-Python parser")
    files = sorted((ROOT / "scenarios").glob("*.yaml")) + [
        ROOT / "topologies" / name for name in ("pacific_island.yaml", "archipelago.yaml")
    ]
    pure = [validation.read_document(f) for f in files]
    used = []
    monkeypatch.setattr(validation, "C_LOADER_MIN_CHARS", 0)
    c_loader = validation._load_yaml_with_libyaml
    monkeypatch.setattr(
        validation, "_load_yaml_with_libyaml", lambda text: used.append(1) or c_loader(text)
    )
    assert [validation.read_document(f) for f in files] == pure
    assert len(used) == len(files)
    bombs = {
        "billion-laughs": (_bomb(9), "YAML aliases expand too far"),
        "binary-doubling": (_bomb(30, 2), "YAML aliases expand too far"),
        "self-alias": ("a: &a [*a]\n", "an anchor used inside itself"),
        "deep-nesting": ("[" * 20_000 + "]" * 20_000, "nested too deeply"),
        "deep-blocks": ("".join("  " * i + "-\n" for i in range(5_000)), "nested too deeply"),
    }
    for name, (text, message) in bombs.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        with pytest.raises(InputError, match=message) as info:
            validation.read_document(path)
        assert [p.file for p in info.value.problems] == [str(path)]


def _copy_inputs(folder: Path, name: str | None = None) -> Path:
    """The shipped cyclone scenario and its topology, copied into ``folder``."""
    shutil.copy(TOPOLOGY, folder / "topology.yaml")
    doc = yaml.safe_load(SCENARIO.read_text())
    doc["topology"] = "topology.yaml"
    if name is not None:
        doc["name"] = name
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _run(args: list[str]):
    return CliRunner().invoke(cli, args)


def test_a_hostile_scenario_name_stays_inside_the_results_folder(tmp_path: Path) -> None:
    """The run folder name is a slug of the scenario name: '../../etc' cannot escape."""
    scenario = _copy_inputs(tmp_path, name="../../etc/passwd")
    out = tmp_path / "nested" / "results"
    result = _run(
        [
            "run",
            str(scenario),
            "-n",
            "1",
            "--executor",
            "sequential",
            "--no-report",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = out.iterdir()
    assert run_dir.parent == out and run_dir.name.startswith("etc-passwd-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "nested",
        "scenario.yaml",
        "topology.yaml",
    ]


@pytest.mark.parametrize("stem", ["../escape", "..", "a/b", ""])
def test_write_folder_refuses_names_that_are_not_plain_names(tmp_path: Path, stem: str) -> None:
    with pytest.raises(InputError, match="--out"):
        write_folder(tmp_path, stem, lambda tmp: None)
    assert list(tmp_path.iterdir()) == []


def _only_run(out: Path) -> Path:
    (run_dir,) = (p for p in out.iterdir() if not p.name.startswith("."))
    return run_dir


def test_rerun_reproduces_the_summary_bit_for_bit(tmp_path: Path) -> None:
    """run -> rerun says identical (exit 0); after editing the topology file it names
    the changed input, reruns from the snapshots and is still identical; after
    tampering with one summary column it names that column and exits 1."""
    scenario = _copy_inputs(tmp_path)
    out = tmp_path / "results"
    made = _run(
        [
            "run",
            str(scenario),
            "-n",
            "3",
            "--seed",
            "11",
            "--executor",
            "sequential",
            "--no-report",
            "--out",
            str(out),
        ]
    )
    assert made.exit_code == 0, made.output
    run_dir = _only_run(out)

    same = _run(["rerun", str(run_dir), "--executor", "sequential"])
    assert same.exit_code == 0, same.output
    assert "identical" in same.output and "3 replications, seed 11" in same.output
    assert "input changed" not in same.output

    topology = tmp_path / "topology.yaml"
    doc = yaml.safe_load(topology.read_text())
    doc["nodes"][0]["lat"] = float(doc["nodes"][0]["lat"]) + 0.5
    topology.write_text(yaml.safe_dump(doc, sort_keys=False))
    changed = _run(["rerun", str(run_dir), "--executor", "sequential"])
    assert changed.exit_code == 0, changed.output
    assert f"topology file {topology.resolve()} changed" in changed.output
    assert "scenario file" not in changed.output
    assert "snapshots" in changed.output and "identical" in changed.output

    summary = pd.read_parquet(run_dir / "summary.parquet")
    column = summary.columns[-1]
    summary[column] = summary[column] + 1e-12  # one ulp-scale change is enough
    summary.to_parquet(run_dir / "summary.parquet", index=False)
    different = _run(["rerun", str(run_dir), "--executor", "sequential"])
    assert different.exit_code == 1, different.output
    assert f"differing columns: {column}" in different.output


def test_rerun_of_a_folder_without_manifest_is_an_input_error(tmp_path: Path) -> None:
    result = _run(["rerun", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path}: RUN_DIR: not a finished run folder" in result.output


def test_differing_columns_is_exact() -> None:
    """1.0 vs 1.0 + 2**-52 differ; NaN equals NaN; a missing column and a row-count
    mismatch are reported."""
    a = pd.DataFrame({"x": [1.0, float("nan")], "y": [0, 1]})
    b = pd.DataFrame({"x": [1.0 + 2**-52, float("nan")], "y": [0, 1]})
    assert differing_columns(a, a.copy()) == []
    assert differing_columns(a, b) == ["x"]
    assert differing_columns(a, a[["x"]]) == ["y"]
    assert differing_columns(a, a.iloc[:1]) == ["x", "y"]


def test_memory_estimate_terms() -> None:
    """Hand check of the documented formula with one worker and batch size 2:
    topology = BYTES_PER_ASSET x n_assets x (1 + 1), in flight = 1 x 2 x per_rep,
    summary = n x (SUMMARY_COPIES x summary row + SEED_BYTES), no result tables stacked;
    the report term only when the report is drawn."""
    scenario = rs.load_scenario(SCENARIO)
    topology = scenario.topology
    est = estimate_memory(scenario, 10, 1, n_workers=1, batch_size=2)
    n_assets = topology.n_nodes + topology.n_links
    assert est.topology_bytes == BYTES_PER_ASSET * n_assets * 2
    assert est.in_flight_bytes == 2 * est.per_replication_bytes
    pilot = rs.simulate(scenario, 3, 1)
    summary_row = -(-int(pilot.summary.memory_usage(deep=True).sum()) // 3)
    assert est.summary_bytes == 10 * (SUMMARY_COPIES * summary_row + SEED_BYTES)
    assert est.report_bytes == 0
    assert est.total_bytes == est.topology_bytes + est.in_flight_bytes + est.summary_bytes
    drawn = estimate_memory(scenario, 10, 1, n_workers=1, batch_size=2, report=True)
    assert drawn.report_bytes == (
        CURVE_BYTES
        + 10 * (REPORT_SUMMARY_COPIES * summary_row + len(topology.regions) * REGION_ROW_BYTES)
        + 10 * topology.n_nodes * REPLAY_BYTES_PER_NODE
    )
    # a 100,000-replication study no longer needs its tables in memory at once
    large = estimate_memory(scenario, 100_000, 1, n_workers=2, report=True)
    assert large.total_bytes < 0.5 * GB < 100_000 * large.per_replication_bytes
    one = rs.simulate(scenario, 1, 1)
    measured = sum(
        int(getattr(one, t).memory_usage(deep=True).sum())
        for t in ("timeline", "regional", "events", "summary")
    )
    assert est.per_replication_bytes >= measured  # the largest of the pilots


def test_max_memory_refuses_a_study_that_cannot_fit(tmp_path: Path) -> None:
    scenario = _copy_inputs(tmp_path)
    out = tmp_path / "results"
    result = _run(
        [
            "run",
            str(scenario),
            "-n",
            "1000000",
            "--executor",
            "sequential",
            "--no-report",
            "--max-memory",
            "0.1",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 2, result.output
    assert f"{scenario}: --max-memory: expected the study to fit in 0.1 GB; estimated" in (
        result.output
    )
    # a million summary rows (~190 bytes each, twice while stacked) and seeds; no report
    assert re.search(
        r"per replication\) \+ summary (8\d\d MB|0\.9\d GB) \+ report 0 kB", result.output
    )
    assert "Traceback" not in result.output
    assert not out.exists()
    fits = _run(
        [
            "run",
            str(scenario),
            "-n",
            "2",
            "--executor",
            "sequential",
            "--no-report",
            "--max-memory",
            "0.1",
            "--out",
            str(out),
        ]
    )
    assert fits.exit_code == 0, fits.output


def test_max_memory_refuses_a_large_yaml_topology_before_parsing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated 2,000-node YAML topology (~0.6 MB, about 60 MB to parse) with
    --max-memory 0.01: exit 2 naming the topology file and --max-memory, with the
    estimate and the advice; the file is never parsed and nothing is written. With
    4 GB the same run goes ahead."""
    topology = tmp_path / "national.yaml"
    generated = _run(
        ["topology", "generate", "--nodes", "2000", "--seed", "1", "--out", str(topology)]
    )
    assert generated.exit_code == 0, generated.output
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "name: large topology\ntopology: national.yaml\nhorizon_h: 48\nhazards:\n"
        "  - {type: asset_failure, kind: cell_site, fraction: 0.01}\n"
    )
    out = tmp_path / "results"
    args = ["run", str(scenario), "-n", "1", "--executor", "sequential", "--no-report"]
    parsed = []
    real_read = rs.scenario.loader.read_topology
    monkeypatch.setattr(
        rs.scenario.loader, "read_topology", lambda path: parsed.append(path) or real_read(path)
    )

    refused = _run([*args, "--max-memory", "0.01", "--out", str(out)])

    assert refused.exit_code == 2, refused.output
    needed = topology_load_bytes(topology)
    assert needed == 100 * topology.stat().st_size  # below the libyaml threshold
    assert (
        f"{topology.resolve()}: --max-memory: expected the topology to load in 0.01 GB; "
        f"parsing this {size_text(topology.stat().st_size)} YAML file needs about "
        f"{size_text(needed)}"
    ) in refused.output
    assert "save it as JSON, which needs about 3x less memory to load" in refused.output
    assert "Traceback" not in refused.output
    assert parsed == [] and not out.exists()

    accepted = _run([*args, "--max-memory", "4", "--out", str(out)])

    assert accepted.exit_code == 0, accepted.output
    assert parsed == [topology.resolve()] and len(list(out.iterdir())) == 1


def test_topology_load_estimates_by_format(tmp_path: Path) -> None:
    """Bytes per byte of file, by format; libyaml for YAML from C_LOADER_MIN_CHARS."""
    sizes = {"a.json": 1000, "a.graphml": 1000, "a.gml": 1000, "small.yaml": 1000}
    sizes["large.yml"] = validation.C_LOADER_MIN_CHARS
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b" " * size)
    estimates = {name: topology_load_bytes(tmp_path / name) for name in sizes}
    assert estimates == {
        "a.json": 16_000,
        "a.graphml": 37_000,
        "a.gml": 27_000,
        "small.yaml": 100_000,
        "large.yml": 64 * validation.C_LOADER_MIN_CHARS,
    }
    assert check_topology_memory(tmp_path / "a.json", 1e-3) == 16_000
    with pytest.raises(InputError, match=r"a\.graphml: --max-memory: .* raise --max-memory$"):
        check_topology_memory(tmp_path / "a.graphml", 1e-5)


def test_validate_lists_every_schema_problem_at_once(tmp_path: Path) -> None:
    """Three independent schema problems (a misspelt key, a misspelt hazard type, a
    negative crew count) are all reported by one `validate`, with did-you-mean hints."""
    scenario = _copy_inputs(tmp_path)
    doc = yaml.safe_load(scenario.read_text())
    doc["horizon_dayz"] = doc.pop("horizon_days")
    doc["hazards"][0]["type"] = "tropical_cyclon"
    doc["recovery"]["crews"][0]["count"] = -3
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = _run(["validate", str(scenario)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(str(scenario))]
    assert len(lines) == 3, result.output
    assert lines[0] == (
        f"{scenario}: horizon_dayz: unknown field 'horizon_dayz' (did you mean 'horizon_days'?)"
    ) or any("did you mean 'horizon_days'?" in line for line in lines)
    assert any(
        "hazards[0].type: unknown type 'tropical_cyclon'" in line
        and "did you mean 'tropical_cyclone'?" in line
        for line in lines
    )
    assert any("recovery.crews[0].count:" in line for line in lines)


def test_validate_lists_every_reference_problem_at_once(tmp_path: Path) -> None:
    """Three unknown ids (crew depot, failed asset, stopgap node), each with a
    did-you-mean naming the closest id in the topology."""
    scenario = _copy_inputs(tmp_path)
    doc = yaml.safe_load(scenario.read_text())
    doc["recovery"]["crews"][0]["depot"] = "nukualofa-operations-center"
    doc["hazards"][1]["assets"] = ["tcs-sopu-suvaa"]
    doc["recovery"]["crews"][1]["depot"] = "neiafu-exchang"
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = _run(["validate", str(scenario)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(str(scenario))]
    assert len(lines) == 3, result.output
    assert any(
        "hazards[1].assets[0]:" in line and "did you mean 'tcs-sopu-suva'?" in line
        for line in lines
    )
    assert any(
        "recovery.crews[0].depot:" in line and "did you mean 'nukualofa-operations-centre'?" in line
        for line in lines
    )
    assert any(
        "recovery.crews[1].depot:" in line and "did you mean 'neiafu-exchange'?" in line
        for line in lines
    )


def test_user_text_in_the_report_is_escaped(tmp_path: Path) -> None:
    """A scenario name, description and region name carrying markup end up in
    report.html as text: no injected element, every <script> closed by its own tag."""
    hostile = "</script><script>alert(3)</script><img src=x onerror=alert(4)>"
    scenario = _copy_inputs(tmp_path, name=hostile)
    doc = yaml.safe_load(scenario.read_text())
    doc["description"] = hostile
    scenario.write_text(yaml.safe_dump(doc, sort_keys=False))
    topology = tmp_path / "topology.yaml"
    topo = yaml.safe_load(topology.read_text())
    region = topo["nodes"][0]["region"]
    for node in topo["nodes"]:
        if node.get("region") == region:
            node["region"] = hostile
    topology.write_text(yaml.safe_dump(topo, sort_keys=False))
    out = tmp_path / "results"
    result = _run(["run", str(scenario), "-n", "2", "--executor", "sequential", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (_only_run(out) / "report.html").read_text()
    assert "alert(3)" in html  # the text is there ...
    assert "<script>alert" not in html and "<img src=x" not in html  # ... but inert
    assert html.count("<script") == html.count("</script>")


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda: rs.load_scenario(123), "<api>: path: expected a file path"),
        (lambda: rs.load_scenario(None), "<api>: path: expected a file path"),
        (lambda: rs.load_topology(b"t.yaml"), "<api>: path: expected a file path"),
        (lambda: rs.load_scenario(ROOT / "scenarios"), "expected a file, found a folder"),
        (lambda: rs.load_topology(ROOT / "missing.yaml"), "missing.yaml: <document>: file not"),
        (
            lambda: rs.Scenario.from_dict(["x"], rs.load_topology(TOPOLOGY)),
            "<scenario>: <document>: expected a mapping of fields, got list",
        ),
    ],
)
def test_api_misuse_is_an_input_error(call, where: str) -> None:
    """Wrong argument types reach the user as InputError, not TypeError deep inside."""
    with pytest.raises(InputError) as info:
        call()
    assert where in str(info.value)


def test_sizes_are_written_for_people():
    assert size_text(2_600) == "2.6 kB"
    assert size_text(348e6) == "348 MB"
    assert size_text(0.96e9) == "0.96 GB"
    assert size_text(17.2e9) == "17.2 GB"
