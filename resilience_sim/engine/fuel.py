"""Refuelling trucks: depots with stock, trucks with a load, a queue of sites asking for fuel.

Used by :class:`~resilience_sim.engine.backup.SiteBackup` when the scenario's
``power.fuel`` is given (docs/power.md). A site asks for fuel when its tank is half
empty or dry; a free truck takes the waiting site chosen by the policy (``fifo``,
``critical_first``, ``most_users_first``; ties to the earliest request), drives there
(great-circle km x ``road_factor`` / ``speed_kmh``, or with ``roads`` the shortest open
road path, :mod:`resilience_sim.engine.roads`; a fleet with ``regions`` reaches only
their nodes, e.g. one island), pumps for
``pump_h`` and fills the tank as far as its load allows. With fuel left it takes the next
site from where it is; empty, it drives back to its depot and loads ``capacity_l`` (or
what the depot has left; loading takes no time). With no waiting site it stays where it
is. A site inside a closed area (``recovery.closed_areas``) cannot be reached before the
area opens; without ``roads`` only the destination is checked, not the road to it. With
``roads`` a site no open road reaches waits until one reopens, and an empty truck with
no open road home waits where it is; a path is chosen at departure and kept (closures
during the trip are not seen).

Every truck movement and every request is recorded as it happens (a few list appends
per trip, no random draw, nothing scheduled) and returned by :meth:`FuelFleet.fuel_log`
as a :class:`FuelLog` of typed arrays: the ``fuel_trips`` and ``road_closures`` tables
(docs/power.md#fuel-logistics-tables).

What is the same in every replication (depot positions, the nodes each fleet serves, the
road graph) is compiled once per study as a :class:`FuelPlan`.

Decisions are taken once every change of the instant is known (a zero-delay step), as
for crews. Truck times are deterministic; road closures are drawn per replication by
:class:`~resilience_sim.engine.roads.RoadConditions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from resilience_sim.engine.closed_areas import ClosedAreas
from resilience_sim.engine.roads import RoadConditions, RoadGraph, compile_roads
from resilience_sim.geo import haversine_km
from resilience_sim.scenario.power import FuelLogistics
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

if TYPE_CHECKING:
    from resilience_sim.engine.backup import SiteBackup


# FuelLog.kind codes (the fuel_trips ``kind`` column)
TRIP_KINDS = ("delivery", "to_depot", "cancelled", "unserved")
DELIVERY, TO_DEPOT, CANCELLED, UNSERVED = range(4)
# FuelLog.wait flags: why a request (or an empty truck) waited
WAIT_CLOSED_AREA, WAIT_ROAD_CLOSED, WAIT_NO_TRUCK = 1, 2, 4
WAIT_REASONS = (
    (WAIT_CLOSED_AREA, "closed_area"),
    (WAIT_ROAD_CLOSED, "road_closed"),
    (WAIT_NO_TRUCK, "no_truck"),
)
# wait_reason text of every combination of the three flags
_WAIT_REASON_NAMES = np.asarray(
    ["+".join(name for bit, name in WAIT_REASONS if value & bit) for value in range(8)],
    dtype=object,
)


def wait_reason_names(flags: np.ndarray) -> np.ndarray:
    """The ``wait_reason`` text of :attr:`FuelLog.wait` flags: reasons joined by ``+``
    (``""``: no wait).

    Parameters
    ----------
    flags : numpy.ndarray
        ``WAIT_*`` bit flags per row.

    Returns
    -------
    numpy.ndarray
        One string per row (object array).
    """
    return _WAIT_REASON_NAMES[np.asarray(flags, dtype=np.int64)]


@dataclass(frozen=True)
class FuelLog:
    """The fuel logistics of one replication, as aligned arrays.

    Trips (one row per truck trip or request, in the order trips started or requests
    ended): ``kind`` (:data:`TRIP_KINDS` index), ``truck`` (index over every fleet, -1 for
    a request no truck took), ``depot`` (index into ``power.fuel.depots``), ``node`` (node
    index, -1 for a trip to a depot), ``requested_h`` (when the site asked, or when the
    empty truck wanted to go home), ``depart_h``, ``arrive_h`` (deliveries: fuel in the
    tank, i.e. after ``pump_h``), ``cancelled_h`` (mains back first), ``drive_h``,
    ``km`` (great-circle km from the truck's position to the destination), ``by_road``
    (the road network gave the time), ``litres`` (delivered; NaN when the delivery
    falls after the horizon or for trips to a depot), ``wait`` (``WAIT_*`` flags).
    Hours from the start; NaN where not applicable.

    Road closures (with roads): ``closure_edge`` (segment index), ``closure_start_h``,
    ``closure_end_h`` (inf: never reopens), ``closure_cause`` (index into
    ``cause_labels``).
    """

    kind: np.ndarray
    truck: np.ndarray
    depot: np.ndarray
    node: np.ndarray
    requested_h: np.ndarray
    depart_h: np.ndarray
    arrive_h: np.ndarray
    cancelled_h: np.ndarray
    drive_h: np.ndarray
    km: np.ndarray
    by_road: np.ndarray
    litres: np.ndarray
    wait: np.ndarray
    closure_edge: np.ndarray
    closure_start_h: np.ndarray
    closure_end_h: np.ndarray
    closure_cause: np.ndarray
    cause_labels: tuple[str, ...] = ()

    @property
    def n_trips(self) -> int:
        """Rows of the trips arrays."""
        return len(self.kind)


class _TripRecorder:
    """Lists appended per trip while the replication runs (as :class:`EventLog`)."""

    _FLOAT = ("requested_h", "depart_h", "arrive_h", "cancelled_h", "drive_h", "km", "litres")
    _INT = ("kind", "truck", "depot", "node", "wait")

    def __init__(self) -> None:
        for name in (*self._FLOAT, *self._INT, "by_road"):
            setattr(self, name, [])

    def add(
        self,
        kind,
        truck,
        depot,
        node,
        requested_h,
        depart_h=math.nan,
        arrive_h=math.nan,
        cancelled_h=math.nan,
        drive_h=math.nan,
        km=math.nan,
        by_road=False,
        wait=0,
    ) -> int:
        self.kind.append(kind)
        self.truck.append(truck)
        self.depot.append(depot)
        self.node.append(node)
        self.requested_h.append(requested_h)
        self.depart_h.append(depart_h)
        self.arrive_h.append(arrive_h)
        self.cancelled_h.append(cancelled_h)
        self.drive_h.append(drive_h)
        self.km.append(km)
        self.by_road.append(by_road)
        self.litres.append(math.nan)
        self.wait.append(wait)
        return len(self.kind) - 1

    def arrays(self) -> dict[str, np.ndarray]:
        out = {n: np.asarray(getattr(self, n), dtype=float) for n in self._FLOAT}
        out.update({n: np.asarray(getattr(self, n), dtype=np.int64) for n in self._INT})
        out["by_road"] = np.asarray(self.by_road, dtype=bool)
        return out


@dataclass
class Truck:
    depot: int
    lat: float
    lon: float
    load_l: float
    capacity_l: float
    speed_kmh: float
    serves: np.ndarray | None  # (n_nodes,) bool: the nodes it can reach; None = all
    busy: bool = False
    vertex: int = -1  # nearest road vertex of its position (-1: no roads or unlocated)
    offroad_km: float = 0.0  # great-circle km from its position to that vertex
    homeward: bool = False  # empty, waiting for an open road to its depot
    index: int = -1  # over every fleet, in file order (the fuel_trips ``truck``)
    empty_since_h: float = math.nan  # when it last wanted to drive home (recorded)


@dataclass(frozen=True)
class FuelPlan:
    """What the fuel trucks of every replication share: depot positions (deg), the
    nodes each fleet serves (``(n_nodes,)`` bool, None = all) and the road graph."""

    depot_lat: tuple[float, ...]
    depot_lon: tuple[float, ...]
    serves: tuple[np.ndarray | None, ...]
    roads: RoadGraph | None = None

    @classmethod
    def compile(
        cls,
        spec: FuelLogistics,
        arrays: NetworkArrays,
        *,
        topology: Topology | None = None,
        hazards: tuple = (),
        closed_areas: ClosedAreas | None = None,
    ) -> FuelPlan:
        """The fuel plan of ``spec`` on ``arrays``.

        Parameters
        ----------
        spec : FuelLogistics
            The scenario's ``power.fuel``.
        arrays : NetworkArrays
            The compiled network.
        topology, hazards, closed_areas : optional
            For the road network (:func:`~resilience_sim.engine.roads.compile_roads`):
            the links' routes, the hazards that close roads, the study's compiled
            closed areas.

        Returns
        -------
        FuelPlan
            Depot positions (deg), each fleet's nodes, and the road graph if ``spec.roads``.
        """
        depot_lat, depot_lon = [], []
        for depot in spec.depots:
            if depot.node is not None:
                i = int(np.flatnonzero(arrays.asset_ids[: arrays.n_nodes] == depot.node)[0])
                lat, lon = float(arrays.asset_lat[i]), float(arrays.asset_lon[i])
            else:
                lat, lon = depot.location.lat, depot.location.lon
            depot_lat.append(lat)
            depot_lon.append(lon)
        regions = np.asarray(arrays.region_names, dtype=object)[arrays.region_of_node]
        serves = []
        for fleet in spec.trucks:
            serves.append(np.isin(regions.astype(str), fleet.regions) if fleet.regions else None)
        roads = None
        if spec.roads is not None:
            roads = compile_roads(
                spec.roads,
                arrays,
                np.asarray(depot_lat, dtype=float),
                np.asarray(depot_lon, dtype=float),
                topology=topology,
                hazards=tuple(hazards),
                closed_areas=closed_areas,
            )
        return cls(tuple(depot_lat), tuple(depot_lon), tuple(serves), roads)


class FuelFleet:
    """Every truck, depot stock and waiting request of one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: FuelLogistics,
        arrays: NetworkArrays,
        backup: SiteBackup,
        node_opens_h: np.ndarray,
        reopen_times_h: list[float],
        plan: FuelPlan,
        roads_rng: np.random.Generator | None = None,
    ):
        """``node_opens_h``: when trucks may reach each node, h (closed areas);
        ``plan``: the study's :class:`FuelPlan`; ``roads_rng``: the replication's
        ``roads`` generator (road damage)."""
        self.env, self.spec, self.arrays, self.backup = env, spec, arrays, backup
        self.opens_h: list[float] = np.asarray(node_opens_h, dtype=float).tolist()
        names = [d.name for d in spec.depots]
        self.depot_lat, self.depot_lon = list(plan.depot_lat), list(plan.depot_lon)
        self.roads = RoadConditions(plan.roads, roads_rng) if plan.roads is not None else None
        self.stock_l = [math.inf if d.stock_l is None else float(d.stock_l) for d in spec.depots]
        self.trucks: list[Truck] = []
        for f, fleet in enumerate(spec.trucks):
            d = names.index(fleet.depot)
            for _ in range(fleet.count):
                truck = Truck(
                    d,
                    self.depot_lat[d],
                    self.depot_lon[d],
                    0.0,
                    fleet.capacity_l,
                    fleet.speed_kmh,
                    plan.serves[f],
                )
                truck.index = len(self.trucks)
                self._move(truck, self._depot_place(d))
                self._load(truck)
                self.trucks.append(truck)
        if self.roads is not None:
            reopen_times_h = list(reopen_times_h) + self.roads.reopen_h
        self.waiting: dict[int, tuple[float, int]] = {}  # node -> (requested at, sequence)
        # recording only (fuel_log): the trips so far, and the waiting nodes a free truck
        # found no open road to
        self._trips = _TripRecorder()
        self._road_waits: set[int] = set()
        self._seq = 0
        self._dispatch_due = False
        for at_h in sorted(set(reopen_times_h)):
            self.env.timeout(at_h).callbacks.append(lambda _: self._schedule_dispatch())

    # -- requests ------------------------------------------------------------------

    def request(self, node: int) -> None:
        """``node`` asks for fuel (once; a repeated request keeps its place).

        Parameters
        ----------
        node : int
            Node index of the site.
        """
        if node not in self.waiting:
            self._seq += 1
            self.waiting[node] = (self.env.now, self._seq)
            self._schedule_dispatch()

    def cancel(self, node: int) -> None:
        """Mains is back at ``node``: it no longer waits (a truck on its way still delivers).

        Parameters
        ----------
        node : int
            Node index of the site.
        """
        waited = self.waiting.pop(node, None)
        if waited is not None:
            self._trips.add(
                CANCELLED,
                -1,
                -1,
                node,
                waited[0],
                cancelled_h=self.env.now,
                wait=self._wait_flags_of(node, waited[0]),
            )

    # -- dispatch --------------------------------------------------------------------

    def _schedule_dispatch(self) -> None:
        if not self._dispatch_due:
            self._dispatch_due = True
            self.env.timeout(0).callbacks.append(lambda _: self._dispatch())

    def _dispatch(self) -> None:
        self._dispatch_due = False
        for truck in self.trucks:
            if truck.homeward and not truck.busy:
                truck.homeward = False
                self._go_home(truck)
                continue
            if truck.busy or truck.load_l <= 0:
                continue
            node = self._choose(truck)
            if node is None:
                continue
            requested_h = self.waiting.pop(node)[0]
            self._drive(truck, node, requested_h, self._wait_flags_of(node, requested_h))

    def _wait_flags_of(self, node: int, requested_h: float, keep: bool = False) -> int:
        """Recording only: the ``WAIT_*`` flags of a request that ends now.

        ``closed_area``: its area was closed when it asked (the opening time is fixed);
        ``road_closed``: a free truck found no open road to it during the wait;
        ``no_truck``: it waited past its area's opening with no road reason.
        """
        flags = WAIT_ROAD_CLOSED if node in self._road_waits else 0
        if not keep:
            self._road_waits.discard(node)
        opens_h = self.opens_h[node]
        if opens_h > requested_h:
            flags |= WAIT_CLOSED_AREA
        if not flags & WAIT_ROAD_CLOSED and self.env.now > max(requested_h, opens_h):
            flags |= WAIT_NO_TRUCK
        return flags

    def _choose(self, truck: Truck) -> int | None:
        now = self.env.now
        open_nodes = [
            n
            for n in self.waiting
            if self.opens_h[n] <= now and (truck.serves is None or truck.serves[n])
        ]
        if self.roads is not None and truck.vertex >= 0 and open_nodes:
            # a node is out of reach when its leg is by road and no open road joins them
            vertex = self.roads.graph.node_vertex[np.asarray(open_nodes, dtype=np.int64)]
            hours = self.roads.hours_from(truck.vertex, now, truck.speed_kmh)[vertex]
            by_road = (vertex >= 0) & (vertex != truck.vertex)
            reachable = []
            for n, cut in zip(open_nodes, (by_road & ~(hours < math.inf)).tolist(), strict=True):
                if cut:
                    self._road_waits.add(n)
                else:
                    reachable.append(n)
            open_nodes = reachable
        if not open_nodes:
            return None
        policy, a = self.spec.policy, self.arrays
        if policy == "critical_first":
            key = lambda n: (not a.critical[n], self.waiting[n])  # noqa: E731
        elif policy == "most_users_first":
            key = lambda n: (-a.population[n], self.waiting[n])  # noqa: E731
        else:
            key = self.waiting.__getitem__
        return min(open_nodes, key=key)

    def travel_h(self, truck: Truck, lat: float, lon: float) -> float:
        """Hours from the truck's position to ``(lat, lon)`` by road (great circle x factor);
        0 where a position is unknown (NaN), as for crews.

        Parameters
        ----------
        truck : Truck
            The truck (its position and speed, km/h).
        lat, lon : float
            The destination, degrees.

        Returns
        -------
        float
            Travel time, hours.
        """
        km = float(haversine_km(truck.lat, truck.lon, lat, lon))
        return 0.0 if math.isnan(km) else km * self.spec.road_factor / truck.speed_kmh

    def road_trip_h(
        self, truck: Truck, lat: float, lon: float, vertex: int, offroad_km: float
    ) -> float:
        """Hours from the truck's position to a place by road, now.

        Off-road legs (great circle x ``road_factor``) and the shortest road path open
        now. Without roads, or when either end has no vertex or both share one,
        :meth:`travel_h`.

        Parameters
        ----------
        truck : Truck
            The truck (its position, road vertex and speed, km/h).
        lat, lon : float
            The place, degrees.
        vertex : int
            The place's nearest road vertex (-1: none).
        offroad_km : float
            Great-circle km from the place to that vertex.

        Returns
        -------
        float
            Hours; inf when no open road joins them.
        """
        if not self._by_road(truck, vertex):
            return self.travel_h(truck, lat, lon)
        road_h = float(self.roads.hours_from(truck.vertex, self.env.now, truck.speed_kmh)[vertex])
        off_h = (truck.offroad_km + offroad_km) * self.spec.road_factor / truck.speed_kmh
        return road_h + off_h

    def _node_place(self, node: int) -> tuple[float, float, int, float]:
        """``(lat, lon, road vertex, off-road km)`` of a node (vertex -1 without roads)."""
        lat, lon = float(self.arrays.asset_lat[node]), float(self.arrays.asset_lon[node])
        if self.roads is None:
            return lat, lon, -1, 0.0
        g = self.roads.graph
        return lat, lon, int(g.node_vertex[node]), float(g.node_offroad_km[node])

    def _depot_place(self, depot: int) -> tuple[float, float, int, float]:
        """``(lat, lon, road vertex, off-road km)`` of a depot (vertex -1 without roads)."""
        lat, lon = self.depot_lat[depot], self.depot_lon[depot]
        if self.roads is None:
            return lat, lon, -1, 0.0
        g = self.roads.graph
        return lat, lon, int(g.depot_vertex[depot]), float(g.depot_offroad_km[depot])

    @staticmethod
    def _move(truck: Truck, place: tuple[float, float, int, float]) -> None:
        truck.lat, truck.lon, truck.vertex, truck.offroad_km = place

    def _by_road(self, truck: Truck, vertex: int) -> bool:
        """Whether the leg from the truck to ``vertex`` is by road (else great circle)."""
        return (
            self.roads is not None and truck.vertex >= 0 and vertex >= 0 and truck.vertex != vertex
        )

    def _leg(self, truck: Truck, place: tuple[float, float, int, float]) -> tuple[float, bool]:
        """Hours from the truck to ``place`` now (:meth:`road_trip_h`) and whether by road."""
        return self.road_trip_h(truck, *place), self._by_road(truck, place[2])

    def _drive(self, truck: Truck, node: int, requested_h: float, wait: int) -> None:
        truck.busy = True
        place = self._node_place(node)
        drive_h, by_road = self._leg(truck, place)
        trip_h = drive_h + self.spec.pump_h
        km = float(haversine_km(truck.lat, truck.lon, place[0], place[1]))
        now = self.env.now
        row = self._trips.add(
            DELIVERY,
            truck.index,
            truck.depot,
            node,
            requested_h,
            now,
            now + trip_h,
            drive_h=drive_h,
            km=km,
            by_road=by_road,
            wait=wait,
        )
        self._move(truck, place)
        self.env.timeout(trip_h).callbacks.append(lambda _: self._deliver(truck, node, row))

    def _deliver(self, truck: Truck, node: int, row: int = -1) -> None:
        burn = self.spec.burn_l_per_h
        litres = min(truck.load_l, self.backup.fuel_needed_h(node) * burn)
        truck.load_l -= litres
        if row >= 0:
            self._trips.litres[row] = litres
        if litres > 0:
            self.backup.refuel(node, litres / burn, "generator refuelled by truck")
        if truck.load_l > 0:
            truck.busy = False
            self._schedule_dispatch()
            return
        self._go_home(truck)

    def _go_home(self, truck: Truck) -> None:
        """Drive the empty truck to its depot; with no open road, wait for one."""
        d = truck.depot
        if math.isnan(truck.empty_since_h):
            truck.empty_since_h = self.env.now
        place = self._depot_place(d)
        home_h, by_road = self._leg(truck, place)
        if not math.isfinite(home_h):  # no open road home (never without roads)
            truck.busy, truck.homeward = False, True
            return
        now = self.env.now
        self._trips.add(
            TO_DEPOT,
            truck.index,
            d,
            -1,
            truck.empty_since_h,
            now,
            now + home_h,
            drive_h=home_h,
            km=float(haversine_km(truck.lat, truck.lon, place[0], place[1])),
            by_road=by_road,
            wait=WAIT_ROAD_CLOSED if now > truck.empty_since_h else 0,
        )
        truck.empty_since_h = math.nan
        truck.busy = True
        self._move(truck, place)
        self.env.timeout(home_h).callbacks.append(lambda _: self._reload(truck))

    def _reload(self, truck: Truck) -> None:
        self._load(truck)
        truck.busy = False
        self._schedule_dispatch()

    def fuel_log(self) -> FuelLog:
        """The trips, requests and road closures of the replication (call once, at the
        horizon: sites still waiting are appended as ``unserved`` rows).

        Returns
        -------
        FuelLog
            The replication's fuel logistics as arrays.
        """
        trips = self._trips
        for node, (requested_h, _) in self.waiting.items():
            wait = self._wait_flags_of(node, requested_h, keep=True)
            trips.add(UNSERVED, -1, -1, node, requested_h, wait=wait)
        arrays = trips.arrays()
        if self.roads is not None:
            r = self.roads
            closures = dict(
                closure_edge=r.interval_edge,
                closure_start_h=r.interval_start_h,
                closure_end_h=r.interval_end_h,
                closure_cause=r.interval_cause,
                cause_labels=r.cause_labels,
            )
        else:
            closures = dict(
                closure_edge=np.zeros(0, np.int64),
                closure_start_h=np.zeros(0),
                closure_end_h=np.zeros(0),
                closure_cause=np.zeros(0, np.int64),
            )
        return FuelLog(**arrays, **closures)

    def _load(self, truck: Truck) -> None:
        litres = min(truck.capacity_l - truck.load_l, self.stock_l[truck.depot])
        self.stock_l[truck.depot] -= litres
        truck.load_l += litres
