"""`resilience-sim validate`, `topology stats` and `schema`: look at input files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from resilience_sim.cli.common import err, out, reports_input_errors
from resilience_sim.topology import TopologyDocument, compile_topology, read_topology
from resilience_sim.topology.cache import cached_entry
from resilience_sim.topology.io.native import read_native
from resilience_sim.validation import read_document

_TOPOLOGY_SUFFIXES = (".graphml", ".gml", ".parquet")
_TOPOLOGY_KEYS = frozenset({"nodes", "links"})  # keys only a topology file has


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@reports_input_errors
def validate(file: Path) -> None:
    """Check a topology or scenario FILE and report every problem."""
    document = _document_unless_topology(file)
    if document is not None and _is_scenario_document(document):
        # Imported here: checking a topology needs neither the scenario schema (and its
        # scipy.stats) nor the hazards and engine.
        from resilience_sim.hazards import warn_unrepairable
        from resilience_sim.scenario import load_scenario

        scenario = load_scenario(file)
        arrays = compile_topology(scenario.topology)
        warn_unrepairable(scenario.spec, scenario.topology, arrays, str(file))
        out.print(
            f"{file}: valid scenario {scenario.name!r} on topology "
            f"{scenario.topology.name!r} ({scenario.topology.n_nodes} nodes, "
            f"{scenario.topology.n_links} links, {len(scenario.spec.hazards)} hazards)"
        )
    else:
        topology = read_native(file, document) if document is not None else read_topology(file)
        # plain text (no rich console to import; a name with [brackets] stays as written)
        click.echo(
            f"{file}: valid topology {topology.name!r} ({topology.n_nodes} nodes, "
            f"{topology.n_links} links)"
        )


@click.command("stats")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of tables")
@reports_input_errors
def topology_stats_command(file: Path, as_json: bool) -> None:
    """Print counts, lengths, capacities and baseline reachability of a topology FILE."""
    from rich.table import Table

    from resilience_sim.engine import baseline_population
    from resilience_sim.topology.stats import topology_stats

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


@click.command()
@click.argument("what", type=click.Choice(["scenario", "topology"]))
def schema(what: str) -> None:
    """Print the JSON Schema of scenario or topology files."""
    from resilience_sim.scenario import ScenarioSpec

    model = ScenarioSpec if what == "scenario" else TopologyDocument
    click.echo(json.dumps(model.model_json_schema(), indent=2))


def _document_unless_topology(file: Path) -> Any:
    """The parsed FILE, or None when it is known to be a topology without parsing it
    (a columnar, GraphML or GML file, or one in the compiled topology cache)."""
    if file.suffix.lower() in _TOPOLOGY_SUFFIXES or cached_entry(file) is not None:
        return None
    return read_document(file)


def _is_scenario_document(document: Any) -> bool:
    return isinstance(document, dict) and not (_TOPOLOGY_KEYS & document.keys())
