"""The package's shape: the core is pure numpy, and no module imports another in a cycle."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import gdexplain
import gdexplain.core

SRC = Path(gdexplain.__file__).resolve().parent


def test_the_core_imports_without_manim():
    names = [f"gdexplain.core.{m.name}" for m in pkgutil.iter_modules(gdexplain.core.__path__)]
    assert {"gdexplain.core.surfaces", "gdexplain.core.optimizers", "gdexplain.core.trajectory"} <= set(names)
    code = f"import sys, importlib; [importlib.import_module(n) for n in {names!r}]; print('manim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _module_imports() -> dict[str, set[str]]:
    """Each gdexplain module and the gdexplain modules it imports at module level."""
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        deps: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only: lazy imports do not cycle
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gdexplain"):
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("gdexplain"))
        graph[name] = deps
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep in graph and not state.get(dep):
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycles():
    assert _find_cycle(_module_imports()) is None, " -> ".join(_find_cycle(_module_imports()) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
