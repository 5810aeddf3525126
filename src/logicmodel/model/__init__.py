"""Typed, immutable definitions of a logic model (DESIGN §4.1)."""

from logicmodel.model.base import Frozen, Id, check_id
from logicmodel.model.evidence import VERDICTS, EventEffect, LinkEvidence, Verdict
from logicmodel.model.indicators import (
    AGGREGATION_PRESETS,
    KGI,
    KPI,
    Aggregation,
    Direction,
    Frequency,
    Indicator,
    OrgsRule,
    Point,
    Role,
    TimeRule,
)
from logicmodel.model.logic_model import LogicModel, UnknownIdError
from logicmodel.model.milestones import Milestone
from logicmodel.model.nodes import (
    KINDS,
    STAGES,
    Activity,
    Impact,
    Input,
    Link,
    Node,
    NodeKind,
    Outcome,
    Output,
    Stage,
)
from logicmodel.model.unit_definition import UnitDefinition

__all__ = [
    "AGGREGATION_PRESETS",
    "KGI",
    "KINDS",
    "KPI",
    "STAGES",
    "VERDICTS",
    "Activity",
    "Aggregation",
    "Direction",
    "EventEffect",
    "Frequency",
    "Frozen",
    "Id",
    "Impact",
    "Indicator",
    "Input",
    "Link",
    "LinkEvidence",
    "LogicModel",
    "Milestone",
    "Node",
    "NodeKind",
    "OrgsRule",
    "Outcome",
    "Output",
    "Point",
    "Role",
    "Stage",
    "TimeRule",
    "UnitDefinition",
    "UnknownIdError",
    "Verdict",
    "check_id",
]
