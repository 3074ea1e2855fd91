"""Back-up power of each site: sampled batteries and generators, recharge, and fuel.

Used by :class:`~resilience_sim.engine.power.PowerModel` when the scenario has a
``power:`` section (docs/power.md). Per replication, :func:`sample_backup` draws each
node's battery hours and generator (tank hours) from the section's rules; then
:class:`SiteBackup` runs each site through mains -> generator -> battery -> down:

- mains lost: a site with fuel runs its generator (an automatic transfer switch; the
  battery only bridges the switch-over), then its battery, then it goes down (cause
  class ``power``);
- the battery recharges linearly, from empty to full in ``recharge_h`` hours, whenever
  the site has mains or a running generator (``recharge_h: 0``: at once);
- with fuel logistics (:mod:`resilience_sim.engine.fuel`) a site asks for fuel when its
  tank falls to half (``REORDER_FRAC``, assumed); a delivery fills the tank and restarts a
  dry generator; tanks keep their level when mains returns. Without them a tank is full
  again when mains returns, as without a power section.

Levels are kept per node in hours of running and brought up to date lazily at each
change; each node has at most one pending transition (tank dry, battery empty), a
SimPy timeout cancelled by dropping it from ``pending``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from resilience_sim.engine.fuel import FuelFleet, FuelPlan
from resilience_sim.hazards.kit.durations import duration_quantile, share_band
from resilience_sim.scenario.power import PowerSpec
from resilience_sim.topology.compile import NetworkArrays

if TYPE_CHECKING:
    from resilience_sim.engine.power import PowerModel

MAINS, GENERATOR, BATTERY, DOWN = 0, 1, 2, 3
REORDER_FRAC = 0.5  # a site asks for fuel when its tank is half empty (assumed)


@dataclass(frozen=True)
class BackupArrays:
    """Back-up of every node for one replication, shapes ``(n_nodes,)``."""

    battery_h: np.ndarray  # hours on a full battery
    tank_h: np.ndarray  # hours on a full generator tank; 0 = no generator


def backup_rule_nodes(power: PowerSpec, arrays: NetworkArrays) -> tuple[np.ndarray, ...]:
    """Per rule of ``power.backup``, the nodes it gives their back-up.

    A rule gives their back-up to the nodes it matches that no earlier rule matched (the
    same in every replication of a study).

    Parameters
    ----------
    power : PowerSpec
        The scenario's power section; its ``backup`` rules are read in order.
    arrays : NetworkArrays
        The compiled network (node kinds and regions).

    Returns
    -------
    tuple of numpy.ndarray
        One int64 array of node indices per rule, in rule order; disjoint.
    """
    n = arrays.n_nodes
    kinds = np.asarray(arrays.asset_kinds[:n]).astype(str)
    regions = np.asarray(arrays.region_names, dtype=object)[arrays.region_of_node].astype(str)
    unassigned = np.ones(n, dtype=bool)
    out = []
    for rule in power.backup:
        match = unassigned.copy()
        if rule.kinds:
            match &= np.isin(kinds, [k.value for k in rule.kinds])
        if rule.regions:
            match &= np.isin(regions, rule.regions)
        unassigned &= ~match
        out.append(np.flatnonzero(match))
    return tuple(out)


def sample_backup(
    power: PowerSpec,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    rule_nodes: tuple[np.ndarray, ...] | None = None,
) -> BackupArrays:
    """Each node's battery and tank hours from the first matching rule of ``power.backup``.

    Draw pattern: four uniforms per node (mixture component, battery hours, generator
    presence, tank hours), drawn for every node whatever matches, so a change to one
    rule never shifts another node's draws. Hours are inverse-CDF quantiles.
    Nodes no rule matches, and fields a rule leaves out, keep the topology's values.

    Parameters
    ----------
    power : PowerSpec
        The scenario's power section.
    arrays : NetworkArrays
        The compiled network (its ``battery_h`` and ``fuel_h`` are the defaults).
    rng : numpy.random.Generator
        The replication's back-up stream; ``4 * n_nodes`` uniforms are drawn.
    rule_nodes : tuple of numpy.ndarray or None
        :func:`backup_rule_nodes`, if already computed for the study; None to compute it.

    Returns
    -------
    BackupArrays
        Battery and tank hours per node, float arrays of shape ``(n_nodes,)``.
    """
    n = arrays.n_nodes
    u = rng.random((n, 4))
    battery, tank = arrays.battery_h.copy(), arrays.fuel_h.copy()
    if rule_nodes is None:
        rule_nodes = backup_rule_nodes(power, arrays)
    for rule, nodes in zip(power.backup, rule_nodes, strict=True):
        if rule.battery_h is not None:
            component = share_band([c.share for c in rule.battery_h], u[nodes, 0])
            for j, part in enumerate(rule.battery_h):
                chosen = nodes[component == j]
                battery[chosen] = duration_quantile(part.hours, u[chosen, 1])
        if rule.generator_share is not None:
            has = u[nodes, 2] < rule.generator_share
            tank[nodes] = np.where(has, duration_quantile(rule.tank_h, u[nodes, 3]), 0.0)
        elif rule.tank_h is not None:
            with_generator = nodes[arrays.fuel_h[nodes] > 0]
            tank[with_generator] = duration_quantile(rule.tank_h, u[with_generator, 3])
    return BackupArrays(battery, tank)


class SiteBackup:
    """Battery and tank levels of every node, and the mains/generator/battery/down mode."""

    def __init__(
        self,
        env: simpy.Environment,
        power: PowerModel,
        backup: BackupArrays,
        recharge_h: float,
    ):
        self.env, self.power = env, power
        self.battery_cap_h = backup.battery_h.astype(float)
        self.tank_cap_h = backup.tank_h.astype(float)
        self.battery_h = self.battery_cap_h.copy()
        self.tank_h = self.tank_cap_h.copy()
        self.since_h = np.zeros(len(self.battery_h))
        self.mode = np.full(len(self.battery_h), MAINS, dtype=np.int8)
        self.lost_at_h = np.zeros(len(self.battery_h))
        # hours of battery regained per hour of charging (inf: at once)
        self.recharge_rate = 1.0 / recharge_h if recharge_h > 0 else math.inf
        self.cause = [""] * len(self.battery_h)
        self.pending: dict[int, simpy.Timeout] = {}
        self.reorder: dict[int, simpy.Timeout] = {}
        self.fuel: FuelFleet | None = None

    # -- events from the power model and the trucks --------------------------------

    def mains_lost(self, node: int, cause: str) -> None:
        """Mains is gone: generator if it has fuel, else battery, else down.

        Parameters
        ----------
        node : int
            The node index.
        cause : str
            Why mains was lost (kept for the event log if the site goes down).
        """
        self._update(node)
        self.cause[node] = cause
        self.lost_at_h[node] = self.env.now
        self._run_on_backup(node)

    def mains_restored(self, node: int) -> None:
        """Mains is back: the site works again, charges its battery; fuel orders lapse.

        Parameters
        ----------
        node : int
            The node index.
        """
        self._update(node)
        self.pending.pop(node, None)
        self.reorder.pop(node, None)
        was_down = self.mode[node] == DOWN
        self.mode[node] = MAINS
        if self.fuel is None:
            self.tank_h[node] = self.tank_cap_h[node]
        else:
            self.fuel.cancel(node)
        if was_down:
            self.power.release(node, "mains power restored")

    def refuel(self, node: int, hours: float, cause: str) -> None:
        """``hours`` of fuel go into the tank (a truck's delivery, a portable generator).

        Parameters
        ----------
        node : int
            The node index.
        hours : float
            Fuel delivered, in hours of generator running (the tank is not overfilled).
        cause : str
            Cause logged if the delivery brings a down site back.
        """
        self._update(node)
        self.tank_h[node] = min(self.tank_cap_h[node], self.tank_h[node] + hours)
        if self.mode[node] == MAINS:
            return
        was_down = self.mode[node] == DOWN
        self._start_generator(node)
        if was_down:
            self.power.release(node, cause)

    def add_generator(self, node: int, fuel_h: float, cause: str) -> None:
        """A portable generator with a full tank of ``fuel_h`` hours joins ``node``.

        Nothing happens while the site has mains.

        Parameters
        ----------
        node : int
            The node index.
        fuel_h : float
            The portable generator's full tank, hours of running.
        cause : str
            Cause logged if it brings a down site back.
        """
        if self.mode[node] == MAINS:
            return
        self.tank_cap_h[node] = max(self.tank_cap_h[node], fuel_h)
        self.refuel(node, fuel_h, cause)

    def fuel_needed_h(self, node: int) -> float:
        """Hours of fuel that would fill the tank now.

        Parameters
        ----------
        node : int
            The node index.

        Returns
        -------
        float
            Tank capacity minus the current level, hours of running (0 for a full tank).
        """
        self._update(node)
        return float(self.tank_cap_h[node] - self.tank_h[node])

    # -- the state machine ------------------------------------------------------------

    def _run_on_backup(self, node: int) -> None:
        if self.tank_h[node] > 0:
            self._start_generator(node)
            return
        if self.battery_h[node] > 0:
            self._start_battery(node)
        else:
            self._go_down(node)
        if self.fuel is not None and self.tank_cap_h[node] > 0:
            self.fuel.request(node)  # a dry generator

    def _start_generator(self, node: int) -> None:
        self.mode[node] = GENERATOR
        self._after(node, float(self.tank_h[node]), self._tank_dry)
        if self.fuel is not None:
            self._schedule_reorder(node)

    def _start_battery(self, node: int) -> None:
        self.mode[node] = BATTERY
        self._after(node, float(self.battery_h[node]), self._battery_empty)

    def _tank_dry(self, node: int) -> None:
        self._update(node)
        self.tank_h[node] = 0.0
        if self.battery_h[node] > 0:
            self._start_battery(node)
        else:
            self._go_down(node)

    def _battery_empty(self, node: int) -> None:
        self._update(node)
        self.battery_h[node] = 0.0
        self._go_down(node)

    def _go_down(self, node: int) -> None:
        self.pending.pop(node, None)
        self.mode[node] = DOWN
        hours = self.env.now - self.lost_at_h[node]
        what = "no backup" if hours == 0 else f"backup exhausted after {hours:g} h"
        self.power.hold_down(node, f"power: {what} ({self.cause[node]})")

    def _after(self, node: int, hours: float, then) -> None:
        done = self.env.timeout(hours)
        self.pending[node] = done
        done.callbacks.append(lambda _: self.pending.get(node) is done and then(node))

    def _schedule_reorder(self, node: int) -> None:
        """Ask for fuel now if the tank is at or below the reorder level, else when it
        will be (while the generator runs)."""
        self.reorder.pop(node, None)
        level = REORDER_FRAC * self.tank_cap_h[node]
        if self.tank_h[node] <= level:
            self.fuel.request(node)
        elif self.mode[node] == GENERATOR:
            due = self.env.timeout(float(self.tank_h[node] - level))
            self.reorder[node] = due
            due.callbacks.append(
                lambda _: self.reorder.get(node) is due and self._reorder_due(node)
            )

    def _reorder_due(self, node: int) -> None:
        del self.reorder[node]
        self.fuel.request(node)

    def _update(self, node: int) -> None:
        """Bring the levels of ``node`` up to now."""
        dt = self.env.now - self.since_h[node]
        self.since_h[node] = self.env.now
        mode = self.mode[node]
        if mode == BATTERY:
            self.battery_h[node] = max(0.0, self.battery_h[node] - dt)
            return
        if mode == GENERATOR:
            self.tank_h[node] = max(0.0, self.tank_h[node] - dt)
        if mode in (MAINS, GENERATOR):
            cap = self.battery_cap_h[node]
            if math.isinf(self.recharge_rate):
                self.battery_h[node] = cap
            else:
                self.battery_h[node] = min(
                    cap, self.battery_h[node] + cap * self.recharge_rate * dt
                )


def attach_backup(
    power: PowerModel,
    spec: PowerSpec,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    node_opens_h: np.ndarray,
    reopen_times_h: list[float],
    rule_nodes: tuple[np.ndarray, ...] | None,
    fuel_plan: FuelPlan | None,
    roads_rng: np.random.Generator | None = None,
) -> SiteBackup:
    """Give ``power`` the sites' back-up, and fuel trucks if the power section has them.

    Parameters
    ----------
    power : PowerModel
        The replication's power model; its ``backup`` is set here.
    spec : PowerSpec
        The scenario's power section.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The back-up stream (see :func:`sample_backup`).
    node_opens_h : numpy.ndarray
        ``(n_nodes,)`` when trucks may reach each node, hours (closed areas).
    reopen_times_h : list of float
        When closed areas open, hours.
    rule_nodes : tuple of numpy.ndarray or None
        :func:`backup_rule_nodes` of the study (None: computed here).
    fuel_plan : FuelPlan or None
        The study's :class:`~resilience_sim.engine.fuel.FuelPlan` (needed with
        ``spec.fuel``).
    roads_rng : numpy.random.Generator or None
        The replication's ``roads`` generator (road damage).

    Returns
    -------
    SiteBackup
        The back-up state machine now attached to ``power``.
    """
    drawn = sample_backup(spec, arrays, rng, rule_nodes)
    backup = SiteBackup(power.env, power, drawn, spec.recharge_h)
    if spec.fuel is not None:
        backup.fuel = FuelFleet(
            power.env,
            spec.fuel,
            arrays,
            backup,
            node_opens_h,
            reopen_times_h,
            fuel_plan,
            roads_rng,
        )
    power.backup = backup
    return backup
