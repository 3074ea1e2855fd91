"""Restoration policies: which eligible repair job a free crew or cable ship takes next.

The one registry of policies (:data:`POLICIES`): each built-in policy once, under the
name the scenario schema lists (``scenario.recovery.PolicyName``; the import fails if
the two disagree), plus :class:`CustomRule` for a user function resolved once per study
by :func:`resilience_sim.scenario.custom_policy.resolve_custom_policy`. Crews
(:mod:`resilience_sim.engine.recovery`) and ships (:mod:`resilience_sim.engine.ships`)
ask a policy through :meth:`Policy.choose`; a policy whose rank depends on the job alone
(``fixed_key``) also gives crews a heap key, so they need not scan their queue.
Ties always go to the oldest job (creation order ``Job.seq``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import ClassVar

import numpy as np

from resilience_sim.engine.recovery import Job
from resilience_sim.engine.service import served_masks
from resilience_sim.engine.state import NetworkState
from resilience_sim.scenario.custom_policy import CustomPolicy, resolve_custom_policy
from resilience_sim.scenario.recovery import BUILTIN_POLICIES
from resilience_sim.topology.compile import NetworkArrays

TravelH = Callable[[Job], float]  # hours to reach a job from where the crew or ship is
_CREW_TRAVEL_H: TravelH = attrgetter("travel_h")  # a crew's one-way trip from its depot


class Policy:
    """Chooses which eligible job a free crew or ship takes next (the base class: a
    subclass gives a fixed-key ``rank`` or its own ``choose``)."""

    fixed_key: ClassVar[bool] = False  # rank depends on the job alone (crews keep a heap)

    def __init__(
        self, arrays: NetworkArrays, state: NetworkState, is_critical: np.ndarray | None = None
    ):
        self.arrays = arrays
        self.state = state
        self.is_critical = critical_assets(arrays) if is_critical is None else is_critical

    def rank(self, job: Job, travel_h: TravelH) -> tuple:
        """Sort key of a fixed-key policy: the smallest goes first.

        Parameters
        ----------
        job : Job
            A pending job.
        travel_h : callable
            ``travel_h(job) -> float``: hours to reach the job.

        Returns
        -------
        tuple
            The key; ends with ``job.seq`` so ties go to the oldest job.

        Raises
        ------
        NotImplementedError
            In the base class and in policies without a fixed key.
        """
        raise NotImplementedError(f"{type(self).__name__} has no fixed key")

    def crew_key(self, job: Job) -> tuple:
        """The heap key of a crew job (fixed-key policies).

        Parameters
        ----------
        job : Job
            A pending crew job (its ``travel_h`` is the trip from the depot).

        Returns
        -------
        tuple
            :meth:`rank` with the crew's one-way trip as the travel time.
        """
        return self.rank(job, _CREW_TRAVEL_H)

    def choose(self, jobs: list[Job], now_h: float, travel_h: TravelH) -> Job:
        """The job to take among ``jobs`` at ``now_h`` hours.

        Parameters
        ----------
        jobs : list of Job
            The eligible jobs, not empty.
        now_h : float
            The simulation time, hours.
        travel_h : callable
            ``travel_h(job) -> float``: hours to reach a job.

        Returns
        -------
        Job
            One of ``jobs`` (here the one with the smallest :meth:`rank`).
        """
        return min(jobs, key=lambda j: self.rank(j, travel_h))


def critical_assets(arrays: NetworkArrays) -> np.ndarray:
    """Critical nodes, and links with a critical end.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network (its ``critical`` node flags).

    Returns
    -------
    numpy.ndarray
        ``(n_assets,)`` bool.
    """
    if not arrays.n_nodes:
        return np.zeros(0, dtype=bool)
    return arrays.either_end(arrays.critical)


class Fifo(Policy):
    """The oldest job."""

    fixed_key = True

    def rank(self, job: Job, travel_h: TravelH) -> tuple:
        """Sort key: creation order.

        Parameters
        ----------
        job : Job
            A pending job.
        travel_h : callable
            Unused (the signature of :meth:`Policy.rank`).

        Returns
        -------
        tuple
            ``(job.seq,)``.
        """
        return (job.seq,)


class NearestFirst(Policy):
    """The shortest trip (a crew from its depot, a ship from where it is)."""

    fixed_key = True

    def rank(self, job: Job, travel_h: TravelH) -> tuple:
        """Sort key: the trip, then creation order.

        Parameters
        ----------
        job : Job
            A pending job.
        travel_h : callable
            ``travel_h(job) -> float``: hours to reach the job.

        Returns
        -------
        tuple
            ``(travel_h(job), job.seq)``.
        """
        return (travel_h(job), job.seq)


class CriticalFirst(Policy):
    """Jobs at critical nodes (or links touching one) first, then the oldest."""

    fixed_key = True

    def rank(self, job: Job, travel_h: TravelH) -> tuple:
        """Sort key: critical first, then creation order.

        Parameters
        ----------
        job : Job
            A pending job.
        travel_h : callable
            Unused (the signature of :meth:`Policy.rank`).

        Returns
        -------
        tuple
            ``(not critical, job.seq)``.
        """
        return (not self.is_critical[job.asset], job.seq)


class MostUsersFirst(Policy):
    """The job restoring the most domestic users if it alone were repaired now (greedy);
    among equals the link with the most capacity (a cable that restores bandwidth behind
    a thin backup), then the oldest. One service evaluation per pending job."""

    def choose(self, jobs: list[Job], now_h: float, travel_h: TravelH) -> Job:
        """The job whose repair alone would restore the most domestic users now.

        Parameters
        ----------
        jobs : list of Job
            The eligible jobs, not empty.
        now_h : float
            The simulation time, hours (unused: the state is the current one).
        travel_h : callable
            Unused (the signature of :meth:`Policy.choose`).

        Returns
        -------
        Job
            Most users restored, then most link capacity (Gbit/s), then the oldest.
        """
        gains = self._restored_population([j.asset for j in jobs])
        return max(
            zip(gains, jobs, strict=True),
            key=lambda g: (g[0], self._capacity_gbps(g[1].asset), -g[1].seq),
        )[1]

    def _capacity_gbps(self, asset: int) -> float:
        n = self.arrays.n_nodes
        return float(self.arrays.link_capacity_gbps[asset - n]) if asset >= n else 0.0

    def _restored_population(self, assets: list[int]) -> list[float]:
        """Domestic users served if each asset alone came back now (greedy gain)."""
        up = self.state.up.copy()
        pop = self.arrays.population
        now = pop @ served_masks(self.arrays, up)[0]
        gains = []
        for asset in assets:
            was = up[asset]
            up[asset] = True
            gains.append(float(pop @ served_masks(self.arrays, up)[0] - now))
            up[asset] = was
        return gains


class CustomRule(Policy):
    """A user policy: the jobs as documented dicts, the function's index taken."""

    def __init__(
        self,
        arrays: NetworkArrays,
        state: NetworkState,
        custom: CustomPolicy,
        is_critical: np.ndarray | None = None,
    ):
        super().__init__(arrays, state, is_critical)
        self.custom = custom

    def choose(self, jobs: list[Job], now_h: float, travel_h: TravelH) -> Job:
        """The job at the index the user function returns.

        Parameters
        ----------
        jobs : list of Job
            The eligible jobs, not empty; passed to the function as dicts of
            :data:`~resilience_sim.scenario.custom_policy.JOB_FIELDS`.
        now_h : float
            The simulation time, hours (passed to the function).
        travel_h : callable
            ``travel_h(job) -> float``: hours to reach a job (the dicts' ``travel_h``).

        Returns
        -------
        Job
            ``jobs[index]``.
        """
        return jobs[self.custom([self._view(j, travel_h(j)) for j in jobs], now_h)]

    def _view(self, job: Job, travel_h: float) -> dict:
        """``job`` as the dict of :data:`~resilience_sim.scenario.custom_policy.JOB_FIELDS`."""
        a = self.arrays
        return {
            "asset": str(a.asset_ids[job.asset]),
            "kind": str(a.asset_kinds[job.asset]),
            "created_h": job.created_h,
            "travel_h": travel_h,
            "repair_h": job.repair_h,
            "population": float(a.population[job.asset]) if job.asset < a.n_nodes else 0.0,
            "critical": bool(self.is_critical[job.asset]),
        }


POLICIES: dict[str, type[Policy]] = {
    "fifo": Fifo,
    "nearest_first": NearestFirst,
    "most_users_first": MostUsersFirst,
    "critical_first": CriticalFirst,
}
if set(POLICIES) != set(BUILTIN_POLICIES):  # the schema and the registry must agree
    raise ImportError(
        f"engine/policies.py POLICIES {sorted(POLICIES)} != scenario PolicyName "
        f"{sorted(BUILTIN_POLICIES)}"
    )


@dataclass(frozen=True)
class PolicyPlan:
    """A study's ``recovery.policy`` resolved once: the built-in class, or the resolved
    custom function (``rule`` is None), and the critical assets."""

    rule: type[Policy] | None
    custom: CustomPolicy | None
    is_critical: np.ndarray  # (n_assets,) bool

    def bind(self, arrays: NetworkArrays, state: NetworkState) -> Policy:
        """The policy of one replication, on its ``state``.

        Parameters
        ----------
        arrays : NetworkArrays
            The compiled network.
        state : NetworkState
            The replication's network state.

        Returns
        -------
        Policy
            An instance of the built-in class, or a :class:`CustomRule`.
        """
        if self.rule is not None:
            return self.rule(arrays, state, self.is_critical)
        return CustomRule(arrays, state, self.custom, self.is_critical)


def compile_policy(
    name: str, arrays: NetworkArrays, custom: CustomPolicy | None = None
) -> PolicyPlan:
    """Resolve the policy ``name`` (``recovery.policy``) once for a study.

    A custom policy is the one the study resolved (``custom``); without it (the engine
    called directly) it is resolved here, naming ``<api>`` in its errors.

    Parameters
    ----------
    name : str
        A built-in policy name (:data:`POLICIES`) or a custom policy's path.
    arrays : NetworkArrays
        The compiled network (for the critical assets).
    custom : CustomPolicy or None
        The custom policy the study resolved, if any.

    Returns
    -------
    PolicyPlan
        The built-in class or the custom function, and the critical assets.
    """
    rule = POLICIES.get(name)
    if rule is None and (custom is None or custom.path != name):
        custom = resolve_custom_policy(name, "<api>")
    return PolicyPlan(rule, custom if rule is None else None, critical_assets(arrays))


__all__ = [
    "POLICIES",
    "CriticalFirst",
    "CustomRule",
    "Fifo",
    "MostUsersFirst",
    "NearestFirst",
    "Policy",
    "PolicyPlan",
    "compile_policy",
    "critical_assets",
]
