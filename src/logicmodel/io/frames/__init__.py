"""A logic model as plain tables (pandas DataFrames) and as a folder of CSV files.

:func:`to_frames` turns a model into six tables — ``model`` (one row), ``nodes``, ``links``,
``indicators``, ``targets`` and ``milestones`` — and :func:`from_frames` is its exact inverse, so
``from_frames(to_frames(m)) == m``. The same tables are the sheets of the Excel workbook
(:mod:`logicmodel.io.excel`) and the files written by :func:`write_csvs`.

Conventions (also in ``docs/formats/csv.md``):

- Multi-valued text fields (``assumptions``, ``refs``, ``tags``, ``delivers``) hold one item per
  line (in Excel: Alt+Enter inside the cell). When an item itself contains a line break, is empty,
  or the first item starts with ``[``, the cell holds a JSON list instead (``["a\\nb", "c"]``).
  ``delivers`` also accepts ids separated by commas, ``、`` or spaces.
- ``aggregation`` is ``stock``, ``flow``, ``mean`` or ``time:sum,orgs:mean``.
- A blank ``direction`` means "not stated" (``None``); every other blank cell means "not given"
  and takes the field's default. Empty text is therefore read as not given.
- Targets are one row per (indicator, period) in the ``targets`` table; the baseline lives in the
  indicator's ``baseline_period``/``baseline_value``/``baseline_note`` columns.

Reading is forgiving where a spreadsheet is: headers may be the English key (``baseline_value``),
the Japanese name (``基準値``) or both (``基準値 (baseline_value)``); numbers may be text with
full-width digits and thousands separators (``"１，２３４"``); booleans may be ``TRUE``,
``はい`` or ``○``;
dates may be Excel serial numbers. Errors name the table, the row and the column.
"""

from __future__ import annotations

# the names below __all__ are shared with the other readers and writers of logicmodel.io
from logicmodel.io.frames.build import RawTable as RawTable
from logicmodel.io.frames.build import build_model as build_model
from logicmodel.io.frames.cells import _blank as _blank
from logicmodel.io.frames.cells import _is_number as _is_number
from logicmodel.io.frames.cells import _num_text as _num_text
from logicmodel.io.frames.cells import header_lookup as header_lookup
from logicmodel.io.frames.cells import join_items as join_items
from logicmodel.io.frames.cells import match_header as match_header
from logicmodel.io.frames.cells import normalise_header as normalise_header
from logicmodel.io.frames.cells import parse_number_text as parse_number_text
from logicmodel.io.frames.cells import serial_to_date as serial_to_date
from logicmodel.io.frames.cells import split_items as split_items
from logicmodel.io.frames.columns import CHOICES as CHOICES
from logicmodel.io.frames.columns import OBSERVATION_TABLE as OBSERVATION_TABLE
from logicmodel.io.frames.columns import TABLE_JA as TABLE_JA
from logicmodel.io.frames.columns import TABLES
from logicmodel.io.frames.columns import Column as Column
from logicmodel.io.frames.columns import choice_entry as choice_entry
from logicmodel.io.frames.convert import TableError as TableError
from logicmodel.io.frames.convert import from_frames, to_frames
from logicmodel.io.frames.csvs import read_csvs, to_csv, write_csvs

__all__ = ["TABLES", "from_frames", "read_csvs", "to_csv", "to_frames", "write_csvs"]
