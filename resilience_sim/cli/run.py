"""`resilience-sim run` (simulate a scenario, write a run folder) and `report`."""

from __future__ import annotations

import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import click
from rich.table import Table

from resilience_sim.atomic_write import output_error
from resilience_sim.cli.common import (
    err,
    number,
    out,
    progress_bar,
    reports_input_errors,
    results_folder_option,
)
from resilience_sim.cli.executor_options import build_executor, executor_options, planned_workers
from resilience_sim.errors import InputError, InputProblem, OutputError
from resilience_sim.experiments.limits import (
    check_memory,
    check_topology_memory,
    load_scenario_within,
)
from resilience_sim.experiments.results import PartialRun
from resilience_sim.experiments.runs import StudyInterrupted, resume_study, run_study
from resilience_sim.reports import write_report
from resilience_sim.scenario import load_scenario

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override the scenario's")
@click.option("--seed", type=click.IntRange(min=0), help="override the scenario's study seed")
@results_folder_option
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="write report.html in the run folder",
)
@executor_options
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="finish the interrupted study in this partial run folder (results/NAME.partial)",
)
@click.option(
    "--max-memory",
    "max_memory_gb",
    type=click.FloatRange(min=0, min_open=True),
    metavar="GB",
    help="refuse the study up front (exit 2) if loading its topology or running it (with "
    "its report) is estimated to need more than GB of memory (docs/robustness.md)",
)
@reports_input_errors
def run(
    scenario: Path | None,
    replications: int | None,
    seed: int | None,
    out_dir: Path,
    report: bool,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
    resume_dir: Path | None,
    max_memory_gb: float | None,
) -> None:
    """Run SCENARIO and write a new run folder under --out (or finish one with --resume).

    Finished batches are saved as they complete in a partial run folder; if the run is
    interrupted (Ctrl-C, killed), `run --resume` that folder finishes it with the same
    result as an uninterrupted run.
    """
    if resume_dir is not None:
        _check_resume_arguments(scenario, replications, seed, batch_size)
        partial = PartialRun.open(resume_dir)
        n = partial.replications
        if max_memory_gb is not None:  # resuming reads the folder's topology snapshot
            check_topology_memory(
                partial.path / "topology.json",
                max_memory_gb,
                planned_workers(executor, scheduler, workers),
            )
    elif scenario is None:
        raise click.UsageError("give a SCENARIO file (or --resume RUN_DIR)")
    else:
        loaded = (
            load_scenario(scenario)
            if max_memory_gb is None
            # the topology file is checked first, before it is parsed or compiled
            else load_scenario_within(
                scenario, max_memory_gb, planned_workers(executor, scheduler, workers)
            )
        )
        n = replications or loaded.spec.replications
    where = resume_dir or out_dir
    try:
        with build_executor(executor, scheduler, workers) as runner, progress_bar(n) as advance:
            if max_memory_gb is not None and resume_dir is None:
                check_memory(
                    loaded,
                    n,
                    seed,
                    max_memory_gb,
                    n_workers=runner.n_workers,
                    batch_size=batch_size,
                    report=report,
                )
            if resume_dir is not None:
                result = resume_study(resume_dir, advance, executor=runner)
            else:
                result = run_study(
                    loaded, out_dir, n, seed, advance, executor=runner, batch_size=batch_size
                )
    except StudyInterrupted as exc:
        err.print(
            f"interrupted: {exc.replications_done} of {exc.replications} replications kept in "
            f"{exc.run_dir}\ncontinue with: resilience-sim run --resume {exc.run_dir}"
        )
        sys.exit(EXIT_INTERRUPTED)
    except BrokenProcessPool as exc:  # a local worker was killed (e.g. out of memory)
        err.print("error: a worker process died (killed, or out of memory)")
        for note in getattr(exc, "__notes__", []):
            err.print(note)
        sys.exit(1)
    except OSError as exc:
        raise output_error(where, exc, "--resume" if resume_dir else "--out") from None
    print_summary(result)  # the summary only: the other tables stay in the run folder
    out.print(f"{n} replications in {result.wall_time_s:.2f} s; results in {result.run_dir}")
    if report:
        try:
            out.print(f"report: {write_report(result.run_dir)}")
        except OutputError as exc:  # the results are safe; only the page is missing
            exc = output_error(result.run_dir, exc, "--out")
            redraw = InputProblem(
                str(result.run_dir),
                "--report",
                f"the run folder is complete; draw the report once there is space with: "
                f"resilience-sim report {result.run_dir}",
            )
            raise OutputError([*exc.problems, redraw], exc.errno) from None


def _check_resume_arguments(
    scenario: Path | None, replications: int | None, seed: int | None, batch_size: int | None
) -> None:
    """With --resume the study is the one recorded in the run folder."""
    given = [
        name
        for name, value in (
            ("SCENARIO", scenario),
            ("--replications", replications),
            ("--seed", seed),
            ("--batch-size", batch_size),
        )
        if value is not None
    ]
    if given:
        raise InputError.single(
            "--resume",
            ", ".join(given),
            "the scenario, replications, seed and batch size are those recorded in the run "
            "folder; give --resume alone (with executor options if needed)",
        )


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@reports_input_errors
def report_command(run_dir: Path) -> None:
    """Write report.html for the run folder RUN_DIR (from its tables alone)."""
    out.print(f"report: {write_report(run_dir)}")


def print_summary(result) -> None:
    """The across-replication table of a study, on the terminal.

    ``n_nan`` counts replications where a share was never restored within the horizon
    (left out of the statistics).

    Parameters
    ----------
    result : SimulationResult
        The study's result (anything with ``aggregate()``, ``scenario``,
        ``replications`` and ``seed``).
    """
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
