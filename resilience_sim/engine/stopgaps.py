"""Stopgap retirement: releasable satellite terminals and redeployed cells on wheels.

Engine layer, wired by :mod:`resilience_sim.engine.simulation`. The policy (also in
docs/cascades.md#stopgaps):

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

import numpy as np
import simpy

from resilience_sim.engine.fast_service import component_labels
from resilience_sim.engine.state import STOPGAP_RELEASED, NetworkState
from resilience_sim.scenario.recovery import CellOnWheels, SatelliteGateway, stopgap_link_id
from resilience_sim.topology.compile import NetworkArrays


class SatelliteTerminals:
    """The releasable satellite terminals of one replication."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        arrays: NetworkArrays,
        terminals: list[tuple[int, SatelliteGateway]],
    ):
        self.env, self.state, self.arrays = env, state, arrays
        self.specs = [spec for _, spec in terminals]
        self.sites = [arrays.indices_of(spec.sites) for spec in self.specs]
        self.links = [
            arrays.indices_of([stopgap_link_id(i, s) for s in spec.sites]) for i, spec in terminals
        ]
        self.at = [-1] * len(terminals)  # index into sites where it works; -1 none
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

    def __init__(self, env: simpy.Environment, state: NetworkState, arrays: NetworkArrays):
        self.env, self.state, self.arrays = env, state, arrays
        self.unit_of: dict[int, CellOnWheels] = {}  # covered site -> its redeployable unit
        state.on_cover_end = self._released

    def cover(self, stopgap: CellOnWheels, units: int) -> None:
        """Cover up to ``units`` failed, uncovered cell sites of the stopgap's region, most
        users first (ties by file order)."""
        a, state = self.arrays, self.state
        region = a.region_names.index(stopgap.region)
        in_region = np.flatnonzero(a.region_of_node == region)
        wanted = in_region[(a.asset_kinds[in_region] == "cell_site") & ~state.up[in_region]]
        chosen = wanted[np.argsort(-a.population[wanted], kind="stable")][:units]
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
