"""GraphML topology files: an input/output format of the topology stage.

First stage of the pipeline (topology -> scenario -> hazards -> engine -> metrics).
:func:`write_graphml` exports a :class:`Topology` as an undirected networkx
``MultiGraph`` in GraphML: every :class:`Node` and :class:`Link` field becomes a
GraphML attribute of the same name (units as in the schema: ``capacity_gbps`` in
Gbit/s, ``length_km`` in km, ``lat``/``lon`` in decimal degrees, ...), ``None``
values are left out, list-valued fields (``route``, ``srlg``, ``owners``,
``route_depth_m``) are JSON strings and
the link id is both the GraphML edge id and an ``id`` attribute. Edges are written
in link order with each link's own source and target, so a written file reads
back into an equal topology.

:func:`read_graphml` reads those files and GraphML written by other tools: nodes
without ``kind`` become ``exchange``, ``Latitude``/``Longitude`` are read as
``lat``/``lon``, links default to ``terrestrial_fiber`` at 10 Gbit/s and links
without an id are named ``<source>--<target>``. Each file that needed such
repairs gives one :class:`InputWarning`. Bad content raises :class:`InputError`
with the same ``FILE: field: message`` lines as the native format.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.graphml import GraphMLReader, GraphMLWriter

from resilience_sim.atomic_write import atomic_output
from resilience_sim.errors import InputError, InputProblem, InputWarning
from resilience_sim.memory import check_parse_memory
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.model import Link, LinkKind, Node, NodeKind, Topology, TopologyDocument
from resilience_sim.validation import validate_document

NODE_FIELDS: frozenset[str] = frozenset(Node.model_fields)
LINK_FIELDS: frozenset[str] = frozenset(Link.model_fields)
JSON_LINK_FIELDS: tuple[str, ...] = ("route", "srlg", "owners", "route_depth_m")
JSON_NODE_FIELDS: tuple[str, ...] = ("depends_on", "radios")

DEFAULT_NODE_KIND = NodeKind.EXCHANGE.value
DEFAULT_LINK_KIND = LinkKind.TERRESTRIAL_FIBER.value
DEFAULT_CAPACITY_GBPS = 10.0

# Attribute names other tools use for a schema field; the first one present wins
# and the schema's own name always comes first.
NODE_ALIASES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "Latitude", "latitude"),
    "lon": ("lon", "Longitude", "longitude"),
    "name": ("name", "label"),
    "region": ("region", "Country"),
}
# Attributes of foreign files dropped without comment (networkx bookkeeping).
_SILENT_NODE_ATTRS = frozenset({"id"})
_SILENT_EDGE_ATTRS = frozenset({"key", "source", "target"})


# ---------------------------------------------------------------- writing


class _LinkOrderWriter(GraphMLWriter):
    """networkx's GraphML writer, but edges go out in link order, source -> target.

    A networkx ``MultiGraph`` iterates its edges grouped by node and orients each
    from the earlier node, which would reorder links and swap some ends.
    """

    def __init__(self, links: list[tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._links = links

    def add_edges(self, G: nx.MultiGraph, graph_element: Any) -> None:
        default = G.graph.get("edge_default", {})
        for source, target, key in self._links:
            edge_element = self.myElement("edge", source=source, target=target, id=key)
            self.add_attributes("edge", edge_element, G.edges[source, target, key], default)
            graph_element.append(edge_element)


def _attrs(model: Node | Link, exclude: set[str]) -> dict[str, Any]:
    data = model.model_dump(mode="json", exclude=exclude)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        out[key] = json.dumps(value) if isinstance(value, list) else value
    return out


def topology_to_multigraph(topology: Topology) -> nx.MultiGraph:
    """The GraphML view: a MultiGraph keyed by link id, lists as JSON, no ``None`` values.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    networkx.MultiGraph
        The graph.
    """
    g = nx.MultiGraph(name=topology.name, description=topology.description)
    for node in topology.nodes:
        g.add_node(node.id, **_attrs(node, {"id"}))
    for link in topology.links:
        g.add_edge(link.source, link.target, key=link.id, **_attrs(link, {"source", "target"}))
    return g


def write_graphml(topology: Topology, path: str | Path) -> None:
    """Write ``topology`` as GraphML (UTF-8); fields keep their schema names and units.

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or Path
        The ``.graphml`` file.
    """
    path = Path(path)
    g = topology_to_multigraph(topology)
    writer = _LinkOrderWriter(
        [(e.source, e.target, e.id) for e in topology.links], encoding="utf-8", prettyprint=True
    )
    writer.add_graph_element(g)
    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        writer.dump(fh)


# ---------------------------------------------------------------- reading


def _read_bytes(path: Path, file: str) -> bytes:
    if not path.is_file():
        raise InputError.single(file, "", "file not found")
    check_parse_memory(path, file)
    return path.read_bytes()


_NS = b"http://graphml.graphdrawing.org/xmlns"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _EdgeRecordingReader(GraphMLReader):
    """networkx's GraphML reader, but edges are kept aside in file order, as written.

    networkx would add them to a MultiGraph, which reorders them, may swap their
    ends, merges edges that share an id and silently creates undeclared end nodes.
    """

    def __init__(self) -> None:
        super().__init__(node_type=str, edge_key_type=str, force_multigraph=True)
        self.edge_records: list[tuple[str, str, str | None, dict[str, Any]]] = []

    def add_edge(self, G: nx.MultiGraph, edge_element: Any, graphml_keys: Any) -> None:
        data = self.decode_data_elements(graphml_keys, edge_element)
        self.edge_records.append(
            (
                str(edge_element.get("source")),
                str(edge_element.get("target")),
                edge_element.get("id") or None,
                data,
            )
        )


def _parse(data: bytes, file: str) -> tuple[nx.MultiGraph, list]:
    """Parse GraphML; return the first graph's nodes (as a graph) and its edges in file order."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError.single(
            file, f"line {line}" if line else "", f"not valid XML: {exc}"
        ) from None
    if _local(root.tag) != "graphml":
        raise InputError.single(
            file,
            "",
            f"not a GraphML file (root element is <{_local(root.tag)}>, expected <graphml>)",
        )
    if root.tag == "graphml":  # no namespace: networkx only finds namespaced elements
        data = data.replace(b"<graphml", b'<graphml xmlns="' + _NS + b'"', 1)
    reader = _EdgeRecordingReader()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # port tags, which we do not use
            g = next(iter(reader(string=data)), None)
    except (nx.NetworkXError, ET.ParseError, ValueError, KeyError, TypeError) as exc:
        raise InputError.single(file, "", f"cannot read GraphML: {exc}") from None
    if g is None:
        raise InputError.single(file, "", "GraphML file holds no <graph> element")
    return g, reader.edge_records


def _node_dict(node_id: str, attrs: dict[str, Any], ignored: Counter[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node_id}
    used: set[str] = set()
    for field, names in NODE_ALIASES.items():
        for name in names:
            if name in attrs:
                value = attrs[name]
                out[field] = str(value) if field in ("name", "region") else value
                used.update(n for n in names if n in attrs)
                break
    for key, value in attrs.items():
        if key in used or key in _SILENT_NODE_ATTRS:
            continue
        if key in NODE_FIELDS:
            out[key] = value
        else:
            ignored[key] += 1
    for key in JSON_NODE_FIELDS:
        if isinstance(out.get(key), str):
            # a bad value stays a string: schema validation then names the field
            with contextlib.suppress(json.JSONDecodeError):
                out[key] = json.loads(out[key])
    return out


def _link_dict(
    attrs: dict[str, Any],
    file: str,
    label: str,
    ignored: Counter[str],
    problems: list[InputProblem],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if key in LINK_FIELDS:
            out[key] = value
        elif key == "LinkSpeedRaw":
            continue  # handled below, as the Topology Zoo's capacity in bit/s
        elif key not in _SILENT_EDGE_ATTRS:
            ignored[key] += 1
    if "capacity_gbps" not in out and "LinkSpeedRaw" in attrs:
        raw = attrs["LinkSpeedRaw"]
        if isinstance(raw, int | float) and math.isfinite(raw) and raw > 0:
            out["capacity_gbps"] = raw / 1e9
        else:
            ignored["LinkSpeedRaw"] += 1
    for key in JSON_LINK_FIELDS:
        value = out.get(key)
        if isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append(
                    InputProblem(
                        file,
                        f"links[{label}].{key}",
                        f"expected a JSON list, got {value!r} ({exc.msg})",
                    )
                )
    return out


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}#{n}" in taken:
        n += 1
    return f"{base}#{n}"


def _describe_ignored(scope: str, ignored: Counter[str], fields: frozenset[str]) -> str:
    parts = []
    for name, count in sorted(ignored.items()):
        hint = difflib.get_close_matches(name, sorted(fields), n=1, cutoff=0.8)
        text = f"{name!r} ({count})"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        parts.append(text)
    return f"ignored {scope} attributes not in the schema: " + ", ".join(parts)


def read_graphml(path: str | Path) -> Topology:
    """Read a GraphML topology; units as in the schema (Gbit/s, km, degrees, hours).

    Raises :class:`InputError` naming the file and field for anything unusable and
    warns once (:class:`InputWarning`) when defaults had to be filled in.

    Parameters
    ----------
    path : str or Path
        The ``.graphml`` file.

    Returns
    -------
    Topology
        The topology.
    """
    path = Path(path)
    file = str(path)
    g, edges = _parse(_read_bytes(path, file), file)
    problems: list[InputProblem] = []

    ignored_node: Counter[str] = Counter()
    nodes = [_node_dict(n, dict(a), ignored_node) for n, a in g.nodes(data=True)]
    n_kind_defaulted = 0
    for node in nodes:
        if "kind" not in node:
            node["kind"] = DEFAULT_NODE_KIND
            n_kind_defaulted += 1

    # GraphML edge ids must be unique in a document, but networkx writes its
    # per-node-pair multigraph keys (0, 1, ...) there; such ids are not link ids.
    xml_ids = Counter(xml_id for _, _, xml_id, _ in edges if xml_id)
    use_xml_ids = all(count == 1 for count in xml_ids.values())
    explicit: list[str | None] = []
    for _, _, xml_id, attrs in edges:
        data_id = attrs.get("id")
        if isinstance(data_id, str) and data_id:
            explicit.append(data_id)
        else:
            explicit.append(xml_id if use_xml_ids else None)
    taken = {n["id"] for n in nodes} | {e for e in explicit if e is not None}
    ignored_link: Counter[str] = Counter()
    links: list[dict[str, Any]] = []
    n_id_generated = n_link_kind_defaulted = n_capacity_defaulted = 0
    for (source, target, _, attrs), link_id in zip(edges, explicit, strict=True):
        if link_id is None:
            link_id = _unique(f"{source}--{target}", taken)
            taken.add(link_id)
            n_id_generated += 1
        link = _link_dict(dict(attrs), file, link_id, ignored_link, problems)
        link |= {"id": link_id, "source": source, "target": target}
        if "kind" not in link:
            link["kind"] = DEFAULT_LINK_KIND
            n_link_kind_defaulted += 1
        if "capacity_gbps" not in link:
            link["capacity_gbps"] = DEFAULT_CAPACITY_GBPS
            n_capacity_defaulted += 1
        links.append(link)

    if problems:
        raise InputError(problems)

    name = next(
        (
            str(g.graph[k]).strip()
            for k in ("name", "label", "Network")
            if str(g.graph.get(k) or "").strip()
        ),
        path.stem,
    )
    description = g.graph.get("description", "")
    doc_dict = {
        "name": name,
        "description": description if isinstance(description, str) else "",
        "nodes": nodes,
        "links": links,
    }
    doc = validate_document(TopologyDocument, doc_dict, file)
    topology = build_topology(doc, file)

    notes = []
    n_nodes, n_links = len(nodes), len(links)
    if n_kind_defaulted:
        notes.append(
            f"nodes[*].kind missing on {n_kind_defaulted} of {n_nodes} nodes, "
            f"set to {DEFAULT_NODE_KIND!r}"
        )
    if n_link_kind_defaulted:
        notes.append(
            f"links[*].kind missing on {n_link_kind_defaulted} of {n_links} links, "
            f"set to {DEFAULT_LINK_KIND!r}"
        )
    if n_capacity_defaulted:
        notes.append(
            f"links[*].capacity_gbps missing on {n_capacity_defaulted} of {n_links} "
            f"links, set to {DEFAULT_CAPACITY_GBPS:g} Gbit/s"
        )
    if n_id_generated:
        why = "missing" if use_xml_ids else "missing or not unique"
        notes.append(
            f"links[*].id {why} on {n_id_generated} of {n_links} links, named '<source>--<target>'"
        )
    if ignored_node:
        notes.append(_describe_ignored("node", ignored_node, NODE_FIELDS))
    if ignored_link:
        notes.append(_describe_ignored("link", ignored_link, LINK_FIELDS))
    if notes:
        warnings.warn(f"{file}: " + "; ".join(notes), InputWarning, stacklevel=2)
    return topology


__all__ = ["read_graphml", "topology_to_multigraph", "write_graphml"]
