"""The bad-input corpus (issue 12): every hostile case through the public API and the CLI.

The cases live in ``tests/hostile/cases.py`` and run in a worker process with a memory limit and
a per-case timeout (``tests/hostile/harness.py``): a hang, an interpreter abort or a MemoryError
fails the case. Each case then asserts the error class (a ``LogicModelError`` subclass), the
location in its message (file, line, sheet, cell, field or id) and that the message stays short.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HOSTILE = Path(__file__).resolve().parent / "hostile"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(HOSTILE))
    try:
        spec = importlib.util.spec_from_file_location(name, HOSTILE / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(HOSTILE))


harness = _load("harness")
cases = _load("cases")
CASES = cases.all_cases()


def test_corpus_is_large_and_covers_every_area() -> None:
    assert len(CASES) >= 300
    areas = {c.area for c in CASES}
    assert {"yaml_json", "api", "evaluate", "check", "checks", "observation", "excel"} <= areas
    assert {"csv_folder", "rs", "iati", "cli"} <= areas


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    return harness.run_cases([c.id for c in CASES])


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Any, outcomes: dict[str, Any]) -> None:
    result = outcomes[case.id]
    assert result["outcome"] not in ("hang", "crash", "memory"), result
    if result["outcome"] == "error":
        assert "LogicModelError" in result["mro"], f"foreign {result['cls']}: {result.get('trace')}"
    case.expect(result)
