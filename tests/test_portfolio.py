"""Portfolio optimisation: a toy case with a known optimum (by enumeration and by MILP),
an interaction the additive approximation misses, the knapsack solver against brute
force, the file, the folder, the report and the command."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from resilience_sim.cli import cli
from resilience_sim.errors import InputError
from resilience_sim.experiments.compare import capital_recovery_factor
from resilience_sim.experiments.portfolio import (
    knapsack_milp,
    load_portfolio,
    optimise_portfolio,
    pareto_mask,
    write_portfolio,
)
from resilience_sim.reports.html import write_report

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no crew repairs:resilience_sim.errors.InputWarning"
)

TOPOLOGY = {
    "name": "star",
    "nodes": [
        {"id": "X", "kind": "exchange"},
        {"id": "G", "kind": "gateway"},
        {"id": "A", "kind": "cell_site", "population": 100},
        {"id": "B", "kind": "cell_site", "population": 40},
        {"id": "C", "kind": "cell_site", "population": 60},
    ],
    "links": [
        {"id": "xg", "source": "X", "target": "G", "kind": "submarine_cable"},
        {"id": "xa", "source": "X", "target": "A", "kind": "terrestrial_fiber"},
        {"id": "xb", "source": "X", "target": "B", "kind": "terrestrial_fiber"},
        {"id": "xc", "source": "X", "target": "C", "kind": "terrestrial_fiber"},
    ],
}


def backup(site: str, capex: float, link_id: str | None = None) -> dict:
    link = {"id": link_id or f"mw-{site}", "source": "X", "target": site, "kind": "microwave"}
    return {"capex_musd": capex, "lifetime_years": 10, "add_links": [link]}


def write_problem(folder: Path, variants: dict, **portfolio) -> Path:
    """The three fibre links fail and stay down for the 10 h horizon, once a year:
    without investment A, B, C lose 1,000, 400 and 600 user-h a year. A microwave backup
    of a site avoids its loss."""
    (folder / "star.yaml").write_text(yaml.safe_dump(TOPOLOGY))
    scenario = {
        "name": "fibre cut",
        "topology": "star.yaml",
        "horizon_h": 10,
        "replications": 2,
        "hazards": [{"type": "asset_failure", "assets": ["xa", "xb", "xc"]}],
        "variants": variants,
        "economics": {
            "event_frequency_per_year": 1.0,
            "discount_rate": 0.0,
            "value_per_user_h_usd": 5000.0,
        },
    }
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario))
    file = folder / "portfolio.yaml"
    file.write_text(yaml.safe_dump({"name": "toy", "scenario": "scenario.yaml", **portfolio}))
    return file


THREE = {"a": backup("A", 5.0), "b": backup("B", 3.0), "c": backup("C", 4.0)}


@pytest.mark.parametrize("method", ["enumerate", "milp"])
def test_known_optimum_within_budget(tmp_path, method):
    """Budget 8 MUSD of capex: {a, b} costs 8 and avoids 1,400; {b, c} costs 7 and avoids
    1,000; {a, c} (9) and {a, b, c} (12) are over. The optimum is {a, b}. Benefits are
    exactly additive here, so every interaction is 0."""
    file = write_problem(tmp_path, THREE, budget_musd=8, method=method)
    result = optimise_portfolio(load_portfolio(file))
    assert result.method == method
    assert result.chosen == ("a", "b")
    table = result.table.set_index("portfolio")
    assert table.loc["a+b", "benefit_user_h_per_year"] == 1400.0
    assert table.loc["a+b", "benefit_se"] == 0.0
    assert table.loc["(none)", "expected_annual_user_h"] == 2000.0
    # annual cost at r = 0: capex / 10 years
    assert table.loc["a+b", "annual_cost_musd"] == pytest.approx(0.8)
    assert (result.interactions.interaction_user_h_per_year == 0.0).all()
    if method == "enumerate":
        assert len(table) == 8
        # (annual cost, benefit): none (0, 0), b (0.3, 400), c (0.4, 600), a (0.5, 1000),
        # b+c (0.7, 1000), a+b (0.8, 1400), a+c (0.9, 1600), a+b+c (1.2, 2000): only b+c
        # is dominated (by a: cheaper, as good)
        assert set(table.index[~table.pareto]) == {"b+c"}


def test_net_benefit_objective(tmp_path):
    """5,000 USD per user-hour: net benefit of a site's backup = 5,000 x loss / 1e6 -
    capex / 10: a 5.0 - 0.5 = 4.5, b 2.0 - 0.3 = 1.7, c 3.0 - 0.4 = 2.6 MUSD a year, all
    positive, so without a budget all three are chosen (8.8)."""
    file = write_problem(tmp_path, THREE, objective="max_net_benefit")
    result = optimise_portfolio(load_portfolio(file))
    table = result.table.set_index("portfolio")
    assert table.loc["a", "net_benefit_musd_per_year"] == pytest.approx(4.5)
    assert table.loc["a+b+c", "net_benefit_musd_per_year"] == pytest.approx(8.8)
    assert result.chosen == ("a", "b", "c")


def test_overlapping_investments_show_as_interaction(tmp_path):
    """Two backups of the same site A: together they avoid 1,000, not 2,000: the
    interaction is -1,000. The MILP, additive, takes both within a budget of 6 (believing
    2,000); its pick is then simulated and reported at 1,000."""
    variants = {"a": backup("A", 5.0), "a2": backup("A", 1.0, "mw-A-2"), "b": backup("B", 3.0)}
    file = write_problem(tmp_path, variants, budget_musd=6, method="milp")
    result = optimise_portfolio(load_portfolio(file))
    table = result.table.set_index("portfolio")
    assert table.loc["a+a2", "interaction_user_h_per_year"] == -1000.0
    assert table.loc["a+a2", "additive_benefit_user_h_per_year"] == 2000.0
    assert table.loc["a+a2", "benefit_user_h_per_year"] == 1000.0
    # within 6: a+a2 (6, actual 1,000), a2+b (4, 1,400), a (5, 1,000): the evaluated
    # choice is a2+b, whatever the approximation believed
    assert result.chosen == ("a2", "b")


def test_knapsack_matches_brute_force():
    rng = np.random.default_rng(12345)
    for _ in range(20):
        value = rng.normal(5.0, 4.0, size=9)
        weight = rng.uniform(0.5, 5.0, size=9)
        budget = float(rng.uniform(2.0, 15.0))
        x = knapsack_milp(value, weight, budget)
        best = max(
            (
                sum(value[i] for i in s)
                for k in range(10)
                for s in itertools.combinations(range(9), k)
                if sum(weight[i] for i in s) <= budget
            ),
            default=0.0,
        )
        assert weight[x].sum() <= budget + 1e-9
        assert value[x].sum() == pytest.approx(best, abs=1e-6)


def test_pareto_with_equity_keeps_fairer_points():
    cost = np.array([1.0, 1.0, 2.0])
    benefit = np.array([10.0, 10.0, 5.0])
    fairness = np.array([-3.0, -1.0, 0.0])  # lower worst-region hours is better
    assert pareto_mask(cost, benefit).tolist() == [True, True, False]
    assert pareto_mask(cost, benefit, fairness).tolist() == [False, True, True]


def test_bad_portfolio_input(tmp_path):
    file = write_problem(tmp_path, THREE, candidates=["a", "zzz"])
    with pytest.raises(InputError, match="zzz"):
        load_portfolio(file)
    file = write_problem(tmp_path, THREE)
    document = yaml.safe_load(file.read_text())
    document["event_set"] = "x.yaml"
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(InputError, match="exactly one"):
        load_portfolio(file)


def test_conflicting_candidates_refused_before_any_run(tmp_path):
    """Two variants adding the same link id cannot be built together."""
    variants = {"a": backup("A", 5.0), "same": backup("B", 1.0, "mw-A")}
    file = write_problem(tmp_path, variants)
    problem = load_portfolio(file)
    calls = []
    with pytest.raises(InputError, match="a\\+same"):
        optimise_portfolio(problem, progress=calls.append)
    assert calls == []


def test_shipped_portfolio_loads():
    problem = load_portfolio(ROOT / "scenarios/decisions/pacific_island_portfolio.yaml")
    assert problem.candidates == ("second_cable", "leo_backup", "batteries", "extra_crews")
    assert problem.event_set.spec.catalogue_years == 300
    assert len(problem.event_set.scenarios) > 100


def test_write_report_and_command(tmp_path):
    file = write_problem(tmp_path, THREE, budget_musd=8)
    folder = write_portfolio(optimise_portfolio(load_portfolio(file)), tmp_path / "r")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "portfolio" and manifest["chosen"] == ["a", "b"]
    assert "portfolio-front" in write_report(folder).read_text()
    result = CliRunner().invoke(cli, ["portfolio", str(file), "--out", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "chosen" in result.output and "a + b" in result.output
    bad = CliRunner().invoke(cli, ["portfolio", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_crf_used_for_annual_cost(tmp_path):
    variants = {"a": backup("A", 5.0)}
    file = write_problem(tmp_path, variants)
    document = yaml.safe_load((tmp_path / "scenario.yaml").read_text())
    document["economics"]["discount_rate"] = 0.05
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(document))
    problem = load_portfolio(file)
    assert problem.annual_cost_musd[0] == pytest.approx(5.0 * capital_recovery_factor(0.05, 10))


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=12
    )
)
def test_pareto_front_properties(points):
    """No front member is dominated; every other point is dominated by a front member."""
    p = np.array(points, dtype=float)
    cost, benefit, fair = p[:, 0], p[:, 1], p[:, 2]
    front = pareto_mask(cost, benefit, fair)

    def dominates(i, j):
        better_eq = cost[i] <= cost[j] and benefit[i] >= benefit[j] and fair[i] >= fair[j]
        strictly = cost[i] < cost[j] or benefit[i] > benefit[j] or fair[i] > fair[j]
        return better_eq and strictly

    n = len(p)
    for j in range(n):
        dominated = any(dominates(i, j) for i in range(n))
        assert front[j] == (not dominated)
        if not front[j]:
            assert any(front[i] and dominates(i, j) for i in range(n))
