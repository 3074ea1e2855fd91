"""NetworkState: physical reasons per asset, the effective state, and the one recorder.

Physical reasons hold an asset down: open repair jobs (one per fault), self-
restoring outages and loss of power after the battery ran out. The effective
state adds declared dependencies (see :mod:`resilience_sim.engine.dependencies`).
Only transitions of the effective state are recorded, each with its cause chain,
and listeners (the power model) hear about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from resilience_sim.engine.dependencies import DependencyGraph

FAIL = 0
REPAIR = 1
DEGRADE = 2  # a link's capacity changes; value = remaining share of its capacity
HIJACK_START = 3  # a region's international traffic is diverted (subject = a region)
HIJACK_END = 4
# a stopgap leaves: a satellite link of a stopgap goes off the air (down, in replay); on a
# site a cell on wheels covered it only marks the end of the cover (its repair decides)
STOPGAP_RELEASED = 5
EVENT_NAMES = ("fail", "repair", "degrade", "hijack_start", "hijack_end", "stopgap_released")

# Why a down interval began (the ``cause_class`` column of the events table). Set on fail
# events and repeated on the repair event that ends the interval; "" on the other events.
STRUCTURAL = "structural"  # damage that needs a repair job, or a hazard's outage
POWER = "power"  # mains lost and the backup (battery, generator fuel) ran out
UPSTREAM = "upstream"  # a declared dependency failed (backhaul, core, operations centre)
CYBER = "cyber"  # cyberattacks (malware, ransomware, targeted removal)
CONGESTION = "congestion"  # overload trips
CAUSE_CLASSES = (STRUCTURAL, POWER, UPSTREAM, CYBER, CONGESTION)

Listener = Callable[[float, int, bool], None]  # (t_h, asset, is_up_now)


@dataclass
class EventLog:
    """Flat record of state changes, in the order they happened."""

    time_h: list[float] = field(default_factory=list)
    asset_idx: list[int] = field(default_factory=list)
    event: list[int] = field(default_factory=list)  # FAIL or REPAIR
    cause: list[str] = field(default_factory=list)
    propagated: list[bool] = field(default_factory=list)  # fail caused by another asset
    value: list[float] = field(default_factory=list)  # DEGRADE: remaining capacity share
    cause_class: list[str] = field(default_factory=list)  # one of CAUSE_CLASSES, or ""

    def record(
        self,
        t_h: float,
        asset: int,
        event: int,
        cause: str,
        propagated: bool = False,
        value: float = float("nan"),
        cause_class: str = "",
    ) -> None:
        """Append one event. ``asset`` is an asset index, or n_assets + region index for
        the region events (HIJACK_*)."""
        self.time_h.append(float(t_h))
        self.asset_idx.append(int(asset))
        self.event.append(event)
        self.cause.append(cause)
        self.propagated.append(propagated)
        self.value.append(float(value))
        self.cause_class.append(cause_class)

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            np.asarray(self.time_h, dtype=float),
            np.asarray(self.asset_idx, dtype=np.int64),
            np.asarray(self.event, dtype=np.int8),
        )

    def values(self) -> np.ndarray:
        return np.asarray(self.value, dtype=float)

    def __len__(self) -> int:
        return len(self.time_h)


class NetworkState:
    """Physical down-counts, open jobs and the effective up/down state of every asset."""

    def __init__(self, n_assets: int, log: EventLog, dependencies: DependencyGraph | None = None):
        self.down_count = np.zeros(n_assets, dtype=np.int32)
        self.open_jobs = np.zeros(n_assets, dtype=np.int32)
        self.up = np.ones(n_assets, dtype=bool)  # effective state
        self.covered = np.zeros(n_assets, dtype=bool)  # taken over by a stopgap
        self.disconnected = np.zeros(n_assets, dtype=bool)  # cut off (engine/disconnection)
        self.on_physical_change: Callable[[], None] | None = None
        self.on_cover_end: Callable[[float, int], None] | None = None  # (t_h, asset)
        self.cause = [""] * n_assets  # why each asset is (or was last) down
        self.cause_class = [""] * n_assets  # the class of that cause (CAUSE_CLASSES)
        self.log = log
        self.deps = dependencies if dependencies else None
        self.listeners: list[Listener] = []
        self.names: np.ndarray | None = None  # asset ids, for cause chains

    def is_up(self, asset: int) -> bool:
        return bool(self.up[asset])

    # -- physical reasons -------------------------------------------------------------

    def take_down(
        self,
        t_h: float,
        asset: int,
        cause: str,
        propagated: bool = False,
        cause_class: str = STRUCTURAL,
    ) -> None:
        """Add one reason holding ``asset`` down (``propagated``: caused by another asset).

        The first reason gives the down interval its ``cause_class``."""
        self.down_count[asset] += 1
        if self.down_count[asset] == 1:
            self.cause[asset] = cause
            self._settle(t_h, asset, cause, propagated, cause_class)

    def bring_up(self, t_h: float, asset: int, cause: str) -> None:
        """Lift one reason holding ``asset`` down."""
        self.down_count[asset] -= 1
        assert self.down_count[asset] >= 0, "more restorations than failures"
        if self.down_count[asset] == 0:
            self._settle(t_h, asset, cause)

    def hold_in_standby(self, assets: np.ndarray) -> None:
        """Start these assets (stopgaps not yet deployed) down, without recording it."""
        self.down_count[assets] += 1
        self.up[assets] = False

    def release_stopgap(self, t_h: float, asset: int, cause: str) -> None:
        """Take a deployed stopgap asset (a satellite link) off the air, back to standby."""
        self.down_count[asset] += 1
        if self.down_count[asset] == 1:
            self.cause[asset] = cause
            if self.on_physical_change is not None:
                self.on_physical_change()
            self._set(t_h, asset, False, cause, False, event=STOPGAP_RELEASED)

    def cover(self, t_h: float, asset: int, cause: str) -> None:
        """A stopgap takes over ``asset`` (cell on wheels): it works whatever holds it down,
        until its repair jobs are done."""
        self.covered[asset] = True
        self._settle(t_h, asset, cause)

    def damage(
        self,
        t_h: float,
        asset: int,
        cause: str,
        is_separate_fault: bool = False,
        propagated: bool = False,
        cause_class: str = STRUCTURAL,
    ) -> bool:
        """Damage an asset; return True if this needs a new repair job.

        A separate fault (a located cable fault) always does; otherwise damage to
        an asset that already awaits a repair changes nothing.
        """
        if self.open_jobs[asset] > 0 and not is_separate_fault:
            return False
        self.open_jobs[asset] += 1
        self.take_down(t_h, asset, cause, propagated, cause_class)
        return True

    def repair(self, t_h: float, asset: int, cause: str) -> None:
        """Close one repair job of ``asset``; it is up once nothing else holds it down."""
        self.open_jobs[asset] -= 1
        if self.open_jobs[asset] == 0:
            if self.covered[asset] and self.on_cover_end is not None:
                self.on_cover_end(t_h, asset)
            self.covered[asset] = False  # the stopgap leaves; nothing visible changes
        self.bring_up(t_h, asset, cause)

    # -- effective state ----------------------------------------------------------------

    def set_disconnected(self, t_h: float, asset: int, is_cut: bool, cause: str) -> None:
        """Hold ``asset`` down while it is cut off from its sources (or release it)."""
        self.disconnected[asset] = is_cut
        self._settle(t_h, asset, cause, propagated=is_cut, cause_class=UPSTREAM)

    def physically_up(self, assets: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Up but for dependencies: no reason holds it down, or a stopgap covers it."""
        return (self.down_count[assets] == 0) | self.covered[assets]

    def _settle(
        self,
        t_h: float,
        asset: int,
        cause: str,
        propagated: bool = False,
        cause_class: str = STRUCTURAL,
    ) -> None:
        """Recompute the effective state after ``asset``'s physical state changed."""
        if self.on_physical_change is not None:
            self.on_physical_change()
        if self.deps is None or not self.deps.is_involved[asset]:
            physically_up = (
                self.down_count[asset] == 0 or self.covered[asset]
            ) and not self.disconnected[asset]
            self._set(t_h, asset, bool(physically_up), cause, propagated, cause_class)
            return
        involved = self.deps.involved
        working = self.deps.working(self.physically_up(involved) & ~self.disconnected[involved])
        changed = np.flatnonzero(working != self.up[involved])
        # the asset itself first (its own cause), then what followed from it
        order = sorted(changed, key=lambda i: involved[i] != asset)
        for i in order:
            a = int(involved[i])
            if a == asset:
                self._set(t_h, a, bool(working[i]), cause, propagated, cause_class)
            elif working[i]:
                self._set(t_h, a, True, f"dependency restored ({cause})", propagated=True)
            else:
                blocker = int(involved[self.deps.blocking_dependency(working, i)])
                chain = f"depends on {self._name(blocker)} <- {self.cause[blocker]}"
                self._set(t_h, a, False, chain, propagated=True, cause_class=UPSTREAM)

    def _set(
        self,
        t_h: float,
        asset: int,
        up: bool,
        cause: str,
        propagated: bool,
        cause_class: str = STRUCTURAL,
        event: int | None = None,
    ) -> None:
        if bool(self.up[asset]) == up:  # bool(): numpy-bool == bool costs ~1 us
            return
        self.up[asset] = up
        if not up:
            self.cause[asset] = cause
            self.cause_class[asset] = cause_class
        code = event if event is not None else (REPAIR if up else FAIL)
        cause_class = self.cause_class[asset] if code in (FAIL, REPAIR) else ""
        self.log.record(t_h, asset, code, cause, propagated and not up, cause_class=cause_class)
        for listener in self.listeners:
            listener(t_h, asset, up)

    def _name(self, asset: int) -> str:
        return str(self.names[asset]) if self.names is not None else str(asset)
