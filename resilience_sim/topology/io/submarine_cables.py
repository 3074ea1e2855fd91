"""TeleGeography Submarine Cable Map data (API v3) as a topology: an importer of the topology stage.

First stage of the pipeline (topology -> scenario -> hazards -> engine -> metrics).
:func:`read_submarine_cables` reads the user's copy of the data at run time (it is
CC BY-NC-SA 3.0; nothing of it is shipped with resilience-sim) and keeps every cable
that lands in one of the selected countries, whole:

* every landing point of a kept cable becomes a ``landing_station`` node with the
  data's slug as id, its name, ``lat``/``lon`` from ``landing-point-geo.json`` and
  ``region`` = its country; landing points outside the selected countries are
  flagged ``international: true`` (reaching one means reaching abroad);
* a cable becomes ``submarine_cable`` links between its landing points, with
  ``cable_system`` = the cable's name and ``route`` = the path along the cable's
  MultiLineString. The route lines form a tree (trunk, branching units, branches);
  each landing point is joined to its nearest route vertex, route distances between
  landing points are shortest paths along the lines, and the links are the minimum
  spanning tree of the landing points under those distances. On a cable without
  branches this is "consecutive landing points along the route"; on a branched
  cable it joins each branch to its nearest neighbour, so one link fault isolates
  one side as a real fault would. Landing points the route lines do not join
  (gaps in the drawing) are joined by a straight great-circle link, with a warning;
* ``length_km``: the route length of the link scaled by (the cable's length in the
  data / the length of all its route lines), so the link of a one-segment cable
  gets the data's length (to within the stubs joining the landing points to the
  lines, well under 1 %); without a length in the data, the route length;
* ``owners`` (the data's comma-separated ``owners``) and ``ready_for_service_year`` (its
  ``rfs_year``) are kept on every link of the cable;
* ``capacity_gbps``: the data gives none; 100 Gbit/s is ``assumed`` (an order of
  magnitude for a lit regional system, not a source) and said in one
  :class:`InputWarning`. Cables marked ``is_planned`` are left out unless asked for.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree

from resilience_sim.errors import InputError, InputWarning
from resilience_sim.geo import haversine_km, polyline_length_km
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.io.countries import COUNTRY_OF_ALPHA2
from resilience_sim.topology.io.geojson import (
    line_parts,
    point_lat_lon,
    properties,
    read_features,
    read_json,
)
from resilience_sim.topology.model import LinkKind, NodeKind, Topology, TopologyDocument
from resilience_sim.validation import validate_document

DEFAULT_CAPACITY_GBPS = 100.0  # assumed: order of magnitude, no source (module docstring)
ATTRIBUTION = "Data: TeleGeography Submarine Cable Map, CC BY-NC-SA 3.0"
_JOIN_KM = 5.0  # assumed: the drawings meet to ~0.1 km; 5 km leaves margin, far below a segment
_BRIDGE_PENALTY_KM = 1e7  # route-joined pairs always win over straight bridges in the tree
_OWNER_SPLIT = re.compile(r",(?![^()]*\))")  # commas outside parentheses
_LENGTH = re.compile(r"^\s*([\d,]+(?:\.\d+)?)\s*km\s*$")


def read_submarine_cables(
    data_dir: str | Path,
    countries: Sequence[str],
    *,
    capacity_gbps: float = DEFAULT_CAPACITY_GBPS,
    include_planned: bool = False,
) -> Topology:
    """Topology of the cables landing in ``countries`` (names as in the data or ISO alpha-2).

    ``data_dir`` is the folder holding ``cable/`` and ``landing-point/``. Raises
    :class:`InputError` naming the file and field for missing files, unknown countries
    or no cable found; warns (:class:`InputWarning`) once per kind of default filled in.

    Parameters
    ----------
    data_dir : str or Path
        The data folder.
    countries : Sequence[str]
        Country names or ISO alpha-2 codes.
    capacity_gbps : float, default DEFAULT_CAPACITY_GBPS
        Capacity of a cable without one, Gbit/s.
    include_planned : bool, default False
        Also keep cables not yet in service.

    Returns
    -------
    Topology
        The cables topology.
    """
    root = Path(data_dir)
    geo_file = root / "cable" / "cable-geo.json"
    lp_file = root / "landing-point" / "landing-point-geo.json"
    routes: dict[str, list[list[tuple[float, float]]]] = {}
    for feature in read_features(geo_file):
        cable_id = properties(feature).get("id")
        if isinstance(cable_id, str):
            routes.setdefault(cable_id, []).extend(line_parts(feature))
    landing_at = {properties(f).get("id"): point_lat_lon(f) for f in read_features(lp_file)}
    cables = [_read_cable(root / "cable" / f"{cable_id}.json") for cable_id in sorted(routes)]
    selected = _resolve_countries(
        countries, {lp["country"] for c in cables for lp in c["lps"]}, root
    )

    nodes: dict[str, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    n_planned = n_bridged = 0
    for cable in cables:
        if not any(lp["country"] in selected for lp in cable["lps"]):
            continue
        if cable["is_planned"] and not include_planned:
            n_planned += 1
            continue
        lps = []
        for lp in cable["lps"]:
            at = landing_at.get(lp["id"])
            if at is None:
                raise InputError.single(
                    str(lp_file), f"features[id={lp['id']}]", "landing point has no valid Point"
                )
            if lp["id"] not in nodes:
                nodes[lp["id"]] = {
                    "id": lp["id"],
                    "kind": NodeKind.LANDING_STATION.value,
                    "name": lp["name"] or lp["id"],
                    "lat": at[0],
                    "lon": at[1],
                    "region": lp["country"],
                    "international": lp["country"] not in selected,
                }
            if lp["id"] not in [x[0] for x in lps]:
                lps.append((lp["id"], at))
        if len(lps) < 2:
            continue
        parts = routes[cable["id"]]
        segments, n_cable_bridged = cable_segments(parts, [at for _, at in lps])
        n_bridged += n_cable_bridged
        drawn_km = sum(polyline_length_km(p) for p in parts)
        scale = cable["length_km"] / drawn_km if cable["length_km"] and drawn_km > 0 else 1.0
        for i, j, route, length_km in segments:
            a, b = lps[i][0], lps[j][0]
            links.append(
                {
                    "id": f"{cable['id']}:{a}--{b}",
                    "source": a,
                    "target": b,
                    "kind": LinkKind.SUBMARINE_CABLE.value,
                    "capacity_gbps": capacity_gbps,
                    "length_km": length_km * scale,
                    "route": route,
                    "cable_system": cable["name"],
                    "owners": cable["owners"],
                    "ready_for_service_year": cable["rfs_year"],
                }
            )
    if not links:
        raise InputError.single(
            str(root), "countries", f"no cable with two or more landing points lands in {countries}"
        )
    config = root / "config.json"
    created = read_json(config).get("creation_time", "?") if config.is_file() else "?"
    doc_dict = {
        "name": "submarine-cables-"
        + ("-".join(sorted(selected)) if len(selected) <= 5 else f"{len(selected)}-countries")
        .lower()
        .replace(" ", "-"),
        "description": f"Submarine cables landing in {', '.join(sorted(selected))}. "
        f"{ATTRIBUTION} (export {created}).",
        "nodes": list(nodes.values()),
        "links": links,
    }
    file = str(root)
    topology = build_topology(validate_document(TopologyDocument, doc_dict, file), file)
    notes = [
        f"the data gives no capacities; links[*].capacity_gbps set to {capacity_gbps:g} "
        f"Gbit/s (assumed) on all {len(links)} links"
    ]
    if n_planned:
        notes.append(f"left out {n_planned} planned cable(s) (is_planned)")
    if n_bridged:
        notes.append(
            f"{n_bridged} link(s) join landing points the route lines do not connect; "
            "their route is the straight great-circle line"
        )
    for note in notes:
        warnings.warn(f"{file}: {note}", InputWarning, stacklevel=2)
    return topology


def cable_segments(
    parts: list[list[tuple[float, float]]], landings: list[tuple[float, float]]
) -> tuple[list[tuple[int, int, list[tuple[float, float]], float]], int]:
    """Split one cable's route lines into links between its landing points.

    ``parts``: the route lines as ``(lat, lon)`` lists; ``landings``: the landing points.
    Returns ``([(i, j, route, route_km), ...], n_bridged)`` with ``i < j`` indices into
    ``landings``: the minimum spanning tree of the landing points under shortest-path
    distance along the lines (each landing point joined to its nearest line vertex);
    pairs the lines do not connect are joined straight and counted in ``n_bridged``.
    Line vertices closer than 5 km (branching units, the antimeridian cut) are joined.

    Parameters
    ----------
    parts : list[list[tuple[float, float]]]
        Route lines, ``(lat, lon)`` decimal degrees.
    landings : list[tuple[float, float]]
        Landing points, ``(lat, lon)`` decimal degrees.

    Returns
    -------
    tuple[list[tuple[int, int, list[tuple[float, float]], float]], int]
        ``([(i, j, route, route_km), ...], n_bridged)``.
    """
    coords = [p for part in parts for p in part]
    starts = np.cumsum([0] + [len(part) for part in parts])
    edges = [(q, q + 1) for a, b in pairwise(starts.tolist()) for q in range(a, b - 1)]
    rlat = np.array([c[0] for c in coords], dtype=float)
    rlon = np.array([c[1] for c in coords], dtype=float)
    # Lines meet at branching units and are cut at the antimeridian (+180 / -180);
    # vertices closer than _JOIN_KM are joined so the lines form one network.
    near = haversine_km(rlat[:, None], rlon[:, None], rlat[None, :], rlon[None, :]) < _JOIN_KM
    edges += [(int(a), int(b)) for a, b in zip(*np.nonzero(np.triu(near, 1)), strict=True)]
    n_route = len(coords)
    k = len(landings)
    lat = np.array([c[0] for c in coords] + [p[0] for p in landings], dtype=float)
    lon = np.array([c[1] for c in coords] + [p[1] for p in landings], dtype=float)
    if n_route:
        for i, (la, lo) in enumerate(landings):
            d = haversine_km(la, lo, lat[:n_route], lon[:n_route])
            edges.append((n_route + i, int(np.argmin(d))))
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    # 1e-9 km keeps zero-length edges (a landing point on a vertex) in the sparse graph
    w = haversine_km(lat[src], lon[src], lat[dst], lon[dst]) + 1e-9
    n = n_route + k
    graph = coo_matrix((w, (src, dst)), shape=(n, n)).tocsr()
    dist, pred = dijkstra(
        graph, directed=False, indices=n_route + np.arange(k), return_predecessors=True
    )
    pair = dist[:, n_route:]
    straight = haversine_km(
        lat[n_route:, None], lon[n_route:, None], lat[None, n_route:], lon[None, n_route:]
    )
    bridged = ~np.isfinite(pair)
    weights = np.where(bridged, straight + _BRIDGE_PENALTY_KM, pair) + 1e-6
    np.fill_diagonal(weights, 0.0)
    tree = minimum_spanning_tree(weights).tocoo()
    segments = []
    n_bridged = 0
    for i, j in sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True)):
        i, j = min(i, j), max(i, j)
        if bridged[i, j]:
            route = [landings[i], landings[j]]
            n_bridged += 1
        else:
            path = [n_route + j]
            while path[-1] != n_route + i:
                path.append(int(pred[i, path[-1]]))
            route = [(float(lat[v]), float(lon[v])) for v in reversed(path)]
        route = [p for q, p in enumerate(route) if q == 0 or p != route[q - 1]]
        if len(route) < 2:
            route = [landings[i], landings[j]]
        segments.append((i, j, route, polyline_length_km(route)))
    return segments, n_bridged


def parse_length_km(text: Any) -> float | None:
    """``"19,200 km"`` -> 19200.0; None when absent or not in that form.

    Parameters
    ----------
    text : Any
        The data's length field.

    Returns
    -------
    float or None
        Length, km, or None.
    """
    if not isinstance(text, str):
        return None
    match = _LENGTH.match(text)
    return float(match.group(1).replace(",", "")) if match else None


def _read_cable(path: Path) -> dict[str, Any]:
    raw = read_json(path)
    file = str(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("landing_points"), list):
        raise InputError.single(file, "landing_points", "must be a list")
    lps = []
    for i, lp in enumerate(raw["landing_points"]):
        if not isinstance(lp, dict) or not isinstance(lp.get("id"), str):
            raise InputError.single(file, f"landing_points[{i}].id", "must be a string")
        country = lp.get("country")
        lps.append(
            {
                "id": lp["id"],
                "name": lp.get("name") if isinstance(lp.get("name"), str) else None,
                "country": country if isinstance(country, str) and country else "unassigned",
            }
        )
    return {
        "id": path.stem,
        "name": raw.get("name") if isinstance(raw.get("name"), str) else path.stem,
        "lps": lps,
        "is_planned": raw.get("is_planned") is True,
        "length_km": parse_length_km(raw.get("length")),
        "owners": parse_owners(raw.get("owners")),
        "rfs_year": raw.get("rfs_year") if _is_year(raw.get("rfs_year")) else None,
    }


def parse_owners(text: Any) -> list[str]:
    """``"Digicel Tonga, Government of Tonga"`` -> ``["Digicel Tonga", "Government of Tonga"]``.

    Parameters
    ----------
    text : Any
        The data's owners field.

    Returns
    -------
    list[str]
        Owner names.
    """
    if not isinstance(text, str):
        return []
    return [name.strip() for name in _OWNER_SPLIT.split(text) if name.strip()]


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1850 <= value <= 2100


def _resolve_countries(tokens: Sequence[str], known: set[str], root: Path) -> set[str]:
    by_lower = {c.lower(): c for c in known}
    selected: set[str] = set()
    for token in tokens:
        text = token.strip()
        name = by_lower.get(text.lower()) or COUNTRY_OF_ALPHA2.get(text.upper())
        if name is None or name not in known:
            raise InputError.single(
                str(root),
                "countries",
                f"no landing point in country {text!r}; give a country name as in the data "
                "(e.g. 'Tonga') or an ISO 3166 alpha-2 code (e.g. 'TO')",
            )
        selected.add(name)
    if not selected:
        raise InputError.single(str(root), "countries", "give at least one country")
    return selected


__all__ = [
    "ATTRIBUTION",
    "DEFAULT_CAPACITY_GBPS",
    "cable_segments",
    "parse_owners",
    "read_submarine_cables",
]
