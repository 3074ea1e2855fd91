"""The docstring rule (docs/architecture.md, "Docstrings"), checked with ``ast`` only.

Every public function and public method (name without a leading underscore, in a module and
class without one) that takes at least one parameter besides ``self``/``cls`` has a numpydoc
docstring whose ``Parameters`` section names each parameter and no other, and a ``Returns``
(or ``Yields``) section when its return annotation is not ``None``. Exempt: click commands
(their docstring is the ``--help`` text), pydantic validators, dunder methods and
``typing.overload`` stubs; properties need only a summary line.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE_ROOT = Path(__file__).resolve().parent.parent / "resilience_sim"

# Packages (directories under resilience_sim/) and top-level modules held to the rule.
PACKAGES = (
    "topology",
    "scenario",
    "hazards",
    "threats",
    "metrics",
    "experiments",
    "reports",
    "engine",
    "cli",
)
TOP_LEVEL_MODULES = (
    "rng.py",
    "geo.py",
    "errors.py",
    "memory.py",
    "validation.py",
    "atomic_write.py",
)


_VALIDATOR_DECORATORS = {"field_validator", "model_validator", "validator", "root_validator"}
_PROPERTY_DECORATORS = {"property", "cached_property", "setter", "getter", "deleter"}
_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")


@dataclass(frozen=True)
class Problem:
    """One breach of the docstring rule."""

    path: str
    line: int
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name}: {self.message}"


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[list[str]]:
    """Dotted names of the decorators, as lists of parts (``@a.b(...)`` -> ``["a", "b"]``)."""
    out = []
    for decorator in node.decorator_list:
        expr = decorator.func if isinstance(decorator, ast.Call) else decorator
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if isinstance(expr, ast.Name):
            parts.append(expr.id)
        out.append(parts[::-1])
    return out


def _is_click_command(decorators: list[list[str]]) -> bool:
    """``@click.command``, ``@click.option``, ``@group.command()``, ``@cli.group()``..."""
    return any(
        parts and (parts[0] == "click" or (len(parts) > 1 and parts[-1] in ("command", "group")))
        for parts in decorators
    )


def sections(docstring: str) -> dict[str, list[str]]:
    """Split a numpydoc docstring into its sections.

    Parameters
    ----------
    docstring : str
        The raw docstring (indentation is removed here).

    Returns
    -------
    dict of str to list of str
        Section title (``"Parameters"``, ``"Returns"``...) -> the lines under its underline,
        up to the next section. The text before the first section is under ``""``.

    Examples
    --------
    >>> sections("Summary.\\n\\nParameters\\n----------\\nx : int\\n    A number.\\n")
    {'': ['Summary.', ''], 'Parameters': ['x : int', '    A number.']}
    """
    lines = inspect.cleandoc(docstring).splitlines()
    out: dict[str, list[str]] = {"": []}
    current = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if (
            line.strip()
            and not line.startswith(" ")
            and i + 1 < len(lines)
            and _UNDERLINE.match(lines[i + 1])
        ):
            current = line.strip()
            out[current] = []
            i += 2
            continue
        out[current].append(line)
        i += 1
    return out


def documented_parameters(lines: list[str]) -> tuple[list[str], list[str]]:
    """The parameter names of a ``Parameters`` section, and its entries without a type.

    Parameters
    ----------
    lines : list of str
        The section's lines (from :func:`sections`).

    Returns
    -------
    names : list of str
        Every name on an entry line (``a, b : float`` names ``a`` and ``b``; ``*args`` and
        ``**kwargs`` keep their stars).
    untyped : list of str
        Entry lines without ``name : type``.
    """
    names: list[str] = []
    untyped: list[str] = []
    for line in lines:
        if not line.strip() or line.startswith((" ", "\t")):
            continue
        head, sep, kind = line.partition(" : ")
        if not sep or not kind.strip():
            untyped.append(line.strip())
            head = line.rstrip(" :")
        names.extend(part.strip() for part in head.split(",") if part.strip())
    return names, untyped


def _signature_names(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if method and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    names = positional
    if args.vararg is not None:
        names.append("*" + args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg is not None:
        names.append("**" + args.kwarg.arg)
    return names


def _returns_something(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    returns = node.returns
    if returns is None:
        return False
    if isinstance(returns, ast.Constant) and returns.value in (None, "None"):
        return False
    return not (isinstance(returns, ast.Name) and returns.id == "NoReturn")


def check_function(
    node: ast.FunctionDef | ast.AsyncFunctionDef, path: str, method: bool = False
) -> list[Problem]:
    """The rule's problems with one function or method.

    Parameters
    ----------
    node : ast.FunctionDef or ast.AsyncFunctionDef
        The function (its name is assumed public; exemptions by decorator are decided here).
    path : str
        The file name used in the problems.
    method : bool
        True for a method: a first parameter ``self``/``cls`` is not documented.

    Returns
    -------
    list of Problem
        Empty when the docstring follows the rule.
    """
    decorators = _decorator_names(node)
    last_parts = {parts[-1] for parts in decorators if parts}
    if node.name.startswith("__") and node.name.endswith("__"):
        return []
    if _is_click_command(decorators) or last_parts & _VALIDATOR_DECORATORS:
        return []
    if "overload" in last_parts:
        return []
    docstring = ast.get_docstring(node, clean=True)

    def problem(message: str) -> Problem:
        return Problem(path, node.lineno, node.name, message)

    if last_parts & _PROPERTY_DECORATORS:
        return [] if docstring and docstring.strip() else [problem("no summary line")]
    method = method and "staticmethod" not in last_parts
    expected = _signature_names(node, method)
    if not expected:
        return []
    if not docstring:
        return [problem("no docstring")]
    found = sections(docstring)
    out = []
    if "Parameters" not in found:
        out.append(problem("no Parameters section"))
    else:
        names, untyped = documented_parameters(found["Parameters"])
        missing = [name for name in expected if name not in names]
        extra = [name for name in names if name not in expected]
        if missing:
            out.append(problem(f"Parameters does not name {', '.join(missing)}"))
        if extra:
            out.append(problem(f"Parameters names {', '.join(extra)}, not in the signature"))
        if untyped:
            out.append(problem(f"Parameters entries without ' : type': {untyped}"))
    if _returns_something(node) and not (
        any("".join(found.get(title, [])).strip() for title in ("Returns", "Yields"))
    ):
        out.append(problem("no Returns (or Yields) section"))
    return out


def check_source(source: str, path: str = "<string>") -> list[Problem]:
    """The rule's problems in one module's source.

    Parameters
    ----------
    source : str
        Python source of a public module.
    path : str
        The file name used in the problems.

    Returns
    -------
    list of Problem
        In source order; empty when every public function and method follows the rule.
    """
    tree = ast.parse(source)
    out: list[Problem] = []

    def visit(body: list[ast.stmt], in_class: bool) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not node.name.startswith("_") or (
                    node.name.startswith("__") and node.name.endswith("__")
                ):
                    out.extend(check_function(node, path, method=in_class))
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, in_class=True)

    visit(tree.body, in_class=False)
    return out


def checked_files() -> list[Path]:
    """The public modules held to the rule.

    Returns
    -------
    list of Path
        The files of :data:`PACKAGES` (recursively; ``__init__.py`` included, modules and
        packages named with a leading underscore left out) and
        :data:`TOP_LEVEL_MODULES`.
    """
    files = [SOURCE_ROOT / name for name in TOP_LEVEL_MODULES]
    for package in PACKAGES:
        for path in sorted((SOURCE_ROOT / package).rglob("*.py")):
            parts = path.relative_to(SOURCE_ROOT).parts
            if any(part.startswith("_") and part != "__init__.py" for part in parts):
                continue
            files.append(path)
    return files


# --- the rule on the package ---------------------------------------------------------------


def test_public_functions_have_numpydoc_docstrings() -> None:
    problems: list[Problem] = []
    for path in checked_files():
        relative = path.relative_to(SOURCE_ROOT.parent).as_posix()
        problems.extend(check_source(path.read_text(encoding="utf-8"), relative))
    assert not problems, f"{len(problems)} docstring problems:\n" + "\n".join(map(str, problems))


def test_checked_files_cover_the_listed_packages() -> None:
    files = checked_files()
    for package in PACKAGES:
        assert any(path.parent.name == package for path in files), package
    # every package and every public top-level module is held to the rule
    packages = {p.name for p in SOURCE_ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(PACKAGES)
    modules = {p.name for p in SOURCE_ROOT.glob("*.py") if not p.name.startswith("_")}
    assert modules == set(TOP_LEVEL_MODULES)
    assert all(path.exists() for path in files)


# --- the checker itself --------------------------------------------------------------------


def _problems(source: str) -> list[str]:
    return [f"{p.name}: {p.message}" for p in check_source(textwrap.dedent(source))]


GOOD = '''
def distance_km(a, b: float, *points, scale=1.0, **options) -> float:
    """Distance.

    Parameters
    ----------
    a, b : float
        Ends, km.
    *points : tuple
        Waypoints.
    scale : float, default 1.0
        Factor.
    **options
        Ignored.

    Returns
    -------
    float
        Distance in km.
    """
'''


def test_checker_passes_a_correct_docstring() -> None:
    good = GOOD.replace("    **options\n", "    **options : dict\n")
    assert _problems(good) == []


def test_checker_reports_an_entry_without_type() -> None:
    assert _problems(GOOD) == ["distance_km: Parameters entries without ' : type': ['**options']"]


def test_checker_reports_a_missing_parameter() -> None:
    source = '''
    def f(a: int, b: int) -> None:
        """Sum.

        Parameters
        ----------
        a : int
            First.
        """
    '''
    assert _problems(source) == ["f: Parameters does not name b"]


def test_checker_reports_an_extra_parameter() -> None:
    source = '''
    def f(a: int) -> None:
        """Sum.

        Parameters
        ----------
        a : int
            First.
        c : int
            Gone.
        """
    '''
    assert _problems(source) == ["f: Parameters names c, not in the signature"]


def test_checker_reports_a_missing_returns() -> None:
    source = '''
    def f(a: int) -> int:
        """Double.

        Parameters
        ----------
        a : int
            The number.
        """
    '''
    assert _problems(source) == ["f: no Returns (or Yields) section"]


def test_checker_accepts_yields_and_none_annotation() -> None:
    source = '''
    def f(a: int) -> Iterator[int]:
        """Count.

        Parameters
        ----------
        a : int
            Up to.

        Yields
        ------
        int
            0 to a - 1.
        """

    def g(a: int) -> None:
        """Nothing back.

        Parameters
        ----------
        a : int
            Ignored.
        """
    '''
    assert _problems(source) == []


def test_checker_reports_missing_docstring_and_section_with_lines() -> None:
    source = textwrap.dedent('''
    def f(a):
        pass

    def g(a):
        """No sections."""
    ''')
    problems = check_source(source, "m.py")
    assert [str(p) for p in problems] == [
        "m.py:2: f: no docstring",
        "m.py:5: g: no Parameters section",
    ]


def test_checker_methods_skip_self_and_cls_but_not_staticmethod_args() -> None:
    source = '''
    class A:
        def m(self, x):
            """M.

            Parameters
            ----------
            x : int
                X.
            """

        @classmethod
        def c(cls):
            pass

        @staticmethod
        def s(self):
            """S."""
    '''
    assert _problems(source) == ["s: no Parameters section"]


def test_checker_exemptions() -> None:
    source = '''
    import click

    def _private(a) -> int:
        pass

    class _Hidden:
        def m(self, a) -> int:
            pass

    class Public:
        def __init__(self, a):
            pass

        @property
        def p(self) -> int:
            """Value."""

        @field_validator("a")
        @classmethod
        def check(cls, value) -> int:
            pass

        @model_validator(mode="after")
        def whole(self) -> "Public":
            pass

        def no_args(self) -> int:
            pass

    @click.command("x")
    @click.option("--n")
    def command(n) -> None:
        """Help text."""

    @topology.command()
    def sub(n) -> None:
        pass

    def outer(a):
        """Outer.

        Parameters
        ----------
        a : int
            A.
        """
        def inner(b):
            pass
    '''
    assert _problems(source) == []


def test_checker_property_needs_a_summary() -> None:
    source = """
    class A:
        @property
        def p(self) -> int:
            return 1
    """
    assert _problems(source) == ["p: no summary line"]


@pytest.mark.parametrize(
    ("line", "names"),
    [("a : int", ["a"]), ("a, b : float", ["a", "b"]), ("*args : int", ["*args"])],
)
def test_documented_parameters_names(line: str, names: list[str]) -> None:
    assert documented_parameters([line, "    description"]) == (names, [])
