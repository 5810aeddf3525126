"""Tests for logicmodel.periods (DESIGN §5.1)."""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logicmodel.errors import ModelError, PeriodError
from logicmodel.periods import (
    FREQUENCIES,
    KINDS,
    Period,
    PeriodArray,
    assign_periods,
    fiscal_year,
    parse_period,
    parse_periods,
    to_wareki_fy,
)

D = dt.date

# (input, canonical label, kind, start, end) with the default April fiscal start
ACCEPTED = [
    ("2024-06", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("2024/06", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("2024-6", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("2024年6月", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("2024-02", "2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
    ("2023-02", "2023-02", "month", D(2023, 2, 1), D(2023, 2, 28)),
    ("2024-12", "2024-12", "month", D(2024, 12, 1), D(2024, 12, 31)),
    ("令和6年6月", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("2024Q1", "2024Q1", "quarter", D(2024, 1, 1), D(2024, 3, 31)),
    ("2024-Q1", "2024Q1", "quarter", D(2024, 1, 1), D(2024, 3, 31)),
    ("2024q4", "2024Q4", "quarter", D(2024, 10, 1), D(2024, 12, 31)),
    ("2024 Q2", "2024Q2", "quarter", D(2024, 4, 1), D(2024, 6, 30)),
    ("2024年第3四半期", "2024Q3", "quarter", D(2024, 7, 1), D(2024, 9, 30)),
    ("FY2024", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("fy2024", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("FY 2024", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("FY2024Q1", "FY2024Q1", "fiscal_quarter", D(2024, 4, 1), D(2024, 6, 30)),
    ("fy2024q4", "FY2024Q4", "fiscal_quarter", D(2025, 1, 1), D(2025, 3, 31)),
    ("FY2024-Q2", "FY2024Q2", "fiscal_quarter", D(2024, 7, 1), D(2024, 9, 30)),
    ("2024年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("2024年度第1四半期", "FY2024Q1", "fiscal_quarter", D(2024, 4, 1), D(2024, 6, 30)),
    ("令和6年度第2四半期", "FY2024Q2", "fiscal_quarter", D(2024, 7, 1), D(2024, 9, 30)),
    ("令和6年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("令和 6 年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("R6年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("r6年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("R06年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("令和元年度", "FY2019", "fiscal_year", D(2019, 4, 1), D(2020, 3, 31)),
    ("令和2年度", "FY2020", "fiscal_year", D(2020, 4, 1), D(2021, 3, 31)),
    ("平成31年度", "FY2019", "fiscal_year", D(2019, 4, 1), D(2020, 3, 31)),
    ("H31年度", "FY2019", "fiscal_year", D(2019, 4, 1), D(2020, 3, 31)),
    ("平成30年度", "FY2018", "fiscal_year", D(2018, 4, 1), D(2019, 3, 31)),
    ("平成元年度", "FY1989", "fiscal_year", D(1989, 4, 1), D(1990, 3, 31)),
    ("昭和64年度", "FY1989", "fiscal_year", D(1989, 4, 1), D(1990, 3, 31)),
    ("昭和63年度", "FY1988", "fiscal_year", D(1988, 4, 1), D(1989, 3, 31)),
    ("S60年度", "FY1985", "fiscal_year", D(1985, 4, 1), D(1986, 3, 31)),
    ("昭和元年度", "FY1926", "fiscal_year", D(1926, 4, 1), D(1927, 3, 31)),
    ("㋿6年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("2024", "2024", "year", D(2024, 1, 1), D(2024, 12, 31)),
    ("2024年", "2024", "year", D(2024, 1, 1), D(2024, 12, 31)),
    ("2024-06-30", "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    ("2024/6/30", "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    ("20240630", "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    ("2024年6月30日", "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    ("2024-02-29", "2024-02-29", "day", D(2024, 2, 29), D(2024, 2, 29)),
    (
        "2020-07-01/2021-06-30",
        "2020-07-01/2021-06-30",
        "interval",
        D(2020, 7, 1),
        D(2021, 6, 30),
    ),
    ("2020-7-1 / 2021-6-30", "2020-07-01/2021-06-30", "interval", D(2020, 7, 1), D(2021, 6, 30)),
    ("2020-07-01/2020-07-01", "2020-07-01/2020-07-01", "interval", D(2020, 7, 1), D(2020, 7, 1)),
    ("２０２４年度", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("ＦＹ２０２４", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("ｆｙ２０２４ｑ３", "FY2024Q3", "fiscal_quarter", D(2024, 10, 1), D(2024, 12, 31)),
    ("２０２４－０６", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("２０２４／０６", "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    ("  FY2024\t\n", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    ("\u3000令和6年度\u3000", "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    (2024, "2024", "year", D(2024, 1, 1), D(2024, 12, 31)),
    (np.int64(2024), "2024", "year", D(2024, 1, 1), D(2024, 12, 31)),
    (2024.0, "2024", "year", D(2024, 1, 1), D(2024, 12, 31)),
    (D(2024, 6, 30), "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    (dt.datetime(2024, 6, 30, 23, 59), "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    (pd.Timestamp("2024-06-30 12:00"), "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    (np.datetime64("2024-06-30"), "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    (pd.Period("2024-06", "M"), "2024-06", "month", D(2024, 6, 1), D(2024, 6, 30)),
    (pd.Period("2024Q2", "Q"), "2024Q2", "quarter", D(2024, 4, 1), D(2024, 6, 30)),
    (pd.Period("2024", "Y"), "2024", "year", D(2024, 1, 1), D(2024, 12, 31)),
    (pd.Period("2024-06-30", "D"), "2024-06-30", "day", D(2024, 6, 30), D(2024, 6, 30)),
    # pandas names a year ending in March by its end year; Japan names it by its start year
    (pd.Period("2025", "Y-MAR"), "FY2024", "fiscal_year", D(2024, 4, 1), D(2025, 3, 31)),
    (
        pd.Period("2024-06-30", "W"),
        "2024-06-24/2024-06-30",
        "interval",
        D(2024, 6, 24),
        D(2024, 6, 30),
    ),
]


@pytest.mark.parametrize(("value", "label", "kind", "start", "end"), ACCEPTED, ids=repr)
def test_accepted_forms(value: object, label: str, kind: str, start: dt.date, end: dt.date) -> None:
    p = parse_period(value)
    assert (p.label, p.kind, p.start, p.end) == (label, kind, start, end)
    assert str(p) == label
    assert type(p.start) is dt.date
    assert type(p.end) is dt.date
    assert kind in KINDS


@pytest.mark.parametrize(("value", "label", "kind", "start", "end"), ACCEPTED, ids=repr)
def test_canonical_label_round_trips(
    value: object, label: str, kind: str, start: dt.date, end: dt.date
) -> None:
    again = parse_period(label)
    assert again == parse_period(value)
    assert again.label == label
    # a label names the same kind again, except spellings that canonicalise to an interval
    assert again.kind == kind


def test_existing_period_is_returned_as_is() -> None:
    p = parse_period("FY2024")
    assert parse_period(p) is p
    # even with another fiscal start: a Period is already resolved
    assert parse_period(p, fiscal_year_start=1) is p


@pytest.mark.parametrize(
    "spellings",
    [
        ["令和6年度", "FY2024", "2024年度", "R6年度", "２０２４年度", "ＦＹ２０２４", "fy2024"],
        ["令和元年度", "平成31年度", "H31年度", "FY2019", "2019年度", "2019-04-01/2020-03-31"],
        ["平成元年度", "昭和64年度", "S64年度", "FY1989"],
        ["2024Q2", "2024-Q2", "FY2024Q1", "2024年度第1四半期", "2024-04-01/2024-06-30"],
        ["2024-06", "2024/06", "2024年6月", "令和6年6月", "2024-06-01/2024-06-30"],
        ["2024", "2024年", "2024-01-01/2024-12-31"],
        ["2024-06-30", "2024/06/30", "20240630", "2024年6月30日", "2024-06-30/2024-06-30"],
    ],
)
def test_equality_across_spellings(spellings: list[str]) -> None:
    periods = [parse_period(s) for s in spellings]
    assert all(p == periods[0] for p in periods)
    assert len({hash(p) for p in periods}) == 1
    assert len(set(periods)) == 1


def test_different_periods_differ() -> None:
    assert parse_period("FY2024") != parse_period("2024")
    assert parse_period("2024Q1") != parse_period("FY2024Q1")
    assert parse_period("FY2024") != "FY2024"  # type: ignore[comparison-overlap]


@pytest.mark.parametrize(
    ("fys", "fy_start", "fy_end", "q1_end", "q4_start"),
    [
        (1, D(2024, 1, 1), D(2024, 12, 31), D(2024, 3, 31), D(2024, 10, 1)),
        (4, D(2024, 4, 1), D(2025, 3, 31), D(2024, 6, 30), D(2025, 1, 1)),
        (7, D(2024, 7, 1), D(2025, 6, 30), D(2024, 9, 30), D(2025, 4, 1)),
        (10, D(2024, 10, 1), D(2025, 9, 30), D(2024, 12, 31), D(2025, 7, 1)),
        (12, D(2024, 12, 1), D(2025, 11, 30), D(2025, 2, 28), D(2025, 9, 1)),
    ],
)
def test_fiscal_year_start(
    fys: int, fy_start: dt.date, fy_end: dt.date, q1_end: dt.date, q4_start: dt.date
) -> None:
    for text in ("FY2024", "2024年度", "令和6年度"):
        p = parse_period(text, fiscal_year_start=fys)
        assert (p.start, p.end, p.label, p.kind) == (fy_start, fy_end, "FY2024", "fiscal_year")
    q1 = parse_period("FY2024Q1", fiscal_year_start=fys)
    assert (q1.start, q1.end) == (fy_start, q1_end)
    q4 = parse_period("FY2024Q4", fiscal_year_start=fys)
    assert (q4.start, q4.end) == (q4_start, fy_end)
    # calendar forms do not depend on the fiscal start
    assert parse_period("2024Q1", fiscal_year_start=fys).start == D(2024, 1, 1)
    assert parse_period("2024", fiscal_year_start=fys).end == D(2024, 12, 31)


def test_fiscal_start_one_is_calendar_year() -> None:
    assert parse_period("FY2024", fiscal_year_start=1) == parse_period("2024")
    assert parse_period("FY2024Q3", fiscal_year_start=1) == parse_period("2024Q3")


@pytest.mark.parametrize("fys", [0, 13, -1, True, 4.0, "4", None])
def test_bad_fiscal_year_start(fys: object) -> None:
    with pytest.raises(PeriodError, match="fiscal_year_start"):
        parse_period("FY2024", fiscal_year_start=fys)  # type: ignore[arg-type]
    with pytest.raises(PeriodError, match="fiscal_year_start"):
        parse_periods(["FY2024"], fiscal_year_start=fys)  # type: ignore[arg-type]
    days = np.array(["2024-01-01"], dtype="datetime64[D]")
    with pytest.raises(PeriodError, match="fiscal_year_start"):
        assign_periods(days, "year", fiscal_year_start=fys)  # type: ignore[arg-type]
    with pytest.raises(PeriodError, match="fiscal_year_start"):
        fiscal_year(D(2024, 1, 1), fys)  # type: ignore[arg-type]


# --- Japanese eras ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("昭和元年度", 1926),
        ("S1年度", 1926),
        ("昭和63年度", 1988),
        ("昭和64年度", 1989),
        ("平成元年度", 1989),
        ("H1年度", 1989),
        ("平成30年度", 2018),
        ("平成31年度", 2019),
        # plans written before 2019 name later years in 平成; they keep counting
        ("平成32年度", 2020),
        ("令和元年度", 2019),
        ("R1年度", 2019),
        ("令和2年度", 2020),
        ("令和7年度", 2025),
    ],
)
def test_era_boundaries(text: str, year: int) -> None:
    p = parse_period(text)
    assert p.label == f"FY{year}"
    assert p.start == D(year, 4, 1)


@pytest.mark.parametrize(
    ("year", "name"),
    [
        (2025, "令和7年度"),
        (2024, "令和6年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1990, "平成2年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1927, "昭和2年度"),
        (1926, "昭和元年度"),
        (np.int64(2024), "令和6年度"),
    ],
)
def test_to_wareki_fy(year: int, name: str) -> None:
    assert to_wareki_fy(year) == name
    assert parse_period(name) == parse_period(f"FY{int(year)}")


@pytest.mark.parametrize("year", [1925, 1868, True, 2024.0, "2024", None])
def test_to_wareki_fy_rejects(year: object) -> None:
    with pytest.raises(PeriodError, match=str(year)):
        to_wareki_fy(year)  # type: ignore[arg-type]


@given(st.integers(min_value=1926, max_value=2200))
def test_to_wareki_fy_round_trips(year: int) -> None:
    assert parse_period(to_wareki_fy(year)).label == f"FY{year}"


# --- rejects ------------------------------------------------------------------------------

MALFORMED: list[object] = [
    "",
    "   ",
    "\u3000",
    "2024-13",
    "2024-00",
    "2024年13月",
    "2024Q5",
    "2024Q0",
    "FY2024Q5",
    "2024年度第5四半期",
    "2021-06-30/2020-07-01",
    "2024-02-30",
    "2023-02-29",
    "2024-06-31/2024-07-31",
    "令和0年度",
    "R0年度",
    "明治5年度",
    "大正3年度",
    "X6年度",
    "abc",
    "FY",
    "FY24",
    "24年度",
    "2024年度度",
    "2024年X",
    "R6",
    "平成年度",
    "99999",
    "0999",
    "FY9999",
    "2024-06/2025-05",
    "2024-06-30/P1Y",
    "Q1 2024",
    "٢٠٢٤",
    "x" * 500,
    True,
    False,
    float("nan"),
    np.float64("nan"),
    1.5,
    None,
    pd.NaT,
    np.datetime64("NaT"),
    999,
    10000,
    b"2024",
    [2024],
    {"period": "FY2024"},
    object(),
]


@pytest.mark.parametrize("value", MALFORMED, ids=lambda v: repr(v)[:30])
def test_malformed_inputs(value: object) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(value)
    message = str(info.value)
    shown = repr(value)
    assert shown[:70] in message
    assert "accepted:" in message
    assert "FY2024Q1" in message
    assert info.value.text is value
    assert isinstance(info.value, ModelError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2024-13", "month 13"),
        ("2024Q5", "quarter 5"),
        ("令和0年度", "era year 0"),
        ("明治5年度", "unknown era '明治'"),
        ("2021-06-30/2020-07-01", "before its start"),
        ("", "empty"),
        (None, "missing"),
        (True, "boolean"),
    ],
)
def test_malformed_reasons(value: object, reason: str) -> None:
    with pytest.raises(PeriodError, match=reason):
        parse_period(value)


def test_error_pickles() -> None:
    with pytest.raises(PeriodError) as info:
        parse_period("2024-13")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
    assert again.text == "2024-13"


# --- Period value object ------------------------------------------------------------------


def test_period_ordering_by_end_then_start() -> None:
    fy = parse_period("FY2024")
    q4 = parse_period("FY2024Q4")  # same end as FY2024, later start
    q1 = parse_period("2024Q1")
    day = parse_period("2025-03-31")
    assert sorted([day, fy, q4, q1]) == [q1, fy, q4, day]
    assert q1 < fy < q4 < day
    assert fy <= q4
    assert q4 >= fy
    assert day > q1
    assert max([fy, q1]) is fy
    with pytest.raises(TypeError):
        _ = fy < "FY2025"


def test_period_hash_and_dict_key() -> None:
    table = {parse_period("令和6年度"): 1}
    assert table[parse_period("FY2024")] == 1
    assert parse_period("2024-06-01/2024-06-30") in {parse_period("2024-06")}


def test_period_is_frozen() -> None:
    p = parse_period("FY2024")
    with pytest.raises(AttributeError):
        p.start = D(2020, 1, 1)  # type: ignore[misc]


@pytest.mark.parametrize("text", ["FY2024", "2024Q1", "2024-06-30", "2020-07-01/2021-06-30"])
def test_period_pickles(text: str) -> None:
    p = parse_period(text)
    again = pickle.loads(pickle.dumps(p))
    assert again == p
    assert (again.label, again.kind) == (p.label, p.kind)
    assert hash(again) == hash(p)


def test_period_constructor() -> None:
    p = Period(D(2024, 4, 1), D(2025, 3, 31))
    assert (p.label, p.kind) == ("2024-04-01/2025-03-31", "interval")
    assert p == parse_period("FY2024")
    q = Period(dt.datetime(2024, 4, 1, 9), dt.datetime(2024, 4, 1, 18), "x", "day")
    assert q.start == D(2024, 4, 1)
    assert type(q.end) is dt.date
    with pytest.raises(PeriodError, match="before its start"):
        Period(D(2024, 4, 2), D(2024, 4, 1))
    with pytest.raises(PeriodError, match="kind 'week'"):
        Period(D(2024, 4, 1), D(2024, 4, 7), kind="week")
    with pytest.raises(PeriodError, match=r"datetime\.date"):
        Period("2024-04-01", D(2024, 4, 7))  # type: ignore[arg-type]


def test_period_contains_and_days() -> None:
    fy = parse_period("FY2024")
    assert fy.contains(D(2024, 4, 1))
    assert fy.contains(D(2025, 3, 31))
    assert fy.contains(dt.datetime(2025, 3, 31, 23, 59))
    assert not fy.contains(D(2024, 3, 31))
    assert not fy.contains(D(2025, 4, 1))
    assert fy.days == 365
    assert parse_period("FY2023").days == 366
    assert parse_period("2024-06-30").days == 1


# --- fiscal_year --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fys", "expected"),
    [
        (D(2025, 3, 31), 4, 2024),
        (D(2025, 4, 1), 4, 2025),
        (D(2024, 12, 31), 4, 2024),
        (D(2025, 3, 31), 1, 2025),
        (D(2025, 6, 30), 7, 2024),
        (D(2025, 7, 1), 7, 2025),
        (dt.datetime(2025, 3, 31, 23, 0), 4, 2024),
    ],
)
def test_fiscal_year(day: dt.date, fys: int, expected: int) -> None:
    assert fiscal_year(day, fys) == expected
    assert parse_period(f"FY{expected}", fiscal_year_start=fys).contains(day)


def test_fiscal_year_rejects_non_dates() -> None:
    with pytest.raises(PeriodError, match="2025-03-31"):
        fiscal_year("2025-03-31")  # type: ignore[arg-type]


# --- parse_periods ------------------------------------------------------------------------


def test_parse_periods_broadcasts_distinct_values() -> None:
    values = ["FY2024", "令和6年度", "2024-06", "FY2024", 2024, D(2024, 6, 30), "2024-06"]
    arr = parse_periods(values)
    assert isinstance(arr, PeriodArray)
    assert len(arr) == 7
    assert arr.start.dtype == np.dtype("datetime64[D]")
    assert arr.end.dtype == np.dtype("datetime64[D]")
    assert arr.label.dtype == object
    assert arr.valid.dtype == bool
    assert arr.label.tolist() == [
        "FY2024",
        "FY2024",
        "2024-06",
        "FY2024",
        "2024",
        "2024-06-30",
        "2024-06",
    ]
    assert arr.kind.tolist()[:3] == ["fiscal_year", "fiscal_year", "month"]
    assert arr.valid.all()
    expected = [parse_period(v) for v in values]
    assert arr.to_list() == expected
    assert arr.start.tolist() == [p.start for p in expected]
    assert arr.end.tolist() == [p.end for p in expected]


@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        lambda v: np.array(v, dtype=object),
        lambda v: pd.Series(v, dtype=object),
        lambda v: pd.Series(v, dtype="string"),
        lambda v: pd.Series(v, dtype="str"),
        lambda v: pd.Index(v, dtype=object),
        iter,
    ],
)
def test_parse_periods_containers(make: object) -> None:
    values = ["FY2024", "2024Q1", "FY2024", "令和元年度"]
    arr = parse_periods(make(values))  # type: ignore[operator]
    assert arr.label.tolist() == ["FY2024", "2024Q1", "FY2024", "FY2019"]


def test_parse_periods_numpy_strings_and_ints() -> None:
    assert parse_periods(np.array(["2024", "FY2024"])).label.tolist() == ["2024", "FY2024"]
    assert parse_periods(np.array([2023, 2024, 2023])).label.tolist() == ["2023", "2024", "2023"]
    assert parse_periods([]).label.tolist() == []
    assert len(parse_periods(np.array([], dtype=object))) == 0


def test_parse_periods_polars() -> None:
    pl = pytest.importorskip("polars")
    arr = parse_periods(pl.Series(["FY2024", None, "2024-06"]), errors="coerce")
    assert arr.label.tolist() == ["FY2024", None, "2024-06"]
    days = parse_periods(pl.Series([D(2024, 1, 2), D(2024, 3, 4)]))
    assert days.label.tolist() == ["2024-01-02", "2024-03-04"]


def test_parse_periods_datetime64() -> None:
    days = np.array(["2024-06-30", "NaT", "2024-07-01"], dtype="datetime64[ns]")
    arr = parse_periods(days, errors="coerce")
    assert arr.label.tolist() == ["2024-06-30", None, "2024-07-01"]
    assert arr.kind.tolist() == ["day", None, "day"]
    assert arr.valid.tolist() == [True, False, True]
    assert np.isnat(arr.start[1])
    assert arr.end[2] == np.datetime64("2024-07-01")
    with pytest.raises(PeriodError, match="row 1") as info:
        parse_periods(days)
    assert info.value.row == 1  # type: ignore[attr-defined]
    series = pd.Series(pd.to_datetime(["2024-06-30", "2024-07-01"]))
    assert parse_periods(series).label.tolist() == ["2024-06-30", "2024-07-01"]


def test_parse_periods_raise_names_first_bad_row() -> None:
    values = ["FY2024", "FY2024", "2024-13", "bad", "2024-13"]
    with pytest.raises(PeriodError) as info:
        parse_periods(values)
    err = info.value
    assert err.row == 2  # type: ignore[attr-defined]
    assert err.text == "2024-13"
    assert "row 2" in str(err)
    assert "'2024-13'" in str(err)
    assert "month 13" in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert again.row == 2
    assert str(again) == str(err)


def test_parse_periods_raise_on_missing_value() -> None:
    with pytest.raises(PeriodError, match="row 3: period None is missing") as info:
        parse_periods(["FY2024", "FY2025", "FY2024", None, "bad"])
    assert info.value.row == 3  # type: ignore[attr-defined]
    with pytest.raises(PeriodError, match="row 1: period nan") as info:
        parse_periods(pd.Series([2024.0, np.nan]))
    assert info.value.row == 1  # type: ignore[attr-defined]


def test_parse_periods_numpy_scalars_shown_plainly() -> None:
    with pytest.raises(PeriodError, match=r"row 2: period 'FY2024Q5' has quarter 5") as info:
        parse_periods(np.array(["FY2024", "2024Q1", "FY2024Q5"]))
    assert info.value.text == "FY2024Q5"
    with pytest.raises(PeriodError, match=r"row 0: period 1\.5 is a fractional"):
        parse_periods(np.array([1.5, 2024.0]))


def test_parse_periods_bad_row_after_repeats_of_good_value() -> None:
    values = ["FY2024"] * 5 + ["令和0年度"] + ["FY2024"] * 5
    with pytest.raises(PeriodError, match="令和0年度") as info:
        parse_periods(values)
    assert info.value.row == 5  # type: ignore[attr-defined]


def test_parse_periods_coerce() -> None:
    values = ["FY2024", "bad", None, "2024-13", "FY2024", np.nan, True, "2024Q1"]
    arr = parse_periods(values, errors="coerce")
    assert arr.valid.tolist() == [True, False, False, False, True, False, False, True]
    assert arr.label.tolist() == ["FY2024", None, None, None, "FY2024", None, None, "2024Q1"]
    assert arr.kind.tolist()[:2] == ["fiscal_year", None]
    assert np.isnat(arr.start[~arr.valid]).all()
    assert np.isnat(arr.end[~arr.valid]).all()
    assert not np.isnat(arr.end[arr.valid]).any()
    assert arr[1] is None
    assert arr[7] == parse_period("2024Q1")


def test_parse_periods_fiscal_year_start() -> None:
    arr = parse_periods(["FY2024", "2024年度"], fiscal_year_start=7)
    assert arr.start.astype(str).tolist() == ["2024-07-01", "2024-07-01"]
    assert arr.end.astype(str).tolist() == ["2025-06-30", "2025-06-30"]


@pytest.mark.parametrize("values", ["FY2024", b"FY2024", 2024, np.array([["FY2024"]])])
def test_parse_periods_rejects_non_sequences(values: object) -> None:
    with pytest.raises(PeriodError, match="1-D"):
        parse_periods(values)  # type: ignore[arg-type]


def test_parse_periods_rejects_bad_errors_option() -> None:
    with pytest.raises(PeriodError, match="ignore"):
        parse_periods(["FY2024"], errors="ignore")  # type: ignore[arg-type]


@given(
    st.lists(
        st.sampled_from(
            ["FY2024", "令和6年度", "2024Q1", "2024-06", "bad", "", "2024-13", "R0年度", "2024"]
        ),
        max_size=30,
    )
)
def test_parse_periods_matches_scalar_parsing(values: list[str]) -> None:
    arr = parse_periods(values, errors="coerce")
    for i, v in enumerate(values):
        try:
            p: Period | None = parse_period(v)
        except PeriodError:
            p = None
        assert arr[i] == p
        assert bool(arr.valid[i]) is (p is not None)
        assert arr.label[i] == (None if p is None else p.label)


# --- assign_periods -----------------------------------------------------------------------


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    total = year * 12 + month - 1 + n
    return total // 12, total % 12 + 1


def _reference(day: dt.date, frequency: str, fys: int) -> tuple[dt.date, dt.date, str]:
    """Plain-Python reporting period of one day."""
    if frequency == "month":
        sy, sm, months, label = day.year, day.month, 1, f"{day.year:04d}-{day.month:02d}"
    elif frequency == "quarter":
        q = (day.month - 1) // 3 + 1
        sy, sm, months, label = day.year, 3 * q - 2, 3, f"{day.year:04d}Q{q}"
    elif frequency == "year":
        sy, sm, months, label = day.year, 1, 12, f"{day.year:04d}"
    else:
        fy = day.year if day.month >= fys else day.year - 1
        if frequency == "fiscal_year":
            sy, sm, months, label = fy, fys, 12, f"FY{fy:04d}"
        else:
            q = (day.month - fys) % 12 // 3 + 1
            sy, sm = _add_months(fy, fys, 3 * (q - 1))
            months, label = 3, f"FY{fy:04d}Q{q}"
    ey, em = _add_months(sy, sm, months)
    return D(sy, sm, 1), D(ey, em, 1) - dt.timedelta(days=1), label


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(
        st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)), min_size=1, max_size=40
    ),
    frequency=st.sampled_from(FREQUENCIES),
    fys=st.integers(min_value=1, max_value=12),
)
def test_assign_periods_matches_reference(days: list[dt.date], frequency: str, fys: int) -> None:
    arr = assign_periods(np.array(days, dtype="datetime64[D]"), frequency, fiscal_year_start=fys)
    assert arr.valid.all()
    assert arr.kind.tolist() == [frequency] * len(days)
    for i, day in enumerate(days):
        start, end, label = _reference(day, frequency, fys)
        assert arr.start[i].item() == start
        assert arr.end[i].item() == end
        assert arr.label[i] == label
        # the label parses back to the same period
        assert parse_period(label, fiscal_year_start=fys) == Period(start, end)


@pytest.mark.parametrize(
    ("frequency", "labels"),
    [
        ("month", ["2024-03", "2024-04", "2025-03", "1969-12"]),
        ("quarter", ["2024Q1", "2024Q2", "2025Q1", "1969Q4"]),
        ("year", ["2024", "2024", "2025", "1969"]),
        ("fiscal_year", ["FY2023", "FY2024", "FY2024", "FY1969"]),
        ("fiscal_quarter", ["FY2023Q4", "FY2024Q1", "FY2024Q4", "FY1969Q3"]),
    ],
)
def test_assign_periods_each_frequency(frequency: str, labels: list[str]) -> None:
    days = np.array(["2024-03-31", "2024-04-01", "2025-03-31", "1969-12-31"], dtype="datetime64[D]")
    arr = assign_periods(days, frequency)
    assert arr.label.tolist() == labels
    for i, label in enumerate(labels):
        assert arr[i] == parse_period(label)


def test_assign_periods_fiscal_start_july() -> None:
    days = np.array(["2024-06-30", "2024-07-01"], dtype="datetime64[D]")
    assert assign_periods(days, "fiscal_year", fiscal_year_start=7).label.tolist() == [
        "FY2023",
        "FY2024",
    ]


def test_assign_periods_nat_and_other_inputs() -> None:
    days = np.array(["2024-06-30", "NaT"], dtype="datetime64[ns]")
    arr = assign_periods(days, "month")
    assert arr.valid.tolist() == [True, False]
    assert arr.label.tolist() == ["2024-06", None]
    assert arr.kind.tolist() == ["month", None]
    assert np.isnat(arr.start[1])
    assert np.isnat(arr.end[1])
    series = pd.Series(pd.to_datetime(["2024-06-30", "2024-12-31"]))
    assert assign_periods(series, "quarter").label.tolist() == ["2024Q2", "2024Q4"]
    assert assign_periods(["2024-06-30"], "year").label.tolist() == ["2024"]
    # timezone-aware pandas dates keep their local date
    tokyo = pd.Series(pd.to_datetime(["2024-03-31 23:30"]).tz_localize("Asia/Tokyo"))
    assert assign_periods(tokyo, "fiscal_year").label.tolist() == ["FY2023"]
    assert assign_periods(pd.DatetimeIndex(tokyo), "month").label.tolist() == ["2024-03"]
    assert parse_periods(tokyo).label.tolist() == ["2024-03-31"]
    assert len(assign_periods(np.array([], dtype="datetime64[D]"), "month")) == 0


def test_assign_periods_errors() -> None:
    days = np.array(["2024-06-30"], dtype="datetime64[D]")
    with pytest.raises(PeriodError, match=r"'fiscal_yaer'.*did you mean 'fiscal_year'"):
        assign_periods(days, "fiscal_yaer")
    with pytest.raises(PeriodError, match="needs dates"):
        assign_periods(["not a date"], "month")
    aware = dt.datetime(2024, 3, 31, 23, 30, tzinfo=dt.UTC)
    with pytest.raises(PeriodError, match="needs dates"):
        assign_periods(np.array([aware], dtype=object), "month")
    with pytest.raises(PeriodError, match="1-D"):
        assign_periods(np.array([["2024-06-30"]], dtype="datetime64[D]"), "month")


def test_frequencies_constant() -> None:
    assert FREQUENCIES == ("month", "quarter", "fiscal_quarter", "fiscal_year", "year")
    assert set(FREQUENCIES) <= set(KINDS)
