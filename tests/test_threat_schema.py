"""Threat parameters in scenario files: bad input is named by file and field."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import scenario_on

from resilience_sim import InputError
from resilience_sim.cli import cli
from resilience_sim.scenario.schema import HAZARD_TAGS

THREAT_TYPES = ["targeted_attack", "sabotage", "ddos", "malware", "ransomware", "bgp_hijack"]

RESTORE = {"dist": "fixed", "value_h": 24}


def problems(line, hazard: dict) -> list[str]:
    with pytest.raises(InputError) as info:
        scenario_on(line, hazards=[hazard])
    return [f"{p.field}: {p.message}" for p in info.value.problems]


def test_every_threat_type_is_a_scenario_hazard_type():
    assert set(THREAT_TYPES) <= HAZARD_TAGS


@pytest.mark.parametrize(
    ("hazard", "expected"),
    [
        (
            {"type": "targeted_attack", "rank_by": "degree"},
            "hazards[0].budget_assets: give exactly one of budget_assets, budget_share, "
            "budget_cost",
        ),
        (
            {"type": "targeted_attack", "rank_by": "degree", "budget_assets": 1,
             "budget_share": 0.5},
            "hazards[0].budget_assets: give exactly one of",
        ),
        (
            {"type": "targeted_attack", "rank_by": "charisma", "budget_assets": 1},
            "hazards[0].rank_by: Input should be 'random', 'degree'",
        ),
        (
            {"type": "targeted_attack", "rank_by": "degree", "budget_cost": 5},
            "hazards[0].cost_by_kind: needed with budget_cost",
        ),
        (
            {"type": "targeted_attack", "rank_by": "degree", "budget_assets": 1,
             "target": "links", "kinds": ["gateway"]},
            "hazards[0].kinds: gateway cannot be a target when target is 'links'",
        ),
        (
            {"type": "targeted_attack", "rank_by": "degree", "budget_assets": 1,
             "success_probability": 1.5},
            "hazards[0].success_probability: Input should be less than or equal to 1",
        ),
        (
            {"type": "targeted_attack", "rank_by": "degree", "budget_assets": 1,
             "exclude": ["nowhere"]},
            "hazards[0].exclude[0]: no node or link with id 'nowhere' in topology",
        ),
        ({"type": "sabotage"}, "hazards[0].assets: give assets, cable_systems, min_cut"),
        (
            {"type": "sabotage", "cable_systems": ["Atlantis"]},
            "hazards[0].cable_systems[0]: no cable system 'Atlantis' in topology (none)",
        ),
        (
            {"type": "sabotage", "min_cut": {"budget_links": 0}},
            "hazards[0].min_cut.budget_links: Input should be greater than or equal to 1",
        ),
        (
            {"type": "ddos", "targets": ["gw"], "attack_gbps": 5},
            "hazards[0].duration_h: required: how long the attack lasts, hours",
        ),
        (
            {"type": "ddos", "targets": ["gw"], "attack_gbps": 0, "duration_h": 1},
            "hazards[0].attack_gbps: Input should be greater than 0",
        ),
        (
            {"type": "ddos", "targets": ["gw"], "links": ["l-a-b"], "attack_gbps": 1,
             "duration_h": 1},
            "hazards[0].links[0]: link 'l-a-b' touches no attacked node",
        ),
        (
            {"type": "ddos", "targets": ["gw"], "attack_gbps": 1, "duration_h": 1,
             "mitigation": {"detection_delay_h": 1, "filtered_share": 2}},
            "hazards[0].mitigation.filtered_share: Input should be less than or equal to 1",
        ),
        (
            {"type": "malware", "kinds": ["cell_site"], "infection_rate_per_h": 1,
             "patch_rate_per_h": 1},
            "hazards[0].initial: give initial, initial_count or operations_centre",
        ),
        (
            {"type": "malware", "devices": ["a"], "initial": ["a"], "adjacency": "star",
             "infection_rate_per_h": 1, "patch_rate_per_h": 1},
            "hazards[0].operations_centre: needed with adjacency: star",
        ),
        (
            {"type": "malware", "devices": ["a"], "initial": ["a"], "effect": "degrade",
             "infection_rate_per_h": 1, "patch_rate_per_h": 1},
            "hazards[0].remaining_frac: give it exactly when effect is degrade",
        ),
        (
            {"type": "malware", "devices": ["a"], "initial": ["a"], "infection_rate_per_h": 1,
             "patch_rate_per_h": 0},
            "hazards[0].patch_rate_per_h: Input should be greater than 0",
        ),
        (
            {"type": "malware", "devices": ["zz"], "operations_centre": "yy",
             "infection_rate_per_h": 1, "patch_rate_per_h": 1},
            "hazards[0].devices[0]: no node with id 'zz' in topology",
        ),
        (
            {"type": "ransomware", "operations_centre": "ex", "restore_h": RESTORE,
             "crew_slowdown": 0.5},
            "hazards[0].crew_slowdown",
        ),
        (
            {"type": "ransomware", "operations_centre": "l-a-b", "restore_h": RESTORE,
             "crew_slowdown": "blocked"},
            "hazards[0].operations_centre: no node with id 'l-a-b' in topology",
        ),
        (
            {"type": "ransomware", "operations_centre": "ex", "restore_h": RESTORE,
             "crew_slowdown": 2, "duration_h": 5},
            "hazards[0].duration_h: not used: give restore_h (a distribution)",
        ),
        (
            {"type": "bgp_hijack", "regions": ["r9"], "duration_h": 1},
            "hazards[0].regions[0]: no region 'r9' in topology",
        ),
        (
            {"type": "bgp_hijack", "regions": [], "duration_h": 1},
            "hazards[0].regions: List should have at least 1 item",
        ),
    ],
)  # fmt: skip
def test_bad_threat_input_names_the_field(line, hazard, expected):
    found = problems(line, hazard)
    assert any(p.startswith(expected) for p in found), found


def test_cli_validate_prints_file_field_message_and_exits_2(tmp_path):
    topology = tmp_path / "t.yaml"
    topology.write_text(
        "name: t\nnodes:\n  - {id: gw, kind: gateway}\n  - {id: ex, kind: exchange}\n"
        "links:\n  - {id: l, source: gw, target: ex, kind: microwave}\n"
    )
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "name: s\ntopology: t.yaml\nhorizon_h: 10\nhazards:\n"
        "  - {type: ddos, targets: [gw], attack_gbps: 5}\n"
    )
    result = CliRunner().invoke(cli, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert f"{scenario}: hazards[0].duration_h: required" in result.output
    assert "Traceback" not in result.output
