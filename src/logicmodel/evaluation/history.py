"""The state an evaluation keeps for its history table, and the table made from it on first use.

:class:`SeriesState` holds the integer-coded series rows (sorted by series, then recency) and the
plan points; :class:`HistorySource` adds what the history table needs to be written. Both are frozen
dataclasses of numpy arrays, so a :class:`~logicmodel.evaluation.Progress` pickles before and after
its history was built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.achievement import _DECREASE, achievement, plan_values
from logicmodel.evaluation.bands import STATUSES, Bands
from logicmodel.evaluation.coverage import ExpectedCounts, incomplete_mask

__all__ = [
    "POINT_COLUMNS",
    "POINT_SOURCES",
    "HistorySource",
    "SeriesState",
    "points_table",
    "text_column",
]

Int = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SeriesState:
    """Series rows up to ``as_of`` and plan points, on the grid series = indicator × n_org + org.

    Rows are sorted by (series, recency); ``x`` is the time position (period end, days since
    1970-01-01); ``start`` the period's first day; ``complete`` whether the period had ended by
    ``as_of``; ``flow`` per indicator whether its time rule is ``sum`` (a running period then
    compares its year-to-date total with the plan prorated by elapsed time); the periods of the
    baseline and the final target are positions in ``point_labels`` (the periods as written).
    """

    series: Int
    x: Int
    start: Int
    actual: Float
    reporting: Int
    pcode: Int
    org_i: Int
    indicator: Int
    n_org: int
    as_of_x: int
    pts_series: Int
    pts_x: Int
    pts_value: Float
    has_baseline: npt.NDArray[np.bool_]
    baseline: Float
    target: Float
    direction: Int
    flow: npt.NDArray[np.bool_]
    baseline_period: npt.NDArray[np.int32]  # into ``point_labels``; −1: none
    target_period: npt.NDArray[np.int32]  # into ``point_labels``; −1: none
    target_end: Int
    pts_baseline: npt.NDArray[np.bool_]  # per plan point: a baseline (else a target)
    pts_period: npt.NDArray[np.int32]  # per plan point: its period, into ``point_labels``
    pts_source: npt.NDArray[np.int8]  # per plan point: into ``POINT_SOURCES``
    point_labels: tuple[str, ...] = ()

    @property
    def complete(self) -> npt.NDArray[np.bool_]:
        """Whether each row's period had ended by ``as_of``."""
        out: npt.NDArray[np.bool_] = self.x <= self.as_of_x
        return out

    def plan_at(self, rows: Int) -> tuple[Float, Float, Float]:
        """Planned value, achievement and planned achievement of rows ``rows``.

        A running period is planned at ``as_of`` (stocks) or, for flows, as the plan of the whole
        period prorated by the share of its days elapsed by ``as_of``.
        """
        s = self.series[rows]
        x = self.x[rows]
        running = x > self.as_of_x
        flow = self.flow[s // self.n_org] & running
        x_plan = np.where(running & ~flow, self.as_of_x, x)
        planned = plan_values(
            s, x_plan, self.pts_series, self.pts_x, self.pts_value, self.has_baseline
        )
        share = np.ones(len(rows), dtype=np.float64)
        if flow.any():
            start = self.start[rows]
            share = np.clip((self.as_of_x - start + 1) / np.maximum(x - start + 1, 1), 0.0, 1.0)
            planned = np.where(flow, planned * share, planned)
        ach = achievement(self.actual[rows], self.baseline[s], self.target[s], self.direction[s])
        pach = achievement(planned, self.baseline[s], self.target[s], self.direction[s])
        # a running flow measured from a baseline or towards a lower target is judged by its pace
        # (year-to-date over the share elapsed, against the whole period's plan): its
        # year-to-date total alone would be "achieved" below a yearly cap however fast it rises
        paced = flow & ((self.direction[s] == _DECREASE) | ~np.isnan(self.baseline[s]))
        if paced.any():
            pace = np.where(paced, self.actual[rows] / np.maximum(share, 1e-9), np.nan)
            whole = np.where(paced, planned / np.maximum(share, 1e-9), np.nan)
            b, t, d = self.baseline[s], self.target[s], self.direction[s]
            ach = np.where(paced, achievement(pace, b, t, d), ach)
            pach = np.where(paced, achievement(whole, b, t, d), pach)
        # a running flow without a plan for its period (no baseline before the first target) is
        # judged against the target prorated by elapsed time, not the full year's
        unplanned = flow & np.isnan(planned)
        if unplanned.any():
            prorated = achievement(
                self.target[s] * share, self.baseline[s], self.target[s], self.direction[s]
            )
            pach = np.where(unplanned, prorated, pach)
        return planned, ach, pach


@dataclass(frozen=True, slots=True)
class HistorySource:
    """Everything :meth:`table` needs; no closures, so it pickles."""

    state: SeriesState
    ind_ids: tuple[str, ...]
    orgs: npt.NDArray[np.object_]
    org_names: npt.NDArray[np.object_]
    org_level: Int
    level_names: tuple[str, ...]
    counted: int
    period_label: npt.NDArray[np.object_]
    period_start: npt.NDArray[np.datetime64]
    period_end: npt.NDArray[np.datetime64]
    expected: ExpectedCounts
    additive: npt.NDArray[np.bool_]  # per indicator: orgs rule sum, not a formula
    bands: Bands
    min_coverage: float

    def table(self, keep_orgs: npt.NDArray[np.bool_] | None = None) -> pd.DataFrame:
        """One row per (indicator, org, period) up to ``as_of``; ``keep_orgs`` (per org position)
        restricts it to some organisations (the views of :class:`Progress`)."""
        st = self.state
        rows = np.arange(len(st.series), dtype=np.int64)
        if keep_orgs is not None:
            rows = rows[keep_orgs[st.org_i]]
        planned, ach, pach = st.plan_at(rows)
        s = st.series[rows]
        org_i = st.org_i[rows]
        ind = st.indicator[rows]
        pcode = st.pcode[rows]
        status = self.bands.classify_codes(ach, pach)
        status[np.isnan(st.target[s])] = STATUSES.index("no_target")
        reporting = st.reporting[rows]
        expected = self.expected.at(org_i, st.x[rows])
        with np.errstate(invalid="ignore", divide="ignore"):
            coverage = np.where(expected > 0, reporting / np.maximum(expected, 1), np.nan)
        level = self.org_level[org_i]
        judged = status < STATUSES.index("no_data")
        short = incomplete_mask(
            self.additive[ind], level, self.counted, coverage, self.min_coverage
        )
        status[judged & short] = STATUSES.index("incomplete")
        return pd.DataFrame(
            {
                "indicator": text_column(self.ind_ids, ind),
                "org": text_column(self.orgs, org_i),
                "org_name": text_column(self.org_names, org_i),
                "level": text_column(np.asarray(self.level_names, dtype=object), level),
                "period": text_column(self.period_label, pcode),
                "start": self.period_start[pcode],
                "end": self.period_end[pcode],
                "period_complete": st.complete[rows],
                "actual": st.actual[rows],
                "planned": planned,
                "achievement": ach,
                "planned_achievement": pach,
                "status": pd.Categorical.from_codes(status, categories=pd.Index(list(STATUSES))),
                "reporting": reporting,
                "expected": expected,
                "coverage": coverage,
            }
        )


POINT_COLUMNS = ("indicator", "org", "org_name", "kind", "period", "end", "value", "source")


POINT_SOURCES = ("observations", "children", "model")
"""Where a plan point comes from (DESIGN §5.7 precedence): the observations' own target or
baseline rows of that organisation, the sum of the points of the organisations below it (additive
indicators; inferred, not given), or the model's baselines and targets."""


def points_table(
    source: HistorySource, keep_orgs: npt.NDArray[np.bool_] | None = None
) -> pd.DataFrame:
    """The plan points the evaluation used (DESIGN §5.7, after precedence): one row per
    (indicator, org, kind, period) with ``kind`` ``baseline`` or ``target``, the period as written,
    its last day, the value and its ``source`` (:data:`POINT_SOURCES`); ``keep_orgs`` (per org position) as in :meth:`HistorySource.table`."""
    st = source.state
    rows = np.arange(len(st.pts_series), dtype=np.int64)
    org_i = st.pts_series % st.n_org
    if keep_orgs is not None:
        rows = rows[keep_orgs[org_i[rows]]]
    org_i = org_i[rows]
    period = st.pts_period[rows]
    labels = np.empty(len(st.point_labels) + 1, dtype=object)
    labels[:-1] = list(st.point_labels)
    return pd.DataFrame(
        {
            "indicator": text_column(source.ind_ids, st.pts_series[rows] // st.n_org),
            "org": source.orgs[org_i],
            "org_name": source.org_names[org_i],
            "kind": text_column(("target", "baseline"), st.pts_baseline[rows].astype(np.int64)),
            "period": labels[np.where(period < 0, len(labels) - 1, period)],
            "end": np.datetime64("1970-01-01", "D") + st.pts_x[rows],
            "value": st.pts_value[rows],
            "source": text_column(POINT_SOURCES, st.pts_source[rows].astype(np.int64)),
        }
    )


def text_column(categories: Any, codes: npt.NDArray[np.integer[Any]]) -> Any:
    """``categories[codes]`` as a text column for a long table: gathered by Arrow when it is
    installed (no Python object per row; pandas gets its Arrow-backed ``str``), else as objects.
    Columns with no text at all stay ``None`` objects."""
    cats = np.asarray(categories, dtype=object)
    if not any(c is not None for c in cats.tolist()):
        return cats[codes]
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with the parquet extra
        return cats[codes]
    table = pa.array(cats.tolist(), type=pa.large_string())
    return table.take(pa.array(np.asarray(codes, dtype=np.int64))).to_pandas()
