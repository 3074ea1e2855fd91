"""Build the scenario of one variant: a new topology and a new recovery section.

Scenario layer (topology -> scenario -> hazards -> engine -> metrics -> experiments).
The baseline topology is never mutated. Added nodes and links go at the END of the
node and link lists, so every existing asset keeps its index, and with it its random
draws in every replication (common random numbers; see docs/experiments.md). Changed
assets (battery upgrades, hardening, rerouted links) keep their place.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.scenario.schema import CrewDepot, Recovery, ScenarioSpec
from resilience_sim.scenario.variants import (
    AddedCrews,
    Hardening,
    LinkReroute,
    SiteSelection,
    Variant,
)
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.model import Link, Node, Topology, TopologyDocument

if TYPE_CHECKING:
    from resilience_sim.scenario.loader import Scenario

BASELINE = "baseline"


def build_variant(scenario: Scenario, name: str) -> Scenario:
    """The scenario of variant ``name``: its topology, recovery and spec (no variants).

    Raises :class:`InputError` naming ``variants.<name>.<field>`` when the variant
    refers to nodes, links, regions or depots that do not exist, or adds duplicate ids.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    name : str
        A variant of it.

    Returns
    -------
    Scenario
        The variant's scenario.
    """
    spec = scenario.spec
    file = str(scenario.source or "<scenario>")
    if name not in spec.variants:
        known = ", ".join(sorted(spec.variants)) or "none"
        raise InputError.single(file, "variants", f"no variant {name!r} (variants: {known})")
    variant = spec.variants[name]
    where = f"variants.{name}"
    topology = variant_topology(scenario.topology, variant, file, where)
    recovery = variant_recovery(spec.recovery, variant, topology, file, where)
    new_spec = _validated(
        ScenarioSpec,
        spec.model_dump()
        | {
            "name": f"{spec.name} [{name}]",
            "recovery": recovery.model_dump(),
            "variants": {},
        }
        | ({"power": variant.power.model_dump()} if variant.power is not None else {})
        | ({} if variant.roaming is None else {"roaming": variant.roaming.model_dump()}),
        file,
        where,
    )
    return dataclasses.replace(scenario, spec=new_spec, topology=topology)


def check_variants(spec: ScenarioSpec, topology: Topology, file: str) -> None:
    """Raise :class:`InputError` listing every problem in the scenario's variants.

    Parameters
    ----------
    spec : ScenarioSpec
        The validated scenario.
    topology : Topology
        The network.
    file : str
        The file named in errors (``FILE: field: message``).
    """
    problems: list[InputProblem] = []
    for name, variant in spec.variants.items():
        where = f"variants.{name}"
        if name == BASELINE:
            problems.append(
                InputProblem(file, where, f"{BASELINE!r} is the scenario as written; rename it")
            )
            continue
        try:
            built = variant_topology(topology, variant, file, where)
            variant_recovery(spec.recovery, variant, built, file, where)
            for field, message in variant.power.check_references(built) if variant.power else []:
                problems.append(InputProblem(file, f"{where}.power.{field}", message))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)


def variant_topology(topology: Topology, variant: Variant, file: str, where: str) -> Topology:
    """A new topology with the variant's node, link, battery and hardening changes.

    Existing nodes and links keep their order; added ones are appended.

    Parameters
    ----------
    topology : Topology
        The network.
    variant : Variant
        The variant.
    file : str
        The file named in errors (``FILE: field: message``).
    where : str
        Field prefix of the variant in errors (``variants.<name>``).

    Returns
    -------
    Topology
        The changed topology.
    """
    problems = _check_new_ids(topology, variant, file, where)
    node_ids = set(topology.node_index) | {n.id for n in variant.add_nodes}
    for link in variant.add_links:
        for end in ("source", "target"):
            if getattr(link, end) not in node_ids:
                problems.append(
                    InputProblem(
                        file,
                        f"{where}.add_links[{link.id}].{end}",
                        f"no node {getattr(link, end)!r} in the topology or add_nodes",
                    )
                )
    node_changes: dict[str, dict[str, Any]] = {}
    link_changes: dict[str, dict[str, Any]] = {}
    for i, upgrade in enumerate(variant.batteries):
        for node_id in _select_nodes(topology, upgrade, file, f"{where}.batteries[{i}]", problems):
            current = node_changes.get(node_id, {}).get(
                "battery_h", topology.node(node_id).battery_h
            )
            node_changes.setdefault(node_id, {})["battery_h"] = max(current, upgrade.battery_h)
    for i, hardening in enumerate(variant.hardening):
        selected = _select_assets(topology, hardening, file, f"{where}.hardening[{i}]", problems)
        for asset_id in selected:
            is_node = asset_id in topology.node_index
            changes = (node_changes if is_node else link_changes).setdefault(asset_id, {})
            asset = topology.node(asset_id) if is_node else topology.link(asset_id)
            factor = changes.get("hardening_factor", asset.hardening_factor)
            changes["hardening_factor"] = factor * hardening.median_factor
    for i, reroute in enumerate(variant.reroute_links):
        if reroute.link not in topology.link_index:
            problems.append(
                InputProblem(file, f"{where}.reroute_links[{i}].link", f"no link {reroute.link!r}")
            )
            continue
        link_changes.setdefault(reroute.link, {}).update(_reroute_changes(reroute))
    if problems:
        raise InputError(problems)
    nodes = [
        _updated(n, node_changes[n.id], file, f"{where}: node {n.id}")
        if n.id in node_changes
        else n
        for n in topology.nodes
    ]
    links = [
        _updated(e, link_changes[e.id], file, f"{where}: link {e.id}")
        if e.id in link_changes
        else e
        for e in topology.links
    ]
    doc = TopologyDocument(
        name=topology.name,
        description=topology.description,
        nodes=[*nodes, *variant.add_nodes],
        links=[*links, *variant.add_links],
    )
    try:
        return build_topology(doc, file)
    except InputError as exc:
        raise InputError(
            InputProblem(p.file, f"{where}: {p.field}", p.message) for p in exc.problems
        ) from None


def variant_recovery(
    recovery: Recovery, variant: Variant, topology: Topology, file: str, where: str
) -> Recovery:
    """A new recovery section with the variant's added crews and cable ships.

    Parameters
    ----------
    recovery : Recovery
        The base recovery section.
    variant : Variant
        The variant.
    topology : Topology
        The network.
    file : str
        The file named in errors (``FILE: field: message``).
    where : str
        Field prefix of the variant in errors (``variants.<name>``).

    Returns
    -------
    Recovery
        The changed recovery section.
    """
    crews = list(recovery.crews)
    problems = []
    for i, added in enumerate(variant.add_crews):
        field = f"{where}.add_crews[{i}]"
        if added.depot not in topology.node_index:
            problems.append(InputProblem(file, f"{field}.depot", f"no node {added.depot!r}"))
            continue
        try:
            crews = _add_crews(crews, added)
        except ValueError as exc:
            problems.append(InputProblem(file, field, str(exc)))
    names = [ship.name for ship in recovery.cable_ships]
    for i, ship in enumerate(variant.add_cable_ships):
        if ship.name in names:
            problems.append(
                InputProblem(
                    file, f"{where}.add_cable_ships[{i}].name", f"a ship {ship.name!r} exists"
                )
            )
        names.append(ship.name)
    if problems:
        raise InputError(problems)
    ships = [*recovery.cable_ships, *variant.add_cable_ships]
    return recovery.model_copy(update={"crews": crews, "cable_ships": ships})


def _add_crews(crews: list[CrewDepot], added: AddedCrews) -> list[CrewDepot]:
    at_depot = [i for i, c in enumerate(crews) if c.depot == added.depot]
    if len(at_depot) > 1:
        raise ValueError(
            f"{len(at_depot)} crew entries are based at {added.depot!r}; adding to one is "
            "ambiguous (give the scenario one entry per depot node)"
        )
    if at_depot:
        if added.speed_kmh is not None or added.kinds is not None:
            raise ValueError(
                f"crews at {added.depot!r} already exist: leave out speed_kmh and kinds "
                "(the added crews work as the existing ones)"
            )
        i = at_depot[0]
        crews[i] = crews[i].model_copy(update={"count": crews[i].count + added.count})
        return crews
    new = {"depot": added.depot, "count": added.count, "kinds": added.kinds}
    if added.speed_kmh is not None:
        new["speed_kmh"] = added.speed_kmh
    return [*crews, CrewDepot(**new)]


def _check_new_ids(
    topology: Topology, variant: Variant, file: str, where: str
) -> list[InputProblem]:
    problems = []
    existing = set(topology.node_index) | set(topology.link_index)
    counts = Counter([n.id for n in variant.add_nodes] + [e.id for e in variant.add_links])
    for field, items in (("add_nodes", variant.add_nodes), ("add_links", variant.add_links)):
        for item in items:
            if item.id in existing:
                problems.append(
                    InputProblem(
                        file,
                        f"{where}.{field}[{item.id}].id",
                        f"{item.id!r} already exists in topology {topology.name!r}",
                    )
                )
            elif counts[item.id] > 1:
                problems.append(
                    InputProblem(
                        file, f"{where}.{field}[{item.id}].id", f"duplicate id {item.id!r}"
                    )
                )
    return problems


def _select_nodes(
    topology: Topology,
    selection: SiteSelection,
    file: str,
    where: str,
    problems: list[InputProblem],
) -> list[str]:
    """Node ids chosen by a site selection (ids, or kinds and regions)."""
    if selection.nodes:
        missing = [n for n in selection.nodes if n not in topology.node_index]
        for node_id in missing:
            problems.append(InputProblem(file, f"{where}.nodes", f"no node {node_id!r}"))
        return [n for n in selection.nodes if n in topology.node_index]
    _check_regions(topology, selection.regions, file, where, problems)
    return [
        n.id
        for n in topology.nodes
        if (selection.kinds is None or n.kind in selection.kinds)
        and (selection.regions is None or n.region in selection.regions)
    ]


def _select_assets(
    topology: Topology,
    selection: Hardening,
    file: str,
    where: str,
    problems: list[InputProblem],
) -> list[str]:
    """Asset ids chosen by ids, or by kinds and regions (a link is in a region when both
    of its end nodes are)."""
    if selection.assets:
        for asset_id in selection.assets:
            if not topology.has_asset(asset_id):
                problems.append(
                    InputProblem(file, f"{where}.assets", f"no node or link {asset_id!r}")
                )
        return [a for a in selection.assets if topology.has_asset(a)]
    _check_regions(topology, selection.regions, file, where, problems)
    regions = None if selection.regions is None else set(selection.regions)

    def in_regions(*node_ids: str) -> bool:
        return regions is None or all(topology.node(n).region in regions for n in node_ids)

    kinds = None if selection.kinds is None else set(selection.kinds)
    nodes = [
        n.id
        for n in topology.nodes
        if (kinds is None or n.kind.value in kinds) and in_regions(n.id)
    ]
    links = [
        e.id
        for e in topology.links
        if (kinds is None or e.kind.value in kinds) and in_regions(e.source, e.target)
    ]
    return nodes + links


def _check_regions(
    topology: Topology,
    regions: list[str] | None,
    file: str,
    where: str,
    problems: list[InputProblem],
) -> None:
    known = set(topology.regions)
    for region in regions or []:
        if region not in known:
            problems.append(
                InputProblem(
                    file,
                    f"{where}.regions",
                    f"no region {region!r} (regions: {', '.join(sorted(known))})",
                )
            )


def _reroute_changes(reroute: LinkReroute) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if reroute.route is not None:
        changes["route"] = [list(p) for p in reroute.route]
        changes["length_km"] = reroute.length_km  # None: computed from the new route
    elif reroute.length_km is not None:
        changes["length_km"] = reroute.length_km
    if reroute.srlg is not None:
        changes["srlg"] = list(reroute.srlg)
    return changes


def _updated(model: Node | Link, changes: dict[str, Any], file: str, where: str):
    """A copy of ``model`` with ``changes``, validated (``model_copy`` would not check)."""
    return _validated(type(model), model.model_dump() | changes, file, where)


def _validated(model_type: type[BaseModel], data: dict[str, Any], file: str, where: str):
    try:
        return model_type.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            InputProblem(file, f"{where}.{'.'.join(map(str, e['loc']))}", e["msg"])
            for e in exc.errors()
        ) from None


def combine_variants(variants: dict[str, Variant], names: list[str]) -> Variant:
    """One variant doing everything the named ones do, in the order given: their lists of
    changes concatenated, capex and opex summed (the annual cost of a portfolio is the sum
    of its members' annual costs, each over its own lifetime; see experiments/portfolio).
    Conflicts (two variants adding the same id) are refused when the variant is built.

    Parameters
    ----------
    variants : dict[str, Variant]
        The scenario's variants by name.
    names : list[str]
        The variants to combine.

    Returns
    -------
    Variant
        The combined variant.
    """
    members = [variants[n] for n in names]
    lists = (
        "add_nodes",
        "add_links",
        "reroute_links",
        "batteries",
        "add_crews",
        "add_cable_ships",
        "hardening",
    )
    return Variant(
        description=" + ".join(names),
        capex_musd=sum(v.capex_musd for v in members),
        opex_musd_per_year=sum(v.opex_musd_per_year for v in members),
        **{field: [x for v in members for x in getattr(v, field)] for field in lists},
    )


def build_portfolio(scenario: Scenario, names: list[str]) -> Scenario:
    """The scenario with the variants ``names`` all built in (``scenario`` itself, without
    its variants, for none); InputError names ``variants.<a+b>...`` on conflicts.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    names : list[str]
        The variants to build in.

    Returns
    -------
    Scenario
        The portfolio's scenario.
    """
    spec = scenario.spec
    if not names:
        return dataclasses.replace(scenario, spec=spec.model_copy(update={"variants": {}}))
    key = "+".join(names)
    merged = combine_variants(dict(spec.variants), names)
    with_combo = dataclasses.replace(
        scenario, spec=spec.model_copy(update={"variants": {key: merged}})
    )
    return build_variant(with_combo, key)
