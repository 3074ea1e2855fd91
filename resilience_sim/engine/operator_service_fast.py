"""Fast per-operator service: the tables of the reference model without a pass per time.

Engine layer, after the SimPy run; returns exactly what
:func:`resilience_sim.engine.operators.operator_service_reference` returns (same rows,
same values, bit for bit), at a cost that grows with what changes, not with the number
of event times times the size of the network (docs/operators.md, "Cost").

How:

1. **Serving sites, offline.** Per operator network, the machinery of
   :mod:`resilience_sim.engine.fast_service` on that network's assets: a
   ``connected_components`` pass only at the batches holding a failure of one of its
   assets, and between them the batch from which each site is served (components only
   merge while only repairs happen: a bottleneck path distance). The result is a list of
   *cell changes*: (batch, network x site, domestic or international, serving or not).
2. **Assignment, incremental.** The reference's assignment (module doc of
   :mod:`~resilience_sim.engine.operators`) is a two-hop function of the serving cells:
   a unit's users split over the sites it uses, a site's load is the sum of the shares
   on it, and a unit's served users are its shares times its sites' capacity fractions.
   Domestic and international are solved side by side as one problem of twice the size.
   At a batch with cell changes only the affected part is recomputed: the pairs of the
   changed cells -> their units (sites in use, roaming) -> the sites whose shares changed
   (load, capacity fraction) -> the units on sites whose fraction changed (served) ->
   the operator x region cells of units whose served users changed. Every recomputed sum
   is taken over *all* the members of its unit, site or cell, in the reference's order
   (``np.bincount`` adds in index order, and the members skipped are exact zeros), so
   every value equals the reference's bit for bit. The roaming mandate switching on or
   off recomputes every unit once.
3. **Rows.** Only batches with a cell change, the mandate switching or a hijack starting
   or ending are visited; the other rows repeat the last visited one. Hijacked regions
   lose their international users (and roaming) as in the reference.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.engine.fast_service import _RepairRun, net_changes, open_hijacks
from resilience_sim.engine.operators import OperatorModel, OperatorServed, PairGroups
from resilience_sim.engine.replay import up_down_codes
from resilience_sim.engine.service import component_has, component_labels
from resilience_sim.engine.state import (
    FAIL,
    REPAIR,
    EventArrays,
    accepts_loose_log,
)
from resilience_sim.topology.compile import NetworkArrays

SHORT_RUN_BATCHES = 4  # repair runs this short get a pass per batch (docs/performance.md)


@accepts_loose_log("arrays, model, time_h, asset_idx, event, value")
def served_per_operator(
    arrays: NetworkArrays,
    model: OperatorModel,
    events: EventArrays,
    short_run_batches: int = SHORT_RUN_BATCHES,
    per_unit: bool = False,
) -> OperatorServed:
    """Served users per operator at every distinct event time, as
    :func:`~resilience_sim.engine.operators.operator_service_reference` (module doc).

    Capacities (the log's ``value``) do not enter the operator model. A network's run of
    at most ``short_run_batches`` repair batches after a failure gets a
    ``connected_components`` pass per batch instead of the bottleneck tree (cheaper for
    a few batches; the same answer). The older loose form ``served_per_operator(arrays,
    model, time_h, asset_idx, event, value=None)`` still works, with a
    ``DeprecationWarning``.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    model : OperatorModel
        The study's operator model (:func:`~resilience_sim.engine.operators.build_operator_model`).
    events : EventArrays
        The event log.
    short_run_batches : int, optional
        Repair runs of at most this many batches get a components pass per batch.
    per_unit : bool, default False
        Also return each unit's domestic served users (``unit_domestic``, as the
        reference's with ``per_unit=True``); the default path does not keep them.

    Returns
    -------
    OperatorServed
        Served users per operator, one row per distinct event time.
    """
    time_h, asset_idx, event = events.time_h, events.asset_idx, events.event
    times = events.row_times_h
    n_rows = len(times)
    codes = up_down_codes(arrays, asset_idx, event)
    up_down = (codes == FAIL) | (codes == REPAIR)
    batch, asset, up = net_changes(
        times, time_h[up_down], asset_idx[up_down], codes[up_down], ~arrays.standby
    )
    groups = model.groups
    change_batch, change_cell, change_on = _cell_changes(
        arrays, model, groups, batch, asset, up, n_rows, short_run_batches
    )
    lost = _hijacked(arrays, times, time_h, asset_idx, codes, model.n_regions)
    roam = (model.roaming_from_h <= times) & (times < model.roaming_until_h)

    n_ops, n_regions = model.n_ops, model.n_regions
    domestic = np.empty((n_rows, n_ops, n_regions))
    international = np.empty((n_rows, n_ops, n_regions))
    roaming_domestic = np.empty((n_rows, n_ops))
    roaming_international = np.empty((n_rows, n_ops))
    unit_domestic = np.empty((n_rows, len(model.unit_users))) if per_unit else None

    state = _Assignment(model, groups)
    bounds = np.searchsorted(change_batch, np.arange(n_rows + 1))
    first = np.arange(n_rows) == 0
    toggled = first | np.append(False, roam[1:] != roam[:-1])
    relost = first | np.append(False, (lost[1:] != lost[:-1]).any(axis=1))
    source = np.zeros(n_rows, dtype=np.int64)  # the row whose values each row repeats
    for row in np.flatnonzero((bounds[1:] > bounds[:-1]) | toggled | relost).tolist():
        lo, hi = bounds[row], bounds[row + 1]
        touched = state.update(change_cell[lo:hi], change_on[lo:hi], bool(roam[row]), toggled[row])
        if not (touched or relost[row]):
            continue
        source[row] = row
        cells = state.cell_sum.reshape(2, n_ops, n_regions)
        domestic[row] = cells[0]
        international[row] = np.where(lost[row], 0.0, cells[1])
        roaming_domestic[row], roaming_international[row] = state.roamed_by_op(lost[row])
        if unit_domestic is not None:
            unit_domestic[row] = state.served[: state.k]
    source = np.maximum.accumulate(source)
    return OperatorServed(
        time_h=times,
        domestic=domestic[source],
        international=international[source],
        roaming_domestic=roaming_domestic[source],
        roaming_international=roaming_international[source],
        unit_domestic=None if unit_domestic is None else unit_domestic[source],
    )


def _cell_changes(
    arrays: NetworkArrays,
    model: OperatorModel,
    groups: PairGroups,
    batch: np.ndarray,
    asset: np.ndarray,
    up: np.ndarray,
    n_rows: int,
    short_run_batches: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(batch, cell, serving)`` sorted by batch: every change of a used cell's serving
    state, from an empty state before batch 0 (cells as :class:`PairGroups`: domestic
    ``network * n_nodes + node``, international offset by ``n_networks * n_nodes``)."""
    n = arrays.n_nodes
    n_networks = len(model.network_masks)
    used = np.zeros(2 * n_networks * n, dtype=bool)
    used[groups.pair_cell] = True
    used = used.reshape(2, n_networks, n)
    initial_up = ~arrays.standby
    out_batch, out_cell, out_on = [], [], []
    for g, mask in enumerate(model.network_masks):
        mine = mask[asset]
        g_batch, g_asset, g_up = batch[mine], asset[mine], up[mine]
        asset_up = initial_up & mask
        starts = np.union1d([0], g_batch[~g_up])  # a full pass only after a failure
        changed = np.unique(g_batch)
        run_of = np.searchsorted(starts, changed, side="right") - 1
        repairs = np.bincount(run_of, weights=changed != starts[run_of], minlength=len(starts))
        short = repairs[run_of] <= short_run_batches  # ... or at each batch of a short run
        starts = np.union1d(starts, changed[short])
        ends = np.append(starts[1:], n_rows)
        serving = [np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)]
        for b0, b1 in zip(starts.tolist(), ends.tolist(), strict=True):
            lo, mid, hi = np.searchsorted(g_batch, [b0, b0 + 1, b1])
            asset_up[g_asset[lo:mid]] = g_up[lo:mid]
            n_comp, labels, node_up = component_labels(arrays, asset_up)
            run = None
            if hi > mid:  # repairs follow in this segment
                at = g_batch[mid:hi] - b0
                run = _RepairRun(arrays, asset_up, labels, g_asset[mid:hi], at, b1 - b0 - 1)
            for side, sources in enumerate((arrays.is_core, arrays.is_international)):
                has_source = component_has(n_comp, labels, node_up, sources)
                now = node_up & has_source[labels]
                flip = np.flatnonzero((now != serving[side]) & used[side, g])
                cell_base = (side * n_networks + g) * n
                out_batch.append(np.full(len(flip), b0, dtype=np.int64))
                out_cell.append(cell_base + flip)
                out_on.append(now[flip])
                if run is not None:
                    newly = run.served_batch(has_source, sources)
                    late = np.flatnonzero((newly > 0) & used[side, g])
                    out_batch.append(b0 + newly[late])
                    out_cell.append(cell_base + late)
                    out_on.append(np.ones(len(late), dtype=bool))
                    now = now | (newly > 0)
                serving[side] = now
            asset_up[g_asset[mid:hi]] = True
    if not out_batch:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool)
    b, c, o = np.concatenate(out_batch), np.concatenate(out_cell), np.concatenate(out_on)
    order = np.argsort(b, kind="stable")
    return b[order], c[order], o[order]


def _hijacked(arrays, times, time_h, asset_idx, codes, n_regions) -> np.ndarray:
    """``(n_rows, n_regions)`` bool: the region's international traffic is hijacked
    (an open count > 0, as the reference reads it)."""
    return open_hijacks(arrays, times, time_h, asset_idx, codes, n_regions) > 0


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by a sort: faster than ``np.unique`` on the short arrays of
    one batch)."""
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


class _Assignment:
    """The reference's assignment for domestic and international service side by side,
    kept up to date by recomputing only what a change reaches (module doc)."""

    def __init__(self, model: OperatorModel, groups: PairGroups):
        k, n = len(model.unit_users), len(model.capacity_users)
        self.n_ops, self.k = model.n_ops, k
        self.groups = groups
        self.pair_roaming = np.concatenate([model.pair_roaming, model.pair_roaming])
        self.pair_users = np.concatenate([model.pair_users, model.pair_users])
        base_dom, base_intl = model.unit_served_in_baseline
        self.may_roam = np.concatenate(
            [model.unit_may_roam & base_dom, model.unit_may_roam & base_intl]
        )
        self.capacity = np.concatenate([model.capacity_users, model.capacity_users])
        self.unit_op = np.concatenate([model.unit_op, model.unit_op + model.n_ops])
        m = len(self.pair_users)
        self.ok = np.zeros(m, dtype=bool)
        self.share = np.zeros(m)
        self.got = np.zeros(m)
        self.load = np.zeros(2 * n)
        self.frac = np.ones(2 * n)
        self.served = np.zeros(2 * k)
        self.roamed = np.zeros(2 * k)
        self.cell_sum = np.zeros(2 * model.n_ops * model.n_regions)
        self.roams = False
        self.any_roaming = bool(model.pair_roaming.any())
        self.roaming_units = np.empty(0, dtype=np.int64)  # sorted: units with roamed > 0
        self.roamed_sums: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def update(self, cells: np.ndarray, on: np.ndarray, roams: bool, full: bool) -> bool:
        """Apply cell changes (and the mandate being on or off); ``full`` recomputes
        every unit. Returns whether any served value may have changed."""
        g = self.groups
        roams = roams and self.any_roaming
        if len(cells):
            pairs, where = g.by_cell.gather(cells)
            self.ok[pairs] = on[where]
        if full:
            self.roams = roams
            self._recompute_all()
            return True
        if len(cells) == 0:
            return False
        units = _unique(g.pair_unit[pairs])
        # 1. the sites each unit uses, and the share of its users on each
        pairs, where = g.by_unit.gather(units)
        ok, roaming = self.ok[pairs], self.pair_roaming[pairs]
        own = ok & ~roaming
        n_own = np.bincount(where, weights=own, minlength=len(units))
        use = own
        n_use = n_own
        if self.roams:
            active = self.may_roam[units] & (n_own == 0)
            use = own | (ok & roaming & active[where])
            n_use = np.bincount(where, weights=use, minlength=len(units))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(use, self.pair_users[pairs] / n_use[where], 0.0)
        moved = share != self.share[pairs]
        if not moved.any():
            return False
        moved_pairs = pairs[moved]
        self.share[moved_pairs] = share[moved]
        # 2. the load and capacity fraction of every site whose shares moved
        sites = _unique(g.pair_site[moved_pairs])
        site_pairs, where = g.by_site.gather(sites)
        load = np.bincount(where, weights=self.share[site_pairs], minlength=len(sites))
        self.load[sites] = load
        capacity = self.capacity[sites]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(load > capacity, capacity / load, 1.0)
        refrac = frac != self.frac[sites]
        self.frac[sites] = frac
        # 3. the served users of every unit with a share moved or on a site whose fraction did
        if refrac.any():
            hit, _ = g.by_site.gather(sites[refrac])
            moved_pairs = _unique(np.concatenate([moved_pairs, hit]))
        self.got[moved_pairs] = self.share[moved_pairs] * self.frac[g.pair_site[moved_pairs]]
        units = _unique(g.pair_unit[moved_pairs])
        pairs, where = g.by_unit.gather(units)
        got = self.got[pairs]
        served = np.bincount(where, weights=got, minlength=len(units))
        changed = served != self.served[units]
        self.served[units] = served
        if self.roams:
            roamed = np.where(self.pair_roaming[pairs], got, 0.0)
            roamed = np.bincount(where, weights=roamed, minlength=len(units))
            if not np.array_equal(roamed, self.roamed[units]):
                self.roamed[units] = roamed
                old = self.roaming_units
                at = np.minimum(np.searchsorted(units, old), len(units) - 1)
                kept = old[units[at] != old]  # units (sorted) were all recomputed
                self.roaming_units = _unique(np.concatenate([kept, units[roamed != 0]]))
                self.roamed_sums = None
        # 4. the operator x region sums of units whose served users changed
        if changed.any():
            out = _unique(g.out_cell[units[changed]])
            members, where = g.by_out_cell.gather(out)
            self.cell_sum[out] = np.bincount(
                where, weights=self.served[members], minlength=len(out)
            )
        return True

    def _recompute_all(self) -> None:
        """Every value from the cell states, by whole-length passes in the reference's order."""
        g, k2, n2 = self.groups, len(self.served), len(self.load)
        unit, roaming, ok = g.pair_unit, self.pair_roaming, self.ok
        use = ok & ~roaming
        if self.roams:
            n_own = np.bincount(unit, weights=use, minlength=k2)
            use = use | (ok & roaming & (self.may_roam & (n_own == 0))[unit])
        n_use = np.bincount(unit, weights=use, minlength=k2)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.share = np.where(use, self.pair_users / n_use[unit], 0.0)
            self.load = np.bincount(g.pair_site, weights=self.share, minlength=n2)
            self.frac = np.where(self.load > self.capacity, self.capacity / self.load, 1.0)
        self.got = self.share * self.frac[g.pair_site]
        self.served = np.bincount(unit, weights=self.got, minlength=k2)
        self.roamed = np.bincount(unit, weights=np.where(roaming, self.got, 0.0), minlength=k2)
        self.roaming_units = np.flatnonzero(self.roamed)
        self.roamed_sums = None
        self.cell_sum = np.bincount(g.out_cell, weights=self.served, minlength=len(self.cell_sum))

    def roamed_by_op(self, lost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(domestic, international)`` ``(n_ops,)`` users served through emergency
        roaming; international users of hijacked regions count as not served."""
        n_ops, k = self.n_ops, self.k
        if not self.roams:
            return np.zeros(n_ops), np.zeros(n_ops)
        cached = self.roamed_sums
        if cached is not None and np.array_equal(cached[0], lost):
            return cached[1], cached[2]
        units = self.roaming_units
        weights = self.roamed[units]
        intl = units >= k
        region = self.groups.out_cell[units] % len(lost)
        weights = np.where(intl & lost[region], 0.0, weights)
        by_op = np.bincount(self.unit_op[units], weights=weights, minlength=2 * n_ops)
        self.roamed_sums = (lost.copy(), by_op[:n_ops], by_op[n_ops:])
        return by_op[:n_ops], by_op[n_ops:]
