"""`resilience-sim criticality`: rank N-1 / N-2 failures of assets or shared-risk groups."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from resilience_sim.cli.common import (
    number,
    out,
    output_errors,
    reports_input_errors,
    results_folder_option,
)
from resilience_sim.experiments.criticality import (
    CriticalityResult,
    criticality,
    write_criticality,
)
from resilience_sim.experiments.risk_groups import DEFAULT_BUFFER_KM, DEFAULT_MIN_SHARED_KM
from resilience_sim.topology import read_topology


@click.command("criticality")
@click.argument("topology", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--k", "k", type=click.IntRange(1, 2), default=1, show_default=True, help="failures at once"
)
@click.option(
    "--by",
    type=click.Choice(["asset", "srlg"]),
    default="asset",
    show_default=True,
    help="fail single assets, or whole shared-risk groups",
)
@click.option(
    "--assets",
    type=click.Choice(["all", "nodes", "links"]),
    default="all",
    show_default=True,
    help="with --by asset: fail only nodes, only links, or both",
)
@click.option(
    "--buffer-km",
    type=click.FloatRange(min=0.0),
    default=DEFAULT_BUFFER_KM,
    show_default=True,
    help="routes closer than this share a corridor (assumed default)",
)
@click.option(
    "--min-shared-km",
    type=click.FloatRange(min=0.0),
    default=DEFAULT_MIN_SHARED_KM,
    show_default=True,
    help="shared length that makes two routed links one corridor (assumed default)",
)
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="rows shown")
@results_folder_option
@reports_input_errors
def criticality_command(
    topology: Path,
    k: int,
    by: str,
    assets: str,
    buffer_km: float,
    min_shared_km: float,
    top: int,
    out_dir: Path,
) -> None:
    """Rank the failures of TOPOLOGY's assets (or shared-risk groups) by users cut off."""
    result = criticality(read_topology(topology), k, by, buffer_km, min_shared_km, assets)
    with output_errors(out_dir):
        run_dir = write_criticality(result, out_dir)
    if by == "srlg":
        print_groups(result)
    print_criticality(result, top)
    out.print(
        f"{result.n_candidates:,} of {result.n_possible:,} failure sets evaluated; "
        f"{len(result.table):,} rows; results in {run_dir}"
    )


def print_criticality(result: CriticalityResult, top: int) -> None:
    """The first ``top`` rows: what fails, users lost domestic / international.

    Parameters
    ----------
    result : CriticalityResult
        The ranked N-1 or N-2 failures.
    top : int
        Rows shown.
    """
    what = "asset" if result.by == "asset" else "group"
    detail = "kind" if result.by == "asset" else "sources"
    title = f"{result.topology.name}: N-{result.k} by {result.by}, ranked by users cut off"
    if result.k == 2:
        title += " (pairs that cut users neither member cuts alone)"
    table = Table(title=title, box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right")
    columns = [what, detail] if result.k == 1 else [f"{what}_a", f"{what}_b"]
    for name in columns:
        table.add_column(name.replace("_", " "))
    for name in ("domestic lost", "share", "international lost", "share"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in result.table.head(top).to_dict("records"):
        table.add_row(
            str(r["rank"]),
            *(str(r[c]) for c in columns),
            number(r["users_lost_domestic"]),
            f"{r['share_lost_domestic']:.1%}",
            number(r["users_lost_international"]),
            f"{r['share_lost_international']:.1%}",
        )
    out.print(table)


def print_groups(result: CriticalityResult) -> None:
    """The shared-risk groups, derived ones included, for the planner to review.

    Parameters
    ----------
    result : CriticalityResult
        A ``--by srlg`` result (its ``groups`` table).
    """
    table = Table(title="Shared-risk groups (review the derived ones)", box=box.SIMPLE_HEAD)
    for name in ("group", "sources", "links"):
        table.add_column(name)
    for r in result.groups.to_dict("records"):
        table.add_row(r["group"], r["sources"], r["links"])
    out.print(table)
