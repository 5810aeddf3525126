"""logicmodel: typed KGI/KPI logic models (ロジックモデル) for public policy."""

from __future__ import annotations

# errors
from logicmodel.errors import (
    CheckError,
    FormatError,
    FormulaError,
    LogicModelError,
    ModelError,
    PeriodError,
    UnitError,
)

__version__ = "0.1.0"

__all__ = [
    "CheckError",
    "FormatError",
    "FormulaError",
    "LogicModelError",
    "ModelError",
    "PeriodError",
    "UnitError",
    "__version__",
]
