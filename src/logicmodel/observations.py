"""Observation intake: any dataframe → one compact clean frame in each indicator's unit.

The code lives in :mod:`logicmodel.intake` (``frame``: the pandas front end, ``result``: the
intake's result, ``columns`` and ``values``: what a column and a cell mean, ``distinct`` and
``messages``: the LM3xx rules and their messages, shared with the engine front end of
:mod:`logicmodel.evaluation.engine`); this module keeps the names other packages import.

Row 3 of DESIGN §3 (beside ``graph``): both ``checks`` (for LM3xx issues) and ``evaluate`` use it.
Everything is vectorised: periods are parsed once per distinct value, units converted once per
distinct (indicator, unit) pair with one array multiply, problems reported per distinct bad value
with the first rows where it occurs.

The clean frame holds integer codes and values only (``ind_code, org_code, pcode, value,
kind_code, row``), about 25 bytes a row: organisations and periods live once in small tables
(:attr:`Observations.orgs`, :class:`PeriodTable`), so a national panel of millions of rows is never
held as per-row text or dates. ``value`` is float64 in the indicator's declared unit and ``row``
the 0-based position in the input (or the ``source_row`` a reader recorded);
:meth:`Observations.table` gives the readable long form.

Examples
--------
>>> import pandas as pd, logicmodel as lm
>>> from logicmodel.testing import sample_model
>>> obs = pd.DataFrame({"indicator": ["wait_min", "wait_min"], "period": ["FY2024", "令和6年度"],
...                     "value": ["30", "0.5"], "unit": ["分", "時間"]})
>>> clean = prepare_observations(sample_model(), obs)
>>> [i.code for i in clean.issues]
['LM304']
>>> ok = prepare_observations(sample_model(), obs.iloc[:1])
>>> ok.table()[["indicator", "period", "start", "value", "kind"]]
  indicator  period      start  value    kind
0  wait_min  FY2024 2024-04-01   30.0  actual
"""

from __future__ import annotations

from logicmodel.intake.frame import (
    observation_issues,
    prepare_observations,
    require_frame,
    to_pandas,
)
from logicmodel.intake.result import (
    KIND_VALUES,
    Observations,
    PeriodTable,
    aligned_values,
    empty_observations,
)
from logicmodel.intake.rules import COUNT_UNITS, FUTURE_YEARS, org_code_issues
from logicmodel.intake.values import COLUMN_ALIASES

__all__ = [
    "COLUMN_ALIASES",
    "COUNT_UNITS",
    "FUTURE_YEARS",
    "KIND_VALUES",
    "Observations",
    "PeriodTable",
    "aligned_values",
    "empty_observations",
    "observation_issues",
    "org_code_issues",
    "prepare_observations",
    "require_frame",
    "to_pandas",
]
