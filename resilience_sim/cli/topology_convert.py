"""`resilience-sim topology convert`: rewrite a topology file in another format.

CLI layer over :func:`resilience_sim.topology.read_topology` and
:func:`~resilience_sim.topology.write_topology`; the usual use is YAML -> Parquet for a
large network (docs/topology-format.md, "Parquet").
"""

from __future__ import annotations

from pathlib import Path

import click

from resilience_sim.cli.common import out, reports_input_errors
from resilience_sim.errors import InputError
from resilience_sim.topology import read_topology, write_topology

WRITABLE_SUFFIXES = (".parquet", ".json", ".yaml", ".yml", ".graphml")


@click.command("convert")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@reports_input_errors
def topology_convert_command(source: Path, target: Path) -> None:
    """Read the topology SOURCE (any readable format), check it, write it to TARGET.

    TARGET's extension chooses the format: .parquet (columnar, fastest to load),
    .json, .yaml/.yml or .graphml. The file is written atomically.
    """
    if target.suffix.lower() not in WRITABLE_SUFFIXES:  # before reading, not after
        raise InputError.single(
            str(target), "", f"unknown format; use one of {', '.join(WRITABLE_SUFFIXES)}"
        )
    topology = read_topology(source)
    write_topology(topology, target)
    out.print(
        f"{target}: {topology.name}: {topology.n_nodes:,} nodes, {topology.n_links:,} links "
        f"(from {source})"
    )
