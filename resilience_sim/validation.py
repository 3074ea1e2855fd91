"""Turn pydantic validation errors and file-reading failures into :class:`InputError`.

Used by the topology and scenario loaders so that every problem reads
``FILE: field.path: message``, with list indices resolved to ids where the list
items have one (``nodes[3]`` becomes ``nodes[tower-7]``) and a did-you-mean for
unknown keys.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from resilience_sim.errors import InputError, InputProblem
from resilience_sim.memory import C_LOADER_MIN_CHARS, check_parse_memory

M = TypeVar("M", bound=BaseModel)

# YAML anchors and aliases may reuse a subtree, but an "alias bomb" (each level
# repeating the previous one ten times) grows exponentially once validated. The
# document may expand to at most this many nodes beyond ten times its written size
# (assumed: generous for hand-written anchors, a billion-laughs file exceeds it at
# its sixth level).
MAX_ALIAS_EXPANSION_NODES = 1_000_000
MAX_SUGGESTION_CHOICES = 200_000  # assumed: keeps a did-you-mean under ~1 s
# YAML files from this size on are parsed by libyaml (yaml.CSafeLoader, when PyYAML has
# it) with the same alias check. Measured on the 20,000-node `national` preset written
# as YAML (5.6 MB; one run each, 2 shared cores): parsing took 24 s and 534 MB of peak
# RSS with the pure-Python SafeLoader, 6.6 s and 317 MB with CSafeLoader. Smaller files
# (every hand-written scenario) keep the pure-Python parser and its messages.
# (C_LOADER_MIN_CHARS is in resilience_sim.memory, which estimates parsing memory by it.)
_C_SAFE_LOADER = getattr(yaml, "CSafeLoader", None)


class _BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents whose aliases expand too far."""

    def compose_document(self):
        node = super().compose_document()
        _check_node_graph(node)
        return node


class _AliasBomb(Exception):
    def __init__(self, expanded: int):
        self.expanded = expanded


def _check_expansion(root: yaml.Node, written: int) -> None:
    """Raise _AliasBomb if ``root`` (of ``written`` distinct nodes) expands too far."""
    expanded = _expanded_size(root)
    if expanded > 10 * max(written, 1) + MAX_ALIAS_EXPANSION_NODES:
        raise _AliasBomb(expanded)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, first_line: int):
        self.key, self.line, self.first_line = key, line, first_line


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _check_node_graph(root: yaml.Node | None) -> None:
    """The checks of a composed document, in one walk of its distinct nodes.

    1. Aliases: raise _AliasBomb if the document expands too far (:func:`_check_expansion`;
       computed only when some node is reached twice, i.e. the file uses aliases:
       without them the expanded size is the written size).
    2. Duplicate keys: raise _DuplicateKey for the first mapping that gives a scalar
       key twice. YAML parsers keep the last value silently (a ``duration_days: 60``
       followed by ``duration_days: 1`` is a one-day study); the YAML spec requires
       keys to be unique. Keys are compared by resolved tag and text, so ``1`` and
       ``'1'`` differ; ``<<`` merge keys are exempt (overriding merged keys is their
       purpose).
    """
    if root is None:
        return
    seen = {id(root)}
    stack = [root]
    duplicate: _DuplicateKey | None = None
    shared = False
    mapping, sequence, scalar = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
    while stack:
        node = stack.pop()
        if isinstance(node, mapping):
            if duplicate is None:
                first: dict[tuple[str, str], int] = {}
                for key, _ in node.value:
                    if not isinstance(key, scalar) or key.tag == _MERGE_TAG:
                        continue
                    line = key.start_mark.line + 1
                    if (key.tag, key.value) in first:
                        duplicate = _DuplicateKey(key.value, line, first[(key.tag, key.value)])
                        break
                    first[(key.tag, key.value)] = line
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, sequence):
            children = node.value
        else:
            continue
        for child in children:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
            else:
                shared = True
    if shared:
        _check_expansion(root, len(seen))
    if duplicate is not None:
        raise duplicate


def _load_yaml_with_libyaml(text: str) -> Any:
    """``yaml.load`` with libyaml's safe loader and the alias check of
    :class:`_BoundedSafeLoader` (libyaml composes aliases as shared nodes, as the
    pure-Python composer does, and refuses nesting deeper than 1,000 levels itself)."""
    loader = _C_SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node_graph(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> int:
    """Number of nodes ``root`` stands for once every alias is expanded (iterative)."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children = _children(node)
        if children_done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            continue
        if key in on_path:  # an anchor used inside itself: infinitely large
            raise _AliasBomb(-1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


_TOO_DEEP = "nested too deeply (expected at most a few hundred levels)"


def as_path(path: Any, field: str = "path") -> Path:
    """``path`` as a Path; InputError (file ``<api>``) if it is not a str or PathLike.

    Parameters
    ----------
    path : Any
        What the API caller passed.
    field : str, default 'path'
        The field named in the error.

    Returns
    -------
    Path
        ``Path(path)``.
    """
    if not isinstance(path, str | os.PathLike) or isinstance(os.fspath(path), bytes):
        raise InputError.single(
            "<api>", field, f"expected a file path (str or pathlib.Path), got {type(path).__name__}"
        )
    return Path(path)


def read_document(path: str | Path) -> Any:
    """Parse a YAML (``.yaml``/``.yml``) or JSON file with safe loaders only.

    Parameters
    ----------
    path : str or Path
        The file (``.yaml``, ``.yml`` or ``.json``); its size and parsing memory are
        checked first.

    Returns
    -------
    Any
        The parsed document (dicts, lists, scalars).
    """
    path = as_path(path)
    if path.is_dir():
        raise InputError.single(str(path), "", "expected a file, found a folder")
    if not path.is_file():
        raise InputError.single(str(path), "", "file not found")
    check_parse_memory(path)  # from the size, before reading: a limit, the memory free
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(str(path), "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:  # e.g. permission denied
        raise InputError.single(str(path), "", f"cannot read file: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        if _C_SAFE_LOADER is not None and len(text) >= C_LOADER_MIN_CHARS:
            return _load_yaml_with_libyaml(text)
        return yaml.load(text, Loader=_BoundedSafeLoader)  # a SafeLoader subclass
    except _AliasBomb as exc:
        found = "an anchor used inside itself" if exc.expanded < 0 else f"{exc.expanded} nodes"
        raise InputError.single(
            str(path),
            "",
            "YAML aliases expand too far (expected at most ten times the written size plus "
            f"{MAX_ALIAS_EXPANSION_NODES}; found {found})",
        ) from None
    except _DuplicateKey as exc:
        raise InputError.single(
            str(path),
            f"line {exc.line}",
            f"duplicate key {exc.key!r} (first given at line {exc.first_line}; "
            "each key may appear once per mapping)",
        ) from None
    except RecursionError:
        raise InputError.single(str(path), "", _TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise InputError.single(
            str(path), f"line {exc.lineno}", f"invalid JSON: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "maximum nesting depth" in problem:  # libyaml's own limit
            raise InputError.single(str(path), "", _TOO_DEEP) from None
        raise InputError.single(str(path), where, f"invalid YAML: {problem}") from None


def field_path(loc: tuple[Any, ...], document: Any, skip: frozenset[str] = frozenset()) -> str:
    """Format a pydantic ``loc`` as ``a.b[id].c``; list items are named by their ``id``.

    Parameters
    ----------
    loc : tuple[Any, ...]
        The ``loc`` of a pydantic error.
    document : Any
        The validated document, to look up the ``id`` of list items.
    skip : frozenset[str], default frozenset()
        ``loc`` parts to leave out (tagged-union tags).

    Returns
    -------
    str
        The field path, e.g. ``hazards[quake].magnitude``.
    """
    parts: list[str] = []
    node = document
    for item in loc:
        if isinstance(item, int):
            label = str(item)
            child = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            if isinstance(child, dict) and isinstance(child.get("id"), str):
                label = child["id"]
            parts.append(f"[{label}]")
            node = child
        else:
            if item in skip:  # a discriminated-union tag pydantic inserts into the path
                continue
            parts.append(("." if parts else "") + (str(item) or "''"))  # an empty key
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``value``, else ``""``.

    Skipped above ``MAX_SUGGESTION_CHOICES`` choices (difflib compares with each one).

    Parameters
    ----------
    value : str
        The unknown value.
    choices : Iterable[str]
        The allowed values.

    Returns
    -------
    str
        The suggestion text, or ``""``.
    """
    choices = list(choices)
    if len(choices) > MAX_SUGGESTION_CHOICES:
        return ""
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known_field_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    seen: set[type] = set()

    def walk(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp in seen:
                return
            seen.add(tp)
            for name, info in tp.model_fields.items():
                names.add(name)
                walk(info.annotation)
        for arg in getattr(tp, "__args__", ()) or ():
            walk(arg)

    walk(model)
    return names


def validate_document(
    model: type[M], document: Any, file: str, skip: frozenset[str] = frozenset()
) -> M:
    """Validate ``document`` against ``model``; raise :class:`InputError` listing every problem.

    Parameters
    ----------
    model : type[M]
        The pydantic model.
    document : Any
        The parsed document.
    file : str
        The file name used in the problems.
    skip : frozenset[str], default frozenset()
        ``loc`` parts to leave out of field paths (see :func:`field_path`).

    Returns
    -------
    M
        The validated model.
    """
    if not isinstance(document, dict):
        got = "an empty file" if document is None else type(document).__name__
        raise InputError.single(
            file, "", f"expected a mapping of fields at the top level, got {got}"
        )
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        vocabulary = sorted(_known_field_names(model))
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"]
            tag_field = _union_tag_field(err)
            if err["type"] == "extra_forbidden" and loc:
                name = str(loc[-1])
                message = f"unknown field {name!r}"
                if name in vocabulary:  # a real field, in the wrong section
                    message += " here (it is a field of another section: check its indentation)"
                else:
                    close = difflib.get_close_matches(name, vocabulary, n=1, cutoff=0.6)
                    if close:
                        message += f" (did you mean {close[0]!r}?)"
            elif tag_field is not None:
                # a discriminated union: name the tag field (`hazards[0].type`), not the item
                loc = (*loc, tag_field)
                if err["type"] == "union_tag_not_found":
                    message = "required field is missing"
                else:
                    ctx = err["ctx"]
                    expected = [t.strip().strip("'") for t in ctx["expected_tags"].split(",")]
                    tag = str(ctx["tag"])
                    message = f"unknown {tag_field} {tag!r}; expected one of {', '.join(expected)}"
                    close = difflib.get_close_matches(tag, expected, n=1, cutoff=0.6)
                    if close:
                        message += f" (did you mean {close[0]!r}?)"
            elif err["type"] == "missing":
                message = "required field is missing"
            elif message.startswith("Value error, "):
                message = message.removeprefix("Value error, ")
            # A model-level check names its field as "field: message".
            named = re.match(r"^([A-Za-z_][A-Za-z0-9_]*): (.+)$", message, re.DOTALL)
            if err["type"] == "value_error" and named:
                loc, message = (*loc, named.group(1)), named.group(2)
            problems.append(InputProblem(file, field_path(loc, document, skip), message))
        raise InputError(problems) from None


def _union_tag_field(err: Any) -> str | None:
    """The discriminator field name of a bad-tag error of a discriminated union, else None."""
    if err["type"] not in ("union_tag_invalid", "union_tag_not_found"):
        return None
    ctx = err.get("ctx") or {}
    name = str(ctx.get("discriminator", "")).strip("'")
    if not name.isidentifier():  # a callable discriminator: no single field to name
        return None
    if err["type"] == "union_tag_invalid" and not {"tag", "expected_tags"} <= ctx.keys():
        return None
    return name
