"""`resilience-sim run` (simulate a scenario, write a run folder) and `report`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from resilience_sim.cli.common import number, out, progress_bar, reports_input_errors
from resilience_sim.errors import InputError
from resilience_sim.experiments import simulate, write_run
from resilience_sim.reports import write_report
from resilience_sim.scenario import load_scenario


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override the scenario's")
@click.option("--seed", type=click.IntRange(min=0), help="override the scenario's study seed")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="results folder",
)
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="write report.html in the run folder",
)
@reports_input_errors
def run(
    scenario: Path, replications: int | None, seed: int | None, out_dir: Path, report: bool
) -> None:
    """Run SCENARIO and write a new run folder under --out."""
    loaded = load_scenario(scenario)
    n = replications or loaded.spec.replications
    with progress_bar(n) as advance:
        result = simulate(loaded, replications=n, seed=seed, progress=advance)
    try:
        run_dir = write_run(result, out_dir)
    except OSError as exc:
        raise InputError.single(
            str(out_dir), "--out", f"cannot write results: {exc.strerror}"
        ) from None
    print_summary(result)
    out.print(f"{n} replications in {result.wall_time_s:.2f} s; results in {run_dir}")
    if report:
        out.print(f"report: {write_report(run_dir)}")


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@reports_input_errors
def report_command(run_dir: Path) -> None:
    """Write report.html for the run folder RUN_DIR (from its tables alone)."""
    out.print(f"report: {write_report(run_dir)}")


def print_summary(result) -> None:
    """The across-replication table; `n_nan` counts replications where a share was
    never restored within the horizon (left out of the statistics)."""
    stats = result.aggregate()
    table = Table(
        title=f"{result.scenario.name}: {result.replications} replications, seed {result.seed}"
    )
    table.add_column("metric", no_wrap=True)
    for column in ("mean", "p5", "p50", "p95", "n_nan"):
        table.add_column(column, justify="right", no_wrap=True)
    for metric, row in stats.iterrows():
        table.add_row(
            metric,
            *(number(row[c]) for c in ("mean", "p5", "p50", "p95")),
            str(int(row["n_nan"])),
        )
    out.print(table)
