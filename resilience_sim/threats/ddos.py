"""Threat `ddos`: attack traffic eats the capacity of the links into target nodes (threats layer).

From :class:`~resilience_sim.scenario.threat_specs.ddos.Ddos` to
:class:`~resilience_sim.hazards.base.CapacityLoss` records. For each target node, the
attacked links are its links in the undamaged network (or those of ``links`` that touch
it). The attack volume ``A`` (Gbit/s) is spread over them in proportion to their capacity,
so each keeps the same share of its capacity,

    remaining_frac = max(0, 1 - A / C),   C = total capacity of the attacked links, Gbit/s,

from ``at_h``. With mitigation, from ``at_h + detection_delay_h`` only
``A x (1 - filtered_share)`` gets through and the share rises accordingly; at
``at_h + duration_h`` the attack ends. So a link gets up to two consecutive,
non-overlapping records (before and after mitigation; none where nothing is lost).
A link between two targets gets a record from each; the engine multiplies overlapping
losses (both ends are flooded).

The links stay up: reachability is unchanged; the service model's capacity measures drop
where demand exceeds what is left. Node switching capacity (``node.capacity_gbps``) is not
used: the service model routes on link capacity. Deterministic: no random draw.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import CapacityLoss
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.scenario.threat_specs.ddos import Ddos
from resilience_sim.threats.graph import incident_links, intact
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def sample_ddos(
    hazard: Ddos,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> CapacityLoss:
    """The capacity losses of a DDoS attack; see the module docstring.

    Parameters
    ----------
    hazard : Ddos
        The threat's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    CapacityLoss
        The capacity-loss records.
    """
    return per_hazard(arrays, hazard, "ddos.losses", lambda: ddos_losses(hazard, arrays, cause))


def attacked_links(hazard: Ddos, arrays: NetworkArrays) -> list[tuple[int, np.ndarray]]:
    """``(target node index, link positions attacked there)`` for every target node.

    Parameters
    ----------
    hazard : Ddos
        The threat's scenario entry.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    list[tuple[int, numpy.ndarray]]
        One ``(node index, link positions)`` per target.
    """
    n = arrays.n_nodes
    targets = set(arrays.indices_of(hazard.targets).tolist())
    if hazard.kinds:
        kinds = [k.value for k in hazard.kinds]
        targets |= set(np.flatnonzero(np.isin(arrays.asset_kinds[:n], kinds)).tolist())
    nodes = np.asarray(sorted(targets), dtype=np.int64)
    links, owner = incident_links(arrays, nodes, intact(arrays))
    if hazard.links:
        keep = np.isin(links + n, arrays.indices_of(hazard.links))
        links, owner = links[keep], owner[keep]
    return [(int(node), links[owner == i]) for i, node in enumerate(nodes)]


def ddos_losses(hazard: Ddos, arrays: NetworkArrays, cause: str) -> CapacityLoss:
    """Build the CapacityLoss records (two phases at most per attacked link).

    Parameters
    ----------
    hazard : Ddos
        The threat's scenario entry.
    arrays : NetworkArrays
        The compiled network.
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    CapacityLoss
        The capacity-loss records.
    """
    start, end = hazard.at_h, hazard.at_h + hazard.duration_h
    phases = [(start, end, hazard.attack_gbps)]
    if hazard.mitigation is not None:
        switch = min(end, start + hazard.mitigation.detection_delay_h)
        residual = hazard.attack_gbps * (1.0 - hazard.mitigation.filtered_share)
        phases = [(start, switch, hazard.attack_gbps), (switch, end, residual)]
    links, onset, duration, remaining = [], [], [], []
    for _, positions in attacked_links(hazard, arrays):
        capacity = float(arrays.link_capacity_gbps[positions].sum())
        if capacity <= 0:
            continue
        for t0, t1, attack_gbps in phases:
            frac = max(0.0, 1.0 - attack_gbps / capacity)
            if t1 <= t0 or frac >= 1.0:
                continue
            links.append(positions + arrays.n_nodes)
            onset.append(np.full(len(positions), t0))
            duration.append(np.full(len(positions), t1 - t0))
            remaining.append(np.full(len(positions), frac))
    return CapacityLoss(
        asset_idx=_cat(links, np.int64),
        onset_h=_cat(onset, float),
        duration_h=_cat(duration, float),
        remaining_frac=_cat(remaining, float),
        cause=cause,
    )


def _cat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype=dtype)
