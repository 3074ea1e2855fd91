"""Service per operator: market shares, coverage, roaming and shared site capacity.

Engine layer, after the SimPy run, next to the service model (docs/operators.md).

* **Users.** The users of an access node (``population > 0``) are split among the
  declared operators by the market shares of its region: one *unit* per (node, operator).
* **Networks.** Operator *o*'s network is every node and link whose ``operator`` is *o*
  or None (shared). A site serves for *o* domestically when it is up and connected,
  inside *o*'s network, to an up core node of that network; internationally the same with
  an international node (and its region not hijacked).
* **Coverage.** A site (a ``cell_site`` or an access node) covers its own node's users and
  those of access nodes within ``service.coverage_km`` (at 0, those at the same point). A
  unit's *own* sites are the covering sites of its operator, of its roaming partners
  (served through the partner's network) and shared sites (``operator`` None).
* **Emergency roaming.** While the mandate is on, a unit of a listed operator with no
  serving own site, that was served in the undamaged network, may use the covering sites of
  the other listed operators (through their networks).
* **Capacity.** A unit's users split equally among the sites it uses. A site serves at most
  ``site_capacity_factor`` x its users in the undamaged network; above that, every user on
  it (own and roaming) is served with the same probability ``capacity / load``
  (proportional sharing of the site's capacity in users).

:func:`operator_service_reference` evaluates this on the replay of
:mod:`resilience_sim.engine.replay`: at each distinct event time, one
``connected_components`` pass per operator network holding an asset that changed, then
whole-length ``np.bincount`` passes over the (unit, site) candidate pairs. It is the
reference of the fast model the engine uses,
:func:`resilience_sim.engine.operator_service_fast.served_per_operator` (same tables,
bit for bit).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from resilience_sim.engine.replay import replay
from resilience_sim.engine.service import component_labels
from resilience_sim.engine.state import EventArrays
from resilience_sim.geo import EARTH_RADIUS_KM, unit_vectors
from resilience_sim.scenario.operators import Operator, Roaming
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


@dataclass(frozen=True)
class OperatorModel:
    """Who is covered by which site, per operator; built once per study.

    Units ``(k,)``: ``unit_node``, ``unit_op`` (index into ``ids``), ``unit_users``
    (persons). Candidate pairs ``(m,)``: ``pair_unit``, ``pair_site`` (node index),
    ``pair_network`` (index into ``network_masks``, whose reachability decides),
    ``pair_roaming`` (an emergency-roaming candidate, not an own site).
    """

    ids: tuple[str, ...]
    network_masks: np.ndarray  # (n_networks, n_assets) bool: assets an operator's network uses
    network_of_op: np.ndarray  # (n_ops,) int
    unit_node: np.ndarray
    unit_op: np.ndarray
    unit_users: np.ndarray
    pair_unit: np.ndarray
    pair_site: np.ndarray
    pair_network: np.ndarray
    pair_roaming: np.ndarray
    unit_may_roam: np.ndarray  # (k,) bool: its operator is in the roaming mandate
    roaming_from_h: float  # inf without a mandate
    roaming_until_h: float
    capacity_factor: float
    pair_cell: np.ndarray  # (m,) pair_network * n_nodes + pair_site: index into a flat mask
    pair_users: np.ndarray  # (m,) unit_users of each pair's unit
    capacity_users: np.ndarray  # (n_nodes,) factor x the site's users in the undamaged network
    unit_served_in_baseline: tuple[np.ndarray, np.ndarray]  # (k,) domestic, international
    unit_baseline_users: tuple[np.ndarray, np.ndarray]  # (k,) persons served, the same split
    unit_region: np.ndarray  # (k,) region index of each unit's node
    n_regions: int

    @property
    def n_ops(self) -> int:
        """Number of operators (``len(ids)``)."""
        return len(self.ids)

    @cached_property
    def groups(self) -> PairGroups:
        """The candidate pairs grouped by unit, by site and by site cell, and the units by
        operator x region (built by :func:`build_operator_model`, or on first use of a
        model made by ``dataclasses.replace``; pickled with the model)."""
        return pair_groups(self)


@dataclass(frozen=True)
class Groups:
    """Members grouped by key, CSR style: the members of key ``i`` are
    ``members[ptr[i]:ptr[i + 1]]``, in increasing order."""

    ptr: np.ndarray
    members: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray, n_keys: int) -> Groups:
        """Group ``arange(len(key))`` by ``key``.

        Parameters
        ----------
        key : numpy.ndarray
            ``(n,)`` int, the key of each member, values in ``0..n_keys-1``.
        n_keys : int
            Number of keys (keys without members get an empty group).

        Returns
        -------
        Groups
            ``ptr`` ``(n_keys + 1,)`` int64 and ``members`` ``(n,)`` int64.
        """
        members = np.argsort(key, kind="stable")
        ptr = np.zeros(n_keys + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=n_keys), out=ptr[1:])
        return cls(ptr, members)

    def gather(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The members of every key in ``keys``, key after key.

        Parameters
        ----------
        keys : numpy.ndarray
            ``(q,)`` int, the keys to gather (repeats allowed).

        Returns
        -------
        members : numpy.ndarray
            int64, the members of ``keys[0]``, then of ``keys[1]``...
        position : numpy.ndarray
            int64, same length: for each member, the position of its key in ``keys``.
        """
        start = self.ptr[keys]
        count = self.ptr[keys + 1] - start
        ends = np.cumsum(count)
        offset = np.repeat(start - (ends - count), count) + np.arange(ends[-1] if len(ends) else 0)
        return self.members[offset], np.repeat(np.arange(len(keys)), count)


@dataclass(frozen=True)
class PairGroups:
    """The pairs of an :class:`OperatorModel` twice over, as two problems side by side:
    domestic (pairs ``0..m-1``, units ``0..k-1``, sites ``0..n-1``, cells
    ``0..n_networks*n-1``) then international (each offset by as much); units grouped by
    output cell (operator x region, domestic cells then international ones)."""

    by_unit: Groups
    by_site: Groups
    by_cell: Groups
    by_out_cell: Groups
    pair_unit: np.ndarray  # (2m,)
    pair_site: np.ndarray  # (2m,)
    pair_cell: np.ndarray  # (2m,)
    out_cell: np.ndarray  # (2k,) operator x region cell of each unit


def pair_groups(model: OperatorModel) -> PairGroups:
    """:class:`PairGroups` of ``model``.

    Parameters
    ----------
    model : OperatorModel
        The operator model.

    Returns
    -------
    PairGroups
        Its pairs, domestic then international, grouped by unit, site, cell and output cell.
    """
    k, n = len(model.unit_users), len(model.capacity_users)
    n_cells = len(model.network_masks) * n
    n_out = model.n_ops * model.n_regions
    out = model.unit_op * model.n_regions + model.unit_region
    out_cell = np.concatenate([out, out + n_out])
    pair_unit = np.concatenate([model.pair_unit, model.pair_unit + k])
    pair_site = np.concatenate([model.pair_site, model.pair_site + n])
    pair_cell = np.concatenate([model.pair_cell, model.pair_cell + n_cells])
    return PairGroups(
        Groups.of(pair_unit, 2 * k),
        Groups.of(pair_site, 2 * n),
        Groups.of(pair_cell, 2 * n_cells),
        Groups.of(out_cell, 2 * n_out),
        pair_unit,
        pair_site,
        pair_cell,
        out_cell,
    )


@dataclass(frozen=True)
class OperatorServed:
    """Served users per operator over time: one row per distinct event time.

    ``domestic``/``international`` ``(k, n_ops, n_regions)`` persons;
    ``roaming_domestic``/``roaming_international`` ``(k, n_ops)`` persons of each operator
    served on another operator's site through emergency roaming. ``unit_domestic``
    ``(k, n_units)`` persons of each unit (operator x place, :class:`OperatorModel`)
    served domestically, only when asked for (``per_unit=True``), else None.
    """

    time_h: np.ndarray
    domestic: np.ndarray
    international: np.ndarray
    roaming_domestic: np.ndarray
    roaming_international: np.ndarray
    unit_domestic: np.ndarray | None = None


def build_operator_model(
    arrays: NetworkArrays,
    node_kind: Sequence[str],
    node_operator: Sequence[str | None],
    link_operator: Sequence[str | None],
    operators: Sequence[Operator],
    roaming: Roaming | None,
    coverage_km: float,
    capacity_factor: float,
) -> OperatorModel:
    """The units, candidate sites and operator networks of a topology (see module doc).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network (population, regions, positions).
    node_kind : sequence of str
        ``(n_nodes,)`` node kinds (``"cell_site"`` nodes are sites).
    node_operator, link_operator : sequence of str or None
        ``(n_nodes,)`` and ``(n_links,)`` operator id of each node and link (None:
        shared).
    operators : sequence of Operator
        The declared operators, with market shares by region (0..1) and roaming partners.
    roaming : Roaming or None
        The emergency-roaming mandate (from/until, h; listed operators), or None.
    coverage_km : float
        Radius within which a site covers access nodes, km (0: the same point only).
    capacity_factor : float
        A site serves at most this times its users in the undamaged network.

    Returns
    -------
    OperatorModel
        The model, with its baseline capacities and :attr:`OperatorModel.groups` built.
    """
    ids = tuple(o.id for o in operators)
    op_index = {a: i for i, a in enumerate(ids)}
    node_op = np.array([op_index.get(o, -2) if o is not None else -1 for o in node_operator])
    link_op = np.array([op_index.get(o, -2) if o is not None else -1 for o in link_operator])
    asset_op = np.concatenate([node_op, link_op]).astype(np.int64)
    masks = np.stack([(asset_op == i) | (asset_op == -1) for i in range(len(ids))])
    network_masks, network_of_op = np.unique(masks, axis=0, return_inverse=True)

    regions = arrays.region_names
    share = np.array([[o.share_in(r) for r in regions] for o in operators])  # (n_ops, n_regions)
    areas = np.flatnonzero(arrays.population > 0)
    users = arrays.population[areas, None] * share[:, arrays.region_of_node[areas]].T
    a_idx, o_idx = np.nonzero(users > 0)
    unit_node, unit_op, unit_users = areas[a_idx], o_idx.astype(np.int64), users[a_idx, o_idx]
    unit_of = {(int(a), int(o)): k for k, (a, o) in enumerate(zip(unit_node, unit_op, strict=True))}

    is_site = (np.asarray(node_kind) == "cell_site") | (arrays.population > 0)
    partners = [{op_index[p] for p in o.roaming_partners} for o in operators]
    listed = set(range(len(ids)))
    if roaming is not None and roaming.operators is not None:
        listed = {op_index[o] for o in roaming.operators}
    pairs: list[tuple[int, int, int, bool]] = []
    for area, site in _coverage(arrays, areas, np.flatnonzero(is_site), coverage_km):
        s_op = int(node_op[site])
        for o in range(len(ids)):
            k = unit_of.get((int(area), o))
            if k is None:
                continue
            if s_op in (-1, o):
                pairs.append((k, site, int(network_of_op[o]), False))
            elif s_op in partners[o]:
                pairs.append((k, site, int(network_of_op[s_op]), False))
            elif roaming is not None and s_op >= 0 and o in listed and s_op in listed:
                pairs.append((k, site, int(network_of_op[s_op]), True))
    pair = np.array(pairs, dtype=np.int64).reshape(-1, 4).T.copy()  # rows: contiguous columns
    model = OperatorModel(
        ids=ids,
        network_masks=network_masks,
        network_of_op=network_of_op.astype(np.int64).ravel(),
        unit_node=unit_node,
        unit_op=unit_op,
        unit_users=unit_users,
        pair_unit=pair[0],
        pair_site=pair[1],
        pair_network=pair[2],
        pair_roaming=pair[3].astype(bool),
        pair_cell=pair[2] * arrays.n_nodes + pair[1],
        pair_users=unit_users[pair[0]],
        unit_may_roam=np.isin(unit_op, sorted(listed)),
        roaming_from_h=np.inf if roaming is None else roaming.from_h,
        roaming_until_h=np.inf if roaming is None or roaming.until_h is None else roaming.until_h,
        capacity_factor=capacity_factor,
        capacity_users=np.empty(0),
        unit_served_in_baseline=(np.empty(0, bool), np.empty(0, bool)),
        unit_baseline_users=(np.empty(0), np.empty(0)),
        unit_region=arrays.region_of_node[unit_node].astype(np.int64),
        n_regions=len(regions),
    )
    dom, intl = _baseline_evaluation(arrays, model)
    dom.served.setflags(write=False)  # shared: baseline_unit_served returns it
    intl.served.setflags(write=False)
    model = dataclasses.replace(
        model,
        capacity_users=capacity_factor * np.maximum(dom.load, intl.load),
        unit_served_in_baseline=(dom.served > 0, intl.served > 0),
        unit_baseline_users=(dom.served, intl.served),
    )
    model.groups  # noqa: B018  (built now: once per study, pickled with the model to workers)
    return model


def operator_model_of(
    topology: Topology,
    arrays: NetworkArrays,
    operators: Sequence[Operator],
    roaming: Roaming | None = None,
    coverage_km: float = 0.0,
    capacity_factor: float = 1.5,
) -> OperatorModel:
    """:func:`build_operator_model` with the kinds and operators read from ``topology``.

    Parameters
    ----------
    topology : Topology
        The topology ``arrays`` were compiled from.
    arrays : NetworkArrays
        The compiled network.
    operators : sequence of Operator
        The declared operators.
    roaming : Roaming or None
        The emergency-roaming mandate, or None.
    coverage_km : float
        Coverage radius of a site, km.
    capacity_factor : float
        Site capacity as a multiple of its users in the undamaged network.

    Returns
    -------
    OperatorModel
        As :func:`build_operator_model`.
    """
    return build_operator_model(
        arrays,
        topology.node_column("kind"),
        topology.node_column("operator"),
        topology.link_column("operator"),
        operators,
        roaming,
        coverage_km,
        capacity_factor,
    )


def _coverage(arrays: NetworkArrays, areas: np.ndarray, sites: np.ndarray, coverage_km: float):
    """``(area, site)`` node pairs: every site covers itself and the areas within range."""
    pairs = {(int(a), int(a)) for a in np.intersect1d(areas, sites)}
    lat, lon = arrays.asset_lat[: arrays.n_nodes], arrays.asset_lon[: arrays.n_nodes]
    located = sites[~np.isnan(lat[sites])]
    if len(located):  # radius 0: sites at the very same point still cover each other
        tree = cKDTree(unit_vectors(lat[located], lon[located]))
        chord = 2 * np.sin(min(coverage_km / EARTH_RADIUS_KM, np.pi) / 2)
        areas_located = areas[~np.isnan(lat[areas])]
        found = tree.query_ball_point(
            unit_vectors(lat[areas_located], lon[areas_located]), chord * (1 + 1e-12)
        )
        for area, hits in zip(areas_located.tolist(), found, strict=True):
            pairs.update((area, int(located[h])) for h in hits)
    return sorted(pairs)


def operator_service_reference(
    arrays: NetworkArrays, model: OperatorModel, events: EventArrays, per_unit: bool = False
) -> OperatorServed:
    """Replay an event log and evaluate service per operator at every distinct event time.

    The reference: a pass per event time, rows as
    :func:`~resilience_sim.engine.service.served_over_time_reference`. The engine uses
    :func:`resilience_sim.engine.operator_service_fast.served_per_operator`, which returns
    the same tables.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    model : OperatorModel
        The study's operator model (:func:`build_operator_model`).
    events : EventArrays
        The event log.
    per_unit : bool, default False
        Also return each unit's domestic served users (``unit_domestic``).

    Returns
    -------
    OperatorServed
        Served users per operator, one row per distinct event time.
    """
    capacity, base_served = model.capacity_users, model.unit_served_in_baseline
    same_baseline = np.array_equal(*base_served)
    rows = []
    previous = None  # (asset_up, roam, dom_ok, intl_ok, dom, intl) of the last row
    for state in replay(arrays, events):
        roam = model.roaming_from_h <= state.time_h < model.roaming_until_h
        if previous is None:
            dom_ok, intl_ok = _site_service(arrays, model, state.asset_up)
            stale = np.ones(len(model.network_masks), dtype=bool)
        else:  # only the networks holding an asset that changed need a new pass
            changed = state.asset_up != previous[0]
            stale = (model.network_masks & changed).any(axis=1)
            dom_ok, intl_ok = previous[2].copy(), previous[3].copy()
            _site_service(arrays, model, state.asset_up, stale, dom_ok, intl_ok)
        if previous is not None and not stale.any() and roam == previous[1]:
            dom, intl = previous[4], previous[5]  # only capacities or hijacks changed
        else:
            dom = _assign(model, dom_ok, roam, base_served[0], capacity, arrays.n_nodes)
            same = same_baseline and np.array_equal(dom_ok, intl_ok)
            intl = (  # every site reaching the core also reaches the world: the same answer
                dom
                if same
                else _assign(model, intl_ok, roam, base_served[1], capacity, arrays.n_nodes)
            )
        previous = (state.asset_up.copy(), roam, dom_ok, intl_ok, dom, intl)
        if state.hijacked.any():
            lost = state.hijacked[arrays.region_of_node[model.unit_node]] > 0
            intl = _Assignment(
                np.where(lost, 0.0, intl.served), np.where(lost, 0.0, intl.roamed), intl.load
            )
        rows.append((state.time_h, dom, intl))
    out = _tabulate(arrays, model, rows)
    if per_unit:
        k = len(model.unit_users)
        units = np.stack([r[1].served for r in rows]) if rows else np.empty((0, k))
        out = dataclasses.replace(out, unit_domestic=units)
    return out


def baseline_per_operator(arrays: NetworkArrays, model: OperatorModel) -> OperatorServed:
    """Served users per operator in the undamaged network (one row at t = 0).

    No emergency roaming and no capacity limit, as the baseline of the model.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    model : OperatorModel
        The study's operator model.

    Returns
    -------
    OperatorServed
        One row (``time_h == [0.0]``) of served users, persons.
    """
    k = len(model.unit_users)
    dom, intl = (_Assignment(s, np.zeros(k), np.empty(0)) for s in model.unit_baseline_users)
    return _tabulate(arrays, model, [(0.0, dom, intl)])  # no roaming: roamed 0; load unused


def baseline_unit_served(arrays: NetworkArrays, model: OperatorModel) -> np.ndarray:
    """Domestic served users of each unit in the undamaged network (the baseline of
    :func:`baseline_per_operator`: no emergency roaming, no capacity limit).

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    model : OperatorModel
        The study's operator model.

    Returns
    -------
    numpy.ndarray
        ``(n_units,)`` persons.
    """
    return model.unit_baseline_users[0]


@dataclass(frozen=True)
class _Assignment:
    served: np.ndarray  # (k,) persons per unit
    roamed: np.ndarray  # (k,) of which through emergency roaming
    load: np.ndarray  # (n_nodes,) users on each site


def _baseline_evaluation(arrays: NetworkArrays, model: OperatorModel):
    """Undamaged network, no emergency roaming, no capacity limit."""
    dom_ok, intl_ok = _site_service(arrays, model, ~arrays.standby)
    k = len(model.unit_users)
    no_unit = np.zeros(k, dtype=bool)
    unlimited = np.full(arrays.n_nodes, np.inf)
    return tuple(
        _assign(model, ok, False, no_unit, unlimited, arrays.n_nodes) for ok in (dom_ok, intl_ok)
    )


def _site_service(
    arrays: NetworkArrays,
    model: OperatorModel,
    asset_up: np.ndarray,
    networks: np.ndarray | None = None,
    dom: np.ndarray | None = None,
    intl: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(domestic, international)`` ``(n_networks, n_nodes)``: node serves in that network.

    With ``networks`` (bool per network), only those rows of ``dom``/``intl`` are redone.
    """
    shape = (len(model.network_masks), arrays.n_nodes)
    if dom is None or intl is None:
        dom, intl = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for g, mask in enumerate(model.network_masks):
        if networks is not None and not networks[g]:
            continue
        n_comp, labels, node_up = component_labels(arrays, asset_up & mask)
        for sources, out in ((arrays.is_core, dom), (arrays.is_international, intl)):
            has = np.zeros(n_comp, dtype=bool)
            has[labels[sources & node_up]] = True
            out[g] = node_up & has[labels]
    return dom, intl


def _assign(
    model: OperatorModel,
    site_ok: np.ndarray,
    roaming_on: bool,
    served_in_baseline: np.ndarray,
    capacity: np.ndarray,
    n_nodes: int,
) -> _Assignment:
    """Split each unit over its serving sites, then cap each site's load (module doc).

    Whole-length passes over the candidate pairs, with weights instead of gathers (the
    hot loop of the operator model: ~10 per event time).
    """
    k = len(model.unit_users)
    unit, site, roaming = model.pair_unit, model.pair_site, model.pair_roaming
    ok = site_ok.ravel().take(model.pair_cell)
    use = ok & ~roaming
    roams = roaming_on and bool(roaming.any())
    if roams:
        has_own = np.bincount(unit, weights=use, minlength=k) > 0
        may = model.unit_may_roam & ~has_own & served_in_baseline
        use |= ok & roaming & may.take(unit)
    n_use = np.bincount(unit, weights=use, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(use, model.pair_users / n_use.take(unit), 0.0)
        load = np.bincount(site, weights=share, minlength=n_nodes)
        frac = np.where(load > capacity, capacity / load, 1.0)
    got = share * frac.take(site)
    served = np.bincount(unit, weights=got, minlength=k)
    roamed = (
        np.bincount(unit, weights=np.where(roaming, got, 0.0), minlength=k)
        if roams
        else np.zeros(k)
    )
    return _Assignment(served, roamed, load)


def _tabulate(arrays: NetworkArrays, model: OperatorModel, rows) -> OperatorServed:
    n_ops, n_regions = model.n_ops, len(arrays.region_names)
    cell = model.groups.out_cell[: len(model.unit_users)]  # operator x region of each unit

    def by_op_region(values: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=values, minlength=n_ops * n_regions).reshape(
            n_ops, n_regions
        )

    def by_op(values: np.ndarray) -> np.ndarray:
        return np.bincount(model.unit_op, weights=values, minlength=n_ops)

    return OperatorServed(
        time_h=np.array([r[0] for r in rows], dtype=float),
        domestic=np.stack([by_op_region(r[1].served) for r in rows]),
        international=np.stack([by_op_region(r[2].served) for r in rows]),
        roaming_domestic=np.stack([by_op(r[1].roamed) for r in rows]),
        roaming_international=np.stack([by_op(r[2].roamed) for r in rows]),
    )
