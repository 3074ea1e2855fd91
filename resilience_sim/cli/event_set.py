"""`resilience-sim event-set`: expected annual outage and exceedance curve of an event set."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from rich import box
from rich.table import Table

from resilience_sim.cli.common import (
    number,
    out,
    output_errors,
    progress_bar,
    reports_input_errors,
    results_folder_option,
)
from resilience_sim.cli.executor_options import build_executor, executor_options
from resilience_sim.experiments.event_set import (
    EventSetResult,
    load_event_set,
    run_event_set,
    write_event_set,
)

# return periods shown on the terminal (the file holds the whole curve)
_SHOWN_RETURN_PERIODS_YEARS = (2, 5, 10, 25, 50, 100, 250)
_SHOWN_EVENTS = 20  # rows of the per-event table on the terminal


@click.command("event-set")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replications", "-n", type=click.IntRange(min=1), help="per event (override)")
@click.option("--seed", type=click.IntRange(min=0), help="event i uses seed + i (override)")
@executor_options
@results_folder_option
@reports_input_errors
def event_set_command(
    file: Path,
    replications: int | None,
    seed: int | None,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
    out_dir: Path,
) -> None:
    """Simulate every event of the event set FILE; print expected annual unserved
    user-hours and the exceedance curve."""
    event_set = load_event_set(file)
    total = sum(replications or s.spec.replications for s in event_set.scenarios)
    with build_executor(executor, scheduler, workers) as runner, progress_bar(total) as advance:
        result = run_event_set(
            event_set, replications, seed, executor=runner, batch_size=batch_size, progress=advance
        )
    with output_errors(out_dir):
        run_dir = write_event_set(result, out_dir)
    print_event_set(result)
    out.print(f"results in {run_dir}")


def print_event_set(result: EventSetResult) -> None:
    """Events with their contribution, the expected annual loss, and a few return periods.

    The loss at 2 to 250 years is read off the exceedance curve.

    Parameters
    ----------
    result : EventSetResult
        The simulated event set (per-event table and exceedance curve).
    """
    events = Table(
        title=f"{result.event_set.spec.name}: {result.metric} per event", box=box.SIMPLE_HEAD
    )
    for name in ("event", "per year", "mean", "p5", "p95", "per year x mean", "share"):
        events.add_column(name, justify="left" if name == "event" else "right")
    rows = result.events
    if len(rows) > _SHOWN_EVENTS:  # a catalogue: the events that matter most
        rows = rows.sort_values("annual_user_h", ascending=False).head(_SHOWN_EVENTS)
    for r in rows.to_dict("records"):
        events.add_row(
            r["scenario"],
            f"{r['annual_frequency']:.3g}",
            number(r["mean_user_h"]),
            number(r["p5_user_h"]),
            number(r["p95_user_h"]),
            number(r["annual_user_h"]),
            f"{r['share_of_expected']:.0%}",
        )
    out.print(events)
    if len(rows) < len(result.events):
        shown = f"the {_SHOWN_EVENTS} largest of {len(result.events)} events"
        out.print(f"({shown}; all in events.csv)")
    out.print(
        f"expected annual {result.metric}: {number(result.expected_annual_user_h)} "
        f"(standard error {number(result.expected_annual_user_h_se)})"
    )
    curve = result.exceedance
    table = Table(title="Loss exceeded at least once in ...", box=box.SIMPLE_HEAD)
    table.add_column("return period, years", justify="right")
    table.add_column("user-hours", justify="right")
    for years in _SHOWN_RETURN_PERIODS_YEARS:
        reached = curve[curve.return_period_years >= years]
        if len(reached):  # the T-year loss: the smallest loss exceeded at most 1/T a year
            table.add_row(str(years), number(float(np.min(reached.unserved_user_h))))
    out.print(table)
