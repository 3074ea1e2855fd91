"""Repair logistics inside a replication: field crews per depot, restoration policies.

A repair job is one damaged asset or one located fault. Crews wait at their
depot; when one is free it takes the pending job chosen by the restoration
policy among those not inside a closed area, travels, repairs and travels back.
Cable ships are in :mod:`resilience_sim.engine.ships`, the policies in
:mod:`resilience_sim.engine.policies`.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from resilience_sim.engine.crews import CrewPlan
from resilience_sim.engine.state import NetworkState

if TYPE_CHECKING:  # policies.py imports Job from here
    from resilience_sim.engine.policies import Policy


@dataclass
class Job:
    """One repair: an asset (or one fault on it) at a location."""

    seq: int  # creation order: the tie-breaker of every policy
    asset: int
    created_h: float
    lat: float
    lon: float
    repair_h: float  # on-site hours (NaN: the ship draws its own)
    travel_h: float = 0.0  # one way from the depot (crews)
    open_at_h: float = 0.0  # earliest start (closed areas)


class CrewDepots:
    """Field crews per depot, dispatched by the policy.

    Under fixed-key policies (fifo, nearest_first, critical_first) each depot keeps its
    pending jobs in two heaps, open and waiting for a closed area to open, so a dispatch
    costs O(log n); other policies look at every eligible job.
    """

    def __init__(self, env: simpy.Environment, state: NetworkState, plan: CrewPlan, policy: Policy):
        self.env, self.state, self.plan, self.policy = env, state, plan, policy
        self.free = list(plan.crew_counts)
        n_depots = len(plan.crew_counts)
        self.pending: list[list[Job]] = [[] for _ in range(n_depots)]
        self._open: list[list] = [[] for _ in range(n_depots)]  # (key, job) heaps
        self._closed: list[list] = [[] for _ in range(n_depots)]  # (open_at_h, seq, job)
        self._dispatch_scheduled = [False] * n_depots
        self.impairments: list = []  # CrewImpairment records (ransomware)
        self._crew_cause = [f"crew from {name}" for name in plan.depot_names]

    def _slowdown(self, depot: int) -> float:
        """Factor on repair time for jobs starting now (inf: no job may start)."""
        factor = 1.0
        name = self.plan.depot_names[depot]
        for imp in self.impairments:
            if not self.state.up[imp.centre_idx] and (not imp.depots or name in imp.depots):
                factor *= imp.slowdown
        return factor

    def submit(self, depot: int, job: Job) -> None:
        """Queue ``job`` at ``depot`` and dispatch once this instant's jobs are known.

        Parameters
        ----------
        depot : int
            Index into the crew plan's ``depot_names``.
        job : Job
            The repair job (its ``travel_h`` is the trip from this depot).
        """
        if not self.policy.fixed_key:
            self.pending[depot].append(job)
        elif job.open_at_h <= self.env.now:
            heapq.heappush(self._open[depot], (self.policy.crew_key(job), job))
        else:
            heapq.heappush(self._closed[depot], (job.open_at_h, job.seq, job))
        self.dispatch_soon(depot)

    def _take(self, depot: int, now: float) -> Job | None:
        """Remove and return the job the policy picks among those open now, if any."""
        if self.policy.fixed_key:
            closed, open_ = self._closed[depot], self._open[depot]
            while closed and closed[0][0] <= now:
                job = heapq.heappop(closed)[2]
                heapq.heappush(open_, (self.policy.crew_key(job), job))
            return heapq.heappop(open_)[1] if open_ else None
        eligible = [j for j in self.pending[depot] if j.open_at_h <= now]
        if not eligible:
            return None
        job = self.policy.choose(eligible, now, lambda j: j.travel_h)
        self.pending[depot].remove(job)
        return job

    def wake_all(self) -> None:
        """Dispatch at every depot once this instant's jobs are known (after an impairment)."""
        for depot in range(len(self.free)):
            self.dispatch_soon(depot)

    def dispatch_soon(self, depot: int) -> None:
        """Dispatch once every job created at this instant is known (a zero-delay event).

        So the policy chooses among all simultaneous failures, not the first one.

        Parameters
        ----------
        depot : int
            Index into the crew plan's ``depot_names``.
        """
        if not self._dispatch_scheduled[depot]:
            self._dispatch_scheduled[depot] = True
            self.env.timeout(0).callbacks.append(lambda _: self._deferred_dispatch(depot))

    def _deferred_dispatch(self, depot: int) -> None:
        self._dispatch_scheduled[depot] = False
        self.dispatch(depot)

    def dispatch(self, depot: int) -> None:
        """Send the depot's free crews to the jobs the policy picks, now.

        Nothing starts while a crew impairment blocks the depot (infinite slowdown).

        Parameters
        ----------
        depot : int
            Index into the crew plan's ``depot_names``.
        """
        now = self.env.now
        slowdown = self._slowdown(depot) if self.impairments else 1.0
        if np.isinf(slowdown):
            return  # blocked until the operations centre is back (a listener wakes us)
        while self.free[depot] > 0:
            job = self._take(depot, now)
            if job is None:
                return
            self.free[depot] -= 1
            self._start(depot, job, slowdown)

    # A crew's job is a chain of SimPy timeouts with callbacks (travel and repair, then
    # travel back) rather than a process per job: same times, under half the SimPy events.

    def _start(self, depot: int, job: Job, slowdown: float = 1.0) -> None:
        """Travel and repair (``slowdown`` times as long), then :meth:`_repaired`."""
        work_h = job.travel_h + job.repair_h * slowdown
        self.env.timeout(work_h).callbacks.append(lambda _: self._repaired(depot, job))

    def _repaired(self, depot: int, job: Job) -> None:
        self.state.repair(self.env.now, job.asset, self._crew_cause[depot])
        if job.travel_h > 0:
            self.env.timeout(job.travel_h).callbacks.append(lambda _: self._returned(depot))
        else:
            self._returned(depot)

    def _returned(self, depot: int) -> None:
        """The crew is back at its depot: free for the next job."""
        self.free[depot] += 1
        self.dispatch_soon(depot)
