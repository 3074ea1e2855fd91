"""NetworkState: which assets are down, and the one recorder every state change goes through."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FAIL = 0
REPAIR = 1
EVENT_NAMES = ("fail", "repair")


@dataclass
class EventLog:
    """Flat record of state changes, in the order they happened."""

    time_h: list[float] = field(default_factory=list)
    asset_idx: list[int] = field(default_factory=list)
    event: list[int] = field(default_factory=list)  # FAIL or REPAIR
    cause: list[str] = field(default_factory=list)

    def record(self, t_h: float, asset: int, event: int, cause: str) -> None:
        self.time_h.append(float(t_h))
        self.asset_idx.append(int(asset))
        self.event.append(event)
        self.cause.append(cause)

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            np.asarray(self.time_h, dtype=float),
            np.asarray(self.asset_idx, dtype=np.int64),
            np.asarray(self.event, dtype=np.int8),
        )

    def __len__(self) -> int:
        return len(self.time_h)


class NetworkState:
    """Down-counts per asset; an asset is down while any reason holds it down.

    Reasons are open repair jobs (one per fault) and self-restoring outages (any
    number). Only transitions up->down and down->up are recorded.
    """

    def __init__(self, n_assets: int, log: EventLog):
        self.down_count = np.zeros(n_assets, dtype=np.int32)
        self.open_jobs = np.zeros(n_assets, dtype=np.int32)
        self.log = log

    def is_up(self, asset: int) -> bool:
        return self.down_count[asset] == 0

    def take_down(self, t_h: float, asset: int, cause: str) -> None:
        self.down_count[asset] += 1
        if self.down_count[asset] == 1:
            self.log.record(t_h, asset, FAIL, cause)

    def bring_up(self, t_h: float, asset: int, cause: str) -> None:
        self.down_count[asset] -= 1
        assert self.down_count[asset] >= 0, "more restorations than failures"
        if self.down_count[asset] == 0:
            self.log.record(t_h, asset, REPAIR, cause)

    def damage(self, t_h: float, asset: int, cause: str, is_separate_fault: bool = False) -> bool:
        """Damage an asset; return True if this needs a new repair job.

        A separate fault (a located cable fault) always does; otherwise damage to
        an asset that already awaits a repair changes nothing.
        """
        if self.open_jobs[asset] > 0 and not is_separate_fault:
            return False
        self.open_jobs[asset] += 1
        self.take_down(t_h, asset, cause)
        return True

    def repair(self, t_h: float, asset: int, cause: str) -> None:
        """Close one repair job of ``asset``; it is up once nothing else holds it down."""
        self.open_jobs[asset] -= 1
        self.bring_up(t_h, asset, cause)
