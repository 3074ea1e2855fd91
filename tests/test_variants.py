"""Variants: a new topology and recovery per variant, appended assets, common random
numbers for existing assets, and bad references named by field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import line_topology, scenario_on

from resilience_sim.errors import InputError
from resilience_sim.geo import polyline_length_km
from resilience_sim.hazards import sample_hazards
from resilience_sim.scenario.variant_build import build_variant, check_variants
from resilience_sim.topology import compile_topology

CELL = {"kind": "cell_site", "lat": 0.0, "lon": 0.5, "region": "r2"}
CREWS = [{"depot": "ex", "count": 1, "kinds": ["terrestrial_fiber", "cell_site"]}]


def on_line(variants: dict, **fields):
    return scenario_on(line_topology(), recovery={"crews": CREWS}, variants=variants, **fields)


def test_added_nodes_and_links_are_appended_and_the_topology_is_not_mutated():
    scenario = on_line(
        {
            "spur": {
                "add_nodes": [{"id": "d", **CELL, "population": 10}],
                "add_links": [
                    {"id": "l-c-d", "source": "c", "target": "d", "kind": "terrestrial_fiber"}
                ],
            }
        }
    )
    before = scenario.topology
    variant = build_variant(scenario, "spur")
    assert [n.id for n in variant.topology.nodes] == ["gw", "ex", "a", "b", "c", "d"]
    assert [e.id for e in variant.topology.links][-1] == "l-c-d"
    assert variant.topology.node_index["a"] == before.node_index["a"]
    assert [n.id for n in before.nodes] == ["gw", "ex", "a", "b", "c"]  # untouched
    assert scenario.topology is before
    assert variant.spec.variants == {}
    assert variant.spec.hazards == scenario.spec.hazards


def test_appended_assets_keep_every_existing_hazard_draw():
    """Common random numbers: one uniform draw per asset of the kind, in asset order, so
    an appended cell site takes the next draw and every existing site keeps its own."""
    hazard = {"type": "asset_failure", "kind": "cell_site", "fraction": 0.5}
    scenario = on_line(
        {"more": {"add_nodes": [{"id": "d", **CELL}, {"id": "e", **CELL}]}}, hazards=[hazard]
    )
    variant = build_variant(scenario, "more")
    base_arrays = compile_topology(scenario.topology)
    var_arrays = compile_topology(variant.topology)
    n_existing = base_arrays.n_assets
    for seed in range(20):
        (base,) = sample_hazards(
            scenario.spec, scenario.topology, base_arrays, np.random.default_rng(seed)
        )
        (var,) = sample_hazards(
            variant.spec, variant.topology, var_arrays, np.random.default_rng(seed)
        )
        existing = var.asset_idx[var.asset_idx < base_arrays.n_nodes]
        assert base.asset_idx.tolist() == existing.tolist()
        assert set(var.asset_idx.tolist()) <= set(range(n_existing + 2))


def test_battery_upgrade_raises_to_at_least_the_given_hours():
    scenario = on_line({"b": {"batteries": [{"kinds": ["cell_site"], "battery_h": 8}]}})
    topology = scenario.topology
    nodes = [n.model_copy(update={"battery_h": 12.0}) if n.id == "c" else n for n in topology.nodes]
    scenario = dataclasses.replace(
        scenario, topology=dataclasses.replace(topology, nodes=tuple(nodes))
    )
    variant = build_variant(scenario, "b")
    got = {n.id: n.battery_h for n in variant.topology.nodes}
    assert got == {"gw": 0.0, "ex": 0.0, "a": 8.0, "b": 8.0, "c": 12.0}


def test_battery_upgrade_by_region_and_by_ids():
    scenario = on_line(
        {
            "r2": {"batteries": [{"regions": ["r2"], "battery_h": 24}]},
            "ids": {"batteries": [{"nodes": ["a"], "battery_h": 4}]},
        }
    )
    assert {n.id for n in build_variant(scenario, "r2").topology.nodes if n.battery_h} == {"b", "c"}
    assert {n.id for n in build_variant(scenario, "ids").topology.nodes if n.battery_h} == {"a"}


def test_hardening_multiplies_the_fragility_median_factor():
    """Two hardening entries on the same link compound: 2 x 1.5 = 3; compiled arrays carry it."""
    scenario = on_line(
        {
            "h": {
                "hardening": [
                    {"kinds": ["terrestrial_fiber"], "median_factor": 2.0},
                    {"assets": ["l-a-b", "b"], "median_factor": 1.5},
                ]
            }
        }
    )
    topology = build_variant(scenario, "h").topology
    assert topology.link("l-ex-a").hardening_factor == 2.0
    assert topology.link("l-a-b").hardening_factor == 3.0
    assert topology.link("l-b-c").hardening_factor == 1.0  # microwave
    assert topology.node("b").hardening_factor == 1.5
    arrays = compile_topology(topology)
    assert arrays.hardening_factor[arrays.asset_index["l-a-b"]] == 3.0


def test_reroute_moves_a_link_to_another_route_and_group():
    """The old length_km no longer applies: the length is recomputed from the new route."""
    route = [[0.0, 0.2], [0.05, 0.25], [0.0, 0.3]]
    scenario = on_line(
        {"diverse": {"reroute_links": [{"link": "l-a-b", "route": route, "srlg": ["north"]}]}}
    )
    topology = build_variant(scenario, "diverse").topology
    link = topology.link("l-a-b")
    assert link.srlg == ["north"]
    assert topology.link_index["l-a-b"] == scenario.topology.link_index["l-a-b"]
    assert topology.link_length_km(link) == pytest.approx(polyline_length_km(route))


def test_added_crews_join_an_existing_depot_or_form_a_new_one():
    scenario = on_line(
        {
            "crews": {
                "add_crews": [
                    {"depot": "ex", "count": 2},
                    {"depot": "b", "count": 1, "speed_kmh": 20, "kinds": ["cell_site"]},
                ]
            }
        }
    )
    crews = build_variant(scenario, "crews").spec.recovery.crews
    assert [(c.depot, c.count) for c in crews] == [("ex", 3), ("b", 1)]
    assert crews[0].kinds == ["terrestrial_fiber", "cell_site"]
    assert (crews[1].speed_kmh, crews[1].kinds) == (20.0, ["cell_site"])
    assert [(c.depot, c.count) for c in scenario.spec.recovery.crews] == [("ex", 1)]


@pytest.mark.parametrize(
    ("variant", "field", "message"),
    [
        (
            {"add_links": [{"id": "x", "source": "a", "target": "nowhere", "kind": "microwave"}]},
            "variants.v.add_links[x].target",
            "no node 'nowhere'",
        ),
        ({"add_nodes": [{"id": "a", **CELL}]}, "variants.v.add_nodes[a].id", "already exists"),
        (
            {"reroute_links": [{"link": "nope", "srlg": ["s"]}]},
            "variants.v.reroute_links[0].link",
            "no link 'nope'",
        ),
        (
            {"batteries": [{"regions": ["atlantis"], "battery_h": 5}]},
            "variants.v.batteries[0].regions",
            "no region 'atlantis'",
        ),
        (
            {"hardening": [{"assets": ["ghost"], "median_factor": 2}]},
            "variants.v.hardening[0].assets",
            "no node or link 'ghost'",
        ),
        ({"add_crews": [{"depot": "ghost"}]}, "variants.v.add_crews[0].depot", "no node"),
        (
            {"add_crews": [{"depot": "ex", "speed_kmh": 10}]},
            "variants.v.add_crews[0]",
            "leave out speed_kmh",
        ),
    ],
)
def test_bad_variant_references_name_the_field(variant, field, message):
    # loading the scenario checks its variants (scenario.loader.check_references)
    with pytest.raises(InputError) as caught:
        on_line({"v": variant})
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == ("<scenario>", field)
    assert message in problem.message


def test_baseline_is_a_reserved_variant_name():
    with pytest.raises(InputError, match=r"variants\.baseline: 'baseline' is the scenario"):
        on_line({"baseline": {}})


def test_check_variants_alone_names_the_file():
    scenario = on_line({})
    from resilience_sim.scenario.variants import Variant

    bad = scenario.spec.model_copy(update={"variants": {"baseline": Variant.model_validate({})}})
    with pytest.raises(InputError, match=r"^s\.yaml: variants\.baseline"):
        check_variants(bad, scenario.topology, "s.yaml")


def test_variant_schema_errors_name_the_field():
    with pytest.raises(InputError) as caught:
        on_line({"v": {"capex_musd": -1, "batteries": [{"battery_h": 3}]}})
    fields = {p.field for p in caught.value.problems}
    assert fields == {"variants.v.capex_musd", "variants.v.batteries[0]"}


def test_added_cable_ships_are_appended_and_names_stay_unique():
    ship = {"name": "standby", "port": {"lat": -18.1, "lon": 178.4}}
    fresh = on_line({"ship": {"add_cable_ships": [ship]}})
    assert [s.name for s in build_variant(fresh, "ship").spec.recovery.cable_ships] == ["standby"]
    assert fresh.spec.recovery.cable_ships == []
    with pytest.raises(InputError, match=r"add_cable_ships\[0\]\.name: a ship 'standby' exists"):
        scenario_on(
            line_topology(),
            recovery={"crews": CREWS, "cable_ships": [ship]},
            variants={"dup": {"add_cable_ships": [ship]}},
        )
