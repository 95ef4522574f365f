"""The one-way import rules of ARCHITECTURE.md, checked on the source text (every import, function-level included).

- ``tiles``, ``models`` and ``simulate`` import no ``backend``; ``tiles`` and ``models`` not each other;
- ``backend.services`` imports no ``backend.worker``;
- nothing outside ``benchmarks`` imports ``benchmarks`` (experiments are not product), and no product package
  imports the simulator;
- no import circle between modules anywhere;
- no thread is started outside ``backend.worker`` (the one mechanism for background work).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("backend", "tiles", "models", "simulate", "benchmarks")

# importer prefix -> prefixes it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "tiles": ("backend", "models", "simulate", "benchmarks"),
    "models": ("backend", "tiles", "simulate", "benchmarks"),
    "simulate": ("backend", "models", "benchmarks"),
    "backend": ("benchmarks", "simulate"),
    "backend.services": ("backend.worker", "backend.api", "backend.cli"),
    "backend.db": ("backend.services", "backend.worker", "backend.api", "backend.cli"),
    "backend.catalogues": ("backend.services", "backend.worker", "backend.api", "backend.cli", "backend.db"),
    "backend.worker": ("backend.api", "backend.cli"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = source_modules()


def imported_names(name: str, path: Path) -> Iterator[str]:
    """Every module name ``name`` imports, resolved to the project's modules where it can be."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            for alias in node.names:
                candidate = f"{stem}.{alias.name}"
                yield candidate if candidate in MODULES else stem


def project_imports(name: str, path: Path) -> set[str]:
    out = set()
    for imported in imported_names(name, path):
        while imported and imported not in MODULES:
            imported = imported.rpartition(".")[0]
        if imported and imported != name:
            out.add(imported)
    return out


GRAPH = {name: project_imports(name, path) for name, path in MODULES.items()}


def inside(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_checker_sees_the_tree() -> None:
    assert "backend.app" in MODULES and "tiles.render" in MODULES and "models.byol" in MODULES
    assert "backend.api.errors" in GRAPH["backend.app"]


@pytest.mark.parametrize("importer", sorted(FORBIDDEN))
def test_imports_point_one_way(importer: str) -> None:
    bad = []
    for name, imports in GRAPH.items():
        if not inside(name, importer):
            continue
        for target in imports:
            for forbidden in FORBIDDEN[importer]:
                if inside(target, forbidden) and not inside(name, forbidden):
                    bad.append(f"{name} imports {target}")
    assert not bad, "imports against the one-way rules:\n" + "\n".join(sorted(bad))


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (a list of modules ending where it starts), or None (iterative DFS)."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            if child not in graph:
                continue
            if state.get(child) == 1:
                return path[path.index(child):] + [child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_no_import_circle() -> None:
    # a package's __init__ re-exporting its submodules is the usual pattern, not a circle: drop the edge
    # from a submodule back up to its own package's __init__
    graph = {name: {t for t in targets if not inside(name, t)} for name, targets in GRAPH.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_thread_outside_the_worker() -> None:
    bad = []
    for name, path in MODULES.items():
        if inside(name, "backend.worker") or inside(name, "benchmarks"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"Thread", "ThreadPoolExecutor", "Timer"}:
                bad.append(f"{name}:{node.lineno} uses {node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module in {"threading", "concurrent.futures"}:
                for alias in node.names:
                    if alias.name in {"Thread", "ThreadPoolExecutor", "Timer"}:
                        bad.append(f"{name}:{node.lineno} imports {alias.name}")
    assert not bad, "threads outside backend.worker:\n" + "\n".join(bad)
