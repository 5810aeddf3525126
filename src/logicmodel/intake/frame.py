"""The pandas front end of the intake: any dataframe → :class:`Observations` (DESIGN §3 row 3).

Everything is vectorised: periods are parsed once per distinct value, units converted once per
distinct (indicator, unit) pair with one array multiply, problems reported per distinct bad value
with the first rows where it occurs. :func:`prepare_observations` reads as its steps (indicators,
periods, values, kinds, orgs, units, the compact frame, duplicates, formula conflicts,
plausibility); ``logicmodel.observations`` re-exports what other packages use.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import FormatError, short_repr
from logicmodel.intake.columns import (
    as_numbers,
    factorize,
    is_number_column,
    standard_columns,
    text_codes,
    undictionary,
)
from logicmodel.intake.distinct import (
    bad_values,
    indicator_positions,
    kind_codes,
    parsed_periods,
    unit_factors,
)
from logicmodel.intake.messages import (
    PERCENT_OUTSIDE,
    RowReporter,
    missing_columns,
    numeric_org_codes,
)
from logicmodel.intake.result import (
    KIND_VALUES,
    Observations,
    PeriodTable,
    empty_observations,
)
from logicmodel.intake.rules import (
    duplicate_issues,
    formula_conflicts,
    org_code_issues,
    plausibility_issues,
)
from logicmodel.issues import Issue

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = ["observation_issues", "prepare_observations", "require_frame", "to_pandas"]


def to_pandas(observations: Any) -> pd.DataFrame:
    """Any frame narwhals accepts (pandas, polars eager/lazy, pyarrow, duckdb, pyspark, dask) as pandas.

    A pandas frame is used as it is (never modified).
    """
    if isinstance(observations, pd.DataFrame):
        return observations
    frame = _narwhals(observations)
    import narwhals.stable.v2 as nw

    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    out: pd.DataFrame = frame.to_pandas()
    return out


def _narwhals(observations: Any) -> Any:
    try:
        import narwhals.stable.v2 as nw

        return nw.from_native(observations)
    except TypeError:
        raise FormatError(
            f"observations must be a dataframe (pandas, polars, pyarrow, duckdb, pyspark, dask); "
            f"got {type(observations).__name__}"
        ) from None


class _Columns:
    """The input's columns one at a time as pandas Series, without converting the whole frame.

    pandas frames are used as they are. Other in-process frames (polars, pyarrow, duckdb …) are
    collected once to Arrow and each column is handed over as an Arrow-backed Series and then
    released (:meth:`release`), so the intake never holds a pandas copy of the whole input.
    """

    def __init__(self, observations: Any) -> None:
        self._pandas: pd.DataFrame | None = None
        self._arrow: dict[str, Any] = {}
        self._polars = False
        if isinstance(observations, pd.DataFrame):
            self._pandas = observations
            self.names: list[Any] = list(observations.columns)
            self.n = len(observations)
            return
        import narwhals.stable.v2 as nw

        frame = _narwhals(observations)
        impl = frame.implementation
        if isinstance(frame, nw.LazyFrame):
            if impl.is_polars() or impl.is_duckdb():
                frame = frame.collect(backend="pyarrow" if impl.is_duckdb() else None)
            else:  # dask, Spark … that were not pushed down: through pandas
                self._pandas = to_pandas(observations)
                self.names = list(self._pandas.columns)
                self.n = len(self._pandas)
                return
        if frame.implementation.is_pandas_like():
            self._pandas = frame.to_pandas()
            self.names = list(self._pandas.columns)
            self.n = len(self._pandas)
            return
        self.names = list(frame.columns)
        self.n = len(frame)
        self._polars = frame.implementation.is_polars()
        self._arrow = {c: frame.get_column(c) for c in self.names}

    def __getitem__(self, name: Any) -> pd.Series:
        """The column as a pandas Series (Arrow string views become large strings)."""
        series = self.text(name)
        array = series.array
        if isinstance(array, pd.arrays.ArrowExtensionArray):
            import pyarrow as pa

            chunked = array.__arrow_array__()
            if pa.types.is_string_view(chunked.type):
                return pd.Series(
                    pd.arrays.ArrowExtensionArray(chunked.cast(pa.large_string())), copy=False
                )
        return series

    def text(self, name: Any) -> pd.Series:
        """The column for :func:`factorize`: polars strings stay Arrow string views (no copy)."""
        if self._pandas is not None:
            series: pd.Series = self._pandas[name]
            if series.dtype == object or series.dtype.kind == "c":
                _scalar_cells(series, name)
            return series
        if self._polars:
            import polars as pl

            native = self._arrow[name].to_native()
            column = native.to_arrow(compat_level=pl.CompatLevel.newest())
        else:
            column = self._arrow[name].to_arrow()
        import pyarrow as pa

        if pa.types.is_nested(column.type):
            raise FormatError(
                f"column holds {column.type} values; each cell must be one number, text or date",
                column=str(name),
            )
        out: pd.Series = pd.Series(pd.arrays.ArrowExtensionArray(undictionary(column)), copy=False)
        return out

    def release(self, name: Any) -> None:
        """Drop this object's reference to a column that is no longer needed."""
        self._arrow.pop(name, None)


_SCALAR_KINDS = frozenset(
    {"string", "empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean",
     "date", "datetime", "datetime64", "period"}
)  # fmt: skip


def _scalar_cells(series: pd.Series, name: Any) -> None:
    """Refuse an object column holding lists, dicts, bytes, complex numbers or other objects.

    ``infer_dtype`` looks at the column in C; only a column of mixed kinds (text and numbers, as
    spreadsheets give) is looked at cell by cell, to name the first bad row.
    """
    import datetime as dt
    import numbers

    kind = "complex" if series.dtype.kind == "c" else pd.api.types.infer_dtype(series, skipna=True)
    if kind in _SCALAR_KINDS:
        return
    ok_types = (str, numbers.Real, dt.date, dt.datetime, np.datetime64)
    bad = series.map(lambda v: v is not None and v is not pd.NA and not isinstance(v, ok_types))
    hits = np.flatnonzero(bad.to_numpy(dtype=bool))
    if kind == "complex":
        hits = np.arange(1)
    if len(hits) == 0:
        return
    row = int(hits[0]) if len(hits) else 0
    cell = series.iat[row]
    raise FormatError(
        f"row {row} holds a {type(cell).__name__} value ({short_repr(cell, 40)}); each cell must "
        "be one number, text or date",
        row=row,
        column=str(name)[:64],
    )


def require_frame(observations: Any, who: str) -> None:
    """Refuse what cannot be an observations table (a path, a number, a list) with a clear error.

    Examples
    --------
    >>> require_frame("obs.csv", "evaluate")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: evaluate(): observations must be a table (a pandas, polars, duckdb or Spark DataFrame), got str; read a file with lm.read_observations(path)
    """
    import os

    if isinstance(observations, str | bytes | os.PathLike | int | float | list | tuple | set):
        raise FormatError(
            f"{who}(): observations must be a table (a pandas, polars, duckdb or Spark "
            f"DataFrame), got {type(observations).__name__}; read a file with "
            "lm.read_observations(path)"
        )


def prepare_observations(model: LogicModel, observations: Any) -> Observations:
    """Validate and normalise observations for ``model`` (see the module docstring).

    Problems become :class:`~logicmodel.Issue` s (LM301–LM310) with rows; rows with errors are
    dropped from the clean frame, so callers decide whether to stop (``evaluate`` does).

    Every column becomes integer codes into a small table of its distinct values; problems are
    found once per distinct value and reported with the rows where it occurs.
    """
    raw = _Columns(observations)
    cols = standard_columns(raw.names)
    ids = tuple(i.id for i in model.indicators)
    missing = _missing_columns(raw, cols)
    if missing is not None:
        return Observations(empty_observations(), (missing,), "org" in cols, ids)
    rows, from_file = _source_rows(raw, cols)
    rep = _Reporter(rows, from_file, [])
    ind_pos = _indicator_positions(model, raw, cols, rep)
    pcode, periods = _period_codes(model, raw, cols, rep)
    values = _values(raw, cols, rep)
    kind_code = _kind_codes(raw, cols, rep)
    ok = (ind_pos >= 0) & (pcode >= 0) & ~np.isnan(values) & (kind_code >= 0)
    orgs = _org_codes(raw, cols, rep)
    if orgs is None:
        return Observations(empty_observations(), tuple(rep.issues), True, ids)
    ok &= ~_convert_units(model, raw, cols, ind_pos, values, rep)
    _percent_range(model, ind_pos, values, ok, cols, rep)
    org_code, org_distinct = orgs
    clean = _compact(ok, ind_pos, org_code, pcode, values, kind_code, rows)
    del ind_pos, org_code, pcode, values, kind_code, ok
    prepared = Observations(clean, (), "org" in cols, ids, org_distinct, periods)
    prepared = _without_duplicates(prepared, rep)
    rep.issues.extend(formula_conflicts(model, prepared))
    rep.issues.extend(plausibility_issues(model, prepared, from_file))
    return dataclasses.replace(prepared, issues=tuple(rep.issues), from_file=from_file)


_Reporter = RowReporter
"""The pandas intake reports problems at rows (or file lines)."""


def _missing_columns(raw: _Columns, cols: dict[str, Any]) -> Issue | None:
    """LM308 when a required column is missing, naming the columns the frame has."""
    return missing_columns(raw.names, cols)


def _source_rows(raw: _Columns, cols: dict[str, Any]) -> tuple[np.ndarray, bool]:
    """Row numbers for messages: the file lines a reader recorded, else 0-based positions."""
    if "source_row" not in cols:
        n = raw.n
        return np.arange(n, dtype=np.int32 if n < 2**31 else np.int64), False
    rows = (
        pd.to_numeric(raw[cols["source_row"]], errors="coerce").fillna(-1).to_numpy(dtype="int64")
    )
    raw.release(cols["source_row"])
    return rows, True


def _indicator_positions(
    model: LogicModel, raw: _Columns, cols: dict[str, Any], rep: _Reporter
) -> np.ndarray:
    """Position in ``model.indicators`` per row, -1 when unknown or empty (LM301)."""
    ind_codes, ind_uniques = text_codes(raw.text(cols["indicator"]))
    raw.release(cols["indicator"])
    return indicator_positions(model, ind_codes, ind_uniques, cols["indicator"], rep)


def _period_codes(
    model: LogicModel, raw: _Columns, cols: dict[str, Any], rep: _Reporter
) -> tuple[np.ndarray, PeriodTable]:
    """Period codes per row (-1 when no period: LM302) and their table.

    The column is factorised in its own storage (Arrow strings stay Arrow) and the distinct
    values parsed only: no Python object per row.
    """
    period_raw, period_uniques = factorize(raw.text(cols["period"]))
    raw.release(cols["period"])
    fys = model.fiscal_year_start
    parsed = parsed_periods(period_raw, period_uniques, fys, cols["period"], rep)
    periods = PeriodTable()
    period_table = np.full(len(period_uniques) + 1, -1, dtype=np.int32)
    valid = np.flatnonzero(parsed.valid)
    period_table[valid] = periods.add(parsed.start[valid], parsed.end[valid], parsed.label[valid])
    pcode: np.ndarray = period_table[period_raw]
    return pcode, periods


def _values(raw: _Columns, cols: dict[str, Any], rep: _Reporter) -> np.ndarray:
    """float64 values, NaN when blank (missing data) or not a number (LM303)."""
    value_column = raw[cols["value"]]
    values, bad_value = as_numbers(value_column)
    if bad_value.any():
        vcodes, vuniq = pd.factorize(value_column.where(bad_value), use_na_sentinel=True)
        bad_values(vcodes, vuniq, cols["value"], rep)
    del value_column
    raw.release(cols["value"])
    return values


def _kind_codes(raw: _Columns, cols: dict[str, Any], rep: _Reporter) -> np.ndarray:
    """Codes into KIND_VALUES (blank → actual; -1 for an unknown kind: LM310), mapped once per
    distinct spelling."""
    if "kind" not in cols:
        return np.zeros(raw.n, dtype=np.int8)
    kcodes, kdistinct = text_codes(raw.text(cols["kind"]))
    raw.release(cols["kind"])
    return kind_codes(kcodes, kdistinct, cols["kind"], rep)


def _org_codes(
    raw: _Columns, cols: dict[str, Any], rep: _Reporter
) -> tuple[np.ndarray, np.ndarray] | None:
    """Org codes per row (-1 without an org) and the distinct org texts; ``None`` (after LM309)
    when the column holds numbers."""
    if "org" not in cols:
        return np.full(raw.n, -1, dtype=np.int32), np.zeros(0, dtype=object)
    org_series = raw.text(cols["org"])
    if is_number_column(org_series):
        rep.issues.append(numeric_org_codes(cols["org"]))
        return None
    codes = text_codes(org_series)
    del org_series
    raw.release(cols["org"])
    return codes


def _convert_units(
    model: LogicModel,
    raw: _Columns,
    cols: dict[str, Any],
    ind_pos: np.ndarray,
    values: np.ndarray,
    rep: _Reporter,
) -> np.ndarray:
    """Scale ``values`` (in place) to each indicator's unit, once per distinct (indicator, unit)
    pair; the mask of rows whose unit does not convert (LM306)."""
    if "unit" not in cols:
        return np.zeros(len(values), dtype=bool)
    ucodes, uuniq = text_codes(raw.text(cols["unit"]))
    raw.release(cols["unit"])
    factors, bad = unit_factors(model, ind_pos, ucodes, uuniq, cols["unit"], rep)
    del ucodes
    values *= factors
    return bad


def _percent_range(
    model: LogicModel,
    ind_pos: np.ndarray,
    values: np.ndarray,
    ok: np.ndarray,
    cols: dict[str, Any],
    rep: _Reporter,
) -> None:
    """LM305 (a warning) for percentages outside 0–100."""
    pct = np.array([i.unit == "%" for i in model.indicators] + [False])
    if not pct.any():
        return
    out_of_range = pct[ind_pos] & ok & ((values < 0) | (values > 100))
    if out_of_range.any():
        rep.report("LM305", "warning", out_of_range, "values", PERCENT_OUTSIDE, cols["value"])


def _compact(
    ok: np.ndarray,
    ind_pos: np.ndarray,
    org_code: np.ndarray,
    pcode: np.ndarray,
    values: np.ndarray,
    kind_code: np.ndarray,
    rows: np.ndarray,
) -> pd.DataFrame:
    """The compact frame of the rows without errors: integer codes and values only (readable
    form: :meth:`Observations.table`)."""
    if not ok.all():
        keep = np.flatnonzero(ok)
        ind_pos, org_code, pcode = ind_pos[keep], org_code[keep], pcode[keep]
        values, kind_code, rows = values[keep], kind_code[keep], rows[keep]
    return pd.DataFrame(
        {
            "ind_code": ind_pos,
            "org_code": org_code,
            "pcode": pcode,
            "value": values,
            "kind_code": kind_code,
            "row": rows,
        },
        copy=False,
    )


def _without_duplicates(prepared: Observations, rep: _Reporter) -> Observations:
    """Rows that repeat an (indicator, org, period, kind) are reported (LM304) and dropped.

    One integer key per row, built in place (int32 when the key space allows): keys that only
    ever increase (a table sorted by indicator, org and period) have no duplicate; otherwise a
    dense key space is counted with one bincount, a sparse one hashed.
    """
    clean, periods = prepared.frame, prepared.periods
    n_org = len(prepared.orgs) + 1
    kind_code = clean["kind_code"].to_numpy()
    kinds_seen = np.array([k for k in range(len(KIND_VALUES)) if (kind_code == k).any()])
    n_kinds = max(len(kinds_seen), 1)
    n_keys = len(prepared.indicators) * n_org * len(periods) * n_kinds
    key_type = np.dtype(np.int32) if n_keys < 2**31 else np.dtype(np.int64)
    # a copy (astype copies), built in place below
    row_key: np.ndarray[Any, np.dtype[np.signedinteger[Any]]] = (
        clean["ind_code"].to_numpy().astype(key_type)
    )
    row_key *= n_org
    row_key += clean["org_code"].to_numpy()
    row_key += 1
    row_key *= len(periods)
    row_key += clean["pcode"].to_numpy()
    if n_kinds > 1:
        kind_rank = np.zeros(len(KIND_VALUES), dtype=row_key.dtype)
        kind_rank[kinds_seen] = np.arange(len(kinds_seen))
        row_key *= n_kinds
        row_key += kind_rank[kind_code]
    if len(row_key) < 2 or bool((row_key[1:] > row_key[:-1]).all()):
        return prepared
    if n_keys <= 2 * len(row_key) + 1024:
        dup = (np.bincount(row_key, minlength=n_keys) > 1)[row_key]
    else:
        dup = pd.Series(row_key, copy=False).duplicated(keep=False).to_numpy()
    if not dup.any():
        return prepared
    rep.issues.extend(duplicate_issues(prepared, row_key, dup, rep.from_file))
    return dataclasses.replace(prepared, frame=clean.loc[~dup].reset_index(drop=True))


"""Unit texts that count things: a value below zero in one of them is a typo (LM320, LM220)."""

"""A period ending more than this many years from today is probably a typo (LM322, LM221)."""


def observation_issues(
    model: LogicModel, observations: Any, hierarchy: Hierarchy | None = None
) -> list[Issue]:
    """Every LM3xx issue of ``observations`` against ``model`` (used by :func:`logicmodel.check`);
    with a ``hierarchy``, org codes are checked against it too (LM309)."""
    prepared = prepare_observations(model, observations)
    return [*prepared.issues, *org_code_issues(prepared, hierarchy)]
