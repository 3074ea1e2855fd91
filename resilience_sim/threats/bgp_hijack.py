"""Threat `bgp_hijack`: the regions' international traffic is diverted (threats layer).

From :class:`~resilience_sim.scenario.threat_specs.bgp_hijack.BgpHijack` to one
:class:`~resilience_sim.hazards.base.RouteHijack`: every named region loses international
service from ``at_h`` for ``duration_h`` hours (until the bogus route is withdrawn or
filtered); domestic service and the network itself are untouched. Prefixes are not
modelled: a region stands for the prefixes its users are numbered from. Deterministic.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import RouteHijack
from resilience_sim.scenario.threat_specs.bgp_hijack import BgpHijack
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def sample_bgp_hijack(
    hazard: BgpHijack,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> RouteHijack:
    """The regions that lose international service, and for how long.

    Parameters
    ----------
    hazard : BgpHijack
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
    RouteHijack
        The hijack record.
    """
    index = {name: i for i, name in enumerate(arrays.region_names)}
    regions = np.array(sorted({index[r] for r in hazard.regions}), dtype=np.int64)
    return RouteHijack(
        region_idx=regions,
        onset_h=np.full(len(regions), float(hazard.at_h)),
        duration_h=np.full(len(regions), float(hazard.duration_h)),
        cause=cause,
    )
