"""The `resilience-sim` command (this package is the only importer of click).

One module per group of commands; this module assembles them. Every input
problem is printed as ``FILE: field.path: message`` on stderr with exit status 2.
"""

from __future__ import annotations

import click

from resilience_sim import __version__
from resilience_sim.cli import (
    catalogue,
    compare,
    criticality,
    event_set,
    inspect,
    portfolio,
    rerun,
    run,
    sensitivity,
    sweep,
    topology_cells,
    topology_convert,
    topology_generate,
    topology_import,
    topology_show,
)


@click.group()
@click.version_option(__version__, prog_name="resilience-sim")
def cli() -> None:
    """Simulate national telecom networks under disasters and cyberattacks."""


@cli.group()
def topology() -> None:
    """Inspect, draw and generate topology files."""


cli.add_command(run.run)
cli.add_command(run.report_command)
cli.add_command(rerun.rerun_command)
cli.add_command(inspect.validate)
cli.add_command(inspect.schema)
cli.add_command(compare.compare_command)
cli.add_command(criticality.criticality_command)
cli.add_command(event_set.event_set_command)
cli.add_command(catalogue.catalogue_command)
cli.add_command(catalogue.annual_risk_command)
cli.add_command(portfolio.portfolio_command)
cli.add_command(sensitivity.sensitivity_command)
cli.add_command(sweep.sweep_command)
topology.add_command(inspect.topology_stats_command)
topology.add_command(topology_show.topology_show_command)
topology.add_command(topology_generate.topology_generate_command)
topology.add_command(topology_convert.topology_convert_command)
topology.add_command(topology_import.import_cables_command)
topology.add_command(topology_import.import_fibre_command)
topology.add_command(topology_cells.import_cells_command)
topology.add_command(topology_cells.assign_population_command)


def main() -> None:
    cli(prog_name="resilience-sim")


__all__ = ["cli", "main"]
