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
from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.experiments.limits import BYTES_PER_ASSET, CONCAT_FACTOR, estimate_memory
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
    tables = CONCAT_FACTOR x n x per_rep."""
    scenario = rs.load_scenario(SCENARIO)
    est = estimate_memory(scenario, 10, 1, n_workers=1, batch_size=2)
    n_assets = scenario.topology.n_nodes + scenario.topology.n_links
    assert est.topology_bytes == BYTES_PER_ASSET * n_assets * 2
    assert est.in_flight_bytes == 2 * est.per_replication_bytes
    assert est.tables_bytes == CONCAT_FACTOR * 10 * est.per_replication_bytes
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
            "100000",
            "--executor",
            "sequential",
            "--no-report",
            "--max-memory",
            "0.5",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 2, result.output
    assert f"{scenario}: --max-memory: expected the study to fit in 0.5 GB; estimated" in (
        result.output
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
            "0.5",
            "--out",
            str(out),
        ]
    )
    assert fits.exit_code == 0, fits.output


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
