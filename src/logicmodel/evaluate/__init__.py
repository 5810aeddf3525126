"""Progress: observations → achievement, plans, status, pathway roll-up, diagnostics (DESIGN §4.4)."""

from logicmodel.evaluate.bands import STATUS_LABELS, STATUSES, Bands, Status
from logicmodel.evaluate.core import evaluate
from logicmodel.evaluate.progress import Finding, Progress
from logicmodel.evaluate.rollup import AGGREGATORS, Aggregator, register_aggregator, rollup

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
