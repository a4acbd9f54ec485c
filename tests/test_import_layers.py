"""The ``i2i`` package has no import circles: each file stands above what it uses.

The graph is built from the source with ``ast``, not by importing anything.
Every ``import`` statement counts as an edge, whether it sits at the top of a
module or inside a function (a deferred import that closes a circle is still a
circle).  ``from i2i.x import y`` points at the module ``i2i.x.y`` when that is
a module, else at ``i2i.x``; ``from i2i import hookimpl`` points at ``i2i``
(the package's ``__init__``), which must therefore import only what stands
below everything (``i2i.errors``).

Left out, and why:

* ``if TYPE_CHECKING:`` blocks: they never run.
* Strings handed to ``importlib`` (``BUILTIN_PLUGINS`` in ``i2i.plugins``,
  the lazy ``__getattr__`` front of ``i2i/__init__.py``): a name in a string is
  looked up at run time by whoever asks for it, the way a third-party plugin's
  entry point is; it is a registry, not an import edge.
* The implicit import of a parent package: importing ``i2i.x.y`` runs
  ``i2i/x/__init__.py`` first, but that is Python's package machinery, not a
  use of ``i2i.x`` by ``i2i.x.y`` (``i2i.stylize``'s ``__init__`` re-exports
  its children, and those children do not use the re-exports).
"""

from __future__ import annotations

import ast
from pathlib import Path

import i2i

PACKAGE_DIR = Path(i2i.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, type_checking: bool = False):
    """Every Import/ImportFrom node, skipping ``if TYPE_CHECKING:`` bodies unless asked."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if not type_checking and isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve_base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    base = ".".join(parts)
    return f"{base}.{node.module}" if node.module else base


def import_graph(type_checking: bool = False) -> dict[str, set[str]]:
    modules = _all_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in _imports(tree, type_checking):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve_base(name, is_package, node)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[tuple[set[str], list[str]]]:
    """Each strongly connected component of more than one module, with its shortest
    circle through its first module (a component may hold more circles than that one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0

    def strongconnect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)

    cycles = []
    for component in components:
        start = min(component)
        # breadth-first search inside the component for the shortest way back
        previous: dict[str, str] = {}
        frontier = [start]
        found = None
        while frontier and found is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v] & component):
                    if w == start:
                        found = v
                        break
                    if w not in previous:
                        previous[w] = v
                        nxt.append(w)
                if found is not None:
                    break
            frontier = nxt
        path = [found]
        while path[-1] != start:
            path.append(previous[path[-1]])
        cycles.append((component, list(reversed(path)) + [start]))
    return cycles


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    return [cycle for _, cycle in circles(graph)]


def describe(graph: dict[str, set[str]]) -> str:
    return "\n".join(
        f"{' -> '.join(cycle)}   (all of {', '.join(sorted(members))} reach each other)"
        for members, cycle in circles(graph))


def test_the_graph_sees_deferred_imports_relative_imports_and_submodules(tmp_path):
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from i2i.data import npz\n"  # a module: the edge goes to it
        "from i2i.errors import DataError\n"  # a name: the edge goes to its module
        "from . import toy\n"
        "if TYPE_CHECKING:\n"
        "    from i2i.config import RunConfig\n"
        "def later():\n"
        "    import i2i.plugins\n"
    )
    modules = _all_modules()
    found = set()
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        else:
            base = _resolve_base("i2i.data.example", False, node)
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                         for a in node.names)
    assert found == {"typing", "i2i.data.npz", "i2i.errors", "i2i.data.toy", "i2i.plugins"}


def test_a_circle_is_found_and_printed():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_the_package_has_no_import_circles():
    graph = import_graph()
    assert not find_cycles(graph), "import circles:\n" + describe(graph)


def test_no_module_of_the_package_uses_the_lazy_front():
    """What makes leaving ``_LAZY``'s strings out of the graph safe: the package's own
    modules import those names from where they are defined, never through ``i2i``."""
    users = []
    for name, path in _all_modules().items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8")), type_checking=True):
            if isinstance(node, ast.ImportFrom) and node.module == "i2i" and not node.level:
                users += [f"{name}: {a.name}" for a in node.names if a.name in i2i._LAZY]
    assert not users


def test_type_only_imports_close_no_circle_either():
    """Stricter than the rule: even an ``if TYPE_CHECKING:`` import stands below."""
    graph = import_graph(type_checking=True)
    assert not find_cycles(graph), "import circles with type-only imports:\n" + describe(graph)


if __name__ == "__main__":
    print(describe(import_graph(type_checking=True)) or "no import circles")
