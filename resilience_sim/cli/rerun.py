"""`resilience-sim rerun RUN_DIR`: run a finished study again and compare its summary."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from resilience_sim.cli.common import err, out, reports_input_errors
from resilience_sim.cli.executor_options import build_executor, executor_options
from resilience_sim.experiments.rerun import rerun

EXIT_DIFFERENT = 1


@click.command("rerun")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@executor_options
@reports_input_errors
def rerun_command(
    run_dir: Path,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
) -> None:
    """Run the study recorded in RUN_DIR again (same seed and replications) and say
    whether summary.parquet is reproduced bit for bit (exit 0) or not (exit 1).

    If the scenario or topology file changed since the run, says so and reruns from
    the snapshots scenario.json / topology.json kept in RUN_DIR.
    """
    with build_executor(executor, scheduler, workers) as runner:
        report = rerun(run_dir, executor=runner, batch_size=batch_size)
    for change in report.changed_inputs:
        err.print(f"input changed: {change}")
    if report.from_snapshots:
        err.print(f"rerunning from the snapshots scenario.json and topology.json in {run_dir}")
    for name, (then, now) in report.changed_versions.items():
        err.print(f"version changed: {name} {then} -> {now}")
    what = f"{report.replications} replications, seed {report.seed}"
    if report.identical:
        out.print(f"identical: summary.parquet reproduced bit for bit ({what})")
        return
    out.print(
        f"different: summary.parquet not reproduced ({what}); differing columns: "
        + ", ".join(report.differing_columns)
    )
    sys.exit(EXIT_DIFFERENT)
