"""Layering (DESIGN §3): a module imports only lower rows; nothing imports the command line.

Every ``logicmodel.*`` import is collected with :mod:`ast`, at module level and inside functions,
except under ``if TYPE_CHECKING:`` (annotations only, never run).
"""

from __future__ import annotations

import ast
import re
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
    "intake": 3,  # what a value, a kind and a unit spelling are: one rule for every reader
    "checks": 4,
    "orgs": 4,
    "evaluation": 5,  # DESIGN §3 "evaluate/"; renamed so the package never shadows lm.evaluate
    "evidence": 5,  # issue 13: panels and staggered DiD → Evidence
    "io": 6,
    "report": 6,
    "cli": 7,
    "testing": 7,
}

# Upward imports accepted on purpose, each inside a function body only: Progress.to_excel/to_csv/
# to_parquet are thin methods over the writers in io (as pandas' DataFrame.to_excel calls pandas.io).
ALLOWED_LAZY_UPWARD: frozenset[tuple[str, str]] = frozenset(
    {("logicmodel.evaluation.progress", "logicmodel.io.progress")}
)

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
        # observations parses values and kinds by the one rule of intake.values (issue 12)
        ("observations", "intake"),
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
        elif (module, imported) in ALLOWED_LAZY_UPWARD:
            continue
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


# Private names (``_x``) imported from another top-level package: each one is a coupling that the
# owning package does not promise to keep (STYLE anti-patterns). The list may only shrink: a new
# entry fails, and so does an entry that no longer occurs (remove it here when the code is fixed).
ALLOWED_PRIVATE_IMPORTS: frozenset[str] = frozenset()
"""Private names still taken across packages (each entry fails once fixed); none since issue 9."""


def private_imports(path: Path) -> set[str]:
    """``importer <- module.name`` for every private name or module taken from another package."""
    module = _module_name(path)
    own = _top(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        if not target.startswith("logicmodel.") or _top(target) == own:
            continue
        parts = target.split(".")
        if any(p.startswith("_") and not p.startswith("__") for p in parts[2:]):
            found.add(f"{module} <- {target}")
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.add(f"{module} <- {target}.{alias.name}")
    return found


def test_no_private_name_is_imported_across_packages() -> None:
    found = set().union(*(private_imports(p) for p in _modules()))
    assert sorted(found - ALLOWED_PRIVATE_IMPORTS) == []
    assert sorted(ALLOWED_PRIVATE_IMPORTS - found) == [], "fixed: remove from the allow-list"


def test_the_private_import_checker_can_fail(tmp_path: Path) -> None:
    pkg = tmp_path / "logicmodel" / "report"
    pkg.mkdir(parents=True)
    source = pkg / "x.py"
    source.write_text(
        "from logicmodel.observations import _as_text, public\n"
        "from logicmodel.report.dashboard import _wrap\n"
        "from logicmodel.io._limits import MAX\n",
        encoding="utf-8",
    )
    global SRC  # noqa: PLW0603 - the module path is computed relative to SRC
    saved, SRC = SRC, tmp_path / "logicmodel"
    try:
        assert private_imports(source) == {
            "logicmodel.report.x <- logicmodel.observations._as_text",
            "logicmodel.report.x <- logicmodel.io._limits",
        }
    finally:
        SRC = saved


def test_allowed_upward_imports_stay_inside_functions() -> None:
    for module, imported in ALLOWED_LAZY_UPWARD:
        path = SRC.parent / (module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            and n.module == imported
            and n.col_offset == 0  # at module level (function-body imports are indented)
        ]
        assert top == [], f"{module} imports {imported} at module level"


def _vocabulary_copies(path: Path) -> list[str]:
    """String constants and ordering tuples of ``model/vocabulary.py`` written again in ``path``."""
    from logicmodel.model.vocabulary import (
        KIND_JA,
        KINDS,
        PATHWAY,
        STAGE_JA,
        STAGE_WORDS_JA,
        STAGES,
    )

    words = {w for ws in STAGE_WORDS_JA.values() for w in ws}
    labels = {*KIND_JA.values(), *STAGE_JA.values(), *words, *(c.ja for c in PATHWAY)}
    labels |= {c.en for c in PATHWAY}
    orders = {tuple(KINDS), tuple(STAGES)}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = {  # ``__all__`` names classes (``Impact``), it is no label
        id(n)
        for a in ast.walk(tree)
        if isinstance(a, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in a.targets)
        for n in ast.walk(a.value)
    }
    found = []
    for n in ast.walk(tree):
        if id(n) in exported:
            continue
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in labels:
            found.append(f"{path.name}:{n.lineno} {n.value!r}")
        elif isinstance(n, ast.Tuple) and all(isinstance(e, ast.Constant) for e in n.elts):
            values = tuple(getattr(e, "value", None) for e in n.elts)
            if values in orders:
                found.append(f"{path.name}:{n.lineno} {values!r}")
    return found


def test_kind_labels_and_pathway_order_are_written_once() -> None:
    # STYLE 17: node-kind and stage labels and the pathway order live in model/vocabulary.py only
    vocabulary = SRC / "model" / "vocabulary.py"
    copies = [c for p in _modules() if p != vocabulary for c in _vocabulary_copies(p)]
    assert copies == []
    assert _vocabulary_copies(vocabulary) != []  # the checker sees the one definition


def test_the_dashboard_page_takes_kind_labels_from_the_vocabulary() -> None:
    # the page's script and markup name node kinds only through the data the library writes into
    # it (``D.kinds``, made from model/vocabulary.py), never with words of their own
    from logicmodel.model.vocabulary import KIND_EN, KIND_EN_ONE, KIND_JA

    static = SRC / "report" / "dashboard" / "static"
    words = {*KIND_JA.values(), *KIND_EN.values(), *KIND_EN_ONE.values()}
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(static.iterdir())}
    found = [
        f"{name}: {w}"
        for name, text in texts.items()
        for w in sorted(words)
        if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)
    ]
    assert found == []
    assert "D.kinds" in texts["dashboard.js"]


def test_private_modules_are_imported_only_inside_their_package() -> None:
    # ``report.dashboard._layout`` belongs to the dashboard: the charts use ``report.layout``
    found = []
    for path in _modules():
        module = _module_name(path)
        for line, imported in collect_imports(path):
            parts = imported.split(".")
            private = [k for k, p in enumerate(parts) if p.startswith("_") and k > 0]
            if private:
                owner = ".".join(parts[: private[0]])
                if not (module == owner or module.startswith(owner + ".")):
                    found.append(f"{module}:{line} imports {imported}")
    assert found == []


# -- size and complexity of every function of the library (issue 9) -------------------------------
MAX_LINES = 100
"""Lines of a function from its ``def`` to its end, its docstring not counted."""
MAX_COMPLEXITY = 15
"""McCabe complexity as ``ruff check --select C901`` measures it."""

# Functions still over a limit, as ``module:function``; the list may only shrink (an entry that no
# longer exceeds fails, so it gets removed).
ALLOWED_LONG: frozenset[str] = frozenset()
ALLOWED_COMPLEX: frozenset[str] = frozenset()


def _limited_files() -> list[Path]:
    """Every module of the library: the rule holds everywhere, not per package."""
    return _modules()


def function_lengths(path: Path) -> dict[str, int]:
    """``module:function`` (methods as ``Class.method``) → lines without the docstring."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (child.end_lineno or child.lineno) - child.lineno + 1
                doc = child.body[0]
                if ast.get_docstring(child, clean=False) is not None:
                    lines -= (doc.end_lineno or doc.lineno) - doc.lineno + 1
                out[f"{module}:{prefix}{child.name}"] = lines
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return out


def too_complex(paths: list[Path]) -> set[str]:
    """``module:function`` for every C901 finding of ruff over ``paths``."""
    import json
    import shutil
    import subprocess

    ruff = shutil.which("ruff")
    if ruff is None:  # pragma: no cover - ruff is in the dev extra
        pytest.fail("ruff is not installed (pip install -e '.[dev]')")
    done = subprocess.run(
        [ruff, "check", "--select", "C901", "--config",
         f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "--output-format", "json",
         "--no-cache", "--exit-zero", *map(str, paths)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found: set[str] = set()
    for item in json.loads(done.stdout):
        name = item["message"].split("`")[1]
        found.add(f"{_module_name(Path(item['filename']))}:{name}")
    return found


def test_every_function_of_the_library_is_short() -> None:
    lengths = {k: n for p in _limited_files() for k, n in function_lengths(p).items()}
    long = {k for k, n in lengths.items() if n > MAX_LINES}
    assert sorted(long - ALLOWED_LONG) == [], f"split functions over {MAX_LINES} lines"
    assert sorted(ALLOWED_LONG - long) == [], "fixed: remove from ALLOWED_LONG"


def test_every_function_of_the_library_is_simple() -> None:
    found = too_complex(_limited_files())
    assert sorted(found - ALLOWED_COMPLEX) == [], f"complexity over {MAX_COMPLEXITY}"
    assert sorted(ALLOWED_COMPLEX - found) == [], "fixed: remove from ALLOWED_COMPLEX"


def test_the_limit_checkers_can_fail(tmp_path: Path) -> None:
    branches = "".join(f"    if x == {k}:\n        x += {k}\n" for k in range(20))
    source = tmp_path / "logicmodel" / "evaluation" / "x.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        f'def big(x):\n    """Doc\n\n    lines."""\n{branches}    return x\n\n\n'
        "def small(x):\n    return x\n",
        encoding="utf-8",
    )
    global SRC  # noqa: PLW0603 - the module path is computed relative to SRC
    saved, SRC = SRC, tmp_path / "logicmodel"
    try:
        assert function_lengths(source) == {
            "logicmodel.evaluation.x:big": 42,
            "logicmodel.evaluation.x:small": 2,
        }
        assert too_complex([source]) == {"logicmodel.evaluation.x:big"}
    finally:
        SRC = saved


def test_evaluate_reads_as_a_list_of_stages() -> None:
    lengths = function_lengths(SRC / "evaluation" / "core.py")
    assert lengths["logicmodel.evaluation.core:evaluate"] <= 60
