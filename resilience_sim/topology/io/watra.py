"""National fibre backbones as GeoJSON (WATRA West Africa data): an importer of the topology stage.

First stage of the pipeline (topology -> scenario -> hazards -> engine -> metrics).
:func:`read_fibre_backbone` turns GeoJSON nodes (Points) and links (LineStrings /
MultiLineStrings with ``from``/``to`` node names and ``distance`` in metres), as
published by the WATRA Gap Analysis project (FNS-Division/WATRA-fiber-data, MIT
licence), into a :class:`Topology`:

* every Point becomes an ``exchange`` node: the data lists backbone points of
  presence without saying which are exchanges and which aggregation sites, and as
  exchanges they are the national core by default (docs/topology-format.md). Ids
  are the ``name`` made readable (``-2``, ``-3``... for repeats), else ``node_id``;
  ``region`` is the ``country`` property;
* every line becomes a ``terrestrial_fiber`` link with ``length_km`` = ``distance``
  / 1000 (else the route length) and ``route`` = its geometry. An end is found by
  name when its ``from`` / ``to`` names exactly one node (or equals a ``node_id``);
  otherwise the first (``from``) or last (``to``) point of the geometry is **snapped**
  to the nearest node within ``snap_km``. A line is **dropped** when an end is
  neither named nor within ``snap_km`` of a node, or when both ends land on the same
  node. Both counts are reported in one :class:`InputWarning`;
* ``status: Planned`` lines are left out unless asked for;
* ``capacity_gbps``: the data gives none; 10 Gbit/s is ``assumed`` (the value the
  Topology Zoo reader uses for unknown links), said in one :class:`InputWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from resilience_sim.errors import InputError, InputWarning
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.io.geojson import (
    line_points,
    nearest_within_km,
    point_lat_lon,
    properties,
    read_features,
    slug,
)
from resilience_sim.topology.io.ids import unique_ids
from resilience_sim.topology.model import LinkKind, NodeKind, Topology, TopologyDocument
from resilience_sim.validation import validate_document

DEFAULT_CAPACITY_GBPS = 10.0  # assumed, as the Topology Zoo reader (module docstring)
DEFAULT_SNAP_KM = 2.0  # assumed: WATRA line ends lie on their node (median 0 km) or miss by km
ATTRIBUTION = "Data: WATRA fibre data, FNS-Division/WATRA-fiber-data, MIT licence"


@dataclass(frozen=True)
class FibreImport:
    """An imported backbone and what became of its lines (counts of lines).

    Every kept line is one of: joined by name (both ends named a node), snapped (at
    least one end snapped), dropped; ``n_by_name + n_snapped + n_dropped == n_lines``.
    ``n_planned`` lines were left out before that.
    """

    topology: Topology
    n_lines: int
    n_by_name: int
    n_snapped: int
    n_dropped: int
    n_planned: int


def read_fibre_backbone(
    path: str | Path,
    country: str | None = None,
    *,
    snap_km: float = DEFAULT_SNAP_KM,
    capacity_gbps: float = DEFAULT_CAPACITY_GBPS,
    include_planned: bool = False,
) -> FibreImport:
    """Import one national fibre backbone; lengths in km, capacities in Gbit/s.

    ``path`` is either a WATRA data folder (holding ``nodes/<CC>_nodes.geojson`` and
    ``lines/<CC>_lines.geojson``; ``country`` is then the file code such as ``SLE`` or
    the ``country`` property such as ``Sierra Leone``) or one GeoJSON file holding
    both Points and lines (``country``, when given, keeps features of that country).
    Raises :class:`InputError` naming the file and field; warns once per kind of default.

    Parameters
    ----------
    path : str or Path
        A WATRA data folder or one GeoJSON file.
    country : str or None, default None
        The country (see above; None: all).
    snap_km : float, default DEFAULT_SNAP_KM
        Line ends within this of a node are snapped to it, km.
    capacity_gbps : float, default DEFAULT_CAPACITY_GBPS
        Capacity of a line without one, Gbit/s.
    include_planned : bool, default False
        Also keep lines not yet in service.

    Returns
    -------
    FibreImport
        The backbone and counts of its lines.
    """
    path = Path(path)
    if snap_km < 0:
        raise InputError.single(str(path), "snap_km", "must be >= 0 km")
    if path.is_dir():
        nodes_file, lines_file = _country_files(path, country)
        node_features, line_features = read_features(nodes_file), read_features(lines_file)
        file = str(lines_file)
    else:
        features = read_features(path)
        if country:
            features = [f for f in features if properties(f).get("country") == country]
        node_features = [f for f in features if (f.get("geometry") or {}).get("type") == "Point"]
        line_features = [f for f in features if line_points(f)]
        nodes_file = lines_file = path
        file = str(path)

    sites, nodes = _nodes(node_features, str(nodes_file))
    if not nodes:
        raise InputError.single(str(nodes_file), "features", "no Point feature with coordinates")
    by_key = _name_index(node_features)
    kept = [
        f
        for f in line_features
        if include_planned or str(properties(f).get("status") or "").lower() != "planned"
    ]
    ends, was_snapped = _link_ends(kept, by_key, np.array(sites), snap_km)
    links: list[dict[str, Any]] = []
    n_snapped = 0
    for feature, (a, b), snapped in zip(kept, ends, was_snapped, strict=True):
        if a < 0 or b < 0 or a == b:
            continue
        n_snapped += snapped
        route = line_points(feature)
        distance_m = properties(feature).get("distance")
        link: dict[str, Any] = {
            "id": f"{nodes[a]['id']}--{nodes[b]['id']}",
            "source": nodes[a]["id"],
            "target": nodes[b]["id"],
            "kind": LinkKind.TERRESTRIAL_FIBER.value,
            "capacity_gbps": capacity_gbps,
            "route": route if len(route) >= 2 else None,
        }
        if (
            isinstance(distance_m, int | float)
            and not isinstance(distance_m, bool)
            and distance_m > 0
        ):
            link["length_km"] = float(distance_m) / 1000.0
        links.append(link)
    for link, link_id in zip(links, unique_ids([e["id"] for e in links], "#"), strict=True):
        link["id"] = link_id
    n_dropped = len(kept) - len(links)
    n_by_name = len(links) - n_snapped
    name = country or path.stem
    doc_dict = {
        "name": f"fibre-{slug(name).lower() or 'backbone'}",
        "description": f"National fibre backbone of {name}. {ATTRIBUTION}.",
        "nodes": nodes,
        "links": links,
    }
    topology = build_topology(validate_document(TopologyDocument, doc_dict, file), file)
    notes = [
        f"the data gives no capacities; links[*].capacity_gbps set to {capacity_gbps:g} "
        f"Gbit/s (assumed) on all {len(links)} links; nodes[*].kind set to 'exchange'",
        f"{len(kept)} lines: {n_by_name} joined by from/to names, {n_snapped} snapped to the "
        f"nearest node within {snap_km:g} km, {n_dropped} dropped (an end not named and no "
        "node within the snap distance, or both ends on one node)",
    ]
    n_planned = len(line_features) - len(kept)
    if n_planned:
        notes.append(f"left out {n_planned} planned line(s) (status Planned)")
    for note in notes:
        warnings.warn(f"{file}: {note}", InputWarning, stacklevel=2)
    return FibreImport(topology, len(kept), n_by_name, n_snapped, n_dropped, n_planned)


def _country_files(root: Path, country: str | None) -> tuple[Path, Path]:
    if not country:
        raise InputError.single(str(root), "country", "give --country (e.g. SLE or Sierra Leone)")
    codes = sorted(p.name.split("_")[0] for p in (root / "nodes").glob("*_nodes.geojson"))
    code = country.upper() if country.upper() in codes else None
    if code is None:  # a country name: find the file whose nodes carry it
        for candidate in codes:
            feats = read_features(root / "nodes" / f"{candidate}_nodes.geojson")
            if any(str(properties(f).get("country")).lower() == country.lower() for f in feats):
                code = candidate
                break
    if code is None:
        raise InputError.single(
            str(root / "nodes"),
            "country",
            f"no nodes file for {country!r}; known codes: {', '.join(codes) or 'none'}",
        )
    return root / "nodes" / f"{code}_nodes.geojson", root / "lines" / f"{code}_lines.geojson"


def _nodes(features: list[dict[str, Any]], file: str) -> tuple[list[tuple[float, float]], list]:
    located = [(f, point_lat_lon(f)) for f in features]
    located = [(f, at) for f, at in located if at is not None]
    bases = []
    for i, (f, _) in enumerate(located):
        props = properties(f)
        name = props.get("name") if isinstance(props.get("name"), str) else ""
        bases.append(slug(name) or slug(str(props.get("node_id") or "")) or f"node-{i}")
    nodes = []
    for node_id, (f, at) in zip(unique_ids(bases), located, strict=True):
        props = properties(f)
        node = {
            "id": node_id,
            "kind": NodeKind.EXCHANGE.value,
            "lat": at[0],
            "lon": at[1],
            "region": str(props.get("country") or "unassigned"),
        }
        if isinstance(props.get("name"), str) and props["name"].strip():
            node["name"] = props["name"].strip()
        nodes.append(node)
    return [at for _, at in located], nodes


def _name_index(features: list[dict[str, Any]]) -> dict[str, int]:
    """Names (and node_ids) that designate exactly one located node -> its index."""
    located = [f for f in features if point_lat_lon(f) is not None]
    counts: dict[str, int] = {}
    index: dict[str, int] = {}
    for i, f in enumerate(located):
        props = properties(f)
        for key in {props.get("name"), props.get("node_id")}:
            if isinstance(key, str) and key.strip():
                counts[key.strip()] = counts.get(key.strip(), 0) + 1
                index[key.strip()] = i
    return {k: i for k, i in index.items() if counts[k] == 1}


def _link_ends(
    lines: list[dict[str, Any]], by_key: dict[str, int], sites: np.ndarray, snap_km: float
) -> tuple[list[tuple[int, int]], list[bool]]:
    """Node index of both ends of every line (-1: unresolved), and whether an end was snapped."""
    named: list[list[int]] = []
    to_snap: list[tuple[float, float]] = []
    where: list[tuple[int, int]] = []
    for k, f in enumerate(lines):
        props = properties(f)
        pts = line_points(f)
        row = []
        for end, key in enumerate(("from", "to")):
            value = props.get(key)
            idx = by_key.get(value.strip(), -1) if isinstance(value, str) else -1
            if idx < 0 and pts:
                to_snap.append(pts[0] if end == 0 else pts[-1])
                where.append((k, end))
            row.append(idx)
        named.append(row)
    snapped, _ = nearest_within_km(np.array(to_snap, dtype=float).reshape(-1, 2), sites, snap_km)
    was_snapped = [False] * len(lines)
    for (k, end), idx in zip(where, snapped.tolist(), strict=True):
        named[k][end] = idx
        was_snapped[k] = was_snapped[k] or idx >= 0
    return [(a, b) for a, b in named], was_snapped


__all__ = ["ATTRIBUTION", "DEFAULT_SNAP_KM", "FibreImport", "read_fibre_backbone"]
