"""Vectorised pieces of the evaluation against plain reference loops: ``group_reduce`` (dense
bincount path and pandas fallback) and the fiscal-year labels of forecast dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logicmodel.evaluation import aggregate
from logicmodel.evaluation.aggregate import group_reduce
from logicmodel.evaluation.tables import fy_labels as _fy_labels
from logicmodel.periods import fiscal_year

RULES = ("sum", "mean", "min", "max", "last")


def _reference(
    key: np.ndarray, values: np.ndarray, rule: str, latest: np.ndarray | None
) -> dict[int, tuple[float, int, int]]:
    """Per key: (value, number of rows, latest row) by a plain loop over the rows."""
    out: dict[int, tuple[float, int, int]] = {}
    groups: dict[int, list[int]] = {}
    for pos, k in enumerate(key.tolist()):
        groups.setdefault(k, []).append(pos)
    for k, rows in groups.items():
        # latest row: highest ``latest``, ties → the later row
        last = max(rows, key=lambda r: (latest[r] if latest is not None else 0, r))
        vals = [float(values[r]) for r in rows]
        value = {
            "sum": sum(vals),
            "mean": sum(vals) / len(vals),
            "min": min(vals),
            "max": max(vals),
            "last": float(values[last]),
        }[rule]
        out[k] = (value, len(rows), last)
    return out


@st.composite
def _cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, str, int, np.ndarray | None]:
    n = draw(st.integers(0, 60))
    n_keys = draw(st.integers(1, 12))
    key = np.array(draw(st.lists(st.integers(0, n_keys - 1), min_size=n, max_size=n)), np.int64)
    values = np.array(
        draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n)), np.float64
    )
    rule = draw(st.sampled_from(RULES))
    latest = draw(st.none() | st.lists(st.integers(-3, 3), min_size=n, max_size=n).map(np.array))
    return key, values, rule, n_keys, None if latest is None else latest.astype(np.int64)


def _check(got: tuple[np.ndarray, ...], want: dict[int, tuple[float, int, int]]) -> None:
    keys, out, counts, rows = got
    assert keys.tolist() == sorted(want)
    for k, v, c, r in zip(keys.tolist(), out.tolist(), counts.tolist(), rows.tolist(), strict=True):
        assert v == pytest.approx(want[k][0], rel=1e-12, abs=1e-6)
        assert (c, r) == want[k][1:]


@settings(max_examples=200, deadline=None)
@given(_cases())
def test_dense_path_equals_a_plain_loop(
    case: tuple[np.ndarray, np.ndarray, str, int, np.ndarray | None],
) -> None:
    key, values, rule, n_keys, latest = case
    _check(group_reduce(key, values, rule, n_keys, latest), _reference(key, values, rule, latest))


@settings(max_examples=100, deadline=None)
@given(_cases())
def test_pandas_path_equals_a_plain_loop(
    case: tuple[np.ndarray, np.ndarray, str, int, np.ndarray | None],
) -> None:
    """A key space too large for dense arrays goes through a pandas groupby: same answers."""
    key, values, rule, n_keys, latest = case
    big = max(4 * len(key), aggregate._DENSE_LIMIT) + 1
    stretched = key * (big // n_keys)  # same groups, spread over a key space of ``big``
    want = _reference(stretched, values, rule, latest)
    _check(group_reduce(stretched, values, rule, big, latest), want)


def test_missing_values_are_skipped_like_pandas() -> None:
    key = np.array([0, 0, 1, 1])
    values = np.array([1.0, np.nan, np.nan, 4.0])
    keys, out, counts, _ = group_reduce(key, values, "mean", 2)
    expected = pd.Series(values).groupby(key).mean()
    assert keys.tolist() == [0, 1]
    assert out.tolist() == expected.tolist() == [1.0, 4.0]
    assert counts.tolist() == [2, 2]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)) | st.none(), max_size=40),
    st.integers(1, 12),
)
def test_forecast_fiscal_year_labels_match_fiscal_year(
    dates: list[dt.date | None], start: int
) -> None:
    """The vectorised FY labels of forecast dates equal ``periods.fiscal_year`` date by date."""
    arr = np.array(
        [np.datetime64("NaT") if d is None else np.datetime64(d, "D") for d in dates],
        dtype="datetime64[D]",
    )
    want = [None if d is None else f"FY{fiscal_year(d, start)}" for d in dates]
    assert _fy_labels(arr, start).tolist() == want


@settings(max_examples=200, deadline=None)
@given(_cases())
def test_sorted_keys_path_equals_a_plain_loop(
    case: tuple[np.ndarray, np.ndarray, str, int, np.ndarray | None],
) -> None:
    """Keys that never decrease (rows sorted by key) are reduced run by run: same answers."""
    key, values, rule, n_keys, latest = case
    order = np.argsort(key, kind="stable")
    key, values = key[order], values[order]
    latest = None if latest is None else latest[order]
    assert aggregate._sorted_reduce(key, values, rule, latest) is not None or len(key) < 2
    _check(group_reduce(key, values, rule, n_keys, latest), _reference(key, values, rule, latest))
