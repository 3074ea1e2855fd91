"""Per-topology cache of a hazard's deterministic geometry (hazards layer).

A hazard's footprint (which assets it reaches, at what distance, the fault rate of
every route piece) depends only on the hazard's parameters and the topology, not on
the replication. Samplers compute it once per study through :func:`per_hazard` and
then only draw. Entries live as long as the ``NetworkArrays`` they were built for.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from resilience_sim.topology.compile import NetworkArrays

T = TypeVar("T")

_CACHE: weakref.WeakKeyDictionary[NetworkArrays, dict[tuple[str, int], tuple[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)


def per_hazard(arrays: NetworkArrays, hazard: Any, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per (``arrays``, ``hazard`` object, ``name``), then the cached value.

    Hazard specs are frozen, so the same object always gives the same value; the entry
    holds the object, so its ``id`` cannot be reused while the entry exists.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network (the cache lives on it).
    hazard : Any
        The hazard spec.
    name : str
        What is cached.
    compute : Callable[[], T]
        Computes the value.

    Returns
    -------
    T
        The value.
    """
    per_arrays = _CACHE.setdefault(arrays, {})
    key = (name, id(hazard))
    hit = per_arrays.get(key)
    if hit is None or hit[0] is not hazard:
        hit = (hazard, compute())
        per_arrays[key] = hit
    return hit[1]
