"""Cross-field checks a schema cannot express: unique ids, links to defined nodes.

Run on the topology's column tables, for every format: one pass of Arrow kernels
(distinct counts, set membership) decides whether anything is wrong. Only a topology
with a problem is walked item by item, to name every problem in file order with the
same messages whatever format the file was in.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.topology import arrow_np
from resilience_sim.topology.model import NodeKind, Topology, TopologyDocument


def build_topology(doc: TopologyDocument, file: str) -> Topology:
    """Check references and uniqueness in ``doc`` and return the :class:`Topology`.

    Raises :class:`InputError` listing every problem found, each naming ``file``.

    Parameters
    ----------
    doc : TopologyDocument
        The validated document.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    Topology
        The checked topology.
    """
    return checked_topology(Topology.from_document(doc), file)


def checked_topology(topology: Topology, file: str) -> Topology:
    """``topology`` itself if its ids and references are consistent, else InputError.

    Parameters
    ----------
    topology : Topology
        A topology built in code.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    Topology
        ``topology``.
    """
    nodes, links = topology.node_table, topology.link_table
    if has_reference_problems(nodes, links):
        raise InputError(reference_problems(nodes, links, file))
    return topology


def has_reference_problems(nodes: pa.Table, links: pa.Table) -> bool:
    """Whether any id repeats or any reference is dangling (vectorised).

    One hash table of every asset id (nodes, then links) answers all the questions:
    :func:`asset_positions` looks up the ids themselves and every reference in one
    ``index_in`` call. Ids are unique iff each id's first position is its own.

    Parameters
    ----------
    nodes : pyarrow.Table
        The node column table.
    links : pyarrow.Table
        The link column table.

    Returns
    -------
    bool
        True if there is a problem.
    """
    n, m = nodes.num_rows, links.num_rows
    deps = nodes.column("depends_on").combine_chunks()
    flat = pc.list_flatten(deps)
    own, source, target, feed, dep = asset_positions(
        nodes,
        links,
        [links.column("source"), links.column("target"), nodes.column("power_feed"), flat],
    )
    if not np.array_equal(_filled(own), np.arange(n + m)):
        return True
    for end in (source, target):
        at = _filled(end)
        if ((at < 0) | (at >= n)).any():
            return True
    at = _filled(feed)
    fed = at[(at >= 0) & (at < n)]
    if len(fed):
        kinds = pc.take(nodes.column("kind"), arrow_np.array(fed, pa.int64()))
        substation = arrow_np.scalar(NodeKind.POWER_SUBSTATION.value)
        if pc.any(pc.not_equal(kinds, substation)).as_py():
            return True
    if len(flat):
        at = _filled(dep)
        if (at < 0).any():
            return True
        if (at == arrow_np.numbers(pc.list_parent_indices(deps))[0]).any():
            return True
    return False


def asset_positions(
    nodes: pa.Table, links: pa.Table, references: list[pa.Array | pa.ChunkedArray]
) -> list[pa.Array]:
    """The position of every asset id (nodes then links) among all asset ids, then of
    each array of ``references``; null where absent. One ``index_in`` (one hash table).

    Parameters
    ----------
    nodes : pyarrow.Table
        The node column table.
    links : pyarrow.Table
        The link column table.
    references : list[pyarrow.Array or pyarrow.ChunkedArray]
        Id arrays to look up.

    Returns
    -------
    list[pyarrow.Array]
        Positions of the asset ids, then one array per reference array.
    """
    kind = nodes.column("id").type

    def chunks(parts: list) -> list[pa.Array]:
        return [c.cast(kind) if c.type != kind else c for part in parts for c in _chunks(part)]

    value_set = pa.chunked_array(chunks([nodes.column("id"), links.column("id")]), type=kind)
    values = pa.chunked_array(chunks([value_set, *references]), type=kind)
    found = pc.index_in(values, value_set=value_set)
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks()
    out, start = [], 0
    for length in (len(value_set), *map(len, references)):
        out.append(found.slice(start, length))
        start += length
    return out


def _chunks(part: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(part.chunks) if isinstance(part, pa.ChunkedArray) else [part]


def _filled(positions: pa.Array) -> np.ndarray:
    """Positions as int64, -1 where null."""
    return arrow_np.filled(positions, -1, np.int64)


def reference_problems(nodes: pa.Table, links: pa.Table, file: str) -> list[InputProblem]:
    """Every id and reference problem, in file order (item by item: for bad files).

    Parameters
    ----------
    nodes : pyarrow.Table
        The node column table.
    links : pyarrow.Table
        The link column table.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    list[InputProblem]
        The problems.
    """
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
