"""Excel workbooks (.xlsx) that civil servants can fill in: model, tables and observations.

The workbook has one sheet per table of :func:`logicmodel.io.frames.to_frames` — ``model``,
``nodes``, ``links``, ``indicators``, ``targets``, ``milestones`` — plus ``observations`` (long
format data) and ``readme`` (instructions in Japanese and English). Headers read ``種別 (kind)``;
the reader also accepts the Japanese name or the English key alone. Sheets may also be named in
Japanese (``要素``, ``指標`` …). Drop-down lists offer the allowed values (node kind, stage,
direction, role, aggregation, measure, frequency, observation kind, node and indicator ids).

Text is always written as text: a label such as ``=1+1`` is stored as a string cell (never a
formula), with Excel's quote prefix so that editing it keeps it text.

openpyxl is an optional dependency (the ``excel`` extra), imported only when a function runs.
"""

from __future__ import annotations

from logicmodel.io.excel.common import SHEETS
from logicmodel.io.excel.read import read_excel
from logicmodel.io.excel.write import excel_template, write_excel

__all__ = ["SHEETS", "excel_template", "read_excel", "write_excel"]
