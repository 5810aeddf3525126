"""Periods of a whole column at once: :class:`PeriodArray`, :func:`parse_periods` (each distinct
label parsed once) and :func:`assign_periods` (dates to the periods of a frequency)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import PeriodError, nearest
from logicmodel.periods.parsing import (
    _FORMS,
    _parse_one,
)
from logicmodel.periods.period import (
    FREQUENCIES,
    Period,
    _check_fiscal_year_start,
    _shown,
)


@dataclass(frozen=True, slots=True, eq=False)
class PeriodArray:
    """Periods for many rows as aligned numpy arrays.

    Attributes
    ----------
    start, end
        ``datetime64[D]`` arrays of first and last days (``NaT`` where invalid).
    label
        Object array of canonical labels (``None`` where invalid).
    kind
        Object array of :data:`KINDS` values (``None`` where invalid).
    valid
        Boolean array, ``False`` where the input could not be parsed (``errors="coerce"``).

    Examples
    --------
    >>> arr = parse_periods(["FY2024", "令和6年度", "bad"], errors="coerce")
    >>> len(arr), arr.valid.tolist(), str(arr[1]), arr[2]
    (3, [True, True, False], 'FY2024', None)
    """

    start: npt.NDArray[np.datetime64]
    end: npt.NDArray[np.datetime64]
    label: npt.NDArray[np.object_]
    kind: npt.NDArray[np.object_]
    valid: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.valid.shape[0])

    def __getitem__(self, index: int) -> Period | None:
        """The :class:`Period` at ``index``, or ``None`` where invalid."""
        if not self.valid[index]:
            return None
        return Period(
            self.start[index].item(),
            self.end[index].item(),
            str(self.label[index]),
            str(self.kind[index]),
        )

    def to_list(self) -> list[Period | None]:
        """Every row as a :class:`Period` (``None`` where invalid)."""
        return [self[i] for i in range(len(self))]


def _as_1d(values: object) -> npt.NDArray[Any]:
    if isinstance(values, str | bytes | Period) or not isinstance(values, Iterable):
        raise PeriodError(
            f"parse_periods expects a 1-D sequence of period values, got "
            f"{type(values).__name__} {_shown(values)}; use parse_period for one value",
            text=values,
        )
    arr: npt.NDArray[Any]
    if isinstance(values, np.ndarray):
        arr = values
    elif isinstance(values, pd.Series | pd.Index):
        arr = np.asarray(values.to_numpy())
    else:
        to_numpy = getattr(values, "to_numpy", None)
        arr = np.asarray(to_numpy()) if callable(to_numpy) else np.fromiter(values, dtype=object)
    if arr.ndim != 1:
        raise PeriodError(
            f"parse_periods expects a 1-D sequence, got an array of shape {arr.shape}", text=None
        )
    return arr


def _empty(n: int) -> PeriodArray:
    return PeriodArray(
        start=np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        end=np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        label=np.full(n, None, dtype=object),
        kind=np.full(n, None, dtype=object),
        valid=np.zeros(n, dtype=bool),
    )


def parse_periods(
    values: Iterable[object],
    *,
    fiscal_year_start: int = 4,
    errors: Literal["raise", "coerce"] = "raise",
) -> PeriodArray:
    """Parse many period values; each distinct value is parsed once.

    Parameters
    ----------
    values
        A 1-D list, tuple, numpy array or pandas Series/Index of anything :func:`parse_period`
        accepts. A ``datetime64`` array is taken as days without parsing.
    fiscal_year_start
        Month (1..12) in which fiscal years start.
    errors
        ``"raise"``: the first invalid row raises. ``"coerce"``: invalid rows get ``NaT``/``None``
        and ``valid=False``.

    Returns
    -------
    PeriodArray
        Aligned with ``values``.

    Raises
    ------
    PeriodError
        With ``errors="raise"``, for the first row (0-based ``row`` attribute, also in the
        message) whose value is not a period; also for a non-1-D input, a bad ``errors`` option or
        a bad ``fiscal_year_start``.

    Examples
    --------
    >>> arr = parse_periods(["2024-06", "FY2024", "2024-06"])
    >>> arr.label.tolist(), arr.end.astype(str).tolist()
    (['2024-06', 'FY2024', '2024-06'], ['2024-06-30', '2025-03-31', '2024-06-30'])
    >>> parse_periods(["FY2024", "FY2024Q5"])
    Traceback (most recent call last):
    ...
    logicmodel.errors.PeriodError: row 1: period 'FY2024Q5' has quarter 5 outside 1..4; ...
    """
    fys = _check_fiscal_year_start(fiscal_year_start)
    if errors not in ("raise", "coerce"):
        raise PeriodError(f"errors must be 'raise' or 'coerce', got {_shown(errors)}", text=errors)
    arr = _as_1d(values)
    n = arr.shape[0]
    if arr.dtype.kind == "M":
        days = arr.astype("datetime64[D]")
        valid = ~np.isnat(days)
        if errors == "raise" and not valid.all():
            row = int(np.argmin(valid))
            _raise_at(arr[row], row, fys)
        labels = np.full(n, None, dtype=object)
        labels[valid] = np.datetime_as_string(days[valid], unit="D").astype(object)
        kinds = np.where(valid, np.array("day", dtype=object), np.array(None, dtype=object))
        return PeriodArray(start=days, end=days.copy(), label=labels, kind=kinds, valid=valid)
    if n == 0:
        return _empty(0)
    codes, uniques = pd.factorize(arr.astype(object, copy=False), use_na_sentinel=True)
    m = len(uniques)
    # one slot per distinct value, plus a last slot for missing values (code -1)
    u_start = np.full(m + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    u_end = u_start.copy()
    u_label = np.full(m + 1, None, dtype=object)
    u_kind = np.full(m + 1, None, dtype=object)
    u_valid = np.zeros(m + 1, dtype=bool)
    for k, value in enumerate(uniques.tolist()):
        try:
            p = _parse_one(value, fys)
        except PeriodError:
            continue
        u_start[k] = p.start
        u_end[k] = p.end
        u_label[k] = p.label
        u_kind[k] = p.kind
        u_valid[k] = True
    idx = np.where(codes < 0, m, codes)
    valid = u_valid[idx]
    if errors == "raise" and not valid.all():
        row = int(np.argmin(valid))
        _raise_at(arr[row], row, fys)
    return PeriodArray(
        start=u_start[idx], end=u_end[idx], label=u_label[idx], kind=u_kind[idx], valid=valid
    )


def _raise_at(value: object, row: int, fiscal_year_start: int) -> None:
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()  # show 'x' and nan, not np.str_('x') and np.float64(nan)
    try:
        _parse_one(value, fiscal_year_start)
    except PeriodError as exc:
        err = PeriodError(f"row {row}: {exc.message}", text=value)
        err.row = row  # type: ignore[attr-defined]
        raise err from None
    # reached only for a value that parses on its own but was grouped as missing
    err = PeriodError(f"row {row}: period {_shown(value)} is missing; {_FORMS}", text=value)
    err.row = row  # type: ignore[attr-defined]
    raise err


def assign_periods(ends: object, frequency: str, *, fiscal_year_start: int = 4) -> PeriodArray:
    """The reporting period of each date, for aggregating observations over time.

    Parameters
    ----------
    ends
        Dates (usually observation period ends) as anything ``numpy.asarray`` turns into
        ``datetime64``; ``NaT`` gives an invalid row.
    frequency
        One of :data:`FREQUENCIES`: ``"month"``, ``"quarter"``, ``"fiscal_quarter"``,
        ``"fiscal_year"``, ``"year"``.
    fiscal_year_start
        Month (1..12) in which fiscal years start.

    Returns
    -------
    PeriodArray
        The period containing each date, with canonical labels.

    Raises
    ------
    PeriodError
        If ``frequency`` is unknown (the message suggests the nearest), ``fiscal_year_start`` is not
        1..12, or ``ends`` are not dates.

    Examples
    --------
    >>> import numpy as np
    >>> days = np.array(["2024-03-31", "2024-04-01", "2025-03-31"], dtype="datetime64[D]")
    >>> assign_periods(days, "fiscal_year").label.tolist()
    ['FY2023', 'FY2024', 'FY2024']
    >>> assign_periods(days, "fiscal_quarter").label.tolist()
    ['FY2023Q4', 'FY2024Q1', 'FY2024Q4']
    >>> assign_periods(days, "quarter").end.astype(str).tolist()
    ['2024-03-31', '2024-06-30', '2025-03-31']
    """
    fys = _check_fiscal_year_start(fiscal_year_start)
    if frequency not in FREQUENCIES:
        hint = ", ".join(repr(x) for x in nearest(str(frequency), FREQUENCIES))
        raise PeriodError(
            f"frequency {_shown(frequency)} is not one of {', '.join(FREQUENCIES)}; "
            f"did you mean {hint}?",
            text=frequency,
        )
    if isinstance(ends, pd.Series) and isinstance(ends.dtype, pd.DatetimeTZDtype):
        ends = ends.dt.tz_localize(None)  # keep the local wall-clock date
    elif isinstance(ends, pd.DatetimeIndex) and ends.tz is not None:
        ends = ends.tz_localize(None)
    try:
        with warnings.catch_warnings():
            # numpy only warns about timezone-aware values; an ambiguous date is an error here
            warnings.simplefilter("error")
            days = np.asarray(ends).astype("datetime64[D]")
    except (ValueError, TypeError, Warning) as exc:
        raise PeriodError(f"assign_periods needs dates, got {_shown(ends)}: {exc}") from None
    if days.ndim != 1:
        raise PeriodError(f"assign_periods expects a 1-D array of dates, got shape {days.shape}")
    valid = ~np.isnat(days)
    month = np.where(valid, days.astype("datetime64[M]").astype(np.int64), 0)
    months = 3 if frequency in ("quarter", "fiscal_quarter") else 12
    if frequency == "month":
        months = 1
    offset = fys - 1 if frequency.startswith("fiscal") else 0
    first = month - (month - offset) % months  # month index (since 1970-01) of the period start
    start = first.astype("datetime64[M]").astype("datetime64[D]")
    end = (first + months).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    start[~valid] = np.datetime64("NaT")
    end[~valid] = np.datetime64("NaT")

    distinct, inverse = np.unique(first[valid], return_inverse=True)
    names = np.empty(distinct.shape[0], dtype=object)
    for i, f in enumerate(distinct.tolist()):
        year, rel = divmod(f + 12 * 1970 - offset, 12)  # fiscal year and month within it
        if frequency == "month":
            names[i] = f"{year:04d}-{rel + 1:02d}"
        elif frequency == "quarter":
            names[i] = f"{year:04d}Q{rel // 3 + 1}"
        elif frequency == "year":
            names[i] = f"{year:04d}"
        elif frequency == "fiscal_year":
            names[i] = f"FY{year:04d}"
        else:
            names[i] = f"FY{year:04d}Q{rel // 3 + 1}"
    label = np.full(days.shape[0], None, dtype=object)
    label[valid] = names[inverse.reshape(-1)]
    kind = np.where(valid, np.array(frequency, dtype=object), np.array(None, dtype=object))
    return PeriodArray(start=start, end=end, label=label, kind=kind, valid=valid)
