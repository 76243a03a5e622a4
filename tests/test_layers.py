"""The package's layers depend downward only, and no module imports itself back through
others: values/errors < transport < resilience < client < recordsets < bulk < around.

Imports made only for type checking (under ``if TYPE_CHECKING:``) are not dependencies
at run time and are left out; every other import counts, including those inside
functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "odoo_async"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("values", ("odoo_async._json", "odoo_async._version", "odoo_async.values",
                "odoo_async.domain", "odoo_async.command", "odoo_async.secret",
                "odoo_async.config", "odoo_async.errors")),
    ("transport", ("odoo_async.transport",)),
    ("resilience", ("odoo_async.resilience",)),
    ("client", ("odoo_async.client",)),
    ("recordsets", ("odoo_async.orm",)),
    ("bulk", ("odoo_async.bulk",)),
    ("around", ("odoo_async.testing", "odoo_async.webhooks", "odoo_async.cli",
                "odoo_async.introspection", "odoo_async.stubs", "odoo_async.__main__",
                "odoo_async.apikeys")),
]


def layer_of(module: str) -> int | None:
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path, package: str | None = None) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    package = package or module_name(path)
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                if not is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}")
                found.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.startswith("odoo_async")}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def graph() -> dict[str, set[str]]:
    return {module: {target for name in imports(path)
                     if (target := _resolve(name)) and target != module}
            for module, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in MODULES if m != "odoo_async" and layer_of(m) is None)
    assert unplaced == []


def upward(module: str, targets: set[str]) -> list[str]:
    here = layer_of(module)
    if here is None:  # the package's front door may import everything
        return []
    found = []
    for target in targets:
        there = layer_of(target)
        if there is not None and there > here:
            found.append(f"{module} ({LAYERS[here][0]}) imports {target} "
                         f"({LAYERS[there][0]})")
    return found


@pytest.mark.slow
def test_imports_point_down_only() -> None:
    problems = [line for module, targets in graph().items()
                for line in upward(module, targets)]
    assert problems == [], "\n".join(sorted(problems))


@pytest.mark.slow
def test_no_import_cycles() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target.startswith(node + ".") or node.startswith(target + "."):
                continue  # a package and its own modules
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target):], target])
            elif target not in state:
                walk(target)
        stack.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            walk(module)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("source", ["from odoo_async.bulk import Bulk\n",
                                    "import odoo_async.orm.env\n"])
def test_the_checker_sees_upward_imports(tmp_path: Path, source: str) -> None:
    fake = tmp_path / "base.py"  # as if the transport imported these, inside a function
    fake.write_text("def late():\n    " + source.replace("\n", "\n    ") + "\n")
    module = "odoo_async.transport.base"
    targets = {t for n in imports(fake, module) if (t := _resolve(n)) and t != module}
    assert upward(module, targets)
