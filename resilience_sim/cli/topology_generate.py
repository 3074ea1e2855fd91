"""`resilience-sim topology generate`: write a synthetic national network to a file.

CLI layer over :func:`resilience_sim.topology.generate.generate_topology`.
"""

from __future__ import annotations

from pathlib import Path

import click

from resilience_sim.cli.common import out, reports_input_errors
from resilience_sim.errors import InputError, InputProblem
from resilience_sim.topology import write_topology
from resilience_sim.topology.generate import MAX_NODES, MIN_NODES, PRESETS, generate_topology

_OPTION_OF = {
    "preset": "--preset",
    "n_nodes": "--nodes",
    "seed": "--seed",
    "operators": "--operators",
}
_SUFFIXES = (".parquet", ".json", ".yaml", ".yml", ".graphml")


@click.command("generate")
@click.option(
    "--preset",
    type=click.Choice(PRESETS),
    default="national",
    show_default=True,
    help="national (coastal mainland), island, archipelago or landlocked",
)
@click.option(
    "--nodes",
    "n_nodes",
    type=int,
    required=True,
    help=f"number of nodes, {MIN_NODES:,} to {MAX_NODES:,}",
)
@click.option("--seed", type=int, default=0, show_default=True, help="random seed (>= 0)")
@click.option(
    "--operators",
    type=int,
    default=0,
    show_default=True,
    help="give the cell sites' access chains to this many operators, 001-01 ... "
    "(0: none; docs/operators.md)",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="file to write: .parquet (columnar, fastest for large networks), .json, "
    ".yaml/.yml or .graphml",
)
@reports_input_errors
def topology_generate_command(
    preset: str, n_nodes: int, seed: int, operators: int, out_file: Path
) -> None:
    """Generate a synthetic national network of --nodes nodes and write it to --out.

    The same preset, size and seed always give the same network.
    """
    if out_file.suffix.lower() not in _SUFFIXES:  # before the work, not after it
        raise InputError.single(
            "--out", str(out_file), f"unknown format; use one of {', '.join(_SUFFIXES)}"
        )
    given = {"preset": preset, "n_nodes": n_nodes, "seed": seed, "operators": operators}
    try:
        topology = generate_topology(preset, n_nodes, seed, operators)
    except InputError as exc:  # name the command-line option, not the API argument
        raise InputError(
            [
                InputProblem(_OPTION_OF[p.field], str(given[p.field]), p.message)
                for p in exc.problems
            ]
        ) from None
    write_topology(topology, out_file)
    out.print(
        f"{out_file}: {topology.name}: {topology.n_nodes:,} nodes, {topology.n_links:,} links, "
        f"{len(topology.regions)} regions"
    )
