"""Threat `sabotage`: coordinated physical cuts at one moment (threats layer).

From :class:`~resilience_sim.scenario.threat_specs.sabotage.Sabotage` to a
:class:`~resilience_sim.hazards.base.Damage`: the named assets, every link of the named
cable systems and the links a min-cut attacker picks (:mod:`resilience_sim.threats.mincut`,
on the undamaged network, cached per study) are attacked together at ``at_h``. Each
attack succeeds with ``success_probability / hardening_factor`` (capped at 1; buried or
armoured cable, guarded stations). Successful cuts need a repair job (a cable ship for
submarine cables, when the scenario has ships), or end after ``duration_h`` if given.

Draw pattern: one uniform per attacked asset, in asset order.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.scenario.threat_specs.sabotage import Sabotage
from resilience_sim.threats.graph import intact
from resilience_sim.threats.mincut import min_cut_attack
from resilience_sim.threats.success import success_probability
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def sample_sabotage(
    hazard: Sabotage,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Sample which of the sabotaged assets go down; see the module docstring.

    Parameters
    ----------
    hazard : Sabotage
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
    Damage
        The outages.
    """
    targets = per_hazard(
        arrays, hazard, "sabotage.targets", lambda: sabotage_targets(hazard, topology, arrays)
    )
    hit = rng.random(len(targets)) < success_probability(
        hazard.success_probability, arrays.hardening_factor[targets]
    )
    return Damage.uniform(targets[hit], hazard.at_h, hazard.duration_h, cause)


def sabotage_targets(hazard: Sabotage, topology: Topology, arrays: NetworkArrays) -> np.ndarray:
    """Asset indices attacked (sorted, unique): named, cable systems and the min cut.

    Parameters
    ----------
    hazard : Sabotage
        The threat's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        Asset indices.
    """
    n = arrays.n_nodes
    parts = [arrays.indices_of(hazard.assets)]
    if hazard.cable_systems:
        systems = set(hazard.cable_systems)
        parts.append(
            np.array(
                [n + j for j, link in enumerate(topology.links) if link.cable_system in systems],
                dtype=np.int64,
            )
        )
    if hazard.min_cut is not None:
        attack = hazard.min_cut
        anchors = arrays.is_international if attack.cut_from == "international" else arrays.is_core
        cuttable = np.ones(arrays.n_links, dtype=bool)
        if attack.kinds is not None:
            cuttable = np.isin(arrays.asset_kinds[n:], [k.value for k in attack.kinds])
        cut = min_cut_attack(arrays, intact(arrays), anchors, attack.budget_links, cuttable)
        parts.append(n + cut)
    return np.unique(np.concatenate(parts)).astype(np.int64)
