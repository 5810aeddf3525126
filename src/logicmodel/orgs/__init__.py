"""Organisations: JIS X 0402 codes and date-versioned hierarchies (DESIGN §4.5, §5.7).

Two things live here:

* helpers for the 6-digit 全国地方公共団体コード (JIS X 0402): :func:`check_digit`,
  :func:`is_valid_code`, :func:`normalize_code` and the vectorised :func:`normalize_codes`
  (:mod:`logicmodel.orgs.jis`);
* :class:`Hierarchy`, an immutable tree (or forest) of org codes whose edges carry validity
  intervals, so data from before a municipal merger rolls up through the tree valid at its date
  (:mod:`logicmodel.orgs.hierarchy`; Japan's packaged tree with the designated cities' wards in
  :mod:`logicmodel.orgs.japan`), and :class:`RollupIndex`, the integer index arrays the evaluator
  aggregates with (:mod:`logicmodel.orgs.index`).

Validity intervals are **half-open**: a row is valid on ``valid_from <= date < valid_to``; an empty
bound is unbounded. A merger on 2025-01-01 therefore gives the old codes ``valid_to=2025-01-01``
and the new code ``valid_from=2025-01-01``, the same date written once on each side.

Examples
--------
>>> from logicmodel.orgs import Hierarchy, check_digit, normalize_code
>>> check_digit("13101")
'6'
>>> normalize_code("13101")
'131016'
>>> japan = Hierarchy.japan()
>>> japan.levels
('nation', 'prefecture', 'municipality', 'ward')
>>> japan.parent("131016"), japan.name("131016"), japan.name("131016", full=True)
('130001', '千代田区', '東京都千代田区')
>>> len(japan.codes(level="municipality"))
1741
"""

from __future__ import annotations

from logicmodel.orgs.hierarchy import Hierarchy
from logicmodel.orgs.index import GroupIndex, RollupIndex
from logicmodel.orgs.jis import check_digit, is_valid_code, normalize_code, normalize_codes

__all__ = [
    "GroupIndex",
    "Hierarchy",
    "RollupIndex",
    "check_digit",
    "is_valid_code",
    "normalize_code",
    "normalize_codes",
]
