"""The `resilience-sim` command (this package is the only importer of click).

One module per group of commands; this module assembles them. A command's module is
imported only when that command runs (or ``--help`` lists it), so ``validate`` of a
topology does not load the engine, the reports or dask (docs/performance.md). Every
input problem is printed as ``FILE: field.path: message`` on stderr with exit status 2.
"""

from __future__ import annotations

import importlib
import os
import sys

import click


class LazyGroup(click.Group):
    """A click group whose commands are ``"module:attribute"`` paths imported on use."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The names of the group's commands, the lazy ones included, without importing them.

        Parameters
        ----------
        ctx : click.Context
            The click context.

        Returns
        -------
        list of str
            Command names, sorted.
        """
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, importing its module the first time it is asked for.

        Parameters
        ----------
        ctx : click.Context
            The click context.
        cmd_name : str
            The command's name on the command line.

        Returns
        -------
        click.Command or None
            The command, or None when the group has no such command.
        """
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy:
            module, _, attr = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(f"resilience_sim.cli.{module}"), attr)
            self.add_command(command, cmd_name)
        return command


TOPOLOGY_COMMANDS = {
    "stats": "inspect:topology_stats_command",
    "show": "topology_show:topology_show_command",
    "generate": "topology_generate:topology_generate_command",
    "convert": "topology_convert:topology_convert_command",
    "import-cables": "topology_import:import_cables_command",
    "import-fibre": "topology_import:import_fibre_command",
    "import-cells": "topology_cells:import_cells_command",
    "assign-population": "topology_cells:assign_population_command",
}
COMMANDS = {
    "run": "run:run",
    "report": "run:report_command",
    "rerun": "rerun:rerun_command",
    "validate": "inspect:validate",
    "schema": "inspect:schema",
    "compare": "compare:compare_command",
    "criticality": "criticality:criticality_command",
    "event-set": "event_set:event_set_command",
    "sweep": "sweep:sweep_command",
    "catalogue": "catalogue:catalogue_command",
    "annual-risk": "catalogue:annual_risk_command",
    "portfolio": "portfolio:portfolio_command",
    "sensitivity": "sensitivity:sensitivity_command",
}


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: what ``click.version_option`` prints, the version looked up only
    when asked (``resilience_sim.__version__`` reads the package metadata)."""
    if not value or ctx.resilient_parsing:
        return
    from resilience_sim import __version__

    click.echo(f"resilience-sim, version {__version__}")
    ctx.exit()


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Simulate national telecom networks under disasters and cyberattacks."""


@cli.group(cls=LazyGroup, lazy=TOPOLOGY_COMMANDS)
def topology() -> None:
    """Inspect, draw and generate topology files."""


# Commands that read and check one file, then exit, with Arrow's allocator (mimalloc)
# committing its arenas as they are used rather than eagerly. Eagerly committed arenas
# are backed by transparent huge pages where the kernel offers them (Linux's "madvise"
# mode), so every touched 2 MB page counts whole: 45 MB of the 10,000-node Parquet
# file's 138 MB peak, 35 MB more than with lazy commit; at 1,000,000 nodes the peaks
# are equal (docs/performance.md, "Topology input"). mimalloc reads its options when
# pyarrow's library is loaded, so they are set here, before the command's module
# imports pyarrow; a value the user set wins.
LAZY_COMMIT_COMMANDS = frozenset({"validate"})
ARROW_MEMORY_OPTIONS = {"MIMALLOC_ARENA_EAGER_COMMIT": "0"}


def tune_arrow_memory(args: list[str]) -> None:
    """Set mimalloc's options for the command ``args`` if pyarrow is not loaded yet.

    Only for :data:`LAZY_COMMIT_COMMANDS`; a value already in the environment wins.

    Parameters
    ----------
    args : list of str
        The arguments after the program name (``sys.argv[1:]``).
    """
    if args[:1] and args[0] in LAZY_COMMIT_COMMANDS and "pyarrow" not in sys.modules:
        for key, value in ARROW_MEMORY_OPTIONS.items():
            os.environ.setdefault(key, value)


def main() -> None:
    """The ``resilience-sim`` entry point: tune Arrow's allocator, then run :func:`cli`."""
    tune_arrow_memory(sys.argv[1:])
    cli(prog_name="resilience-sim")


__all__ = ["cli", "main"]
