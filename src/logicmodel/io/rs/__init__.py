"""RS System (行政事業レビュー見える化サイト) 3-1 / 3-2 logic-model CSVs.

The RS System publishes each review year's 行政事業レビューシート as CSVs. Two of them hold
the effect pathway (効果発現経路): ``3-1_RS_{year}_効果発現経路_目標・実績.csv`` (nodes,
indicators, targets, actuals; one column per fiscal year 2007…2060) and
``3-2_RS_{year}_効果発現経路_目標のつながり.csv`` (the links). :func:`read_rs` turns them
into one :class:`~logicmodel.io.ModelData` per 予算事業ID; :func:`write_rs` writes the same
two files for a model.

Mapping (see ``docs/formats/rs.md`` for the whole table):

- a node is (予算事業ID, 番号, 種別); its id is ``activity_{n}``, ``output_{n}`` or ``outcome_{n}``;
  its label is アクティビティ／活動目標／成果目標; an outcome's stage comes from アウトカムの期間;
  定性的なアウトカムに関する成果実績 becomes the node's ``description``;
- each indicator spans the row types ``1.目標年度 / 2.目標値 / 3.実績値 / 4.達成率``; the k-th
  indicator of a node is ``{node_id}_i{k}``; its unit is normalised with
  :func:`~logicmodel.units.normalize_rs_unit` and every value is scaled to that unit (万人 → 人
  ×10,000); 改善の上向き／下向き gives the direction; 出典 the source; a percentage (``%``,
  ``ポイント``, ``割``) is averaged across organisations (``aggregation="mean"``), never summed;
- every numeric 目標値 is a target point ``FY{year}``; the years marked ``1`` on the 目標年度 row
  carry ``note="目標年度"``; there is no baseline (the sheet has none, and without one the
  achievement is ``a/t`` or ``t/a`` — the RS 達成率 convention);
- 実績値 become observations (``kind="actual"``, ``period="FY{year}"``) with ``source_row`` (the
  CSV line, header = 1), ``project`` and ``reported_achievement`` (the published 達成率 as a
  fraction: ``95%`` → 0.95); unknown columns of the 3-1 file ride along as extra columns;
- 定性的 indicators get ``measure="qualitative"``, no unit, no targets, and the
  定性的なアウトカム目標を設定している理由 as ``description``;
- 3-2 rows become links with 後続アウトカムへのつながり as ``rationale``.

Data-quality problems (text in a number cell, unknown units, links to unknown nodes …) never stop
the reader: they become :class:`~logicmodel.issues.Issue` findings (codes in
:data:`RS_FINDING_CODES`), returned by :func:`read_rs_report`, or raised with ``errors="raise"``.
"""

from __future__ import annotations

from logicmodel.io.rs.common import C_ROW as C_ROW
from logicmodel.io.rs.common import RS_3_1_COLUMNS, RS_3_2_COLUMNS, RS_FINDING_CODES, RSRead
from logicmodel.io.rs.read import read_rs, read_rs_report

# used by tests of the reader's internals
from logicmodel.io.rs.values import _build as _build
from logicmodel.io.rs.values import _check_references as _check_references
from logicmodel.io.rs.write import rs_losses, write_rs

__all__ = [
    "RS_3_1_COLUMNS",
    "RS_3_2_COLUMNS",
    "RS_FINDING_CODES",
    "RSRead",
    "read_rs",
    "read_rs_report",
    "rs_losses",
    "write_rs",
]
