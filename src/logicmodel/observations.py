"""Observation intake: any dataframe → one clean long pandas frame in each indicator's unit.

Row 3 of DESIGN §3 (beside ``graph``): both ``checks`` (for LM3xx issues) and ``evaluate`` use it.
Everything is vectorised: periods are parsed once per distinct value, units converted once per
distinct (indicator, unit) pair with one array multiply, problems reported per distinct bad value
with the first rows where it occurs.

The clean frame has the columns ``indicator, org, period, start, end, value, kind, row``:
``start``/``end`` are the period's first and last day (``datetime64``), ``value`` is float64 in
the indicator's declared unit, ``kind`` ∈ actual|target|baseline and ``row`` the 0-based position
in the input (or the ``source_row`` a reader recorded).

Examples
--------
>>> import pandas as pd, logicmodel as lm
>>> from logicmodel.testing import sample_model
>>> obs = pd.DataFrame({"indicator": ["wait_min", "wait_min"], "period": ["FY2024", "令和6年度"],
...                     "value": ["30", "0.5"], "unit": ["分", "時間"]})
>>> clean = prepare_observations(sample_model(), obs)
>>> [i.code for i in clean.issues]
['LM304']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import FormatError, UnitError, nearest
from logicmodel.issues import Issue, Severity
from logicmodel.periods import parse_periods
from logicmodel.units import conversion_factor

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = [
    "COLUMN_ALIASES",
    "KIND_VALUES",
    "Observations",
    "empty_observations",
    "observation_issues",
    "prepare_observations",
    "to_pandas",
]

KIND_VALUES = ("actual", "target", "baseline")
"""Values of the ``kind`` column (default ``actual``)."""

COLUMN_ALIASES: dict[str, str] = {
    "indicator": "indicator",
    "indicator_id": "indicator",
    "指標": "indicator",
    "指標id": "indicator",
    "period": "period",
    "期間": "period",
    "年度": "period",
    "時点": "period",
    "value": "value",
    "値": "value",
    "実績値": "value",
    "数値": "value",
    "org": "org",
    "団体": "org",
    "団体コード": "org",
    "地方公共団体コード": "org",
    "organisation": "org",
    "organization": "org",
    "unit": "unit",
    "単位": "unit",
    "kind": "kind",
    "種別": "kind",
    "区分": "kind",
    "source_row": "source_row",
}
"""Accepted column names (case-insensitive, NFKC) and the standard column each maps to."""

_KIND_ALIASES = {
    "actual": "actual",
    "actuals": "actual",
    "実績": "actual",
    "実績値": "actual",
    "target": "target",
    "targets": "target",
    "目標": "target",
    "目標値": "target",
    "baseline": "baseline",
    "基準": "baseline",
    "基準値": "baseline",
}
_MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class Observations:
    """Clean observations (``frame``) and every problem found on the way (``issues``)."""

    frame: pd.DataFrame
    issues: tuple[Issue, ...]
    has_org: bool

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Issues with severity ``error``."""
        return tuple(i for i in self.issues if i.severity == "error")


def to_pandas(observations: Any) -> pd.DataFrame:
    """Any frame narwhals accepts (pandas, polars eager/lazy, pyarrow, duckdb, pyspark, dask) as pandas.

    A pandas frame is used as it is (never modified).
    """
    if isinstance(observations, pd.DataFrame):
        return observations
    try:
        import narwhals.stable.v2 as nw

        frame = nw.from_native(observations)
    except TypeError:
        raise FormatError(
            f"observations must be a dataframe (pandas, polars, pyarrow, duckdb, pyspark, dask); "
            f"got {type(observations).__name__}"
        ) from None
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    out: pd.DataFrame = frame.to_pandas()
    return out


def _standard_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Map of standard name → actual column name in ``frame``."""
    out: dict[str, str] = {}
    for col in frame.columns:
        key = unicodedata.normalize("NFKC", str(col)).strip().lower()
        std = COLUMN_ALIASES.get(key)
        if std is not None and std not in out:
            out[std] = col
    return out


def _where_rows(rows: np.ndarray, from_file: bool, total: int) -> str:
    word = "line" if from_file else "row"
    shown = ", ".join(str(int(r)) for r in rows[:5])
    more = f" and {total - 5} more" if total > 5 else ""
    return f"{word}{'s' if total > 1 else ''} {shown}{more}"


@dataclass(frozen=True, slots=True)
class _RowPeriods:
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    valid: np.ndarray


def _broadcast_periods(distinct: Any, codes: np.ndarray) -> _RowPeriods:
    """Per-row period arrays from the parsed distinct values (code -1: missing → invalid)."""

    def extend(values: np.ndarray, fill: Any) -> np.ndarray:
        out = np.empty(len(values) + 1, dtype=values.dtype)
        out[:-1] = values
        out[-1] = fill
        rows: np.ndarray = out[codes]
        return rows

    nat = np.datetime64("NaT", "D")
    return _RowPeriods(
        start=extend(distinct.start, nat),
        end=extend(distinct.end, nat),
        label=extend(distinct.label, None),
        valid=extend(distinct.valid, False),
    )


def _text_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct strings (NFKC, stripped) they point to."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    cleaned = [unicodedata.normalize("NFKC", str(u)).strip() or None for u in uniques]
    merged, distinct = pd.factorize(pd.Series(cleaned, dtype=object), use_na_sentinel=True)
    # spellings that normalise alike share a code; int32 halves the per-row memory of int64 codes
    table = np.append(merged, -1).astype(np.int32)
    return table[codes], np.asarray(distinct, dtype=object)


def _as_text(series: pd.Series) -> np.ndarray:
    """Strings (NFKC, stripped) with ``None`` for missing, per distinct value."""
    codes, distinct = _text_codes(series)
    table = np.empty(len(distinct) + 1, dtype=object)
    table[:-1] = distinct
    table[-1] = None
    out: np.ndarray = table[codes]
    return out


def _as_numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """float64 values and a mask of non-blank values that are not numbers."""
    if pd.api.types.is_bool_dtype(series):
        values = np.full(len(series), np.nan)
        return values, np.ones(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan).copy()
        bad = ~np.isfinite(values) & ~np.isnan(values)
        values[bad] = np.nan
        return values, bad
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = np.empty(len(uniques) + 1, dtype="float64")
    bad_u = np.zeros(len(uniques) + 1, dtype=bool)
    for k, u in enumerate(uniques):
        if isinstance(u, int | float | np.integer | np.floating) and not isinstance(u, bool):
            parsed[k] = float(u)
            bad_u[k] = not np.isfinite(parsed[k]) and not np.isnan(parsed[k])
            continue
        text = unicodedata.normalize("NFKC", str(u)).strip().replace(",", "").replace("_", "")
        if text in ("", "-", "―", "—", "nan", "NaN", "NA", "N/A"):
            parsed[k] = np.nan
            continue
        try:
            parsed[k] = float(text)
            if not np.isfinite(parsed[k]):
                raise ValueError(text)
        except ValueError:
            parsed[k] = np.nan
            bad_u[k] = True
    parsed[-1] = np.nan
    bad_u[-1] = False
    return parsed[codes], bad_u[codes]


def prepare_observations(model: LogicModel, observations: Any) -> Observations:
    """Validate and normalise observations for ``model`` (see the module docstring).

    Problems become :class:`~logicmodel.Issue` s (LM301–LM310) with rows; rows with errors are
    dropped from the clean frame, so callers decide whether to stop (``evaluate`` does).
    """
    raw = to_pandas(observations)
    cols = _standard_columns(raw)
    issues: list[Issue] = []
    missing = [c for c in ("indicator", "period", "value") if c not in cols]
    if missing:
        have = ", ".join(repr(str(c)) for c in raw.columns) or "none"
        issues.append(
            Issue(
                "LM308",
                "error",
                "observations",
                f"missing required column(s) {', '.join(missing)}; columns in the frame: {have}",
                message_ja=f"必須の列がありません: {', '.join(missing)}（現在の列: {have}）",
                column=missing[0],
            )
        )
        return Observations(empty_observations(), tuple(issues), "org" in cols)

    n = len(raw)
    from_file = "source_row" in cols
    if from_file:
        rows = (
            pd.to_numeric(raw[cols["source_row"]], errors="coerce")
            .fillna(-1)
            .to_numpy(dtype="int64")
        )
    else:
        rows = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    ok = np.ones(n, dtype=bool)

    def report(
        code: str,
        severity: Severity,
        mask: np.ndarray,
        what: str,
        message: str,
        message_ja: str,
        column: str | None,
        ids: Sequence[str] = (),
    ) -> None:
        hit = rows[mask]
        issues.append(
            Issue(
                code,
                severity,
                f"observations {_where_rows(hit, from_file, int(mask.sum()))}",
                f"{what}: {message}",
                message_ja=f"{what}: {message_ja}",
                row=int(hit[0]) if len(hit) else None,
                column=column,
                ids=tuple(ids),
            )
        )

    # indicators -------------------------------------------------------------------------------
    ind_codes, ind_uniques = _text_codes(raw[cols["indicator"]])  # once per distinct value
    ind_table = np.empty(len(ind_uniques) + 1, dtype=object)
    ind_table[:-1] = ind_uniques
    ind = ind_table[ind_codes]
    known = {i.id: i for i in model.indicators}
    position = {i.id: k for k, i in enumerate(model.indicators)}
    ind_pos = np.array([position.get(u, -1) for u in ind_uniques] + [-1], dtype=np.int32)[ind_codes]
    for k, name in enumerate(ind_uniques):
        if name not in known:
            mask = ind_codes == k
            hint = ", ".join(repr(x) for x in nearest(str(name), known)) or "none defined"
            report(
                "LM301",
                "error",
                mask,
                f"indicator {name!r}",
                f"unknown indicator; nearest known ids: {hint}",
                f"未定義の指標です（近い指標: {hint}）",
                cols["indicator"],
                (str(name),),
            )
            ok &= ~mask
    if (ind_codes < 0).any():
        mask = ind_codes < 0
        report(
            "LM301",
            "error",
            mask,
            "indicator",
            "empty indicator id",
            "指標IDが空です",
            cols["indicator"],
        )
        ok &= ~mask

    # periods ----------------------------------------------------------------------------------
    # factorise the column in its own storage (Arrow strings stay Arrow) and parse the distinct
    # values only: no Python object per row
    period_codes, period_uniques = pd.factorize(raw[cols["period"]], use_na_sentinel=True)
    period_codes = period_codes.astype(np.int32)
    parr = _broadcast_periods(
        parse_periods(
            np.asarray(period_uniques, dtype=object),
            fiscal_year_start=model.fiscal_year_start,
            errors="coerce",
        ),
        period_codes,
    )
    if not parr.valid.all():
        bad = ~parr.valid
        pcodes, puniq = pd.factorize(raw[cols["period"]].where(bad), use_na_sentinel=True)
        for k, text in enumerate(puniq):
            mask = pcodes == k
            report(
                "LM302",
                "error",
                mask,
                f"period {text!r}",
                "not a period; use e.g. 2024-06, 2024Q1, FY2024, 2024年度, 令和6年度",
                "期間として読めません（例: 2024-06, FY2024, 2024年度, 令和6年度）",
                cols["period"],
            )
        blank = bad & (pcodes < 0)
        if blank.any():
            report(
                "LM302", "error", blank, "period", "empty period", "期間が空です", cols["period"]
            )
        ok &= ~bad

    # values -----------------------------------------------------------------------------------
    values, bad_value = _as_numbers(raw[cols["value"]])
    if bad_value.any():
        vcodes, vuniq = pd.factorize(raw[cols["value"]].where(bad_value), use_na_sentinel=True)
        for k, text in enumerate(vuniq):
            mask = vcodes == k
            report(
                "LM303",
                "error",
                mask,
                f"value {text!r}",
                "not a number",
                "数値ではありません",
                cols["value"],
            )
        ok &= ~bad_value
    ok &= ~np.isnan(values) | bad_value  # blank values are missing data, not errors
    ok &= ~np.isnan(values)

    # kinds ------------------------------------------------------------------------------------
    # kinds as codes into KIND_VALUES (blank → actual), mapped once per distinct spelling
    if "kind" in cols:
        kcodes, kdistinct = _text_codes(raw[cols["kind"]])
        canonical = [_KIND_ALIASES.get(str(t).lower()) for t in kdistinct]
        table = np.array(
            [KIND_VALUES.index(c) if c is not None else -1 for c in canonical] + [0], dtype=np.int8
        )
        kind_code = table[kcodes]
        for k, (text, c) in enumerate(zip(kdistinct, canonical, strict=True)):
            if c is None:
                report(
                    "LM310",
                    "error",
                    kcodes == k,
                    f"kind {text!r}",
                    "must be actual, target or baseline",
                    "actual, target, baseline のいずれかにしてください",
                    cols["kind"],
                )
        ok &= kind_code >= 0
    else:
        kind_code = np.zeros(n, dtype=np.int8)

    # orgs -------------------------------------------------------------------------------------
    has_org = "org" in cols
    if has_org:
        org_series = raw[cols["org"]]
        if pd.api.types.is_integer_dtype(org_series) or pd.api.types.is_float_dtype(org_series):
            issues.append(
                Issue(
                    "LM309",
                    "error",
                    f"observations column {cols['org']!r}",
                    "organisation codes are numbers, so leading zeros are lost (01100 became 1100); "
                    "read the column as text, e.g. pd.read_csv(..., dtype={'org': str}) or lm.read_observations()",
                    message_ja="団体コードが数値になっており先頭の0が失われています。文字列として読み込んでください"
                    "（例: dtype={'org': str}）",
                    column=str(cols["org"]),
                )
            )
            return Observations(empty_observations(), tuple(issues), True)
        org_code, org_distinct = _text_codes(org_series)
        org_table = np.empty(len(org_distinct) + 1, dtype=object)
        org_table[:-1] = org_distinct
        org = org_table[org_code]
    else:
        org_code = np.full(n, -1, dtype=np.int64)
        org = np.full(n, None, dtype=object)

    # units ------------------------------------------------------------------------------------
    if "unit" in cols:
        utext = _as_text(raw[cols["unit"]])
        icodes, iuniq = pd.factorize(pd.Series(ind, dtype=object), use_na_sentinel=True)
        ucodes, uuniq = pd.factorize(pd.Series(utext, dtype=object), use_na_sentinel=True)
        pair = (icodes.astype(np.int64) + 1) * (len(uuniq) + 1) + (ucodes.astype(np.int64) + 1)
        upairs, kcodes = np.unique(pair, return_inverse=True)
        factors = np.ones(len(upairs))
        for k, code in enumerate(upairs):
            i_k, u_k = divmod(int(code), len(uuniq) + 1)
            if i_k == 0 or u_k == 0:
                continue
            name, unit = str(iuniq[i_k - 1]), str(uuniq[u_k - 1])
            target_unit = known[name].unit if name in known else None
            if target_unit is None:
                continue
            try:
                factors[k] = conversion_factor(unit, target_unit)
            except UnitError as err:
                mask = kcodes == k
                report(
                    "LM306",
                    "error",
                    mask,
                    f"unit {unit!r} of indicator {name!r}",
                    f"cannot be converted to {target_unit!r}: {err}",
                    f"指標の単位 {target_unit!r} に換算できません",
                    cols["unit"],
                    (name,),
                )
                ok &= ~mask
                factors[k] = np.nan
        values = values * factors[kcodes]

    # % range ----------------------------------------------------------------------------------
    pct = np.array([known[x].unit == "%" if x in known else False for x in ind_uniques] + [False])[
        ind_codes
    ]
    out_of_range = pct & ok & ((values < 0) | (values > 100))
    if out_of_range.any():
        report(
            "LM305",
            "warning",
            out_of_range,
            "values",
            "percentage outside 0–100",
            "割合が0〜100の範囲外です",
            cols["value"],
        )

    # text columns stay numpy object arrays: the pipeline works on them with numpy, and a
    # round trip through Arrow strings would cost more than the rest of the intake. When every
    # row is kept (the usual case) the arrays are used as they are, without a filtered copy.
    def kept(a: np.ndarray) -> np.ndarray:
        return a if all_ok else a[ok]

    all_ok = bool(ok.all())
    # duplicates: one int64 key per row (indicator, org, period, kind) — hashing one integer
    # column is several times faster than a five-column duplicate check
    start_days = kept(parr.start).astype(np.int64)
    period_key, period_distinct = pd.factorize(
        (start_days - start_days.min(initial=0)) * 100_000
        + (kept(parr.end).astype(np.int64) - start_days)
    )
    del start_days
    org_key = kept(org_code).astype(np.int64) + 1
    row_key = (
        (kept(ind_codes).astype(np.int64) * (int(org_key.max(initial=0)) + 1) + org_key)
        * (len(period_distinct) + 1)
        + period_key
    ) * 3 + kept(kind_code)
    del org_key, period_key
    clean = pd.DataFrame(
        {
            "indicator": pd.Series(kept(ind), dtype=object),
            "org": pd.Series(kept(org), dtype=object),
            "period": pd.Series(kept(parr.label), dtype=object),
            "start": kept(parr.start),
            "end": kept(parr.end),
            "value": kept(values),
            "kind": pd.Categorical.from_codes(
                np.maximum(kept(kind_code), 0), categories=pd.Index(list(KIND_VALUES))
            ),
            "row": kept(rows),
            "org_code": kept(org_code),
            "ind_code": kept(ind_pos),  # position in model.indicators
        }
    )
    del ind, org, parr, values

    # duplicates -------------------------------------------------------------------------------
    keys = ["indicator", "org", "start", "end", "kind"]
    dup = pd.Series(row_key).duplicated(keep=False).to_numpy()
    if dup.any():
        groups = clean.loc[dup].groupby(keys, dropna=False, sort=False)["row"]
        for count, ((name, dup_org, _s, _e, kind), grp) in enumerate(groups):
            if count == _MAX_LISTED:
                issues.append(
                    Issue(
                        "LM304",
                        "error",
                        "observations",
                        "more duplicated groups not listed",
                        message_ja="ほかにも重複があります",
                    )
                )
                break
            where = f" org {dup_org!r}" if dup_org is not None else ""
            hit = grp.to_numpy()
            issues.append(
                Issue(
                    "LM304",
                    "error",
                    f"observations {_where_rows(hit, from_file, len(hit))}",
                    f"indicator {name!r}{where} period {clean.loc[grp.index[0], 'period']!r} kind {kind!r}: "
                    f"{len(hit)} rows for one (indicator, org, period, kind)",
                    message_ja=f"指標 {name!r}{where} の同じ期間・種別の行が{len(hit)}行あります",
                    row=int(hit[0]),
                    ids=(str(name),),
                )
            )
        clean = clean.loc[~dup].reset_index(drop=True)

    issues.extend(_formula_conflicts(model, clean))
    return Observations(clean, tuple(issues), has_org)


def _formula_conflicts(model: LogicModel, clean: pd.DataFrame) -> list[Issue]:
    """LM307: observed values of a formula indicator that disagree with its components."""
    out: list[Issue] = []
    formulas = [i for i in model.indicators if i.formula and (clean["indicator"] == i.id).any()]
    if not formulas:
        return out
    from logicmodel.formula import parse_formula

    actual = clean[clean["kind"] == "actual"]
    for ind in formulas:
        names = ind.components
        part = actual[actual["indicator"].isin([ind.id, *names])]
        if part.empty:
            continue
        wide = part.pivot_table(
            index=["org", "start", "end"],
            columns="indicator",
            values="value",
            aggfunc="first",
            dropna=False,
        )
        if ind.id not in wide or any(nm not in wide for nm in names):
            continue
        wide = wide.dropna(subset=[ind.id, *names])
        if wide.empty:
            continue
        computed = parse_formula(ind.formula).evaluate({nm: wide[nm].to_numpy() for nm in names})  # type: ignore[arg-type]
        observed = wide[ind.id].to_numpy()
        off = ~np.isclose(observed, computed, rtol=1e-6, atol=1e-9, equal_nan=True)
        if off.any():
            k = int(np.argmax(off))
            out.append(
                Issue(
                    "LM307",
                    "warning",
                    f"indicator {ind.id!r}",
                    f"{int(off.sum())} observed value(s) disagree with the formula {ind.formula!r}; e.g. at "
                    f"{wide.index[k][1].date()}–{wide.index[k][2].date()}: observed {observed[k]:g}, formula gives "
                    f"{computed[k]:g}; the formula's value is used",
                    message_ja=f"観測値が計算式 {ind.formula!r} の結果と一致しません（{int(off.sum())}件）。計算式の値を使います",
                    ids=(ind.id,),
                )
            )
    return out


def empty_observations() -> pd.DataFrame:
    """A clean observations frame with no rows (the columns and dtypes of the intake's output)."""
    return pd.DataFrame(
        {
            "indicator": pd.Series([], dtype=object),
            "org": pd.Series([], dtype=object),
            "period": pd.Series([], dtype=object),
            "start": pd.Series([], dtype="datetime64[s]"),
            "end": pd.Series([], dtype="datetime64[s]"),
            "value": pd.Series([], dtype="float64"),
            "kind": pd.Series([], dtype=object),
            "row": pd.Series([], dtype="int64"),
        }
    )


def observation_issues(model: LogicModel, observations: Any) -> list[Issue]:
    """Every LM3xx issue of ``observations`` against ``model`` (used by :func:`logicmodel.check`)."""
    return list(prepare_observations(model, observations).issues)
