"""EventArrays: the one typed structure of an event log (issue 22.6).

Built once from the engine's EventLog, validated once (aligned, in time order, known
codes), read-only, and read by replay, both service models, the operator model and
the metrics. The older loose-array calls still work, with a DeprecationWarning, and
give the same answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fixed, scenario_on

from resilience_sim.engine import EventArrays, EventLog, served_over_time
from resilience_sim.engine.fast_service import served_over_time_fast
from resilience_sim.engine.replay import replay
from resilience_sim.engine.service import served_over_time_reference
from resilience_sim.engine.state import (
    DEGRADE,
    FAIL,
    HIJACK_END,
    HIJACK_START,
    REPAIR,
    STRUCTURAL,
    UPSTREAM,
)
from resilience_sim.topology import compile_topology


def small_log() -> EventLog:
    """Five events on a 5-node, 4-link line (assets 0..8, region subjects from 9)."""
    log = EventLog()
    log.record(0.0, 3, FAIL, "flood", cause_class=STRUCTURAL)
    log.record(0.0, 4, FAIL, "depends on 3 <- flood", propagated=True, cause_class=UPSTREAM)
    log.record(1.5, 6, DEGRADE, "ddos", value=0.25)
    log.record(2.0, 9, HIJACK_START, "bgp")
    log.record(4.0, 3, REPAIR, "crew", cause_class=STRUCTURAL)
    return log


def test_to_arrays_has_every_column_with_its_dtype_and_round_trips():
    log = small_log()
    events = log.to_arrays()
    assert len(events) == len(log) == 5
    assert events.time_h.dtype == np.float64 and events.time_h.tolist() == [0, 0, 1.5, 2, 4]
    assert events.asset_idx.dtype == np.int64 and events.asset_idx.tolist() == [3, 4, 6, 9, 3]
    assert events.event.dtype == np.int8
    assert events.event.tolist() == [FAIL, FAIL, DEGRADE, HIJACK_START, REPAIR]
    assert events.propagated.tolist() == [False, True, False, False, False]
    assert events.cause_class.tolist() == [STRUCTURAL, UPSTREAM, "", "", STRUCTURAL]
    np.testing.assert_array_equal(events.value, [np.nan, np.nan, 0.25, np.nan, np.nan])
    back = events.to_log()
    for name in ("time_h", "asset_idx", "event", "cause", "propagated", "cause_class"):
        assert getattr(back, name) == getattr(log, name), name
    np.testing.assert_array_equal(back.value, log.value)  # NaN != NaN in a list comparison
    # the older accessors agree with the structure
    time_h, asset_idx, event = log.as_arrays()
    assert np.array_equal(time_h, events.time_h) and np.array_equal(asset_idx, events.asset_idx)
    assert np.array_equal(event, events.event)
    np.testing.assert_array_equal(log.values(), events.value)


def test_columns_are_read_only_copies():
    times = np.array([0.0, 1.0])
    events = EventArrays(times, [1, 2], [FAIL, REPAIR])
    times[0] = 5.0  # the structure owns its arrays
    assert events.time_h[0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        events.time_h[0] = 3.0
    with pytest.raises(AttributeError):
        events.time_h = np.zeros(2)  # frozen


def test_defaults_for_the_optional_columns():
    events = EventArrays([1.0, 2.0], [0, 1], [FAIL, REPAIR])
    assert np.isnan(events.value).all()
    assert events.cause.tolist() == ["", ""] and events.cause_class.tolist() == ["", ""]
    assert events.propagated.tolist() == [False, False]
    empty = EventArrays.empty()
    assert len(empty) == 0 and empty.row_times_h.tolist() == [0.0]


def test_row_times_are_zero_and_each_distinct_time():
    events = EventArrays([0.0, 2.0, 2.0, 3.5], [0, 1, 2, 0], [FAIL] * 3 + [REPAIR])
    assert events.row_times_h.tolist() == [0.0, 2.0, 3.5]
    assert EventArrays([1.0], [0], [FAIL]).row_times_h.tolist() == [0.0, 1.0]
    assert not events.row_times_h.flags.writeable


def test_head_is_a_prefix_with_every_column():
    events = small_log().to_arrays().head(3)
    assert events.asset_idx.tolist() == [3, 4, 6]
    assert events.propagated.tolist() == [False, True, False]
    assert events.value[2] == 0.25 and events.cause.tolist()[2] == "ddos"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            ([0.0, 2.0, 1.0], [0, 1, 2], [FAIL, FAIL, REPAIR]),
            r"EventArrays: time_h: row 2 \(1\.0\) goes back in time",
        ),
        (
            ([0.0, 1.0, 2.0], [0, 1], [FAIL, FAIL, REPAIR]),
            "EventArrays: asset_idx: 2 rows, but time_h has 3: the columns must be aligned",
        ),
        (
            ([0.0, 1.0], [0, 1], [FAIL]),
            "EventArrays: event: 1 rows, but time_h has 2",
        ),
        (
            ([0.0, np.nan], [0, 1], [FAIL, FAIL]),
            r"EventArrays: time_h: row 1 \(nan\) is not finite",
        ),
        (([0.0, 1.0], [0, -1], [FAIL, FAIL]), r"EventArrays: asset_idx: row 1 \(-1\) is negative"),
        (([0.0, 1.0], [0, 1], [FAIL, 9]), r"EventArrays: event: row 1 \(9\) is not an event code"),
        (  # not wrapped into a valid int8 code first
            ([0.0, 1.0], [0, 1], np.array([FAIL, 256 + REPAIR])),
            r"EventArrays: event: row 1 \(257\) is not an event code",
        ),
        (([[0.0, 1.0]], [0, 1], [FAIL, FAIL]), "EventArrays: time_h: must be one-dimensional"),
    ],
)
def test_rejects_bad_columns_with_a_clear_error(columns, message):
    with pytest.raises(ValueError, match=message):
        EventArrays(*columns)


def test_rejects_a_misaligned_optional_column():
    with pytest.raises(ValueError, match="EventArrays: value: 1 rows, but time_h has 2"):
        EventArrays([0.0, 1.0], [0, 1], [FAIL, REPAIR], value=[0.5])
    with pytest.raises(ValueError, match="EventArrays: propagated: 3 rows"):
        EventArrays([0.0, 1.0], [0, 1], [FAIL, REPAIR], propagated=[True, False, True])


def test_a_replication_log_goes_through_the_service_models_as_one_structure(line):
    """A real engine log: the reference and the fast model agree on its EventArrays,
    and replay yields one state per row time."""
    from resilience_sim.experiments.study import StudyContext, run_replication
    from resilience_sim.rng import replication_seeds

    hazard = {"type": "asset_failure", "assets": ["b", "l-ex-a"], "at_h": 1.0}
    recovery = {
        "crews": [{"depot": "ex", "count": 1}],
        "repair_h": {"cell_site": fixed(4.0), "terrestrial_fiber": fixed(6.0)},
    }
    context = StudyContext.build(scenario_on(line, hazards=[hazard], recovery=recovery))
    out = run_replication(context, 0, replication_seeds(7, 1)[0])
    events = out.events
    assert isinstance(events, EventArrays) and len(events) > 0
    arrays = context.arrays
    reference = served_over_time_reference(arrays, events)
    np.testing.assert_array_equal(out.served.domestic, reference.domestic)
    np.testing.assert_array_equal(out.served.time_h, events.row_times_h)
    assert [s.time_h for s in replay(arrays, events)] == events.row_times_h.tolist()


def test_the_loose_form_still_works_with_a_deprecation_warning(line):
    arrays = compile_topology(line)
    idx = arrays.asset_index
    time_h = np.array([1.0, 2.0, 2.0, 5.0])
    assets = np.array([idx["b"], idx["l-ex-a"], idx["l-b-c"], idx["b"]])
    codes = np.array([FAIL, DEGRADE, DEGRADE, REPAIR], np.int8)
    value = np.array([np.nan, 0.5, 0.3, np.nan])
    demand = arrays.population * 0.001
    events = EventArrays(time_h, assets, codes, value=value)
    with pytest.warns(DeprecationWarning, match=r"^served_over_time\(.*pass the log as one"):
        loose = served_over_time(arrays, time_h, assets, codes, demand, value)
    typed = served_over_time(arrays, events, demand)
    with pytest.warns(DeprecationWarning):
        loose_fast = served_over_time_fast(arrays, time_h, assets, codes, demand, value, 2.0)
    typed_fast = served_over_time_fast(arrays, events, demand, 2.0)
    with pytest.warns(DeprecationWarning):
        loose_states = [s.time_h for s in replay(arrays, time_h, assets, codes, value=value)]
    for a, b in ((loose, typed), (loose_fast, typed_fast)):
        for name in ("time_h", "domestic", "international", "international_capacity"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    fracs = [s.capacity_frac.copy() for s in replay(arrays, events)]
    assert fracs[1].tolist() == [1.0] * 4  # t = 1: b fails, no capacity change
    n = arrays.n_nodes
    assert fracs[2][idx["l-ex-a"] - n] == 0.5 and fracs[2][idx["l-b-c"] - n] == 0.3
    assert loose_states == [0.0, 1.0, 2.0, 5.0]
    # unsorted loose arrays are refused too
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="goes back in time"):
        served_over_time(arrays, time_h[::-1], assets, codes)


def test_same_as_compares_every_column_with_nan_values_equal():
    events = small_log().to_arrays()
    assert events.same_as(small_log().to_arrays())  # NaN values count as equal
    changed = small_log()
    changed.cause_class[1] = STRUCTURAL
    assert not events.same_as(changed.to_arrays())
    degraded = small_log()
    degraded.value[2] = 0.5
    assert not events.same_as(degraded.to_arrays())
    assert not events.same_as(events.head(4))


def test_hijack_end_region_subjects_are_kept():
    events = EventArrays([1.0, 2.0], [12, 12], [HIJACK_START, HIJACK_END])
    assert events.asset_idx.tolist() == [12, 12]


def test_served_per_operator_takes_the_structure_and_the_loose_form_alike():
    from test_operators import fail_sa, model_of, shares, two_operator_town

    from resilience_sim.engine.operator_service_fast import served_per_operator

    arrays, model = model_of(two_operator_town(), shares())
    typed = served_per_operator(arrays, model, fail_sa(arrays))
    events = fail_sa(arrays)
    with pytest.warns(DeprecationWarning, match=r"^served_per_operator\("):
        loose = served_per_operator(arrays, model, events.time_h, events.asset_idx, events.event)
    assert typed.time_h.tolist() == loose.time_h.tolist() == [0.0, 1.0, 5.0]
    np.testing.assert_array_equal(typed.domestic, loose.domestic)
    assert typed.domestic[1].sum() < typed.domestic[0].sum()  # sA down from 1 h to 5 h
