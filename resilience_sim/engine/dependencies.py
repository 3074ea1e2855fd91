"""Declared dependencies between assets, resolved to a fixed point.

An asset works when it is physically up and every asset it depends on works.
Among all assignments consistent with that rule we take the greatest one (as
many assets working as possible), so two mutually dependent assets both fail
when one is damaged and both return when it is repaired (interdependent
networks). Only the assets that take part in a dependency are iterated.
"""

from __future__ import annotations

import numpy as np


class DependencyGraph:
    """Dependency edges ``src depends on dst`` over asset indices."""

    def __init__(self, src: np.ndarray, dst: np.ndarray, n_assets: int):
        involved = np.unique(np.concatenate([src, dst])) if len(src) else np.empty(0, np.int64)
        self.involved = involved  # asset indices in any dependency, sorted
        self.is_involved = np.zeros(n_assets, dtype=bool)
        self.is_involved[involved] = True
        local = {int(a): i for i, a in enumerate(involved)}
        self.src_local = np.array([local[int(a)] for a in src], dtype=np.int64)
        self.dst_local = np.array([local[int(b)] for b in dst], dtype=np.int64)

    def __bool__(self) -> bool:
        return len(self.src_local) > 0

    def working(self, physically_up: np.ndarray) -> np.ndarray:
        """Greatest fixed point over the involved assets, as a bool array of their length.

        O(n_edges x longest failure chain).

        Parameters
        ----------
        physically_up : numpy.ndarray
            ``(len(involved),)`` bool, the involved assets' physical state (same order as
            ``involved``); not modified.

        Returns
        -------
        numpy.ndarray
            ``(len(involved),)`` bool, True where the asset works.
        """
        up = physically_up.copy()
        while True:
            broken = up[self.src_local] & ~up[self.dst_local]
            if not broken.any():
                return up
            up[self.src_local[broken]] = False

    def blocking_dependency(self, up_local: np.ndarray, asset_local: int) -> int:
        """Local index of a dependency of ``asset_local`` that is down (-1 if none).

        Parameters
        ----------
        up_local : numpy.ndarray
            ``(len(involved),)`` bool, working state of the involved assets.
        asset_local : int
            The asset, as an index into ``involved``.

        Returns
        -------
        int
            Index into ``involved`` of the first down dependency (edge order), or -1.
        """
        mine = self.src_local == asset_local
        down = self.dst_local[mine][~up_local[self.dst_local[mine]]]
        return int(down[0]) if len(down) else -1
