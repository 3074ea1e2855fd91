"""What every hazard returns: damage per asset, which the engine then applies.

Hazards never import the engine. A hazard is a pure function
``(hazard parameters, topology arrays, rng) -> Damage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Damage states, HAZUS vocabulary. NOT_GRADED is a plain failure from a hazard
# without a fragility model (asset_failure, regional_outage).
NOT_GRADED, SLIGHT, MODERATE, EXTENSIVE, COMPLETE = 0, 1, 2, 3, 4


def _nan(n: int) -> np.ndarray:
    return np.full(n, np.nan)


@dataclass(frozen=True)
class Damage:
    """Assets a hazard takes down, with when, how badly and for how long.

    Every array has shape ``(n_entries,)``; one entry is one failure of one asset:

    - ``asset_idx``: asset index (nodes, then links; see ``NetworkArrays``).
    - ``onset_h``: when it fails, hours from scenario start.
    - ``duration_h``: NaN where the asset is damaged and needs a repair job; finite
      where it comes back by itself after that many hours (no crew).
    - ``damage_state``: ``NOT_GRADED`` or ``SLIGHT`` .. ``COMPLETE``.
    - ``repair_h``: repair time on site, hours, already drawn by the hazard from its
      restoration function; NaN lets the engine draw it from the scenario's
      ``recovery.repair_h`` for the asset kind.
    - ``fault_lat``/``fault_lon``: where the repair happens (a fault on a cable);
      NaN means at the asset's own location.
    - ``fault_km``/``fault_depth_m``: km along the cable from its ``source`` end and
      water depth in m at the fault; NaN where unknown (cable ships use them for
      depth-dependent on-site time and for repairing nearby faults in one visit).
    - ``cause_class``: the class the engine gives the down intervals this record starts
      (``structural``, ``power``, ``cyber``; see ``resilience_sim.engine.state``); set by
      :func:`resilience_sim.hazards.sample_hazards` from the hazard or threat type.

    An asset is down while any of its entries is unrepaired or unexpired. An entry
    with a fault location is always its own repair job (a cable with three faults
    needs three repairs); an entry without one on an asset that already awaits a
    repair adds nothing (the site is already broken).
    """

    asset_idx: np.ndarray
    onset_h: np.ndarray
    duration_h: np.ndarray
    cause: str
    damage_state: np.ndarray = field(default=None)  # type: ignore[assignment]
    repair_h: np.ndarray = field(default=None)  # type: ignore[assignment]
    fault_lat: np.ndarray = field(default=None)  # type: ignore[assignment]
    fault_lon: np.ndarray = field(default=None)  # type: ignore[assignment]
    fault_km: np.ndarray = field(default=None)  # type: ignore[assignment]
    fault_depth_m: np.ndarray = field(default=None)  # type: ignore[assignment]
    cause_class: str = "structural"

    def __post_init__(self) -> None:
        n = len(self.asset_idx)
        object.__setattr__(self, "asset_idx", np.asarray(self.asset_idx, dtype=np.int64))
        object.__setattr__(self, "onset_h", np.asarray(self.onset_h, dtype=float))
        object.__setattr__(self, "duration_h", np.asarray(self.duration_h, dtype=float))
        defaults = {
            "damage_state": np.full(n, NOT_GRADED, dtype=np.int8),
            "repair_h": _nan(n),
            "fault_lat": _nan(n),
            "fault_lon": _nan(n),
            "fault_km": _nan(n),
            "fault_depth_m": _nan(n),
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            value = default if value is None else np.asarray(value, dtype=default.dtype)
            object.__setattr__(self, name, value)
        for name in ("onset_h", "duration_h", *defaults):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"Damage.{name} must have shape ({n},)")

    @classmethod
    def uniform(
        cls, asset_idx: np.ndarray, at_h: float, duration_h: float | None, cause: str
    ) -> Damage:
        """Damage striking every asset in ``asset_idx`` at the same time.

        Parameters
        ----------
        asset_idx : numpy.ndarray
            Asset indices.
        at_h : float
            Onset, hours from scenario start.
        duration_h : float or None
            Hours until the assets come back by themselves (None: they need repair).
        cause : str
            The cause label.

        Returns
        -------
        Damage
            The record.
        """
        asset_idx = np.asarray(asset_idx, dtype=np.int64)
        n = len(asset_idx)
        return cls(
            asset_idx=asset_idx,
            onset_h=np.full(n, float(at_h)),
            duration_h=np.full(n, np.nan if duration_h is None else float(duration_h)),
            cause=cause,
        )

    @classmethod
    def empty(cls, cause: str) -> Damage:
        """A record with no entries.

        Parameters
        ----------
        cause : str
            The cause label.

        Returns
        -------
        Damage
            The record.
        """
        return cls.uniform(np.empty(0, dtype=np.int64), 0.0, None, cause)

    def __len__(self) -> int:
        return len(self.asset_idx)

    def has_fault_location(self) -> np.ndarray:
        return ~np.isnan(self.fault_lat)


@dataclass(frozen=True)
class GridOutage:
    """Loss of mains power in grid regions (the names nodes use as ``power_feed``).

    Shapes ``(n,)``: ``region_idx`` indexes ``NetworkArrays.grid_regions``; the
    region is de-energised from ``onset_h`` for ``duration_h`` hours. Sites fed from
    it run on battery and generator, then fail (see ``resilience_sim.engine.power``).
    """

    region_idx: np.ndarray
    onset_h: np.ndarray
    duration_h: np.ndarray
    cause: str
    # per entry, the nodes of the region it covers (staged restoration); None: all of them
    nodes: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self.region_idx)


@dataclass(frozen=True)
class CapacityLoss:
    """Links keep only part of their capacity for a while (DDoS, ash fade, congestion).

    Shapes ``(n,)``: ``asset_idx`` are link assets; from ``onset_h`` for ``duration_h``
    hours each keeps ``remaining_frac`` (0..1) of its capacity. Overlapping losses on a
    link multiply. The link stays up: reachability is unchanged, capacity-aware service
    drops.
    """

    asset_idx: np.ndarray
    onset_h: np.ndarray
    duration_h: np.ndarray
    remaining_frac: np.ndarray
    cause: str

    def __len__(self) -> int:
        return len(self.asset_idx)


@dataclass(frozen=True)
class RouteHijack:
    """International traffic of the access nodes of some regions is diverted and lost
    (BGP hijack or route leak) from ``onset_h`` for ``duration_h`` hours.

    Shapes ``(n,)``; ``region_idx`` indexes ``NetworkArrays.region_names``.
    """

    region_idx: np.ndarray
    onset_h: np.ndarray
    duration_h: np.ndarray
    cause: str
    # per entry, the nodes of the region it covers (staged restoration); None: all of them
    nodes: tuple[np.ndarray, ...] | None = None

    def __len__(self) -> int:
        return len(self.region_idx)


@dataclass(frozen=True)
class CrewImpairment:
    """Crews work slower (or not at all) while an operations centre is down (ransomware).

    While asset ``centre_idx`` is down, repair jobs that start take ``slowdown`` times
    as long (``inf`` = no job starts until the centre is back). ``depots`` lists the
    crew depot ids affected (empty = all).
    """

    centre_idx: int
    slowdown: float
    depots: tuple[str, ...]
    cause: str

    def __len__(self) -> int:
        return 1
