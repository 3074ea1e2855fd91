"""The overload cascade inside a replication: nodes trip when their load exceeds capacity.

Engine layer, wired by :mod:`resilience_sim.engine.simulation` when the scenario has an
``overload`` section (docs/cascades.md). A node's capacity is ``(1 + alpha)`` times its
load in the undamaged network; after the changes of an instant the loads are
recomputed and nodes above capacity fail (cause class ``congestion``) and become repair
jobs. The load is the international demand routed through a node
(:func:`resilience_sim.engine.traffic.route_traffic`) or its all-pairs betweenness
(Motter-Lai, :mod:`resilience_sim.engine.motter_lai`). The undamaged loads are the same
in every replication, so they are computed once per study (:func:`compile_overload`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from resilience_sim.engine.motter_lai import OverloadLoad, betweenness_load, pivot_nodes
from resilience_sim.engine.routing import Routing
from resilience_sim.engine.state import CONGESTION, NetworkState
from resilience_sim.engine.traffic import overloaded_nodes, route_traffic
from resilience_sim.topology.compile import NetworkArrays


@dataclass(frozen=True)
class OverloadPlan:
    """The overload model of a study and its undamaged loads ``initial_load (n_nodes,)``."""

    demand_gbps: np.ndarray  # (n_nodes,)
    alpha: float
    routing: Routing
    load: OverloadLoad
    pivots: np.ndarray | None  # betweenness sources (None: all nodes)
    initial_load: np.ndarray


def node_loads(
    arrays: NetworkArrays,
    up: np.ndarray,
    demand_gbps: np.ndarray,
    routing: Routing,
    load: OverloadLoad,
    pivots: np.ndarray | None,
) -> np.ndarray:
    """Load of every node in state ``up``.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    up : numpy.ndarray
        ``(n_assets,)`` bool, the working nodes and links.
    demand_gbps : numpy.ndarray
        ``(n_nodes,)`` float, international demand of each node, Gbit/s (``"demand"``).
    routing : Routing
        How demand is routed (``"shortest"`` or ``"widest"``; ``"demand"`` only).
    load : OverloadLoad
        ``"demand"`` (routed Gbit/s through each node) or ``"betweenness"``.
    pivots : numpy.ndarray or None
        Betweenness source nodes (None: all; ``"betweenness"`` only).

    Returns
    -------
    numpy.ndarray
        ``(n_nodes,)`` float, Gbit/s through each node or its betweenness load.
    """
    if load == "betweenness":
        return betweenness_load(arrays, up, pivots)
    return route_traffic(arrays, up, demand_gbps, routing=routing).through_gbps


def compile_overload(
    arrays: NetworkArrays,
    demand_gbps: np.ndarray,
    alpha: float,
    routing: Routing = "shortest",
    load: OverloadLoad = "demand",
    pivots: int | None = None,
) -> OverloadPlan:
    """The overload model with its loads in the undamaged network.

    The undamaged network has its standby stopgaps down, as a replication starts.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    demand_gbps : numpy.ndarray
        ``(n_nodes,)`` float, international demand of each node, Gbit/s.
    alpha : float
        Tolerance, >= 0: capacity = (1 + alpha) x undamaged load.
    routing : Routing
        How demand is routed.
    load : OverloadLoad
        ``"demand"`` or ``"betweenness"``.
    pivots : int or None
        Number of betweenness sources to sample (:func:`pivot_nodes`); None for all.

    Returns
    -------
    OverloadPlan
        The model, its pivot nodes and ``initial_load`` ``(n_nodes,)``.
    """
    sources = pivot_nodes(arrays.n_nodes, pivots)
    initial = node_loads(arrays, ~arrays.standby, demand_gbps, routing, load, sources)
    return OverloadPlan(demand_gbps, alpha, routing, load, sources, initial)


class OverloadCheck:
    """Checks loads once per instant after any change; trips overloaded nodes, whose
    repair ``start_repair(node)`` queues."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        arrays: NetworkArrays,
        plan: OverloadPlan,
        start_repair: Callable[[int], None],
    ):
        self.env, self.state, self.arrays, self.plan = env, state, arrays, plan
        self.start_repair = start_repair
        self._due = False
        state.listeners.append(lambda t_h, asset, up: self._schedule())

    def _schedule(self) -> None:
        if not self._due:
            self._due = True
            self.env.process(self._check())

    def _check(self):
        yield self.env.timeout(0)  # after every change of this instant
        self._due = False
        plan, n = self.plan, self.arrays.n_nodes
        load = node_loads(
            self.arrays, self.state.up, plan.demand_gbps, plan.routing, plan.load, plan.pivots
        )
        tripped = overloaded_nodes(load, plan.initial_load, plan.alpha, self.state.up[:n])
        unit = " Gbit/s" if plan.load == "demand" else " shortest paths"
        for node in tripped:
            cause = (
                f"overload: {load[node]:.3g}{unit} > (1 + {plan.alpha:g})"
                f" x {plan.initial_load[node]:.3g}"
            )
            if self.state.damage(
                self.env.now, int(node), cause, propagated=True, cause_class=CONGESTION
            ):
                self.start_repair(int(node))


__all__ = ["OverloadCheck", "OverloadPlan", "compile_overload", "node_loads"]
