"""Import cycles within a package: every import of a module of the package by another, relative or absolute, at the
top of a module or inside a function (a lazy import), is an edge; a cycle of edges is printed and fails the check.
Imports under `if TYPE_CHECKING:` never run, so they are listed apart and make no cycle.

    python tools/import_cycles.py metrics/present
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_name(path: Path, root: Path) -> str:
    """The dotted name of a module file under the source root (a package's __init__ names the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, root: Path, known: set[str]) -> list[tuple[str, bool]]:
    """The package's modules that a module imports, each with whether the import only serves type checking."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def target(dotted: str) -> str | None:
        while dotted and dotted not in known:  # `import a.b.c` of a name in a module: the module
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def visit(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, typing_only)
            return
        if isinstance(node, ast.Import):
            found.extend((t, typing_only) for a in node.names if (t := target(a.name)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:  # `from . import charts` imports the module charts
                whole = f"{base}.{alias.name}"
                t = whole if whole in known else target(base)
                if t:
                    found.append((t, typing_only))
        for child in ast.iter_child_nodes(node):
            visit(child, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return [(t, typing_only) for t, typing_only in found if t != name]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of modules (Tarjan): each is a cycle, or several sharing modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def check(folder: Path, root: Path = Path()) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """The import cycles among the modules under `folder`, and the imports made only for type checking."""
    files = sorted(folder.rglob("*.py"))
    known = {module_name(f, root) for f in files}
    graph: dict[str, set[str]] = {}
    typing_only: list[tuple[str, str]] = []
    for f in files:
        name = module_name(f, root)
        graph[name] = set()
        for t, only_types in imports(f, root, known):
            if only_types:
                typing_only.append((name, t))
            else:
                graph[name].add(t)
    return cycles(graph), typing_only


def main(argv: list[str]) -> int:
    """Print the cycles under each folder named; 1 if there is one."""
    failed = False
    for folder in argv or ["metrics/present"]:
        found, typing_only = check(Path(folder))
        for group in found:
            failed = True
            print(f"import cycle: {' <-> '.join(group)}")
        for name, t in typing_only:
            print(f"for type checking only (never run): {name} -> {t}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
