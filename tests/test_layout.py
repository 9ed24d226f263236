"""The code's layout: no import cycles among the app's modules, no source module over 500 lines, and pages that
reach the data only through ui/ (one door)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("metrics", "ui", "app_pages", "benchmarks")  # the modules whose imports must not go round
SOURCES = (*PACKAGES, "tools", "tests")  # the modules held to MAX_LINES
MAX_LINES = 500


def module_name(path: Path) -> str:
    """The dotted name of a module file under ROOT (a package by its folder's name)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of PACKAGES by its dotted name."""
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The known modules that module `name` imports, at its top, inside its functions or for type checking only,
    relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a name inside a module: that module
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
    ],
)
def test_cycles_are_found(graph, expected):
    assert cycles(graph) == expected


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("metrics.store.a", "from . import b", {"metrics.store.b"}),
        ("metrics.store.a", "from .b import f", {"metrics.store.b"}),
        ("metrics.store.a", "from ..domain import registry", {"metrics.domain.registry"}),
        ("metrics.store.a", "def f():\n    from metrics.store.b import g", {"metrics.store.b"}),
        ("metrics.store.a", "import metrics.store.b", {"metrics.store.b"}),
        (
            "metrics.store.a",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import C",
            {"metrics.store.b"},
        ),
        ("metrics.store", "from .b import f", {"metrics.store.b"}),  # a package's __init__
    ],
)
def test_imports_are_resolved(tmp_path, name, source, expected):
    known = dict.fromkeys(["metrics", "metrics.store", "metrics.store.a", "metrics.store.b", "metrics.domain",
                           "metrics.domain.registry"], tmp_path)  # fmt: skip
    path = tmp_path / ("__init__.py" if name == "metrics.store" else "a.py")
    path.write_text(source, encoding="utf-8")
    assert set(imported(name, path, known)) == expected


def test_no_import_cycles():
    known = modules()
    graph = {name: set(imported(name, path, known)) for name, path in known.items()}
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" <-> ".join(group) for group in found)


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split each along a seam): {long}"


PAGE_MISDEEDS = {  # what a page may not do besides importing the store, and how it would read
    "opens a cursor": re.compile(r"\.cursor\(|\.snapshot\(|\breading\("),
    "holds the database": re.compile(r"\bdatabase\("),
}


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_no_page_imports_the_store(page):
    known = modules()
    name = page.removesuffix(".py").replace("/", ".")
    store = sorted(
        m for m in imported(name, ROOT / page, known) if m == "metrics.store" or m.startswith("metrics.store.")
    )
    assert not store, f"{page} imports {store}: go through ui/data.py, ui/stored.py or ui/writes.py"


@pytest.mark.parametrize("page", [p.path for p in PAGES])
@pytest.mark.parametrize("misdeed", PAGE_MISDEEDS)
def test_no_page_holds_a_cursor_or_the_database(page, misdeed):
    source = (ROOT / page).read_text(encoding="utf-8")
    found = [source.count("\n", 0, m.start()) + 1 for m in PAGE_MISDEEDS[misdeed].finditer(source)]
    assert not found, f"{page} {misdeed} (line {', '.join(map(str, found))}): go through ui/data.py or ui/writes.py"


def bare_expressions(source: str) -> list[str]:
    """The statements that Streamlit's "magic" would draw: bare expressions other than calls and docstrings."""
    found = []
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        for i, statement in enumerate(body if isinstance(body, list) else []):  # a lambda's body is one expression
            if not isinstance(statement, ast.Expr) or isinstance(statement.value, ast.Call | ast.Await | ast.Yield):
                continue
            if i == 0 and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str):
                continue  # a docstring
            found.append(ast.unparse(statement))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"""A page."""\nst.title("x")\n', []),
        ('"""A page."""\nfigures\n', ["figures"]),
        ("def f():\n    '''Docstring.'''\n    x, y\n", ["(x, y)"]),
        ('st.title("x")\n"a string later"\n', ["'a string later'"]),
    ],
)
def test_bare_expressions_are_found(source, expected):
    assert bare_expressions(source) == expected


@pytest.mark.parametrize("path", ["dashboard.py", *(p.path for p in PAGES)])
def test_no_page_relies_on_magic(path):
    # .streamlit/config.toml turns Streamlit's magic off: a bare expression would draw nothing
    assert bare_expressions((ROOT / path).read_text(encoding="utf-8")) == []
