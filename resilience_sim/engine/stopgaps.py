"""Stopgaps in a replication: standby links deployed, satellite terminals, cells on wheels
and portable generators, and their release and redeployment.

Engine layer, wired by :mod:`resilience_sim.engine.simulation`. What depends on the
study alone (deployment times, each terminal's sites and links, each region's nodes and
cell sites) is compiled once (:func:`compile_stopgaps`, a :class:`StopgapPlan`);
:class:`Stopgaps` starts them in one replication. Standby satellite links deploy at
their ``after_h`` (an ordinary repair event; docs/architecture.md); cells on wheels
cover the most populous failed cell sites of their region on arrival; portable
generators power the most populous sites of their region without mains. Retirement
(also in docs/cascades.md#stopgaps):

- A satellite terminal with ``release: on_restore`` works at the first of its sites
  (``[node, *redeploy_to]``, by priority) that is up and has no international service
  over permanent links (stopgap links do not count) and no other terminal serves. Once
  that site has it again (the permanent repair returned) the terminal is released (a
  ``stopgap_released`` event on its link) and, ``redeploy_h`` later, works at the first
  site then in need; with none in need it waits in reserve and goes to the first site
  that loses service. Checked once per instant with a state change (one
  connected-components pass).
- A cell on wheels with ``redeploy: true`` is released when the site it covers is
  repaired (a ``stopgap_released`` event on the site) and, ``redeploy_h`` later, covers
  the failed, uncovered cell site of its region with the most users, if there is one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from resilience_sim.engine.service import component_labels
from resilience_sim.engine.state import STOPGAP_RELEASED, NetworkState
from resilience_sim.scenario.recovery import (
    CellOnWheels,
    PortableGenerators,
    SatelliteGateway,
    stopgap_link_id,
)
from resilience_sim.scenario.schema import Recovery
from resilience_sim.topology.compile import NetworkArrays

if TYPE_CHECKING:
    from resilience_sim.engine.power import PowerModel


@dataclass(frozen=True)
class TerminalPlan:
    """The releasable satellite terminals: specs, and per terminal the asset indices of
    its sites (``[node, *redeploy_to]``) and of its standby link at each site."""

    specs: tuple[SatelliteGateway, ...]
    sites: tuple[np.ndarray, ...]
    links: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class StopgapPlan:
    """The stopgaps of a study, compiled once (see :func:`compile_stopgaps`)."""

    deploy: tuple[tuple[int, float], ...]  # (standby asset, deployment hour), index order
    terminals: TerminalPlan | None  # the releasable terminals (None: none)
    regional: tuple[CellOnWheels | PortableGenerators, ...]  # file order
    region_nodes: dict[str, np.ndarray]  # region -> its nodes (generators)
    region_cell_sites: dict[str, np.ndarray]  # region -> its cell sites (cells on wheels)


def compile_stopgaps(recovery: Recovery, arrays: NetworkArrays) -> StopgapPlan:
    """What every replication's stopgaps share.

    Deployment times of the standby links (releasable terminals deploy themselves:
    infinite times are left out), the terminals' site and link indices, and the nodes
    and cell sites of each region a regional stopgap goes to.

    Parameters
    ----------
    recovery : Recovery
        The scenario's recovery section (its ``stopgaps``).
    arrays : NetworkArrays
        The compiled network (standby assets and their ``deploy_at_h``, regions).

    Returns
    -------
    StopgapPlan
        The study's stopgap plan.
    """
    standby = np.flatnonzero(arrays.standby)
    deploy = tuple(
        (int(asset), float(at_h))
        for asset, at_h in zip(standby, arrays.deploy_at_h[arrays.standby], strict=True)
        if math.isfinite(at_h)
    )
    satellites = [s for s in recovery.stopgaps if isinstance(s, SatelliteGateway)]
    releasable = [(i, s) for i, s in enumerate(satellites) if s.release == "on_restore"]
    terminals = None
    if releasable:
        terminals = TerminalPlan(
            tuple(spec for _, spec in releasable),
            tuple(arrays.indices_of(spec.sites) for _, spec in releasable),
            tuple(
                arrays.indices_of([stopgap_link_id(i, s) for s in spec.sites])
                for i, spec in releasable
            ),
        )
    regional = tuple(
        s for s in recovery.stopgaps if isinstance(s, CellOnWheels | PortableGenerators)
    )
    region_nodes, region_cells = {}, {}
    for stopgap in regional:
        region = arrays.region_names.index(stopgap.region)
        nodes = np.flatnonzero(arrays.region_of_node == region)
        region_nodes[stopgap.region] = nodes
        region_cells[stopgap.region] = nodes[arrays.asset_kinds[nodes] == "cell_site"]
    return StopgapPlan(deploy, terminals, regional, region_nodes, region_cells)


class Stopgaps:
    """The stopgaps of one replication: started at construction, in the order standby
    deployments, releasable terminals, regional stopgaps (file order)."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        arrays: NetworkArrays,
        power: PowerModel,
        plan: StopgapPlan,
    ):
        self.env, self.state, self.arrays, self.power, self.plan = env, state, arrays, power, plan
        for asset, at_h in plan.deploy:
            env.process(self._deploy(asset, at_h))
        if plan.terminals is not None:
            SatelliteTerminals(env, state, arrays, plan.terminals)
        self.cells_on_wheels = CellsOnWheels(env, state, arrays, plan.region_cell_sites)
        for stopgap in plan.regional:
            env.process(self._regional(stopgap))

    def _deploy(self, asset: int, at_h: float):
        yield self.env.timeout(at_h)
        self.state.bring_up(self.env.now, asset, f"stopgap {self.arrays.asset_ids[asset]} deployed")

    def _regional(self, stopgap: CellOnWheels | PortableGenerators):
        """Process: at arrival, serve the most populous eligible sites of the region."""
        yield self.env.timeout(stopgap.after_h)
        if isinstance(stopgap, CellOnWheels):
            self.cells_on_wheels.cover(stopgap, stopgap.units)
            return
        in_region = self.plan.region_nodes[stopgap.region]
        wanted = in_region[self.power.supply_lost[in_region] > 0]
        chosen = wanted[np.argsort(-self.arrays.population[wanted], kind="stable")][: stopgap.units]
        for node in chosen:
            cause = f"stopgap {stopgap.type} in {stopgap.region}"
            self.env.process(self.power.run_generator(int(node), stopgap.fuel_h, cause))


class SatelliteTerminals:
    """The releasable satellite terminals of one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        arrays: NetworkArrays,
        terminals: TerminalPlan,
    ):
        self.env, self.state, self.arrays = env, state, arrays
        self.specs = list(terminals.specs)
        self.sites = list(terminals.sites)
        self.links = list(terminals.links)
        self.at = [-1] * len(self.specs)  # index into sites where it works; -1 none
        self.free_from_h = [spec.after_h for spec in self.specs]
        self._due = False
        state.listeners.append(lambda t_h, asset, up: self._schedule())
        for free_h in sorted(set(self.free_from_h)):
            env.process(self._wake(free_h))

    def _wake(self, at_h: float):
        """Process: a check when a terminal becomes free."""
        yield self.env.timeout(at_h - self.env.now)
        self._schedule()

    def _schedule(self) -> None:
        if not self._due:
            self._due = True
            self.env.process(self._check())

    def _check(self):
        """Process: after this instant's changes, release terminals whose site has
        permanent service again and deploy free terminals where service is missing."""
        yield self.env.timeout(0)
        self._due = False
        now = self.env.now
        node_up, served = self._permanent_service()
        in_need = node_up & ~served
        for k, spec in enumerate(self.specs):
            site = self.at[k]
            if site >= 0 and served[self.sites[k][site]]:
                link = int(self.links[k][site])
                node = self.arrays.asset_ids[int(self.sites[k][site])]
                self.state.release_stopgap(
                    now, link, f"stopgap {self.arrays.asset_ids[link]} released: {node} served"
                )
                self.at[k] = -1
                self.free_from_h[k] = now + spec.redeploy_h
                if spec.redeploy_h > 0:
                    self.env.process(self._wake(self.free_from_h[k]))
                    continue
            if self.at[k] < 0 and now >= self.free_from_h[k]:
                taken = [int(s[a]) for s, a in zip(self.sites, self.at, strict=True) if a >= 0]
                free = ~np.isin(self.sites[k], taken)  # one terminal per site
                wanted = np.flatnonzero(in_need[self.sites[k]] & free)
                if len(wanted):
                    self.at[k] = site = int(wanted[0])
                    link = int(self.links[k][site])
                    self.state.bring_up(
                        now, link, f"stopgap {self.arrays.asset_ids[link]} deployed"
                    )

    def _permanent_service(self) -> tuple[np.ndarray, np.ndarray]:
        """``(node_up, served)``, ``(n_nodes,) bool`` each: served = up and reaching an
        international node over live links other than stopgap links."""
        arrays = self.arrays
        n_comp, labels, node_up = component_labels(arrays, self.state.up & ~arrays.standby)
        has_intl = np.zeros(n_comp, dtype=bool)
        has_intl[labels[arrays.is_international & node_up]] = True
        return node_up, node_up & has_intl[labels]


class CellsOnWheels:
    """Cells on wheels that move on when the site they cover is repaired."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        arrays: NetworkArrays,
        region_cell_sites: dict[str, np.ndarray],
    ):
        self.env, self.state, self.arrays = env, state, arrays
        self.region_cell_sites = region_cell_sites  # region -> its cell sites
        self.unit_of: dict[int, CellOnWheels] = {}  # covered site -> its redeployable unit
        state.on_cover_end = self._released

    def cover(self, stopgap: CellOnWheels, units: int) -> None:
        """Cover up to ``units`` failed, uncovered cell sites of the stopgap's region.

        Most users first (ties by file order).

        Parameters
        ----------
        stopgap : CellOnWheels
            The cells-on-wheels entry (its region, and whether units redeploy).
        units : int
            How many sites to cover at most.
        """
        state = self.state
        cells = self.region_cell_sites[stopgap.region]
        wanted = cells[~state.up[cells]]
        chosen = wanted[np.argsort(-self.arrays.population[wanted], kind="stable")][:units]
        for node in chosen.tolist():
            if stopgap.redeploy:
                self.unit_of[node] = stopgap
            state.cover(self.env.now, node, f"stopgap {stopgap.type} in {stopgap.region}")

    def _released(self, t_h: float, site: int) -> None:
        stopgap = self.unit_of.pop(site, None)
        if stopgap is None:  # units without redeploy leave silently, as they always did
            return
        cause = f"stopgap cell_on_wheels released: {self.arrays.asset_ids[site]} repaired"
        self.state.log.record(t_h, site, STOPGAP_RELEASED, cause)
        self.env.process(self._redeploy(stopgap))

    def _redeploy(self, stopgap: CellOnWheels):
        """Process: after the move, cover the neediest failed site of the region."""
        yield self.env.timeout(stopgap.redeploy_h)
        self.cover(stopgap, 1)
