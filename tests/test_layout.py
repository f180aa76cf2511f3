"""The package graph runs one way: a module imports only from the layers beneath its own.

Read from the source with ``ast``, imports inside functions included, so a lazy import cannot
slip a layer past the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "productive_xl"

# The calculation: pure, the same in Excel, on the server and in the browser.
FUNCTIONS = {"core", "catalogue", "arguments", "workbook_context", "functions"}
# What each part may import of productive_xl, besides itself. The parts are the subpackages and
# the top-level modules; the package root (the version and the lazy recalc) counts as "root".
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "arguments": {"core"},
    "workbook_context": {"core"},
    "catalogue": {"core", "arguments"},
    "functions": FUNCTIONS,
    "ooxml": set(),
    "vbaproject": set(),
    "headless": FUNCTIONS | {"ooxml"},
    "tracker": FUNCTIONS | {"ooxml", "vbaproject", "headless"},
    "consolidation": FUNCTIONS | {"ooxml", "headless", "tracker"},
    "excel": FUNCTIONS | {"root", "ooxml", "tracker"},
    # the Office add-in: its bridge runs in Pyodide, beside the calculation alone
    "officejs": FUNCTIONS | {"root"},
    "batch": FUNCTIONS | {"ooxml", "headless", "tracker"},
    "cli": FUNCTIONS
    | {
        "root",
        "ooxml",
        "vbaproject",
        "headless",
        "tracker",
        "excel",
        "officejs",
        "consolidation",
        "batch",
    },
    "root": {"core", "headless", "consolidation"},
}


def _part(module: str) -> str:
    """``productive_xl.ooxml.writer`` -> ``ooxml``; ``productive_xl`` itself -> ``root``."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "root"


def _module_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    names = list(relative.parts)
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def _from_root(name: str) -> str:
    is_module = (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()
    return f"productive_xl.{name}" if is_module else "productive_xl"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "productive_xl":
            # ``from productive_xl import core`` imports the subpackage, ``__version__`` the root
            found |= {_from_root(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name == "productive_xl" or name.startswith("productive_xl.")}


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_part_of_the_package_has_a_rule() -> None:
    assert {_part(_module_of(path)) for path in MODULES} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_from_the_layers_beneath_it(path: Path) -> None:
    part = _part(_module_of(path))
    allowed = MAY_IMPORT[part] | {part}
    wrong = {name for name in _imports(path) if _part(name) not in allowed}
    assert not wrong, f"{part} may not import {sorted(wrong)}"


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "sneaky.py"
    module.write_text("def f():\n    from productive_xl.tracker.layout import Sheet\n")
    assert _imports(module) == {"productive_xl.tracker.layout"}
    assert _part("productive_xl.tracker.layout") not in MAY_IMPORT["ooxml"]
