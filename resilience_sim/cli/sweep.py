"""`resilience-sim sweep`: run a scenario over a grid of field values (docs/experiments.md)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from resilience_sim.cli.common import (
    number,
    out,
    output_errors,
    progress_bar,
    report_option,
    reports_input_errors,
    results_folder_option,
)
from resilience_sim.cli.executor_options import build_executor, executor_options
from resilience_sim.errors import InputError
from resilience_sim.experiments.sweep import SweepResult, parse_param, sweep, write_sweep
from resilience_sim.reports import write_sweep_report
from resilience_sim.scenario import load_scenario

# Metrics shown on screen (every metric is in sweep_summary.csv).
_SHOWN = ("unserved_user_h_domestic", "t_restore_90_h", "international_isolation_h")


@click.command("sweep")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="a scenario field and its values: a:b:n (n values from a to b), v1,v2,... or "
    "[YAML list]; e.g. hazards.0.at_h=0:48:5 or recovery.crews.0.count=1,2,4 "
    "(repeat for a grid)",
)
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override the scenario's")
@click.option("--seed", type=click.IntRange(min=0), help="override the scenario's study seed")
@results_folder_option
@report_option
@executor_options
@reports_input_errors
def sweep_command(
    scenario: Path,
    params: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    out_dir: Path,
    report: bool,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
) -> None:
    """Run SCENARIO at every combination of --param values, on the same replication seeds.

    Writes sweep.parquet/.csv (one row per setting x replication), sweep_summary.csv
    (per setting x metric), manifest.json and report.html (unless --no-report) to a
    new folder under --out.
    """
    grid: dict[str, list] = {}
    for text in params:
        path, values = parse_param(text)
        if path in grid:
            raise InputError.single("--param", path, "given more than once")
        grid[path] = values
    loaded = load_scenario(scenario)
    n = replications or loaded.spec.replications
    n_settings = 1
    for values in grid.values():
        n_settings *= len(values)
    with (
        build_executor(executor, scheduler, workers) as runner,
        progress_bar(n * n_settings) as advance,
    ):
        result = sweep(loaded, grid, n, seed, advance, executor=runner, batch_size=batch_size)
    with output_errors(out_dir):
        run_dir = write_sweep(result, out_dir)
    print_sweep(result)
    out.print(
        f"{n_settings} settings x {n} replications in {result.wall_time_s:.2f} s; "
        f"results in {run_dir}"
    )
    if report:
        out.print(f"report: {write_sweep_report(run_dir)}")


def print_sweep(result: SweepResult) -> None:
    """One row per setting: its values and the mean of a few headline metrics.

    Parameters
    ----------
    result : SweepResult
        The sweep's settings and per-setting results.
    """
    table = Table(
        title=f"{result.scenario.name}: sweep, {result.replications} replications per "
        f"setting, seed {result.seed} (means)"
    )
    for column in result.settings.columns:
        table.add_column(column, justify="right", no_wrap=True)
    for metric in _SHOWN:
        table.add_column(metric, justify="right", no_wrap=True)
    means = result.summary.pivot(index="setting", columns="metric", values="mean")
    for _, row in result.settings.iterrows():
        table.add_row(
            *(str(v) for v in row.to_numpy()),
            *(number(means.at[row["setting"], m]) for m in _SHOWN),
        )
    out.print(table)
