"""Internet Topology Zoo GML files: an input format of the topology stage.

First stage of the pipeline (topology -> scenario -> hazards -> engine -> metrics).
:func:`read_zoo_gml` turns one network of the Internet Topology Zoo
(https://topology-zoo.org, CC BY 4.0, Knight et al., IEEE JSAC 2011) into a
:class:`Topology`. The Zoo records neither node roles nor, for most links,
capacities, so this reader fills in defaults and says so with one
:class:`InputWarning` per kind of default:

* node ids come from the ``label`` (punctuation and spaces become ``-``; a
  repeated label gets ``-2``, ``-3``...; no label, or the label ``None``, gives
  ``node-<gml id>``), the label itself is kept as ``name``;
* ``Latitude``/``Longitude`` (decimal degrees) become ``lat``/``lon``; a pair that
  is incomplete or out of range is dropped;
* ``Country`` becomes ``region`` (``"unassigned"`` when absent);
* every node is an ``exchange``, external (``Internal 0``) nodes included;
* links are ``terrestrial_fiber``, with ``capacity_gbps = LinkSpeedRaw / 1e9``
  (``LinkSpeedRaw`` is in bit/s) or 10 Gbit/s when the speed is unknown;
* link ids are ``<source>--<target>``, then ``#2``, ``#3``... for parallel links;
  self-loops are skipped.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Any

import networkx as nx

from resilience_sim.errors import InputError, InputWarning
from resilience_sim.memory import check_parse_memory
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.io.ids import unique_ids
from resilience_sim.topology.model import LinkKind, NodeKind, Topology, TopologyDocument
from resilience_sim.validation import validate_document

DEFAULT_NODE_KIND = NodeKind.EXCHANGE.value
DEFAULT_LINK_KIND = LinkKind.TERRESTRIAL_FIBER.value
DEFAULT_CAPACITY_GBPS = 10.0
DEFAULT_REGION = "unassigned"
MAX_ID_CHARS = 180  # leaves room for suffixes under the 200-character id limit

_GRAPH_OPEN = re.compile(r"^\s*graph\s*\[", re.MULTILINE)
_NOT_ID_CHAR = re.compile(r"[^\w-]+")
_DASHES = re.compile(r"-{2,}")


def slugify_label(label: str) -> str:
    """A readable id from a Zoo label: spaces and punctuation become single ``-``.

    Parameters
    ----------
    label : str
        A Zoo node label.

    Returns
    -------
    str
        The id.
    """
    text = unicodedata.normalize("NFKC", label)
    text = _DASHES.sub("-", _NOT_ID_CHAR.sub("-", text)).strip("-_")
    return text[:MAX_ID_CHARS].rstrip("-_")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _label(value: Any) -> str:
    # The Zoo toolset wrote a missing label as the text "None" (418 nodes, most of
    # them hyperedge helpers), so read that as no label.
    text = _text(value)
    return "" if text == "None" else text


def _parse(path: Path, file: str) -> nx.MultiDiGraph:
    if not path.is_file():
        raise InputError.single(file, "", "file not found")
    check_parse_memory(path, file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(file, "", f"not UTF-8 text ({exc.reason})") from None
    match = _GRAPH_OPEN.search(text)
    if match is None:
        raise InputError.single(file, "", "not a GML file: no 'graph [' found")
    # Zoo files have parallel edges but do not declare "multigraph 1", which makes
    # networkx reject them; "directed 1" keeps each edge's source and target as written
    # (links are undirected either way).
    header = ""
    if not re.search(r"^\s*multigraph\s", text, re.MULTILINE):
        header += "\n  multigraph 1"
    if not re.search(r"^\s*directed\s", text, re.MULTILINE):
        header += "\n  directed 1"
    text = text[: match.end()] + header + text[match.end() :]
    try:
        graph = nx.parse_gml(text, label="id")
    except (nx.NetworkXError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError.single(file, "", f"cannot parse GML: {exc}") from None
    return graph


def _description(attrs: dict[str, Any]) -> str:
    details = [_text(attrs.get(k)) for k in ("GeoLocation", "Type", "Layer", "NetworkDate")]
    text = f"Internet Topology Zoo network {_text(attrs.get('Network')) or '?'}"
    if any(details):
        text += " (" + ", ".join(d for d in details if d) + ")"
    source = _text(attrs.get("Source"))
    if source:
        text += f"; source map: {source}"
    return text + ". Data CC BY 4.0, Knight et al., IEEE JSAC 29(9), 2011."


def read_zoo_gml(path: str | Path) -> Topology:
    """Read one Topology Zoo GML network; capacities in Gbit/s, coordinates in degrees.

    Raises :class:`InputError` naming the file when it cannot be parsed and warns
    (:class:`InputWarning`) once per kind of default filled in.

    Parameters
    ----------
    path : str or Path
        The ``.gml`` file.

    Returns
    -------
    Topology
        The topology.
    """
    path = Path(path)
    file = str(path)
    g = _parse(path, file)

    gml_ids = list(g.nodes)
    labels = [_label(g.nodes[n].get("label")) for n in gml_ids]
    bases = [slugify_label(lab) or f"node-{n}" for n, lab in zip(gml_ids, labels, strict=True)]
    node_ids = unique_ids(bases, "-")
    id_of = dict(zip(gml_ids, node_ids, strict=True))

    nodes: list[dict[str, Any]] = []
    n_bad_coords = n_no_region = 0
    for gml_id, node_id, label in zip(gml_ids, node_ids, labels, strict=True):
        attrs = g.nodes[gml_id]
        node: dict[str, Any] = {"id": node_id, "kind": DEFAULT_NODE_KIND}
        if label:
            node["name"] = label
        lat, lon = attrs.get("Latitude"), attrs.get("Longitude")
        if lat is not None or lon is not None:
            flat, flon = _number(lat), _number(lon)
            if flat is not None and flon is not None and -90 <= flat <= 90 and -180 <= flon <= 180:
                node["lat"], node["lon"] = flat, flon
            else:
                n_bad_coords += 1
        region = _text(attrs.get("Country"))
        if not region:
            n_no_region += 1
        node["region"] = region or DEFAULT_REGION
        nodes.append(node)

    link_ends: list[tuple[str, str]] = []
    capacities: list[float | None] = []
    n_self_loops = 0
    for u, v, attrs in g.edges(data=True):
        if u == v:
            n_self_loops += 1
            continue
        link_ends.append((id_of[u], id_of[v]))
        raw = _number(attrs.get("LinkSpeedRaw"))
        capacities.append(raw / 1e9 if raw is not None and raw > 0 else None)
    link_bases = [f"{s}--{t}" for s, t in link_ends]
    link_ids = unique_ids(link_bases, "#", set(node_ids) | set(link_bases))
    links = [
        {
            "id": link_id,
            "source": s,
            "target": t,
            "kind": DEFAULT_LINK_KIND,
            "capacity_gbps": DEFAULT_CAPACITY_GBPS if cap is None else cap,
        }
        for link_id, (s, t), cap in zip(link_ids, link_ends, capacities, strict=True)
    ]

    name = next(
        (_text(g.graph.get(k)) for k in ("label", "Network") if _text(g.graph.get(k))), path.stem
    )
    doc_dict = {"name": name, "description": _description(g.graph), "nodes": nodes, "links": links}
    doc = validate_document(TopologyDocument, doc_dict, file)
    topology = build_topology(doc, file)

    n_nodes, n_links = len(nodes), len(links)
    notes = [
        f"Topology Zoo files give no node kinds; nodes[*].kind set to {DEFAULT_NODE_KIND!r} "
        f"on all {n_nodes} nodes"
    ]
    n_no_capacity = sum(cap is None for cap in capacities)
    if n_no_capacity:
        notes.append(
            f"no LinkSpeedRaw on {n_no_capacity} of {n_links} links; links[*].capacity_gbps "
            f"set to {DEFAULT_CAPACITY_GBPS:g} Gbit/s"
        )
    if n_no_region:
        notes.append(
            f"no Country on {n_no_region} of {n_nodes} nodes; nodes[*].region set to "
            f"{DEFAULT_REGION!r}"
        )
    if n_bad_coords:
        notes.append(
            f"dropped the coordinates of {n_bad_coords} nodes whose Latitude/Longitude pair "
            "was incomplete, not a number or out of range"
        )
    if n_self_loops:
        notes.append(f"skipped {n_self_loops} self-loop edge(s)")
    for note in notes:
        warnings.warn(f"{file}: {note}", InputWarning, stacklevel=2)
    return topology


__all__ = ["read_zoo_gml", "slugify_label"]
