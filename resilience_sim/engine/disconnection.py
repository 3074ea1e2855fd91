"""Failure by disconnection: nodes that fail when cut off from their network's sources.

Engine layer. A disconnection rule names member nodes and a source set (or the
percolation convention "largest component"); a member works only while it can reach
a working source over working links and nodes. Together with the down-rule
dependencies (:class:`~resilience_sim.engine.dependencies.DependencyGraph`) this is
iterated from the physical state to the greatest fixed point: each round applies the
down rules, then one ``scipy.sparse.csgraph.connected_components`` pass marks the
members cut off; removing them can cut off more (and, through down rules, fail their
partners in another network), until nothing changes. This is the mutual cascade of
interdependent networks (Buldyrev et al. 2010, as restated by Gao et al. 2011,
arXiv:1108.5515: for two coupled Erdos-Renyi networks of mean degree k with one-to-one
dependency the surviving mutual giant fraction solves P = p (1 - exp(-k P))^2).

Cost: O((n_nodes + n_links) x rounds) per evaluation; the engine evaluates it once per
instant at which anything changed physically (only when the scenario has a rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from resilience_sim.engine.dependencies import DependencyGraph
from resilience_sim.scenario.interdependency import DependencyRule
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


@dataclass(frozen=True)
class DisconnectionRule:
    """Members ``(n_nodes,) bool`` fail when cut off from every working source.

    ``sources`` is ``(n_nodes,) bool``, or ``None`` for the largest component (the
    component holding the most working members; ties go to the one with the lowest
    member index).
    """

    name: str
    members: np.ndarray
    sources: np.ndarray | None


@dataclass(frozen=True)
class FixedPoint:
    """The effective state ``up (n_assets,)`` and the nodes failed by disconnection
    ``disconnected (n_nodes,)`` with the index of the rule that cut each off (-1 none)."""

    up: np.ndarray
    disconnected: np.ndarray
    rule: np.ndarray


class Interdependency:
    """Down-rule dependencies plus disconnection rules over one network's arrays."""

    def __init__(
        self,
        n_nodes: int,
        link_src: np.ndarray,
        link_dst: np.ndarray,
        rules: list[DisconnectionRule],
        dependencies: DependencyGraph | None = None,
    ):
        self.n_nodes = n_nodes
        self.link_src = np.asarray(link_src, dtype=np.int64)
        self.link_dst = np.asarray(link_dst, dtype=np.int64)
        self.rules = rules
        self.deps = dependencies if dependencies else None

    def __bool__(self) -> bool:
        return bool(self.rules)

    def cut_off(self, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Working members cut off from their sources in state ``up``.

        One components pass over the live links (up, both ends up) for all rules.

        Parameters
        ----------
        up : numpy.ndarray
            ``(n_assets,)`` bool, the working state of every node and link.

        Returns
        -------
        cut : numpy.ndarray
            ``(n_nodes,)`` bool, True for the working members cut off.
        rule : numpy.ndarray
            ``(n_nodes,)`` int64, index of the first rule that cuts each node off
            (-1 where none does).
        """
        n = self.n_nodes
        node_up = up[:n]
        live = up[n:] & node_up[self.link_src] & node_up[self.link_dst]
        src, dst = self.link_src[live], self.link_dst[live]
        graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
        n_comp, labels = connected_components(graph.tocsr(), directed=False)
        cut = np.zeros(n, dtype=bool)
        rule_of = np.full(n, -1, dtype=np.int64)
        for r, rule in enumerate(self.rules):
            working = rule.members & node_up
            if rule.sources is None:
                counts = np.bincount(labels[working], minlength=n_comp)
                fed = np.zeros(n_comp, dtype=bool)
                if counts.any():
                    fed[int(np.argmax(counts))] = True  # first maximum: lowest label
            else:
                fed = np.zeros(n_comp, dtype=bool)
                fed[labels[rule.sources & node_up]] = True
            lost = working & ~fed[labels] & ~cut
            cut |= lost
            rule_of[lost] = r
        return cut, rule_of

    def exempt_cut_by_design(self, intact_up: np.ndarray) -> Interdependency:
        """This system without the source-set members cut off in the undamaged network.

        Service is relative to the undamaged network, so what is cut off from its sources
        by design is not an outage. Largest-component rules keep all their members:
        outside the giant component a node does not work, from t = 0 (the percolation
        convention).

        Parameters
        ----------
        intact_up : numpy.ndarray
            ``(n_assets,)`` bool, the undamaged network's state (standby assets down).

        Returns
        -------
        Interdependency
            A system whose source-set rules leave out those members (``self`` if none
            is cut off).
        """
        system = self
        with_sources = [r for r, rule in enumerate(self.rules) if rule.sources is not None]
        while True:
            point = system.fixed_point(intact_up)
            cut = point.disconnected & np.isin(point.rule, with_sources)
            if not cut.any():
                return system
            rules = [
                DisconnectionRule(r.name, r.members & ~cut, r.sources)
                if r.sources is not None
                else r
                for r in system.rules
            ]
            system = Interdependency(self.n_nodes, self.link_src, self.link_dst, rules, self.deps)

    def describe(self, rule: int) -> str:
        """The cause of a failure by rule ``rule``.

        Parameters
        ----------
        rule : int
            Index into ``rules``.

        Returns
        -------
        str
            The cause written to the event log, naming the rule.
        """
        r = self.rules[rule]
        what = "the largest component" if r.sources is None else "every source"
        return f"disconnected: cut off from {what} of rule {r.name}"

    def _final(self, cut: np.ndarray) -> bool:
        """Whether removing ``cut`` can cut off nothing more: with one rule, the cut nodes
        lie outside every component it feeds (outside the largest one, or in components
        without a working source), so removing them leaves those components as they are,
        unless a down rule passes their failure on."""
        if len(self.rules) != 1:
            return False
        return self.deps is None or not self.deps.is_involved[: self.n_nodes][cut].any()

    def fixed_point(self, physically_up: np.ndarray) -> FixedPoint:
        """Greatest state consistent with every rule, from ``physically_up``.

        Each round applies the down rules (greatest fixed point over the assets in
        them) and removes the members cut off; removing nodes never reconnects any, so
        the rounds only shrink the working set and end at the greatest fixed point.

        Parameters
        ----------
        physically_up : numpy.ndarray
            ``(n_assets,)`` bool, the physical state; not modified.

        Returns
        -------
        FixedPoint
            The effective state and the nodes failed by disconnection, with their rules.
        """
        up = np.asarray(physically_up, dtype=bool).copy()
        disconnected = np.zeros(self.n_nodes, dtype=bool)
        rule = np.full(self.n_nodes, -1, dtype=np.int64)
        while True:
            if self.deps is not None:
                involved = self.deps.involved
                up[involved] = self.deps.working(up[involved])
            cut, cut_rule = self.cut_off(up)
            if not cut.any():
                return FixedPoint(up, disconnected, rule)
            disconnected |= cut
            rule[cut] = cut_rule[cut]
            up[: self.n_nodes][cut] = False
            if self._final(cut):
                return FixedPoint(up, disconnected, rule)


def compile_rules(
    arrays: NetworkArrays, topology: Topology, rules: list[DependencyRule]
) -> Interdependency:
    """The scenario's rules plus the topology's ``depends_on`` over ``arrays``.

    A down rule adds an edge from every selected node to every node it names (as
    ``depends_on`` does); a disconnected rule becomes a :class:`DisconnectionRule`.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network (its ``dependency_src``/``dependency_dst`` edges).
    topology : Topology
        The topology, to resolve the rules' node selections.
    rules : list of DependencyRule
        The scenario's interdependency rules, in file order.

    Returns
    -------
    Interdependency
        The system, with members cut off by design exempted
        (:meth:`Interdependency.exempt_cut_by_design`).
    """
    n = arrays.n_nodes
    src, dst = [arrays.dependency_src], [arrays.dependency_dst]
    cut_rules = []
    for rule in rules:
        members = arrays.indices_of(rule.nodes.node_ids(topology))
        if rule.needs == "largest_component":
            targets = None
        else:
            targets = arrays.indices_of(rule.needs.node_ids(topology))
        if rule.fails_when == "down":
            a, b = np.repeat(members, len(targets)), np.tile(targets, len(members))
            src.append(a[a != b])
            dst.append(b[a != b])
            continue
        is_member = np.zeros(n, dtype=bool)
        is_member[members] = True
        sources = None
        if targets is not None:
            sources = np.zeros(n, dtype=bool)
            sources[targets] = True
        cut_rules.append(DisconnectionRule(rule.name, is_member, sources))
    deps = DependencyGraph(np.concatenate(src), np.concatenate(dst), arrays.n_assets)
    system = Interdependency(n, arrays.link_src, arrays.link_dst, cut_rules, deps)
    return system.exempt_cut_by_design(~arrays.standby)
