"""Hazard `power_grid_outage`: mains power lost in grid regions or at substations.

Pipeline place: scenario (``PowerGridOutage``) + topology arrays -> this module ->
records the engine applies; no crew is involved, the utility restores supply:

- each named grid region -> one :class:`GridOutage` entry: the engine's power model
  (``resilience_sim.engine.power``) cuts mains to every node fed from that region
  (sites run on battery and generator, then go down; a substation fed from the region
  goes down and cascades to the nodes it feeds) and re-energises the region when the
  outage ends;
- each named substation -> a self-restoring :class:`Damage` entry on that node; the
  power model cascades it to the nodes it feeds in the same way.

Draw pattern: one uniform per grid region of the topology (in ``arrays.grid_regions``
order), then one per node, whatever is named; each outage lasts the ``restore_h``
quantile of its uniform (inverse CDF) of ``restore_by_region`` for it, else of
``restore_h``, so a region is restored as one piece. With ``stages``, one more uniform per
node (drawn after those, for every node) puts each site of a region into a stage by the
stages' shares; the stage's sites get mains back at its ``factor`` x the region's time (one
``GridOutage`` entry per region and stage, with its nodes).
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import Damage, GridOutage
from resilience_sim.hazards.kit.assemble import DamageBuilder
from resilience_sim.hazards.kit.durations import duration_quantile, share_band
from resilience_sim.scenario.hazard_specs.power_grid_outage import PowerGridOutage
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology


def sample_power_grid_outage(
    hazard: PowerGridOutage,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> tuple[GridOutage, Damage]:
    """The grid-region outages and the substation outages of one hazard, with durations.

    Parameters
    ----------
    hazard : PowerGridOutage
        The hazard's scenario entry.
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
    tuple[GridOutage, Damage]
        The grid outages and substation outages.
    """
    u_region = rng.random(len(arrays.grid_regions))
    u_node = rng.random(arrays.n_nodes)
    region_index = {name: r for r, name in enumerate(arrays.grid_regions)}
    regions = np.array([region_index[name] for name in hazard.grid_regions], dtype=np.int64)
    nodes = np.array([topology.node_index[s] for s in hazard.substations], dtype=np.int64)
    duration_h = np.array(
        [
            duration_quantile(hazard.restore_by_region.get(name, hazard.restore_h), u)[()]
            for name, u in zip(hazard.grid_regions, u_region[regions], strict=True)
        ],
        dtype=float,
    )
    if hazard.stages:
        grid = staged_outage(hazard, arrays, regions, duration_h, rng.random(arrays.n_nodes), cause)
    else:
        grid = GridOutage(
            region_idx=regions,
            onset_h=np.full(len(regions), hazard.at_h),
            duration_h=duration_h,
            cause=cause,
        )
    substations = DamageBuilder()
    substations.add(
        nodes, hazard.at_h, duration_h=duration_quantile(hazard.restore_h, u_node[nodes])
    )
    return grid, substations.build(cause)


def staged_outage(
    hazard: PowerGridOutage,
    arrays: NetworkArrays,
    regions: np.ndarray,
    duration_h: np.ndarray,
    u_stage: np.ndarray,
    cause: str,
) -> GridOutage:
    """One entry per (region, stage): the region's sites whose ``u_stage`` falls in the
    stage's band of shares, restored at the stage's factor x the region's ``duration_h``.

    Parameters
    ----------
    hazard : PowerGridOutage
        The hazard's scenario entry.
    arrays : NetworkArrays
        The compiled network.
    regions : numpy.ndarray
        Grid-region indices (as in ``arrays.power_feed_region``) that lose power.
    duration_h : numpy.ndarray
        Outage of each region, hours.
    u_stage : numpy.ndarray
        ``(n_nodes,)`` uniforms, 0..1.
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    GridOutage
        The staged outages.
    """
    stage_of = share_band([stage.share for stage in hazard.stages], u_stage)
    region_idx, nodes, durations = [], [], []
    for region, hours in zip(regions.tolist(), duration_h.tolist(), strict=True):
        members = np.flatnonzero(arrays.power_feed_region == region)
        for j, stage in enumerate(hazard.stages):
            region_idx.append(region)
            nodes.append(members[stage_of[members] == j])
            durations.append(stage.factor * hours)
    return GridOutage(
        region_idx=np.asarray(region_idx, dtype=np.int64),
        onset_h=np.full(len(region_idx), hazard.at_h),
        duration_h=np.asarray(durations, dtype=float),
        cause=cause,
        nodes=tuple(nodes),
    )
