"""`resilience-sim sensitivity`: Sobol indices of study outputs to uncertain inputs."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from resilience_sim.cli.common import (
    out,
    progress_bar,
    report_option,
    reports_input_errors,
    results_folder_option,
    write_results,
)
from resilience_sim.cli.executor_options import build_executor, executor_options
from resilience_sim.experiments.sensitivity import (
    SensitivityResult,
    load_sensitivity,
    run_sensitivity,
    write_sensitivity,
)
from resilience_sim.reports.sensitivity_report import write_sensitivity_report


@click.command("sensitivity")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@executor_options
@results_folder_option
@report_option
@reports_input_errors
def sensitivity_command(
    file: Path,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
    out_dir: Path,
    report: bool,
) -> None:
    """Sobol indices of the outputs of the sensitivity file FILE to its factors, at N
    and 2N, with bootstrap intervals."""
    spec, event_set = load_sensitivity(file)
    d = len(spec.factors)
    total = 3 * spec.n * (d + 2) * len(event_set.scenarios) * spec.replications
    with build_executor(executor, scheduler, workers) as runner, progress_bar(total) as advance:
        result = run_sensitivity(
            spec,
            event_set,
            executor=runner,
            batch_size=batch_size,
            progress=advance,
            source=file.resolve(),
        )
    run_dir = write_results(write_sensitivity, result, out_dir)
    print_sensitivity(result)
    out.print(f"{result.n_studies} studies in {result.wall_time_s:.1f} s; results in {run_dir}")
    if report:
        out.print(f"report: {write_sensitivity_report(run_dir)}")


def print_sensitivity(result: SensitivityResult) -> None:
    """Indices at 2N with their intervals, and whether they moved from N.

    Parameters
    ----------
    result : SensitivityResult
        The Sobol analysis (indices at N and 2N).
    """
    spec = result.spec
    level = f"{spec.confidence:.0%}"
    table = Table(title=f"{spec.name}: Sobol indices at N = {2 * spec.n}", box=box.SIMPLE_HEAD)
    for name in ("output", "factor", "S1", f"± {level}", "ST", f"± {level} ", "N→2N", ""):
        table.add_column(name, justify="left" if name in ("output", "factor") else "right")
    rows = result.sobol.indices
    for r in rows[rows.n == 2 * spec.n].to_dict("records"):
        table.add_row(
            r["output"],
            r["factor"],
            f"{r['S1']:.3f}",
            f"{r['S1_conf']:.3f}",
            f"{r['ST']:.3f}",
            f"{r['ST_conf']:.3f}",
            f"{r['change_n_to_2n']:.3f}",
            "" if r["converged"] else "not converged",
        )
    out.print(table)
