"""Fast service model: hand-worked timelines, a closed-form oracle, and property tests
against the scipy reference (service.served_over_time) and the naive networkx replay."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import make_topology
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resilience_sim.engine import FAIL, REPAIR, served_over_time
from resilience_sim.engine.fast_service import capacity_rows, net_changes, served_over_time_fast
from resilience_sim.engine.state import DEGRADE, HIJACK_END, HIJACK_START, EventArrays
from resilience_sim.topology import compile_topology

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.naive import naive_timeline

FIELDS = (
    "time_h",
    "domestic",
    "international",
    "by_region_domestic",
    "by_region_international",
    "assets_down",
    "international_capacity",
    "satellite_share",
    "international_routed",
)


def assert_same(fast, ref, exact: bool = True) -> None:
    for name in FIELDS:
        a, b = getattr(fast, name), getattr(ref, name)
        assert a.shape == b.shape, name
        if exact:
            assert np.array_equal(a, b, equal_nan=True), (name, a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, err_msg=name)


def log(arrays, *events):
    """An :class:`EventArrays` from ``(t_h, asset_id, FAIL|REPAIR)`` tuples."""
    t, a, e = zip(*events, strict=True)
    return EventArrays(t, [arrays.asset_index[x] for x in a], e)


def test_hand_worked_timeline_on_the_line(line):
    """gw - ex - a(100, r1) - b(50, r2) - c(25, r2); ex is core, gw international.

    t=0  ex-a cut, b fails        -> a cut off, b down, c cut off: 0 served
    t=1  b repaired               -> a-b-c together but still cut from ex: 0
    t=2  ex-a repaired            -> everyone: 175 (repair-only run, merges twice)
    t=3  a-b fails and is repaired at the same time -> no change: 175
    t=4  gw fails                 -> domestic 175, international 0
    t=5  gw repaired, c fails     -> a mixed batch: 150 and 150
    """
    arrays = compile_topology(line)
    served = served_over_time_fast(
        arrays,
        log(
            arrays,
            (0, "l-ex-a", FAIL),
            (0, "b", FAIL),
            (1, "b", REPAIR),
            (2, "l-ex-a", REPAIR),
            (3, "l-a-b", FAIL),
            (3, "l-a-b", REPAIR),
            (4, "gw", FAIL),
            (5, "gw", REPAIR),
            (5, "c", FAIL),
        ),
    )
    assert served.time_h.tolist() == [0, 1, 2, 3, 4, 5]
    assert served.domestic.tolist() == [0, 0, 175, 175, 175, 150]
    assert served.international.tolist() == [0, 0, 175, 175, 0, 150]
    assert served.assets_down.tolist() == [2, 1, 0, 0, 1, 1]
    # regions in order of first appearance: unassigned, r1, r2
    assert served.by_region_domestic.tolist() == [
        [0, 0, 0],
        [0, 0, 0],
        [0, 100, 75],
        [0, 100, 75],
        [0, 100, 75],
        [0, 100, 50],
    ]
    assert np.isnan(served.international_capacity).all()


def test_net_changes_keep_the_last_event_and_drop_no_ops():
    times = np.array([0.0, 1.0, 2.0])
    time_h = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
    asset = np.array([3, 4, 3, 5, 4, 4])
    event = np.array([FAIL, FAIL, REPAIR, REPAIR, REPAIR, FAIL])
    up = np.ones(6, dtype=bool)
    batch, changed, is_up = net_changes(times, time_h, asset, event, up)
    # 3 down at 0 and up at 1; 4 down at 0, (up then down) at 2 = no change; 5 up = no-op
    assert list(zip(batch.tolist(), changed.tolist(), is_up.tolist(), strict=True)) == [
        (0, 3, False),
        (0, 4, False),
        (1, 3, True),
    ]


def test_repairs_along_a_chain_match_the_closed_form():
    """Core - n1 - ... - n40 in a line; every link fails at t = 0 and link j (into n_j)
    returns at a random time tau_j. Node i is served from max(tau_1..tau_i) on, so the
    domestic population at t is the sum of pop_i over i with max(tau_1..tau_i) <= t."""
    rng = np.random.default_rng(12345)
    k = 40
    pop = rng.integers(1, 1000, k)
    nodes = [{"id": "core", "kind": "exchange"}] + [
        {"id": f"n{i}", "kind": "cell_site", "population": int(pop[i - 1])} for i in range(1, k + 1)
    ]
    links = [
        {"id": f"e{i}", "source": "core" if i == 1 else f"n{i - 1}", "target": f"n{i}",
         "kind": "microwave"}
        for i in range(1, k + 1)
    ]  # fmt: skip
    arrays = compile_topology(make_topology(nodes, links))
    tau = rng.permutation(np.arange(1, k + 1)).astype(float)
    order = np.argsort(tau)
    time_h = np.concatenate([np.zeros(k), tau[order]])
    assets = np.concatenate([np.arange(k), order]) + arrays.n_nodes
    event = np.concatenate([np.full(k, FAIL), np.full(k, REPAIR)]).astype(np.int8)
    served = served_over_time_fast(arrays, EventArrays(time_h, assets, event))
    served_from = np.maximum.accumulate(tau)
    expected = [pop[served_from <= t].sum() for t in served.time_h]
    assert served.domestic.tolist() == expected


def test_fractional_populations_agree_to_rounding(line):
    nodes = [
        {"id": "ex", "kind": "exchange"},
        *({"id": f"s{i}", "kind": "cell_site", "population": 0.1 * i + 1 / 3} for i in range(9)),
    ]
    links = [
        {"id": f"l{i}", "source": "ex" if i == 0 else f"s{i - 1}", "target": f"s{i}",
         "kind": "microwave"}
        for i in range(9)
    ]  # fmt: skip
    arrays = compile_topology(make_topology(nodes, links))
    n = arrays.n_nodes
    time_h = np.array([0, 0, 0, 1, 2, 3], float)
    assets = np.array([n, n + 4, 5, n + 4, 5, n])
    event = np.array([FAIL, FAIL, FAIL, REPAIR, REPAIR, REPAIR], np.int8)
    events = EventArrays(time_h, assets, event)
    fast = served_over_time_fast(arrays, events)
    assert_same(fast, served_over_time(arrays, events), exact=False)


# ------------------------------------------------------------------ property tests
@st.composite
def networks_and_logs(draw, standby: bool = True, with_routing: bool = True):
    """A random multigraph with core, international and regions, and a random event log.

    Times come from a few values so that many events coincide; failures and repairs
    interleave; some logs are a failure batch followed by repairs only (the fast path);
    some add hijacks of regions' international traffic and link degradations.
    """
    n = draw(st.integers(2, 14))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            max_size=3 * n,
        )
    )
    core = draw(st.sets(st.integers(0, n - 1), min_size=0, max_size=3))
    intl = draw(st.sets(st.integers(0, n - 1), min_size=0, max_size=2))
    nodes = [
        {
            "id": f"n{i}",
            "kind": "gateway" if i in intl else "exchange" if i in core else "cell_site",
            "population": draw(st.integers(0, 1000)),
            "region": draw(st.sampled_from(["r1", "r2", "r3"])),
            "core": i in core,
            "international": i in intl,
        }
        for i in range(n)
    ]
    links = [
        {"id": f"e{k}", "source": f"n{u}", "target": f"n{v}", "kind": "terrestrial_fiber"}
        for k, (u, v) in enumerate(edges)
    ]
    topo = make_topology(nodes, links)
    stand = {}
    if standby and links:
        for k in draw(st.sets(st.integers(0, len(links) - 1), max_size=2)):
            stand[f"e{k}"] = 1.0
    arrays = compile_topology(topo, stand or None)
    n_assets = arrays.n_assets
    if draw(st.booleans()):  # a failure batch, then repairs only
        down = draw(st.lists(st.integers(0, n_assets - 1), min_size=1, max_size=n_assets))
        back = draw(st.permutations(sorted(set(down))))
        at = sorted(draw(st.lists(st.integers(1, 6), min_size=len(back), max_size=len(back))))
        events = [(0, a, FAIL) for a in down] + [
            (t, a, REPAIR) for t, a in zip(at, back, strict=True)
        ]
    else:
        events = draw(
            st.lists(
                st.tuples(
                    st.integers(0, 8), st.integers(0, n_assets - 1), st.sampled_from([FAIL, REPAIR])
                ),
                max_size=40,
            )
        )
    if with_routing and draw(st.booleans()):  # hijacked regions and degraded links
        n_regions = len(arrays.region_names)
        events += draw(
            st.lists(
                st.tuples(
                    st.integers(0, 8),
                    st.integers(n_assets, n_assets + n_regions - 1),
                    st.sampled_from([HIJACK_START, HIJACK_END]),
                ),
                max_size=6,
            )
        )
        if arrays.n_links:
            events += [
                (t, arrays.n_nodes + j, DEGRADE)
                for t, j in draw(
                    st.lists(st.tuples(st.integers(0, 8), st.integers(0, arrays.n_links - 1)))
                )
            ]
    events.sort(key=lambda e: e[0])  # stable: same-time events keep their drawn order
    time_h = np.asarray([e[0] for e in events], float)
    assets = np.asarray([e[1] for e in events], np.int64)
    codes = np.asarray([e[2] for e in events], np.int8)
    return arrays, time_h, assets, codes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=networks_and_logs())
def test_fast_equals_scipy_reference(case):
    """Every row and column equal to served_over_time, exactly (integer populations)."""
    arrays, time_h, assets, codes = case
    value = np.full(len(time_h), 0.5)  # remaining capacity share of DEGRADE events
    events = EventArrays(time_h, assets, codes, value=value)
    assert_same(served_over_time_fast(arrays, events), served_over_time(arrays, events))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=networks_and_logs(standby=False, with_routing=False))
def test_fast_equals_naive_networkx_replay(case):
    """The naive reference (networkx, reachability after every event) gives the same rows."""
    arrays, time_h, assets, codes = case
    fast = served_over_time_fast(arrays, EventArrays(time_h, assets, codes))
    rows, _, _ = naive_timeline(arrays, time_h, assets, codes)
    assert sorted(rows) == list(range(len(fast.time_h)))
    for i, (dom, intl, reg_dom, reg_intl) in rows.items():
        assert fast.domestic[i] == dom
        assert fast.international[i] == intl
        assert np.array_equal(fast.by_region_domestic[i], reg_dom)
        assert np.array_equal(fast.by_region_international[i], reg_intl)


@pytest.mark.parametrize("seed", range(3))
def test_capacity_with_demand_equals_reference(seed, line):
    """With demand, the international capacity (max-flow) matches the reference too."""
    rng = np.random.default_rng(seed)
    arrays = compile_topology(line)
    demand = arrays.population * 0.0002
    time_h = np.sort(rng.integers(0, 5, 12)).astype(float)
    assets = rng.integers(0, arrays.n_assets, 12)
    codes = rng.integers(0, 2, 12).astype(np.int8)
    events = EventArrays(time_h, assets, codes)
    assert_same(
        served_over_time_fast(arrays, events, demand), served_over_time(arrays, events, demand)
    )


def test_capacity_rows_by_hand():
    """Rows at 0, 1, 2, 3, 5, 9, 10 h; a failure at 5 h; every 3 h otherwise."""
    times = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 10.0])
    time_h = np.array([1.0, 2.0, 3.0, 5.0, 9.0, 10.0])
    event = np.array([REPAIR, REPAIR, REPAIR, FAIL, REPAIR, REPAIR], np.int8)
    # 0 (first), 3 (3 h after 0), 5 (failure), 9 (>= 5 + 3); 10 is 1 h after 9
    assert capacity_rows(times, time_h, event, 3.0).tolist() == [1, 0, 0, 1, 1, 1, 0]
    assert capacity_rows(times, time_h, event, None).all()
    assert capacity_rows(times, time_h, event, 1000.0).tolist() == [1, 0, 0, 0, 1, 0, 0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=networks_and_logs(), interval_h=st.sampled_from([0.5, 1.0, 2.5, 100.0]))
def test_capacity_interval_holds_values_that_bound_the_reference(case, interval_h):
    """With ``capacity_interval_h``: evaluated rows equal the reference exactly; the rows
    in between repeat the last evaluated row, and its max-flow share is at most the
    reference's there (only repairs happened since); the connectivity columns are
    untouched; every row with an event other than a repair is evaluated."""
    arrays, time_h, assets, codes = case
    value = np.full(len(time_h), 0.5)
    demand = np.maximum(arrays.population, 1.0) * 0.01
    events = EventArrays(time_h, assets, codes, value=value)
    ref = served_over_time(arrays, events, demand)
    held = served_over_time_fast(arrays, events, demand, interval_h)
    evaluated = capacity_rows(ref.time_h, time_h, codes, interval_h)
    assert evaluated[np.searchsorted(ref.time_h, time_h[codes != REPAIR])].all()
    for name in FIELDS[:6]:
        assert np.array_equal(getattr(held, name), getattr(ref, name), equal_nan=True), name
    last = np.maximum.accumulate(np.where(evaluated, np.arange(len(evaluated)), 0))
    for name in ("international_capacity", "satellite_share", "international_routed"):
        column, exact = getattr(held, name), getattr(ref, name)
        assert np.array_equal(column[evaluated], exact[evaluated], equal_nan=True), name
        assert np.array_equal(column, exact[last], equal_nan=True), name
    capacity, exact = held.international_capacity, ref.international_capacity
    assert np.all((capacity <= exact + 1e-12) | (np.isnan(capacity) & np.isnan(exact)))


def test_capacity_interval_in_a_study_only_changes_the_capacity_columns():
    """The shipped eruption with ``capacity_interval_h: 24``: connectivity columns and
    metrics identical to the exact run; capacity loss at least the exact one."""
    from dataclasses import replace

    from resilience_sim import load_scenario, simulate

    exact = load_scenario(
        Path(__file__).resolve().parents[1] / "scenarios/pacific_island_eruption.yaml"
    )
    service = exact.spec.service.model_copy(update={"capacity_interval_h": 24.0})
    daily = replace(exact, spec=exact.spec.model_copy(update={"service": service}))
    a, b = simulate(exact, 4, seed=3), simulate(daily, 4, seed=3)
    capacity_columns = ["served_international_capacity_frac", "satellite_share"]
    capacity_columns.append("served_international_routed_frac")
    assert a.timeline.drop(columns=capacity_columns).equals(
        b.timeline.drop(columns=capacity_columns)
    )
    loss = "international_capacity_loss_h"
    # the minimum is at a row with a failure, which is always evaluated
    assert a.summary.drop(columns=[loss]).equals(b.summary.drop(columns=[loss]))
    assert (b.summary[loss] >= a.summary[loss] - 1e-9).all()
    assert (b.summary[loss] > a.summary[loss]).any()  # some repairs were seen late
