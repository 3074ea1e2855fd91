"""Synthetic national networks of 100 to 1,000,000 nodes, for benchmarks and studies.

Topology layer: builds a :class:`~resilience_sim.topology.model.Topology` without a
file, for planners and researchers who need a realistic network of a given size
(the shipped topologies are small). Everything is drawn from one generator seeded
by ``seed``, so a preset, size and seed give the same network on every machine.

The structure follows how national operators build networks:

* **towns** with Zipf (rank-size) populations; each town has one **exchange**;
* **cell sites** spread around their town (more sites where more people live),
  each serving a share of the town's population;
* **aggregation sites** in the larger towns; cell sites hang off the nearest
  aggregation site or exchange in **access chains**, most closed into rings,
  plus microwave protection links between neighbouring sites;
* exchanges in **tiers**: the largest towns' exchanges form the **core**, a ring
  with chords; every other exchange is dual-homed to the two nearest exchanges
  of the tier above;
* **landing stations** with submarine cables (or, landlocked, border exchanges
  with cross-border fibre) to foreign **gateways**, which are the international
  nodes; a satellite ground station with a GEO link as a last resort;
* an IXP, a data centre and an operations centre in the capital;
* **power substations** in towns; every domestic node names its nearest one as
  its ``power_feed``;
* **regions** around the largest towns (regional seats).

Presets: ``national`` (a coastal mainland), ``island`` (one island, one
international cable), ``archipelago`` (islands joined by domestic submarine
cables) and ``landlocked`` (cross-border terrestrial links through two neighbour
gateways). All sites sit in open ocean on purpose, so nobody mistakes a synthetic
network for a real country's.

Every number below is ``assumed`` (chosen to give plausible structure, not taken
from a source) unless a source is named; the mean degree of 2.8 matches the
reference network of the performance issue. The battery figures carry their
sources (shared/reference/PARAMETERS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from scipy.spatial import cKDTree

from resilience_sim.errors import InputError
from resilience_sim.geo import haversine_km
from resilience_sim.topology.generate_operators import check_operator_count, with_operators
from resilience_sim.topology.model import Link, LinkKind, Node, NodeKind, Topology
from resilience_sim.topology.table import construct_many, table_from_columns

__all__ = ["PRESETS", "Preset", "construct_many", "generate_topology"]

Preset = Literal["national", "island", "archipelago", "landlocked"]
PRESETS: tuple[str, ...] = get_args(Preset)
MIN_NODES = 100
MAX_NODES = 1_000_000

MEAN_DEGREE = 2.8  # assumed: the performance issue's reference network (2 x links / nodes)
PERSONS_PER_CELL_SITE = 1_200  # assumed: national population / cell sites, order of magnitude
URBAN_DENSITY_PER_KM2 = 2_000.0  # assumed: built-up density that sets a town's radius
URBAN_POPULATION = 50_000  # assumed: towns at least this large have fibre access rings
CHAIN_SITES = 4  # assumed: cell sites per access chain
RING_SHARE = 0.8  # assumed: share of access chains closed back to their hub
SHARE_EXCHANGES = 0.01  # assumed: one exchange (= one town) per 100 nodes
SHARE_AGGREGATION = 0.03  # assumed: about 30 cell sites per aggregation site
SHARE_SUBSTATIONS = 0.006  # assumed: one power substation per ~170 nodes
TIER_GROWTH = 4  # assumed: each exchange tier is 4x the size of the tier above
MAX_CORE = 24  # assumed: core exchanges, ~sqrt(exchanges) capped at 24
MAX_REGIONS = 47  # assumed cap (47 is Japan's prefecture count, used as a size only)

# Battery autonomy, hours. Ordinary cell site: ~3 h (range 1-3 h), NTT DOCOMO statements,
# Nikkei xTech 31 Mar 2011 / NHK 27 Apr 2011 (confidence H). Critical cell sites: 24 h,
# the Japan MIC 2020 proposal for sites covering municipal offices (confidence M).
# Other sites: 8 h battery and 72 h of generator fuel, assumed.
BATTERY_CELL_H = 3.0
BATTERY_CRITICAL_CELL_H = 24.0
BATTERY_SITE_H = 8.0
FUEL_SITE_H = 72.0
CRITICAL_CELL_SHARE = 0.02  # assumed: cell sites nearest the regional seats' centres

# Link capacities, Gbit/s, all assumed (typical line rates for each tier).
CAPACITY_GBPS = {
    "backbone": 400.0,
    "uplink": 100.0,
    "access_fibre": 10.0,
    "access_microwave": 1.0,
    "submarine": 1_000.0,
    "satellite": 1.0,
}

_KM_PER_DEG = 111.32  # km per degree of latitude (and of longitude at the equator)


@dataclass(frozen=True)
class _Landmass:
    """An elliptical piece of land, in km from the country's origin."""

    x_km: float
    y_km: float
    a_km: float  # east-west semi-axis
    b_km: float  # north-south semi-axis
    weight: float  # share of the towns


@dataclass(frozen=True)
class _Geography:
    lat0: float
    lon0: float
    lands: tuple[_Landmass, ...]
    foreign_km: tuple[tuple[float, float], ...]  # foreign cable / border gateways (x, y)
    coastal: bool  # landing stations and submarine cables (else cross-border fibre)
    n_landing: int  # landing stations on the main landmass


def generate_topology(preset: Preset, n_nodes: int, seed: int, operators: int = 0) -> Topology:
    """Build a synthetic network of exactly ``n_nodes`` nodes (100 to 1,000,000).

    With ``operators`` (1 to 9), each access chain of cell sites (its sites and links)
    belongs to one of that many operators, ``"001-01"``, ``"001-02"``, ...
    (:func:`resilience_sim.topology.generate_operators.with_operators`); everything else
    stays shared. The network is otherwise the same as without.

    Deterministic per ``(preset, n_nodes, seed)``. Mean degree is about 2.8. The
    result passes every schema and reference check of a topology file (nodes and
    links are built column-wise and checked as columns, and the topology holds those
    columns: no Node or Link object is built unless some code asks for one).

    Raises :class:`InputError` for an unknown preset or a size out of range.

    Parameters
    ----------
    preset : Preset
        The network preset.
    n_nodes : int
        Node count, 100 to 1,000,000.
    seed : int
        The random seed.
    operators : int, default 0
        Number of operators, 0 (none) to 9.

    Returns
    -------
    Topology
        The generated topology.
    """
    if preset not in PRESETS:
        raise InputError.single(
            "<generate>", "preset", f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}"
        )
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, int | np.integer):
        raise InputError.single("<generate>", "n_nodes", f"must be an integer, got {n_nodes!r}")
    if not MIN_NODES <= n_nodes <= MAX_NODES:
        raise InputError.single(
            "<generate>", "n_nodes", f"must be {MIN_NODES:,} to {MAX_NODES:,}, got {n_nodes:,}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError.single("<generate>", "seed", f"must be an integer >= 0, got {seed!r}")
    check_operator_count(operators)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed))))
    geo = _geography(preset, int(n_nodes), rng)
    net = _NetworkBuilder(int(n_nodes), geo, rng).build()
    topology = net.to_topology(
        name=f"synthetic-{preset}-{n_nodes}-seed{seed}",
        description=(
            f"Synthetic {preset} network, {n_nodes:,} nodes, seed {seed}, built by "
            "resilience_sim.topology.generate. Not a real operator's network."
        ),
        origin=(geo.lat0, geo.lon0),
    )
    if operators:
        topology = with_operators(topology, net.cell, net.cell_chain, int(operators), int(seed))
    return topology


def _geography(preset: str, n: int, rng: np.random.Generator) -> _Geography:
    """Land shapes and foreign gateway positions; size grows as n^(1/4) (assumed)."""
    s = float(np.clip((n / 10_000) ** 0.25, 0.5, 3.2))
    if preset == "national":
        a, b = 420.0 * s, 260.0 * s
        return _Geography(
            -5.0,
            -25.0,
            (_Landmass(0.0, 0.0, a, b, 1.0),),
            foreign_km=((a + 700.0, 0.35 * b), (-a - 500.0, -0.5 * b)),
            coastal=True,
            n_landing=3 if n >= 1_000 else 2,
        )
    if preset == "island":
        return _Geography(
            -35.0,
            -130.0,
            (_Landmass(0.0, 0.0, 40.0 * s, 25.0 * s, 1.0),),
            foreign_km=((900.0, 250.0),),
            coastal=True,
            n_landing=1,
        )
    if preset == "archipelago":
        k = int(np.clip(3 + np.floor(np.log10(n)), 4, 9))
        angles = np.sort(rng.uniform(0.0, 2 * np.pi, k - 1))
        dist = rng.uniform(120.0, 380.0, k - 1) * s
        lands = [_Landmass(0.0, 0.0, 45.0 * s, 30.0 * s, 1.0)]
        for i in range(k - 1):
            size = 45.0 * s / np.sqrt(i + 2)
            lands.append(
                _Landmass(
                    float(dist[i] * np.cos(angles[i])),
                    float(dist[i] * np.sin(angles[i])),
                    size,
                    0.65 * size,
                    1.0 / (i + 2),  # Zipf over islands, assumed
                )
            )
        return _Geography(
            -12.0,
            -150.0,
            tuple(lands),
            foreign_km=((1_200.0, -300.0), (-1_000.0, 500.0)),
            coastal=True,
            n_landing=1,
        )
    # landlocked: neighbour gateways just across the east and west borders
    a, b = 350.0 * s, 300.0 * s
    return _Geography(
        -5.0,
        -25.0,
        (_Landmass(0.0, 0.0, a, b, 1.0),),
        foreign_km=((a + 30.0, 0.1 * b), (-a - 30.0, -0.2 * b)),
        coastal=False,
        n_landing=0,
    )


def _in_ellipse(rng: np.random.Generator, land: _Landmass, k: int, fill: float) -> np.ndarray:
    """``k`` points uniform in the landmass ellipse scaled by ``fill``, shape (k, 2) km."""
    r = fill * np.sqrt(rng.random(k))
    t = rng.uniform(0.0, 2 * np.pi, k)
    return np.column_stack(
        [land.x_km + land.a_km * r * np.cos(t), land.y_km + land.b_km * r * np.sin(t)]
    )


def _apportion(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split ``total`` into integers >= ``minimum``, proportional to ``weights``.

    Largest-remainder rounding, so the parts add up to ``total`` exactly.
    """
    k = len(weights)
    rest = total - minimum * k
    if rest < 0:
        raise ValueError(f"cannot give {minimum} to each of {k} parts out of {total}")
    exact = rest * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = rest - counts.sum()
    if short:
        counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return counts + minimum


def _morton(xy: np.ndarray) -> np.ndarray:
    """Z-order key of planar points: sorting by it keeps neighbours close in memory."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    q = ((xy - lo) / np.maximum(hi - lo, 1e-9) * 65_535).astype(np.uint64)
    key = np.zeros(len(xy), dtype=np.uint64)
    for bit in range(16):
        b = np.uint64(bit)
        key |= ((q[:, 0] >> b) & np.uint64(1)) << (np.uint64(2) * b)
        key |= ((q[:, 1] >> b) & np.uint64(1)) << (np.uint64(2) * b + np.uint64(1))
    return key


def _pairs_key(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """One int64 key per undirected pair, for de-duplication."""
    return np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)


class _NetworkBuilder:
    """Collects node and link columns block by block, then builds the objects once."""

    def __init__(self, n: int, geo: _Geography, rng: np.random.Generator):
        self.n, self.geo, self.rng = n, geo, rng
        self.blocks: list[dict] = []  # node blocks, in output order
        self.links: list[tuple[np.ndarray, np.ndarray, str, float]] = []  # src, dst, kind, Gbit/s
        self.n_placed = 0

    # ----------------------------------------------------------------- nodes
    def add_nodes(self, kind: NodeKind, xy: np.ndarray, **columns) -> np.ndarray:
        """Append a block of nodes; return their (final) indices."""
        k = len(xy)
        idx = np.arange(self.n_placed, self.n_placed + k)
        self.blocks.append({"kind": kind, "xy": np.asarray(xy, float).reshape(k, 2), **columns})
        self.n_placed += k
        return idx

    def add_links(self, src, dst, kind: LinkKind, capacity_gbps: float) -> None:
        src, dst = np.asarray(src, np.int64).ravel(), np.asarray(dst, np.int64).ravel()
        if len(src):
            self.links.append((src, dst, kind, capacity_gbps))

    # ----------------------------------------------------------------- build
    def build(self) -> _BuiltNetwork:
        geo, rng, n = self.geo, self.rng, self.n
        lands = geo.lands
        n_foreign = len(geo.foreign_km) + 1  # + the GEO teleport
        n_islands = len(lands)
        n_landing = geo.n_landing + (n_islands - 1)
        n_special = 4  # ixp, data centre, operations centre, satellite ground station
        n_ex = max(n_islands + 1, round(SHARE_EXCHANGES * n))
        n_agg = max(1, round(SHARE_AGGREGATION * n))
        n_ps = max(n_islands, round(SHARE_SUBSTATIONS * n))
        n_cell = n - n_foreign - n_landing - n_special - n_ex - n_agg - n_ps
        assert n_cell >= n_ex, "size too small for the structure"  # guarded by MIN_NODES

        # towns: one exchange each, Zipf populations, capital (rank 1) on the main landmass
        land_w = np.array([la.weight for la in lands])
        towns_per_land = _apportion(n_ex, land_w, 1)
        town_land = np.repeat(np.arange(n_islands), towns_per_land)
        town_xy = np.vstack(
            [
                _in_ellipse(rng, la, int(k), 0.85)
                for la, k in zip(lands, towns_per_land, strict=True)
            ]
        )
        ranks = np.empty(n_ex, dtype=np.int64)
        ranks[0] = 1  # the first town of the main landmass is the capital
        ranks[1:] = rng.permutation(np.arange(2, n_ex + 1))
        zipf = 1.0 / ranks  # rank-size rule, exponent 1 (assumed)
        cells_per_town = _apportion(n_cell, zipf, 1)
        town_pop = zipf / zipf.sum() * PERSONS_PER_CELL_SITE * n_cell
        radius_km = np.maximum(1.0, np.sqrt(town_pop / (np.pi * URBAN_DENSITY_PER_KM2)))

        # regions: around the largest towns; a town joins the nearest seat on its landmass
        n_regions = int(np.clip(round(1.6 * n**0.25), 3, MAX_REGIONS))
        n_regions = min(n_regions, n_ex)
        seats = np.argsort(ranks, kind="stable")[:n_regions]
        town_region = self._nearest_seat(town_xy, town_land, seats)
        region_names = np.array([f"region-{k + 1:02d}" for k in range(n_regions)], dtype=object)

        # power substations in towns, more where more people live
        ps_town = np.sort(
            np.concatenate(
                [
                    np.flatnonzero(town_land == i)[:1]  # at least one per landmass
                    for i in range(n_islands)
                ]
                + [rng.choice(n_ex, n_ps - n_islands, p=zipf / zipf.sum())]
            )
        )
        ps_xy = town_xy[ps_town] + rng.normal(0.0, 1.0, (n_ps, 2)) * radius_km[ps_town, None]

        # foreign nodes first (region "abroad"), then the domestic blocks
        fx = np.array((*geo.foreign_km, (3_000.0, -2_500.0)), dtype=float)
        gw = self.add_nodes(
            NodeKind.GATEWAY,
            fx,
            region="abroad",
            foreign=True,
            international=True,
            name=[
                *(f"foreign cable gateway {i + 1}" for i in range(len(geo.foreign_km))),
                "foreign GEO satellite teleport",
            ],
        )
        land_gw, teleport = gw[:-1], gw[-1]

        ex_order = np.argsort(ranks, kind="stable")  # exchanges numbered by town size
        capital = ex_order[0]
        cap_xy = town_xy[capital]

        # landing stations: main landmass near the largest coastal towns; one per other island
        ls_xy, ls_land = self._landing_positions(town_xy, town_land, ranks)
        ls_names = [f"landing station {i + 1}" for i in range(len(ls_xy))]
        ls = self.add_nodes(NodeKind.LANDING_STATION, ls_xy, name=ls_names) if len(ls_xy) else []

        special_xy = cap_xy + rng.normal(0.0, 2.0, (n_special, 2))
        ixp, dc, oc, sgs = (
            self.add_nodes(kind, special_xy[i : i + 1], name=[label])[0]
            for i, (kind, label) in enumerate(
                [
                    (NodeKind.IXP, "national internet exchange"),
                    (NodeKind.DATA_CENTER, "national data centre"),
                    (NodeKind.OPERATIONS_CENTRE, "network operations centre"),
                    (NodeKind.SATELLITE_GROUND_STATION, "satellite earth station"),
                ]
            )
        )

        # exchanges, in order of town size
        ex_idx_of_town = np.empty(n_ex, dtype=np.int64)
        ex_idx_of_town[ex_order] = self.add_nodes(NodeKind.EXCHANGE, town_xy[ex_order])
        n_core = int(np.clip(round(np.sqrt(towns_per_land[0])), 2, MAX_CORE))
        n_core = min(n_core, int(towns_per_land[0]))

        # aggregation sites in towns, proportional to their cell sites
        agg_per_town = _apportion(n_agg, cells_per_town.astype(float), 0)
        agg_town = np.repeat(np.arange(n_ex), agg_per_town)
        agg_xy = town_xy[agg_town] + rng.normal(0.0, 1.0, (n_agg, 2)) * radius_km[agg_town, None]
        agg_sort = np.lexsort((_morton(agg_xy), town_land[agg_town]))
        agg_town, agg_xy = agg_town[agg_sort], agg_xy[agg_sort]

        # cell sites around their towns
        cell_town = np.repeat(np.arange(n_ex), cells_per_town)
        cell_xy = (
            town_xy[cell_town] + rng.normal(0.0, 1.0, (n_cell, 2)) * radius_km[cell_town, None]
        )
        cell_pop = np.round(town_pop / cells_per_town)[cell_town]

        # hubs (aggregation sites and exchanges) and the cell sites' access chains
        hub_xy = np.vstack([agg_xy, town_xy])
        hub_land = np.concatenate([town_land[agg_town], town_land])
        hub_of_cell = np.empty(n_cell, dtype=np.int64)
        for i in range(n_islands):
            on = np.flatnonzero(hub_land == i)
            cells = np.flatnonzero(town_land[cell_town] == i)
            hub_of_cell[cells] = on[cKDTree(hub_xy[on]).query(cell_xy[cells])[1]]
        d = cell_xy - hub_xy[hub_of_cell]
        angle = np.arctan2(d[:, 1], d[:, 0])
        cell_order = np.lexsort((angle, hub_of_cell))
        cell_town, cell_xy, cell_pop, hub_of_cell = (
            a[cell_order] for a in (cell_town, cell_xy, cell_pop, hub_of_cell)
        )

        agg = self.add_nodes(NodeKind.AGGREGATION, agg_xy)
        critical = self._critical_cells(cell_xy, cell_town, seats, town_xy)
        cell = self.add_nodes(
            NodeKind.CELL_SITE,
            cell_xy,
            population=cell_pop,
            critical=critical,
            battery_h=np.where(critical, BATTERY_CRITICAL_CELL_H, BATTERY_CELL_H),
        )
        ps = self.add_nodes(NodeKind.POWER_SUBSTATION, ps_xy)
        hub_node = np.concatenate([agg, ex_idx_of_town])

        # ---- links
        main = np.flatnonzero(town_land == 0)
        core_towns = main[np.argsort(ranks[main], kind="stable")[:n_core]]
        core_nodes, core_xy = ex_idx_of_town[core_towns], town_xy[core_towns]
        self._core_and_tiers(town_xy, town_land, ranks, ex_idx_of_town, n_core)
        self._access(cell, cell_xy, cell_town, hub_of_cell, hub_node, town_pop)
        self._aggregation_uplinks(
            agg, agg_xy, town_land[agg_town], ex_idx_of_town, town_xy, town_land
        )
        # capital sites: dual-homed to the nearest core exchanges (operations centre: one)
        near_core = cKDTree(core_xy).query(special_xy, k=2)[1]
        for row, (site, k) in enumerate(((ixp, 2), (dc, 2), (oc, 1), (sgs, 2))):
            self.add_links(
                np.full(k, site),
                core_nodes[near_core[row, :k]],
                LinkKind.TERRESTRIAL_FIBER,
                CAPACITY_GBPS["uplink"],
            )
        self.add_links([sgs], [teleport], LinkKind.SATELLITE, CAPACITY_GBPS["satellite"])
        self._international(
            ls, ls_xy, ls_land, land_gw, town_xy, town_land, ex_idx_of_town, core_nodes, core_xy
        )
        self._fill_mean_degree(cell, cell_xy)

        # columns that need every node: region, power feed
        ps_land = town_land[ps_town]
        return _BuiltNetwork(
            blocks=self.blocks,
            links=self.links,
            n=n,
            region_names=region_names,
            town_region=town_region,
            town_xy=town_xy,
            town_land=town_land,
            lands=lands,
            ps=ps,
            ps_xy=ps_xy,
            ps_land=ps_land,
            core=core_nodes,
            cell=self.cell,
            cell_chain=self.cell_chain,
        )

    # ----------------------------------------------------------------- pieces
    @staticmethod
    def _nearest_seat(town_xy, town_land, seats) -> np.ndarray:
        """Region (index into ``seats``) of each town: nearest seat on its landmass, else any."""
        region = cKDTree(town_xy[seats]).query(town_xy)[1]
        for land in np.unique(town_land):
            mine = np.flatnonzero(town_land[seats] == land)
            if len(mine):
                on = town_land == land
                region[on] = mine[cKDTree(town_xy[seats[mine]]).query(town_xy[on])[1]]
        return region

    def _landing_positions(self, town_xy, town_land, ranks):
        """Coast points seaward of the main landmass's largest towns, one per other island."""
        geo, lands = self.geo, self.geo.lands
        pts, land_of = [], []
        main = np.flatnonzero(town_land == 0)
        big = main[np.argsort(ranks[main], kind="stable")]
        for k in range(geo.n_landing):
            t = big[k % len(big)]
            pts.append(self._coast_point(lands[0], town_xy[t], k))
            land_of.append(0)
        for i in range(1, len(lands)):
            on = np.flatnonzero(town_land == i)
            t = on[np.argmin(ranks[on])]
            pts.append(self._coast_point(lands[i], town_xy[t], 0))
            land_of.append(i)
        return np.array(pts, dtype=float).reshape(-1, 2), np.array(land_of, dtype=np.int64)

    @staticmethod
    def _coast_point(land: _Landmass, xy: np.ndarray, k: int) -> np.ndarray:
        """Where the ray from the landmass centre through ``xy`` meets the coast."""
        dx, dy = xy[0] - land.x_km, xy[1] - land.y_km
        if abs(dx) + abs(dy) < 1e-6:  # town at the centre: spread by k
            dx, dy = np.cos(1.3 + 2.1 * k), np.sin(1.3 + 2.1 * k)
        scale = 1.0 / np.sqrt((dx / land.a_km) ** 2 + (dy / land.b_km) ** 2)
        return np.array([land.x_km + 0.98 * dx * scale, land.y_km + 0.98 * dy * scale])

    def _critical_cells(self, cell_xy, cell_town, seats, town_xy) -> np.ndarray:
        """The cell sites nearest the centres of the regional seats (hospitals, offices)."""
        critical = np.zeros(len(cell_xy), dtype=bool)
        n_crit = max(1, round(CRITICAL_CELL_SHARE * len(cell_xy)))
        per_seat = max(1, n_crit // len(seats))
        for t in seats:
            mine = np.flatnonzero(cell_town == t)
            dist = np.hypot(*(cell_xy[mine] - town_xy[t]).T)
            critical[mine[np.argsort(dist, kind="stable")[:per_seat]]] = True
        return critical

    def _core_and_tiers(self, town_xy, town_land, ranks, ex_of_town, n_core) -> None:
        """Core ring with chords on the main landmass; tiers dual-homed upwards per landmass."""
        fibre, cap = LinkKind.TERRESTRIAL_FIBER, CAPACITY_GBPS
        for land in range(len(self.geo.lands)):
            on = np.flatnonzero(town_land == land)
            on = on[np.argsort(ranks[on], kind="stable")]
            top = n_core if land == 0 else 1
            core = on[:top]
            if top >= 2:
                c = town_xy[core] - town_xy[core].mean(axis=0)
                ring = core[np.argsort(np.arctan2(c[:, 1], c[:, 0]), kind="stable")]
                nxt = np.roll(ring, -1)
                pairs = {tuple(sorted(p)) for p in zip(ring.tolist(), nxt.tolist(), strict=True)}
                if top >= 4:  # chords: each core exchange also to its nearest non-ring neighbour
                    _, nb = cKDTree(town_xy[core]).query(town_xy[core], k=min(4, top))
                    for i, row in enumerate(nb):
                        for j in row[1:]:
                            p = tuple(sorted((int(core[i]), int(core[j]))))
                            if p not in pairs:
                                pairs.add(p)
                                break
                u, v = np.array(sorted(pairs)).T
                self.add_links(ex_of_town[u], ex_of_town[v], fibre, cap["backbone"])
            start = top
            size = top * TIER_GROWTH
            while start < len(on):
                tier = on[start : start + size]
                above = on[:start]
                k = min(2, len(above))
                _, nb = cKDTree(town_xy[above]).query(town_xy[tier], k=k)
                nb = nb.reshape(len(tier), k)
                for j in range(k):
                    self.add_links(
                        ex_of_town[tier], ex_of_town[above[nb[:, j]]], fibre, cap["uplink"]
                    )
                start += size
                size *= TIER_GROWTH

    def _access(self, cell, cell_xy, cell_town, hub_of_cell, hub_node, town_pop) -> None:
        """Chains of CHAIN_SITES cell sites from their hub; RING_SHARE closed back to it."""
        n_cell = len(cell)
        first = np.r_[True, hub_of_cell[1:] != hub_of_cell[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(n_cell), 0))
        pos = np.arange(n_cell) - group_start
        chain_head = pos % CHAIN_SITES == 0
        prev = np.where(chain_head, hub_node[hub_of_cell], np.r_[-1, cell[:-1]])
        urban = town_pop[cell_town] >= URBAN_POPULATION
        last = np.r_[chain_head[1:], True] & ~chain_head  # chain tails with >= 2 sites
        closes = last & (self.rng.random(n_cell) < RING_SHARE)
        self.cell, self.cell_chain = cell, np.cumsum(chain_head) - 1  # for operators
        for is_urban, kind, cap in (
            (True, LinkKind.TERRESTRIAL_FIBER, CAPACITY_GBPS["access_fibre"]),
            (False, LinkKind.MICROWAVE, CAPACITY_GBPS["access_microwave"]),
        ):
            sel = urban == is_urban
            self.add_links(prev[sel], cell[sel], kind, cap)
            sel &= closes
            self.add_links(cell[sel], hub_node[hub_of_cell[sel]], kind, cap)

    def _aggregation_uplinks(self, agg, agg_xy, agg_land, ex_of_town, town_xy, town_land) -> None:
        """Each aggregation site to its two nearest exchanges on its landmass (dual-homed)."""
        for land in np.unique(agg_land):
            mine = np.flatnonzero(agg_land == land)
            towns = np.flatnonzero(town_land == land)
            k = min(2, len(towns))
            _, nb = cKDTree(town_xy[towns]).query(agg_xy[mine], k=k)
            nb = nb.reshape(len(mine), k)
            for j in range(k):
                self.add_links(
                    agg[mine],
                    ex_of_town[towns[nb[:, j]]],
                    LinkKind.TERRESTRIAL_FIBER,
                    CAPACITY_GBPS["uplink"],
                )

    def _international(
        self, ls, ls_xy, ls_land, land_gw, town_xy, town_land, ex_of_town, core_nodes, core_xy
    ) -> None:
        """Landing stations to their exchanges and abroad; landlocked: cross-border fibre."""
        fibre, sub, cap = LinkKind.TERRESTRIAL_FIBER, LinkKind.SUBMARINE_CABLE, CAPACITY_GBPS
        if not self.geo.coastal:
            # the two exchanges nearest each border gateway carry the cross-border fibre
            gw_xy = np.array(self.geo.foreign_km)
            _, nb = cKDTree(town_xy).query(gw_xy, k=2)
            for g, row in zip(land_gw, nb, strict=True):
                self.add_links(ex_of_town[row], np.full(2, g), fibre, cap["submarine"])
            return
        for i, (s, land) in enumerate(zip(ls, ls_land, strict=True)):
            towns = np.flatnonzero(town_land == land)
            if land == 0:  # main landmass: to the two nearest core exchanges
                k = min(2, len(core_nodes))
                targets = core_nodes[cKDTree(core_xy).query(ls_xy[i], k=k)[1]]
            else:
                k = min(2, len(towns))
                targets = ex_of_town[towns[cKDTree(town_xy[towns]).query(ls_xy[i], k=k)[1]]]
            targets = np.atleast_1d(targets)
            self.add_links(np.full(len(targets), s), targets, fibre, cap["backbone"])
        main_ls = ls[ls_land == 0]
        for i, s in enumerate(main_ls):  # international cables, spread over the gateways
            self.add_links([s], [land_gw[i % len(land_gw)]], sub, cap["submarine"])
        if len(main_ls) == 1 and len(land_gw) > 1:
            self.add_links([main_ls[0]], [land_gw[1]], sub, cap["submarine"])
        # domestic cables: each outer island to the nearest landing station of a larger one
        for i in range(1, len(self.geo.lands)):
            s = ls[ls_land == i][0]
            larger = ls[ls_land < i]
            j = larger[np.argmin(np.hypot(*(ls_xy[ls_land < i] - ls_xy[ls_land == i][0]).T))]
            self.add_links([s], [j], sub, cap["submarine"])
        if len(self.geo.lands) >= 4:  # one redundant cable between the two largest outer islands
            self.add_links(ls[ls_land == 1], ls[ls_land == 2], sub, cap["submarine"])

    def _fill_mean_degree(self, cell, cell_xy) -> None:
        """Microwave protection links between neighbouring cell sites up to MEAN_DEGREE."""
        target = round(MEAN_DEGREE * self.n / 2)
        src = np.concatenate([s for s, _, _, _ in self.links])
        dst = np.concatenate([d for _, d, _, _ in self.links])
        missing = target - len(src)
        if missing <= 0 or len(cell) < 2:
            return
        k = min(6, len(cell))
        _, nb = cKDTree(cell_xy).query(cell_xy, k=k)
        u = np.repeat(cell, k - 1)
        v = cell[nb[:, 1:].ravel()]
        keys = _pairs_key(u, v, self.n)
        keys, first = np.unique(keys, return_index=True)
        fresh = ~np.isin(keys, _pairs_key(src, dst, self.n)) & (u[first] != v[first])
        keys = keys[fresh]
        pick = self.rng.permutation(len(keys))[:missing]
        chosen = np.sort(keys[pick])
        self.add_links(
            chosen // self.n, chosen % self.n, LinkKind.MICROWAVE, CAPACITY_GBPS["access_microwave"]
        )


_ID_PREFIX = {
    NodeKind.GATEWAY: "gw",
    NodeKind.LANDING_STATION: "ls",
    NodeKind.IXP: "ixp",
    NodeKind.DATA_CENTER: "dc",
    NodeKind.OPERATIONS_CENTRE: "noc",
    NodeKind.SATELLITE_GROUND_STATION: "ses",
    NodeKind.EXCHANGE: "ex",
    NodeKind.AGGREGATION: "agg",
    NodeKind.CELL_SITE: "cs",
    NodeKind.POWER_SUBSTATION: "ps",
}
_LINK_PREFIX = {
    LinkKind.TERRESTRIAL_FIBER: "fib",
    LinkKind.MICROWAVE: "mw",
    LinkKind.SUBMARINE_CABLE: "sub",
    LinkKind.SATELLITE: "sat",
}


@dataclass
class _BuiltNetwork:
    blocks: list[dict]
    links: list[tuple[np.ndarray, np.ndarray, str, float]]
    n: int
    region_names: np.ndarray
    town_region: np.ndarray
    town_xy: np.ndarray
    town_land: np.ndarray
    lands: tuple[_Landmass, ...]
    ps: np.ndarray
    ps_xy: np.ndarray
    ps_land: np.ndarray
    core: np.ndarray
    cell: np.ndarray  # node index of every cell site
    cell_chain: np.ndarray  # its access chain (0, 1, ...)

    def to_topology(self, name: str, description: str, origin: tuple[float, float]) -> Topology:
        n = self.n
        kinds = np.concatenate([np.full(len(b["xy"]), i) for i, b in enumerate(self.blocks)])
        block_kind = [b["kind"] for b in self.blocks]
        xy = np.vstack([b["xy"] for b in self.blocks])
        assert len(xy) == n, (len(xy), n)
        lat0, lon0 = origin
        lat = np.round(lat0 + xy[:, 1] / _KM_PER_DEG, 5)
        lon = np.round(lon0 + xy[:, 0] / (_KM_PER_DEG * np.cos(np.radians(lat0))), 5)

        ids = np.empty(n, dtype=object)
        for kind in dict.fromkeys(block_kind):
            rows = np.flatnonzero(
                np.isin(kinds, [i for i, k in enumerate(block_kind) if k == kind])
            )
            width = len(str(len(rows)))
            prefix = _ID_PREFIX[kind]
            ids[rows] = [f"{prefix}-{j:0{width}d}" for j in range(1, len(rows) + 1)]

        def column(key, default):
            out = np.empty(n, dtype=object)
            start = 0
            for b in self.blocks:
                k = len(b["xy"])
                value = b.get(key, default)
                out[start : start + k] = (
                    value if np.ndim(value) == 0 and not isinstance(value, list) else list(value)
                )
                start += k
            return out

        # regions: every domestic node takes the region of its nearest town on its landmass
        domestic = ~np.asarray(column("foreign", False), dtype=bool)
        town_of = np.full(n, -1, dtype=np.int64)
        tree_by_land = {}
        land_of = self._land_of(xy)
        for land in np.unique(self.town_land):
            towns = np.flatnonzero(self.town_land == land)
            tree_by_land[land] = (towns, cKDTree(self.town_xy[towns]))
        for land, (towns, tree) in tree_by_land.items():
            rows = np.flatnonzero(domestic & (land_of == land))
            town_of[rows] = towns[tree.query(xy[rows])[1]]
        region = column("region", None)
        region[domestic] = self.region_names[self.town_region[town_of[domestic]]]

        # power feed: the nearest substation on the same landmass (not for substations)
        feed = np.full(n, None, dtype=object)
        is_ps = np.zeros(n, dtype=bool)
        is_ps[self.ps] = True
        for land in np.unique(self.ps_land):
            mine = self.ps[self.ps_land == land]
            rows = np.flatnonzero(domestic & ~is_ps & (land_of == land))
            feed[rows] = ids[mine[cKDTree(xy[mine]).query(xy[rows])[1]]]

        kind_col = np.array(block_kind, dtype=object)[kinds]
        population = np.asarray(column("population", 0.0), dtype=float)
        battery = np.asarray(column("battery_h", BATTERY_SITE_H), dtype=float)
        fuel = np.where(
            np.isin(kinds, [i for i, k in enumerate(block_kind) if k in _FUELLED]), FUEL_SITE_H, 0.0
        )
        battery[~domestic | is_ps] = 0.0
        critical = np.asarray(column("critical", False), dtype=bool)
        core = np.zeros(n, dtype=bool)
        core[self.core] = True
        international = np.asarray(column("international", False), dtype=bool)
        names = column("name", None)
        _check_node_columns(ids, lat, lon, population, battery, fuel)

        node_columns = {
            "id": ids.tolist(),
            "kind": [k.value for k in kind_col.tolist()],
            "name": names.tolist(),
            "lat": lat.tolist(),
            "lon": lon.tolist(),
            "region": region.tolist(),
            "population": population.tolist(),
            "power_feed": feed.tolist(),
            "battery_h": battery.tolist(),
            "fuel_h": fuel.tolist(),
            "critical": critical.tolist(),
            "core": core.tolist(),
            "international": international.tolist(),
        }
        nodes = table_from_columns(Node, node_columns, n)

        src = np.concatenate([s for s, _, _, _ in self.links])
        dst = np.concatenate([d for _, d, _, _ in self.links])
        lkind = np.empty(len(src), dtype=object)
        lkind[:] = [k for s, _, k, _ in self.links for _ in range(len(s))]
        cap = np.concatenate([np.full(len(s), c) for s, _, _, c in self.links])
        _check_link_columns(src, dst, n)
        m = len(src)
        link_ids = np.empty(m, dtype=object)
        for kind, prefix in _LINK_PREFIX.items():
            rows = np.flatnonzero(lkind == kind)
            width = len(str(len(rows)))
            link_ids[rows] = [f"{prefix}-{j:0{width}d}" for j in range(1, len(rows) + 1)]
        cable = np.full(m, None, dtype=object)
        subs = np.flatnonzero(lkind == LinkKind.SUBMARINE_CABLE)
        cable[subs] = [f"synthetic cable {j + 1}" for j in range(len(subs))]
        orbit = np.where(lkind == LinkKind.SATELLITE, "geo", None)
        # given rather than left to compile_topology, which computes it link by link
        length_km = np.round(haversine_km(lat[src], lon[src], lat[dst], lon[dst]), 3)
        link_columns = {
            "id": link_ids.tolist(),
            "source": ids[src].tolist(),
            "target": ids[dst].tolist(),
            "kind": [k.value for k in lkind.tolist()],
            "capacity_gbps": cap.tolist(),
            "length_km": length_km.tolist(),
            "cable_system": cable.tolist(),
            "orbit": orbit.tolist(),
        }
        links = table_from_columns(Link, link_columns, m)
        return Topology.from_tables(name, nodes, links, description)

    def _land_of(self, xy: np.ndarray) -> np.ndarray:
        """Index of the landmass whose (scaled) ellipse each point is closest to."""
        score = np.stack(
            [
                np.hypot((xy[:, 0] - la.x_km) / la.a_km, (xy[:, 1] - la.y_km) / la.b_km)
                for la in self.lands
            ]
        )
        return np.argmin(score, axis=0)


_FUELLED = frozenset(
    {
        NodeKind.EXCHANGE,
        NodeKind.LANDING_STATION,
        NodeKind.IXP,
        NodeKind.DATA_CENTER,
        NodeKind.OPERATIONS_CENTRE,
        NodeKind.SATELLITE_GROUND_STATION,
    }
)


def _check_node_columns(ids, lat, lon, population, battery, fuel) -> None:
    """The schema's per-field rules, checked on whole columns (see model.Node)."""
    if len(set(ids.tolist())) != len(ids):
        raise ValueError("generated node ids are not unique")
    if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 180.0)):
        raise ValueError("generated coordinates out of range")
    for values in (population, battery, fuel):
        if not (np.all(np.isfinite(values)) and np.all(values >= 0.0)):
            raise ValueError("generated quantities must be finite and >= 0")


def _check_link_columns(src, dst, n) -> None:
    if np.any(src == dst) or np.any((src < 0) | (src >= n) | (dst < 0) | (dst >= n)):
        raise ValueError("generated links must join two different existing nodes")
