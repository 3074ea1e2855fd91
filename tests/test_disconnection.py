"""Failure by disconnection: hand-worked traces and the Buldyrev et al. (2010) mutual cascade."""

from __future__ import annotations

import numpy as np
import pytest

from resilience_sim.engine.dependencies import DependencyGraph
from resilience_sim.engine.disconnection import DisconnectionRule, Interdependency

K = 4.0  # mean degree of both Erdos-Renyi networks
N = 10_000  # nodes per network
P_C = 2.4554 / K  # collapse threshold for two coupled ER networks (Buldyrev et al. 2010)


def mutual_giant_theory(p: float, k: float) -> float:
    """Largest root of P = p (1 - exp(-k P))^2 (Gao et al. 2011, n = 2: Buldyrev et al.).

    Iterating from P = p converges to the largest root from above (the map is increasing).
    """
    x = p
    for _ in range(20_000):
        x = p * (1.0 - np.exp(-k * x)) ** 2
    return float(x)


def er_edges(rng: np.random.Generator, n: int, k: float) -> tuple[np.ndarray, np.ndarray]:
    """G(n, m) with m = k n / 2 uniformly random pairs (self-loops dropped: O(1/n))."""
    m = round(k * n / 2)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    return a[keep], b[keep]


def coupled_er(rng: np.random.Generator, n: int, k: float) -> Interdependency:
    """Networks A (nodes 0..n-1) and B (n..2n-1), A_i <-> B_i mutually dependent (down
    rule), every node failing when outside its network's largest component."""
    a1, b1 = er_edges(rng, n, k)
    a2, b2 = er_edges(rng, n, k)
    src, dst = np.concatenate([a1, a2 + n]), np.concatenate([b1, b2 + n])
    in_a = np.arange(2 * n) < n
    rules = [DisconnectionRule("A", in_a, None), DisconnectionRule("B", ~in_a, None)]
    i = np.arange(n)
    deps = DependencyGraph(np.concatenate([i, i + n]), np.concatenate([i + n, i]), 2 * n + len(src))
    return Interdependency(2 * n, src, dst, rules, deps)


def surviving_fraction(rng: np.random.Generator, p: float) -> float:
    """Remove 1 - p of network A at random; the mutual giant fraction at the fixed point."""
    system = coupled_er(rng, N, K)
    up = np.ones(2 * N + len(system.link_src), dtype=bool)
    up[rng.choice(N, round((1 - p) * N), replace=False)] = False
    point = system.fixed_point(up)
    a_up = point.up[:N]
    assert np.array_equal(a_up, point.up[N : 2 * N])  # one-to-one: pairs fail together
    return float(a_up.mean())


def test_threshold_of_the_theory_is_2_4554_over_k():
    assert mutual_giant_theory(1.01 * P_C, K) > 0.3  # a giant jumps in at p_c ...
    assert mutual_giant_theory(0.99 * P_C, K) < 1e-6  # ... and none below it


@pytest.mark.parametrize("p", [0.7, 0.8])
def test_mutual_giant_component_above_threshold_matches_theory(p):
    """20 replications at N = 10^4: the mean within 4 standard errors of the theory."""
    rng = np.random.default_rng(2010)
    fractions = np.array([surviving_fraction(rng, p) for _ in range(20)])
    se = fractions.std(ddof=1) / np.sqrt(len(fractions))
    assert abs(fractions.mean() - mutual_giant_theory(p, K)) < 4 * se + 1e-4


def test_collapse_is_abrupt_below_threshold():
    """Just above p_c a mutual giant of ~0.46 survives (theory 0.4598 at p = 0.65); just
    below (p = 0.58 = 0.94 p_c) everything collapses, though a single ER network would keep
    a giant S = 1 - exp(-k p S) ~ 0.87 of its remaining nodes."""
    rng = np.random.default_rng(464)
    above = [surviving_fraction(rng, 0.65) for _ in range(5)]
    below = [surviving_fraction(rng, 0.58) for _ in range(5)]
    assert min(above) > 0.4
    assert max(below) < 0.01


def test_source_set_rule_by_hand():
    """g1 - s1 - s2 - s3, g2 - s3 is cut later. Members s1..s3 need a generation node
    (g1 or g2). Node 0..4 = g1, g2, s1, s2, s3; links g1-s1, s1-s2, s2-s3, g2-s3."""
    src, dst = np.array([0, 2, 3, 1]), np.array([2, 3, 4, 4])
    members = np.array([False, False, True, True, True])
    sources = np.array([True, True, False, False, False])
    system = Interdependency(5, src, dst, [DisconnectionRule("grid", members, sources)])
    up = np.ones(9, dtype=bool)
    assert system.fixed_point(up).up[:5].all()
    up[2] = False  # s1 down: s2 still reaches g2 through s3
    assert system.fixed_point(up).up[:5].tolist() == [True, True, False, True, True]
    up[1] = False  # g2 down too: s2 and s3 are cut off from every source
    point = system.fixed_point(up)
    assert point.up[:5].tolist() == [True, False, False, False, False]
    assert point.disconnected.tolist() == [False, False, False, True, True]
    assert point.rule.tolist() == [-1, -1, -1, 0, 0]


def controlled_line():
    """gw - ex - a - b - c, and the control centre noc hangs off b (link b-noc).

    The cell sites a, b, c need to reach noc (fails_when: disconnected); the substation
    cell site iso hangs off a separate exchange ex2, so it is cut off from noc by design."""
    from conftest import line_topology, make_topology

    line = line_topology()
    nodes = [n.model_dump(exclude_none=True) for n in line.nodes]
    nodes[1]["core"] = True  # ex, beside ex2
    links = [link.model_dump(exclude_none=True) for link in line.links]
    nodes += [
        {"id": "noc", "kind": "operations_centre"},
        {"id": "iso", "kind": "cell_site", "population": 7, "region": "r1"},
        {"id": "dc", "kind": "data_center"},
        {"id": "ex2", "kind": "exchange", "core": True},
    ]
    links.append({"id": "l-b-noc", "source": "b", "target": "noc", "kind": "terrestrial_fiber"})
    links.append({"id": "l-ex2-iso", "source": "ex2", "target": "iso", "kind": "microwave"})
    return make_topology(nodes, links, "controlled")


CONTROL_RULES = [
    {
        "name": "control plane",
        "nodes": {"kinds": ["cell_site"]},
        "needs": {"ids": ["noc"]},
        "fails_when": "disconnected",
    },
    {"name": "dc power", "nodes": {"ids": ["dc"]}, "needs": {"ids": ["a"]}},  # down rule
]


def test_cut_off_cell_sites_fail_and_return_with_the_link():
    """l-a-b fails at 1 h for 4 h: a is cut off from noc (b, c still reach it) and fails;
    dc depends on a (down rule) and fails with it; both return at 5 h. iso never reaches
    noc, even undamaged, so it is exempt and stays up."""
    from conftest import scenario_on

    from resilience_sim import simulate

    scenario = scenario_on(
        controlled_line(),
        hazards=[{"type": "asset_failure", "assets": ["l-a-b"], "at_h": 1.0, "duration_h": 4.0}],
        dependencies=CONTROL_RULES,
    )
    result = simulate(scenario)
    ev = result.events
    assert list(zip(ev.time_h, ev.asset, ev.event, strict=True)) == [
        (1.0, "l-a-b", "fail"),
        (1.0, "a", "fail"),
        (1.0, "dc", "fail"),
        (5.0, "l-a-b", "repair"),
        (5.0, "a", "repair"),
        (5.0, "dc", "repair"),
    ]
    ev = result.events.set_index("asset")
    assert ev.cause["a"].iloc[0] == "disconnected: cut off from every source of rule control plane"
    assert ev.cause["dc"].iloc[0].startswith("depends on a <- disconnected")
    assert ev.propagated["a"].iloc[0] and ev.propagated["dc"].iloc[0]
    timeline = result.timeline
    # 1-5 h: b, c (75 users) are cut from the core ex anyway; without the rule a would
    # keep its 100 users served, with it only iso's 7 of 182 are served
    during = timeline[timeline.time_h == 1.0].served_domestic_frac.iloc[0]
    assert during == pytest.approx(7 / 182)


def test_without_rules_the_cut_link_fails_nothing_else():
    from conftest import scenario_on

    from resilience_sim import simulate

    hazards = [{"type": "asset_failure", "assets": ["l-a-b"], "at_h": 1.0, "duration_h": 4.0}]
    plain = simulate(scenario_on(controlled_line(), hazards=hazards))
    assert plain.events.asset.tolist() == ["l-a-b", "l-a-b"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"name": "x", "nodes": {"ids": ["nope"]}, "needs": {"ids": ["noc"]}}, "nodes.ids[0]"),
        (
            {"name": "x", "nodes": {"regions": ["r9"]}, "needs": {"ids": ["noc"]}},
            "nodes.regions[0]",
        ),
        ({"name": "x", "nodes": {"ids": ["a"]}, "needs": "largest_component"}, "needs"),
        ({"name": "x", "nodes": {}, "needs": {"ids": ["noc"]}}, "nodes"),
    ],
)
def test_bad_rules_name_the_field(rule, field):
    from conftest import scenario_on

    from resilience_sim.errors import InputError

    with pytest.raises(InputError) as caught:
        scenario_on(controlled_line(), dependencies=[rule])
    fields = [p.field for p in caught.value.problems]
    assert any(f.startswith(f"dependencies[0].{field}") for f in fields), fields


def coupled_lines():
    """Network A: a1 - a2 - a3 (region A); network B: b1 - b2 - b3 (region B); a_i and b_i
    depend on each other (topology depends_on). No link joins the two networks."""
    from conftest import make_topology

    nodes = []
    for i in (1, 2, 3):
        nodes.append({"id": f"a{i}", "kind": "exchange", "region": "A", "depends_on": [f"b{i}"]})
    for i in (1, 2, 3):
        nodes.append({"id": f"b{i}", "kind": "power_substation", "region": "B"})
        nodes[-1]["depends_on"] = [f"a{i}"]
    links = [
        {
            "id": f"{x}{i}-{x}{i + 1}",
            "source": f"{x}{i}",
            "target": f"{x}{i + 1}",
            "kind": "microwave",
        }
        for x in "ab"
        for i in (1, 2)
    ]
    return make_topology(nodes, links, "coupled lines")


def test_mutual_cascade_of_two_coupled_lines_by_hand():
    """a2 fails 1-5 h. b2 fails with it (down rule); A splits into a1 | a3 and B into
    b1 | b3, components of one node each: the largest is the one with the lowest member
    index, so a3 and b3 are cut off (and each depends on the other). All return at 5 h."""
    from conftest import scenario_on

    from resilience_sim import simulate

    rules = [
        {
            "name": x,
            "nodes": {"regions": [x]},
            "needs": "largest_component",
            "fails_when": "disconnected",
        }
        for x in "AB"
    ]
    scenario = scenario_on(
        coupled_lines(),
        hazards=[{"type": "asset_failure", "assets": ["a2"], "at_h": 1.0, "duration_h": 4.0}],
        dependencies=rules,
    )
    ev = simulate(scenario).events
    assert list(zip(ev.time_h, ev.asset, ev.event, strict=True)) == [
        (1.0, "a2", "fail"),
        (1.0, "b2", "fail"),
        (1.0, "a3", "fail"),
        (1.0, "b3", "fail"),
        (5.0, "a2", "repair"),
        (5.0, "b2", "repair"),
        (5.0, "b3", "repair"),  # released after a3, which still waited for b3
        (5.0, "a3", "repair"),
    ]
    assert ev.cause[2] == "disconnected: cut off from the largest component of rule A"
    assert ev.cause[3].startswith("depends on a3 <- disconnected")
    assert ev.cause[6] == "reconnected"
    assert ev.cause[7] == "dependency restored (reconnected)"


def test_engine_reaches_the_same_fixed_point_as_the_theory_test():
    """Two coupled ER networks of 1,000 nodes (k = 4) as a topology and scenario: at t = 0
    the nodes outside their network's largest component fail (with their partners); at
    1 h 20 % of A is removed. The nodes down at the end are exactly those the fixed point
    of the theory test leaves down."""
    from conftest import make_topology, scenario_on

    from resilience_sim import simulate

    n, rng = 1000, np.random.default_rng(17)
    edges = [er_edges(rng, n, K) for _ in "AB"]
    nodes = [
        {"id": f"{x}{i}", "kind": "exchange", "region": x, "depends_on": [f"{y}{i}"]}
        for x, y in ("AB", "BA")
        for i in range(n)
    ]
    links = [
        {"id": f"{x}-{k}", "source": f"{x}{a}", "target": f"{x}{b}", "kind": "microwave"}
        for x, (src, dst) in zip("AB", edges, strict=True)
        for k, (a, b) in enumerate(zip(src.tolist(), dst.tolist(), strict=True))
    ]
    removed = rng.choice(n, n // 5, replace=False)
    rules = [
        {
            "name": x,
            "nodes": {"regions": [x]},
            "needs": "largest_component",
            "fails_when": "disconnected",
        }
        for x in "AB"
    ]
    scenario = scenario_on(
        make_topology(nodes, links, "coupled ER"),
        hazards=[
            {
                "type": "asset_failure",
                "assets": [f"A{i}" for i in removed.tolist()],
                "at_h": 1.0,
                "duration_h": 500.0,
            }
        ],
        dependencies=rules,
    )
    ev = simulate(scenario).events
    assert set(ev.event) == {"fail"}
    in_a = np.arange(2 * n) < n
    src = np.concatenate([edges[0][0], edges[1][0] + n])
    dst = np.concatenate([edges[0][1], edges[1][1] + n])
    i = np.arange(n)
    deps = DependencyGraph(np.concatenate([i, i + n]), np.concatenate([i + n, i]), 2 * n + len(src))
    system = Interdependency(
        2 * n,
        src,
        dst,
        [DisconnectionRule("A", in_a, None), DisconnectionRule("B", ~in_a, None)],
        deps,
    )
    intact = np.ones(2 * n + len(src), dtype=bool)
    at_start = ~system.fixed_point(intact).up[: 2 * n]
    intact[removed] = False
    at_end = ~system.fixed_point(intact).up[: 2 * n]
    ids = np.array([f"{x}{i}" for x in "AB" for i in range(n)])
    assert set(ev[ev.time_h == 0.0].asset) == set(ids[at_start])
    assert set(ev.asset) == set(ids[at_end])
    assert at_end[:n].sum() > 200  # the cascade went beyond the removed 200


def test_the_documented_yaml_example_loads_and_runs(tmp_path):
    """The example of docs/scenario-format.md on the shipped island topology; with
    ``on:`` instead of ``needs:`` YAML would read the key as ``true``, hence the name."""
    from pathlib import Path

    from resilience_sim import load_scenario, simulate

    topology = Path(__file__).resolve().parents[1] / "topologies" / "pacific_island.yaml"
    file = tmp_path / "rules.yaml"
    file.write_text(
        f"name: control plane\ntopology: {topology}\nhorizon_h: 48\n"
        "hazards:\n  - {type: asset_failure, assets: [nukualofa-operations-centre],\n"
        "     at_h: 1, duration_h: 10}\n"
        "dependencies:\n"
        "  - name: control plane\n"
        "    nodes: {kinds: [cell_site]}\n"
        "    needs: {kinds: [operations_centre]}\n"
        "    fails_when: disconnected\n"
    )
    scenario = load_scenario(file)
    assert scenario.spec.dependencies[0].fails_when == "disconnected"
    ev = simulate(scenario).events
    cut = ev[ev.cause == "disconnected: cut off from every source of rule control plane"]
    assert len(cut) == 17  # the only operations centre down: every cell site is cut off
    assert (cut.time_h == 1.0).all()
