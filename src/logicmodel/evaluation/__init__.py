"""Progress: observations → achievement, plans, status, pathway roll-up, diagnostics (DESIGN §4.4)."""

from logicmodel.evaluation.bands import STATUS_LABELS, STATUSES, Bands, Status
from logicmodel.evaluation.core import evaluate
from logicmodel.evaluation.progress import Finding, Progress
from logicmodel.evaluation.rollup import AGGREGATORS, Aggregator, register_aggregator, rollup

__all__ = [
    "AGGREGATORS",
    "STATUSES",
    "STATUS_LABELS",
    "Aggregator",
    "Bands",
    "Finding",
    "Progress",
    "Status",
    "evaluate",
    "register_aggregator",
    "rollup",
]
