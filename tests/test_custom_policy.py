"""Restoration policies (issues 21.2, 22.1): one registry; custom policies resolved,
checked and probed at load time; any failure is `FILE: recovery.policy: ...`, exit 2,
with no traceback and no partial run folder left."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner
from test_cascades import policy_case, repair_order

import resilience_sim.scenario.loader as loader
from resilience_sim import InputError, load_scenario, simulate
from resilience_sim.cli import cli
from resilience_sim.engine.policies import POLICIES
from resilience_sim.experiments import LocalExecutor, run_study
from resilience_sim.scenario.custom_policy import JOB_FIELDS, resolve_custom_policy
from resilience_sim.scenario.recovery import BUILTIN_POLICIES, PolicyName
from resilience_sim.scenario.schema import Recovery

REPO = Path(__file__).parent.parent
SCENARIO = REPO / "scenarios" / "pacific_island_eruption.yaml"

POLICY_MODULE = """
import numpy as np

def last_first(jobs, context):
    return len(jobs) - 1

def numpy_index(jobs, context):
    return np.argmin([j["travel_h"] for j in jobs])

def one_argument(jobs):
    return 0

def returns_none(jobs, context):
    return None

def returns_bool(jobs, context):
    return True

def out_of_range(jobs, context):
    return len(jobs)

def raises(jobs, context):
    raise KeyError("severity")

def fails_on_real_assets(jobs, context):
    if not jobs[0]["asset"].startswith("probe-"):
        raise RuntimeError("only tested on the probe")
    return 0

SEEN = []

def records(jobs, context):
    SEEN.append((jobs, context))
    return 0

NOT_CALLABLE = 42
"""


@pytest.fixture
def policies(tmp_path, monkeypatch) -> str:
    """A fresh importable module of policies; returns its name."""
    name = "policies_" + re.sub(r"\W", "_", tmp_path.name)
    (tmp_path / f"{name}.py").write_text(POLICY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def scenario_file(tmp_path: Path, policy: str, replications: int = 4) -> Path:
    """The shipped island scenario with ``recovery.policy`` replaced."""
    text = SCENARIO.read_text()
    text = text.replace("topology: ../topologies/", f"topology: {REPO}/topologies/")
    text = text.replace("policy: most_users_first", f"policy: {policy!r}")
    text = re.sub(r"(?m)^replications: \d+", f"replications: {replications}", text)
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def test_the_registry_is_the_schema_and_the_docs():
    """Every schema name has one implementation, and the docs describe each."""
    assert set(POLICIES) == set(get_args(PolicyName)) == set(BUILTIN_POLICIES)
    cascades = (REPO / "docs" / "cascades.md").read_text()
    for name in POLICIES:
        assert f"| `{name}` |" in cascades
    with pytest.raises(ValueError, match="did you mean 'nearest_first'"):
        Recovery(policy="nearest")
    with pytest.raises(ValueError, match="unknown policy 3"):
        Recovery(policy=3)


def test_a_custom_policy_sees_the_documented_job_fields(policies):
    order = repair_order(policy_case(f"{policies}:last_first"))
    assert order == ["hospital", "big", "small"]
    # numpy integers are indices too: nearest (all travel 0 here) -> the first, fifo order
    assert repair_order(policy_case(f"{policies}:numpy_index")) == ["small", "big", "hospital"]
    seen = sys.modules[policies].SEEN
    seen.clear()
    simulate(policy_case(f"{policies}:records"))
    jobs, context = seen[-1]  # the last call of the study (the probe calls come first)
    assert all(tuple(job) == JOB_FIELDS for job in jobs)
    assert {j["asset"] for j in jobs} <= {"small", "big", "hospital"}
    assert context == {"now_h": context["now_h"], "policy": f"{policies}:records"}


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("missing", "module '{m}' has no 'missing'"),
        ("NOT_CALLABLE", "{m}:NOT_CALLABLE is a int, not a function(jobs, context) -> int"),
        ("one_argument", "{m}:one_argument has the signature (jobs); a custom policy is called"),
        ("returns_none", "returned None (NoneType), not the index of a job"),
        ("returns_bool", "returned True (bool), not the index of a job"),
        ("out_of_range", "returned 2, not the index of one of the 2 jobs (0 to 1); found by a"),
        ("raises", "raised KeyError: 'severity' (at 2 h, choosing among 2 jobs); found by a"),
    ],
)
def test_a_bad_custom_policy_is_refused_at_load_time(policies, tmp_path, function, message):
    path = scenario_file(tmp_path, f"{policies}:{function}")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == (str(path), "recovery.policy")
    assert message.format(m=policies) in problem.message


def test_os_system_and_an_unknown_module_fail_validate_with_exit_2(tmp_path):
    for policy, message in [
        ("os:system", "recovery.policy: os:system has the signature (command); a custom policy"),
        (
            "no_such_module_xyz:f",
            "recovery.policy: cannot import module 'no_such_module_xyz' of custom policy",
        ),
    ]:
        path = scenario_file(tmp_path, policy)
        result = CliRunner().invoke(cli, ["validate", str(path)])
        assert result.exit_code == 2, result.output
        assert f"{path}: {message}" in result.stderr
        assert "Traceback" not in result.output + result.stderr


def test_a_bad_policy_on_the_cli_leaves_nothing(policies, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", str(scenario_file(tmp_path, f"{policies}:raises")), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "recovery.policy: custom policy" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_policy_failing_mid_study_is_an_input_error_and_leaves_no_partial(
    policies, tmp_path, workers
):
    """The probe passes; the first real queue makes the policy raise, in this process or
    in a worker (the InputError comes back whole): exit 2, the run folder removed."""
    path = scenario_file(tmp_path, f"{policies}:fails_on_real_assets")
    out = tmp_path / "out"
    scenario = load_scenario(path)
    with pytest.raises(InputError) as info:
        run_study(scenario, out, 4, 1, executor=LocalExecutor(workers), batch_size=2)
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == (str(path), "recovery.policy")
    assert "raised RuntimeError: only tested on the probe" in problem.message
    assert list(out.iterdir()) == []

    cli_out = tmp_path / "cli"
    result = CliRunner().invoke(
        cli, ["run", str(path), "--out", str(cli_out), "--executor", "local", "--workers", "2"]
    )
    assert result.exit_code == 2, result.output
    assert f"{path}: recovery.policy: custom policy" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(cli_out.iterdir()) == []


def test_a_custom_policy_is_resolved_once_per_study(policies, tmp_path, monkeypatch):
    """Once when the scenario is loaded and once when the study is built, whatever the
    number of replications and batches; never by a replication."""
    calls = []

    def counting(path, file):
        calls.append(path)
        return resolve_custom_policy(path, file)

    def never(path, file):
        raise AssertionError("resolved by a replication")

    monkeypatch.setattr(loader, "resolve_custom_policy", counting)
    monkeypatch.setattr("resilience_sim.engine.policies.resolve_custom_policy", never)
    scenario = load_scenario(scenario_file(tmp_path, f"{policies}:last_first"))
    assert len(calls) == 1
    run_study(scenario, tmp_path / "out", 6, 1, batch_size=2)
    assert len(calls) == 2
