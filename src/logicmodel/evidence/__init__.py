"""Evidence for a link (EBPM, DESIGN §4.8): does "if this, then that" hold in the data?

``lm.estimate_link(model, observations, link)`` builds a panel of organisations × the outcome's
periods from the observations ``evaluate`` takes, reads each organisation's adoption from the
link's source indicator (or a table), and estimates the effect on the target indicator with a
heterogeneity-robust staggered difference-in-differences (Callaway–Sant'Anna through the
``diff-diff`` library, extra ``evidence``) → :class:`Evidence`. ``model.with_evidence(ev)`` puts
the result on the link.
"""

from logicmodel.evidence.estimate import CONTROLS, ESTIMATIONS, METHODS, estimate_link
from logicmodel.evidence.panel import Panel, build_panel
from logicmodel.evidence.result import (
    EVENT_STUDY_COLUMNS,
    GROUP_TIME_COLUMNS,
    Evidence,
    verdict_of,
)

__all__ = [
    "CONTROLS",
    "ESTIMATIONS",
    "EVENT_STUDY_COLUMNS",
    "GROUP_TIME_COLUMNS",
    "METHODS",
    "Evidence",
    "Panel",
    "build_panel",
    "estimate_link",
    "verdict_of",
]
