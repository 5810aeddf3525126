"""Reporting periods: months, quarters, fiscal years, 和暦 and intervals (DESIGN §5.1).

A :class:`Period` is an immutable span of whole days, ``start`` … ``end`` (both inclusive), with a
canonical ``label``. Equality, hashing and ordering use the days only, so every spelling of the same
span is the same period; an observation's time position is its period's end.

Examples
--------
>>> from logicmodel.periods import parse_period, to_wareki_fy
>>> fy = parse_period("令和6年度")
>>> fy
Period(start=datetime.date(2024, 4, 1), end=datetime.date(2025, 3, 31),
       label='FY2024', kind='fiscal_year')
>>> fy == parse_period("FY2024") == parse_period("２０２４年度") == parse_period("R6年度")
True
>>> str(parse_period("fy2024q1")), str(parse_period("2024年6月")), str(parse_period(2024))
('FY2024Q1', '2024-06', '2024')
>>> parse_period("FY2024", fiscal_year_start=7).end
datetime.date(2025, 6, 30)
>>> parse_period("平成31年度") == parse_period("令和元年度")
True
>>> to_wareki_fy(2019)
'令和元年度'
"""

from __future__ import annotations

from logicmodel.periods.arrays import PeriodArray, assign_periods, parse_periods
from logicmodel.periods.parsing import parse_period, to_wareki_fy
from logicmodel.periods.period import EPOCH, FREQUENCIES, KINDS, Period, epoch_days, fiscal_year

__all__ = [
    "EPOCH",
    "FREQUENCIES",
    "KINDS",
    "Period",
    "PeriodArray",
    "assign_periods",
    "epoch_days",
    "fiscal_year",
    "parse_period",
    "parse_periods",
    "to_wareki_fy",
]
