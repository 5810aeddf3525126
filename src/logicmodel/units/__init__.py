"""The application unit registry with Japanese units, and our own safe unit parser.

DESIGN §5.2 and §7. There is exactly one pint registry in logicmodel, built lazily by
:func:`registry` from pint's default definitions plus our own: counting units with their own
base dimensions (件, 人, 団体, 箇所, 回, 台 — so 件 and 人 never convert into each other),
円 as a currency with 千円 … 兆円, scaled people (千人, 万人), time (秒, 分, 時間, 日, 週,
月, 年) and the ratio units %, ポイント (percentage point) and 割.

Unit *text* is never handed to pint's string parser. :func:`parse_unit` normalises it (NFKC,
so ``件／人`` is ``件/人``), limits its length, tokenises it against an allow-list of known
unit names, ``/``, ``*``, ``·``, ``・``, ``×``, parentheses and ``^2``-style single-digit
exponents, and builds the unit by multiplying registry units. Every failure is a
:class:`~logicmodel.errors.UnitError`.

Values live in float64 arrays; :func:`convert` multiplies a whole array by one cached factor.

Examples
--------
>>> from logicmodel import units
>>> units.conversion_factor("万人", "人")
10000.0
>>> units.normalize_unit_text("件／人")
'件/人'
>>> units.same_dimension("件", "人")
False
>>> units.normalize_rs_unit("（百万円）")
('円', 1000000.0)
"""

from __future__ import annotations

from logicmodel.units.conversion import conversion_factor, convert, is_percent
from logicmodel.units.custom import define, defined_units, unit_table
from logicmodel.units.definitions import MAX_UNIT_LENGTH, known_units, registry
from logicmodel.units.parsing import (
    dimensionality,
    normalize_unit_text,
    parse_unit,
    same_dimension,
    suggest_units,
)
from logicmodel.units.rs import normalize_rs_unit

__all__ = [
    "MAX_UNIT_LENGTH",
    "conversion_factor",
    "convert",
    "define",
    "defined_units",
    "dimensionality",
    "is_percent",
    "known_units",
    "normalize_rs_unit",
    "normalize_unit_text",
    "parse_unit",
    "registry",
    "same_dimension",
    "suggest_units",
    "unit_table",
]
