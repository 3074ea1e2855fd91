"""Operators for synthetic networks (``topology generate --operators N``).

Each access chain of cell sites (the sites and the links that join them to each other
and to their hub) is given to one of ``N`` operators, drawn with probabilities equal to
the operators' national market shares; hubs (aggregation sites, exchanges), the core,
international assets and power stay shared (``operator`` None): a wholesale backbone
with several radio access networks on it. Links between sites of two different
operators (microwave protection links) stay shared as well, and so carry neither's
traffic (an operator's network uses only its own and shared assets).

Market shares are Zipf over the operators' rank, ``1/k`` normalised (`assumed`: a
dominant incumbent and smaller entrants; 3 operators give 0.545, 0.273, 0.182), the
same in every region: :func:`market_shares` gives them for a scenario's ``operators:``
section. Operator ids are ``"001-01"``, ``"001-02"``, ...: MCC 001 is the ITU test
network code, so no id is a real operator's. The draws come from their own generator
(seeded by the topology seed), so the network itself is unchanged.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from resilience_sim.errors import InputError
from resilience_sim.topology.model import Topology

MAX_OPERATORS = 9
_STREAM = 0x0F  # spawn key of the operators' generator, apart from the network's draws


def operator_ids(n_operators: int) -> list[str]:
    """``"001-01"``, ``"001-02"``, ... (MCC 001: the ITU test network).

    Parameters
    ----------
    n_operators : int
        How many.

    Returns
    -------
    list[str]
        The ids.
    """
    return [f"001-{k:02d}" for k in range(1, n_operators + 1)]


def market_shares(n_operators: int) -> np.ndarray:
    """National market shares of the synthetic operators: ``1/k`` normalised.

    Parameters
    ----------
    n_operators : int
        How many.

    Returns
    -------
    numpy.ndarray
        ``(n_operators,)`` shares summing to 1.
    """
    weights = 1.0 / np.arange(1, n_operators + 1)
    return weights / weights.sum()


def check_operator_count(n_operators: object) -> None:
    """InputError unless ``n_operators`` is an integer 0 to :data:`MAX_OPERATORS`.

    Parameters
    ----------
    n_operators : object
        The requested count.
    """
    if (
        isinstance(n_operators, bool)
        or not isinstance(n_operators, int | np.integer)
        or not 0 <= n_operators <= MAX_OPERATORS
    ):
        raise InputError.single(
            "<generate>",
            "operators",
            f"must be an integer 0 to {MAX_OPERATORS}, got {n_operators!r}",
        )


def with_operators(
    topology: Topology, cell: np.ndarray, cell_chain: np.ndarray, n_operators: int, seed: int
) -> Topology:
    """``topology`` with the cell sites' chains, and their links, given to operators.

    Parameters
    ----------
    topology : Topology
        The network.
    cell : numpy.ndarray
        Node indices of the cell sites.
    cell_chain : numpy.ndarray
        ``(len(cell),)`` access chain of each cell site.
    n_operators : int
        How many operators.
    seed : int
        The random seed (its own stream).

    Returns
    -------
    Topology
        The topology with operators.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM])))
    n_chains = int(cell_chain.max()) + 1 if len(cell_chain) else 0
    chain_op = rng.choice(n_operators, size=n_chains, p=market_shares(n_operators))
    ids = np.array(operator_ids(n_operators), dtype=object)
    node_op = np.full(topology.n_nodes, -1, dtype=np.int64)
    node_op[cell] = chain_op[cell_chain]

    index = topology.node_index
    src = node_op[[index[a] for a in topology.link_column("source")]]
    dst = node_op[[index[a] for a in topology.link_column("target")]]
    link_op = np.where(src < 0, dst, np.where((dst < 0) | (dst == src), src, -1))

    def column(ops: np.ndarray) -> pa.Array:
        return pa.array([ids[o] if o >= 0 else None for o in ops.tolist()], type=pa.string())

    nodes, links = topology.node_table, topology.link_table
    nodes = nodes.set_column(nodes.schema.get_field_index("operator"), "operator", column(node_op))
    links = links.set_column(links.schema.get_field_index("operator"), "operator", column(link_op))
    shares = ", ".join(f"{a} {s:.3f}" for a, s in zip(ids, market_shares(n_operators), strict=True))
    description = f"{topology.description} Operators (national market shares): {shares}."
    return Topology.from_tables(topology.name, nodes, links, description)
