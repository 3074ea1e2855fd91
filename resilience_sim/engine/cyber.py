"""Cyber effects that are not failures: capacity loss, route hijacks, crew impairment.

Engine layer, wired by :mod:`resilience_sim.engine.simulation`. The threat samplers
return these as records (:mod:`resilience_sim.hazards.base`); here they act on one
replication:

- :class:`~resilience_sim.hazards.base.CapacityLoss` (DDoS): a link keeps a share of its
  capacity from each onset for each duration; overlapping losses on a link multiply,
  and each change is a ``degrade`` event whose value is the remaining share;
- :class:`~resilience_sim.hazards.base.RouteHijack` (BGP): a region's international
  traffic is diverted from each onset for each duration (``hijack_start`` /
  ``hijack_end`` events on the region);
- :class:`~resilience_sim.hazards.base.CrewImpairment` (ransomware): crews of the named
  depots are slowed or blocked while an operations centre is down
  (:meth:`resilience_sim.engine.recovery.CrewDepots.dispatch`); depots are woken when
  it comes back.
"""

from __future__ import annotations

import numpy as np
import simpy

from resilience_sim.engine.recovery import CrewDepots
from resilience_sim.engine.state import DEGRADE, HIJACK_END, HIJACK_START, NetworkState
from resilience_sim.hazards.base import CapacityLoss, CrewImpairment, RouteHijack


class CyberEffects:
    """The non-failure cyber effects of one replication.

    ``n_nodes``/``n_assets``: links are assets ``n_nodes..n_assets-1``; region ``r``
    is the event subject ``n_assets + r``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        crews: CrewDepots,
        n_nodes: int,
        n_assets: int,
    ):
        self.env, self.state, self.crews = env, state, crews
        self.n_nodes, self.n_assets = n_nodes, n_assets
        self._capacity_factors: dict[int, list[float]] = {}

    # -- capacity loss -----------------------------------------------------------------

    def apply_capacity_loss(self, loss: CapacityLoss):
        """Process: scale link capacities at each onset, undo after each duration.

        Overlapping losses on a link multiply; each change is a DEGRADE event whose
        value is the link's remaining share of capacity.

        Parameters
        ----------
        loss : CapacityLoss
            Link assets, onsets (h), durations (h) and remaining shares of capacity
            (0..1, clipped).

        Yields
        ------
        simpy.Timeout
            The waits until each onset (a SimPy process: run it with ``env.process``).
        """
        for k in np.argsort(loss.onset_h, kind="stable"):
            wait = loss.onset_h[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            link = int(loss.asset_idx[k]) - self.n_nodes
            frac = float(np.clip(loss.remaining_frac[k], 0.0, 1.0))
            self._scale_capacity(link, frac, loss.cause, remove=False)
            self.env.process(
                self._end_capacity_loss(link, frac, float(loss.duration_h[k]), loss.cause)
            )

    def _end_capacity_loss(self, link: int, frac: float, duration_h: float, cause: str):
        yield self.env.timeout(duration_h)
        self._scale_capacity(link, frac, f"{cause} ended", remove=True)

    def _scale_capacity(self, link: int, frac: float, cause: str, remove: bool) -> None:
        factors = self._capacity_factors.setdefault(link, [])
        if remove:
            factors.remove(frac)
        else:
            factors.append(frac)
        remaining = float(np.prod(factors)) if factors else 1.0
        self.state.log.record(self.env.now, self.n_nodes + link, DEGRADE, cause, value=remaining)

    # -- route hijack ------------------------------------------------------------------

    def apply_hijack(self, hijack: RouteHijack):
        """Process: divert each region's international traffic for its duration.

        Parameters
        ----------
        hijack : RouteHijack
            Region indices, onsets (h) and durations (h); each gives a HIJACK_START and a
            HIJACK_END event on the region's subject ``n_assets + region``.

        Yields
        ------
        simpy.Timeout
            The waits until each onset (a SimPy process: run it with ``env.process``).
        """
        for k in np.argsort(hijack.onset_h, kind="stable"):
            wait = hijack.onset_h[k] - self.env.now
            if wait > 0:
                yield self.env.timeout(wait)
            subject = self.n_assets + int(hijack.region_idx[k])
            self.state.log.record(self.env.now, subject, HIJACK_START, hijack.cause)
            self.env.process(self._end_hijack(subject, float(hijack.duration_h[k]), hijack.cause))

    def _end_hijack(self, subject: int, duration_h: float, cause: str):
        yield self.env.timeout(duration_h)
        self.state.log.record(self.env.now, subject, HIJACK_END, f"{cause} mitigated")

    # -- crew impairment ---------------------------------------------------------------

    def add_crew_impairment(self, impairment: CrewImpairment) -> None:
        """Crews of the named depots are slowed or blocked while the centre is down.

        Parameters
        ----------
        impairment : CrewImpairment
            The operations centre (asset index), the depots and how much they are slowed;
            the depots are woken when the centre comes back up.
        """
        self.crews.impairments.append(impairment)
        centre = impairment.centre_idx
        self.state.listeners.append(
            lambda t_h, asset, up: self.crews.wake_all() if asset == centre and up else None
        )


__all__ = ["CyberEffects"]
