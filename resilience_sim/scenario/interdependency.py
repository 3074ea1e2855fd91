"""Scenario-level dependency rules between networks (schema only; engine/disconnection.py).

A rule names the dependent nodes and what they need, and when they fail:

- ``fails_when: down`` (the default, as the topology's ``depends_on``): a node fails
  while any asset it depends on is not working;
- ``fails_when: disconnected``: a node fails while it is cut off, over working links and
  nodes, from every working node of its source set (a substation cut off from all
  generation, a controller from the control plane), or, with
  ``needs: largest_component``, while it is outside the component holding the most of the
  rule's nodes (the percolation convention of Buldyrev et al. 2010).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resilience_sim.scenario.common import Strict
from resilience_sim.topology.model import NodeKind, Topology


class NodeSelector(Strict):
    """Nodes matching every given field (ids, kinds, regions, operators); at least one."""

    ids: list[str] = Field(default_factory=list, description="node ids")
    kinds: list[NodeKind] = Field(default_factory=list, description="node kinds")
    regions: list[str] = Field(default_factory=list, description="region names")
    operators: list[str] = Field(default_factory=list, description='operators ("MCC-MNC")')

    @model_validator(mode="after")
    def _not_empty(self) -> NodeSelector:
        if not (self.ids or self.kinds or self.regions or self.operators):
            raise ValueError("give at least one of ids, kinds, regions, operators")
        return self

    def node_ids(self, topology: Topology) -> list[str]:
        """Ids of the matching nodes, in file order.

        Parameters
        ----------
        topology : Topology
            The network.

        Returns
        -------
        list[str]
            Node ids.
        """
        table = topology.node_table
        columns = {
            "ids": "id",
            "kinds": "kind",
            "regions": "region",
            "operators": "operator",
        }
        ids = table.column("id").to_pylist()
        keep = [True] * len(ids)
        for field, column in columns.items():
            wanted = {str(v) for v in getattr(self, field)}
            if wanted:
                values = table.column(column).to_pylist()
                keep = [k and v in wanted for k, v in zip(keep, values, strict=True)]
        return [i for i, k in zip(ids, keep, strict=True) if k]


class DependencyRule(Strict):
    """Nodes that need other nodes: fail when those are down, or when cut off from them.

    The field is ``needs``, not ``on``: YAML 1.1 reads a bare ``on`` key as ``true``."""

    name: str = Field(min_length=1, max_length=200, description="rule name, shown in causes")
    nodes: NodeSelector = Field(description="the dependent nodes")
    needs: NodeSelector | Literal["largest_component"] = Field(
        description="what they need: the nodes depended on (down: every one of them; "
        "disconnected: any one, reached over working links) or largest_component "
        "(disconnected only)"
    )
    fails_when: Literal["down", "disconnected"] = Field(
        "down", description="down (as depends_on) or disconnected"
    )

    @model_validator(mode="after")
    def _largest_needs_disconnected(self) -> DependencyRule:
        if self.needs == "largest_component" and self.fails_when != "disconnected":
            raise ValueError("needs: largest_component needs fails_when: disconnected")
        return self


def rule_problems(rules: list[DependencyRule], topology: Topology) -> list[tuple[str, str]]:
    """``(field, message)`` for node ids and regions the topology lacks, and empty selections.

    Parameters
    ----------
    rules : list[DependencyRule]
        The dependency rules.
    topology : Topology
        The network.

    Returns
    -------
    list[tuple[str, str]]
        The problems; empty if none.
    """
    problems = []
    regions = set(topology.regions)
    for i, rule in enumerate(rules):
        for part in ("nodes", "needs"):
            selector = getattr(rule, part)
            if not isinstance(selector, NodeSelector):
                continue
            where = f"dependencies[{i}].{part}"
            before = len(problems)
            for j, node in enumerate(selector.ids):
                if node not in topology.node_index:
                    problems.append((f"{where}.ids[{j}]", f"no node with id {node!r} in topology"))
            for j, region in enumerate(selector.regions):
                if region not in regions:
                    problems.append((f"{where}.regions[{j}]", f"no region {region!r} in topology"))
            if len(problems) == before and not selector.node_ids(topology):
                problems.append((where, "selects no node of the topology"))
    return problems
