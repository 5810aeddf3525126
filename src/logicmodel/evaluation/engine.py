"""The engine front end of the intake: polars, duckdb, pyarrow, PySpark or dask frames →
:class:`~logicmodel.intake.result.Observations`, with the heavy grouping done in the engine.

:func:`pushdown` gives the same integer-coded result as the pandas front end
(:func:`logicmodel.observations.prepare_observations`), but with one row per (indicator, org,
reporting period, kind) group aggregated in the engine rather than one row per input row. Written
once over ``narwhals.stable.v2``, with the rules of :mod:`logicmodel.intake`:

1. columns are resolved like the pandas intake does (same aliases);
2. values that are not plain numbers are collected per distinct text and read by the one rule of
   :mod:`logicmodel.intake.values` (``1,234`` and ``▲5`` are numbers, ``abc`` is LM303);
3. the distinct (indicator, period, kind, unit) combinations are counted in the engine (small) and
   judged by the rules of :mod:`logicmodel.intake.distinct`, the ones the pandas intake runs:
   unknown indicators (LM301), periods (LM302), kinds (LM310), units (LM306); periods are parsed
   once per distinct text into the result's :class:`~logicmodel.intake.result.PeriodTable` and
   each indicator's actual rows mapped to its reporting period; the mapping (text → integer codes,
   unit factor) is shipped to the engine as a small table and joined;
4. duplicates (more than one row per indicator, org, observed period and kind, LM304) are found
   with one grouping whose result (only the duplicated groups) is collected;
5. actual rows are grouped by (indicator, org, kind, reporting period) with the indicator's time
   rule (sum, mean, min, max natively; ``last`` is the value at the latest observed end, found by
   joining the per-group maximum back) and only that cube is collected. It *is* the result: its
   integer columns become the :class:`~logicmodel.intake.result.Observations` frame, organisation
   codes are read by the intake's text rule (NFKC, stripped), and no second pass through the
   pandas intake is made.

Aggregating an indicator's rows to its reporting period once more with the same rule gives the
same rows (sum, last, mean, min or max of one row), so ``evaluate`` computes the same progress from
the cube as from every row. An indicator needed at more than one frequency (a component of a
formula indicator with another frequency) keeps its observed periods.

Row numbers do not exist in an engine frame: issues found here have ``row=None`` and say which
value or group is wrong and how many rows have it; the result is ``grouped`` (its ``row`` is -1).

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
>>> pushed.observations.frame[["ind_code", "pcode", "value", "kind_code", "row"]]
   ind_code  pcode   value  kind_code  row
0         3      0  1230.0          0   -1
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import ModelError
from logicmodel.evaluation.aggregate import effective_frequency
from logicmodel.evaluation.timing import latest_end_of_finest
from logicmodel.intake.columns import as_numbers, as_text, factorize, standard_columns, text_codes
from logicmodel.intake.distinct import (
    bad_values,
    indicator_positions,
    kind_codes,
    parsed_periods,
    unit_factors,
)
from logicmodel.intake.messages import (
    ENGINE_WHERE,
    MORE_DUPLICATES,
    NO_ROW_NUMBERS,
    PERCENT_OUTSIDE,
    CountReporter,
    duplicated,
    missing_columns,
    numeric_org_codes,
)
from logicmodel.intake.result import KIND_VALUES, Observations, PeriodTable, empty_observations
from logicmodel.intake.rules import grouped_issues
from logicmodel.issues import Issue
from logicmodel.periods import EPOCH, assign_periods, epoch_days

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

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
_RULES = ("sum", "mean", "min", "max")
_PICK = {**{r: r for r in _RULES}, "last": "_lv"}
"""The cube's column holding each time rule's value."""


@dataclass(frozen=True, slots=True)
class Pushdown:
    """The result of :func:`pushdown`.

    Attributes
    ----------
    observations
        The intake's result (:class:`~logicmodel.intake.result.Observations`): integer codes, one
        row per group aggregated in the engine (``grouped``), values in each indicator's unit, and
        every LM3xx issue found (``row`` is ``None``: engine frames have no row numbers).
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

    observations: Observations
    rows_in: int
    last_actual_end: dt.date | None
    last_observed_end: dt.date | None = None

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Every LM3xx issue of the engine frame (the result's ``issues``)."""
        return self.observations.issues

    @property
    def frame(self) -> pd.DataFrame:
        """The cube in the intake's input format: ``indicator, period, value, kind`` and ``org``
        when the input has one (readable text, made from the integer codes)."""
        table = self.observations.table()
        org = ["org"] if self.observations.has_org else []
        out: pd.DataFrame = table[["indicator", *org, "period", "value", "kind"]]
        return out

    def prepare(self, model: LogicModel) -> Observations:
        """The intake's result (:attr:`observations`) for ``model``, the model given to
        :func:`pushdown`: the cube is the result, nothing is read again.

        Raises
        ------
        ModelError
            If ``model`` has other indicators than the one the frame was pushed down for.
        """
        if tuple(i.id for i in model.indicators) != self.observations.indicators:
            raise ModelError(
                f"model {model.id!r} is not the model these observations were pushed down for "
                "(its indicators differ); call pushdown() with it"
            )
        return self.observations


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
    unusable = _unusable(model, list(lf.columns), cols, schema)
    if unusable is not None:
        return unusable
    keys: list[str] = [k for k in ("indicator", "period", "kind", "unit") if k in cols]
    value_issues: list[Issue] = []
    selection = _standard_selection(nw, lf, keys, cols, schema)
    sel = _numbers(nw, selection, schema[cols["value"]], cols, make_small, value_issues)
    if sel is None:
        return None
    combos = _combinations(nw, sel, keys, count_infinite=not schema[cols["value"]].is_integer())
    issues: list[Issue] = []
    table = _key_table(model, combos, keys, cols, issues)
    issues += value_issues + _infinite_values(combos, cols)
    rows_in = int(combos["n"].sum()) if len(combos) else 0
    if table is None:
        ids = tuple(i.id for i in model.indicators)
        empty = Observations(empty_observations(), tuple(issues), "org" in cols, ids, grouped=True)
        return Pushdown(empty, rows_in, None)
    rows = (
        sel.filter(nw.col("value").is_finite())
        .join(make_small(table.columns, _table_schema(nw, keys)), on=keys, how="inner")
        .with_columns((nw.col("value") * nw.col("_f")).alias("value"))
    )
    group = _group("org" in cols)
    with_last = "last" in table.columns["_r"]
    dups, cube = _aggregated(nw, rows, group, make_small, with_last=with_last)
    issues.extend(_duplicate_issues(model, dups, table.observed))
    issues.extend(_percent_issues(model, cube, cols))  # uses the min and max of each group
    smallest = cube["min"].to_numpy(dtype=np.float64)  # LM320 judges the input values
    cube = _one_value_per_row(cube)
    result = _observations(model, cube, table.periods, "org" in cols, issues, smallest)
    return Pushdown(result, rows_in, *_observed_ends(table.columns))


def _unusable(
    model: LogicModel, names: list[Any], cols: dict[str, Any], schema: Any
) -> Pushdown | None:
    """A result with only LM308 (a key column missing) or LM309 (org codes that are numbers);
    else ``None``."""
    missing = missing_columns(names, cols)
    issue = missing
    if missing is None and "org" in cols:
        dtype = schema[cols["org"]]
        issue = numeric_org_codes(cols["org"]) if dtype.is_integer() or dtype.is_float() else None
    if issue is None:
        return None
    ids = tuple(i.id for i in model.indicators)
    return Pushdown(Observations(empty_observations(), (issue,), "org" in cols, ids), 0, None)


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
    """Values as float64 (null where blank or not a number): text that is not a plain number goes
    through the rule of :mod:`logicmodel.intake.values` per distinct value (LM303 for the rest).
    ``None`` when there are too many distinct odd values to ship (the caller then collects the
    frame)."""
    if value_dtype.is_numeric():
        return sel
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
    if bad.any():
        report = CountReporter(odd["n"].to_numpy(dtype=np.int64)[bad], issues)
        texts = odd["value"].to_numpy(dtype=object)[bad]
        bad_values(np.arange(len(texts)), texts, cols["value"], report)
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
    return sel.with_columns(number.alias("value"))


def _combinations(nw: Any, sel: Any, keys: list[str], *, count_infinite: bool) -> pd.DataFrame:
    """The distinct key combinations with their row counts (``n``) and, unless values are
    integers, the rows holding an infinity (``_pinf``, ``_ninf``; LM303 as in the pandas intake)."""
    aggs = [nw.len().alias("n")]
    if count_infinite:
        sel = sel.with_columns(
            (nw.col("value") == float("inf")).cast(nw.Int64).alias("_pinf"),
            (nw.col("value") == float("-inf")).cast(nw.Int64).alias("_ninf"),
        )
        aggs += [nw.col("_pinf").sum(), nw.col("_ninf").sum()]
    out: pd.DataFrame = sel.group_by(*keys).agg(*aggs).collect().to_pandas()
    return out


def _infinite_values(combos: pd.DataFrame, cols: dict[str, Any]) -> list[Issue]:
    """LM303 for infinite values (not numbers to the pandas intake either)."""
    if "_pinf" not in combos.columns:
        return []
    counts = np.array(
        [combos[c].fillna(0).to_numpy(dtype=np.int64).sum() for c in ("_pinf", "_ninf")]
    )
    hit = counts > 0
    out: list[Issue] = []
    if hit.any():
        values = np.array([np.inf, -np.inf], dtype=object)[hit]  # shown as inf, -inf
        bad_values(np.arange(len(values)), values, cols["value"], CountReporter(counts[hit], out))
    return out


@dataclass(frozen=True, slots=True)
class _KeyTable:
    """The small table shipped to the engine, and what it refers to.

    ``columns``: the key texts of every usable combination with their meaning (``_i`` indicator
    position, ``_k`` kind code, ``_p`` code in ``periods`` of the row's reporting period, ``_r``
    time rule, ``_f`` unit factor, ``_os``/``_oe`` first and last day of the observed period);
    ``periods``: the result's period table; ``observed``: the label of each observed period.
    """

    columns: dict[str, list[Any]]
    periods: PeriodTable
    observed: dict[tuple[int, int], str]


def _key_table(
    model: LogicModel,
    combos: pd.DataFrame,
    keys: list[str],
    cols: dict[str, Any],
    issues: list[Issue],
) -> _KeyTable | None:
    """The rules of :mod:`logicmodel.intake.distinct` over the distinct key combinations (each
    problem counting the rows it stands for), and the table of the usable ones."""
    if not len(combos):
        return None
    n = len(combos)
    report = CountReporter(combos["n"].to_numpy(dtype=np.int64), issues)
    ind = indicator_positions(model, *text_codes(combos["indicator"]), cols["indicator"], report)
    pcodes, parsed = _period_codes(model, combos["period"], cols["period"], report)
    kind = np.zeros(n, dtype=np.int8)
    if "kind" in keys:
        kind = kind_codes(*text_codes(combos["kind"]), cols["kind"], report)
    factors, bad_unit = np.ones(n), np.zeros(n, dtype=bool)
    if "unit" in keys:
        factors, bad_unit = unit_factors(
            model, ind, *text_codes(combos["unit"]), cols["unit"], report
        )
    good = np.flatnonzero((ind >= 0) & (pcodes >= 0) & (kind >= 0) & ~bad_unit)
    if not len(good):
        return None
    p = pcodes[good]
    g_ind, g_kind = ind[good], kind[good]
    observed_start, observed_end = epoch_days(parsed.start[p]), epoch_days(parsed.end[p])
    labels = parsed.label[p]
    observed: dict[tuple[int, int], str] = {}
    for key in zip(observed_start.tolist(), observed_end.tolist(), labels.tolist(), strict=True):
        observed.setdefault(key[:2], str(key[2]))  # the first spelling names the period
    start, end, label = _reporting_periods(
        model, g_ind, g_kind, parsed.start[p], parsed.end[p], labels
    )
    periods = PeriodTable()
    columns = {k: combos[k].to_numpy(dtype=object)[good].tolist() for k in keys}
    columns.update(
        {
            "_i": g_ind.tolist(),
            "_k": g_kind.tolist(),
            "_p": periods.add(start, end, label).tolist(),
            "_r": [str(model.indicators[i].time_rule) for i in g_ind.tolist()],
            "_f": factors[good].astype(float).tolist(),
            "_os": observed_start.tolist(),
            "_oe": observed_end.tolist(),
        }
    )
    return _KeyTable(columns, periods, observed)


def _period_codes(
    model: LogicModel, texts: pd.Series, column: Any, report: CountReporter
) -> tuple[np.ndarray, Any]:
    """Per combination the code of its distinct period text (-1 when blank or no period: LM302)
    and the distinct texts parsed."""
    ptext = texts.to_numpy(dtype=object)
    ptext[ptext == ""] = None  # missing periods were shipped as ""
    codes, distinct = factorize(pd.Series(ptext, dtype=object))
    parsed = parsed_periods(codes, distinct, model.fiscal_year_start, column, report)
    valid = np.append(parsed.valid, False)[codes]
    return np.where(valid, codes, -1), parsed


def _reporting_periods(
    model: LogicModel,
    g_ind: np.ndarray,
    g_kind: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    label: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Actual rows of an indicator aggregated at one frequency move to its reporting period."""
    fys = model.fiscal_year_start
    needed = _frequencies_needed(model)
    start, end, label = start.copy(), end.copy(), label.copy()
    for k in np.unique(g_ind).tolist():
        freqs = needed.get(model.indicators[k].id, set())
        freq = next(iter(freqs)) if len(freqs) == 1 else None
        mask = (g_ind == k) & (g_kind == 0)
        if freq is None or not mask.any():
            continue
        assigned = assign_periods(end[mask], freq, fiscal_year_start=fys)
        start[mask], end[mask], label[mask] = assigned.start, assigned.end, assigned.label
    return start, end, label


def _group(has_org: bool) -> list[str]:
    return ["_i", "org", "_k"] if has_org else ["_i", "_k"]


def _aggregated(
    nw: Any,
    rows: Any,
    group: list[str],
    make_small: Callable[[dict[str, list[Any]], dict[str, Any]], Any],
    *,
    with_last: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The duplicated groups of the rows and their cube. Two spellings of one org code (``１３１０１６``
    and ``131016``) are one organisation to the intake's text rule: when the cube has both, the
    rows get the code's one spelling from a small table and are grouped again."""
    dups, cube = _duplicates(nw, rows, group), _cube(nw, rows, group, with_last=with_last)
    spellings = _org_spellings(cube["org"]) if "org" in group else None
    if spellings is None:
        return dups, cube
    small = make_small(spellings, {"org": nw.String(), "_org": nw.String()})
    rows = (
        rows.join(small, on="org", how="inner")
        .with_columns(nw.col("_org").alias("org"))
        .drop("_org")
    )
    return _duplicates(nw, rows, group), _cube(nw, rows, group, with_last=with_last)


def _org_spellings(orgs: pd.Series) -> dict[str, list[Any]] | None:
    """``org`` → ``_org`` (the code as the intake reads it, NFKC and stripped; ``""`` for none)
    when two spellings in ``orgs`` are one code; else ``None``."""
    _codes, distinct = factorize(orgs)
    canonical = pd.Series(as_text(pd.Series(distinct, dtype=object)), dtype=object).fillna("")
    if canonical.nunique() == len(distinct):
        return None
    return {"org": [str(x) for x in distinct], "_org": canonical.tolist()}


def _duplicates(nw: Any, rows: Any, group: list[str]) -> pd.DataFrame:
    """Groups with more than one row per observed period (the first few)."""
    out: pd.DataFrame = (
        rows.group_by(*group, "_os", "_oe")
        .agg(nw.len().alias("n"))
        .filter(nw.col("n") > 1)
        .head(_MAX_LISTED + 1)
        .collect()
        .to_pandas()
    )
    return out


def _duplicate_issues(
    model: LogicModel, dups: pd.DataFrame, observed: dict[tuple[int, int], str]
) -> list[Issue]:
    """LM304 for every duplicated group collected (the first 20 named)."""
    out: list[Issue] = []
    for k in range(len(dups)):
        if k == _MAX_LISTED:
            more = MORE_DUPLICATES
            out.append(Issue("LM304", "error", ENGINE_WHERE, more[0], message_ja=more[1]))
            break
        row = dups.iloc[k]
        name = model.indicators[int(row["_i"])].id
        period = observed[(int(row["_os"]), int(row["_oe"]))]
        kind = KIND_VALUES[int(row["_k"])]
        message = duplicated(name, row.get("org"), period, kind, int(row["n"]))
        out.append(
            Issue(
                "LM304",
                "error",
                ENGINE_WHERE,
                f"{message[0]}; {NO_ROW_NUMBERS}",
                message_ja=message[1],
                ids=(name,),
            )
        )
    return out


def _cube(nw: Any, rows: Any, group: list[str], *, with_last: bool) -> pd.DataFrame:
    """Per group and reporting period: every time rule's value, and with ``with_last`` the value
    at the most recent observed period (``_lv``), joined in the engine: one collect."""
    cube = rows.group_by(*group, "_p", "_r").agg(
        *(getattr(nw.col("value"), r)().alias(r) for r in _RULES)
    )
    if with_last:
        cube = cube.join(_last_values(nw, rows, group), on=[*group, "_p"], how="left")
    out: pd.DataFrame = cube.collect().to_pandas()
    return out


def _last_values(nw: Any, rows: Any, group: list[str]) -> Any:
    """Per group and reporting period of a ``last`` indicator, the value at the most recent
    observed period: the later end, on the same end the later start (as
    :attr:`~logicmodel.intake.result.PeriodTable.recency` orders them)."""
    recency = nw.col("_oe") * (1 << 20) + (nw.col("_os") - nw.col("_oe") + ((1 << 20) - 1))
    recent = rows.filter(nw.col("_r") == "last").with_columns(recency.alias("_rec"))
    latest = recent.group_by(*group, "_p").agg(nw.col("_rec").max())
    return (
        recent.join(latest, on=[*group, "_p", "_rec"], how="inner")
        .group_by(*group, "_p")
        .agg(nw.col("value").max().alias("_lv"))
    )


def _percent_issues(model: LogicModel, cube: pd.DataFrame, cols: dict[str, Any]) -> list[Issue]:
    """LM305 (a warning) for groups of a percent indicator with a value outside 0–100."""
    pct = [k for k, i in enumerate(model.indicators) if i.unit == "%"]
    if not pct:
        return []
    ind = cube["_i"].to_numpy(dtype=np.int64)
    off = np.isin(ind, pct) & (
        (cube["min"].to_numpy(dtype="float64") < 0) | (cube["max"].to_numpy(dtype="float64") > 100)
    )
    if not off.any():
        return []
    ids = tuple(sorted({model.indicators[k].id for k in ind[off].tolist()}))
    groups = f"{int(off.sum())} (indicator, org, period) group(s) of {', '.join(map(repr, ids))}"
    return [
        Issue(
            "LM305",
            "warning",
            ENGINE_WHERE,
            f"values: {PERCENT_OUTSIDE[0]} in {groups}; {NO_ROW_NUMBERS}",
            message_ja=f"values: {PERCENT_OUTSIDE[1]}",
            column=str(cols["value"]),
            ids=ids,
        )
    ]


def _one_value_per_row(cube: pd.DataFrame) -> pd.DataFrame:
    """One value per row by its time rule; the other rules' columns are dropped at once."""
    rule_of = cube["_r"].to_numpy(dtype=object)
    picked = np.full(len(cube), np.nan)
    for rule, column in _PICK.items():
        hit = rule_of == rule
        if column in cube.columns and hit.any():
            picked[hit] = cube[column].to_numpy(dtype="float64")[hit]
    return cube.drop(columns=[c for c in _PICK.values() if c in cube.columns]).assign(value=picked)


def _observations(
    model: LogicModel,
    cube: pd.DataFrame,
    periods: PeriodTable,
    has_org: bool,
    issues: list[Issue],
    smallest: np.ndarray,
) -> Observations:
    """The cube as the intake's result: its integer columns as they are, org codes by the
    intake's text rule, and the rules the pandas intake runs on its result (LM307, LM32x)."""
    n = len(cube)
    org_code, orgs = np.full(n, -1, dtype=np.int32), np.zeros(0, dtype=object)
    if has_org:
        org_code, orgs = text_codes(cube["org"])
    frame = pd.DataFrame(
        {
            "ind_code": cube["_i"].to_numpy(dtype=np.int32),
            "org_code": org_code.astype(np.int32, copy=False),
            "pcode": cube["_p"].to_numpy(dtype=np.int32),
            "value": cube["value"].to_numpy(dtype=np.float64),
            "kind_code": cube["_k"].to_numpy(dtype=np.int8),
            "row": np.full(n, -1, dtype=np.int64),
        }
    )
    ids = tuple(i.id for i in model.indicators)
    prepared = Observations(frame, (), has_org, ids, orgs, periods, grouped=True)
    issues.extend(grouped_issues(model, prepared, smallest))
    return dataclasses.replace(prepared, issues=tuple(issues))


def _observed_ends(table: dict[str, list[Any]]) -> tuple[dt.date | None, dt.date | None]:
    """The default as_of (the latest end of the finest observed frequency, DESIGN §4.4) and the
    latest observed end, from the distinct observed periods of actual rows."""
    is_actual = np.asarray(table["_k"], dtype=np.int64) == 0
    finest = latest_end_of_finest(
        np.asarray(table["_os"], dtype=np.int64)[is_actual],
        np.asarray(table["_oe"], dtype=np.int64)[is_actual],
    )
    last_end = (EPOCH + np.int64(finest)).item() if finest is not None else None
    ends = np.asarray(table["_oe"], dtype=np.int64)[is_actual]
    last_observed = (EPOCH + np.int64(ends.max())).item() if len(ends) else None
    return last_end, last_observed


def _table_schema(nw: Any, keys: Sequence[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {k: nw.String() for k in keys}
    schema.update(
        {
            "_i": nw.Int32(),
            "_k": nw.Int32(),
            "_p": nw.Int32(),
            "_r": nw.String(),
            "_f": nw.Float64(),
            "_os": nw.Int64(),
            "_oe": nw.Int64(),
        }
    )
    return schema


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
