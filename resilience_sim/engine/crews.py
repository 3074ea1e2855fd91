"""Crew plan: which depot repairs each asset, and how far its crews travel.

Computed once per study from the topology and the scenario's recovery section,
so the per-replication engine only looks up arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resilience_sim.geo import haversine_km
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays

NO_DEPOT = -1


@dataclass(frozen=True)
class CrewPlan:
    """Per-depot crew counts and per-asset depot assignment with one-way travel time.

    ``depot_of_asset[i]`` is the index into ``depot_names`` of the nearest depot whose
    crews repair asset ``i``'s kind (``NO_DEPOT`` if none does); ``travel_h[i]`` is
    the one-way trip, great-circle km x detour factor / speed. Unknown coordinates
    give a zero trip.
    """

    depot_names: tuple[str, ...]
    crew_counts: tuple[int, ...]
    depot_of_asset: np.ndarray  # (n_assets,) int
    travel_h: np.ndarray  # (n_assets,) one way, hours
    depot_lat: np.ndarray  # (n_depots,) deg
    depot_lon: np.ndarray  # (n_depots,) deg
    hours_per_km: np.ndarray  # (n_depots,) detour factor / speed

    def travel_to(self, depot: int, lat: float, lon: float) -> float:
        """One-way trip in hours from ``depot`` to a point (0 if either is unlocated).

        Parameters
        ----------
        depot : int
            Index into ``depot_names``.
        lat, lon : float
            The destination, degrees (NaN: unlocated).

        Returns
        -------
        float
            Great-circle km x detour factor / crew speed, hours.
        """
        km = float(haversine_km(self.depot_lat[depot], self.depot_lon[depot], lat, lon))
        return 0.0 if np.isnan(km) else km * float(self.hours_per_km[depot])


def plan_crews(recovery: Recovery, arrays: NetworkArrays) -> CrewPlan:
    """Assign every asset to its nearest capable depot (ties go to the first listed).

    Parameters
    ----------
    recovery : Recovery
        The scenario's recovery section (crews, their depots, kinds and speeds in km/h,
        and the detour factor).
    arrays : NetworkArrays
        The compiled network (asset positions and kinds).

    Returns
    -------
    CrewPlan
        Depot of every asset (``NO_DEPOT`` if no crew repairs its kind, with a NaN trip)
        and one-way travel hours.
    """
    n_assets = arrays.n_assets
    best_travel = np.full(n_assets, np.inf)
    best_depot = np.full(n_assets, NO_DEPOT, dtype=np.int64)
    homes = arrays.indices_of([c.depot for c in recovery.crews]).tolist()  # one lookup pass
    for d, crew in enumerate(recovery.crews):
        home = homes[d]
        km = haversine_km(
            arrays.asset_lat[home], arrays.asset_lon[home], arrays.asset_lat, arrays.asset_lon
        )
        # the same product as travel_to(), so both give bit-identical times
        travel = np.nan_to_num(km, nan=0.0) * (recovery.detour_factor / crew.speed_kmh)
        capable = (
            np.ones(n_assets, dtype=bool)
            if crew.kinds is None
            else np.isin(arrays.asset_kinds, crew.kinds)
        )
        better = capable & (travel < best_travel)
        best_travel[better] = travel[better]
        best_depot[better] = d
    best_travel[best_depot == NO_DEPOT] = np.nan
    return CrewPlan(
        depot_names=tuple(c.depot for c in recovery.crews),
        crew_counts=tuple(c.count for c in recovery.crews),
        depot_of_asset=best_depot,
        travel_h=best_travel,
        depot_lat=arrays.asset_lat[homes] if homes else np.empty(0),
        depot_lon=arrays.asset_lon[homes] if homes else np.empty(0),
        hours_per_km=np.array([recovery.detour_factor / c.speed_kmh for c in recovery.crews]),
    )
