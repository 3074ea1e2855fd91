"""Threat `ransomware`: an operations centre is encrypted (threats layer).

From :class:`~resilience_sim.scenario.threat_specs.ransomware.Ransomware` to two records:
a :class:`~resilience_sim.hazards.base.Damage` taking the centre down at ``at_h`` for a
restoration time drawn from ``restore_h`` (restored by its own staff from backups: no
field crew), and a :class:`~resilience_sim.hazards.base.CrewImpairment`: while the centre
is down, repair jobs started by the crews of ``depots`` (all if empty) take
``crew_slowdown`` times as long, or (``blocked``) none starts until the centre is back.

The centre's managed assets keep running (unless the topology declares them
``depends_on`` the centre, when the engine's dependency rule takes them down too); what
is lost is the ability to reconfigure and dispatch, i.e. the crews' work.

Draw pattern: one draw from ``restore_h``.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import CrewImpairment, Damage
from resilience_sim.scenario.threat_specs.ransomware import Ransomware
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def sample_ransomware(
    hazard: Ransomware,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> tuple[Damage, CrewImpairment]:
    """The centre's outage and the crews' impairment while it lasts.

    Parameters
    ----------
    hazard : Ransomware
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
    tuple[Damage, CrewImpairment]
        The centre's outage and the crews' impairment.
    """
    centre = arrays.asset_index[hazard.operations_centre]
    restore_h = hazard.restore_h.sample(rng)
    slowdown = np.inf if hazard.crew_slowdown == "blocked" else float(hazard.crew_slowdown)
    return (
        Damage.uniform(np.array([centre]), hazard.at_h, restore_h, cause),
        CrewImpairment(
            centre_idx=int(centre), slowdown=slowdown, depots=tuple(hazard.depots), cause=cause
        ),
    )
