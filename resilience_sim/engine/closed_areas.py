"""Closed areas: where crews (and fuel trucks) may not start work before a time.

Engine layer. ``recovery.closed_areas`` lists areas, each a set of regions or a circle
(``center``, ``radius_km``), closed until ``until_h`` (docs/cascades.md). A link is
inside a closed region when either end node is. :class:`ClosedAreas` is compiled once
per study (the per-asset region closures as one array, and every node's opening time
at its own position); for a located fault a circle is checked per call, since it has
its own position. When an area opens, the replication wakes
every depot (:func:`schedule_reopenings`), so jobs held back are dispatched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from resilience_sim.geo import haversine_km
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays


def closed_until_h(recovery: Recovery, arrays: NetworkArrays) -> np.ndarray:
    """Per asset, when crews may start work there because of region closures (0 = open).

    A link is inside a closed region when either end node is. Circular areas are
    checked per job (a fault has its own location).

    Parameters
    ----------
    recovery : Recovery
        The scenario's recovery section (its ``closed_areas``).
    arrays : NetworkArrays
        The compiled network (regions of nodes, link ends).

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` float, hours until the latest closure of the asset's regions ends;
        0 where no region closure applies.
    """
    until = np.zeros(arrays.n_assets)
    names = np.asarray(arrays.region_names, dtype=object)
    for area in recovery.closed_areas:
        if not area.regions:
            continue
        inside = arrays.either_end(np.isin(names, area.regions)[arrays.region_of_node])
        until[inside] = np.maximum(until[inside], area.until_h)
    return until


@dataclass(frozen=True)
class ClosedAreas:
    """The closed areas of a study, compiled once.

    ``until_h``: ``(n_assets,)`` hours until each asset's regions open (None when no
    area names regions: all open); ``circles``: ``(lat, lon, radius_km, until_h)`` of the
    circular areas, file order; ``reopen_h``: every area's ``until_h``, file order;
    ``node_opens_h``: ``(n_nodes,)`` :meth:`opens_at` of every node at its position.
    """

    until_h: np.ndarray | None
    circles: tuple[tuple[float, float, float, float], ...]
    reopen_h: tuple[float, ...]
    node_opens_h: np.ndarray

    @classmethod
    def compile(cls, recovery: Recovery, arrays: NetworkArrays) -> ClosedAreas:
        """The closed areas of ``recovery`` over ``arrays``.

        Parameters
        ----------
        recovery : Recovery
            The scenario's recovery section.
        arrays : NetworkArrays
            The compiled network.

        Returns
        -------
        ClosedAreas
            The region closures per asset, the circles and the reopening times.
        """
        areas = recovery.closed_areas
        until_h = closed_until_h(recovery, arrays) if any(a.regions for a in areas) else None
        circles = tuple(
            (a.center.lat, a.center.lon, a.radius_km, a.until_h)
            for a in areas
            if a.center is not None
        )
        n = arrays.n_nodes
        lat, lon = arrays.asset_lat[:n], arrays.asset_lon[:n]
        nodes = np.arange(n)
        node_opens_h, near = _opens_at_points(until_h, circles, nodes, lat, lon)
        # a node within rounding of a circle's edge: the scalar test of opens_at (the
        # vectorised distance may differ from the scalar one in the last bits)
        for i in np.flatnonzero(near).tolist():
            node_opens_h[i] = _opens_at(until_h, circles, i, float(lat[i]), float(lon[i]))
        return cls(until_h, circles, tuple(a.until_h for a in areas), node_opens_h)

    def opens_at_points(self, asset: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """:meth:`opens_at` at many points at once (vectorised distances).

        Parameters
        ----------
        asset : numpy.ndarray
            ``(n,)`` asset index of each point, for its region closures (-1: none).
        lat, lon : numpy.ndarray
            ``(n,)`` points, degrees; NaN is inside no circle.

        Returns
        -------
        numpy.ndarray
            ``(n,)`` hours from which each point is open (0 if no closure covers it).
        """
        return _opens_at_points(self.until_h, self.circles, asset, lat, lon)[0]

    def opens_at(self, asset: int, lat: float, lon: float) -> float:
        """Hours from which work may start on ``asset`` at (``lat``, ``lon``) deg.

        Parameters
        ----------
        asset : int
            The asset index (for its region closures).
        lat, lon : float
            Where the work is, degrees (a located fault's position); NaN is inside no circle.

        Returns
        -------
        float
            The latest end of the closures covering the asset or the point, hours
            (0 if none).
        """
        return _opens_at(self.until_h, self.circles, asset, lat, lon)


def _opens_at(until_h: np.ndarray | None, circles: tuple, asset: int, lat: float, lon: float):
    until = 0.0 if until_h is None else float(until_h[asset])
    for c_lat, c_lon, radius_km, c_until_h in circles:
        km = float(haversine_km(c_lat, c_lon, lat, lon))
        if km <= radius_km:
            until = max(until, c_until_h)
    return until


def _opens_at_points(
    until_h: np.ndarray | None, circles: tuple, asset: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Opening hours per point, and which points lie within rounding of a circle's edge."""
    until = np.zeros(len(lat))
    near = np.zeros(len(lat), bool)
    if until_h is not None:
        known = asset >= 0
        until[known] = until_h[asset[known]]
    for c_lat, c_lon, radius_km, c_until_h in circles:
        km = np.nan_to_num(haversine_km(c_lat, c_lon, lat, lon), nan=np.inf)
        inside = km <= radius_km
        until[inside] = np.maximum(until[inside], c_until_h)
        near |= np.abs(km - radius_km) <= 1e-9 * max(radius_km, 1.0)
    return until, near


def schedule_reopenings(
    env: simpy.Environment, areas: ClosedAreas, wake: Callable[[], None]
) -> None:
    """One process per area (file order) calling ``wake()`` when it opens.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment.
    areas : ClosedAreas
        The study's closed areas (their ``reopen_h``).
    wake : callable
        Called with no argument at each reopening time (wakes every depot).
    """
    for at_h in areas.reopen_h:
        env.process(_reopen(env, at_h, wake))


def _reopen(env: simpy.Environment, at_h: float, wake: Callable[[], None]):
    yield env.timeout(at_h)
    wake()


__all__ = ["ClosedAreas", "closed_until_h", "schedule_reopenings"]
