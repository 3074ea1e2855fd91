"""Power dependency: mains supply from substations or grid regions, then batteries.

A node whose ``power_feed`` is a power_substation node loses mains when that node
is down; one whose feed is a grid-region name loses it while the region is
de-energised (a :class:`~resilience_sim.hazards.base.GridOutage`). Without mains a
node runs ``battery_h + fuel_h`` hours (battery, then generator) and then goes
down, with the cause recorded as propagated; it returns as soon as mains returns
(unless something else holds it down).

Simplifications (documented in docs/cascades.md): batteries and tanks are full
again as soon as mains returns; generators are not refuelled during an outage. A
scenario's ``power:`` section replaces them (``backup``: a
:class:`~resilience_sim.engine.backup.SiteBackup` with sampled batteries and
generators, recharge and fuel trucks; docs/power.md).

Hook for grid models (a grid asset that fails by disconnection): :meth:`PowerModel.deenergise`
and :meth:`PowerModel.reenergise` cut and return mains to any set of nodes, counted per
reason like a substation or grid-region outage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from resilience_sim.engine.backup import SiteBackup
from resilience_sim.engine.state import POWER, NetworkState
from resilience_sim.hazards.base import GridOutage
from resilience_sim.topology.compile import NetworkArrays


@dataclass(frozen=True)
class PowerFeeds:
    """Who feeds whom, the same in every replication of a study (:meth:`compile`)."""

    autonomy_h: np.ndarray  # (n_nodes,) battery + generator hours of the topology
    fed_by: dict[int, np.ndarray]  # substation node -> the nodes it feeds
    region_members: tuple[np.ndarray, ...]  # grid region -> the nodes it feeds

    @classmethod
    def compile(cls, arrays: NetworkArrays) -> PowerFeeds:
        """The feeds of a compiled network, once per study.

        Parameters
        ----------
        arrays : NetworkArrays
            The compiled network.

        Returns
        -------
        PowerFeeds
            Each node's autonomy (battery + fuel hours), each feed's fed nodes and each
            grid region's members.
        """
        fed = arrays.power_feed_node
        feed_region = arrays.power_feed_region
        return cls(
            arrays.battery_h + arrays.fuel_h,
            {int(s): np.flatnonzero(fed == s) for s in np.unique(fed[fed >= 0])},
            tuple(np.flatnonzero(feed_region == r) for r in range(len(arrays.grid_regions))),
        )


class PowerModel:
    """Tracks mains supply per node and drains batteries in SimPy time."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        arrays: NetworkArrays,
        feeds: PowerFeeds | None = None,
    ):
        self.env = env
        self.backup: SiteBackup | None = None  # set by engine.backup.attach_backup
        self.state = state
        feeds = PowerFeeds.compile(arrays) if feeds is None else feeds
        self.autonomy_h = feeds.autonomy_h
        self.names = arrays.asset_ids
        self.fed_by = feeds.fed_by
        self.region_members = list(feeds.region_members)
        self.region_names = arrays.grid_regions
        self.supply_lost = np.zeros(arrays.n_nodes, dtype=np.int32)
        self.outage_cause = [""] * arrays.n_nodes
        self.held_down = np.zeros(arrays.n_nodes, dtype=bool)
        # node -> the timeout at which its backup runs out; removing the entry cancels it
        self.draining: dict[int, simpy.Timeout] = {}
        if self.fed_by:
            state.listeners.append(self._on_change)

    def __bool__(self) -> bool:
        return bool(self.fed_by) or any(len(m) for m in self.region_members)

    def _on_change(self, t_h: float, asset: int, is_up: bool) -> None:
        for node in self.fed_by.get(asset, ()):
            if is_up:
                self.restore(int(node))
            else:
                self.lose(int(node), f"power feed {self.names[asset]} down")

    def lose(self, node: int, cause: str) -> None:
        """One more reason that ``node`` has no mains.

        Parameters
        ----------
        node : int
            Node index.
        cause : str
            Why, in words (kept in the event log).
        """
        self.supply_lost[node] += 1
        if self.supply_lost[node] > 1:
            return
        self.outage_cause[node] = cause
        if self.backup is not None:
            self.backup.mains_lost(node, cause)
            return
        autonomy = float(self.autonomy_h[node])
        if autonomy <= 0:
            self.hold_down(node, f"power: no backup ({cause})")
        else:
            self._drain(node, autonomy, cause)

    def restore(self, node: int) -> None:
        """One reason fewer; mains is back when none is left.

        Parameters
        ----------
        node : int
            Node index.
        """
        self.supply_lost[node] -= 1
        assert self.supply_lost[node] >= 0
        if self.supply_lost[node] > 0:
            return
        if self.backup is not None:
            self.backup.mains_restored(node)
            return
        self.draining.pop(node, None)
        self.release(node, "mains power restored")

    def deenergise(self, nodes: np.ndarray, cause: str) -> None:
        """Mains lost at ``nodes`` (one more reason each): the hook for grid models.

        Parameters
        ----------
        nodes : numpy.ndarray
            ``(k,)`` node indices.
        cause : str
            Why, in words (kept in the event log).
        """
        for node in nodes.tolist():
            self.lose(node, cause)

    def reenergise(self, nodes: np.ndarray) -> None:
        """One reason fewer at ``nodes``: the counterpart of :meth:`deenergise`.

        Parameters
        ----------
        nodes : numpy.ndarray
            ``(k,)`` node indices.
        """
        for node in nodes.tolist():
            self.restore(node)

    def hold_down(self, node: int, cause: str) -> None:
        """``node`` goes down for lack of power (cause class ``power``, propagated).

        Parameters
        ----------
        node : int
            Node index.
        cause : str
            Why, in words (kept in the event log).
        """
        if self.held_down[node]:
            return
        self.draining.pop(node, None)
        self.held_down[node] = True
        self.state.take_down(self.env.now, node, cause, propagated=True, cause_class=POWER)

    def release(self, node: int, cause: str) -> None:
        """``node`` has power again (if it was held down for lack of it).

        Parameters
        ----------
        node : int
            Node index.
        cause : str
            Why, in words (kept in the event log).
        """
        if self.held_down[node]:
            self.held_down[node] = False
            self.state.bring_up(self.env.now, node, cause)

    def run_generator(self, node: int, fuel_h: float, cause: str):
        """Process: a portable generator powers ``node`` (which has no mains) for ``fuel_h``.

        Its own batteries are assumed empty when the generator runs dry.

        Parameters
        ----------
        node : int
            Node index.
        fuel_h : float
            Hours of fuel the generator brings.
        cause : str
            Why, in words (kept in the event log).
        """
        if self.supply_lost[node] == 0:
            return
        if self.backup is not None:  # it becomes the site's generator, refuelled by trucks
            self.backup.add_generator(node, fuel_h, cause)
            return
        self.draining.pop(node, None)
        self.release(node, cause)
        yield self.env.timeout(fuel_h)
        if self.supply_lost[node] > 0 and not self.held_down[node]:
            self.hold_down(node, f"{cause}: out of fuel")

    def _drain(self, node: int, autonomy_h: float, cause: str) -> None:
        """Run ``autonomy_h`` hours on battery/generator, then fail unless mains (or a
        portable generator) took over meanwhile, which removes the entry in ``draining``."""
        empty = self.env.timeout(autonomy_h)
        self.draining[node] = empty
        empty.callbacks.append(lambda _: self._drained(empty, node, autonomy_h, cause))

    def _drained(self, empty: simpy.Timeout, node: int, autonomy_h: float, cause: str) -> None:
        if self.draining.get(node) is not empty:
            return  # cancelled
        del self.draining[node]
        self.hold_down(node, f"power: backup exhausted after {autonomy_h:g} h ({cause})")

    def grid_outage(self, outage: GridOutage):
        """Process: de-energise each entry's nodes (its region's, or the stage's) at its
        onset for its duration.

        Parameters
        ----------
        outage : GridOutage
            The drawn outage: onsets, durations and regions (or stage nodes), hours.
        """
        for k in np.argsort(outage.onset_h, kind="stable"):
            wait = outage.onset_h[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            region = int(outage.region_idx[k])
            cause = f"{outage.cause}: grid region {self.region_names[region]} down"
            nodes = self.region_members[region] if outage.nodes is None else outage.nodes[k]
            self.deenergise(nodes, cause)
            self.env.process(self._reenergise(nodes, float(outage.duration_h[k])))

    def _reenergise(self, nodes: np.ndarray, duration_h: float):
        yield self.env.timeout(duration_h)
        self.reenergise(nodes)
