"""Reading and writing logic models and their data (DESIGN §4.2): ``lm.io``.

YAML and JSON (with the JSON Schema) live in :mod:`logicmodel.io.text`; the Excel, frame/CSV,
RS System and IATI readers and writers each live in their own module and import their optional
dependency (openpyxl, lxml …) only when called.

Examples
--------
>>> import logicmodel as lm
>>> print(lm.io.to_yaml(lm.LogicModel(id="m", title="窓口")), end="")
id: m
title: 窓口
"""

from __future__ import annotations

# -- shared: file helpers and the model + observations pair -----------------------------------
from logicmodel.io.data import OBSERVATION_COLUMNS, ModelData
from logicmodel.io.files import atomic_write, neutralise

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

# -- other formats ------------------------------------------------------------------------------
# >>> PLACE FOR THE LEAD: add the names the io engineers report, e.g.
#     from logicmodel.io.excel import excel_template, read_excel, write_excel
#     from logicmodel.io.frames import read_observations, to_csv, ...
#     from logicmodel.io.rs import read_rs, write_rs
#     from logicmodel.io.iati import read_iati, write_iati
# and list them in __all__ below. Keep each module's optional dependency imported lazily inside
# its functions so ``import logicmodel`` stays free of openpyxl/lxml.

__all__ = [
    "OBSERVATION_COLUMNS",
    "ModelData",
    "atomic_write",
    "dump",
    "from_json",
    "from_yaml",
    "json_schema",
    "load",
    "model_to_data",
    "neutralise",
    "to_json",
    "to_yaml",
]
