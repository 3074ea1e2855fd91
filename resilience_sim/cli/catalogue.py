"""`resilience-sim catalogue` and `annual-risk`: stochastic catalogues and their annual risk."""

from __future__ import annotations

from collections import Counter
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
from resilience_sim.experiments.annual_risk import (
    DEFAULT_BOOTSTRAP,
    AnnualRisk,
    run_annual_risk,
    write_annual_risk,
)
from resilience_sim.experiments.catalogue import build_catalogue, write_catalogue
from resilience_sim.experiments.event_set import load_event_set
from resilience_sim.reports.risk_report import write_risk_report


@click.command("catalogue")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="event-set YAML file to write",
)
@click.option("--overwrite", is_flag=True, help="replace an existing --out file")
@reports_input_errors
def catalogue_command(file: Path, out_file: Path, overwrite: bool) -> None:
    """Generate the stochastic events of the catalogue FILE into an event-set file."""
    catalogue = build_catalogue(file)
    written = write_catalogue(catalogue, out_file, overwrite=overwrite)
    counts = Counter(name for _, name, _ in catalogue.events)
    years = catalogue.spec.years
    table = Table(title=f"{catalogue.spec.name}: {years} simulated years", box=box.SIMPLE_HEAD)
    for name in ("source", "events", "per year"):
        table.add_column(name, justify="left" if name == "source" else "right")
    for name, n in counts.items():
        table.add_row(name, str(n), f"{n / years:.3g}")
    out.print(table)
    out.print(f"{len(catalogue.events)} events written to {written}")


@click.command("annual-risk")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replications", "-n", type=click.IntRange(min=1), help="per event (override)")
@click.option("--seed", type=click.IntRange(min=0), help="event i uses seed + i (override)")
@click.option(
    "--confidence",
    type=click.FloatRange(min=0.5, max=0.999),
    default=0.9,
    show_default=True,
    help="level of the confidence intervals",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(min=10, max=100_000),
    default=DEFAULT_BOOTSTRAP,
    show_default=True,
    help="bootstrap resamples of the simulated years",
)
@executor_options
@results_folder_option
@report_option
@reports_input_errors
def annual_risk_command(
    file: Path,
    replications: int | None,
    seed: int | None,
    confidence: float,
    n_bootstrap: int,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
    out_dir: Path,
    report: bool,
) -> None:
    """Simulate the catalogue event set FILE; print expected annual unserved user-hours
    and the 10- to 250-year losses with confidence intervals."""
    event_set = load_event_set(file)
    total = sum(replications or s.spec.replications for s in event_set.scenarios)
    with build_executor(executor, scheduler, workers) as runner, progress_bar(total) as advance:
        result = run_annual_risk(
            event_set,
            replications,
            seed,
            confidence=confidence,
            n_bootstrap=n_bootstrap,
            executor=runner,
            batch_size=batch_size,
            progress=advance,
        )
    run_dir = write_results(write_annual_risk, result, out_dir)
    print_annual_risk(result.risk, event_set.spec.name)
    out.print(
        f"{len(event_set.scenarios)} events in {result.wall_time_s:.1f} s; results in {run_dir}"
    )
    if report:
        out.print(f"report: {write_risk_report(run_dir)}")


def print_annual_risk(risk: AnnualRisk, name: str) -> None:
    """Expected annual loss and the return-period table, with intervals.

    Parameters
    ----------
    risk : AnnualRisk
        The annual risk of a catalogue (user-hours a year; USD with a value per user-hour).
    name : str
        The event set's name, shown first.
    """
    level = f"{risk.confidence:.0%}"
    out.print(
        f"{name}: expected annual {risk.metric} {number(risk.expected_annual_user_h)} "
        f"({level} interval {number(risk.expected_annual_user_h_low)} to "
        f"{number(risk.expected_annual_user_h_high)}; {risk.n_years} years x "
        f"{risk.replications} replication(s))"
    )
    if risk.value_per_user_h_usd is not None:
        d = risk.as_dict()
        out.print(
            f"expected annual loss {number(d['expected_annual_loss_usd'])} USD "
            f"({number(d['expected_annual_loss_usd_low'])} to "
            f"{number(d['expected_annual_loss_usd_high'])})"
        )
    table = Table(title="Annual loss exceeded once in ... (user-hours)", box=box.SIMPLE_HEAD)
    for column in (
        "years",
        "aggregate",
        f"{level} interval",
        "largest event",
        f"{level} interval ",
    ):
        table.add_column(column, justify="right")
    for r in risk.return_periods.to_dict("records"):
        table.add_row(
            f"{r['return_period_years']:g}",
            number(r["aggregate_user_h"]),
            f"{number(r['aggregate_user_h_low'])} - {number(r['aggregate_user_h_high'])}",
            number(r["occurrence_user_h"]),
            f"{number(r['occurrence_user_h_low'])} - {number(r['occurrence_user_h_high'])}",
        )
    out.print(table)
