"""Reports of comparison and sweep folders: figure data equal to the folders' tables,
hand-computed values, escaping of user text, dispatch by folder kind and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import line_topology, scenario_on
from scipy import stats

from resilience_sim.cli import cli
from resilience_sim.experiments import sweep
from resilience_sim.experiments.compare import (
    COMPARED_METRICS,
    Comparison,
    comparison_table,
    write_comparison,
)
from resilience_sim.experiments.sweep import write_sweep
from resilience_sim.reports import folder_kind, write_report
from resilience_sim.reports.compare_report import (
    ComparisonFolder,
    difference_figure,
    economics_figure,
    spread_figure,
)
from resilience_sim.reports.sweep_report import SweepFolder, response_figure
from resilience_sim.scenario.variants import Economics, Variant
from resilience_sim.topology import write_topology

HOSTILE = "<b>x</b>"
ESCAPED = "&lt;b&gt;x&lt;/b&gt;"
INTL = "unserved_user_h_international"
DOM = "unserved_user_h_domestic"


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory):
    """A comparison folder written by ``write_comparison`` from a hand-made summary.

    International unserved user-hours in replications 0 and 1: baseline 1,000 and 1,200;
    ``<b>x</b>`` 600 and 1,000 (paired differences -400, -200: mean -300, sd 141.42,
    t_0.975,1 = 12.706, CI half-width 12.706 x 141.42 / sqrt 2 = 1,270.6); ``same``
    equal to the baseline. Annual cost of ``<b>x</b>``: 10 MUSD over 10 years at 0 %
    plus 0.5 opex = 1.5 MUSD; avoided 300 x 2 events/yr = 600 user-h/yr, so
    2,500 USD per avoided user-hour and, at 5,000 USD per user-hour, B/C = 2.0.
    """
    summary = pd.DataFrame(
        {
            "variant": ["baseline"] * 2 + [HOSTILE] * 2 + ["same"] * 2,
            "replication": [0, 1] * 3,
            INTL: [1000.0, 1200.0, 600.0, 1000.0, 1000.0, 1200.0],
            DOM: [10.0, 30.0, 10.0, 10.0, 10.0, 30.0],
            "resilience_loss_h": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
            "t_restore_90_h": [5.0, np.nan, 4.0, 3.0, 5.0, np.nan],
        }
    )
    economics = Economics(
        discount_rate=0.0, event_frequency_per_year=2.0, value_per_user_h_usd=5000.0
    )
    variants = {
        HOSTILE: Variant(
            description=f"a {HOSTILE} cable",
            capex_musd=10,
            opex_musd_per_year=0.5,
            lifetime_years=10,
        ),
        "same": Variant(capex_musd=1.0),
    }
    comparison = Comparison(
        scenario=scenario_on(line_topology()),
        seed=1,
        replications=2,
        confidence=0.95,
        economics=economics,
        table=comparison_table(summary, variants, economics, 0.95),
        summary=summary,
        wall_time_s=0.1,
    )
    return write_comparison(comparison, tmp_path_factory.mktemp("compare"))


def test_comparison_folder_is_recognised_and_gets_its_report(comparison_dir):
    assert folder_kind(comparison_dir) == "comparison"
    page = write_report(comparison_dir).read_text()
    assert page == (comparison_dir / "report.html").read_text()
    for div in ("spread-user-h", "spread-hours", "diff-user-h", "diff-hours"):
        assert f'id="{div}"' in page
    assert 'id="cost_per_avoided_user_h_usd"' in page and 'id="benefit_cost_ratio"' in page
    assert "plotly.js v" in page and page.count("plotly.js v") == 1  # embedded once
    assert 'id="recovery-curves"' not in page  # not the run report


def test_variant_names_are_escaped_everywhere(comparison_dir):
    """The hostile name appears only escaped: in the figures' axis labels (plotly draws
    a subset of HTML there) and in the tables, never as markup."""
    page = write_report(comparison_dir).read_text()
    assert HOSTILE not in page
    assert ESCAPED in page
    assert f"a {ESCAPED} cable" in page  # the description, in the table


def test_spread_figure_holds_mean_and_90_percent_interval(comparison_dir):
    """Markers at each variant's mean, error bars to p5 and p95, variants in rank order.
    Oracle: the numbers of comparison.parquet, and for ``<b>x</b>`` by hand:
    international mean 800, p5 = 600 + 0.05 x 400 = 620, p95 = 980."""
    folder = ComparisonFolder.read(comparison_dir)
    t = pd.read_parquet(comparison_dir / "comparison.parquet")
    assert list(t.variant) == [HOSTILE, "baseline", "same"]  # ranked; ties by cost
    fig = spread_figure(folder, COMPARED_METRICS[:2])
    assert [tr.name for tr in fig.data] == ["Unserved user-hours, domestic",
                                            "Unserved user-hours, international"]  # fmt: skip
    for trace, metric in zip(fig.data, COMPARED_METRICS[:2], strict=True):
        assert list(trace.y) == [ESCAPED, "baseline", "same"]
        np.testing.assert_array_equal(trace.x, t[f"{metric}_mean"])
        np.testing.assert_allclose(trace.error_x.array, t[f"{metric}_p95"] - t[f"{metric}_mean"])
        np.testing.assert_allclose(
            trace.error_x.arrayminus, t[f"{metric}_mean"] - t[f"{metric}_p5"]
        )
    intl = fig.data[1]
    assert (intl.x[0], intl.x[0] - intl.error_x.arrayminus[0]) == pytest.approx((800.0, 620.0))
    assert intl.x[0] + intl.error_x.array[0] == pytest.approx(980.0)


def test_difference_figure_holds_the_paired_confidence_interval(comparison_dir):
    """Difference -300 with the t-interval half-width 1,270.6 (fixture docstring); the
    baseline and ``same`` differ by exactly 0 with a zero-width interval."""
    folder = ComparisonFolder.read(comparison_dir)
    fig = difference_figure(folder, COMPARED_METRICS[:2])
    intl = fig.data[1]
    half = stats.t.ppf(0.975, 1) * np.std([-400, -200], ddof=1) / np.sqrt(2)
    assert half == pytest.approx(1270.6, abs=0.1)
    assert list(intl.x) == [-300.0, 0.0, 0.0]
    np.testing.assert_allclose(intl.error_x.array, [half, 0.0, 0.0])
    np.testing.assert_allclose(intl.error_x.arrayminus, [half, 0.0, 0.0])
    # domestic: replication 1 of <b>x</b> is 20 lower, replication 0 equal -> mean -10
    assert fig.data[0].x[0] == pytest.approx(-10.0)
    assert [s.x0 for s in fig.layout.shapes] == [0.0, 0.0]  # zero line in both panels


def test_economics_figures_hold_cost_per_avoided_hour_and_ratio(comparison_dir):
    """2,500 USD per avoided user-hour and B/C 2.0 for ``<b>x</b>`` (fixture docstring);
    its avoided-hours interval includes zero, so no bars; nothing for baseline and the
    variant that avoids nothing."""
    folder = ComparisonFolder.read(comparison_dir)
    cost = economics_figure(folder, "cost_per_avoided_user_h_usd", "c", "USD", log_x=True)
    ratio = economics_figure(folder, "benefit_cost_ratio", "r", "ratio")
    assert cost.data[0].x[0] == pytest.approx(2500.0)
    assert ratio.data[0].x[0] == pytest.approx(2.0)
    assert np.isnan(cost.data[0].x[1:]).all()
    assert list(cost.data[0].error_x.array) == [0.0, 0.0, 0.0]
    assert cost.layout.xaxis.type == "log"


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    """Line topology gw - ex - a - b - c (users 100, 50, 25); link ex-a down from at_h
    for duration_h (no crew), horizon 100 h; 175 users lose service for
    min(duration, 100 - at_h) hours. Grid at_h in {0, 90} x duration in {10, 20}:
    (0, 10) 1,750; (0, 20) 3,500; (90, 10) 1,750; (90, 20) 175 x 10 = 1,750 user-hours,
    the same in every replication (nothing random), so p5 = mean = p95."""
    scenario = scenario_on(
        line_topology(),
        hazards=[{"type": "asset_failure", "assets": ["l-ex-a"], "at_h": 0, "duration_h": 10}],
    )
    result = sweep(
        scenario,
        {"hazards.0.at_h": [0, 90], "hazards.0.duration_h": [10, 20]},
        replications=3,
        seed=1,
    )
    return write_sweep(result, tmp_path_factory.mktemp("sweep"))


def test_sweep_folder_is_recognised_and_gets_its_report(sweep_dir):
    assert folder_kind(sweep_dir) == "sweep"
    page = write_report(sweep_dir).read_text()
    for metric in ("unserved_user_h_domestic", "peak_outage_frac", "t_restore_90_h"):
        assert f'id="sweep-{metric}"' in page
    assert page.count("plotly.js v") == 1


def test_sweep_response_has_one_line_per_value_of_the_second_parameter(sweep_dir):
    folder = SweepFolder.read(sweep_dir)
    fig = response_figure(folder, "unserved_user_h_domestic")
    assert [t.name for t in fig.data] == ["hazards.0.duration_h = 10", "hazards.0.duration_h = 20"]
    assert fig.layout.xaxis.title.text == "hazards.0.at_h"
    assert [list(t.x) for t in fig.data] == [[0, 90], [0, 90]]
    assert [list(t.y) for t in fig.data] == [[1750.0, 1750.0], [3500.0, 1750.0]]
    for trace in fig.data:
        assert list(trace.error_y.array) == list(trace.error_y.arrayminus) == [0.0, 0.0]
    # every point equals the mean in sweep_summary.csv, bars its p5 and p95
    summary = pd.read_csv(sweep_dir / "sweep_summary.csv")
    for metric in ("peak_outage_frac", "t_restore_90_h", "unserved_user_h_international"):
        rows = summary[summary.metric == metric].sort_values("setting")
        fig = response_figure(folder, metric)
        got = np.concatenate([t.y for t in fig.data])  # duration 10 (settings 0, 2), then 20
        np.testing.assert_array_equal(got, rows["mean"].to_numpy()[[0, 2, 1, 3]])
    # all 175 users of a, b, c are cut off: peak outage is the whole network's users
    assert list(response_figure(folder, "peak_outage_frac").data[0].y) == [1.0, 1.0]


def test_sweep_values_are_escaped_and_drawn_as_categories(tmp_path):
    """A swept hazard label is user text: it reaches the x axis escaped, as a category;
    with one parameter there is one line and no legend."""
    scenario = scenario_on(
        line_topology(),
        hazards=[{"type": "asset_failure", "assets": ["l-ex-a"], "duration_h": 10}],
    )
    result = sweep(scenario, {"hazards.0.label": [HOSTILE, "plain"]}, replications=2, seed=1)
    run_dir = write_sweep(result, tmp_path)
    fig = response_figure(SweepFolder.read(run_dir), "unserved_user_h_domestic")
    assert len(fig.data) == 1 and fig.layout.showlegend is False
    assert list(fig.data[0].x) == [ESCAPED, "plain"]
    assert list(fig.data[0].y) == [1750.0, 1750.0]
    page = write_report(run_dir).read_text()
    assert HOSTILE not in page and ESCAPED in page


def test_report_of_a_folder_without_manifest_is_an_input_error(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "manifest.json: not a finished run folder (no manifest.json)" in (
        result.output + result.stderr
    )


def test_cli_sweep_and_compare_write_reports_unless_told_not_to(tmp_path):
    topology_file = tmp_path / "line.yaml"
    write_topology(line_topology(), topology_file)
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(
        yaml.safe_dump(
            {
                "name": "cut",
                "topology": "line.yaml",
                "horizon_h": 100,
                "hazards": [{"type": "asset_failure", "assets": ["l-ex-a"], "duration_h": 10}],
                "variants": {
                    HOSTILE: {
                        "capex_musd": 1,
                        "add_links": [
                            {"id": "l-ex-b", "source": "ex", "target": "b", "kind": "microwave"}
                        ],
                    }
                },
            }
        )
    )
    runner = CliRunner()
    common = ["-n", "2", "--executor", "sequential"]
    for command, extra in (("sweep", ["--param", "hazards.0.duration_h=10,20"]), ("compare", [])):
        on = runner.invoke(cli, [command, str(scenario_file), *extra, *common, "--out",
                                 str(tmp_path / command)])  # fmt: skip
        assert on.exit_code == 0, on.output
        (folder,) = (tmp_path / command).iterdir()
        assert "report: " in on.output and (folder / "report.html").is_file()
        off = runner.invoke(cli, [command, str(scenario_file), *extra, *common, "--no-report",
                                  "--out", str(tmp_path / f"{command}-off")])  # fmt: skip
        assert off.exit_code == 0, off.output
        (folder,) = (tmp_path / f"{command}-off").iterdir()
        assert not (folder / "report.html").exists()
        again = runner.invoke(cli, ["report", str(folder)])
        assert again.exit_code == 0, again.output
        page = (folder / "report.html").read_text()
        div = "sweep-t_restore_90_h" if command == "sweep" else "diff-user-h"
        assert f'id="{div}"' in page
    # baseline: cutting ex-a strands a, b, c (175 users) for 10 h; the variant's link
    # ex-b keeps all three connected (a through b), so it loses nothing
    table = pd.read_csv(next((tmp_path / "compare").iterdir()) / "comparison.csv")
    means = table.set_index("variant")[f"{DOM}_mean"]
    assert (means[HOSTILE], means["baseline"]) == (0.0, 1750.0)
