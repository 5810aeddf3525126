"""Reading and writing logic models and their data (DESIGN §4.2): ``lm.io``.

YAML and JSON (with the JSON Schema) live in :mod:`logicmodel.io.text`; the Excel, frame/CSV,
RS System and IATI readers and writers each live in their own module and import their optional
dependency (openpyxl, lxml …) only when called. Every writer writes through
:mod:`logicmodel.io.atomic` (``atomic_write``, ``atomic_open``, ``staged_directory``).

Examples
--------
>>> import logicmodel as lm
>>> print(lm.io.to_yaml(lm.LogicModel(id="m", title="窓口")), end="")
id: m
title: 窓口
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# -- writing: the atomic, durable writes every writer uses (docs/writing.md) -----------------
from logicmodel.io.atomic import atomic_open, atomic_write, staged_directory

# -- shared: file helpers and the model + observations pair -----------------------------------
from logicmodel.io.data import OBSERVATION_COLUMNS, ModelData

# -- spreadsheets: Excel workbooks and CSV tables (openpyxl imported inside the functions) ----
from logicmodel.io.excel import excel_template, read_excel, write_excel
from logicmodel.io.files import neutralise
from logicmodel.io.frames import from_frames, read_csvs, to_csv, to_frames, write_csvs

# -- observations files -----------------------------------------------------------------------
from logicmodel.io.observations import read_observations

# -- RS System (行政事業レビュー) 3-1 / 3-2 -------------------------------------------------------
from logicmodel.io.rs import RSRead, read_rs, read_rs_report, write_rs

# -- YAML / JSON / JSON Schema ------------------------------------------------------------------
from logicmodel.io.text import (
    dump,
    from_json,
    from_yaml,
    json_schema,
    load,
    model_to_data,
    to_json,
    to_yaml,
)

if TYPE_CHECKING:
    from logicmodel.io.iati import read_iati, write_iati


def __getattr__(name: str) -> Any:
    # IATI needs lxml (the ``xml`` extra): import it on first use, not with ``logicmodel``
    if name in ("read_iati", "write_iati"):
        from logicmodel.io import iati

        return getattr(iati, name)
    raise AttributeError(f"module 'logicmodel.io' has no attribute {name!r}")


__all__ = [
    "OBSERVATION_COLUMNS",
    "ModelData",
    "RSRead",
    "atomic_open",
    "atomic_write",
    "dump",
    "excel_template",
    "from_frames",
    "from_json",
    "from_yaml",
    "json_schema",
    "load",
    "model_to_data",
    "neutralise",
    "read_csvs",
    "read_excel",
    "read_iati",
    "read_observations",
    "read_rs",
    "read_rs_report",
    "staged_directory",
    "to_csv",
    "to_frames",
    "to_json",
    "to_yaml",
    "write_csvs",
    "write_excel",
    "write_iati",
    "write_rs",
]
