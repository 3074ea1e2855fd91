"""Column tables of pydantic models: the Arrow schema, objects <-> columns.

Topology layer, below the model: :class:`~resilience_sim.topology.model.Topology`
keeps its nodes and links as two :class:`pyarrow.Table` (one column per model field)
and builds :class:`Node` / :class:`Link` objects only when code asks for them. The
schema is derived from the models' fields, never listed by hand, so a field added to
``Node`` or ``Link`` gets its column (and its Parquet column) without a change here:

========================================  ==========================================
field annotation                          Arrow type
========================================  ==========================================
``bool``, ``int``, ``float``, ``str``     ``bool``, ``int64``, ``float64``, ``string``
an Enum or ``Literal`` of strings         ``string`` (the values)
``X | None``                              the type of ``X``, nulls for None
``list[X]``                               ``list<X>``
``tuple[X, X]`` (same type)               ``fixed_size_list<X>[2]``
a pydantic model                          ``struct`` of its fields
anything else (dicts, unions, ...)        ``string`` holding the value's JSON
========================================  ==========================================
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, TypeAdapter

from resilience_sim.topology import arrow_np


@dataclass(frozen=True)
class ColumnType:
    """How one annotation is stored: its Arrow type and how values convert."""

    arrow: pa.DataType
    nullable: bool
    kind: str  # "scalar", "enum", "list", "tuple", "model", "json"
    base: Any  # the annotation without Optional / Annotated
    item: ColumnType | None = None  # element of a list or tuple


def _strip(annotation: Any) -> tuple[Any, bool]:
    """``annotation`` without ``Annotated[...]`` and ``| None``; and whether None is allowed."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return typing.Union[tuple(args)], nullable  # noqa: UP007
            annotation = args[0]
        else:
            return annotation, nullable


@cache
def column_type(annotation: Any) -> ColumnType:
    """The :class:`ColumnType` of a field annotation (see the module's table).

    Parameters
    ----------
    annotation : Any
        A field annotation.

    Returns
    -------
    ColumnType
        Its column type.
    """
    base, nullable = _strip(annotation)
    origin = typing.get_origin(base)
    if base is bool:
        return ColumnType(pa.bool_(), nullable, "scalar", base)
    if base is int:
        return ColumnType(pa.int64(), nullable, "scalar", base)
    if base is float:
        return ColumnType(pa.float64(), nullable, "scalar", base)
    if base is str:
        return ColumnType(pa.string(), nullable, "scalar", base)
    if isinstance(base, type) and issubclass(base, Enum) and issubclass(base, str):
        return ColumnType(pa.string(), nullable, "enum", base)
    if origin is typing.Literal and all(isinstance(v, str) for v in typing.get_args(base)):
        return ColumnType(pa.string(), nullable, "scalar", base)
    if origin is list:
        item = column_type(typing.get_args(base)[0])
        return ColumnType(pa.list_(item.arrow), nullable, "list", base, item)
    if origin is tuple:
        args = typing.get_args(base)
        items = {column_type(a) for a in args}
        if len(args) >= 1 and Ellipsis not in args and len({i.arrow for i in items}) == 1:
            item = column_type(args[0])
            return ColumnType(pa.list_(item.arrow, len(args)), nullable, "tuple", base, item)
    if isinstance(base, type) and issubclass(base, BaseModel):
        return ColumnType(pa.struct(model_schema(base)), nullable, "model", base)
    return ColumnType(pa.string(), nullable, "json", base)


@cache
def model_schema(model: type[BaseModel]) -> pa.Schema:
    """One column per field of ``model``, in field order.

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.

    Returns
    -------
    pyarrow.Schema
        The Arrow schema.
    """
    return pa.schema(
        [
            pa.field(name, column_type(info.annotation).arrow, nullable=True)
            for name, info in model.model_fields.items()
        ]
    )


def _to_arrow_value(value: Any, ct: ColumnType) -> Any:
    if value is None:
        return None
    if ct.kind == "enum":
        return value.value if isinstance(value, Enum) else value
    if ct.kind in ("list", "tuple"):
        return [_to_arrow_value(v, ct.item) for v in value]
    if ct.kind == "model":
        return value.model_dump(mode="json")
    if ct.kind == "json":
        return TypeAdapter(ct.base).dump_json(value).decode()
    return value


def table_from_objects(model: type[BaseModel], objects: Sequence[BaseModel]) -> pa.Table:
    """The column table of ``objects`` (instances of ``model``), one row each.

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.
    objects : Sequence[BaseModel]
        Instances of ``model``.

    Returns
    -------
    pyarrow.Table
        The column table.
    """
    schema = model_schema(model)
    arrays = []
    for name, info in model.model_fields.items():
        ct = column_type(info.annotation)
        values = [getattr(obj, name) for obj in objects]
        if ct.kind not in ("scalar",):
            values = [_to_arrow_value(v, ct) for v in values]
        arrays.append(pa.array(values, type=ct.arrow))
    return pa.Table.from_arrays(arrays, schema=schema)


def _from_arrow_values(values: list, ct: ColumnType) -> list:
    """Python values of one column as the model holds them (enums, tuples, models)."""
    if ct.kind == "scalar":
        return values
    if ct.kind == "enum":
        members = {m.value: m for m in ct.base}
        return [None if v is None else members[v] for v in values]
    if ct.kind == "tuple":
        return [None if v is None else tuple(_from_arrow_values(v, ct.item)) for v in values]
    if ct.kind == "list":
        if ct.item.kind == "scalar":
            return values
        return [None if v is None else _from_arrow_values(v, ct.item) for v in values]
    if ct.kind == "model":
        return [None if v is None else ct.base.model_validate(v) for v in values]
    adapter = TypeAdapter(ct.base)
    return [None if v is None else adapter.validate_json(v) for v in values]


def objects_from_table(model: type[BaseModel], table: pa.Table) -> tuple:
    """``model`` objects of every row of a checked ``table``, built without validation.

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.
    table : pyarrow.Table
        A checked column table.

    Returns
    -------
    tuple
        One object per row.
    """
    columns = {}
    for name, info in model.model_fields.items():
        ct = column_type(info.annotation)
        columns[name] = _from_arrow_values(table.column(name).to_pylist(), ct)
    return construct_many(model, columns, table.num_rows)


def construct_many(model: type[BaseModel], columns: dict[str, list], k: int) -> tuple:
    """Build ``k`` frozen pydantic objects from already-checked columns, without validation.

    What ``model.model_construct`` does, at about a third of its cost and memory: every
    instance dict is a copy of one template (so CPython shares its keys table), fields
    absent from ``columns`` take their default, and ``default_factory`` fields get a
    fresh value each. Only for values known to satisfy the schema (the callers check
    them column-wise; the tests re-validate generated networks through the schema).

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.
    columns : dict[str, list]
        Field -> ``k`` checked values.
    k : int
        Number of objects.

    Returns
    -------
    tuple
        The objects.
    """
    fields_set = set(columns)
    columns = dict(columns)
    proto = object.__new__(model)
    for name, info in model.model_fields.items():
        if info.default_factory is not None and name not in columns:
            columns[name] = [info.default_factory() for _ in range(k)]
        default = None if info.is_required() or info.default_factory else info.default
        object.__setattr__(proto, name, default)
    template = proto.__dict__
    names = list(columns)
    new, setattr_, copy = object.__new__, object.__setattr__, template.copy
    out = []
    append = out.append
    for values in zip(*columns.values(), strict=True):
        obj = new(model)
        d = copy()
        d.update(zip(names, values, strict=True))
        setattr_(obj, "__dict__", d)
        setattr_(obj, "__pydantic_fields_set__", fields_set)
        setattr_(obj, "__pydantic_extra__", None)
        setattr_(obj, "__pydantic_private__", None)
        append(obj)
    assert len(out) == k
    return tuple(out)


def table_from_columns(model: type[BaseModel], columns: dict[str, Any], n_rows: int) -> pa.Table:
    """The table of ``n_rows`` rows from checked ``columns`` (field -> values, enums as
    their values); fields not given take their default.

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.
    columns : dict[str, Any]
        Field -> ``n_rows`` checked values.
    n_rows : int
        Rows.

    Returns
    -------
    pyarrow.Table
        The column table.
    """
    schema = model_schema(model)
    arrays = [
        pa.array(columns[f.name], type=f.type)
        if f.name in columns
        else default_column(model, f.name, n_rows)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def default_column(model: type[BaseModel], name: str, n_rows: int) -> pa.Array:
    """A column of ``n_rows`` copies of field ``name``'s default (for a column not given).

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.
    name : str
        A field.
    n_rows : int
        Rows.

    Returns
    -------
    pyarrow.Array
        The column.
    """
    info = model.model_fields[name]
    ct = column_type(info.annotation)
    if info.is_required():  # a placeholder: every row is then reported as missing it
        return pa.nulls(n_rows, ct.arrow)
    value = info.default_factory() if info.default_factory is not None else info.default
    value = _to_arrow_value(value, ct)
    # built without pa.scalar where the checks of a file may need it: pa.scalar imports
    # pandas (topology/arrow_np.py)
    if value is None:
        return pa.nulls(n_rows, ct.arrow)
    if isinstance(value, bool | int | float | str) and ct.kind in ("scalar", "enum"):
        return pa.repeat(arrow_np.scalar(value, ct.arrow), n_rows)
    if value == [] and pa.types.is_list(ct.arrow):
        offsets = arrow_np.array(np.zeros(n_rows + 1), pa.int32())
        return pa.ListArray.from_arrays(offsets, pa.nulls(0, ct.arrow.value_type), type=ct.arrow)
    return pa.repeat(pa.scalar(value, type=ct.arrow), n_rows)
