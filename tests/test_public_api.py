"""The public front door (STYLE 1): every exported name imports and lives in a public module."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import logicmodel as lm

PUBLIC_PACKAGES = ["logicmodel", "logicmodel.io", "logicmodel.checks", "logicmodel.model"]


def _exports() -> list[tuple[str, str]]:
    out = []
    for pkg in PUBLIC_PACKAGES:
        module = importlib.import_module(pkg)
        out += [(pkg, name) for name in module.__all__]
    return out


@pytest.mark.parametrize(("package", "name"), _exports())
def test_every_exported_name_imports(package: str, name: str) -> None:
    module = importlib.import_module(package)
    assert getattr(module, name) is not None
    # ``from package import name`` works the same way
    namespace: dict[str, object] = {}
    exec(f"from {package} import {name}", namespace)
    assert namespace[name] is getattr(module, name)


def test_all_has_no_duplicates() -> None:
    for pkg in PUBLIC_PACKAGES:
        names = importlib.import_module(pkg).__all__
        assert len(names) == len(set(names)), pkg


def test_no_public_object_lives_in_a_private_module() -> None:
    bad = []
    for package, name in _exports():
        obj = getattr(importlib.import_module(package), name)
        if isinstance(obj, types.ModuleType):
            module_name = obj.__name__
        else:
            module_name = getattr(obj, "__module__", None) or ""
        if any(part.startswith("_") for part in module_name.split(".")):
            bad.append(f"{package}.{name} lives in {module_name}")
    assert bad == []


def test_design_contract_names_exist() -> None:
    for name in [
        "LogicModel",
        "Input",
        "Activity",
        "Output",
        "Outcome",
        "Impact",
        "Link",
        "Indicator",
        "KGI",
        "KPI",
        "Point",
        "Milestone",
        "load",
        "dump",
        "json_schema",
        "check",
        "Report",
        "Issue",
        "parse_period",
        "Period",
        "ModelError",
        "LogicModelError",
        "UnitError",
        "PeriodError",
        "FormulaError",
        "FormatError",
        "CheckError",
        "to_mermaid",
        "to_dot",
        "Hierarchy",
    ]:
        assert name in lm.__all__, name
    assert isinstance(lm.io, types.ModuleType)
    assert lm.io.load is lm.load


def test_subpackage_all_lists_are_complete() -> None:
    # every name in lm.io.__all__ is reachable as an attribute of lm.io
    for name in lm.io.__all__:
        assert hasattr(lm.io, name), name


_PROBE = """
import json, sys
before = set(sys.modules)
import logicmodel
heavy = ["openpyxl", "matplotlib", "pyspark", "polars", "duckdb", "lxml", "xmlschema",
         "hypothesis", "logicmodel.cli", "logicmodel.testing"]
print(json.dumps(sorted(m for m in heavy if m in sys.modules and m not in before)))
"""


def test_import_does_not_load_optional_extras() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_import_has_no_side_effects(tmp_path: Path) -> None:
    # run in an empty working directory: importing must not create or read files there
    result = subprocess.run(
        [sys.executable, "-c", "import logicmodel; print(logicmodel.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.stdout.strip() == lm.__version__
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_unit_registry_is_not_built_at_import() -> None:
    probe = "import logicmodel, logicmodel.units as u; print(u.registry.cache_info().currsize)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "0"
