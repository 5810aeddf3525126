"""The period as a value: :class:`Period` (a span of whole days with a canonical label), the
kinds and frequencies, :func:`fiscal_year` and :func:`epoch_days`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from logicmodel.errors import PeriodError, short_repr

#: Reporting frequencies an indicator's actuals can be aggregated to (``Indicator.frequency``).
FREQUENCIES: Final[tuple[str, ...]] = ("month", "quarter", "fiscal_quarter", "fiscal_year", "year")

#: Every value of :attr:`Period.kind`.
KINDS: Final[tuple[str, ...]] = (
    "day",
    "month",
    "quarter",
    "fiscal_quarter",
    "fiscal_year",
    "year",
    "interval",
)
_MAX_SHOWN: Final = 80


@dataclass(frozen=True, slots=True)
class Period:
    """A span of whole days with a canonical label.

    Parameters
    ----------
    start, end
        First and last day, both inclusive (``datetime.datetime`` values are cut to their date).
    label
        Canonical label (``"FY2024"``, ``"2024Q1"``, …); empty means ``"start/end"``. Not part of
        equality, hashing or ordering.
    kind
        One of :data:`KINDS`; default ``"interval"``. Not part of equality either.

    Raises
    ------
    PeriodError
        If ``start``/``end`` are not dates, ``end`` is before ``start`` or ``kind`` is unknown.

    Notes
    -----
    Periods order by ``(end, start)``: an observation's time position is its period's end.

    Examples
    --------
    >>> import datetime
    >>> from logicmodel.periods import parse_period
    >>> p = Period(datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    >>> str(p), p.kind, p.days
    ('2024-04-01/2025-03-31', 'interval', 365)
    >>> p == parse_period("FY2024"), p.contains(datetime.date(2025, 3, 31))
    (True, True)
    >>> sorted([parse_period("FY2024"), parse_period("2024Q4")])[0].label
    '2024Q4'
    """

    start: _dt.date
    end: _dt.date
    label: str = field(default="", compare=False)
    kind: str = field(default="interval", compare=False)

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, _dt.datetime):
                object.__setattr__(self, name, value.date())
            elif not isinstance(value, _dt.date):
                raise PeriodError(
                    f"Period {name} must be a datetime.date, got {type(value).__name__} {value!r}",
                    text=value,
                )
        if self.end < self.start:
            raise PeriodError(
                f"period end {self.end} is before its start {self.start}",
                text=f"{self.start}/{self.end}",
            )
        if self.kind not in KINDS:
            raise PeriodError(
                f"period kind {self.kind!r} is not one of {', '.join(KINDS)}", text=self.kind
            )
        if not self.label:
            object.__setattr__(self, "label", f"{self.start.isoformat()}/{self.end.isoformat()}")

    def __str__(self) -> str:
        return self.label

    def _key(self) -> tuple[_dt.date, _dt.date]:
        return (self.end, self.start)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() >= other._key()

    @property
    def days(self) -> int:
        """Number of days in the period (both ends included)."""
        return (self.end - self.start).days + 1

    def contains(self, day: _dt.date) -> bool:
        """Whether ``day`` lies within ``start`` … ``end`` (inclusive).

        Examples
        --------
        >>> import datetime
        >>> from logicmodel.periods import parse_period
        >>> parse_period("2024Q1").contains(datetime.date(2024, 4, 1))
        False
        """
        if isinstance(day, _dt.datetime):
            day = day.date()
        return self.start <= day <= self.end


# --------------------------------------------------------------------------------------------
# days since 1970-01-01: the one integer form of a date in the arrays of the library

EPOCH: Final = np.datetime64("1970-01-01", "D")
"""Day 0 of :func:`epoch_days`."""


def epoch_days(values: Any) -> npt.NDArray[np.int64]:
    """Dates (anything ``numpy.asarray(..., "datetime64[D]")`` reads) as days since 1970-01-01.

    The inverse is ``EPOCH + days``.

    Examples
    --------
    >>> import datetime as dt
    >>> epoch_days([dt.date(1970, 1, 2), "2024-04-01"]).tolist()
    [1, 19814]
    >>> str(EPOCH + epoch_days(["2024-04-01"])[0])
    '2024-04-01'
    """
    days: npt.NDArray[np.int64] = (np.asarray(values, dtype="datetime64[D]") - EPOCH).astype(
        np.int64
    )
    return days


# --------------------------------------------------------------------------------------------
# shown values and the fiscal year start, checked (for every parser)


def _shown(value: object) -> str:
    # short_repr: never the repr of a deep container (RecursionError) or a hostile __repr__
    text = repr(value) if isinstance(value, str) else short_repr(value, _MAX_SHOWN)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _check_fiscal_year_start(fiscal_year_start: object) -> int:
    if (
        isinstance(fiscal_year_start, bool)
        or not isinstance(fiscal_year_start, int | np.integer)
        or not 1 <= int(fiscal_year_start) <= 12
    ):
        raise PeriodError(
            f"fiscal_year_start must be a month number 1..12 (4 = April), "
            f"got {_shown(fiscal_year_start)}",
            text=fiscal_year_start,
        )
    return int(fiscal_year_start)


# --------------------------------------------------------------------------------------------
# fiscal years


def fiscal_year(date: _dt.date, fiscal_year_start: int = 4) -> int:
    """The fiscal year ``date`` falls in (named by the calendar year it starts in).

    Parameters
    ----------
    date
        A ``datetime.date`` or ``datetime.datetime``.
    fiscal_year_start
        Month (1..12) in which fiscal years start.

    Returns
    -------
    int

    Raises
    ------
    PeriodError
        If ``date`` is not a date or ``fiscal_year_start`` is not 1..12.

    Examples
    --------
    >>> import datetime
    >>> fiscal_year(datetime.date(2025, 3, 31)), fiscal_year(datetime.date(2025, 4, 1))
    (2024, 2025)
    >>> fiscal_year(datetime.date(2025, 3, 31), fiscal_year_start=1)
    2025
    """
    fys = _check_fiscal_year_start(fiscal_year_start)
    if not isinstance(date, _dt.date):
        raise PeriodError(
            f"fiscal_year needs a datetime.date, got {type(date).__name__} {_shown(date)}",
            text=date,
        )
    return date.year if date.month >= fys else date.year - 1
