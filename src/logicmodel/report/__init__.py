"""Seeing it (DESIGN §4.6): Mermaid/DOT text and the offline HTML policy dashboard."""

from logicmodel.report.dashboard import dashboard
from logicmodel.report.mermaid import STATUS_COLOURS, STATUS_INK, to_dot, to_mermaid

__all__ = ["STATUS_COLOURS", "STATUS_INK", "dashboard", "to_dot", "to_mermaid"]
