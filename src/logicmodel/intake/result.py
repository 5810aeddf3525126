"""The intake's result (DESIGN §3 row 3): integer-coded observations and their period table.

Both front ends (the pandas intake of :mod:`logicmodel.intake.frame` and the engine front end of
:mod:`logicmodel.evaluation.engine`) end in an :class:`Observations`: integer codes and float64
values, with organisations and periods held once in small tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.intake.values import OBSERVATION_KINDS
from logicmodel.issues import Issue
from logicmodel.periods import EPOCH, epoch_days

__all__ = ["KIND_VALUES", "Observations", "PeriodTable", "aligned_values", "empty_observations"]


KIND_VALUES = OBSERVATION_KINDS
"""Values of the ``kind`` column (default ``actual``)."""


class PeriodTable:
    """Distinct periods of one evaluation (first day, last day, label), addressed by int32 codes.

    Rows carry a code instead of three per-row columns. Codes never change once given, and two
    spellings of one period (``FY2024``, ``令和6年度``) share a code: periods are keyed by their
    (start, end) days. Only distinct periods go through :meth:`add`, so its loop is short.

    Examples
    --------
    >>> import numpy as np
    >>> t = PeriodTable()
    >>> day = lambda *d: np.array(d, dtype="datetime64[D]")
    >>> t.add(day("2024-04-01", "2024-06-01"), day("2025-03-31", "2024-06-30"), ["FY2024", "2024-06"])
    array([0, 1], dtype=int32)
    >>> t.add(day("2024-04-01"), day("2025-03-31"), ["FY2024"]), len(t), t.label.tolist()
    (array([0], dtype=int32), 2, ['FY2024', '2024-06'])
    """

    __slots__ = ("_arrays", "_end", "_index", "_label", "_start")

    def __init__(self) -> None:
        self._start: list[int] = []
        self._end: list[int] = []
        self._label: list[object] = []
        self._index: dict[tuple[int, int, str | None], int] = {}
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._start)

    def add(
        self,
        start: Any,
        end: Any,
        label: Sequence[object] | np.ndarray,
        *,
        kind: str | None = None,
    ) -> np.ndarray:
        """Codes of the periods ``(start[k], end[k], label[k])``, adding the ones not yet known.

        ``kind`` (a reporting frequency) keeps reporting periods apart from observed spellings of
        the same days, so a calendar-quarter series is labelled ``2024Q4`` even when a row was
        written ``FY2024Q3``.
        """
        s = epoch_days(start)
        e = epoch_days(end)
        pairs, inverse = np.unique(np.stack([s, e], axis=1), axis=0, return_inverse=True)
        first = np.zeros(len(pairs), dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(inverse))[::-1]
        labels = np.asarray(label, dtype=object)
        codes = np.empty(len(pairs), dtype=np.int32)
        for k, (a, b) in enumerate(pairs.tolist()):
            code = self._index.get((a, b, kind))
            if code is None:
                code = self._index[(a, b, kind)] = len(self._start)
                self._start.append(a)
                self._end.append(b)
                self._label.append(labels[first[k]])
                self._arrays = None
            codes[k] = code
        out: np.ndarray = codes[inverse.ravel()] if len(s) else np.zeros(0, dtype=np.int32)
        return out

    def copy(self) -> PeriodTable:
        """An independent table with the same codes."""
        out = PeriodTable()
        out._start, out._end, out._label = list(self._start), list(self._end), list(self._label)
        out._index = dict(self._index)
        return out

    def _built(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            epoch = EPOCH
            self._arrays = (
                epoch + np.asarray(self._start, dtype=np.int64),
                epoch + np.asarray(self._end, dtype=np.int64),
                np.asarray([*self._label, None], dtype=object)[:-1],
            )
        return self._arrays

    @property
    def start(self) -> np.ndarray:
        """First day of each period (``datetime64[D]``), by code."""
        return self._built()[0]

    @property
    def end(self) -> np.ndarray:
        """Last day of each period (``datetime64[D]``), by code."""
        return self._built()[1]

    @property
    def label(self) -> np.ndarray:
        """Canonical label of each period (object array), by code."""
        return self._built()[2]

    @property
    def end_day(self) -> np.ndarray:
        """Last day of each period as days since 1970-01-01 (int64), by code."""
        days: np.ndarray = np.asarray(self._end, dtype=np.int64)
        return days

    @property
    def recency(self) -> np.ndarray:
        """Order of periods by how recent they are (int64, by code): the later end, and on the
        same end the later start (``2024-12`` is more recent than ``2024Q4``)."""
        end = np.asarray(self._end, dtype=np.int64)
        start = np.asarray(self._start, dtype=np.int64)
        out: np.ndarray = end * (1 << 20) + np.clip(start - end + (1 << 20) - 1, 0, (1 << 20) - 1)
        return out


def aligned_values(
    org: np.ndarray,
    pcode: np.ndarray,
    their_org: np.ndarray,
    their_pcode: np.ndarray,
    their_value: np.ndarray,
    periods: PeriodTable,
) -> np.ndarray:
    """For each (org, period) row, the value another series has for that org at the same period
    or else at the shortest of that org's periods containing it (NaN where none does).

    This is how a formula's components meet: a yearly population enters every month of its year.
    Candidates are ranked per distinct period pair; values are looked up per row.

    Examples
    --------
    >>> import numpy as np
    >>> t = PeriodTable()
    >>> day = lambda *d: np.array(d, dtype="datetime64[D]")
    >>> june, fy = t.add(day("2024-06-01", "2024-04-01"), day("2024-06-30", "2025-03-31"),
    ...                  ["2024-06", "FY2024"])
    >>> aligned_values(np.array([0, 1]), np.array([june, june]),
    ...                np.array([0]), np.array([fy]), np.array([200.0]), t).tolist()
    [200.0, nan]
    """
    start = periods.start.astype(np.int64)
    end = periods.end.astype(np.int64)
    span = end - start
    n_p = len(periods)
    org = np.asarray(org, dtype=np.int64)
    pcode = np.asarray(pcode, dtype=np.int64)
    got = np.full(len(org), np.nan)
    if not len(org) or not len(their_org):
        return got
    own, theirs = np.unique(pcode), np.unique(their_pcode)
    contains = (start[theirs][None, :] <= start[own][:, None]) & (
        end[own][:, None] <= end[theirs][None, :]
    )
    ranked = np.argsort(np.where(contains, span[theirs][None, :], np.iinfo(np.int64).max), axis=1)
    lookup = pd.Series(
        np.asarray(their_value, dtype=np.float64),
        index=np.asarray(their_org, dtype=np.int64) * n_p + np.asarray(their_pcode, np.int64),
    )
    for r in range(int(contains.sum(axis=1).max(initial=0))):
        # the r-th shortest containing period, for rows whose org had none shorter
        column = ranked[:, r : r + 1]
        pick = np.where(
            np.take_along_axis(contains, column, axis=1)[:, 0], theirs[column[:, 0]], -1
        )
        mapping = np.full(n_p, -1, dtype=np.int64)
        mapping[own] = pick
        missing = np.isnan(got) & (mapping[pcode] >= 0)
        got[missing] = lookup.reindex(org[missing] * n_p + mapping[pcode[missing]]).to_numpy(
            dtype=np.float64
        )
    return got


@dataclass(frozen=True, slots=True)
class Observations:
    """Clean observations and every problem found on the way (``issues``).

    ``frame`` is compact, one row per kept input row: ``ind_code`` (position in
    ``model.indicators``), ``org_code`` (index into ``orgs``; -1 without an org), ``pcode`` (code in
    ``periods``), ``value`` (float64 in the indicator's unit), ``kind_code`` (index into
    :data:`KIND_VALUES`) and ``row``. :meth:`table` gives the readable long form.

    The engine front end (:func:`logicmodel.evaluation.engine.pushdown`) gives the same result
    with one row per (indicator, org, reporting period, kind) group it aggregated in the engine
    (``grouped``; ``row`` is -1 there).
    """

    frame: pd.DataFrame
    issues: tuple[Issue, ...]
    has_org: bool
    indicators: tuple[str, ...] = ()
    orgs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    periods: PeriodTable = field(default_factory=PeriodTable)
    from_file: bool = False  # ``row`` holds file lines (header = line 1), not frame rows
    grouped: bool = False
    """Rows are groups of input rows (an engine frame's cube aggregated to reporting periods):
    ``row`` is -1 and problems name no rows."""

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Issues with severity ``error``."""
        return tuple(i for i in self.issues if i.severity == "error")

    def table(self, positions: np.ndarray | None = None) -> pd.DataFrame:
        """The readable long frame ``indicator, org, period, start, end, value, kind, row`` of the
        rows at ``positions`` (all rows by default; meant for small selections)."""
        f = self.frame if positions is None else self.frame.iloc[positions]
        pcode = f["pcode"].to_numpy(dtype=np.int64)
        org = f["org_code"].to_numpy(dtype=np.int64)
        orgs = np.empty(len(self.orgs) + 1, dtype=object)
        orgs[:-1] = self.orgs
        orgs[-1] = None
        return pd.DataFrame(
            {
                "indicator": np.asarray((*self.indicators, ""), dtype=object)[
                    f["ind_code"].to_numpy(dtype=np.int64)
                ],
                "org": orgs[org],
                "period": self.periods.label[pcode],
                "start": self.periods.start[pcode],
                "end": self.periods.end[pcode],
                "value": f["value"].to_numpy(dtype=np.float64),
                "kind": np.asarray(KIND_VALUES, dtype=object)[
                    f["kind_code"].to_numpy(dtype=np.int64)
                ],
                "row": f["row"].to_numpy(),
            }
        )


def empty_observations() -> pd.DataFrame:
    """A compact clean frame with no rows (the columns and dtypes of the intake's output)."""
    return pd.DataFrame(
        {
            "ind_code": np.zeros(0, dtype=np.int32),
            "org_code": np.zeros(0, dtype=np.int32),
            "pcode": np.zeros(0, dtype=np.int32),
            "value": np.zeros(0, dtype=np.float64),
            "kind_code": np.zeros(0, dtype=np.int8),
            "row": np.zeros(0, dtype=np.int64),
        }
    )
