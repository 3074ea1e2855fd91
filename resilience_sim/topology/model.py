"""The topology: nodes and links of a national telecom network, with units.

First stage of the pipeline (topology -> scenario -> hazards -> engine -> metrics).
:class:`Node` and :class:`Link` are the file schema (pydantic, validated at the edge)
and are frozen; :class:`Topology` holds them with the name <-> index maps the
engine needs. A run never mutates a topology: damage lives in the engine's state,
and variants build a new topology.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, Annotated, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from resilience_sim.geo import haversine_km, polyline_length_km
from resilience_sim.topology.table import objects_from_table, table_from_objects

if TYPE_CHECKING:
    import networkx as nx


class NodeKind(StrEnum):
    """What a node is. Access nodes are those with ``population > 0``."""

    EXCHANGE = "exchange"
    AGGREGATION = "aggregation"
    CELL_SITE = "cell_site"
    LANDING_STATION = "landing_station"
    IXP = "ixp"
    GATEWAY = "gateway"
    DATA_CENTER = "data_center"
    SATELLITE_GROUND_STATION = "satellite_ground_station"
    POWER_SUBSTATION = "power_substation"
    OPERATIONS_CENTRE = "operations_centre"


class LinkKind(StrEnum):
    """What carries a link."""

    TERRESTRIAL_FIBER = "terrestrial_fiber"
    SUBMARINE_CABLE = "submarine_cable"
    MICROWAVE = "microwave"
    SATELLITE = "satellite"


NODE_KINDS: tuple[str, ...] = tuple(k.value for k in NodeKind)
LINK_KINDS: tuple[str, ...] = tuple(k.value for k in LinkKind)
ASSET_KINDS: tuple[str, ...] = NODE_KINDS + LINK_KINDS

Latitude = Annotated[float, Field(ge=-90.0, le=90.0, description="decimal degrees, WGS84")]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, description="decimal degrees, WGS84")]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s].*$")]


class _Frozen(BaseModel):
    # defer_build: the validators are built on first validation, not at import. Reading
    # and checking a Parquet topology never validates a valid file with pydantic (the
    # column checks read the fields' rules from model_fields), so it skips the build and
    # pydantic's plugin lookup (importlib.metadata): ~25 ms of `validate`.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class Node(_Frozen):
    """A site of the network. Units are in the field names or descriptions."""

    id: Identifier = Field(description="unique node id, used by links, hazards and results")
    kind: NodeKind = Field(description="what the node is (see NodeKind)")
    name: str | None = Field(None, description="display name (reports show the id when absent)")
    lat: Latitude | None = Field(None, description="latitude, decimal degrees")
    lon: Longitude | None = Field(None, description="longitude, decimal degrees")
    region: str = Field("unassigned", min_length=1, description="administrative region / island")
    population: NonNegative = Field(0.0, description="users served by this access node, persons")
    elevation_m: float = Field(0.0, ge=-500.0, le=9000.0, description="ground elevation, m")
    power_feed: str | None = Field(
        None, description="id of the power_substation node or name of the grid region feeding it"
    )
    battery_h: NonNegative = Field(0.0, description="battery autonomy on mains loss, hours")
    fuel_h: NonNegative = Field(0.0, description="generator autonomy on a full tank, hours")
    critical: bool = Field(False, description="serves hospitals / emergency services")
    capacity_gbps: NonNegative | None = Field(None, description="switching capacity, Gbit/s")
    hardening_factor: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        1.0, description="multiplies this node's fragility medians (> 1 is sturdier)"
    )
    depends_on: list[str] = Field(
        default_factory=list,
        description="ids of assets this node needs to work (operations centre, DNS, IXP, ...); "
        "it is down while any of them is down",
    )
    demand_gbps: NonNegative | None = Field(
        None,
        description="international busy-hour demand of this access node, Gbit/s; defaults to "
        "population x the scenario's service.demand_gbps_per_user",
    )
    core: bool = Field(
        False,
        description="part of the national core; if no node sets it, every exchange is core",
    )
    international: bool = Field(
        False,
        description="reaching this node means international service; if no node sets it, "
        "every gateway node counts",
    )
    operator: str | None = Field(
        None,
        description='operator as "MCC-MNC" (e.g. "440-10"); None means shared or unknown',
    )
    radios: list[str] = Field(
        default_factory=list,
        description='radio technologies at this site (e.g. ["LTE", "UMTS"]), from cell data',
    )

    @model_validator(mode="after")
    def _lat_lon_together(self) -> Node:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self

    @property
    def has_location(self) -> bool:
        """Whether the node has ``lat``/``lon``."""
        return self.lat is not None


class Link(_Frozen):
    """A transmission link between two nodes. Parallel links are allowed."""

    id: Identifier = Field(description="unique link id")
    source: Identifier = Field(description="id of one end node")
    target: Identifier = Field(description="id of the other end node")
    kind: LinkKind = Field(description="what carries the link (see LinkKind)")
    capacity_gbps: NonNegative = Field(10.0, description="capacity, Gbit/s")
    length_km: NonNegative | None = Field(
        None, description="length, km; computed from route or end points when absent"
    )
    route: list[tuple[Latitude, Longitude]] | None = Field(
        None, description="path as a list of [lat, lon] points, end points included"
    )
    srlg: list[str] = Field(
        default_factory=list, description="shared-risk link groups / corridors this link is in"
    )
    cable_system: str | None = Field(None, description="named cable system (submarine cables)")
    orbit: Literal["geo", "leo"] | None = Field(None, description="satellite orbit (satellite)")
    latency_ms: NonNegative | None = Field(None, description="one-way latency, ms")
    hardening_factor: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        1.0, description="multiplies this link's fragility medians (> 1 is sturdier)"
    )
    operator: str | None = Field(
        None,
        description='operator as "MCC-MNC" (e.g. "440-10"); None means shared or unknown',
    )
    owners: list[str] = Field(
        default_factory=list, description="owners of the cable system (submarine cables)"
    )
    ready_for_service_year: Annotated[int, Field(ge=1850, le=2100)] | None = Field(
        None, description="year the cable system entered service"
    )
    route_depth_m: list[Annotated[float, Field(ge=0.0, le=11_000.0)]] | None = Field(
        None, description="water depth at each route point, m (submarine cables)"
    )

    @field_validator("route")
    @classmethod
    def _route_has_two_points(cls, route):
        if route is not None and len(route) < 2:
            raise ValueError("a route needs at least two [lat, lon] points")
        return route

    @model_validator(mode="after")
    def _no_self_loop(self) -> Link:
        if self.source == self.target:
            raise ValueError(f"link {self.id!r} connects node {self.source!r} to itself")
        return self

    @model_validator(mode="after")
    def _one_depth_per_route_point(self) -> Link:
        if self.route_depth_m is not None and (
            self.route is None or len(self.route_depth_m) != len(self.route)
        ):
            raise ValueError("route_depth_m: give one depth per route point")
        return self


class TopologyDocument(_Frozen):
    """A native topology file (YAML or JSON)."""

    name: Identifier = Field(description="name of the network")
    description: str = Field("", description="free text")
    nodes: list[Node] = Field(min_length=1, description="the nodes")
    links: list[Link] = Field(default_factory=list, description="the links")


class _Rows:
    """Data descriptor for :attr:`Topology.nodes` / :attr:`Topology.links`.

    Holds the objects when the topology was built from objects; otherwise builds them
    from the column table on first access (without re-validating: the table was
    checked when it was read) and keeps them.
    """

    def __init__(self, model: type[BaseModel]):
        self.model = model

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.rows, self.table = name, f"_{name}_rows", f"_{name}_table"

    def __get__(self, obj: Topology | None, owner: type | None = None) -> tuple:
        if obj is None:  # a required dataclass field: no default
            raise AttributeError(self.name)
        rows = obj.__dict__.get(self.rows)
        if rows is None:
            rows = objects_from_table(self.model, obj.__dict__[self.table])
            obj.__dict__[self.rows] = rows
        return rows

    def __set__(self, obj: Topology, value: Sequence) -> None:
        obj.__dict__[self.rows] = tuple(value)
        obj.__dict__[self.table] = None


@dataclass(frozen=True, eq=False, repr=False)
class Topology:
    """A validated network: nodes and links in file order plus their index maps.

    Build one with :func:`resilience_sim.load_topology` or :meth:`from_document`,
    which check ids, references and lengths. It holds its nodes and links as two
    column tables (:attr:`node_table`, :attr:`link_table`, one column per field) or as
    objects, and makes either from the other on first use: a topology read from a
    columnar file builds :class:`Node` / :class:`Link` objects only if some code reads
    :attr:`nodes` / :attr:`links`, while compiling works from the columns.
    """

    name: str
    nodes: tuple[Node, ...] = _Rows(Node)  # type: ignore[assignment]
    links: tuple[Link, ...] = _Rows(Link)  # type: ignore[assignment]
    description: str = ""

    @classmethod
    def from_tables(
        cls, name: str, node_table: pa.Table, link_table: pa.Table, description: str = ""
    ) -> Topology:
        """A topology over checked column tables (schema :func:`table.model_schema`).

        Parameters
        ----------
        name : str
            The topology's name.
        node_table : pyarrow.Table
            Checked node columns.
        link_table : pyarrow.Table
            Checked link columns.
        description : str, default ''
            The topology's description.

        Returns
        -------
        Topology
            The topology.
        """
        obj = cls.__new__(cls)
        object.__setattr__(obj, "name", name)
        object.__setattr__(obj, "description", description)
        obj.__dict__.update(
            _nodes_rows=None, _nodes_table=node_table, _links_rows=None, _links_table=link_table
        )
        return obj

    @classmethod
    def from_document(cls, doc: TopologyDocument) -> Topology:
        """The topology of a validated file document (references not checked here).

        Parameters
        ----------
        doc : TopologyDocument
            The document.

        Returns
        -------
        Topology
            The topology.
        """
        return cls(
            name=doc.name,
            description=doc.description,
            nodes=tuple(doc.nodes),
            links=tuple(doc.links),
        )

    def to_document(self) -> TopologyDocument:
        return TopologyDocument(
            name=self.name,
            description=self.description,
            nodes=list(self.nodes),
            links=list(self.links),
        )

    # ------------------------------------------------------------ columns, caches
    def _cached(self, key: str, build):
        value = self.__dict__.get(key)
        if value is None:
            value = build()
            self.__dict__[key] = value
        return value

    @property
    def node_table(self) -> pa.Table:
        """The nodes as columns, one per :class:`Node` field, in file order."""
        return self._cached("_nodes_table", lambda: table_from_objects(Node, self.nodes))

    @property
    def link_table(self) -> pa.Table:
        """The links as columns, one per :class:`Link` field, in file order."""
        return self._cached("_links_table", lambda: table_from_objects(Link, self.links))

    def node_column(self, name: str) -> list:
        """Field ``name`` of every node as a Python list (from objects or columns).

        Parameters
        ----------
        name : str
            A Node field.

        Returns
        -------
        list
            One value per node.
        """
        return self._column("nodes", name)

    def link_column(self, name: str) -> list:
        """Field ``name`` of every link as a Python list (enums as their values).

        Parameters
        ----------
        name : str
            A Link field.

        Returns
        -------
        list
            One value per link.
        """
        return self._column("links", name)

    def _column(self, which: str, name: str) -> list:
        table = self.__dict__.get(f"_{which}_table")
        if table is not None:
            return table.column(name).to_pylist()
        values = [getattr(x, name) for x in self.__dict__[f"_{which}_rows"]]
        return [v.value if isinstance(v, Enum) else v for v in values]

    @property
    def node_index(self) -> dict[str, int]:
        """Node id -> index (file order)."""
        return self._cached(
            "_node_index", lambda: {a: i for i, a in enumerate(self.node_column("id"))}
        )

    @property
    def link_index(self) -> dict[str, int]:
        """Link id -> index (file order)."""
        return self._cached(
            "_link_index", lambda: {a: i for i, a in enumerate(self.link_column("id"))}
        )

    def __getstate__(self) -> dict:
        # columns travel (to workers, into caches) better than objects; caches are rebuilt
        return {
            "name": self.name,
            "description": self.description,
            "_nodes_rows": None,
            "_nodes_table": self.node_table,
            "_links_rows": None,
            "_links_table": self.link_table,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Topology):
            return NotImplemented
        return (
            self.name == other.name
            and self.description == other.description
            and self.node_table.equals(other.node_table)
            and self.link_table.equals(other.link_table)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.description, self.n_nodes, self.n_links))

    def __repr__(self) -> str:
        return f"Topology(name={self.name!r}, n_nodes={self.n_nodes}, n_links={self.n_links})"

    # ------------------------------------------------------------------ queries
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        rows = self.__dict__.get("_nodes_rows")
        return len(rows) if rows is not None else self.__dict__["_nodes_table"].num_rows

    @property
    def n_links(self) -> int:
        """Number of links."""
        rows = self.__dict__.get("_links_rows")
        return len(rows) if rows is not None else self.__dict__["_links_table"].num_rows

    @property
    def regions(self) -> list[str]:
        """Region names in order of first appearance."""
        return list(dict.fromkeys(self.node_column("region")))

    def node(self, node_id: str) -> Node:
        """The node with id ``node_id``.

        Parameters
        ----------
        node_id : str
            The id (KeyError if unknown).

        Returns
        -------
        Node
            The node.
        """
        return self._row("nodes", Node, self.node_index[node_id])

    def link(self, link_id: str) -> Link:
        """The link with id ``link_id``.

        Parameters
        ----------
        link_id : str
            The id (KeyError if unknown).

        Returns
        -------
        Link
            The link.
        """
        return self._row("links", Link, self.link_index[link_id])

    def _row(self, which: str, model: type[BaseModel], i: int):
        rows = self.__dict__.get(f"_{which}_rows")
        if rows is not None:
            return rows[i]
        return objects_from_table(model, self.__dict__[f"_{which}_table"].slice(i, 1))[0]

    def has_asset(self, asset_id: str) -> bool:
        """Whether a node or link has id ``asset_id``.

        Parameters
        ----------
        asset_id : str
            The id.

        Returns
        -------
        bool
            True if it exists.
        """
        return asset_id in self.node_index or asset_id in self.link_index

    def core_node_ids(self) -> list[str]:
        """Nodes whose reachability means domestic service (``core: true``, else exchanges)."""
        ids = self.node_column("id")
        flagged = [a for a, c in zip(ids, self.node_column("core"), strict=True) if c]
        kinds = self.node_column("kind")
        return flagged or [a for a, k in zip(ids, kinds, strict=True) if k == NodeKind.EXCHANGE]

    def international_node_ids(self) -> list[str]:
        """Nodes whose reachability means international service.

        Those with ``international: true``; if none is flagged, every gateway node.
        """
        ids = self.node_column("id")
        flagged = [a for a, c in zip(ids, self.node_column("international"), strict=True) if c]
        kinds = self.node_column("kind")
        return flagged or [a for a, k in zip(ids, kinds, strict=True) if k == NodeKind.GATEWAY]

    def link_length_km(self, link: Link) -> float | None:
        """The link's length: as given, else along its route, else end point to end point.

        Parameters
        ----------
        link : Link
            A link of this topology.

        Returns
        -------
        float or None
            Length, km (None if no length and unlocated ends).
        """
        if link.length_km is not None:
            return link.length_km
        if link.route is not None:
            return polyline_length_km(link.route)
        a, b = self.node(link.source), self.node(link.target)
        if a.has_location and b.has_location:
            return float(haversine_km(a.lat, a.lon, b.lat, b.lon))
        return None

    def link_points(self, link: Link) -> list[tuple[float, float]]:
        """The link's geometry as ``(lat, lon)`` points (route, else end points if located).

        Parameters
        ----------
        link : Link
            A link of this topology.

        Returns
        -------
        list[tuple[float, float]]
            ``(lat, lon)`` points, decimal degrees.
        """
        if link.route is not None:
            return [tuple(p) for p in link.route]
        ends = [self.node(link.source), self.node(link.target)]
        return [(n.lat, n.lon) for n in ends if n.has_location]

    def to_networkx(self) -> nx.MultiGraph:
        """The modelling view: a MultiGraph keyed by link id, attributes as in the file."""
        import networkx as nx  # only here: reading and checking a topology does not need it

        g = nx.MultiGraph(name=self.name, description=self.description)
        for n in self.nodes:
            g.add_node(n.id, **n.model_dump(exclude={"id"}, mode="json"))
        for e in self.links:
            g.add_edge(e.source, e.target, key=e.id, **e.model_dump(exclude={"id"}, mode="json"))
        return g
