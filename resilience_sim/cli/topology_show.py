"""`resilience-sim topology show`: write an offline HTML map of a topology file."""

from __future__ import annotations

import os
from pathlib import Path

import click

from resilience_sim.cli.common import out, output_errors, reports_input_errors
from resilience_sim.errors import InputError
from resilience_sim.reports.topology_page import write_topology_page
from resilience_sim.topology import read_topology


@click.command("show")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write [default: FILE with the suffix .html, in the current folder]",
)
@click.option("--overwrite", is_flag=True, help="replace the HTML file if it exists")
@reports_input_errors
def topology_show_command(file: Path, out_file: Path | None, overwrite: bool) -> None:
    """Write a self-contained HTML map of the topology FILE (works offline)."""
    target = out_file or Path(file.with_suffix(".html").name)
    if not overwrite and os.path.lexists(target):  # lexists: a dangling symlink too
        what = "a symbolic link" if target.is_symlink() else "a file"
        raise InputError.single(
            str(target), "--out", f"{what} of that name exists; give --overwrite to replace it"
        )
    topology = read_topology(file)
    with output_errors(target):
        written = write_topology_page(topology, str(file), target)
    out.print(f"map: {written}")
