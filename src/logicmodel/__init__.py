"""logicmodel: typed KGI/KPI logic models (ロジックモデル) for public policy.

``import logicmodel as lm`` gives the whole public API (DESIGN §4). Importing it has no side
effects: no file is read and no unit registry is built until it is first used; optional extras
(Excel, charts, Spark, polars, duckdb) are imported only by the functions that need them.

Examples
--------
>>> import logicmodel as lm
>>> m = lm.LogicModel(id="m", title="書かないワンストップ窓口",
...                   nodes=[lm.Activity(id="support"), lm.Outcome(id="wait", stage="中期")],
...                   links=[lm.Link(source="support", target="wait")])
>>> m.downstream("support")
('wait',)
"""

from __future__ import annotations

# -- subpackages users reach as lm.<name> -----------------------------------------------------
from logicmodel import io, limits, orgs

# -- checks -----------------------------------------------------------------------------------
from logicmodel.checks import check, register_rule, rules

# -- errors -----------------------------------------------------------------------------------
from logicmodel.errors import (
    CheckError,
    EvidenceError,
    FormatError,
    FormulaError,
    LimitError,
    LogicModelError,
    ModelError,
    PeriodError,
    UnitError,
    WriteError,
)

# -- evaluating progress ----------------------------------------------------------------------
from logicmodel.evaluation import (
    STATUSES,
    Bands,
    Finding,
    Progress,
    evaluate,
    register_aggregator,
)

# -- evidence for a link (EBPM) ---------------------------------------------------------------
from logicmodel.evidence import Evidence, estimate_link

# -- formulas ---------------------------------------------------------------------------------
from logicmodel.formula import Formula, parse_formula

# -- io: loading and saving -------------------------------------------------------------------
from logicmodel.io import ModelData, dump, json_schema, load, read_observations

# -- problem reports --------------------------------------------------------------------------
from logicmodel.issues import Issue, Report

# -- the model --------------------------------------------------------------------------------
from logicmodel.model import (
    KGI,
    KPI,
    Activity,
    Aggregation,
    EventEffect,
    Impact,
    Indicator,
    Input,
    Link,
    LinkEvidence,
    LogicModel,
    Milestone,
    Outcome,
    Output,
    Point,
    UnknownIdError,
)

# -- organisations ----------------------------------------------------------------------------
from logicmodel.orgs import Hierarchy

# -- periods ----------------------------------------------------------------------------------
from logicmodel.periods import Period, parse_period, parse_periods

# -- seeing it --------------------------------------------------------------------------------
from logicmodel.report import dashboard, plot, to_dot, to_mermaid

# -- units ------------------------------------------------------------------------------------
from logicmodel.units import parse_unit

# -- issue 12 (workflows): writers' loss warnings; the unit registry as lm.units.define ------
from logicmodel import units  # isort: skip
from logicmodel.errors import ConversionWarning, FormatWarning  # isort: skip
from logicmodel.model import UnitDefinition  # isort: skip

__version__ = "0.1.0"

__all__ = [
    "KGI",
    "KPI",
    "STATUSES",
    "Activity",
    "Aggregation",
    "Bands",
    "CheckError",
    "EventEffect",
    "Evidence",
    "EvidenceError",
    "Finding",
    "FormatError",
    "Formula",
    "FormulaError",
    "Hierarchy",
    "Impact",
    "Indicator",
    "Input",
    "Issue",
    "LimitError",
    "Link",
    "LinkEvidence",
    "LogicModel",
    "LogicModelError",
    "Milestone",
    "ModelData",
    "ModelError",
    "Outcome",
    "Output",
    "Period",
    "PeriodError",
    "Point",
    "Progress",
    "Report",
    "UnitError",
    "UnknownIdError",
    "WriteError",
    "__version__",
    "check",
    "dashboard",
    "dump",
    "estimate_link",
    "evaluate",
    "io",
    "json_schema",
    "limits",
    "load",
    "orgs",
    "parse_formula",
    "parse_period",
    "parse_periods",
    "parse_unit",
    "plot",
    "read_observations",
    "register_aggregator",
    "register_rule",
    "rules",
    "to_dot",
    "to_mermaid",
]

# issue 12 (workflows)
__all__ += ["ConversionWarning", "FormatWarning", "UnitDefinition", "units"]
