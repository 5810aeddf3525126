"""Indicators (指標) with KGI/KPI roles, their baseline and target points, and aggregation rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, field_validator, model_validator

from logicmodel.errors import ModelError, short_repr
from logicmodel.formula import parse_formula
from logicmodel.model.base import FiniteFloat, Frozen, Id, NonNegative, Text
from logicmodel.periods import parse_period
from logicmodel.units import normalize_unit_text, parse_unit

__all__ = [
    "AGGREGATION_PRESETS",
    "KGI",
    "KPI",
    "Aggregation",
    "Direction",
    "Frequency",
    "Indicator",
    "OrgsRule",
    "Point",
    "Role",
    "TimeRule",
]

Direction = Literal["increase", "decrease", "maintain"]
Role = Literal["KGI", "KPI"]
TimeRule = Literal["sum", "last", "mean", "min", "max"]
OrgsRule = Literal["sum", "mean", "min", "max", "none"]
Frequency = Literal["month", "quarter", "fiscal_quarter", "fiscal_year", "year"]

_DIRECTION_ALIASES = {
    "上向き": "increase",
    "増加": "increase",
    "up": "increase",
    "higher": "increase",
    "ascending": "increase",
    "下向き": "decrease",
    "減少": "decrease",
    "down": "decrease",
    "lower": "decrease",
    "descending": "decrease",
    "維持": "maintain",
}


def _direction_alias(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip()
        return _DIRECTION_ALIASES.get(key, _DIRECTION_ALIASES.get(key.lower(), key.lower()))
    return value


def _role_alias(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().upper()
        return {"重要目標達成指標": "KGI", "重要業績評価指標": "KPI"}.get(value.strip(), key)
    return value


def _period_label(value: Any) -> Any:
    if value is None:
        return value
    return parse_period(value).label


class Point(Frozen):
    """A value at a period: a baseline (基準値) or a target (目標値).

    ``period`` accepts every form of :func:`logicmodel.parse_period` and is stored as its canonical
    label (``令和7年度`` → ``FY2025``).

    Examples
    --------
    >>> Point(period="令和7年度", value=900)
    Point(period='FY2025', value=900.0, note=None)
    """

    period: Annotated[str, BeforeValidator(_period_label)]
    value: FiniteFloat
    note: Text | None = None


def _aggregation(value: Any) -> Any:
    """A preset name, or a ``{time, orgs}`` mapping validated here so errors name the rule."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key not in ("stock", "flow", "mean"):
            raise ModelError(
                f"aggregation {short_repr(value)} is not 'stock', 'flow' or 'mean'; or give "
                "{time: sum|last|mean|min|max, orgs: sum|mean|min|max|none}"
            )
        return key
    if isinstance(value, Mapping):
        return Aggregation.model_validate(dict(value))
    return value


def _points(value: Any) -> Any:
    """Targets as a list of points or a ``{period: value}`` mapping."""
    if isinstance(value, Mapping) and not {"period", "value"} <= set(value):
        return [{"period": k, "value": v} for k, v in value.items()]
    if isinstance(value, Mapping):
        return [value]
    return value


class Aggregation(Frozen):
    """How an indicator combines over time and across organisations.

    ``time`` ∈ sum|last|mean|min|max picks or combines the periods up to a reporting period;
    ``orgs`` ∈ sum|mean|min|max|none combines children into their parent.

    Examples
    --------
    >>> Aggregation(time="sum", orgs="sum") == AGGREGATION_PRESETS["flow"]
    True
    """

    time: TimeRule = "last"
    orgs: OrgsRule = "sum"


AGGREGATION_PRESETS: dict[str, Aggregation] = {
    "stock": Aggregation(time="last", orgs="sum"),
    "flow": Aggregation(time="sum", orgs="sum"),
    "mean": Aggregation(time="last", orgs="mean"),
}
"""Named aggregations: ``stock`` (default), ``flow`` and ``mean``."""


class Indicator(Frozen):
    """A measured quantity on one node (指標); ``role`` KGI or KPI is a tag, never inferred.

    Parameters mirror DESIGN §4.1. ``unit`` is stored NFKC-normalised (``件／人`` → ``件/人``) and must
    parse in the application unit registry; ``formula`` names other indicators and is parsed at
    construction; ``targets`` also accepts a ``{period: value}`` mapping.

    Examples
    --------
    >>> ind = Indicator(id="adopted_n", measures="adopted", unit="団体",
    ...                 baseline={"period": "FY2023", "value": 120}, targets={"FY2025": 900})
    >>> ind.final_target
    Point(period='FY2025', value=900.0, note=None)
    >>> ind.time_rule, ind.orgs_rule
    ('last', 'sum')
    """

    id: Id
    measures: Id
    name: Text | None = None
    unit: str | None = None
    role: Annotated[Role | None, BeforeValidator(_role_alias)] = None
    direction: Annotated[Direction | None, BeforeValidator(_direction_alias)] = "increase"
    baseline: Point | None = None
    targets: Annotated[tuple[Point, ...], BeforeValidator(_points)] = ()
    aggregation: Annotated[
        Literal["stock", "flow", "mean"] | Aggregation, BeforeValidator(_aggregation)
    ] = "stock"
    formula: str | None = None
    weight: NonNegative = 1.0
    weight_by: Id | None = None
    frequency: Frequency | None = None
    source: Text | None = None
    measure: Literal["quantitative", "qualitative"] = "quantitative"
    description: Text | None = None
    refs: tuple[Text, ...] = ()

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = normalize_unit_text(value)
        parse_unit(text)
        return text

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return parse_formula(value).text

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.formula is not None and self.id in parse_formula(self.formula).names:
            raise ModelError(f"formula {self.formula!r} refers to the indicator itself")
        if self.weight_by is not None and self.weight_by == self.id:
            raise ModelError("weight_by names the indicator itself")
        return self

    # -- derived views -------------------------------------------------------------------------
    @property
    def title(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id

    @property
    def rules(self) -> Aggregation:
        """The aggregation as an :class:`Aggregation` (presets resolved)."""
        if isinstance(self.aggregation, Aggregation):
            return self.aggregation
        return AGGREGATION_PRESETS[self.aggregation]

    @property
    def time_rule(self) -> TimeRule:
        """How values combine over time within a reporting period."""
        return self.rules.time

    @property
    def orgs_rule(self) -> OrgsRule:
        """How children combine into their parent organisation."""
        return self.rules.orgs

    @property
    def effective_direction(self) -> Direction:
        """The direction, ``increase`` when not stated."""
        return self.direction or "increase"

    @property
    def final_target(self) -> Point | None:
        """The target with the latest period (by period end), or ``None``."""
        if not self.targets:
            return None
        return max(
            self.targets, key=lambda p: (parse_period(p.period).end, parse_period(p.period).start)
        )

    @property
    def components(self) -> tuple[str, ...]:
        """Indicator ids the formula reads (empty without a formula)."""
        return parse_formula(self.formula).names if self.formula else ()


def KGI(**fields: Any) -> Indicator:
    """An :class:`Indicator` with ``role="KGI"`` (重要目標達成指標).

    Examples
    --------
    >>> KGI(id="wait_min", measures="wait", unit="分", direction="decrease").role
    'KGI'
    """
    return Indicator(**{**fields, "role": "KGI"})


def KPI(**fields: Any) -> Indicator:
    """An :class:`Indicator` with ``role="KPI"`` (重要業績評価指標)."""
    return Indicator(**{**fields, "role": "KPI"})
