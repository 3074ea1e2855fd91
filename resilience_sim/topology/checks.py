"""Cross-field checks a schema cannot express: unique ids, links to defined nodes.

Run on the topology's column tables, for every format: one pass of Arrow kernels
(distinct counts, set membership) decides whether anything is wrong. Only a topology
with a problem is walked item by item, to name every problem in file order with the
same messages whatever format the file was in.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.topology.model import NodeKind, Topology, TopologyDocument


def build_topology(doc: TopologyDocument, file: str) -> Topology:
    """Check references and uniqueness in ``doc`` and return the :class:`Topology`.

    Raises :class:`InputError` listing every problem found, each naming ``file``.
    """
    return checked_topology(Topology.from_document(doc), file)


def checked_topology(topology: Topology, file: str) -> Topology:
    """``topology`` itself if its ids and references are consistent, else InputError."""
    nodes, links = topology.node_table, topology.link_table
    if has_reference_problems(nodes, links):
        raise InputError(reference_problems(nodes, links, file))
    return topology


def has_reference_problems(nodes: pa.Table, links: pa.Table) -> bool:
    """Whether any id repeats or any reference is dangling (vectorised, O(n log n))."""
    node_ids, link_ids = nodes.column("id"), links.column("id")
    if pc.count_distinct(node_ids).as_py() != len(node_ids):
        return True
    if len(link_ids):
        if pc.count_distinct(link_ids).as_py() != len(link_ids):
            return True
        if pc.any(pc.is_in(link_ids, value_set=node_ids)).as_py():
            return True
        for end in ("source", "target"):
            if not pc.all(pc.is_in(links.column(end), value_set=node_ids)).as_py():
                return True
    feed = nodes.column("power_feed")
    at = pc.index_in(feed, value_set=node_ids)  # null where absent or a grid region
    feed_kinds = pc.take(nodes.column("kind"), at)
    if pc.any(pc.not_equal(feed_kinds, NodeKind.POWER_SUBSTATION.value)).as_py():
        return True
    deps = nodes.column("depends_on").combine_chunks()
    if len(deps.values):
        flat = pc.list_flatten(deps)
        known = pc.or_(pc.is_in(flat, value_set=node_ids), pc.is_in(flat, value_set=link_ids))
        if not pc.all(known).as_py():
            return True
        owner = pc.take(node_ids, pc.list_parent_indices(deps))
        if pc.any(pc.equal(flat, owner)).as_py():
            return True
    return False


def reference_problems(nodes: pa.Table, links: pa.Table, file: str) -> list[InputProblem]:
    """Every id and reference problem, in file order (item by item: for bad files)."""
    problems: list[InputProblem] = []
    node_ids = nodes.column("id").to_pylist()
    node_kinds = nodes.column("kind").to_pylist()
    link_ids = links.column("id").to_pylist()
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
    kind_of = dict(zip(node_ids, node_kinds, strict=True))
    sources, targets = links.column("source").to_pylist(), links.column("target").to_pylist()
    for link_id, source, target in zip(link_ids, sources, targets, strict=True):
        for end, ref in (("source", source), ("target", target)):
            if ref not in known:
                problems.append(
                    InputProblem(
                        file, f"links[{link_id}].{end}", f"node {ref!r} is not defined in nodes"
                    )
                )
    for node_id, feed in zip(node_ids, nodes.column("power_feed").to_pylist(), strict=True):
        if feed is not None and feed in kind_of and kind_of[feed] != NodeKind.POWER_SUBSTATION:
            problems.append(
                InputProblem(
                    file,
                    f"nodes[{node_id}].power_feed",
                    f"{feed!r} is a {kind_of[feed]} node, not a power_substation "
                    "(name a power_substation node or a grid region)",
                )
            )
    link_ids_set = set(link_ids)
    for node_id, depends_on in zip(node_ids, nodes.column("depends_on").to_pylist(), strict=True):
        for j, dep in enumerate(depends_on):
            if dep not in known and dep not in link_ids_set:
                problems.append(
                    InputProblem(
                        file,
                        f"nodes[{node_id}].depends_on[{j}]",
                        f"no node or link with id {dep!r}",
                    )
                )
            elif dep == node_id:
                problems.append(
                    InputProblem(
                        file, f"nodes[{node_id}].depends_on[{j}]", "a node cannot depend on itself"
                    )
                )
    return problems
