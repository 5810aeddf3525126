"""Push heavy grouping down to the dataframe engine (polars, duckdb, pyarrow, PySpark, dask).

:func:`pushdown` turns observations held by an engine into a small pandas frame in the intake's
input format (``indicator, org, period, value, kind``; values already in each indicator's unit)
that :func:`logicmodel.observations.prepare_observations` and the pandas pipeline of
:func:`logicmodel.evaluation` then take unchanged. Written once over ``narwhals.stable.v2``:

1. columns are resolved like the intake does (same aliases);
2. the distinct (indicator, period, kind, unit) combinations are collected (small) and checked in
   Python: unknown indicators (LM301), periods that are not periods (LM302), kinds (LM310), units
   (LM306); periods are parsed once per distinct text and mapped to each indicator's reporting
   period; the mapping is shipped to the engine as a small table and joined;
3. values that are not plain numbers are collected per distinct text and parsed like the intake
   (``1,234`` is a number, ``abc`` is LM303);
4. duplicates (more than one row per indicator, org, observed period and kind, LM304) are found
   with one grouping whose result (only the duplicated groups) is collected;
5. actual rows are grouped by (indicator, org, kind, reporting period) with the indicator's time
   rule (sum, mean, min, max natively; ``last`` is the value at the latest observed end, found by
   joining the per-group maximum back) and only that cube is collected.

Aggregating an indicator's rows to its reporting period once more with the same rule gives the
same rows (sum, last, mean, min or max of one row), so the pandas pipeline computes the same
progress from the cube as from every row. An indicator needed at more than one frequency (a
component of a formula indicator with another frequency) keeps its observed periods.

Row numbers do not exist in an engine frame: issues found here have ``row=None`` and say which
value or group is wrong and how many rows have it.

Examples
--------
>>> import polars as pl
>>> from logicmodel.testing import sample_model
>>> obs = pl.DataFrame({"indicator": ["trained_n"] * 3, "period": ["2024-04", "2025-03", "2025-04"],
...                     "value": ["30", "1.2", "x"], "unit": ["人", "千人", "人"]})
>>> pushed = pushdown(sample_model(), obs.lazy())
>>> pushed.frame
   indicator  period   value    kind
0  trained_n  FY2024  1230.0  actual
>>> [(i.code, i.row) for i in pushed.issues]
[('LM303', None)]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import UnitError, nearest
from logicmodel.evaluation.aggregate import effective_frequency
from logicmodel.evaluation.timing import latest_end_of_finest
from logicmodel.intake.columns import as_numbers, as_text, standard_columns
from logicmodel.intake.values import KIND_ALIASES
from logicmodel.issues import Issue
from logicmodel.observations import Observations, prepare_observations
from logicmodel.periods import EPOCH as _EPOCH
from logicmodel.periods import assign_periods, epoch_days, parse_period, parse_periods
from logicmodel.units import conversion_factor

if TYPE_CHECKING:
    from logicmodel.model import Indicator, LogicModel

__all__ = [
    "Pushdown",
    "is_engine_frame",
    "pushdown",
    "worth_pushing_down",
]

_PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
_MAX_ODD_VALUES = 100_000
"""Distinct non-plain value texts collected at most; beyond that the frame is not pushed down."""
_MAX_LISTED = 20
_WHERE = "observations (engine frame)"
_RULES = ("sum", "mean", "min", "max")


@dataclass(frozen=True, slots=True)
class Pushdown:
    """The result of :func:`pushdown`.

    Attributes
    ----------
    frame
        Small pandas frame in the intake's input format: ``indicator, period, value, kind`` and
        ``org`` when the input has one; values in each indicator's unit (no ``unit`` column).
    issues
        LM3xx issues found in the engine (``row`` is ``None``: engine frames have no row numbers).
    rows_in
        Number of rows in the engine frame.
    last_actual_end
        The default ``as_of``: the latest observed period end of the finest frequency among
        actual rows (the cube's reporting periods may end later than the data does, e.g. a fiscal
        year summed from months up to January).
    last_observed_end
        The latest observed period end of any actual row: a given ``as_of`` before it falls
        inside the cube's periods, so :func:`~logicmodel.evaluate` then reads the rows itself.
    """

    frame: pd.DataFrame
    issues: tuple[Issue, ...]
    rows_in: int
    last_actual_end: dt.date | None
    last_observed_end: dt.date | None = None

    def prepare(self, model: LogicModel) -> Observations:
        """The cube through :func:`~logicmodel.observations.prepare_observations`, with the
        engine's issues first.

        LM305 (percentages outside 0–100) is judged here on the engine's rows, so the intake's
        LM305 on aggregated cube rows is left out.
        """
        prepared = prepare_observations(model, self.frame)
        later = tuple(i for i in prepared.issues if i.code != "LM305" or not _is_cube(self.frame))
        return dataclasses.replace(prepared, issues=self.issues + later)


def _is_cube(frame: pd.DataFrame) -> bool:
    return "value" in frame.columns and "unit" not in frame.columns


def is_engine_frame(observations: Any) -> bool:
    """Whether :func:`pushdown` handles ``observations``: any frame narwhals accepts except pandas.

    Examples
    --------
    >>> import pandas as pd, polars as pl
    >>> is_engine_frame(pd.DataFrame({"a": [1]})), is_engine_frame(pl.LazyFrame({"a": [1]}))
    (False, True)
    """
    import narwhals.stable.v2 as nw

    if isinstance(observations, pd.DataFrame):
        return False
    try:
        frame = nw.from_native(observations)
    except TypeError:
        return False
    impl = frame.implementation
    return not (impl.is_pandas_like()) and _small_table_maker(frame) is not None


def worth_pushing_down(observations: Any) -> bool:
    """Whether :func:`logicmodel.evaluate` should push work into the engine rather than collect.

    Pushing down pays where collecting every row is the expensive part: distributed engines
    (PySpark, Spark Connect, dask, ibis/sqlframe back ends). For in-process engines (polars,
    duckdb, pyarrow) collecting the frame through Arrow and running the pandas pipeline measured
    faster on one machine (1.5 M rows: polars 3.1 s collected vs 3.8 s pushed down, duckdb 3.4 s vs
    4.8 s), so those are collected.

    Examples
    --------
    >>> import polars as pl
    >>> worth_pushing_down(pl.LazyFrame({"a": [1]}))
    False
    """
    import narwhals.stable.v2 as nw

    if not is_engine_frame(observations):
        return False
    implementation = nw.from_native(observations).implementation
    return implementation.name in {"PYSPARK", "PYSPARK_CONNECT", "DASK", "SQLFRAME", "IBIS"}


def pushdown(model: LogicModel, observations: Any) -> Pushdown | None:
    """Validate and pre-aggregate an engine frame in the engine; collect only the cube.

    Parameters
    ----------
    model
        The logic model (indicators, their units, frequencies and time rules).
    observations
        A polars (eager or lazy), pyarrow, duckdb, PySpark or dask frame in the long format of
        :func:`logicmodel.evaluation`.

    Returns
    -------
    Pushdown or None
        ``None`` for pandas frames, objects that are not frames, and backends without a way to
        ship a small table (the caller then collects the frame as it is).

    Notes
    -----
    Per indicator with reporting frequency f and time rule r, actual rows are reduced to one
    row per (org, reporting period of f) with r; target and baseline rows, and indicators without
    a frequency, keep one row per observed period.
    """
    import narwhals.stable.v2 as nw

    if not is_engine_frame(observations):
        return None
    frame = nw.from_native(observations)
    lf = frame.lazy() if isinstance(frame, nw.DataFrame) else frame
    make_small = _small_table_maker(frame)
    if make_small is None:  # pragma: no cover - excluded by is_engine_frame
        return None
    cols = standard_columns(list(lf.columns))
    schema = lf.collect_schema()
    unusable = _unusable(list(lf.columns), cols, schema)
    if unusable is not None:
        return unusable
    keys: list[str] = [k for k in ("indicator", "period", "kind", "unit") if k in cols]
    sel = _standard_selection(nw, lf, keys, cols, schema)
    # distinct combinations, checked in Python
    combos = sel.group_by(*keys).agg(nw.len().alias("n")).collect().to_pandas()
    rows_in = int(combos["n"].sum()) if len(combos) else 0
    issues: list[Issue] = []
    table = _mapping(model, combos, keys, cols, issues)
    sel = _numbers(nw, sel, schema[cols["value"]], cols, make_small, issues)
    if sel is None:
        return None
    out_cols = ["indicator", *(["org"] if "org" in cols else []), "period", "value", "kind"]
    if table is None:
        empty = pd.DataFrame(
            {c: pd.Series([], dtype="float64" if c == "value" else object) for c in out_cols}
        )
        return Pushdown(empty, tuple(issues), rows_in, None)
    small = make_small(table, _TABLE_SCHEMA(nw, keys))
    rows = sel.join(small, on=keys, how="inner").with_columns(
        (nw.col("value") * nw.col("_f")).alias("value")
    )
    group = ["_i", *(["org"] if "org" in cols else []), "_k"]
    issues.extend(_duplicate_issues(_duplicates(nw, rows, group), "org" in cols))
    cube = _cube(nw, rows, group)
    issues.extend(_percent_issues(model, cube, cols))  # uses the min and max of each group
    cube = _one_value_per_row(nw, rows, cube, group)
    last_end, last_observed = _observed_ends(table)
    # text columns stay as collected (Arrow-backed): no Python object per row of the cube
    result = pd.DataFrame(
        {
            "indicator": cube["_i"],
            **({"org": cube["org"]} if "org" in cols else {}),
            "period": cube["_p"],
            "value": cube["value"].astype("float64"),
            "kind": cube["_k"],
        }
    ).reset_index(drop=True)
    del cube
    return Pushdown(result[out_cols], tuple(issues), rows_in, last_end, last_observed)


def _unusable(names: list[Any], cols: dict[str, Any], schema: Any) -> Pushdown | None:
    """An empty result for the intake to explain, when key columns are missing (LM308) or org
    codes are numbers (LM309); else ``None``."""
    if any(c not in cols for c in ("indicator", "period", "value")):
        # the intake reports the missing columns (LM308) and the columns found
        return Pushdown(pd.DataFrame(columns=names), (), 0, None)
    if "org" in cols and (schema[cols["org"]].is_integer() or schema[cols["org"]].is_float()):
        # the intake explains integer codes (LM309)
        empty = pd.DataFrame(
            {"indicator": [], "period": [], "value": [], "org": pd.Series([], dtype="int64")}
        )
        return Pushdown(empty, (), 0, None)
    return None


def _standard_selection(
    nw: Any, lf: Any, keys: list[str], cols: dict[str, Any], schema: Any
) -> Any:
    """Standard columns; key columns as text ("" for missing), values as floats or stripped text."""

    def text(std: str) -> Any:
        col = nw.col(cols[std])
        dtype = schema[cols[std]]
        if dtype in (nw.Date, nw.Datetime) or isinstance(dtype, nw.Datetime):
            col = col.dt.to_string("%Y-%m-%d")
        col = col.cast(nw.String)  # also string vs large_string (pyarrow joins need one type)
        return col.fill_null("").alias(std)

    exprs = [text(k) for k in keys]
    if "org" in cols:
        exprs.append(text("org").str.strip_chars())
    if schema[cols["value"]].is_numeric():
        exprs.append(nw.col(cols["value"]).cast(nw.Float64).alias("value"))
    else:
        exprs.append(text("value").str.strip_chars())
    return lf.select(*exprs)


def _numbers(
    nw: Any,
    sel: Any,
    value_dtype: Any,
    cols: dict[str, Any],
    make_small: Callable[[dict[str, list[Any]], dict[str, Any]], Any],
    issues: list[Issue],
) -> Any:
    """Rows with a usable value, as float64: text that is not a plain number goes through the
    rule of :mod:`logicmodel.intake.values` per distinct value (LM303 for the rest). ``None`` when
    there are too many distinct odd values to ship (the caller then collects the frame)."""
    if value_dtype.is_numeric():
        value = nw.col("value")
        valid_value = (
            ~value.is_null() & ~value.is_nan() if value_dtype.is_float() else ~value.is_null()
        )
        return sel.filter(valid_value)
    plain = nw.col("value").str.contains(_PLAIN_NUMBER)
    odd = (
        sel.filter(~plain & (nw.col("value") != ""))
        .group_by("value")
        .agg(nw.len().alias("n"))
        .head(_MAX_ODD_VALUES + 1)
        .collect()
        .to_pandas()
    )
    if len(odd) > _MAX_ODD_VALUES:
        return None
    parsed, bad = as_numbers(odd["value"].astype(object))
    for k in np.flatnonzero(bad)[:_MAX_LISTED]:
        text_k, n_k = odd["value"].iloc[k], int(odd["n"].iloc[k])
        issues.append(
            Issue(
                "LM303",
                "error",
                _WHERE,
                f"value {text_k!r}: not a number ({_rows(n_k)})",
                message_ja=f"value {text_k!r}: 数値ではありません（{n_k}行）",
                column=str(cols["value"]),
            )
        )
    number = nw.when(plain).then(nw.col("value")).otherwise(None).cast(nw.Float64)
    usable = ~bad & ~np.isnan(parsed)
    if usable.any():
        extra = make_small(
            {
                "value": odd["value"].to_numpy(dtype=object)[usable].tolist(),
                "_num": parsed[usable].tolist(),
            },
            {"value": nw.String(), "_num": nw.Float64()},
        )
        sel = sel.join(extra, on="value", how="left")
        number = nw.when(plain).then(number).otherwise(nw.col("_num"))
    return sel.with_columns(number.alias("value")).filter(~nw.col("value").is_null())


def _duplicates(nw: Any, rows: Any, group: list[str]) -> pd.DataFrame:
    """Groups with more than one row per observed period (the first few)."""
    out: pd.DataFrame = (
        rows.group_by(*group, "_os", "_oe")
        .agg(nw.len().alias("n"), nw.col("_p").min().alias("_p"))
        .filter(nw.col("n") > 1)
        .head(_MAX_LISTED + 1)
        .collect()
        .to_pandas()
    )
    return out


def _cube(nw: Any, rows: Any, group: list[str]) -> pd.DataFrame:
    """Per group and reporting period: every time rule's value, the last end, the row count."""
    out: pd.DataFrame = (
        rows.group_by(*group, "_p", "_r")
        .agg(
            *(getattr(nw.col("value"), r)().alias(r) for r in _RULES),
            nw.col("_oe").max().alias("_last_end"),
            nw.len().alias("_n"),
        )
        .collect()
        .to_pandas()
    )
    return out


def _one_value_per_row(nw: Any, rows: Any, cube: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """One value per row by its time rule; the other rules' columns are dropped at once."""
    rule_of = cube["_r"].to_numpy(dtype=object)
    picked = np.full(len(cube), np.nan)
    for rule in _RULES:
        hit = rule_of == rule
        picked[hit] = cube[rule].to_numpy(dtype="float64")[hit]
    cube = cube.drop(columns=list(_RULES)).assign(value=picked)
    del picked
    is_last = rule_of == "last"
    if not is_last.any():
        return cube
    # the most recent observed period: the later end, on the same end the later start (as
    # PeriodTable.recency orders them in the pandas pipeline)
    recent = rows.filter(nw.col("_r") == "last").with_columns(
        (nw.col("_oe") * (1 << 20) + (nw.col("_os") - nw.col("_oe") + ((1 << 20) - 1))).alias(
            "_rec"
        )
    )
    latest = recent.group_by(*group, "_p").agg(nw.col("_rec").max())
    last = (
        recent.join(latest, on=[*group, "_p", "_rec"], how="inner")
        .group_by(*group, "_p")
        .agg(nw.col("value").max().alias("_lv"))
        .collect()
        .to_pandas()
    )
    # only the rows of ``last`` indicators are joined (not a copy of the whole cube)
    lv = cube.loc[is_last, [*group, "_p"]].merge(last, on=[*group, "_p"], how="left")["_lv"]
    cube.loc[is_last, "value"] = lv.to_numpy(dtype="float64")
    return cube


def _observed_ends(table: dict[str, list[Any]]) -> tuple[dt.date | None, dt.date | None]:
    """The default as_of (the latest end of the finest observed frequency, DESIGN §4.4) and the
    latest observed end, from the distinct observed periods of actual rows."""
    is_actual = np.asarray(table["_k"], dtype=object) == "actual"
    finest = latest_end_of_finest(
        np.asarray(table["_os"], dtype=np.int64)[is_actual],
        np.asarray(table["_oe"], dtype=np.int64)[is_actual],
    )
    last_end = (_EPOCH + np.int64(finest)).item() if finest is not None else None
    ends = np.asarray(table["_oe"], dtype=np.int64)[is_actual]
    last_observed = (_EPOCH + np.int64(ends.max())).item() if len(ends) else None
    return last_end, last_observed


def _TABLE_SCHEMA(nw: Any, keys: Sequence[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {k: nw.String() for k in keys}
    schema.update(
        {
            "_i": nw.String(),
            "_k": nw.String(),
            "_p": nw.String(),
            "_r": nw.String(),
            "_f": nw.Float64(),
            "_os": nw.Int64(),
            "_oe": nw.Int64(),
        }
    )
    return schema


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}; engine frames have no row numbers"


def _frequencies_needed(model: LogicModel) -> dict[str, set[str | None]]:
    """Every frequency each indicator is aggregated at by ``evaluate`` (own and formula users')."""
    fys = model.fiscal_year_start
    inds = {i.id: i for i in model.indicators}
    needed: dict[str, set[str | None]] = {i.id: set() for i in model.indicators}

    def need(name: str, freq: str | None, seen: frozenset[str]) -> None:
        if name in seen or name not in inds:
            return
        needed[name].add(freq)
        for comp in inds[name].components if inds[name].formula else ():
            need(comp, freq, seen | {name})

    for ind in model.indicators:
        need(ind.id, effective_frequency(ind, fys), frozenset())
    return needed


@dataclass
class _Problems:
    """LM3xx errors about distinct key combinations, each counting the rows it stands for."""

    counts: np.ndarray
    issues: list[Issue]

    def report(
        self,
        code: str,
        mask: np.ndarray,
        what: str,
        message: tuple[str, str],
        column: str,
        ids: tuple[str, ...] = (),
    ) -> None:
        """An error about the combinations in ``mask``; ``message`` in English and Japanese."""
        n = int(self.counts[mask].sum())
        self.issues.append(
            Issue(
                code,
                "error",
                _WHERE,
                f"{what}: {message[0]} ({_rows(n)})",
                message_ja=f"{what}: {message[1]}（{n}行）",
                column=column,
                ids=ids,
            )
        )


def _mapping(
    model: LogicModel,
    combos: pd.DataFrame,
    keys: list[str],
    cols: dict[str, str],
    issues: list[Issue],
) -> dict[str, list[Any]] | None:
    """The table: raw key texts → indicator, kind, reporting period, factor, rule, span."""
    if not len(combos):
        return None
    fys = model.fiscal_year_start
    known: dict[str, Indicator] = {i.id: i for i in model.indicators}
    problems = _Problems(combos["n"].to_numpy(dtype=np.int64), issues)
    ind, ok = _known_indicators(combos, known, cols, problems)
    ptext = combos["period"].astype(object).to_numpy()
    parr = _parsed_periods(ptext, fys, cols, problems)
    ok &= parr.valid
    kinds, ok_kind = _kinds(combos, keys, cols, problems)
    ok &= ok_kind
    factors = _factors(combos, keys, ind, ok, known, cols, problems)
    ok &= ~np.isnan(factors)
    good = np.flatnonzero(ok)
    if not len(good):
        return None
    g_ind, g_kind, start, end = ind[good], kinds[good], parr.start[good], parr.end[good]
    label = _labels(parr.label[good].copy(), start, end, ptext[good], fys)
    period = _reporting_periods(model, g_ind, g_kind, end, label.astype(object))
    table: dict[str, list[Any]] = {k: combos[k].to_numpy(dtype=object)[good].tolist() for k in keys}
    table.update(
        {
            "_i": [str(x) for x in g_ind],
            "_k": [str(x) for x in g_kind],
            "_p": [str(x) for x in period],
            "_r": [str(known[str(i)].time_rule) for i in g_ind],
            "_f": factors[good].astype(float).tolist(),
            "_os": epoch_days(start).tolist(),
            "_oe": epoch_days(end).tolist(),
        }
    )
    return table


def _known_indicators(
    combos: pd.DataFrame, known: dict[str, Indicator], cols: dict[str, str], problems: _Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Indicator ids (NFKC, stripped) and which combinations name a known one (LM301)."""
    ind = as_text(combos["indicator"].astype(object))
    ok = np.ones(len(combos), dtype=bool)
    for name in pd.unique(pd.Series(ind[pd.notna(ind)], dtype=object)):
        if name not in known:
            mask = ind == name
            hint = ", ".join(repr(x) for x in nearest(str(name), known)) or "none defined"
            problems.report(
                "LM301",
                mask,
                f"indicator {name!r}",
                (
                    f"unknown indicator; nearest known ids: {hint}",
                    f"未定義の指標です（近い指標: {hint}）",
                ),
                cols["indicator"],
                (str(name),),
            )
            ok &= ~mask
    empty = pd.isna(pd.Series(ind, dtype=object)).to_numpy()
    if empty.any():
        message = ("empty indicator id", "指標IDが空です")
        problems.report("LM301", empty, "indicator", message, cols["indicator"])
        ok &= ~empty
    return ind, ok


def _parsed_periods(ptext: np.ndarray, fys: int, cols: dict[str, str], problems: _Problems) -> Any:
    """The periods of the distinct texts; texts that are no period reported (LM302)."""
    ptext_or_none = ptext.copy()
    ptext_or_none[ptext == ""] = None
    parr = parse_periods(ptext_or_none, fiscal_year_start=fys, errors="coerce")
    for text in pd.unique(pd.Series(ptext[~parr.valid], dtype=object)):
        mask = (ptext == text) & ~parr.valid
        if text == "":
            problems.report(
                "LM302", mask, "period", ("empty period", "期間が空です"), cols["period"]
            )
        else:
            problems.report(
                "LM302",
                mask,
                f"period {text!r}",
                (
                    "not a period; use e.g. 2024-06, 2024Q1, FY2024, 2024年度, 令和6年度",
                    "期間として読めません（例: 2024-06, FY2024, 2024年度, 令和6年度）",
                ),
                cols["period"],
            )
    return parr


def _kinds(
    combos: pd.DataFrame, keys: list[str], cols: dict[str, str], problems: _Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Canonical kinds (``actual`` without a kind column) and which are known (LM310)."""
    if "kind" not in keys:
        return np.full(len(combos), "actual", dtype=object), np.ones(len(combos), dtype=bool)
    ktext = as_text(combos["kind"].astype(object))
    kinds = np.array(
        [KIND_ALIASES.get(str(t).lower()) if t is not None else "actual" for t in ktext],
        dtype=object,
    )
    badk = pd.isna(pd.Series(kinds, dtype=object)).to_numpy()
    for text in pd.unique(pd.Series(ktext[badk], dtype=object)):
        problems.report(
            "LM310",
            badk & (ktext == text),
            f"kind {text!r}",
            (
                "must be actual, target or baseline",
                "actual, target, baseline のいずれかにしてください",
            ),
            cols["kind"],
        )
    return kinds, ~badk


def _factors(
    combos: pd.DataFrame,
    keys: list[str],
    ind: np.ndarray,
    ok: np.ndarray,
    known: dict[str, Indicator],
    cols: dict[str, str],
    problems: _Problems,
) -> np.ndarray:
    """Factors to each indicator's unit (NaN where the unit does not convert: LM306)."""
    factors = np.ones(len(combos))
    if "unit" not in keys:
        return factors
    utext = as_text(combos["unit"].astype(object))
    pairs: dict[tuple[str, str], float] = {}
    for k in np.flatnonzero(ok):
        if utext[k] is None:
            continue
        name, unit = str(ind[k]), str(utext[k])
        if (name, unit) not in pairs:
            try:
                pairs[(name, unit)] = (
                    conversion_factor(unit, known[name].unit or unit) if known[name].unit else 1.0
                )
            except UnitError as err:
                pairs[(name, unit)] = np.nan
                problems.report(
                    "LM306",
                    (ind == name) & (utext == unit),
                    f"unit {unit!r} of indicator {name!r}",
                    (
                        f"cannot be converted to {known[name].unit!r}: {err}",
                        f"指標の単位 {known[name].unit!r} に換算できません",
                    ),
                    cols["unit"],
                    (name,),
                )
        factors[k] = pairs[(name, unit)]
    return factors


def _labels(
    label: np.ndarray, start: np.ndarray, end: np.ndarray, ptext: np.ndarray, fys: int
) -> np.ndarray:
    """Canonical labels group 'FY2024' with '令和6年度'; the text where one would not parse back."""
    for k in np.flatnonzero(pd.Series(label).duplicated().to_numpy() == False):  # noqa: E712
        try:
            same = parse_period(label[k], fys)
            if (np.datetime64(same.start, "D"), np.datetime64(same.end, "D")) != (start[k], end[k]):
                label[(label == label[k]) & (start == start[k])] = None
        except Exception:
            label[(label == label[k])] = None
    out: np.ndarray = np.where(pd.isna(label), ptext, label)
    return out


def _reporting_periods(
    model: LogicModel, g_ind: np.ndarray, g_kind: np.ndarray, end: np.ndarray, period: np.ndarray
) -> np.ndarray:
    """Actual rows of an indicator aggregated at one frequency move to its reporting period."""
    fys = model.fiscal_year_start
    needed = _frequencies_needed(model)
    for name in pd.unique(pd.Series(g_ind, dtype=object)):
        freqs = needed.get(str(name), set())
        if len(freqs) != 1:
            continue
        freq = next(iter(freqs))
        if freq is None:
            continue
        mask = (g_ind == name) & (g_kind == "actual")
        if mask.any():
            period[mask] = assign_periods(end[mask], freq, fiscal_year_start=fys).label
    return period


def _duplicate_issues(dups: pd.DataFrame, has_org: bool) -> list[Issue]:
    out: list[Issue] = []
    for k in range(len(dups)):
        if k == _MAX_LISTED:
            out.append(
                Issue(
                    "LM304",
                    "error",
                    "observations",
                    "more duplicated groups not listed",
                    message_ja="ほかにも重複があります",
                )
            )
            break
        name, kind, n = dups["_i"].iloc[k], dups["_k"].iloc[k], int(dups["n"].iloc[k])
        org = dups["org"].iloc[k] if has_org else None
        where = f" org {org!r}" if org not in (None, "") else ""
        start = (_EPOCH + np.int64(dups["_os"].iloc[k])).item()
        end = (_EPOCH + np.int64(dups["_oe"].iloc[k])).item()
        out.append(
            Issue(
                "LM304",
                "error",
                _WHERE,
                f"indicator {name!r}{where} period {start.isoformat()}–{end.isoformat()} "
                f"kind {kind!r}: {n} rows for one (indicator, org, period, kind); "
                "engine frames have no row numbers",
                message_ja=f"指標 {name!r}{where} の同じ期間・種別の行が{n}行あります",
                ids=(str(name),),
            )
        )
    return out


def _percent_issues(model: LogicModel, cube: pd.DataFrame, cols: dict[str, str]) -> list[Issue]:
    pct = {i.id for i in model.indicators if i.unit == "%"}
    if not pct:
        return []
    mine = cube["_i"].isin(pct).to_numpy()
    off = mine & (
        (cube["min"].to_numpy(dtype="float64") < 0) | (cube["max"].to_numpy(dtype="float64") > 100)
    )
    if not off.any():
        return []
    ids = tuple(sorted({str(x) for x in cube.loc[off, "_i"]}))
    return [
        Issue(
            "LM305",
            "warning",
            _WHERE,
            f"values: percentage outside 0–100 in {int(off.sum())} (indicator, org, period) "
            f"group(s) of {', '.join(repr(i) for i in ids)}; engine frames have no row numbers",
            message_ja="values: 割合が0〜100の範囲外です",
            column=str(cols["value"]),
            ids=ids,
        )
    ]


def _small_table_maker(frame: Any) -> Callable[[dict[str, list[Any]], dict[str, Any]], Any] | None:
    """A function building a small lazy frame that joins with ``frame``."""
    import narwhals.stable.v2 as nw

    impl = frame.implementation
    native = frame.to_native()

    def eager(data: dict[str, list[Any]], schema: dict[str, Any], backend: Any) -> Any:
        return nw.from_dict(data, schema=schema, backend=backend)

    if impl is nw.Implementation.POLARS:
        return lambda d, s: eager(d, s, "polars").lazy()
    if impl is nw.Implementation.PYARROW:
        return lambda d, s: eager(d, s, "pyarrow").lazy()
    if impl is nw.Implementation.DASK:
        return lambda d, s: eager(d, s, "pandas").lazy(backend="dask")
    if impl in (nw.Implementation.PYSPARK, nw.Implementation.PYSPARK_CONNECT):
        session = native.sparkSession
        return lambda d, s: eager(d, s, "pyarrow").lazy(backend=impl, session=session)
    if impl is nw.Implementation.DUCKDB:

        def duck(data: dict[str, list[Any]], schema: dict[str, Any]) -> Any:
            # a relation on the same connection as ``native`` (relations of two connections do not
            # join): the query finds the arrow table by its local name
            _lm_small = eager(data, schema, "pyarrow").to_native()
            return nw.from_native(native.query("_lm_obs", "select * from _lm_small"))

        return duck
    return None
