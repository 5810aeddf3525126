"""File helpers shared by every writer: spreadsheet-safe cells, and the atomic writers.

The atomic writers live in :mod:`logicmodel.io.atomic`; they are re-exported here for the
writers that import them from this module.
"""

from __future__ import annotations

from typing import Any

from logicmodel.io.atomic import atomic_open, atomic_path, atomic_write, staged_directory

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_open",
    "atomic_path",
    "atomic_write",
    "neutralise",
    "staged_directory",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection)."""


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, prefixed with ``'`` so it stays text.

    Numbers are returned unchanged (``-3`` is a number, not a formula).

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-"), neutralise(-3), neutralise("導入団体数")
    ("'-", -3, '導入団体数')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
