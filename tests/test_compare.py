"""Variant comparison: common random numbers, paired intervals, economics, the run folder
and the `compare` command end to end."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

import resilience_sim as rs
from resilience_sim.cli import cli
from resilience_sim.experiments.compare import (
    capital_recovery_factor,
    compare,
    comparison_table,
    paired_difference,
    write_comparison,
)
from resilience_sim.scenario.variants import Economics, Variant

ROOT = Path(__file__).resolve().parents[1]
ISLAND_SCENARIO = ROOT / "scenarios" / "pacific_island_eruption.yaml"
INTL = "unserved_user_h_international"
DOM = "unserved_user_h_domestic"


@pytest.fixture(scope="module")
def island():
    return rs.load_scenario(ISLAND_SCENARIO)


def with_variants(scenario, variants: dict):
    """The scenario with extra variants (validated as a file would be)."""
    spec = scenario.spec.model_copy(
        update={
            "variants": {
                **scenario.spec.variants,
                **{k: Variant.model_validate(v) for k, v in variants.items()},
            }
        }
    )
    return dataclasses.replace(scenario, spec=spec)


def paired(comparison, metric: str) -> pd.DataFrame:
    """Per replication: variant value - baseline value (columns: variants)."""
    wide = comparison.summary.pivot(index="replication", columns="variant", values=metric)
    return wide.sub(wide["baseline"], axis=0)


def test_capital_recovery_factor_repays_the_capital_with_interest():
    """The present value of n payments of CRF at rate r is exactly 1 (the capital)."""
    for r, n in [(0.05, 20), (0.08, 25), (0.03, 5)]:
        crf = capital_recovery_factor(r, n)
        assert sum(crf / (1 + r) ** t for t in range(1, n + 1)) == pytest.approx(1.0)
    assert capital_recovery_factor(0.0, 10) == 0.1
    assert capital_recovery_factor(0.05, 20) == pytest.approx(0.0802426, abs=1e-7)


def test_paired_difference_matches_scipy_paired_t_test():
    """Oracle: scipy's paired t-test gives the same mean and confidence interval."""
    rng = np.random.default_rng(12345)
    base = rng.normal(100, 20, 40)
    var = base - 5 + rng.normal(0, 3, 40)
    got = paired_difference(var, base, 0.9)
    ci = stats.ttest_rel(var, base).confidence_interval(0.9)
    assert (got.mean, got.low, got.high, got.n) == pytest.approx(
        (np.mean(var - base), ci.low, ci.high, 40)
    )


def test_paired_difference_skips_nan_pairs_and_needs_two():
    d = paired_difference(np.array([1.0, np.nan, 4.0]), np.array([0.0, 1.0, np.nan]))
    assert (d.mean, d.n) == (1.0, 1) and np.isnan(d.low) and np.isnan(d.high)


def test_comparison_table_economics_hand_computed():
    """Baseline loses 1,000 and 1,200 international user-hours in two replications; the
    variant 600 and 1,000: paired differences -400 and -200, mean -300, sd 141.42,
    t_0.975,1 = 12.706, half-width 12.706 x 141.42 / sqrt 2 = 1,270.6.
    Annual cost: capex 10 MUSD over 10 years at 0 % = 1.0 + opex 0.5 = 1.5 MUSD/yr.
    Avoided: 300 user-h per event x 2 events per year = 600 per year;
    cost per avoided user-hour 1.5e6 / 600 = 2,500 USD; at 5,000 USD per user-hour
    the benefit is 3.0e6 USD per year, benefit-cost ratio 2.0."""
    summary = pd.DataFrame(
        {
            "variant": ["baseline", "baseline", "v", "v"],
            "replication": [0, 1, 0, 1],
            INTL: [1000.0, 1200.0, 600.0, 1000.0],
            DOM: [10.0, 10.0, 10.0, 10.0],
            "resilience_loss_h": [1.0, 2.0, 1.0, 2.0],
            "t_restore_90_h": [5.0, np.nan, 4.0, 3.0],
        }
    )
    economics = Economics(
        discount_rate=0.0, event_frequency_per_year=2.0, value_per_user_h_usd=5000.0
    )
    variants = {"v": Variant(capex_musd=10, opex_musd_per_year=0.5, lifetime_years=10)}
    table = comparison_table(summary, variants, economics).set_index("variant")
    v = table.loc["v"]
    half = stats.t.ppf(0.975, 1) * np.std([-400, -200], ddof=1) / np.sqrt(2)
    assert v[f"{INTL}_diff"] == -300.0
    assert (v[f"{INTL}_diff_low"], v[f"{INTL}_diff_high"]) == pytest.approx(
        (-300 - half, -300 + half)
    )
    assert (v[f"{INTL}_p5"], v[f"{INTL}_p95"]) == pytest.approx((620.0, 980.0))
    assert v.annual_cost_musd == pytest.approx(1.5)
    assert v.avoided_user_h_per_year == 600.0
    assert v.cost_per_avoided_user_h_usd == pytest.approx(2500.0)
    assert v.benefit_usd_per_year == pytest.approx(3.0e6)
    assert v.benefit_cost_ratio == pytest.approx(2.0)
    # the interval of the avoided hours includes zero: no interval for cost or ratio
    assert np.isnan(v.cost_per_avoided_user_h_usd_low) and np.isnan(v.benefit_cost_ratio_high)
    # t_restore_90_h: replication 1 is NaN in the baseline, so one pair: 4 - 5
    assert (v.t_restore_90_h_diff, v.t_restore_90_h_n) == (-1.0, 1)
    assert list(table.index) == ["v", "baseline"]  # ranked by mean international loss
    assert list(table["rank"]) == [1, 2]


def test_a_variant_identical_to_the_baseline_differs_by_exactly_zero(island):
    """Common random numbers: the same seeds give the same hazard draws and repair
    durations. A variant with only costs, and one that appends a site no hazard reaches
    (every existing asset keeps its index and draws), match the baseline exactly in every
    replication and every metric."""
    scenario = with_variants(
        island,
        {
            "costs_only": {"capex_musd": 1.0},
            "idle_site": {
                "add_nodes": [{"id": "spare", "kind": "data_center", "region": "tongatapu"}],
                "add_links": [
                    {
                        "id": "fibre-spare",
                        "source": "spare",
                        "target": "mua-exchange",
                        "kind": "terrestrial_fiber",
                    }
                ],
            },
        },
    )
    comparison = compare(scenario, replications=12, seed=11, variants=["costs_only", "idle_site"])
    metrics = [c for c in comparison.summary.columns if c not in ("variant", "replication")]
    base = comparison.summary[comparison.summary.variant == "baseline"]
    for name in ("costs_only", "idle_site"):
        var = comparison.summary[comparison.summary.variant == name]
        np.testing.assert_array_equal(var[metrics].to_numpy(), base[metrics].to_numpy())
        row = comparison.table.set_index("variant").loc[name]
        assert row[f"{INTL}_diff"] == row[f"{INTL}_diff_low"] == row[f"{INTL}_diff_high"] == 0


def test_shipped_second_cable_lowers_international_outage(island):
    """The shipped scenario: the eruption faults the only international cable and ash takes
    the satellite links off the air for 72 h, so the baseline is isolated for about three
    days and then lives on satellite until the cable ship arrives. A second cable on a
    southern route (outside the near field, so rarely faulted) keeps Tongatapu reachable.

    The paired 95 % t-interval of the difference in international unserved user-hours must
    lie below zero: with n = 20, mean / (sd / sqrt 20) > t_0.975,19 = 2.09. The cable saves
    of the order of 74,000 users x 72 h ~ 5e6 user-hours per replication, far above the
    spread that random cable faults and grid restoration times add."""
    comparison = compare(island, replications=20, seed=2022, variants=["second_cable"])
    table = comparison.table.set_index("variant")
    assert table.loc["second_cable", f"{INTL}_diff_high"] < 0
    assert table.loc["second_cable", f"{INTL}_mean"] < table.loc["baseline", f"{INTL}_mean"]
    assert table.loc["second_cable", "avoided_user_h_per_event_low"] > 0
    assert np.isfinite(table.loc["second_cable", "cost_per_avoided_user_h_usd_high"])


def test_batteries_shorten_the_domestic_outage(island):
    """In the shipped scenario the grid is down for a lognormal time (median 48 h) and
    ordinary cell sites hold only ~3 h on battery: 24 h batteries keep them up through
    most of the outage. Damage and grid draws are shared (common random numbers) and a
    battery never makes a site fail earlier, so every paired difference is <= 0, and the
    paired 95 % interval lies below zero."""
    comparison = compare(island, replications=20, seed=7, variants=["batteries"])
    assert (paired(comparison, DOM)["batteries"] <= 1e-6).all()
    assert comparison.table.set_index("variant").loc["batteries", f"{DOM}_diff_high"] < 0


def test_write_comparison_is_atomic_and_complete(island, tmp_path):
    comparison = compare(island, replications=3, seed=1, variants=["batteries"])
    run_dir = write_comparison(comparison, tmp_path)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["kind"] == "comparison"
    assert manifest["variants"] == list(comparison.table.variant)
    for name in manifest["files"]:
        assert (run_dir / name).is_file()
    pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "comparison.parquet"), comparison.table)
    summary = pd.read_parquet(run_dir / "summary.parquet")
    assert sorted(summary.variant.unique()) == ["baseline", "batteries"]
    assert not list(tmp_path.glob(".*"))


def test_compare_cli_end_to_end(tmp_path):
    """`compare` runs every variant of the shipped scenario, prints the ranked table and
    writes the comparison with one row per variant and every variant's summary."""
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(ISLAND_SCENARIO),
            "-n",
            "4",
            "--seed",
            "3",
            "--value-per-user-h",
            "1.5",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("baseline", "second_cable", "leo_backup", "batteries", "extra_crews"):
        assert name in result.output
    (run_dir,) = tmp_path.glob("*-compare-*")
    table = pd.read_csv(run_dir / "comparison.csv")
    assert sorted(table.variant) == [
        "baseline",
        "batteries",
        "extra_crews",
        "leo_backup",
        "second_cable",
    ]
    assert list(table["rank"]) == [1, 2, 3, 4, 5]
    assert table[f"{INTL}_mean"].is_monotonic_increasing
    assert (table.set_index("variant").loc["second_cable", "benefit_cost_ratio"]) > 0
    assert len(pd.read_csv(run_dir / "summary.csv")) == 5 * 4


def test_compare_cli_unknown_variant_exits_2(tmp_path):
    result = CliRunner().invoke(
        cli, ["compare", str(ISLAND_SCENARIO), "--variant", "nope", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert f"{ISLAND_SCENARIO}: variants: no variant 'nope'" in result.output
    assert not list(tmp_path.iterdir())


def test_compare_cli_bad_variant_reference_exits_2(tmp_path):
    document = yaml.safe_load(ISLAND_SCENARIO.read_text())
    document["topology"] = str(ROOT / "topologies" / "pacific_island.yaml")
    document["variants"] = {
        "broken": {
            "add_links": [
                {"id": "x", "source": "sopu-landing", "target": "atlantis", "kind": "microwave"}
            ]
        }
    }
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(document))
    result = CliRunner().invoke(cli, ["compare", str(file), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{file}: variants.broken.add_links[x].target: no node 'atlantis'" in result.output
    assert "Traceback" not in result.output
