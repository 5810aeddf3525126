"""The typed states passed between the stages of :func:`~logicmodel.evaluation.evaluate`.

Each stage takes and returns one of these frozen dataclasses of numpy arrays: integer positions
(indicators in model order, organisations in :class:`~logicmodel.evaluation.aggregate.OrgIndex`
order, periods as codes of the evaluation's :class:`~logicmodel.observations.PeriodTable`), float
values and day numbers (days since 1970-01-01, :func:`logicmodel.periods.epoch_days`). No
DataFrame and no text travel from one stage to the next; text is made in
:mod:`logicmodel.evaluation.tables` only. (:class:`~logicmodel.evaluation.history.SeriesState`
and :class:`~logicmodel.evaluation.history.HistorySource` are the states of the history.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from logicmodel.evaluation.aggregate import OrgIndex

__all__ = ["CurrentRows", "OrgRows", "PlanPoints", "SeriesRows"]

Int = npt.NDArray[np.int64]
Int32 = npt.NDArray[np.int32]
Float = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class OrgRows:
    """Stage "assign orgs": the organisations of the evaluation and, per observation row, its
    organisation's position (``org_pos``) and its row of the ancestor table (``anc_code``);
    ``anc_u[anc_code[r], j]`` is the position of row ``r``'s ancestor in column ``j`` (−1: none)."""

    index: OrgIndex
    org_pos: Int32
    anc_u: Int
    anc_code: Int32


@dataclass(frozen=True, slots=True)
class SeriesRows:
    """Stage "series": one row per (indicator position, org position, period code) up to
    ``as_of`` — the actual by the time and orgs rules (formulas computed), and ``reporting``, the
    organisations at the counted level with an actual in it."""

    indicator: Int32
    org_i: Int
    pcode: Int
    value: Float
    reporting: Int

    def __len__(self) -> int:
        return len(self.indicator)


@dataclass(frozen=True, slots=True)
class PlanPoints:
    """Stage "plan points": the baseline and target points of each (indicator, org) after the
    precedence of DESIGN §5.7 (at most one baseline per series, one target per period end).

    ``period`` indexes ``labels`` (the period as written: the intake's period labels first, then
    the model's); ``end_day`` is the period's last day as a day number."""

    indicator: Int32
    org_i: Int
    is_baseline: Bool
    end_day: Int
    period: Int32
    value: Float
    source: npt.NDArray[np.int8]
    """Where each point comes from: 0 the observations' own rows, 1 the sum of the organisations'
    points below, 2 the model (:data:`~logicmodel.evaluation.history.POINT_SOURCES`)."""
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.indicator)


@dataclass(frozen=True, slots=True)
class CurrentRows:
    """Stage "state at as_of": one row per present series (indicator × org) — each series' latest
    row at ``as_of`` with its plan, status code (into :data:`~logicmodel.evaluation.bands.STATUSES`),
    coverage and forecast. ``gi``/``go`` are the indicator and org positions; without data
    ``has`` is false and the numbers are NaN (``pcode`` 0, ``x`` = ``as_of``)."""

    gi: Int
    go: Int
    has: Bool
    actual: Float
    planned: Float
    achievement: Float
    planned_achievement: Float
    status: npt.NDArray[np.int8]
    reporting: Int
    expected: Int
    coverage: Float
    x: Int
    pcode: Int
    complete: Bool
    forecast_day: Float
    on_course: npt.NDArray[np.int8]  # −1 unknown, 0 no, 1 yes

    def __len__(self) -> int:
        return len(self.gi)
