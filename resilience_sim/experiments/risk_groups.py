"""Shared-risk link groups: from ``srlg`` tags, shared landing stations and route geometry.

Experiments layer, input to :mod:`resilience_sim.experiments.criticality`. A shared-risk
group is a set of links one event can cut together: a duct, a bridge crossing, a shore
end. Four sources, each group listed with where it came from so a planner can review
the derived ones:

* ``tag``: links carrying the same ``srlg`` tag in the topology file;
* ``landing``: the submarine cables landing at the same landing station;
* ``corridor``: links whose routes run within ``buffer_km`` of each other along at least
  ``min_shared_km``, joined transitively (a corridor). Only links with a ``route`` are
  compared: a straight line between end points is no route. Stretches within
  ``buffer_km`` of an end node the two links share do not count, so links merely
  leaving the same site in different directions are not grouped;
* ``trunk``: for each pair of submarine-cable systems (``cable_system``) whose links
  share a trunk section by the same route test, the links of both that share it: the
  pairwise view of corridors, kept even when a corridor joins more systems;
* ``operators``: links of two or more different operators (``operator``) without a
  ``route`` whose ends are the same two points (the same nodes, or nodes at the same
  coordinates, as tenant sites on one tower): a trunk section the operators share (one duct
  or pole line, `assumed`: give routes to let the corridor test decide instead).

Groups with the same links are listed once, with every source.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from resilience_sim.geo import EARTH_RADIUS_KM, haversine_km
from resilience_sim.topology.model import LinkKind, NodeKind, Topology

# Defaults, both `assumed` (no source read): 0.5 km is a trench, a bridge or a shore
# approach shared by two routes; 1 km of such sharing makes a common cut likely enough to
# review. Override them (CLI: --buffer-km, --min-shared-km).
DEFAULT_BUFFER_KM = 0.5
DEFAULT_MIN_SHARED_KM = 1.0


@dataclass(frozen=True)
class RiskGroup:
    """A shared-risk group: its name, where it came from (``tag <tag>``, ``landing <node>``,
    ``corridor within <buffer> km``) and its link ids (file order)."""

    name: str
    sources: tuple[str, ...]
    link_ids: tuple[str, ...]


def risk_groups(
    topology: Topology,
    buffer_km: float = DEFAULT_BUFFER_KM,
    min_shared_km: float = DEFAULT_MIN_SHARED_KM,
) -> list[RiskGroup]:
    """Every shared-risk group of ``topology``: tags, landings, corridors, then trunks.

    Parameters
    ----------
    topology : Topology
        The network.
    buffer_km : float, default DEFAULT_BUFFER_KM
        Corridor half-width, km.
    min_shared_km : float, default DEFAULT_MIN_SHARED_KM
        Shortest shared length making a corridor, km.

    Returns
    -------
    list[RiskGroup]
        The groups.
    """
    found: dict[tuple[str, ...], RiskGroup] = {}

    def add(name: str, source: str, link_ids: set[str]) -> None:
        key = tuple(e.id for e in topology.links if e.id in link_ids)
        if key in found:
            old = found[key]
            found[key] = RiskGroup(old.name, (*old.sources, source), key)
        else:
            found[key] = RiskGroup(name, (source,), key)

    tags: dict[str, set[str]] = {}
    for link in topology.links:
        for tag in link.srlg:
            tags.setdefault(tag, set()).add(link.id)
    for tag, links in tags.items():
        add(tag, f"tag {tag}", links)
    for node in topology.nodes:
        if node.kind != NodeKind.LANDING_STATION:
            continue
        cables = {
            e.id
            for e in topology.links
            if e.kind == LinkKind.SUBMARINE_CABLE and node.id in (e.source, e.target)
        }
        if len(cables) >= 2:
            add(f"landing:{node.id}", f"landing {node.id}", cables)
    for i, corridor in enumerate(corridors(topology, buffer_km, min_shared_km), start=1):
        add(f"corridor-{i}", f"corridor within {buffer_km:g} km", corridor)
    for (system_a, system_b), links in shared_trunks(topology, buffer_km, min_shared_km).items():
        add(f"trunk:{system_a}+{system_b}", f"shared trunk {system_a} + {system_b}", links)
    for (a, b), (operators, links) in operator_trunks(topology).items():
        add(f"shared-trunk:{a}~{b}", f"operators {', '.join(operators)} share {a}~{b}", links)
    return list(found.values())


def operator_trunks(topology: Topology) -> dict[tuple[str, str], tuple[list[str], set[str]]]:
    """Unrouted links between the same two points run by two or more different operators:
    ``(end a, end b) -> (sorted operators, link ids)``, named by the first such link's ends.
    A located node is its point (degrees rounded to 1e-6, ~0.1 m), an unlocated one its id.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    dict[tuple[str, str], tuple[list[str], set[str]]]
        End points -> (link ids, operators).
    """
    nodes = {n.id: n for n in topology.nodes}

    def point(node_id: str) -> tuple:
        n = nodes[node_id]
        return (round(n.lat, 6), round(n.lon, 6)) if n.has_location else (node_id,)

    by_ends: dict[tuple, list] = {}
    for link in topology.links:
        if link.route is None and link.operator is not None:
            ends = tuple(sorted((point(link.source), point(link.target))))
            by_ends.setdefault(ends, []).append(link)
    out = {}
    for links in by_ends.values():
        operators = sorted({e.operator for e in links})
        if len(operators) >= 2:
            first = links[0]
            name = tuple(sorted((first.source, first.target)))
            out[name] = (operators, {e.id for e in links})
    return out


def group_operators(topology: Topology, group: RiskGroup) -> list[str]:
    """The operators whose links are in ``group`` (``shared`` for links without one).

    Parameters
    ----------
    topology : Topology
        The network.
    group : RiskGroup
        A group.

    Returns
    -------
    list[str]
        Operator ids.
    """
    index = topology.link_index
    return sorted({topology.links[index[i]].operator or "shared" for i in group.link_ids})


def corridors(topology: Topology, buffer_km: float, min_shared_km: float) -> list[set[str]]:
    """Sets of routed links joined by :func:`shared_length_km` >= ``min_shared_km``.

    Parameters
    ----------
    topology : Topology
        The network.
    buffer_km : float
        Corridor half-width, km.
    min_shared_km : float
        Shortest shared length, km.

    Returns
    -------
    list[set[str]]
        Sets of link ids.
    """
    routed = [e for e in topology.links if e.route is not None]
    parent = list(range(len(routed)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sharing_pairs(topology, routed, buffer_km, min_shared_km):
        parent[find(i)] = find(j)
    groups: dict[int, set[str]] = {}
    for i, link in enumerate(routed):
        groups.setdefault(find(i), set()).add(link.id)
    return [g for g in groups.values() if len(g) >= 2]


def shared_trunks(
    topology: Topology, buffer_km: float, min_shared_km: float
) -> dict[tuple[str, str], set[str]]:
    """Submarine-cable links of two different cable systems whose routes share a trunk
    section (:func:`shared_length_km` >= ``min_shared_km``), by the pair of system names.

    Parameters
    ----------
    topology : Topology
        The network.
    buffer_km : float
        Corridor half-width, km.
    min_shared_km : float
        Shortest shared length, km.

    Returns
    -------
    dict[tuple[str, str], set[str]]
        Cable-system pair -> link ids.
    """
    cables = [
        e
        for e in topology.links
        if e.route is not None and e.kind == LinkKind.SUBMARINE_CABLE and e.cable_system
    ]
    out: dict[tuple[str, str], set[str]] = {}
    for i, j in sharing_pairs(topology, cables, buffer_km, min_shared_km):
        a, b = cables[i], cables[j]
        if a.cable_system != b.cable_system:
            key = tuple(sorted((a.cable_system, b.cable_system)))
            out.setdefault(key, set()).update((a.id, b.id))
    return out


def sharing_pairs(
    topology: Topology, routed: list, buffer_km: float, min_shared_km: float
) -> list[tuple[int, int]]:
    """Index pairs ``i < j`` of ``routed`` links whose routes share >= ``min_shared_km``
    within ``buffer_km`` (stretches near a shared end node not counted).

    Parameters
    ----------
    topology : Topology
        The network.
    routed : list
        The routed links.
    buffer_km : float
        Corridor half-width, km.
    min_shared_km : float
        Shortest shared length, km.

    Returns
    -------
    list[tuple[int, int]]
        Index pairs.
    """
    if len(routed) < 2:
        return []
    routes = [np.asarray(e.route, dtype=float) for e in routed]
    centre, radius = zip(*(_bounding_circle(r) for r in routes), strict=True)
    centre, radius = np.asarray(centre), np.asarray(radius)
    apart = haversine_km(
        centre[:, None, 0], centre[:, None, 1], centre[None, :, 0], centre[None, :, 1]
    )
    near = apart <= radius[:, None] + radius[None, :] + buffer_km
    pairs = []
    for i, j in zip(*np.nonzero(np.triu(near, k=1)), strict=True):
        a, b = routed[i], routed[j]
        shared_ends = [topology.node(n) for n in {a.source, a.target} & {b.source, b.target}]
        ends = np.array([(n.lat, n.lon) for n in shared_ends if n.has_location]).reshape(-1, 2)
        shared = max(
            shared_length_km(routes[i], routes[j], buffer_km, ends),
            shared_length_km(routes[j], routes[i], buffer_km, ends),
        )
        if shared >= min_shared_km:
            pairs.append((int(i), int(j)))
    return pairs


def shared_length_km(
    route: np.ndarray,
    other: np.ndarray,
    buffer_km: float,
    excluded_points: np.ndarray | None = None,
) -> float:
    """Length in km of ``route`` within ``buffer_km`` of polyline ``other``.

    Routes are ``(k, 2)`` arrays of ``(lat, lon)`` degrees. ``route`` is sampled at
    spacing <= ``buffer_km / 2``; stretches within ``buffer_km`` of any of
    ``excluded_points`` (shared end nodes) are not counted. Distances are measured in a
    local equirectangular projection, accurate for the short distances that matter here.

    Parameters
    ----------
    route : numpy.ndarray
        ``(k, 2)`` route, decimal degrees.
    other : numpy.ndarray
        ``(m, 2)`` other route, decimal degrees.
    buffer_km : float
        Buffer, km.
    excluded_points : numpy.ndarray or None, default None
        ``(p, 2)`` points around which nothing counts (None: none).

    Returns
    -------
    float
        Length, km.
    """
    step_km = buffer_km / 2 if buffer_km > 0 else 0.05
    samples, weights = _sample_polyline(route, step_km)
    lat0 = np.radians(np.mean(route[:, 0]))
    lon0 = route[0, 1]
    xy = _project(samples, lat0, lon0)
    seg = _project(other, lat0, lon0)
    near = _distance_to_polyline(xy, seg) <= buffer_km
    if excluded_points is not None and len(excluded_points):
        ends = _project(excluded_points, lat0, lon0)
        to_end = np.sqrt(((xy[:, None, :] - ends[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        near &= to_end > buffer_km
    return float(weights[near].sum())


def _sample_polyline(route: np.ndarray, step_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints of equal pieces (<= ``step_km``) of each segment, with their lengths."""
    points, weights = [], []
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(route.tolist()):
        if abs(lon2 - lon1) > 180.0:  # the short way across the antimeridian
            lon2 += 360.0 if lon2 < lon1 else -360.0
        length = float(haversine_km(lat1, lon1, lat2, lon2))
        k = max(1, int(np.ceil(length / step_km)))
        t = (np.arange(k) + 0.5) / k
        points.append(np.column_stack([lat1 + t * (lat2 - lat1), lon1 + t * (lon2 - lon1)]))
        weights.append(np.full(k, length / k))
    return np.vstack(points), np.concatenate(weights)


def _project(points: np.ndarray, lat0_rad: float, lon0_deg: float) -> np.ndarray:
    """Equirectangular km around (lat0, lon0); longitudes unwrapped to lon0 +- 180."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    dlon = (points[:, 1] - lon0_deg + 180.0) % 360.0 - 180.0
    k = np.pi / 180.0 * EARTH_RADIUS_KM
    return np.column_stack([dlon * k * np.cos(lat0_rad), (points[:, 0]) * k])


def _distance_to_polyline(xy: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Distance of each point ``(p, 2)`` to the polyline ``(s+1, 2)``, same units."""
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    denom = np.maximum((ab**2).sum(axis=1), 1e-18)
    best = np.full(len(xy), np.inf)
    for start in range(0, len(xy), 4096):  # bounded memory for long routes
        p = xy[start : start + 4096, None, :]
        t = np.clip(((p - a) * ab).sum(axis=2) / denom, 0.0, 1.0)
        d = np.sqrt(((p - (a + t[..., None] * ab)) ** 2).sum(axis=2)).min(axis=1)
        best[start : start + 4096] = d
    return best


def _bounding_circle(route: np.ndarray) -> tuple[tuple[float, float], float]:
    """A circle (centre lat/lon, radius km) holding every point of the route."""
    lat, lon = np.radians(route[:, 0]), np.radians(route[:, 1])
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    m = xyz.mean(axis=0)
    m /= np.linalg.norm(m)
    centre = (float(np.degrees(np.arcsin(m[2]))), float(np.degrees(np.arctan2(m[1], m[0]))))
    radius = float(haversine_km(centre[0], centre[1], route[:, 0], route[:, 1]).max())
    return centre, radius
