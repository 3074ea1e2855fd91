"""Continuous-time SIR epidemic on a contact graph (threats layer: the malware model).

Each infected device infects each adjacent susceptible one at rate ``beta`` (1/h) and is
patched (removed: cleaned and immune) at rate ``gamma`` (1/h) once patching is available
(from ``patch_from_h``; before that nobody recovers). This Markov process is simulated
exactly, not on a time step, as a first-passage problem: draw for every device its
infectious period and for every directed contact ``i -> j`` a transmission delay
``Exp(beta)``; then ``j`` is infected at the earliest ``t_i + delay_ij`` over its
neighbours ``i`` that are still infectious then (``t_i + delay_ij < removal_i``). By the
memoryless property this has the law of the Gillespie simulation (each clock is
independent and only the first one to ring on ``j`` matters), and it is a shortest-path
problem whose arc rule is FIFO (an earlier infection never leaves a later departure), so
Dijkstra's label-setting order is exact. Removal: ``max(t_i, patch_from_h) + Exp(gamma)``.

Cost: ``O(n_contacts log n_devices)`` in a Python heap loop, about 3 ms for 1,000
devices with 4,000 directed contacts on the 2-core test machine.

Draw pattern (fixed by the graph, not by the outcome): one exponential per device
(infectious period), then one per directed contact in CSR order.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix


@dataclass(frozen=True)
class Epidemic:
    """Infection and removal times per device, hours; ``inf`` for never infected."""

    infected_h: np.ndarray
    removed_h: np.ndarray

    @property
    def ever_infected(self) -> np.ndarray:
        """``(n_devices,)`` bool: the device was infected at some time."""
        return np.isfinite(self.infected_h)

    def curve(self, t_h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Numbers susceptible, infected and removed at each time of ``t_h``.

        Parameters
        ----------
        t_h : numpy.ndarray
            Times, hours.

        Returns
        -------
        tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]
            ``(susceptible, infected, removed)`` counts, each ``(len(t_h),)``.
        """
        t = np.asarray(t_h, dtype=float)[:, None]
        infected = (self.infected_h[None, :] <= t).sum(axis=1)
        removed = (self.removed_h[None, :] <= t).sum(axis=1)
        n = len(self.infected_h)
        return n - infected, infected - removed, removed


def simulate_sir(
    contacts: csr_matrix,
    initial: np.ndarray,
    start_h: float,
    infection_rate_per_h: float,
    patch_rate_per_h: float,
    patch_from_h: float,
    rng: np.random.Generator,
) -> Epidemic:
    """Simulate the epidemic started by ``initial`` (device indices) at ``start_h``.

    ``contacts``: square ``(n_devices, n_devices)`` CSR matrix, symmetric for an undirected
    contact graph; nonzeros are the contacts. See the module docstring for the method.

    Parameters
    ----------
    contacts : csr_matrix
        ``(n_devices, n_devices)`` contact matrix.
    initial : numpy.ndarray
        Device indices infected at ``start_h``.
    start_h : float
        Start time, hours.
    infection_rate_per_h : float
        Infection rate per contact, per hour.
    patch_rate_per_h : float
        Patch (removal) rate per device, per hour.
    patch_from_h : float
        Time patching starts, hours.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).

    Returns
    -------
    Epidemic
        Infection and removal times of every device.
    """
    n = contacts.shape[0]
    period = rng.exponential(1.0 / patch_rate_per_h, size=n)
    delay = rng.exponential(1.0 / infection_rate_per_h, size=contacts.nnz)
    indptr, indices = contacts.indptr.tolist(), contacts.indices.tolist()
    delay_list = delay.tolist()
    infected = [np.inf] * n
    removed = [np.inf] * n
    done = [False] * n
    heap: list[tuple[float, int]] = []
    for i in np.unique(np.asarray(initial, dtype=np.int64)).tolist():
        infected[i] = float(start_h)
        heap.append((float(start_h), i))
    heapq.heapify(heap)
    while heap:
        t_i, i = heapq.heappop(heap)
        if done[i]:
            continue
        done[i] = True
        r_i = max(t_i, patch_from_h) + period[i]
        removed[i] = r_i
        for k in range(indptr[i], indptr[i + 1]):
            arrive = t_i + delay_list[k]
            j = indices[k]
            if arrive < r_i and arrive < infected[j]:
                infected[j] = arrive
                heapq.heappush(heap, (arrive, j))
    return Epidemic(np.asarray(infected, dtype=float), np.asarray(removed, dtype=float))
