"""Layering (DESIGN §3): a module imports only lower rows; nothing imports the command line.

Every ``logicmodel.*`` import is collected with :mod:`ast`, at module level and inside functions,
except under ``if TYPE_CHECKING:`` (annotations only, never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "logicmodel"

# Rows of DESIGN §3, with the decisions of issue 2: issues sits with errors; observations and
# graph are row 3; orgs is row 4 beside checks; testing (helpers for users' tests) is a leaf
# like the CLI.
ROWS: dict[str, int] = {
    "errors": 0,
    "issues": 0,
    "limits": 0,  # issue 12: safety limits, a leaf beside errors
    "units": 1,
    "periods": 1,
    "formula": 1,
    "model": 2,
    "graph": 3,
    "observations": 3,
    "checks": 4,
    "orgs": 4,
    "evaluation": 5,  # DESIGN §3 "evaluate/"; renamed so the package never shadows lm.evaluate
    "io": 6,
    "report": 6,
    "cli": 7,
    "testing": 7,
}

FRONT_DOOR_ROW = 6.5
"""``import logicmodel`` pulls in rows 0-6, so only row-7 modules (cli, testing) may use it."""

# Same-row imports between different modules, accepted on purpose (each edge reported to the
# lead; any new same-row edge fails). issues.Report.raise_for_errors raises errors.CheckError;
# formula checks dimensions with the unit registry.
ALLOWED_SAME_ROW: frozenset[tuple[str, str]] = frozenset(
    {
        ("issues", "errors"),
        ("formula", "units"),
        # the dashboard and CSV writers use io's atomic writer rather than a second copy of it
        ("report", "io"),
    }
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top(module: str) -> str | None:
    """``logicmodel.model.nodes`` → ``model``; the package itself → None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "logicmodel" else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[int, str]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "logicmodel" or alias.name.startswith("logicmodel."):
                self.found.append((node.lineno, alias.name))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        if target == "logicmodel":
            # ``from logicmodel import units`` names a submodule; anything else is the front door
            for alias in node.names:
                sub = SRC / alias.name
                if sub.is_dir() or sub.with_suffix(".py").is_file():
                    self.found.append((node.lineno, f"logicmodel.{alias.name}"))
                else:
                    self.found.append((node.lineno, "logicmodel"))
        elif target.startswith("logicmodel."):
            self.found.append((node.lineno, target))


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def collect_imports(path: Path) -> list[tuple[int, str]]:
    module = _module_name(path)
    visitor = _Imports(module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return visitor.found


def violations(path: Path) -> list[str]:
    module = _module_name(path)
    if module == "logicmodel":
        return []  # the front door re-exports everything
    own = _top(module)
    if own not in ROWS:
        return [f"{module}: not placed in a row of DESIGN §3 (add it to ROWS)"]
    out = []
    for line, imported in collect_imports(path):
        other = _top(imported)
        if other is None:
            if ROWS[own] < FRONT_DOOR_ROW:
                out.append(f"{module}:{line} (row {ROWS[own]}) imports the front door 'logicmodel'")
            continue
        if other == own:
            continue  # within one package or module
        if other not in ROWS:
            out.append(f"{module}:{line} imports {imported}, which has no row")
        elif ROWS[other] > ROWS[own]:
            out.append(f"{module}:{line} (row {ROWS[own]}) imports {imported} (row {ROWS[other]})")
        elif ROWS[other] == ROWS[own] and (own, other) not in ALLOWED_SAME_ROW:
            out.append(f"{module}:{line} imports {imported} from the same row {ROWS[own]}")
    return out


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_lower_rows(path: Path) -> None:
    assert violations(path) == []


def test_nothing_imports_the_cli() -> None:
    users = [
        f"{_module_name(p)}:{line}"
        for p in _modules()
        if _module_name(p) != "logicmodel.cli"
        for line, imported in collect_imports(p)
        if imported == "logicmodel.cli"
    ]
    assert users == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    # the checker itself must be able to fail: a function-level upward import is found,
    # one under TYPE_CHECKING is not
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from logicmodel.io import load\n"
        "def f():\n    from logicmodel.report import mermaid\n    return mermaid\n"
        "from . import periods\n"
    )
    visitor = _Imports("logicmodel.units", is_package=False)
    visitor.visit(ast.parse(source))
    assert visitor.found == [(5, "logicmodel.report"), (7, "logicmodel.periods")]
