"""What every hazard returns: damage per asset, which the engine then applies.

Hazards never import the engine. A hazard is a pure function
``(hazard parameters, topology arrays, rng) -> Damage``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Damage:
    """Assets a hazard takes down, with when and for how long.

    ``asset_idx``, ``onset_h`` and ``duration_h`` have shape ``(n_damaged,)``.
    ``duration_h`` is NaN where the asset is damaged and needs a crew repair, finite
    where it comes back by itself after that many hours. ``cause`` labels every event.
    """

    asset_idx: np.ndarray
    onset_h: np.ndarray
    duration_h: np.ndarray
    cause: str

    @classmethod
    def uniform(
        cls, asset_idx: np.ndarray, at_h: float, duration_h: float | None, cause: str
    ) -> Damage:
        """Damage striking every asset in ``asset_idx`` at the same time."""
        asset_idx = np.asarray(asset_idx, dtype=np.int64)
        n = len(asset_idx)
        return cls(
            asset_idx=asset_idx,
            onset_h=np.full(n, float(at_h)),
            duration_h=np.full(n, np.nan if duration_h is None else float(duration_h)),
            cause=cause,
        )

    def __len__(self) -> int:
        return len(self.asset_idx)
