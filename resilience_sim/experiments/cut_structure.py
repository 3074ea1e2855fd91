"""Cut structure of a network for N-k criticality: bridges, articulation points, cut pairs.

Experiments layer, used by :mod:`resilience_sim.experiments.criticality` to prune the
failure combinations worth evaluating. Service means reaching ANY node of a target set
(core nodes for domestic service, international nodes for international service), so
the structure is computed on the *augmented* graph: the network plus one virtual root
vertex joined to every target node by a virtual edge that never fails. A user loses
service exactly when it is cut from that root.

Two tools, both linear in the size of the graph:

* :func:`dfs_cuts`: an iterative Tarjan depth-first search from the root that gives the
  bridges and articulation points of the graph with one vertex or edge set removed,
  and, for each, the vertices it cuts from the root (a DFS subtree or a union of them).
* :func:`cycle_space_labels`: random 64-bit labels with the property that the labels of
  any edge cut XOR to zero (non-tree edges get random labels, a tree edge the XOR of the
  non-tree edges whose cycle passes over it). An edge set disconnects part of the graph
  iff some non-empty subset of its labels XORs to zero, so a bridge has label 0 and two
  non-bridge edges form a cut pair iff their labels are equal. Cuts are always
  detected; a false "cut" needs a 64-bit collision (probability ~2^-64 per test) and
  only costs one needless evaluation.

References: R. E. Tarjan, "Depth-first search and linear graph algorithms", SIAM J.
Comput. 1(2), 1972; D. Pritchard, "Fast distributed computation of cuts via random
circulations", ICALP 2008 (the cycle-space labelling).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from resilience_sim.topology.compile import NetworkArrays


@dataclass(frozen=True)
class AugmentedGraph:
    """The network's nodes plus a virtual root ``n_nodes`` joined to every target node.

    Edges ``0 .. n_links-1`` are the network's links (in link order); the virtual edges
    follow. ``adjacency[v]`` lists ``(neighbour, edge)`` for vertex ``v``.
    """

    n_nodes: int
    n_links: int
    edge_u: np.ndarray  # (n_edges,) int
    edge_v: np.ndarray  # (n_edges,) int
    adjacency: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def root(self) -> int:
        """The root vertex (joined to every target node)."""
        return self.n_nodes

    @classmethod
    def build(cls, arrays: NetworkArrays, targets: np.ndarray) -> AugmentedGraph:
        """Augment ``arrays``' graph with a root joined to the nodes where ``targets``.

        Parameters
        ----------
        arrays : NetworkArrays
            The compiled network.
        targets : numpy.ndarray
            ``(n_nodes,)`` bool: nodes joined to the root.

        Returns
        -------
        AugmentedGraph
            The graph.
        """
        n = arrays.n_nodes
        target_idx = np.flatnonzero(targets)
        edge_u = np.concatenate([arrays.link_src, np.full(len(target_idx), n)]).astype(int)
        edge_v = np.concatenate([arrays.link_dst, target_idx]).astype(int)
        adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
        for e, (u, v) in enumerate(zip(edge_u.tolist(), edge_v.tolist(), strict=True)):
            adjacency[u].append((v, e))
            adjacency[v].append((u, e))
        return cls(n, arrays.n_links, edge_u, edge_v, tuple(map(tuple, adjacency)))


@dataclass(frozen=True)
class DfsCuts:
    """One depth-first search from the root, with some vertices/edges removed.

    ``pre[v]`` is the preorder number (-1: not reached), ``order`` the vertices in
    preorder, ``size[v]`` the subtree size, ``low[v]`` the Tarjan low-point,
    ``parent[v]`` and ``parent_edge[v]`` the tree edge into ``v`` (-1 at the root).
    """

    pre: np.ndarray
    order: np.ndarray
    size: np.ndarray
    low: np.ndarray
    parent: np.ndarray
    parent_edge: np.ndarray

    def subtree(self, v: int) -> np.ndarray:
        """Vertices of the DFS subtree under ``v`` (``v`` included).

        Parameters
        ----------
        v : int
            A vertex.

        Returns
        -------
        numpy.ndarray
            Vertex indices.
        """
        return self.order[self.pre[v] : self.pre[v] + self.size[v]]

    def bridges(self) -> dict[int, int]:
        """Bridge edge -> the child vertex whose subtree it cuts from the root."""
        out = {}
        for c in self.order[1:].tolist():
            if self.low[c] > self.pre[self.parent[c]]:
                out[int(self.parent_edge[c])] = c
        return out

    def articulation_points(self, root: int) -> dict[int, list[int]]:
        """Articulation vertex (never the root) -> its children whose subtrees it cuts.

        Parameters
        ----------
        root : int
            The root vertex.

        Returns
        -------
        dict[int, list[int]]
            Vertex -> children.
        """
        out: dict[int, list[int]] = {}
        for c in self.order[1:].tolist():
            p = int(self.parent[c])
            if p != root and self.low[c] >= self.pre[p]:
                out.setdefault(p, []).append(c)
        return out


def dfs_cuts(
    graph: AugmentedGraph,
    removed_vertices: Iterable[int] = (),
    removed_edges: Iterable[int] = (),
) -> DfsCuts:
    """Iterative Tarjan DFS from the root over ``graph`` minus the removed elements.

    O(n_nodes + n_edges). Parallel edges are handled by skipping only the tree edge
    itself (its id), not every edge to the parent.

    Parameters
    ----------
    graph : AugmentedGraph
        The augmented graph.
    removed_vertices : Iterable[int], default ()
        Vertices left out.
    removed_edges : Iterable[int], default ()
        Edges left out.

    Returns
    -------
    DfsCuts
        The DFS tree and low points.
    """
    n_v = graph.n_nodes + 1
    gone_v = set(removed_vertices)
    gone_e = set(removed_edges)
    pre = [-1] * n_v
    low = [0] * n_v
    size = [1] * n_v
    parent = [-1] * n_v
    parent_edge = [-1] * n_v
    order: list[int] = []
    adjacency = graph.adjacency
    root = graph.root
    pre[root] = low[root] = 0
    order.append(root)
    stack = [(root, 0)]
    while stack:
        v, i = stack[-1]
        neighbours = adjacency[v]
        if i < len(neighbours):
            stack[-1] = (v, i + 1)
            w, e = neighbours[i]
            if e in gone_e or w in gone_v or e == parent_edge[v]:
                continue
            if pre[w] == -1:
                pre[w] = low[w] = len(order)
                order.append(w)
                parent[w], parent_edge[w] = v, e
                stack.append((w, 0))
            elif pre[w] < low[v]:
                low[v] = pre[w]
        else:
            stack.pop()
            p = parent[v]
            if p >= 0:
                size[p] += size[v]
                if low[v] < low[p]:
                    low[p] = low[v]
    return DfsCuts(
        pre=np.asarray(pre),
        order=np.asarray(order),
        size=np.asarray(size),
        low=np.asarray(low),
        parent=np.asarray(parent),
        parent_edge=np.asarray(parent_edge),
    )


def cycle_space_labels(graph: AugmentedGraph, rng: np.random.Generator) -> np.ndarray:
    """A 64-bit label per edge whose XOR over any edge cut is zero (see module docstring).

    Edges not reachable from the root get label 0 (they cannot cut anyone from it).

    Parameters
    ----------
    graph : AugmentedGraph
        The augmented graph.
    rng : numpy.random.Generator
        Draws the labels.

    Returns
    -------
    numpy.ndarray
        ``(n_edges,)`` uint64 labels.
    """
    cuts = dfs_cuts(graph)
    n_edges = len(graph.edge_u)
    tree = np.zeros(n_edges, dtype=bool)
    tree[cuts.parent_edge[cuts.parent_edge >= 0]] = True
    reached = cuts.pre >= 0
    labels = np.zeros(n_edges, dtype=np.uint64)
    non_tree = ~tree & reached[graph.edge_u] & reached[graph.edge_v]
    labels[non_tree] = rng.integers(1, 2**63, size=int(non_tree.sum()), dtype=np.uint64)
    # potential of a vertex: XOR of the labels of its non-tree edges; a tree edge's label
    # is the XOR of the potentials of the subtree below it
    potential = np.zeros(graph.n_nodes + 1, dtype=np.uint64)
    for e in np.flatnonzero(non_tree).tolist():
        potential[graph.edge_u[e]] ^= labels[e]
        potential[graph.edge_v[e]] ^= labels[e]
    for v in cuts.order[::-1].tolist():
        p = cuts.parent[v]
        if p >= 0:
            labels[cuts.parent_edge[v]] = potential[v]
            potential[p] ^= potential[v]
    return labels


def gf2_rank(labels: Iterable[int]) -> int:
    """Rank over GF(2) of 64-bit labels seen as bit vectors (zero labels add nothing).

    Parameters
    ----------
    labels : Iterable[int]
        64-bit labels.

    Returns
    -------
    int
        The rank.

    Examples
    --------
    >>> gf2_rank([0b011, 0b101, 0b110]), gf2_rank([5, 5]), gf2_rank([0])
    (2, 1, 0)
    """
    basis: list[int] = []  # kept reduced: each element has a distinct leading bit
    for x in labels:
        x = int(x)
        for b in basis:
            x = min(x, x ^ b)
        if x:
            basis.append(x)
            basis.sort(reverse=True)
    return len(basis)
