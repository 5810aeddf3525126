"""Observation intake (DESIGN §3 row 3): what a value, a kind and a unit spelling are.

Every reader — observation frames and CSV files, Excel workbooks, RS System CSVs, IATI XML and the
``evaluate`` intake — calls :mod:`logicmodel.intake.values`, so the same cell means the same thing
everywhere (``▲5.5``, ``−3``, ``1_000``, ``85％``, full-width digits, ``1,234``).
"""

from __future__ import annotations

from logicmodel.intake.values import (
    BLANK_TEXTS,
    COLUMN_ALIASES,
    KIND_ALIASES,
    OBSERVATION_KINDS,
    canonical_kind,
    clean_unit_text,
    parse_number,
    parse_numbers,
    standard_column,
)

__all__ = [
    "BLANK_TEXTS",
    "COLUMN_ALIASES",
    "KIND_ALIASES",
    "OBSERVATION_KINDS",
    "canonical_kind",
    "clean_unit_text",
    "parse_number",
    "parse_numbers",
    "standard_column",
]
