"""Refuelling trucks: depots with stock, trucks with a load, a queue of sites asking for fuel.

Used by :class:`~resilience_sim.engine.backup.SiteBackup` when the scenario's
``power.fuel`` is given (docs/power.md). A site asks for fuel when its tank is half
empty or dry; a free truck takes the waiting site chosen by the policy (``fifo``,
``critical_first``, ``most_users_first``; ties to the earliest request), drives there
(great-circle km x ``road_factor`` / ``speed_kmh``: there is no road network; a fleet
with ``regions`` reaches only their nodes, e.g. one island), pumps for
``pump_h`` and fills the tank as far as its load allows. With fuel left it takes the next
site from where it is; empty, it drives back to its depot and loads ``capacity_l`` (or
what the depot has left; loading takes no time). With no waiting site it stays where it
is. A site inside a closed area (``recovery.closed_areas``) cannot be reached before the
area opens; only the destination is checked, not the road to it.

Decisions are taken once every change of the instant is known (a zero-delay step), as
for crews. All times deterministic: no draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from resilience_sim.geo import haversine_km
from resilience_sim.scenario.power import FuelLogistics
from resilience_sim.topology.compile import NetworkArrays

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
    ):
        self.env, self.spec, self.arrays, self.backup = env, spec, arrays, backup
        self.opens_at_h = opens_at_h
        names = [d.name for d in spec.depots]
        self.depot_lat, self.depot_lon = [], []
        for depot in spec.depots:
            if depot.node is not None:
                i = int(np.flatnonzero(arrays.asset_ids[: arrays.n_nodes] == depot.node)[0])
                lat, lon = float(arrays.asset_lat[i]), float(arrays.asset_lon[i])
            else:
                lat, lon = depot.location.lat, depot.location.lon
            self.depot_lat.append(lat)
            self.depot_lon.append(lon)
        self.stock_l = [math.inf if d.stock_l is None else float(d.stock_l) for d in spec.depots]
        self.trucks: list[Truck] = []
        regions = np.asarray(arrays.region_names, dtype=object)[arrays.region_of_node]
        for fleet in spec.trucks:
            d = names.index(fleet.depot)
            serves = np.isin(regions.astype(str), fleet.regions) if fleet.regions else None
            for _ in range(fleet.count):
                truck = Truck(
                    d,
                    self.depot_lat[d],
                    self.depot_lon[d],
                    0.0,
                    fleet.capacity_l,
                    fleet.speed_kmh,
                    serves,
                )
                self._load(truck)
                self.trucks.append(truck)
        self.waiting: dict[int, tuple[float, int]] = {}  # node -> (requested at, sequence)
        self._seq = 0
        self._dispatch_due = False
        for at_h in sorted(set(reopen_times_h)):
            self.env.timeout(at_h).callbacks.append(lambda _: self._schedule_dispatch())

    # -- requests ------------------------------------------------------------------

    def request(self, node: int) -> None:
        """``node`` asks for fuel (once; a repeated request keeps its place)."""
        if node not in self.waiting:
            self._seq += 1
            self.waiting[node] = (self.env.now, self._seq)
            self._schedule_dispatch()

    def cancel(self, node: int) -> None:
        """Mains is back at ``node``: it no longer waits (a truck on its way still delivers)."""
        self.waiting.pop(node, None)

    # -- dispatch --------------------------------------------------------------------

    def _schedule_dispatch(self) -> None:
        if not self._dispatch_due:
            self._dispatch_due = True
            self.env.timeout(0).callbacks.append(lambda _: self._dispatch())

    def _dispatch(self) -> None:
        self._dispatch_due = False
        for truck in self.trucks:
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
        0 where a position is unknown (NaN), as for crews."""
        km = float(haversine_km(truck.lat, truck.lon, lat, lon))
        return 0.0 if math.isnan(km) else km * self.spec.road_factor / truck.speed_kmh

    def _drive(self, truck: Truck, node: int) -> None:
        truck.busy = True
        lat, lon = float(self.arrays.asset_lat[node]), float(self.arrays.asset_lon[node])
        trip_h = self.travel_h(truck, lat, lon) + self.spec.pump_h
        truck.lat, truck.lon = lat, lon
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
        home_h = self.travel_h(truck, self.depot_lat[truck.depot], self.depot_lon[truck.depot])
        truck.lat, truck.lon = self.depot_lat[truck.depot], self.depot_lon[truck.depot]
        self.env.timeout(home_h).callbacks.append(lambda _: self._reload(truck))

    def _reload(self, truck: Truck) -> None:
        self._load(truck)
        truck.busy = False
        self._schedule_dispatch()

    def _load(self, truck: Truck) -> None:
        litres = min(truck.capacity_l - truck.load_l, self.stock_l[truck.depot])
        self.stock_l[truck.depot] -= litres
        truck.load_l += litres
