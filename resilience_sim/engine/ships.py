"""Cable ships over time: the fleet that repairs submarine-cable faults.

Ships share one queue of faults. A ship is free from ``available_from_h`` (busy
elsewhere before), at its home port (it mobilises) or at ``available_at`` (at sea, no
mobilisation). It serves the cables of its maintenance zones (and of zones it is
released to from a time on); cables in no zone and ships with no zone are unrestricted.
When it takes a fault (chosen by the restoration policy among those it may serve) it

1. joins into one visit the other queued faults of the same cable within
   ``visit_span_km`` (along the cable) of it: the section between the outermost is
   replaced;
2. if spare cable is tracked (``recovery.cable_logistics.spare_depots``) and it carries
   less than the visit needs, sails to the depot that gets it to the fault soonest,
   waits for stock if a delivery is due, and loads;
3. sails the great-circle distance to the fault, waits for the permit (the larger of
   its own ``permit_delay_h`` and that of the permit areas around the fault, counted
   from the fault), then works on site: ``on_site_by_depth`` at the deepest fault of the
   visit (else a draw of ``repair_h``) plus section km / ``section_km_per_h``, stretched
   by ``1 / (1 - weather_downtime_frac)`` and by the downtime share of each calendar
   month it works through (``weather_windows``).

Without any of the opt-in fields this is the fleet of earlier versions, draw for draw.
Model, rules and sources: docs/cable-repair.md.
"""

from __future__ import annotations

import datetime
import math
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import simpy

from resilience_sim.engine.policies import Policy
from resilience_sim.engine.recovery import Job
from resilience_sim.engine.state import NetworkState
from resilience_sim.errors import InputError
from resilience_sim.geo import KM_PER_NAUTICAL_MILE, haversine_km
from resilience_sim.hazards.kit.routes import points_in_polygon, project, spherical_centre
from resilience_sim.scenario.cable_logistics import CableLogistics, PermitArea, SpareDepot
from resilience_sim.scenario.recovery import CableShip


@dataclass
class CableFaultJob:
    """A repair job of the fleet: the job plus where on the cable the fault is."""

    job: Job
    km: float  # along the cable from its source end; NaN: unknown
    depth_m: float  # water depth; NaN: unknown
    zones: frozenset[str]  # maintenance zones of the cable (empty: none)
    area_permit_h: float  # permit delay of the areas around the fault, h


class SpareStock:
    """One depot's spare cable over time: initial stock plus deliveries, less what ships
    have reserved (a ship reserves when it decides to load there)."""

    def __init__(self, depot: SpareDepot):
        self.depot = depot
        deliveries = sorted((d.at_h, d.km) for d in depot.deliveries)
        self._times = [t for t, _ in deliveries]
        self._cumulative = np.cumsum([depot.stock_km] + [km for _, km in deliveries]).tolist()
        self.reserved_km = 0.0

    def available_km(self, at_h: float) -> float:
        """Cable free to load at ``at_h``, km.

        Parameters
        ----------
        at_h : float
            The time, hours (deliveries at exactly ``at_h`` count).

        Returns
        -------
        float
            Initial stock plus deliveries by ``at_h``, less the reserved cable, km.
        """
        return self._cumulative[bisect_right(self._times, at_h)] - self.reserved_km

    def ready_at_h(self, km: float, now_h: float) -> float:
        """Earliest time >= ``now_h`` at which ``km`` can be loaded (inf: never).

        Parameters
        ----------
        km : float
            Cable to load, km.
        now_h : float
            The current time, hours.

        Returns
        -------
        float
            ``now_h``, the hour of the delivery that makes enough cable free, or inf.
        """
        if self.available_km(now_h) >= km:
            return now_h
        for k, t in enumerate(self._times):
            if t > now_h and self._cumulative[k + 1] - self.reserved_km >= km:
                return t
        return math.inf


def weather_stretch_h(
    start_h: float, work_h: float, start_date: datetime.date, month_downtime: list[float]
) -> float:
    """Wall-clock hours to do ``work_h`` hours of work from ``start_h`` in lossy weather.

    A share ``month_downtime[m]`` of the time of calendar month ``m`` (0 = January) is
    lost: work goes at rate ``1 - share`` (the expected progress; the order of calm and
    stormy days inside a month is not modelled). Hour 0 is 00:00 UTC of ``start_date``.

    Parameters
    ----------
    start_h : float
        When the work starts, hours since the start of the simulation.
    work_h : float
        Hours of work to do.
    start_date : datetime.date
        The calendar date of hour 0.
    month_downtime : list of float
        Twelve shares of time lost, 0..1 (below 1), January first.

    Returns
    -------
    float
        The wall-clock duration, hours (>= ``work_h``).
    """
    origin = datetime.datetime.combine(start_date, datetime.time(0), tzinfo=datetime.UTC)
    t, left = start_h, work_h
    while True:
        at = origin + datetime.timedelta(hours=t)
        first = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        month_end = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
        span_h = (month_end - at).total_seconds() / 3600.0
        rate = 1.0 - month_downtime[at.month - 1]
        if rate * span_h >= left:
            return t + left / rate - start_h
        left -= rate * span_h
        t += span_h


def interpolate_on_site_h(table: list[tuple[float, float]], depth_m: float) -> float:
    """On-site hours at ``depth_m`` from ``[[depth_m, hours], ...]`` (linear, clamped).

    Parameters
    ----------
    table : list of tuple of float
        ``(depth_m, hours)`` rows, depths increasing (``on_site_by_depth``).
    depth_m : float
        Water depth, m.

    Returns
    -------
    float
        On-site hours, interpolated linearly (the end rows' hours outside the table).
    """
    depths, hours = zip(*table, strict=True)
    return float(np.interp(depth_m, depths, hours))


class _PermitAreas:
    """The permit areas, projected once; the delay at a point is the largest around it."""

    def __init__(self, areas: list[PermitArea]):
        self.areas = []
        for area in areas:
            ring = np.asarray(area.polygon, dtype=float)
            lat0, lon0 = spherical_centre(ring[:-1, 0], ring[:-1, 1])
            qx, qy = project(ring[:, 0], ring[:, 1], lat0, lon0)
            self.areas.append((lat0, lon0, qx, qy, area.delay_h))

    def delay_h(self, lat: float, lon: float) -> float:
        delay = 0.0
        for lat0, lon0, qx, qy, area_delay in self.areas:
            px, py = project(np.array([lat]), np.array([lon]), lat0, lon0)
            if points_in_polygon(px, py, qx, qy)[0]:
                delay = max(delay, area_delay)
        return delay


def zones_by_asset(
    logistics: CableLogistics, asset_ids: np.ndarray | None
) -> dict[int, frozenset[str]]:
    """Asset index -> the maintenance zones its cable is in (cables in no zone left out).

    Parameters
    ----------
    logistics : CableLogistics
        The scenario's cable logistics (its ``maintenance_zones``).
    asset_ids : numpy.ndarray or None
        ``(n_assets,)`` asset ids, to find the zones' cables (None: no assets).

    Returns
    -------
    dict of int to frozenset of str
        The zone names of each cable in a zone.

    Raises
    ------
    InputError
        A zone names a cable that is not a link of the topology.
    """
    zones = logistics.maintenance_zones
    if not zones:
        return {}
    index = {str(a): i for i, a in enumerate(asset_ids if asset_ids is not None else [])}
    out: dict[int, set[str]] = {}
    for z, zone in enumerate(zones):
        for c, cable in enumerate(zone.cables):
            if cable not in index:
                raise InputError.single(
                    "scenario",
                    f"recovery.cable_logistics.maintenance_zones[{z}].cables[{c}]",
                    f"no link {cable!r} in the topology",
                )
            out.setdefault(index[cable], set()).add(zone.name)
    return {asset: frozenset(names) for asset, names in out.items()}


@dataclass(frozen=True)
class FleetPlan:
    """What the fleet of every replication of a study shares (:meth:`compile`): the
    cables' maintenance zones, the projected permit areas, the monthly weather downtime."""

    zones_of: dict[int, frozenset[str]]
    permits: _PermitAreas
    month_downtime: list[float]

    @classmethod
    def compile(cls, logistics: CableLogistics, asset_ids: np.ndarray | None) -> FleetPlan:
        """The fleet plan of a study.

        Parameters
        ----------
        logistics : CableLogistics
            The scenario's cable logistics.
        asset_ids : numpy.ndarray or None
            ``(n_assets,)`` asset ids (see :func:`zones_by_asset`).

        Returns
        -------
        FleetPlan
            The cables' zones, the projected permit areas and the monthly downtime.
        """
        return cls(
            zones_by_asset(logistics, asset_ids),
            _PermitAreas(logistics.permit_areas),
            logistics.month_downtime(),
        )


class ShipFleet:
    """Cable ships sharing one queue of submarine-cable faults (module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        state: NetworkState,
        ships: list[CableShip],
        policy: Policy,
        rng: np.random.Generator,
        logistics: CableLogistics | None = None,
        asset_ids: np.ndarray | None = None,
        start_date: datetime.date | None = None,
        plan: FleetPlan | None = None,
    ):
        self.env, self.state, self.ships, self.policy, self.rng = env, state, ships, policy, rng
        self.logistics = logistics if logistics is not None else CableLogistics()
        if plan is None:
            plan = FleetPlan.compile(self.logistics, asset_ids)
        self.queue: list[CableFaultJob] = []
        self.position = [
            ((s.available_at or s.port).lat, (s.available_at or s.port).lon) for s in ships
        ]
        self.at_port = [s.available_at is None for s in ships]
        self.idle = [True] * len(ships)
        self.on_board_km = [s.spares_on_board_km for s in ships]
        self.stocks = [SpareStock(d) for d in self.logistics.spare_depots]
        self.stranded: list[CableFaultJob] = []  # faults no depot can ever supply cable for
        self._permits = plan.permits
        self._zones_of = plan.zones_of
        self._month_downtime = plan.month_downtime
        self._weather = any(self._month_downtime)
        if self._weather and start_date is None:
            raise InputError.single(
                "scenario", "start_date", "needed by recovery.cable_logistics.weather_windows"
            )
        self.start_date = start_date
        wake_times = {s.available_from_h for s in ships if s.available_from_h > 0}
        wake_times |= {r.from_h for s in ships for r in s.released_to}
        for at_h in sorted(wake_times):
            env.timeout(at_h).callbacks.append(lambda _: self._wake())

    def __bool__(self) -> bool:
        return bool(self.ships)

    # -- queue -------------------------------------------------------------------------

    def submit(self, job: Job, km: float = math.nan, depth_m: float = math.nan) -> None:
        """Queue a fault; start one idle ship that may serve it, if any.

        Parameters
        ----------
        job : Job
            The repair job (its asset is the cable, its position the fault's).
        km : float
            Where the fault is along the cable from its source end, km (NaN: unknown;
            such a fault is never joined to others in a visit).
        depth_m : float
            Water depth at the fault, m (NaN: unknown).
        """
        fault = CableFaultJob(
            job,
            km,
            depth_m,
            self._zones_of.get(job.asset, frozenset()),
            self._permits.delay_h(job.lat, job.lon) if self._permits.areas else 0.0,
        )
        self.queue.append(fault)
        for i, idle in enumerate(self.idle):
            if idle and self._free(i) and self._may_serve(i, fault):
                self._start(i)
                break  # one idle ship per new fault

    def _wake(self) -> None:
        """A ship became free or was released to a zone: start idle ships with work."""
        for i, idle in enumerate(self.idle):
            if idle and self._free(i) and any(self._may_serve(i, f) for f in self.queue):
                self._start(i)

    def _start(self, i: int) -> None:
        self.idle[i] = False
        self.env.process(self._sail(i))

    def _free(self, i: int) -> bool:
        return self.env.now >= self.ships[i].available_from_h

    def _may_serve(self, i: int, fault: CableFaultJob) -> bool:
        ship = self.ships[i]
        if not ship.zones or not fault.zones:
            return self._fits_hold(i, [fault])
        now = self.env.now
        zones = set(ship.zones) | {r.zone for r in ship.released_to if r.from_h <= now}
        return bool(zones & fault.zones) and self._fits_hold(i, [fault])

    # -- spares ------------------------------------------------------------------------

    def spare_km(self, visit: list[CableFaultJob]) -> float:
        """Spare cable a visit uses, km (0 when spares are not tracked).

        Parameters
        ----------
        visit : list of CableFaultJob
            The faults repaired together.

        Returns
        -------
        float
            ``base_km + depth_factor x deepest depth (km) + section km``.
        """
        if not self.stocks:
            return 0.0
        rule = self.logistics.spares
        depths = [f.depth_m for f in visit if not math.isnan(f.depth_m)]
        depth_km = max(depths) / 1000.0 if depths else 0.0
        return rule.base_km + rule.depth_factor * depth_km + _section_km(visit)

    def _fits_hold(self, i: int, visit: list[CableFaultJob]) -> bool:
        hold = self.ships[i].spare_hold_km
        return hold is None or self.spare_km(visit) <= hold

    def _load_plan(self, i: int, need_km: float, to: tuple[float, float]):
        """``(depot, load_km, ready_h)`` that gets ship ``i`` with ``need_km`` on board to
        ``to`` soonest; None when no depot ever has enough."""
        ship, now = self.ships[i], self.env.now
        short = need_km - self.on_board_km[i]
        fill = short if ship.spare_hold_km is None else ship.spare_hold_km - self.on_board_km[i]
        best, best_h = None, math.inf
        for d, stock in enumerate(self.stocks):
            loc = stock.depot.location
            arrive_h = now + self._sail_h(i, loc.lat, loc.lon)
            load_km = max(short, min(fill, stock.available_km(max(arrive_h, now))))
            ready_h = stock.ready_at_h(load_km, now)
            if math.isinf(ready_h):
                load_km, ready_h = short, stock.ready_at_h(short, now)
            if math.isinf(ready_h):
                continue
            done_h = max(arrive_h, ready_h) + stock.depot.load_h
            at_fault_h = done_h + _sail_between_h(loc.lat, loc.lon, *to, ship.speed_kn)
            if at_fault_h < best_h:
                best, best_h = (d, load_km, ready_h), at_fault_h
        return best

    # -- the ship ----------------------------------------------------------------------

    def _sail_h(self, i: int, lat: float, lon: float) -> float:
        here = self.position[i]
        return _sail_between_h(here[0], here[1], lat, lon, self.ships[i].speed_kn)

    def _take_visit(self, i: int) -> list[CableFaultJob] | None:
        """Remove from the queue the fault the policy picks and the faults joined to it."""
        eligible = [f for f in self.queue if self._may_serve(i, f)]
        if not eligible:
            return None
        by_job = {id(f.job): f for f in eligible}
        job = self.policy.choose(
            [f.job for f in eligible], self.env.now, lambda j: self._sail_h(i, j.lat, j.lon)
        )
        first = by_job[id(job)]
        visit = [first]
        if not math.isnan(first.km):
            span = self.ships[i].visit_span_km
            near = sorted(
                (
                    f
                    for f in eligible
                    if f is not first
                    and f.job.asset == first.job.asset
                    and abs(f.km - first.km) <= span
                ),
                key=lambda f: (abs(f.km - first.km), f.job.seq),
            )
            for f in near:
                if self._fits_hold(i, [*visit, f]):
                    visit.append(f)
        for f in visit:
            self.queue.remove(f)
        return visit

    def _sail(self, i: int):
        """Process of ship ``i``: mobilise if in port, then take faults until none is left."""
        ship = self.ships[i]
        if self.at_port[i] and ship.mobilise_h > 0:
            yield self.env.timeout(ship.mobilise_h)
        else:
            yield self.env.timeout(0)  # let simultaneous faults arrive before choosing
        self.at_port[i] = False
        while (visit := self._take_visit(i)) is not None:
            job = visit[0].job
            need_km = self.spare_km(visit)
            if need_km > self.on_board_km[i]:
                plan = self._load_plan(i, need_km, (job.lat, job.lon))
                if plan is None:
                    self.stranded.extend(visit)  # no depot will ever have the cable
                    continue
                yield from self._load(i, *plan)
            yield self.env.timeout(self._sail_h(i, job.lat, job.lon))
            self.position[i] = (job.lat, job.lon)
            permit_wait = (
                max(f.job.created_h + max(ship.permit_delay_h, f.area_permit_h) for f in visit)
                - self.env.now
            )
            if permit_wait > 0:
                yield self.env.timeout(permit_wait)
            yield self.env.timeout(self._on_site_h(ship, visit))
            self.on_board_km[i] -= need_km
            for f in visit:
                self.state.repair(self.env.now, f.job.asset, f"cable ship {ship.name}")
        self.idle[i] = True

    def _load(self, i: int, depot: int, load_km: float, ready_h: float):
        """Sail to ``depot``, wait for its stock, load ``load_km``."""
        stock = self.stocks[depot]
        stock.reserved_km += load_km
        loc = stock.depot.location
        yield self.env.timeout(self._sail_h(i, loc.lat, loc.lon))
        self.position[i] = (loc.lat, loc.lon)
        if ready_h > self.env.now:
            yield self.env.timeout(ready_h - self.env.now)
        yield self.env.timeout(stock.depot.load_h)
        self.on_board_km[i] += load_km

    def _on_site_h(self, ship: CableShip, visit: list[CableFaultJob]) -> float:
        """Wall-clock hours on site for a visit starting now."""
        depths = [f.depth_m for f in visit if not math.isnan(f.depth_m)]
        if ship.on_site_by_depth is not None and depths:
            work_h = interpolate_on_site_h(ship.on_site_by_depth, max(depths))
        else:
            work_h = ship.repair_h.sample(self.rng)
        if len(visit) > 1:
            work_h += _section_km(visit) / ship.section_km_per_h
        on_site_h = work_h / (1.0 - ship.weather_downtime_frac)
        if self._weather:
            on_site_h = weather_stretch_h(
                self.env.now, on_site_h, self.start_date, self._month_downtime
            )
        return on_site_h


def _section_km(visit: list[CableFaultJob]) -> float:
    """Length of cable between the outermost faults of a visit, km (0 for one fault)."""
    if len(visit) < 2:
        return 0.0
    kms = [f.km for f in visit]
    return max(kms) - min(kms)


def _sail_between_h(lat1: float, lon1: float, lat2: float, lon2: float, knots: float) -> float:
    km = float(haversine_km(lat1, lon1, lat2, lon2))
    return 0.0 if np.isnan(km) else km / (knots * KM_PER_NAUTICAL_MILE)


__all__ = [
    "CableFaultJob",
    "FleetPlan",
    "ShipFleet",
    "SpareStock",
    "interpolate_on_site_h",
    "weather_stretch_h",
    "zones_by_asset",
]
