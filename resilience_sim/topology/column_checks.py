"""The schema's per-field rules, checked on whole columns of a node or link table.

Topology layer, used by the columnar reader (:mod:`resilience_sim.topology.io.columnar`):
a Parquet topology is never turned into one dict per row to be validated. Each field's
rules are read from the pydantic model (type, ``ge``/``gt``/``le``/``lt``, finiteness,
string length and pattern, enum values, nested lists and tuples) and evaluated with
Arrow kernels over the column, and each model validator has its column form in
:data:`COLUMN_RULES`. The checks only *find* the rows that break a rule, erring on the
side of flagging; those rows alone are then validated by pydantic, so every message is
exactly the one the same row gets from a YAML file (``FILE: nodes[id].field: message``).

A model validator without a column form (one added to ``Node`` or ``Link`` later) makes
every row go through pydantic: slower, never wrong; ``tests/test_columnar.py`` fails
until its column form is added here.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable
from typing import Any

import annotated_types as at
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, TypeAdapter, ValidationError

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.topology import arrow_np
from resilience_sim.topology.model import Link, Node, TopologyDocument
from resilience_sim.topology.table import column_type, default_column, model_schema
from resilience_sim.validation import validate_document

Mask = np.ndarray  # (n_rows,) bool: rows that may break a rule


def _lat_lon_together(t: pa.Table) -> Mask:
    return _np(pc.xor(pc.is_null(t.column("lat")), pc.is_null(t.column("lon"))))


def _route_has_two_points(t: pa.Table) -> Mask:
    lengths, given = arrow_np.numbers(pc.list_value_length(t.column("route")))
    return given & (lengths < 2)


def _no_self_loop(t: pa.Table) -> Mask:
    return arrow_np.bools(pc.equal(t.column("source"), t.column("target")), null=False)


def _one_depth_per_route_point(t: pa.Table) -> Mask:
    depths, has_depths = arrow_np.numbers(pc.list_value_length(t.column("route_depth_m")))
    points, has_route = arrow_np.numbers(pc.list_value_length(t.column("route")))
    return has_depths & ~(has_route & (depths == points))


# model -> validator name -> its column form (rows that may fail it)
COLUMN_RULES: dict[type[BaseModel], dict[str, Callable[[pa.Table], Mask]]] = {
    Node: {"_lat_lon_together": _lat_lon_together},
    Link: {
        "_route_has_two_points": _route_has_two_points,
        "_no_self_loop": _no_self_loop,
        "_one_depth_per_route_point": _one_depth_per_route_point,
    },
}


def _np(mask: pa.ChunkedArray | pa.Array) -> Mask:
    """A boolean Arrow mask as numpy, a null counting as "may break" (True)."""
    return arrow_np.bools(mask, null=True)


def _validators(model: type[BaseModel]) -> set[str]:
    decorators = model.__pydantic_decorators__
    return {
        *decorators.model_validators,
        *decorators.field_validators,
        *decorators.root_validators,
        *decorators.validators,
    }


def uncovered_validators(model: type[BaseModel]) -> set[str]:
    """Validators of ``model`` that :data:`COLUMN_RULES` has no column form for.

    Parameters
    ----------
    model : type[BaseModel]
        A pydantic model.

    Returns
    -------
    set[str]
        Validator names.
    """
    return _validators(model) - set(COLUMN_RULES.get(model, {}))


def _metadata(annotation: Any, metadata: list) -> tuple[Any, list]:
    """The annotation without Annotated / Optional, and every constraint on the way."""
    found = list(metadata)
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                found.extend(getattr(item, "metadata", [item]))
        elif origin in (typing.Union, __import__("types").UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, found
            annotation = args[0]
        else:
            return annotation, found


def _bad_values(values: pa.Array, annotation: Any, metadata: list) -> Mask:
    """Non-null values of one (flat) column that may break the annotation's rules."""
    base, rules = _metadata(annotation, metadata)
    ct = column_type(base)
    bad = np.zeros(len(values), dtype=bool)
    valid = pc.is_valid(values)
    if ct.kind in ("model", "json"):  # no column form: pydantic on the values themselves
        adapter = TypeAdapter(base)
        for i, v in enumerate(values.to_pylist()):
            if v is None:
                continue
            try:
                adapter.validate_python(json.loads(v) if ct.kind == "json" else v)
            except ValidationError:
                bad[i] = True
        return bad
    if ct.kind == "list":
        flat = pc.list_flatten(values)
        item = typing.get_args(base)[0]
        flat_bad = _bad_values(flat, item, [])
        parents, _ = arrow_np.numbers(pc.list_parent_indices(values))
        bad[parents[flat_bad]] = True
        return bad | _length_rules(pc.list_value_length(values), rules, valid)
    if ct.kind == "tuple":
        flat = pc.list_flatten(values)
        parents, _ = arrow_np.numbers(pc.list_parent_indices(values))
        args = typing.get_args(base)
        for k, item in enumerate(args):
            every = arrow_np.array(np.arange(k, len(flat), len(args)), pa.int64())
            flat_bad = _bad_values(flat.take(every), item, [])
            bad[parents[k :: len(args)][flat_bad]] = True
        return bad
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        checks = {
            at.Ge: ("ge", pc.less),
            at.Gt: ("gt", pc.less_equal),
            at.Le: ("le", pc.greater),
            at.Lt: ("lt", pc.greater_equal),
        }
        out = pc.invert(pc.is_finite(values)) if pa.types.is_floating(values.type) else None
        for rule in rules:
            for kind, (attr, fails) in checks.items():
                if isinstance(rule, kind):
                    step = fails(values, arrow_np.scalar(getattr(rule, attr)))
                    out = step if out is None else pc.or_kleene(out, step)
        if out is not None:
            bad |= _np(pc.and_kleene(out, valid))
        return bad
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        bad |= _length_rules(pc.utf8_length(values), rules, valid)
        for rule in rules:
            pattern = getattr(rule, "pattern", None)
            if pattern is not None:
                matches = pc.match_substring_regex(values, pattern=_re2(pattern))
                bad |= _np(pc.and_kleene(pc.invert(matches), valid))
        if ct.kind == "enum":
            allowed = arrow_np.strings([m.value for m in ct.base])
        elif typing.get_origin(base) is typing.Literal:
            allowed = arrow_np.strings(list(typing.get_args(base)))
        else:
            return bad
        bad |= _np(pc.and_kleene(pc.invert(pc.is_in(values, value_set=allowed)), valid))
    return bad


def _length_rules(lengths: pa.Array, rules: list, valid: pa.Array) -> Mask:
    bad = np.zeros(len(lengths), dtype=bool)
    for rule in rules:
        if isinstance(rule, at.MinLen):
            shorter = pc.less(lengths, arrow_np.scalar(rule.min_length))
            bad |= _np(pc.and_kleene(shorter, valid))
        elif isinstance(rule, at.MaxLen):
            longer = pc.greater(lengths, arrow_np.scalar(rule.max_length))
            bad |= _np(pc.and_kleene(longer, valid))
    return bad


def _re2(pattern: str) -> str:
    """A Python/Rust regex as RE2 accepts it (the same syntax for what the models use)."""
    re.compile(pattern)
    return pattern


def screen_table(
    model: type[BaseModel], table: pa.Table, file: str, where: str
) -> tuple[pa.Table, list[InputProblem]]:
    """Check ``table``'s rows against ``model``'s rules; return the table in the model's
    schema (defaults filled in) and the problems of the rows that break a rule, each
    named ``{where}[id].field`` as a YAML file's would be.

    Parameters
    ----------
    model : type[BaseModel]
        ``Node`` or ``Link``.
    table : pyarrow.Table
        The rows to check.
    file : str
        The file named in errors (``FILE: field: message``).
    where : str
        ``nodes`` or ``links`` (the field prefix).

    Returns
    -------
    tuple[pyarrow.Table, list[InputProblem]]
        ``(table in the model's schema, problems)``.
    """
    schema = model_schema(model)
    n = table.num_rows
    bad = np.zeros(n, dtype=bool)
    known = set(schema.names)
    for name in table.column_names:
        if name not in known:  # an unknown field, wherever it is given
            bad |= _np(pc.is_valid(table.column(name)))
    columns = []
    for f in schema:
        info = model.model_fields[f.name]
        nullable = column_type(info.annotation).nullable
        if f.name not in table.column_names:
            if info.is_required():
                bad[:] = True
            columns.append(default_column(model, f.name, n))
            continue
        raw = table.column(f.name)
        try:
            column = raw.cast(f.type) if raw.type != f.type else raw
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            bad[:] = True  # pydantic names the rows' values
            columns.append(default_column(model, f.name, n))
            continue
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if not nullable and column.null_count:
            if info.is_required():
                bad |= _np(pc.is_null(column))
            else:
                column = pc.fill_null(column, default_column(model, f.name, 1)[0])
        bad |= _bad_values(column, info.annotation, list(info.metadata))
        columns.append(column)
    checked = pa.Table.from_arrays(columns, schema=schema)
    rules = COLUMN_RULES.get(model, {})
    for name in _validators(model):
        if name in rules:
            bad |= rules[name](checked)
        else:
            bad[:] = True
    if not bad.any():
        return checked, []
    return checked, _row_problems(model, table, np.flatnonzero(bad), file, where)


def _row_problems(
    model: type[BaseModel], table: pa.Table, rows: np.ndarray, file: str, where: str
) -> list[InputProblem]:
    """Pydantic's problems for ``rows`` of ``table``, named as in a YAML document."""
    schema = model_schema(model)
    problems: list[InputProblem] = []
    stub = Node.model_construct(id="-", kind="exchange")
    taken = table.take(arrow_np.array(rows, pa.int64())).to_pylist()
    for i, row in zip(rows.tolist(), taken, strict=True):
        item: dict[str, Any] = {}
        for key, value in row.items():
            if value is None and key in schema.names:
                info = model.model_fields[key]
                if not column_type(info.annotation).nullable:
                    continue  # a null in a column that cannot be None: the field is absent
            if key in schema.names and column_type(model.model_fields[key].annotation).kind == (
                "json"
            ):
                value = json.loads(value) if value is not None else None
            item[key] = value
        document = {"name": "-", "nodes": [item] if model is Node else [stub]}
        if model is not Node:
            document["links"] = [item]
        try:
            validate_document(TopologyDocument, document, file)
        except InputError as exc:
            label = item["id"] if isinstance(item.get("id"), str) else str(i)
            prefix = f"{where}[0]"
            for p in exc.problems:
                if p.field.startswith(prefix):
                    rest = p.field[len(prefix) :]
                    problems.append(InputProblem(file, f"{where}[{label}]{rest}", p.message))
                elif p.field.startswith(f"{where}[{label}]"):
                    problems.append(p)
    return problems


def document_problems(name: Any, description: Any, n_nodes: int, file: str) -> list[InputProblem]:
    """Problems of the document-level fields (name, description, at least one node).

    Decided by the fields' rules on one-value columns, as rows are; pydantic only
    names the problems of a document that may break one.

    Parameters
    ----------
    name : Any
        The document's ``name``.
    description : Any
        The document's ``description``.
    n_nodes : int
        Nodes in the document.
    file : str
        The file named in errors (``FILE: field: message``).

    Returns
    -------
    list[InputProblem]
        The problems.
    """
    if n_nodes and not _document_may_break(name, description):
        return []
    stub = [Node.model_construct(id="-", kind="exchange")] if n_nodes else []
    document = {"nodes": stub}
    if name is not None:
        document["name"] = name
    if description is not None:
        document["description"] = description
    try:
        validate_document(TopologyDocument, document, file)
    except InputError as exc:
        return list(exc.problems)
    return []


def _document_may_break(name: Any, description: Any) -> bool:
    """Whether the document fields ``name`` and ``description`` may break a rule of
    :class:`TopologyDocument` (None: not given), erring on the side of yes."""
    if _validators(TopologyDocument):
        return True  # a document validator: only pydantic can tell
    for field, value in (("name", name), ("description", description)):
        info = TopologyDocument.model_fields[field]
        if value is None:
            if info.is_required():
                return True
            continue
        if not isinstance(value, str) or column_type(info.annotation).arrow != pa.string():
            return True
        if _bad_values(arrow_np.strings([value]), info.annotation, list(info.metadata)).any():
            return True
    return False
