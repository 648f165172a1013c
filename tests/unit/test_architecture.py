"""The package graph: domain packages import only downwards (docs/architecture.md, "Who may import whom")."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "comments"

LAYERS = [
    {"mail", "rules", "toxicity"},
    {"accounts"},
    {"audit"},
    {"sites"},
    {"comments"},
    {"moderation", "rules_admin"},
    {"webhooks", "perspective"},
    {"web", "system"},
    {"compliance"},
]
"""Lowest first: a package may import packages of lower layers only (and top-level leaf modules)."""
COMPOSITION = {"app", "cli", "__main__"}
"""Top-level modules that wire everything; nothing may import them."""


def node_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return parts[1] if parts[0] == "domain" and len(parts) > 1 else parts[0]


def target_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "comments" or len(parts) < 2:
        return None
    return parts[2] if parts[1] == "domain" and len(parts) > 2 else parts[1]


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    """node -> nodes it imports; nodes are domain packages and top-level modules/packages of comments."""
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        source = node_of(path, root)
        edges = graph.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            edges.update(t for name in names if (t := target_of(name)) not in (None, source))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(package: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if package in layer), None)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports that point sideways or up the layers, or into the composition modules."""
    wrong = []
    for source, targets in graph.items():
        if source in COMPOSITION:
            continue
        for target in targets:
            low, high = layer_of(target), layer_of(source)
            if target in COMPOSITION or (low is not None and (high is None or low >= high)):
                wrong.append(f"{source} -> {target}")
    return sorted(wrong)


def test_no_import_cycle_anywhere_in_the_package() -> None:
    assert cycles(import_graph()) == []


def test_domain_packages_import_only_lower_layers() -> None:
    assert upward_imports(import_graph()) == []


def test_every_domain_package_has_a_layer() -> None:
    packages = {p.name for p in (SRC / "domain").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set().union(*LAYERS)


def test_the_checks_see_a_back_import(tmp_path: Path) -> None:
    """A copy of the tree with one import pointing back up fails both checks."""
    copy = tmp_path / "comments"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "web", "bundled"))
    services = copy / "domain" / "sites" / "services.py"
    services.write_text("from comments.domain.moderation.decisions import DecisionService\n" + services.read_text())
    graph = import_graph(copy)
    assert any({"moderation", "sites"} <= set(component) for component in cycles(graph))
    assert "sites -> moderation" in upward_imports(graph)
