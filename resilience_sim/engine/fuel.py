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

What is the same in every replication (depot positions, the nodes each fleet serves, the
road graph) is compiled once per study as a :class:`FuelPlan`.

Decisions are taken once every change of the instant is known (a zero-delay step), as
for crews. Truck times are deterministic; road closures are drawn per replication by
:class:`~resilience_sim.engine.roads.RoadConditions`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from resilience_sim.engine.roads import RoadConditions, RoadGraph, compile_roads
from resilience_sim.geo import haversine_km
from resilience_sim.scenario.power import FuelLogistics
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

if TYPE_CHECKING:
    from resilience_sim.engine.backup import SiteBackup


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
        recovery: Recovery | None = None,
    ) -> FuelPlan:
        """The fuel plan of ``spec`` on ``arrays``.

        Parameters
        ----------
        spec : FuelLogistics
            The scenario's ``power.fuel``.
        arrays : NetworkArrays
            The compiled network.
        topology, hazards, recovery : optional
            For the road network (:func:`~resilience_sim.engine.roads.compile_roads`):
            the links' routes, the hazards that close roads, the closed areas.

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
            mask = np.isin(regions.astype(str), fleet.regions) if fleet.regions else None
            if mask is not None:
                mask.setflags(write=False)
            serves.append(mask)
        roads = None
        if spec.roads is not None:
            roads = compile_roads(
                spec.roads,
                arrays,
                np.asarray(depot_lat, dtype=float),
                np.asarray(depot_lon, dtype=float),
                topology=topology,
                hazards=tuple(hazards),
                recovery=recovery,
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
        opens_at_h: Callable[[int], float],
        reopen_times_h: list[float],
        plan: FuelPlan | None = None,
        roads_rng: np.random.Generator | None = None,
    ):
        """``plan``: the study's :class:`FuelPlan` (compiled here if None, without a
        topology); ``roads_rng``: the replication's ``roads`` generator (road damage)."""
        self.env, self.spec, self.arrays, self.backup = env, spec, arrays, backup
        self.opens_at_h = opens_at_h
        if plan is None:
            plan = FuelPlan.compile(spec, arrays)
        names = [d.name for d in spec.depots]
        self.depot_lat, self.depot_lon = list(plan.depot_lat), list(plan.depot_lon)
        self.road_graph = plan.roads
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
                self._at_depot(truck)
                self._load(truck)
                self.trucks.append(truck)
        if self.roads is not None:
            reopen_times_h = list(reopen_times_h) + self.roads.reopen_h
        self.waiting: dict[int, tuple[float, int]] = {}  # node -> (requested at, sequence)
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
        self.waiting.pop(node, None)

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
            del self.waiting[node]
            self._drive(truck, node)

    def _choose(self, truck: Truck) -> int | None:
        now = self.env.now
        open_nodes = [
            n
            for n in self.waiting
            if self.opens_at_h(n) <= now and (truck.serves is None or truck.serves[n])
        ]
        if self.roads is not None and open_nodes:
            trips = self._trips_h(truck, np.asarray(open_nodes, dtype=np.int64))
            open_nodes = [
                n for n, h in zip(open_nodes, trips.tolist(), strict=True) if h < math.inf
            ]
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
        if self.roads is None or truck.vertex < 0 or vertex < 0 or truck.vertex == vertex:
            return self.travel_h(truck, lat, lon)
        road_h = float(self.roads.hours_from(truck.vertex, self.env.now, truck.speed_kmh)[vertex])
        off_h = (truck.offroad_km + offroad_km) * self.spec.road_factor / truck.speed_kmh
        return road_h + off_h

    def _node_trip_h(self, truck: Truck, node: int) -> float:
        lat, lon = float(self.arrays.asset_lat[node]), float(self.arrays.asset_lon[node])
        if self.road_graph is None:
            return self.travel_h(truck, lat, lon)
        g = self.road_graph
        return self.road_trip_h(
            truck, lat, lon, int(g.node_vertex[node]), float(g.node_offroad_km[node])
        )

    def _trips_h(self, truck: Truck, nodes: np.ndarray) -> np.ndarray:
        """:meth:`road_trip_h` to each of ``nodes`` at once (one Dijkstra from the truck)."""
        g, a, rf = self.road_graph, self.arrays, self.spec.road_factor
        lat, lon = a.asset_lat[nodes], a.asset_lon[nodes]
        direct = np.nan_to_num(haversine_km(truck.lat, truck.lon, lat, lon), nan=0.0)
        direct_h = direct * rf / truck.speed_kmh
        vertex = g.node_vertex[nodes]
        if truck.vertex < 0:
            return direct_h
        road_h = self.roads.hours_from(truck.vertex, self.env.now, truck.speed_kmh)[vertex]
        off_h = (truck.offroad_km + g.node_offroad_km[nodes]) * rf / truck.speed_kmh
        by_road = (vertex >= 0) & (vertex != truck.vertex)
        return np.where(by_road, road_h + off_h, direct_h)

    def _at_depot(self, truck: Truck) -> None:
        truck.lat, truck.lon = self.depot_lat[truck.depot], self.depot_lon[truck.depot]
        if self.road_graph is not None:
            truck.vertex = int(self.road_graph.depot_vertex[truck.depot])
            truck.offroad_km = float(self.road_graph.depot_offroad_km[truck.depot])

    def _drive(self, truck: Truck, node: int) -> None:
        truck.busy = True
        lat, lon = float(self.arrays.asset_lat[node]), float(self.arrays.asset_lon[node])
        trip_h = self._node_trip_h(truck, node) + self.spec.pump_h
        truck.lat, truck.lon = lat, lon
        if self.road_graph is not None:
            truck.vertex = int(self.road_graph.node_vertex[node])
            truck.offroad_km = float(self.road_graph.node_offroad_km[node])
        self.env.timeout(trip_h).callbacks.append(lambda _: self._deliver(truck, node))

    def _deliver(self, truck: Truck, node: int) -> None:
        burn = self.spec.burn_l_per_h
        litres = min(truck.load_l, self.backup.fuel_needed_h(node) * burn)
        truck.load_l -= litres
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
        if self.road_graph is None:
            home_h = self.travel_h(truck, self.depot_lat[d], self.depot_lon[d])
        else:
            g = self.road_graph
            home_h = self.road_trip_h(
                truck,
                self.depot_lat[d],
                self.depot_lon[d],
                int(g.depot_vertex[d]),
                float(g.depot_offroad_km[d]),
            )
            if not math.isfinite(home_h):
                truck.busy, truck.homeward = False, True
                return
        truck.busy = True
        self._at_depot(truck)
        self.env.timeout(home_h).callbacks.append(lambda _: self._reload(truck))

    def _reload(self, truck: Truck) -> None:
        self._load(truck)
        truck.busy = False
        self._schedule_dispatch()

    def _load(self, truck: Truck) -> None:
        litres = min(truck.capacity_l - truck.load_l, self.stock_l[truck.depot])
        self.stock_l[truck.depot] -= litres
        truck.load_l += litres
