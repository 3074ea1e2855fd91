"""NetworkState: physical reasons per asset, the effective state, and the one recorder.

Physical reasons hold an asset down: open repair jobs (one per fault), self-
restoring outages and loss of power after the battery ran out. The effective
state adds declared dependencies (see :mod:`resilience_sim.engine.dependencies`).
Only transitions of the effective state are recorded, each with its cause chain,
and listeners (the power model) hear about them.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from resilience_sim.engine.dependencies import DependencyGraph

if TYPE_CHECKING:  # engine.fuel imports this module
    from resilience_sim.engine.fuel import FuelLog

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
    """The engine's recorder: state changes appended in the order they happened.

    Lists while the replication runs (recording an event takes ~0.2 us, timeit);
    :meth:`to_arrays` turns the finished log into the one typed structure every later
    stage reads, :class:`EventArrays`.
    """

    time_h: list[float] = field(default_factory=list)
    asset_idx: list[int] = field(default_factory=list)
    event: list[int] = field(default_factory=list)  # FAIL or REPAIR
    cause: list[str] = field(default_factory=list)
    propagated: list[bool] = field(default_factory=list)  # fail caused by another asset
    value: list[float] = field(default_factory=list)  # DEGRADE: remaining capacity share
    cause_class: list[str] = field(default_factory=list)  # one of CAUSE_CLASSES, or ""
    # the replication's fuel trips and road closures (engine.fuel.FuelLog), set at the
    # horizon with power.fuel; not part of EventArrays
    fuel: FuelLog | None = None

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
        """Append one event.

        Parameters
        ----------
        t_h : float
            Time of the event, hours.
        asset : int
            The subject: an asset index, or n_assets + region index for the region
            events (HIJACK_*).
        event : int
            The event code (FAIL, REPAIR, DEGRADE, HIJACK_START, HIJACK_END,
            STOPGAP_RELEASED).
        cause : str
            Why (a cause chain for dependency failures).
        propagated : bool
            A failure caused by another asset.
        value : float
            DEGRADE: the remaining share of the link's capacity; NaN otherwise.
        cause_class : str
            One of :data:`CAUSE_CLASSES` on fail and repair events, "" otherwise.
        """
        self.time_h.append(float(t_h))
        self.asset_idx.append(int(asset))
        self.event.append(event)
        self.cause.append(cause)
        self.propagated.append(propagated)
        self.value.append(float(value))
        self.cause_class.append(cause_class)

    def to_arrays(self) -> EventArrays:
        """The log as one validated :class:`EventArrays`.

        Returns
        -------
        EventArrays
            Every column of the log, as arrays.
        """
        return EventArrays(
            self.time_h,
            self.asset_idx,
            self.event,
            value=self.value,
            cause=self.cause,
            cause_class=self.cause_class,
            propagated=self.propagated,
        )

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(time_h, asset_idx, event)`` as arrays (older form; prefer :meth:`to_arrays`).

        Returns
        -------
        tuple of numpy.ndarray
            Times (h, float), subjects (int64), codes (int8).
        """
        return (
            np.asarray(self.time_h, dtype=float),
            np.asarray(self.asset_idx, dtype=np.int64),
            np.asarray(self.event, dtype=np.int8),
        )

    def values(self) -> np.ndarray:
        """The value column as a float array (older form; prefer :meth:`to_arrays`).

        Returns
        -------
        numpy.ndarray
            ``(n_events,)``, NaN except on DEGRADE events.
        """
        return np.asarray(self.value, dtype=float)

    def __len__(self) -> int:
        return len(self.time_h)


def _column(data: Any, dtype: Any, name: str) -> np.ndarray:
    column = np.array(data, dtype=dtype)  # a copy: the structure owns its arrays
    if column.ndim != 1:
        raise ValueError(f"EventArrays: {name}: must be one-dimensional, got shape {column.shape}")
    column.setflags(write=False)
    return column


@dataclass(frozen=True, eq=False)
class EventArrays:
    """An event log as one frozen, validated set of aligned columns.

    Built once per log (:meth:`EventLog.to_arrays`, or from a run folder's events
    table) and read by every stage after the engine: replay, both service models, the
    operator model, the metrics and the reports. One row per event, in the order the
    events happened. The arrays are read-only.

    Parameters
    ----------
    time_h : array_like
        ``(n,)`` event times, hours: finite and non-decreasing.
    asset_idx : array_like
        ``(n,)`` subjects: an asset index, or ``n_assets + region`` for the region
        (hijack) events; >= 0.
    event : array_like
        ``(n,)`` event codes (:data:`EVENT_NAMES` indexes them).
    value : array_like, optional
        ``(n,)`` the remaining capacity share of DEGRADE events, NaN otherwise (all NaN
        when not given).
    cause : array_like, optional
        ``(n,)`` str, why (all "" when not given).
    cause_class : array_like, optional
        ``(n,)`` str, :data:`CAUSE_CLASSES` on fail and repair events, "" otherwise
        (all "" when not given).
    propagated : array_like, optional
        ``(n,)`` bool, a failure caused by another asset (all False when not given).

    Raises
    ------
    ValueError
        A column that is not one-dimensional, columns of different lengths, times that
        are not finite or go back, a negative subject or an unknown event code; the
        message names the column and the first bad row.
    """

    time_h: np.ndarray
    asset_idx: np.ndarray
    event: np.ndarray
    value: np.ndarray | None = None
    cause: np.ndarray | None = None
    cause_class: np.ndarray | None = None
    propagated: np.ndarray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        time_h = _column(self.time_h, float, "time_h")
        n = len(time_h)
        codes = _column(self.event, np.int64, "event")  # checked before the int8 cast
        _first_bad(
            (codes < 0) | (codes >= len(EVENT_NAMES)), "event", "is not an event code", codes
        )
        columns = {
            "time_h": time_h,
            "asset_idx": _column(self.asset_idx, np.int64, "asset_idx"),
            "event": _column(codes, np.int8, "event"),
            "value": _column(
                np.full(n, np.nan) if self.value is None else self.value, float, "value"
            ),
            "cause": _column([""] * n if self.cause is None else self.cause, object, "cause"),
            "cause_class": _column(
                [""] * n if self.cause_class is None else self.cause_class, object, "cause_class"
            ),
            "propagated": _column(
                np.zeros(n, bool) if self.propagated is None else self.propagated,
                bool,
                "propagated",
            ),
        }
        for name, column in columns.items():
            if len(column) != n:
                raise ValueError(
                    f"EventArrays: {name}: {len(column)} rows, but time_h has {n}: "
                    "the columns must be aligned"
                )
            set_(self, name, column)
        _first_bad(~np.isfinite(time_h), "time_h", "is not finite", time_h)
        _first_bad(
            np.diff(time_h) < 0,
            "time_h",
            "goes back in time (events must be in the order they happened)",
            time_h,
            1,
        )
        _first_bad(columns["asset_idx"] < 0, "asset_idx", "is negative", columns["asset_idx"])

    @classmethod
    def empty(cls) -> EventArrays:
        """A log without events.

        Returns
        -------
        EventArrays
            No rows.
        """
        return cls(np.empty(0), np.empty(0, np.int64), np.empty(0, np.int8))

    @cached_property
    def row_times_h(self) -> np.ndarray:
        """The rows of every timeline of this log: t = 0 and each distinct event time, h
        (read-only, computed once)."""
        times = np.unique(np.concatenate([[0.0], self.time_h]))
        times.setflags(write=False)
        return times

    def same_as(self, other: EventArrays) -> bool:
        """Whether ``other`` holds the same events: every column equal, NaN values equal.

        Parameters
        ----------
        other : EventArrays
            Another log.

        Returns
        -------
        bool
            True when all seven columns are equal.
        """
        return all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=name == "value")
            for name in (
                "time_h",
                "asset_idx",
                "event",
                "value",
                "cause",
                "cause_class",
                "propagated",
            )
        )

    def head(self, n_events: int) -> EventArrays:
        """The first ``n_events`` events (a prefix of a log is a log).

        Parameters
        ----------
        n_events : int
            How many events to keep.

        Returns
        -------
        EventArrays
            The prefix.
        """
        keep = slice(0, n_events)
        return EventArrays(
            self.time_h[keep],
            self.asset_idx[keep],
            self.event[keep],
            value=self.value[keep],
            cause=self.cause[keep],
            cause_class=self.cause_class[keep],
            propagated=self.propagated[keep],
        )

    def to_log(self) -> EventLog:
        """The events as an :class:`EventLog` again (lists of Python values).

        Returns
        -------
        EventLog
            Equal to the log these arrays were made from.
        """
        return EventLog(
            self.time_h.tolist(),
            self.asset_idx.tolist(),
            self.event.tolist(),
            self.cause.tolist(),
            self.propagated.tolist(),
            self.value.tolist(),
            self.cause_class.tolist(),
        )

    def __len__(self) -> int:
        return len(self.time_h)


def _first_bad(bad: np.ndarray, name: str, what: str, column: np.ndarray, shift: int = 0) -> None:
    if bad.any():
        row = int(np.argmax(bad)) + shift
        raise ValueError(
            f"EventArrays: {name}: row {row} ({column[row : row + 1].tolist()[0]!r}) {what}"
        )


def accepts_loose_log(
    old: str, name: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a function that takes ``events: EventArrays`` still be called the old way.

    The old way passed the log as loose arrays (``time_h``, ``asset_idx``, ``event``
    and, in some functions, ``value``) among the parameters ``old`` names. Such a
    call is bound to the old parameters, the arrays become one :class:`EventArrays`
    and the other arguments given are passed on by name (the function's own defaults
    fill the rest), with a ``DeprecationWarning``. A call with an
    :class:`EventArrays` goes straight through.

    Parameters
    ----------
    old : str
        The old signature's parameter names in order, comma-separated; those up to
        ``event`` were required, the later ones optional.
    name : str, optional
        The public name the wrapped function goes by (its own name by default).

    Returns
    -------
    callable
        The decorator.
    """
    old_names = [p.strip() for p in old.split(",")]
    required = old_names.index("event") + 1
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    old_signature = inspect.Signature(
        [
            inspect.Parameter(p, kind, default=inspect.Parameter.empty if k < required else None)
            for k, p in enumerate(old_names)
        ]
    )

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        names = list(inspect.signature(function).parameters)
        position = names.index("events")
        public = name or function.__name__

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            given = args[position] if len(args) > position else kwargs.get("events")
            if isinstance(given, EventArrays) or (given is None and "time_h" not in kwargs):
                return function(*args, **kwargs)
            warnings.warn(
                f"{public}(..., time_h, asset_idx, event, ...) is deprecated: pass "
                "the log as one EventArrays (EventLog.to_arrays())",
                DeprecationWarning,
                stacklevel=2,
            )
            bound = dict(old_signature.bind(*args, **kwargs).arguments)
            bound["events"] = EventArrays(
                bound.pop("time_h"),
                bound.pop("asset_idx"),
                bound.pop("event"),
                value=bound.pop("value", None),
            )
            return function(**bound)

        call.__name__ = call.__qualname__ = public
        return call

    return decorate


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
        """Whether ``asset`` is up (its effective state).

        Parameters
        ----------
        asset : int
            The asset index.

        Returns
        -------
        bool
            Up.
        """
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
        """Add one reason holding ``asset`` down.

        The first reason gives the down interval its ``cause_class``.

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        cause : str
            Why (recorded if the asset goes down now).
        propagated : bool
            Caused by another asset.
        cause_class : str
            One of :data:`CAUSE_CLASSES`.
        """
        self.down_count[asset] += 1
        if self.down_count[asset] == 1:
            self.cause[asset] = cause
            self._settle(t_h, asset, cause, propagated, cause_class)

    def bring_up(self, t_h: float, asset: int, cause: str) -> None:
        """Lift one reason holding ``asset`` down.

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        cause : str
            Why (recorded if the asset comes back now).
        """
        self.down_count[asset] -= 1
        assert self.down_count[asset] >= 0, "more restorations than failures"
        if self.down_count[asset] == 0:
            self._settle(t_h, asset, cause)

    def hold_in_standby(self, assets: np.ndarray) -> None:
        """Start these assets (stopgaps not yet deployed) down, without recording it.

        Parameters
        ----------
        assets : numpy.ndarray
            ``(k,)`` int, asset indices (each at most once: the down-count rises by one).
        """
        self.down_count[assets] += 1
        self.up[assets] = False

    def release_stopgap(self, t_h: float, asset: int, cause: str) -> None:
        """Take a deployed stopgap asset (a satellite link) off the air, back to standby.

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        cause : str
            Why (recorded with the STOPGAP_RELEASED event).
        """
        self.down_count[asset] += 1
        if self.down_count[asset] == 1:
            self.cause[asset] = cause
            if self.on_physical_change is not None:
                self.on_physical_change()
            self._set(t_h, asset, False, cause, False, event=STOPGAP_RELEASED)

    def cover(self, t_h: float, asset: int, cause: str) -> None:
        """A stopgap takes over ``asset`` (cell on wheels).

        It works whatever holds it down, until its repair jobs are done.

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        cause : str
            Why (recorded if the asset comes back now).
        """
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
        """Damage an asset.

        A separate fault (a located cable fault) always needs a new repair job;
        otherwise damage to an asset that already awaits a repair changes nothing.

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        cause : str
            Why.
        is_separate_fault : bool
            A located fault of its own (a cable fault), repaired by its own job.
        propagated : bool
            Caused by another asset.
        cause_class : str
            One of :data:`CAUSE_CLASSES`.

        Returns
        -------
        bool
            Whether this needs a new repair job.
        """
        if self.open_jobs[asset] > 0 and not is_separate_fault:
            return False
        self.open_jobs[asset] += 1
        self.take_down(t_h, asset, cause, propagated, cause_class)
        return True

    def repair(self, t_h: float, asset: int, cause: str) -> None:
        """Close one repair job of ``asset``; it is up once nothing else holds it down.

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        cause : str
            Why (recorded if the asset comes back now).
        """
        self.open_jobs[asset] -= 1
        if self.open_jobs[asset] == 0:
            if self.covered[asset] and self.on_cover_end is not None:
                self.on_cover_end(t_h, asset)
            self.covered[asset] = False  # the stopgap leaves; nothing visible changes
        self.bring_up(t_h, asset, cause)

    # -- effective state ----------------------------------------------------------------

    def set_disconnected(self, t_h: float, asset: int, is_cut: bool, cause: str) -> None:
        """Hold ``asset`` down while it is cut off from its sources (or release it).

        Parameters
        ----------
        t_h : float
            Time, hours.
        asset : int
            The asset index.
        is_cut : bool
            Cut off (True) or reconnected (False).
        cause : str
            Why.
        """
        self.disconnected[asset] = is_cut
        self._settle(t_h, asset, cause, propagated=is_cut, cause_class=UPSTREAM)

    def physically_up(self, assets: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Up but for dependencies: no reason holds it down, or a stopgap covers it.

        Parameters
        ----------
        assets : numpy.ndarray or slice
            Which assets (all by default).

        Returns
        -------
        numpy.ndarray
            Bool, one per asset asked for.
        """
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
