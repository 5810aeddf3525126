"""One period label read: every form (和暦, fiscal years, quarters and halves, months, days,
intervals) is parsed here, in one place, by :func:`parse_period`; :func:`to_wareki_fy`."""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from typing import Final

import numpy as np
import pandas as pd

from logicmodel.errors import PeriodError
from logicmodel.periods.period import (
    Period,
    _check_fiscal_year_start,
    _shown,
)

_FORMS: Final = (
    "accepted: 2024-06, 202406, 2024.06, 2024年6月, R6.6, 2024Q1, FY2024, FY2024Q1, FY2024H1, "
    "2024年度, 令和6年度, R6年度, 2024年度上半期, 2024, 2024-06-30, 2020-07-01/2021-06-30, a date, "
    "a pandas.Period"
)

# 和暦: era name (and its one-letter abbreviation) -> western year of the era's first year (元年).
_ERAS: Final[dict[str, tuple[str, int]]] = {
    "令和": ("令和", 2019),
    "R": ("令和", 2019),
    "平成": ("平成", 1989),
    "H": ("平成", 1989),
    "昭和": ("昭和", 1926),
    "S": ("昭和", 1926),
}
_ERA_STARTS: Final[tuple[tuple[int, str], ...]] = ((2019, "令和"), (1989, "平成"), (1926, "昭和"))

_MIN_YEAR: Final = 1000
_MAX_YEAR: Final = 9999
_DASHES: Final = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))

_Y = r"(?P<y>[0-9]{4})"
_RE_YEAR: Final = re.compile(rf"{_Y}")
_RE_DAYS: Final = (
    re.compile(rf"{_Y}-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}})"),
    re.compile(rf"{_Y}/(?P<m>[0-9]{{1,2}})/(?P<d>[0-9]{{1,2}})"),
    re.compile(rf"{_Y}\.(?P<m>[0-9]{{1,2}})\.(?P<d>[0-9]{{1,2}})"),
    re.compile(rf"{_Y}(?P<m>[0-9]{{2}})(?P<d>[0-9]{{2}})"),
)
# 202404 (e-Stat and many exports), 2024.04
_RE_MONTH_COMPACT: Final = re.compile(rf"{_Y}(?:\.(?P<m>[0-9]{{1,2}})|(?P<mm>[0-9]{{2}}))")
# R7.4, H31.4.1, 令和7.4 (和暦 with dots)
_RE_ERA_DOTS: Final = re.compile(
    r"(?P<era>R|H|S|令和|平成|昭和)\s*(?P<ey>元|[0-9]{1,2})\.(?P<m>[0-9]{1,2})(?:\.(?P<d>[0-9]{1,2}))?"
)
# 2024H1 (calendar half year)
_RE_HALF: Final = re.compile(rf"{_Y}[-\s]?H(?P<h>[0-9]+)")
_RE_INTERVAL: Final = re.compile(
    r"(?P<a>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})\s*/\s*(?P<b>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})"
)
_RE_MONTH: Final = re.compile(rf"{_Y}[-/](?P<m>[0-9]{{1,2}})")
_RE_QUARTER: Final = re.compile(rf"{_Y}[-\s]?Q(?P<q>[0-9]+)")
_RE_FY: Final = re.compile(rf"FY\s*{_Y}(?:[-\s]?Q(?P<q>[0-9]+)|[-\s]?H(?P<h>[0-9]+))?")
# Japanese forms: a western or era year, 年, then what follows (度, 6月, 第1四半期, …).
_RE_JA: Final = re.compile(
    r"(?:(?P<west>[0-9]{4})|(?P<era>[^\W\d_]+?)\s*(?P<ey>元|[0-9]{1,3}))\s*年\s*(?P<rest>.*)"
)
_RE_JA_REST: Final = re.compile(
    r"(?P<fy>度)?(?:第?(?P<q>[0-9]+)四半期|Q(?P<qq>[0-9]+)|(?P<half>上半期|下半期|上期|下期))?"
    r"|(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})日)?"
)


def _error(value: object, reason: str) -> PeriodError:
    return PeriodError(f"period {_shown(value)} {reason}; {_FORMS}", text=value)


def _span(value: object, month_index: int, months: int) -> tuple[_dt.date, _dt.date]:
    """First and last day of ``months`` months from ``month_index`` (= year * 12 + month - 1)."""
    after = month_index + months
    try:
        start = _dt.date(month_index // 12, month_index % 12 + 1, 1)
        end = _dt.date(after // 12, after % 12 + 1, 1) - _dt.timedelta(days=1)
    except (ValueError, OverflowError):
        raise _error(value, f"is outside the supported years {_MIN_YEAR}..{_MAX_YEAR}") from None
    return start, end


def _check_year(value: object, year: int) -> int:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise _error(value, f"has year {year} outside the supported years {_MIN_YEAR}..{_MAX_YEAR}")
    return year


def _month(value: object, year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise _error(value, f"has month {month} outside 1..12")
    start, end = _span(value, _check_year(value, year) * 12 + month - 1, 1)
    return Period(start, end, f"{year:04d}-{month:02d}", "month")


def _quarter(value: object, year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise _error(value, f"has quarter {quarter} outside 1..4")
    start, end = _span(value, _check_year(value, year) * 12 + 3 * (quarter - 1), 3)
    return Period(start, end, f"{year:04d}Q{quarter}", "quarter")


def _year(value: object, year: int) -> Period:
    start, end = _span(value, _check_year(value, year) * 12, 12)
    return Period(start, end, f"{year:04d}", "year")


def _half(value: object, year: int, half: int, fiscal_year_start: int | None) -> Period:
    """The first or second six months of a fiscal year (``FY2024H1``, 2024年度上半期) or, without
    ``fiscal_year_start``, of a calendar year (``2024H1``, 2024年上半期)."""
    if half not in (1, 2):
        raise _error(value, f"has half {half} outside 1..2")
    month = 0 if fiscal_year_start is None else fiscal_year_start - 1
    start, end = _span(value, _check_year(value, year) * 12 + month + 6 * (half - 1), 6)
    label = f"{year:04d}H{half}" if fiscal_year_start is None else f"FY{year:04d}H{half}"
    return Period(start, end, label, "interval")


def _fiscal(value: object, year: int, quarter: int | None, fiscal_year_start: int) -> Period:
    first = _check_year(value, year) * 12 + fiscal_year_start - 1
    if quarter is None:
        start, end = _span(value, first, 12)
        return Period(start, end, f"FY{year:04d}", "fiscal_year")
    if not 1 <= quarter <= 4:
        raise _error(value, f"has quarter {quarter} outside 1..4")
    start, end = _span(value, first + 3 * (quarter - 1), 3)
    return Period(start, end, f"FY{year:04d}Q{quarter}", "fiscal_quarter")


def _date(value: object, year: int, month: int, day: int) -> _dt.date:
    _check_year(value, year)
    try:
        return _dt.date(year, month, day)
    except ValueError as exc:
        raise _error(value, f"is not a valid date ({exc})") from None


def _day(day: _dt.date) -> Period:
    return Period(day, day, day.isoformat(), "day")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DASHES).strip().upper()


def _era_year(value: object, match: re.Match[str]) -> int:
    """The western year of a 和暦 match with groups ``era`` and ``ey`` (元 or digits)."""
    era = match["era"]
    if era not in _ERAS:
        raise _error(value, f"names an unknown era {era!r} (known: 令和/R, 平成/H, 昭和/S)")
    era_year = 1 if match["ey"] == "元" else int(match["ey"])
    if era_year < 1:
        raise _error(value, f"has era year {era_year}; an era starts at 元年 (year 1)")
    return _ERAS[era][1] + era_year - 1


def _parse_japanese(value: object, match: re.Match[str], fiscal_year_start: int) -> Period:
    year = int(match["west"]) if match["west"] is not None else _era_year(value, match)
    rest = re.sub(r"\s+", "", match["rest"])
    tail = _RE_JA_REST.fullmatch(rest)
    if tail is None:
        raise _error(value, f"has {rest!r} after 年 where 度, 6月 or 第1四半期 was expected")
    quarter = tail["q"] or tail["qq"]
    if tail["half"]:
        half = 1 if tail["half"].startswith("上") else 2
        return _half(value, year, half, fiscal_year_start if tail["fy"] else None)
    if tail["fy"]:
        return _fiscal(value, year, None if quarter is None else int(quarter), fiscal_year_start)
    if quarter is not None:
        return _quarter(value, year, int(quarter))
    if tail["m"] is not None:
        if tail["d"] is not None:
            return _day(_date(value, year, int(tail["m"]), int(tail["d"])))
        return _month(value, year, int(tail["m"]))
    return _year(value, year)


def _interval(value: object, m: re.Match[str]) -> Period:
    """``2020-07-01/2021-06-30``: both ends ISO dates, the end not before the start."""
    ends = []
    for part in (m["a"], m["b"]):
        y, mo, d = part.split("-")
        ends.append(_date(value, int(y), int(mo), int(d)))
    if ends[1] < ends[0]:
        raise _error(value, f"is an interval whose end {ends[1]} is before its start {ends[0]}")
    return Period(ends[0], ends[1], f"{ends[0].isoformat()}/{ends[1].isoformat()}", "interval")


def _fiscal_form(value: object, m: re.Match[str], fiscal_year_start: int) -> Period:
    """``FY2024``, ``FY2024Q1``, ``FY2024H1``."""
    if m["h"] is not None:
        return _half(value, int(m["y"]), int(m["h"]), fiscal_year_start)
    quarter = None if m["q"] is None else int(m["q"])
    return _fiscal(value, int(m["y"]), quarter, fiscal_year_start)


def _era_dots(value: object, m: re.Match[str]) -> Period:
    """``R6.6`` (a month) or ``R6.6.30`` (a day) of a 和暦 year."""
    year = _era_year(value, m)
    if m["d"] is not None:
        return _day(_date(value, year, int(m["m"]), int(m["d"])))
    return _month(value, year, int(m["m"]))


def _parse_text(value: str, fiscal_year_start: int) -> Period:
    s = _normalise(value)
    if not s:
        raise _error(value, "is empty")
    if len(s) > 64:
        raise _error(value, "is too long (more than 64 characters)")
    if _RE_YEAR.fullmatch(s):
        return _year(value, int(s))
    for pattern in _RE_DAYS:
        if m := pattern.fullmatch(s):
            return _day(_date(value, int(m["y"]), int(m["m"]), int(m["d"])))
    if m := _RE_INTERVAL.fullmatch(s):
        return _interval(value, m)
    if m := _RE_MONTH.fullmatch(s):
        return _month(value, int(m["y"]), int(m["m"]))
    if m := _RE_MONTH_COMPACT.fullmatch(s):
        return _month(value, int(m["y"]), int(m["m"] or m["mm"]))
    if m := _RE_QUARTER.fullmatch(s):
        return _quarter(value, int(m["y"]), int(m["q"]))
    if m := _RE_HALF.fullmatch(s):
        return _half(value, int(m["y"]), int(m["h"]), None)
    if m := _RE_FY.fullmatch(s):
        return _fiscal_form(value, m, fiscal_year_start)
    if m := _RE_ERA_DOTS.fullmatch(s):
        return _era_dots(value, m)
    if m := _RE_JA.fullmatch(s):
        return _parse_japanese(value, m, fiscal_year_start)
    raise _error(value, "is not a recognised period")


def _classify(start: _dt.date, end: _dt.date, fiscal_year_start: int) -> Period:
    """The most specific kind and canonical label for a span (used for ``pandas.Period``)."""
    if start == end:
        return _day(start)
    first = start.year * 12 + start.month - 1
    following = end + _dt.timedelta(days=1)
    after = following.year * 12 + following.month - 1
    if start.day == 1 and following.day == 1:
        months = after - first
        if months == 1:
            return Period(start, end, f"{start.year:04d}-{start.month:02d}", "month")
        if months == 3 and first % 3 == 0:
            return Period(start, end, f"{start.year:04d}Q{first % 12 // 3 + 1}", "quarter")
        if months == 12 and first % 12 == 0:
            return Period(start, end, f"{start.year:04d}", "year")
        offset = first - (fiscal_year_start - 1)
        if months == 12 and offset % 12 == 0:
            return Period(start, end, f"FY{offset // 12:04d}", "fiscal_year")
        if months == 3 and offset % 3 == 0:
            label = f"FY{offset // 12:04d}Q{offset % 12 // 3 + 1}"
            return Period(start, end, label, "fiscal_quarter")
    return Period(start, end, f"{start.isoformat()}/{end.isoformat()}", "interval")


def _whole_number(value: object, number: int) -> Period:
    """A year (``2024``) or, with six digits, a month (``202404``, as e-Stat writes months)."""
    if 100_000 <= number <= 999_999:
        return _month(value, number // 100, number % 100)
    return _year(value, number)


def _parse_one(value: object, fiscal_year_start: int) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        return _parse_text(value, fiscal_year_start)
    if value is None or value is pd.NaT:
        raise _error(value, "is missing")
    if isinstance(value, bool | np.bool_):
        raise _error(value, "is a boolean, not a period")
    if isinstance(value, pd.Period):
        start = value.start_time.date()
        return _classify(start, value.end_time.date(), fiscal_year_start)
    if isinstance(value, _dt.datetime):
        return _day(value.date())
    if isinstance(value, _dt.date):
        return _day(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise _error(value, "is missing (NaT)")
        day = value.astype("datetime64[D]").item()
        if not isinstance(day, _dt.date):
            raise _error(value, "is outside the supported years")
        return _day(day)
    if isinstance(value, int | np.integer):
        return _whole_number(value, int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            raise _error(value, "is missing (NaN)")
        if not float(value).is_integer():
            raise _error(value, "is a fractional number, not a year")
        return _whole_number(value, int(value))
    raise _error(value, f"has unsupported type {type(value).__name__}")


def parse_period(value: object, fiscal_year_start: int = 4) -> Period:
    """Parse one period text (or date, year, ``pandas.Period``) into a :class:`Period`.

    Parameters
    ----------
    value
        A text such as ``"2024-06"``, ``"2024年6月"``, ``"2024Q1"``, ``"FY2024"``, ``"FY2024Q1"``,
        ``"2024年度"``, ``"令和6年度"``, ``"R6年度"``, ``"令和元年度"``, ``"平成31年度"``,
        ``"2024"``, ``"2024-06-30"`` or ``"2020-07-01/2021-06-30"``; an ``int`` year; a
        ``datetime.date``/``datetime.datetime``/``numpy.datetime64`` (one day); a
        ``pandas.Period``; or a :class:`Period` (returned as is). Text is NFKC-normalised
        (full-width digits and letters), stripped, and ``fy``/``q`` are case-insensitive.
    fiscal_year_start
        Month (1..12) in which fiscal years start; 4 (April) for Japanese government.

    Returns
    -------
    Period
        With canonical label (``"2024-06"``, ``"2024Q1"``, ``"FY2024"``, ``"FY2024Q1"``,
        ``"2024"``, ``"2024-06-30"``, ``"2020-07-01/2021-06-30"``).

    Raises
    ------
    PeriodError
        If the value is empty, missing, a bool, out of range (month 13, quarter 5, 令和0年度, an
        interval ending before it starts), names an unknown era, or is not an accepted form; the
        message quotes the value and lists the accepted forms. Also if ``fiscal_year_start`` is
        not 1..12.

    Notes
    -----
    和暦 fiscal years count from each era's first year (令和 1 = 2019, 平成 1 = 1989, 昭和 1 =
    1926), so 平成31年度 = 令和元年度 = FY2019. Era years past an era's end, as in plans written
    before 2019 (平成32年度), keep counting: 平成32年度 = FY2020. Integral floats (``2024.0``, as
    spreadsheets deliver years) are years.

    Examples
    --------
    >>> parse_period("FY2024Q1")
    Period(start=datetime.date(2024, 4, 1), end=datetime.date(2024, 6, 30),
           label='FY2024Q1', kind='fiscal_quarter')
    >>> parse_period("ＦＹ２０２４", fiscal_year_start=1).end
    datetime.date(2024, 12, 31)
    >>> parse_period("2020-07-01/2021-06-30").label
    '2020-07-01/2021-06-30'
    >>> parse_period("2024-13")
    Traceback (most recent call last):
    ...
    logicmodel.errors.PeriodError: period '2024-13' has month 13 outside 1..12; accepted: ...
    """
    return _parse_one(value, _check_fiscal_year_start(fiscal_year_start))


def to_wareki_fy(year: int) -> str:
    """The 和暦 name of fiscal year ``year`` (``2024`` → ``"令和6年度"``).

    Parameters
    ----------
    year
        Western fiscal year, 1926 or later.

    Returns
    -------
    str
        Era name, era year (``元`` for the first) and ``年度``.

    Raises
    ------
    PeriodError
        If ``year`` is not an integer or is before 1926 (昭和元年).

    Notes
    -----
    The era of a fiscal year is the era of its calendar start year: FY2019 is 令和元年度 (it is
    also called 平成31年度, which :func:`parse_period` reads as the same period).

    Examples
    --------
    >>> to_wareki_fy(2024), to_wareki_fy(2019), to_wareki_fy(2018), to_wareki_fy(1989)
    ('令和6年度', '令和元年度', '平成30年度', '平成元年度')
    """
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise PeriodError(f"to_wareki_fy needs an integer year, got {_shown(year)}", text=year)
    y = int(year)
    for first, era in _ERA_STARTS:
        if y >= first:
            n = y - first + 1
            return f"{era}{'元' if n == 1 else n}年度"
    raise PeriodError(f"year {y} is before 昭和元年 (1926); no 和暦 name is supported", text=year)
