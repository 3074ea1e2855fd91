"""Cable-fault catalogues: faults at a rate per 1,000 km of cable per year.

Experiments layer, catalogue step. Faults on the exposed cables form a Poisson process
of rate ``faults_per_1000km_year * L / 1000`` per year (``L`` the exposed length, km);
each fault falls on a cable with probability proportional to its length and at a
uniform position along it (the link's ``length_km``, its route, or its end points).
Each fault is one event: a ``cable_fault`` hazard with one located fault.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.errors import InputError
from resilience_sim.experiments.catalogue.spec import CableFaultSource
from resilience_sim.topology.model import Topology


def exposed_cables(
    source: CableFaultSource, topology: Topology, file: str, where: str
) -> tuple[list[str], np.ndarray]:
    """Ids and lengths (km) of the cables the source applies to.

    Parameters
    ----------
    source : CableFaultSource
        The cable-fault source.
    topology : Topology
        The network.
    file : str
        The file named in errors (``FILE: field: message``).
    where : str
        The source's field in errors.

    Returns
    -------
    tuple[list[str], numpy.ndarray]
        ``(cable ids, lengths km)``.
    """
    ids = topology.link_column("id")
    kinds = topology.link_column("kind")
    wanted = set(source.links) if source.links is not None else None
    if wanted is not None:
        missing = sorted(wanted - set(ids))
        if missing:
            raise InputError.single(
                file, f"{where}.links", f"no link {', '.join(map(repr, missing))} in topology"
            )
    chosen, lengths = [], []
    for link_id, kind in zip(ids, kinds, strict=True):
        if (wanted is None and kind in source.kinds) or (wanted is not None and link_id in wanted):
            length = topology.link_length_km(topology.link(link_id))
            if length:
                chosen.append(link_id)
                lengths.append(length)
    if not chosen:
        raise InputError.single(
            file, where, "no exposed cable with a known length in the topology (kinds or links)"
        )
    return chosen, np.asarray(lengths, dtype=float)


def sample_cable_fault_events(
    source: CableFaultSource,
    cables: list[str],
    lengths_km: np.ndarray,
    rng: np.random.Generator,
    years: int,
) -> list[tuple[int, dict]]:
    """``(year, cable_fault hazard fields)`` for every fault in ``years`` years.

    Parameters
    ----------
    source : CableFaultSource
        The cable-fault source.
    cables : list[str]
        Cable ids.
    lengths_km : numpy.ndarray
        ``(n_cables,)`` lengths, km.
    rng : numpy.random.Generator
        The source's stream.
    years : int
        Simulated years.

    Returns
    -------
    list[tuple[int, dict]]
        ``(year, hazard fields)`` per fault.
    """
    rate = source.faults_per_1000km_year * float(lengths_km.sum()) / 1000.0
    counts = rng.poisson(rate, size=years)
    n = int(counts.sum())
    year = np.repeat(np.arange(years), counts)
    cable = rng.choice(len(cables), size=n, p=lengths_km / lengths_km.sum())
    at_km = lengths_km[cable] * rng.random(n)
    return [
        (
            int(year[i]),
            {
                "type": "cable_fault",
                "label": f"{source.name}: {cables[cable[i]]}",
                "faults": [{"cable": cables[cable[i]], "at_km": round(float(at_km[i]), 3)}],
            },
        )
        for i in range(n)
    ]
