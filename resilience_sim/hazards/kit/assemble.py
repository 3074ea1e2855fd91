"""Assemble a hazard's Damage record from parts (hazards layer).

A hazard that produces several kinds of damage (sites destroyed, links off the air
for a while, located cable faults) collects each part here and builds one
:class:`~resilience_sim.hazards.base.Damage` for the engine.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import NOT_GRADED, Damage
from resilience_sim.hazards.kit.graded import duration_quantile
from resilience_sim.scenario.distributions import Duration


def repair_hours(duration: Duration | None, u: np.ndarray) -> np.ndarray:
    """Repair hours at uniforms ``u`` (inverse CDF); NaN (engine default) if no duration."""
    u = np.asarray(u, dtype=float)
    return np.full(u.shape, np.nan) if duration is None else duration_quantile(duration, u)


class DamageBuilder:
    """Collects damage entries (arrays or scalars, broadcast) and builds one Damage."""

    _FIELDS = (
        "asset_idx",
        "onset_h",
        "duration_h",
        "damage_state",
        "repair_h",
        "fault_lat",
        "fault_lon",
    )

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name in self._FIELDS}

    def add(
        self,
        asset_idx,
        onset_h,
        *,
        duration_h=np.nan,
        damage_state=NOT_GRADED,
        repair_h=np.nan,
        fault_lat=np.nan,
        fault_lon=np.nan,
    ) -> None:
        """Add entries; every argument broadcasts to the shape of ``asset_idx``."""
        idx = np.atleast_1d(np.asarray(asset_idx, dtype=np.int64))
        values = (idx, onset_h, duration_h, damage_state, repair_h, fault_lat, fault_lon)
        for name, value in zip(self._FIELDS, values, strict=True):
            self._parts[name].append(np.broadcast_to(np.asarray(value), idx.shape).copy())

    def build(self, cause: str) -> Damage:
        if not self._parts["asset_idx"]:
            return Damage.empty(cause)
        cat = {name: np.concatenate(parts) for name, parts in self._parts.items()}
        cat["damage_state"] = cat["damage_state"].astype(np.int8)
        return Damage(cause=cause, **cat)


__all__ = ["DamageBuilder", "repair_hours"]
