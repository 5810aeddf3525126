"""What the workbook's writer and reader share: its sheets and the openpyxl import."""

from __future__ import annotations

from typing import Any

SHEETS = (
    "readme",
    "model",
    "nodes",
    "links",
    "indicators",
    "targets",
    "milestones",
    "observations",
)
"""Sheets of a logicmodel workbook, in order (a hidden ``lists`` sheet holds drop-down values)."""

_LISTS = "lists"


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - CI installs every extra
        raise ImportError(
            "reading and writing Excel workbooks needs openpyxl: pip install 'logicmodel[excel]'"
        ) from None
    return openpyxl
