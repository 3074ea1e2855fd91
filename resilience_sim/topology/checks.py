"""Cross-field checks a schema cannot express: unique ids, links to defined nodes."""

from __future__ import annotations

from collections import Counter

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.topology.model import NodeKind, Topology, TopologyDocument


def build_topology(doc: TopologyDocument, file: str) -> Topology:
    """Check references and uniqueness in ``doc`` and return the :class:`Topology`.

    Raises :class:`InputError` listing every problem found, each naming ``file``.
    """
    problems: list[InputProblem] = []
    node_ids = [n.id for n in doc.nodes]
    link_ids = [e.id for e in doc.links]
    node_counts = Counter(node_ids)
    for node_id, count in node_counts.items():
        if count > 1:
            problems.append(
                InputProblem(
                    file, f"nodes[{node_id}].id", f"duplicate node id {node_id!r} ({count} nodes)"
                )
            )
    for link_id, count in Counter(link_ids).items():
        if count > 1:
            problems.append(
                InputProblem(
                    file, f"links[{link_id}].id", f"duplicate link id {link_id!r} ({count} links)"
                )
            )
        if link_id in node_counts:
            problems.append(
                InputProblem(
                    file,
                    f"links[{link_id}].id",
                    f"link id {link_id!r} is also a node id; ids must be "
                    "unique across nodes and links",
                )
            )
    known = set(node_ids)
    by_id = {n.id: n for n in doc.nodes}
    for link in doc.links:
        for end in ("source", "target"):
            ref = getattr(link, end)
            if ref not in known:
                problems.append(
                    InputProblem(
                        file, f"links[{link.id}].{end}", f"node {ref!r} is not defined in nodes"
                    )
                )
    for node in doc.nodes:
        feed = node.power_feed
        if feed is not None and feed in by_id and by_id[feed].kind != NodeKind.POWER_SUBSTATION:
            problems.append(
                InputProblem(
                    file,
                    f"nodes[{node.id}].power_feed",
                    f"{feed!r} is a {by_id[feed].kind.value} node, not a power_substation "
                    "(name a power_substation node or a grid region)",
                )
            )
    link_ids_set = set(link_ids)
    for node in doc.nodes:
        for j, dep in enumerate(node.depends_on):
            if dep not in known and dep not in link_ids_set:
                problems.append(
                    InputProblem(
                        file,
                        f"nodes[{node.id}].depends_on[{j}]",
                        f"no node or link with id {dep!r}",
                    )
                )
            elif dep == node.id:
                problems.append(
                    InputProblem(
                        file, f"nodes[{node.id}].depends_on[{j}]", "a node cannot depend on itself"
                    )
                )
    if problems:
        raise InputError(problems)
    return Topology.from_document(doc)
