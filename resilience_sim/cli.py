"""The `resilience-sim` command (the only importer of click).

Every input problem is printed as ``FILE: field.path: message`` on stderr and
the command exits with status 2, with no traceback and nothing written.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from resilience_sim import __version__
from resilience_sim.engine import baseline_population
from resilience_sim.errors import InputError
from resilience_sim.experiments import simulate, write_run
from resilience_sim.hazards import warn_unrepairable
from resilience_sim.reports import write_report
from resilience_sim.scenario import ScenarioSpec, load_scenario
from resilience_sim.topology import TopologyDocument, compile_topology, read_topology
from resilience_sim.topology.stats import topology_stats
from resilience_sim.validation import read_document

EXIT_INPUT = 2
_TOPOLOGY_SUFFIXES = (".graphml", ".gml")
_TOPOLOGY_KEYS = frozenset({"nodes", "links"})  # keys only a topology file has

out = Console(highlight=False, soft_wrap=True)
if not out.is_terminal:
    out.width = 120  # piped output: wide enough for the summary table
err = Console(stderr=True, highlight=False, soft_wrap=True)


def reports_input_errors(command):
    """Print InputError problems and warnings plainly; exit 2 on an InputError."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return command(*args, **kwargs)
            except InputError as exc:
                for problem in exc.problems:
                    click.echo(str(problem), err=True)
                sys.exit(EXIT_INPUT)
            finally:
                for w in caught:
                    click.echo(f"warning: {w.message}", err=True)

    return wrapper


@click.group()
@click.version_option(__version__, prog_name="resilience-sim")
def cli() -> None:
    """Simulate national telecom networks under disasters and cyberattacks."""


@cli.command()
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
    with _progress(n) as advance:
        result = simulate(loaded, replications=n, seed=seed, progress=advance)
    try:
        run_dir = write_run(result, out_dir)
    except OSError as exc:
        raise InputError.single(
            str(out_dir), "--out", f"cannot write results: {exc.strerror}"
        ) from None
    _print_summary(result)
    out.print(f"{n} replications in {result.wall_time_s:.2f} s; results in {run_dir}")
    if report:
        out.print(f"report: {write_report(run_dir)}")


@cli.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@reports_input_errors
def report_command(run_dir: Path) -> None:
    """Write report.html for the run folder RUN_DIR (from its tables alone)."""
    out.print(f"report: {write_report(run_dir)}")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@reports_input_errors
def validate(file: Path) -> None:
    """Check a topology or scenario FILE and report every problem."""
    if _is_scenario(file):
        scenario = load_scenario(file)
        arrays = compile_topology(scenario.topology)
        warn_unrepairable(scenario.spec, scenario.topology, arrays, str(file))
        out.print(
            f"{file}: valid scenario {scenario.name!r} on topology "
            f"{scenario.topology.name!r} ({scenario.topology.n_nodes} nodes, "
            f"{scenario.topology.n_links} links, {len(scenario.spec.hazards)} hazards)"
        )
    else:
        topology = read_topology(file)
        out.print(
            f"{file}: valid topology {topology.name!r} ({topology.n_nodes} nodes, "
            f"{topology.n_links} links)"
        )


@cli.group()
def topology() -> None:
    """Inspect topology files."""


@topology.command("stats")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of tables")
@reports_input_errors
def topology_stats_command(file: Path, as_json: bool) -> None:
    """Print counts, lengths, capacities and baseline reachability of a topology FILE."""
    topo = read_topology(file)
    stats = topology_stats(topo)
    baseline = baseline_population(compile_topology(topo))
    stats["baseline_served_domestic"] = float(baseline.domestic[0])
    stats["baseline_served_international"] = float(baseline.international[0])
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    out.print(
        f"[bold]{stats['name']}[/bold]: {stats['n_nodes']} nodes, {stats['n_links']} links, "
        f"{stats['connected_components']} connected component(s)"
    )
    kinds = Table("node kind", "count", title="Nodes")
    for kind, count in sorted(stats["nodes_by_kind"].items()):
        kinds.add_row(kind, str(count))
    out.print(kinds)
    links = Table("link kind", "count", "length km", "capacity Gbit/s", title="Links")
    for kind, count in sorted(stats["links_by_kind"].items()):
        links.add_row(
            kind,
            str(count),
            f"{stats['link_length_km_by_kind'].get(kind, 0):,.1f}",
            f"{stats['capacity_gbps_by_kind'][kind]:,.1f}",
        )
    out.print(links)
    regions = Table("region", "population", title="Regions")
    for region, population in stats["population_by_region"].items():
        regions.add_row(region, f"{population:,.0f}")
    out.print(regions)
    total = stats["population_total"]
    out.print(
        f"population {total:,.0f}; served in the undamaged network: domestic "
        f"{stats['baseline_served_domestic']:,.0f}, international "
        f"{stats['baseline_served_international']:,.0f}"
    )
    if stats["baseline_served_domestic"] < total:
        err.print(
            f"warning: {total - stats['baseline_served_domestic']:,.0f} users cannot reach a "
            "core node even in the undamaged network"
        )


@cli.command()
@click.argument("what", type=click.Choice(["scenario", "topology"]))
def schema(what: str) -> None:
    """Print the JSON Schema of scenario or topology files."""
    model = ScenarioSpec if what == "scenario" else TopologyDocument
    click.echo(json.dumps(model.model_json_schema(), indent=2))


def _is_scenario(file: Path) -> bool:
    if file.suffix.lower() in _TOPOLOGY_SUFFIXES:
        return False
    document = read_document(file)
    return isinstance(document, dict) and not (_TOPOLOGY_KEYS & document.keys())


class _progress:
    """A rich progress bar on a terminal; nothing when stderr is piped."""

    def __init__(self, total: int):
        self.total = total
        self.bar: Progress | None = None

    def __enter__(self):
        if not err.is_terminal:
            return None
        self.bar = Progress(
            TextColumn("replications"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("run", total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def _print_summary(result) -> None:
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
            *(_number(row[c]) for c in ("mean", "p5", "p50", "p95")),
            str(int(row["n_nan"])),
        )
    out.print(table)


def _number(value: float) -> str:
    """Readable figure: thousands separators for large values, 3 significant digits else."""
    if value != value:  # NaN
        return "NaN"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def main() -> None:
    cli(prog_name="resilience-sim")


if __name__ == "__main__":
    main()
