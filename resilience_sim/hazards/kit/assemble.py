"""Assemble a hazard's Damage record from parts (hazards layer).

The one way a hazard sampler builds its :class:`~resilience_sim.hazards.base.Damage`:
add entries (arrays or scalars, broadcast) or whole records part by part (sites
destroyed, links off the air for a while, located cable faults), then ``build`` one
record for the engine. ``Damage.uniform`` / ``Damage.empty`` remain as shorthands for
one uniform batch and for nothing.
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import NOT_GRADED, Damage


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
        "fault_km",
        "fault_depth_m",
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
        fault_km=np.nan,
        fault_depth_m=np.nan,
    ) -> None:
        """Add entries; every argument broadcasts to the shape of ``asset_idx``.

        Parameters
        ----------
        asset_idx : array_like of int
            Asset indices.
        onset_h : float or array_like
            Onsets, hours.
        duration_h : float or array_like, default np.nan
            Self-clearing durations, hours (NaN: needs repair).
        damage_state : int or array_like, default NOT_GRADED
            Damage-state codes.
        repair_h : float or array_like, default np.nan
            Repair times, hours (NaN: the engine draws them).
        fault_lat, fault_lon : float or array_like, default np.nan
            Fault positions, decimal degrees (NaN: at the asset).
        fault_km : float or array_like, default np.nan
            Km along the cable from its source end.
        fault_depth_m : float or array_like, default np.nan
            Water depth at the fault, m.
        """
        idx = np.atleast_1d(np.asarray(asset_idx, dtype=np.int64))
        values = (
            idx,
            *(onset_h, duration_h, damage_state, repair_h),
            *(fault_lat, fault_lon, fault_km, fault_depth_m),
        )
        for name, value in zip(self._FIELDS, values, strict=True):
            self._parts[name].append(np.broadcast_to(np.asarray(value), idx.shape).copy())

    def extend(self, damage: Damage) -> None:
        """Add every entry of an existing record (its cause is replaced at ``build``).

        Parameters
        ----------
        damage : Damage
            The record.
        """
        for name in self._FIELDS:
            self._parts[name].append(np.asarray(getattr(damage, name)).copy())

    def build(self, cause: str) -> Damage:
        """The record of every entry added.

        Parameters
        ----------
        cause : str
            The cause label.

        Returns
        -------
        Damage
            The record.
        """
        if not self._parts["asset_idx"]:
            return Damage.empty(cause)
        cat = {name: np.concatenate(parts) for name, parts in self._parts.items()}
        cat["damage_state"] = cat["damage_state"].astype(np.int8)
        return Damage(cause=cause, **cat)


__all__ = ["DamageBuilder"]
