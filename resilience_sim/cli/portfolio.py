"""`resilience-sim portfolio`: the best set of investments within a budget, and the front."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from resilience_sim.cli.common import (
    number,
    out,
    progress_bar,
    report_option,
    reports_input_errors,
    results_folder_option,
    write_results,
)
from resilience_sim.cli.executor_options import build_executor, executor_options
from resilience_sim.experiments.portfolio import (
    PortfolioResult,
    load_portfolio,
    optimise_portfolio,
    write_portfolio,
)
from resilience_sim.reports.portfolio_report import write_portfolio_report


@click.command("portfolio")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@executor_options
@results_folder_option
@report_option
@reports_input_errors
def portfolio_command(
    file: Path,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
    out_dir: Path,
    report: bool,
) -> None:
    """Evaluate the investment portfolios of the portfolio file FILE on common random
    numbers; print the choice within the budget and the cost-benefit front."""
    problem = load_portfolio(file)
    n = len(problem.candidates)
    per_portfolio = sum(
        problem.spec.replications or s.spec.replications for s in problem.event_set.scenarios
    )
    guess = 2**n if n <= problem.spec.max_enumerate else 1 + n + n * (n - 1) // 2 + 9
    with (
        build_executor(executor, scheduler, workers) as runner,
        progress_bar(guess * per_portfolio) as advance,
    ):
        result = optimise_portfolio(
            problem, executor=runner, batch_size=batch_size, progress=advance
        )
    run_dir = write_results(write_portfolio, result, out_dir)
    print_portfolio(result)
    out.print(f"{len(result.table)} portfolios in {result.wall_time_s:.1f} s; results in {run_dir}")
    if report:
        out.print(f"report: {write_portfolio_report(run_dir)}")


def print_portfolio(result: PortfolioResult) -> None:
    """Portfolios on the front and the chosen one, with benefit intervals.

    Parameters
    ----------
    result : PortfolioResult
        The portfolio optimisation's result.
    """
    spec = result.problem.spec
    level = f"{spec.confidence:.0%}"
    table = Table(
        title=f"{spec.name}: portfolios ({result.method}), avoided user-hours a year",
        box=box.SIMPLE_HEAD,
    )
    columns = ["portfolio", "capex MUSD", "MUSD/yr", "avoided", f"{level} interval"]
    has_net = "net_benefit_musd_per_year" in result.table
    columns += ["net MUSD/yr"] if has_net else []
    columns += ["worst region h/yr", "front", ""]
    for name in columns:
        table.add_column(name, justify="left" if name == "portfolio" else "right")
    rows = result.table.sort_values("annual_cost_musd")
    for r in rows.to_dict("records"):
        if not (r["pareto"] or r["chosen"]):
            continue
        cells = [
            r["portfolio"],
            f"{r['capex_musd']:.3g}",
            f"{r['annual_cost_musd']:.3g}",
            number(r["benefit_user_h_per_year"]),
            f"{number(r['benefit_low'])} - {number(r['benefit_high'])}",
        ]
        cells += [f"{r['net_benefit_musd_per_year']:.3g}"] if has_net else []
        cells += [
            number(r["worst_region_outage_h_per_year"]),
            "yes" if r["pareto"] else "",
            "chosen" if r["chosen"] else "",
        ]
        table.add_row(*cells)
    out.print(table)
    budget = (
        "no budget"
        if spec.budget_musd is None
        else f"{spec.budget_of} <= {spec.budget_musd:g} MUSD"
    )
    out.print(f"chosen ({budget}, {spec.objective}): {' + '.join(result.chosen) or 'nothing'}")
    worst = result.interactions.interaction_user_h_per_year.abs().max()
    if len(result.interactions) and worst == worst:
        out.print(
            f"largest interaction among evaluated combinations: {number(worst)} user-hours a "
            "year (actual minus additive benefit; interactions.csv)"
        )
