"""``evaluate``: observations → progress of every indicator, node and org (DESIGN §4.4, §5.3–§5.7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.checks import check
from logicmodel.errors import CheckError, ModelError, short_repr
from logicmodel.evaluation.achievement import achievement, forecast, plan_values
from logicmodel.evaluation.aggregate import (
    OrgIndex,
    aggregate_orgs,
    aggregate_time,
    build_org_index,
    effective_frequency,
    formula_rows,
)
from logicmodel.evaluation.bands import (
    STATUS_LABELS,
    STATUSES,
    Bands,
    resolve_bands,
    status_categorical,
)
from logicmodel.evaluation.diagnostics import diagnose_findings, milestone_table
from logicmodel.evaluation.engine import pushdown, worth_pushing_down
from logicmodel.evaluation.progress import Progress
from logicmodel.evaluation.rollup import Aggregator, rollup
from logicmodel.graph import compile_model
from logicmodel.issues import Report
from logicmodel.observations import (
    Observations,
    PeriodTable,
    empty_observations,
    prepare_observations,
    require_frame,
)
from logicmodel.periods import parse_period

if TYPE_CHECKING:
    from logicmodel.model import Indicator, LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = ["evaluate"]

_DIRECTION_CODE = {"increase": 0, "decrease": 1, "maintain": 2}
_DAY = np.timedelta64(1, "D")


def _days(values: Any) -> npt.NDArray[np.int64]:
    return (np.asarray(values, dtype="datetime64[D]") - np.datetime64("1970-01-01", "D")) // _DAY


def _as_of_date(as_of: Any, fiscal_year_start: int) -> dt.date | None:
    if as_of is None:
        return None
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    return parse_period(as_of, fiscal_year_start).end


def _check_arguments(model: Any, observations: Any, hierarchy: Any, lang: Any) -> None:
    """Arguments of the wrong kind are a ``ModelError`` naming the argument (issue 12)."""
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

    if not isinstance(model, LogicModel):
        raise ModelError(
            f"evaluate() needs a LogicModel as model, got {type(model).__name__}; build one with "
            "lm.LogicModel(...) or load one with lm.load(path)"
        )
    if observations is not None:
        require_frame(observations, "evaluate")
    if lang not in ("en", "ja"):
        raise ModelError(f"lang {short_repr(lang, 20)} is not one of en, ja")
    if hierarchy is not None and not isinstance(hierarchy, Hierarchy):
        raise ModelError(
            f"hierarchy must be a lm.Hierarchy (for Japan: lm.Hierarchy.japan()), got "
            f"{type(hierarchy).__name__} {short_repr(hierarchy, 40)}"
        )


def evaluate(
    model: LogicModel,
    observations: Any = None,
    *,
    as_of: Any = None,
    hierarchy: Hierarchy | None = None,
    bands: Bands | str | None = None,
    rollup: str | Aggregator | Callable[..., Any] = "weighted_mean",
    lang: str = "en",
    due_soon_days: int = 30,
) -> Progress:
    """Evaluate progress of ``model`` from long-format ``observations``.

    Parameters
    ----------
    model
        The logic model.
    observations
        Any dataframe narwhals accepts with columns ``indicator, period, value`` and optional
        ``org``, ``unit`` (converted to the indicator's unit) and ``kind`` (actual|target|baseline).
    as_of
        A date or period (its last day); default the latest observed period end.
    hierarchy
        An :class:`~logicmodel.Hierarchy`; every org and every ancestor level then gets rows.
    bands
        :class:`Bands` or a preset name (``default``, ``sabcd``, ``sabc``).
    rollup
        Pathway aggregator: ``weighted_mean``, ``min``, ``max``, ``geometric_mean``,
        ``share_on_track`` or a callable (see :mod:`logicmodel.evaluation.rollup`).
    lang
        ``"en"`` or ``"ja"`` for ``status_label`` columns and the summary.

    Returns
    -------
    Progress

    Raises
    ------
    CheckError
        The model or the observations have errors (the report lists them all, with rows).

    Notes
    -----
    Achievement with baseline b, final target t and actual a is ``(a − b) / (t − b)``; without a
    baseline ``a / t`` (increase) or ``t / a`` (decrease); ``maintain`` is 1 while ``a ≥ t``. The plan
    is piecewise linear from the baseline through the targets (by period end); ``planned`` is its
    value at the actual's period. Node ``score`` is the weighted mean of its quantitative
    indicators' achievement clipped to [0, 1]; ``rolled`` is the score, or the aggregate of the
    predecessors' rolled values when the node has no data.

    Examples
    --------
    >>> import pandas as pd, logicmodel as lm
    >>> m = lm.LogicModel(id="m", title="窓口", nodes=[
    ...     lm.Activity(id="act"), lm.Output(id="out"), lm.Outcome(id="wait")],
    ...     links=[lm.Link(source="act", target="out"), lm.Link(source="out", target="wait")],
    ...     indicators=[lm.KPI(id="n", measures="out", unit="団体",
    ...                        baseline={"period": "FY2023", "value": 100}, targets={"FY2025": 300})])
    >>> obs = pd.DataFrame({"indicator": ["n"], "period": ["FY2024"], "value": [180]})
    >>> p = lm.evaluate(m, obs)
    >>> p.indicators[["indicator", "actual", "planned", "achievement", "status"]]
      indicator  actual  planned  achievement    status
    0         n   180.0    200.0          0.4  at_risk
    """
    _check_arguments(model, observations, hierarchy, lang)
    fys = model.fiscal_year_start
    bands_ = resolve_bands(bands)
    report = check(model)
    prepared = None
    if observations is not None:
        # engine frames (polars, duckdb, pyspark …): validate and time-aggregate in the engine and
        # collect only the reporting-period cube; versioned hierarchies need every row's own date
        pushed = None
        if (hierarchy is None or not hierarchy.change_dates) and worth_pushing_down(observations):
            pushed = pushdown(model, observations)
        prepared = (
            pushed.prepare(model)
            if pushed is not None
            else prepare_observations(model, observations)
        )
    if prepared is not None:
        report = report + Report(prepared.issues)
    if not report.ok:
        raise CheckError(report.in_language(lang))
    if prepared is None:
        prepared = Observations(
            empty_observations(), (), False, tuple(i.id for i in model.indicators)
        )
    clean = prepared.frame
    periods = prepared.periods.copy()  # reporting periods are added to the evaluation's copy
    as_of_date = _as_of_date(as_of, fys)

    # orgs: each row gets its org position and an ancestor row (per distinct org, or per distinct
    # (org, period) for versioned trees, so data before a merger rolls up through the old tree)
    org_index, org_pos, anc_u, anc_code = _org_rows(prepared, periods, hierarchy)

    # series: time then orgs, formulas last -------------------------------------------------------
    inds = {i.id: i for i in model.indicators}
    ind_ids = [i.id for i in model.indicators]
    ind_pos = {k: n for n, k in enumerate(ind_ids)}
    freq = {i.id: effective_frequency(i, fys) for i in model.indicators}
    base_needed: dict[tuple[str, str | None], None] = {}
    formula_order = _formula_order(model)

    def need(name: str, f: str | None) -> None:
        ind = inds[name]
        if ind.formula:
            for c in ind.components:
                need(c, f)
        base_needed[(name, f)] = None

    for ind in model.indicators:
        need(ind.id, freq[ind.id])
    keys = list(base_needed)  # one series per (indicator, reporting frequency)
    ind_of_sk = np.array([ind_pos[k[0]] for k in keys], dtype=np.int32)
    # actual rows as integer columns (no copy when every row is an actual, the usual case)
    is_actual = clean["kind_code"].to_numpy() == 0
    every = bool(is_actual.all())

    def actual(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if every else values[is_actual]

    columns = {
        "pcode": actual(clean["pcode"].to_numpy()),
        "value": actual(clean["value"].to_numpy()),
        "org_i": actual(org_pos),
        "anc_code": actual(anc_code),
    }
    by_indicator = _positions_by_indicator(actual(clean["ind_code"].to_numpy()), ind_ids)
    as_observed: list[tuple[int, npt.NDArray[np.int64]]] = []  # series without a frequency
    aggregated: list[pd.DataFrame] = []
    for code, (name, f) in enumerate(keys):
        positions = by_indicator.get(name)
        if positions is None:
            continue
        if f is None:
            as_observed.append((code, positions))
        else:
            rows = pd.DataFrame(
                {
                    "indicator": np.full(len(positions), code, dtype=np.int32),
                    **{c: v[positions] for c, v in columns.items()},
                },
                copy=False,
            )
            aggregated.append(aggregate_time(rows, f, inds[name].time_rule, fys, periods))
            del rows
    all_rows = _stack_series(columns, as_observed, aggregated)
    del columns, as_observed, aggregated, by_indicator
    series: dict[tuple[str, str | None], pd.DataFrame] = {}
    hist_parts: list[pd.DataFrame] = []
    if len(all_rows):
        sk_codes = {name: [c for c, k in enumerate(keys) if k[0] == name] for name in ind_ids}
        grouped = aggregate_orgs(
            all_rows,
            anc_u,
            org_index,
            [inds[name].orgs_rule for name, _f in keys],
            len(periods),
            _weights(all_rows, sk_codes, inds, periods),
        )
        del all_rows
        sk = grouped["indicator"].to_numpy()
        # the reported series of non-formula indicators go to the history in one take
        final = np.zeros(len(keys), dtype=bool)
        final[[keys.index((i.id, freq[i.id])) for i in model.indicators if not i.formula]] = True
        main = final[sk]
        if main.any():
            part = grouped if main.all() else grouped[main]
            hist_parts.append(part.assign(indicator=ind_of_sk[part["indicator"].to_numpy()]))
        del main
        # formula components (and observed formula values) by series
        wanted = {keys.index(k) for k in keys if inds[k[0]].formula or _is_component(k[0], inds)}
        if wanted:
            where = pd.Series(np.arange(len(sk))).groupby(sk).indices
            for code in wanted:
                if code in where:
                    series[keys[code]] = grouped.iloc[where[code]].reset_index(drop=True)
        del grouped, sk
    for name in formula_order:
        ind = inds[name]
        f = freq[name]
        comps = {c: series.get((c, f), pd.DataFrame()) for c in ind.components}
        computed = formula_rows(ind, comps, periods)
        observed = series.get((name, f), pd.DataFrame())
        if len(computed):
            merged = (
                pd.concat([computed, observed[["org_i", "pcode", "value"]]], ignore_index=True)
                if len(observed)
                else computed
            )
            merged = merged.drop_duplicates(["org_i", "pcode"], keep="first")
            series[(name, f)] = merged.reset_index(drop=True)
        if len(series.get((name, f), ())):
            hist_parts.append(series[(name, f)].assign(indicator=np.int32(ind_pos[name])))
    cols = ["indicator", "org_i", "pcode", "value"]
    hist = (
        pd.concat([p[cols] for p in hist_parts], ignore_index=True)
        if hist_parts
        else pd.DataFrame({c: np.zeros(0, dtype=np.int32) for c in cols}).assign(value=np.zeros(0))
    )
    del hist_parts, series
    hist = hist[hist["value"].notna()]
    hist_pcode = hist["pcode"].to_numpy(dtype=np.int64)
    end_day = periods.end_day
    if as_of_date is None:
        # the latest observed reporting period (a fiscal year summed from months ends with its March)
        as_of_date = (
            (np.datetime64("1970-01-01", "D") + int(end_day[hist_pcode].max())).astype(dt.date)
            if len(hist)
            else dt.date.today()
        )
    as_of_day = np.datetime64(as_of_date, "D")

    # points: baselines and targets per (indicator, org) -------------------------------------------
    points = _points(model, prepared, org_pos, anc_code, org_index, anc_u, inds)
    # the row-level arrays are not needed any more: let them go before the tables are built
    del clean, prepared, org_pos, anc_code

    # series codes over the full grid (indicators × orgs) ----------------------------------------
    n_org = len(org_index.orgs)
    hist_ind = hist["indicator"].to_numpy(dtype=np.int64)
    hist_series = hist_ind * n_org + hist["org_i"].to_numpy(dtype=np.int64)
    x_unsorted = end_day[hist_pcode]
    # by series, then recency (end, then start: a month is more recent than the quarter ending
    # with it); hist itself stays put
    order = np.lexsort((periods.recency[hist_pcode], hist_series))
    hist_series = hist_series[order]
    x = x_unsorted[order]
    actual_v = hist["value"].to_numpy(dtype=np.float64)[order]
    n_series = len(ind_ids) * n_org

    pts_series = _lookup(points["indicator"], ind_pos) * n_org + points["org_i"].to_numpy(
        dtype=np.int64
    )
    pts_x = _days(points["end"])
    porder = np.lexsort((pts_x, pts_series))
    pts_series, pts_x, pts_value = (
        pts_series[porder],
        pts_x[porder],
        points["value"].to_numpy(dtype=np.float64)[porder],
    )
    pts_kind = points["kind"].to_numpy(dtype=object)[porder]
    pts_period = points["period"].to_numpy(dtype=object)[porder]
    is_base = pts_kind == "baseline"
    baseline = np.full(n_series, np.nan)
    baseline_period = np.full(n_series, None, dtype=object)
    baseline[pts_series[is_base]] = pts_value[is_base]
    baseline_period[pts_series[is_base]] = pts_period[is_base]
    is_tgt = ~is_base
    target = np.full(n_series, np.nan)
    target_period = np.full(n_series, None, dtype=object)
    target_end = np.full(n_series, np.iinfo(np.int64).min, dtype=np.int64)
    target[pts_series[is_tgt]] = pts_value[is_tgt]  # sorted by x: last write is the final target
    target_period[pts_series[is_tgt]] = pts_period[is_tgt]
    target_end[pts_series[is_tgt]] = pts_x[is_tgt]
    has_baseline = ~np.isnan(baseline)
    direction = np.repeat(
        np.array([_DIRECTION_CODE[inds[i].effective_direction] for i in ind_ids], dtype=np.int64),
        n_org,
    )

    def plan_at(
        rows: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Planned value, achievement and planned achievement of sorted rows ``rows``."""
        s_ = hist_series[rows]
        planned_ = plan_values(s_, x[rows], pts_series, pts_x, pts_value, has_baseline)
        ach_ = achievement(actual_v[rows], baseline[s_], target[s_], direction[s_])
        pach_ = achievement(planned_, baseline[s_], target[s_], direction[s_])
        return planned_, ach_, pach_

    level_names = org_index.level_of()
    as_of_x = _days(np.array([as_of_day]))[0]
    upto = x <= as_of_x

    def build_history() -> pd.DataFrame:
        """The history table, built on first use (plans for every period of every series)."""
        rows = np.flatnonzero(upto)
        planned_, ach_, pach_ = plan_at(rows)
        s_ = hist_series[rows]
        hstatus = bands_.classify_codes(ach_, pach_)
        hstatus[np.isnan(target[s_])] = STATUSES.index("no_target")
        src = order[rows]
        org_i = hist["org_i"].to_numpy(dtype=np.int64)[src]
        pcode = hist_pcode[src]
        return pd.DataFrame(
            {
                "indicator": _text_column(ind_ids, hist_ind[src]),
                "org": _text_column(org_index.orgs, org_i),
                "level": _text_column(level_names, org_i),
                "period": _text_column(periods.label, pcode),
                "start": periods.start[pcode],
                "end": periods.end[pcode],
                "actual": actual_v[rows],
                "planned": planned_,
                "achievement": ach_,
                "planned_achievement": pach_,
                "status": pd.Categorical.from_codes(hstatus, categories=pd.Index(list(STATUSES))),
            }
        )

    # current rows at as_of ----------------------------------------------------------------------------
    cur_idx = np.full(n_series, -1, dtype=np.int64)
    sel = np.flatnonzero(upto)
    cur_idx[hist_series[sel]] = sel  # rows sorted by x within series: last write is the latest
    day, _slope = forecast(hist_series[upto], x[upto], actual_v[upto], n_series, target)
    grid_series = np.arange(n_series)
    present = np.zeros(n_series, dtype=bool)
    present[hist_series] = True
    present[pts_series] = True
    for top_pos in org_index.top:
        present[np.arange(len(ind_ids)) * n_org + top_pos] = True
    g = grid_series[present]
    gi, go = g // n_org, g % n_org
    cur = cur_idx[g]
    has = cur >= 0
    take = np.where(has, cur, 0)
    cur_actual = np.full(len(g), np.nan)
    cur_planned = np.full(len(g), np.nan)
    cur_ach = np.full(len(g), np.nan)
    cur_pach = np.full(len(g), np.nan)
    if has.any():
        rows_now = take[has]
        cur_actual[has] = actual_v[rows_now]
        cur_planned[has], cur_ach[has], cur_pach[has] = plan_at(rows_now)
    status = bands_.classify(cur_ach, cur_pach)
    status = np.where(np.isnan(target[g]), "no_target", np.where(has, status, "no_data"))
    fc_day = day[g]
    # a nearly flat trend reaches the target centuries away: beyond 100 years is "not foreseeable"
    fc_day = np.where(np.abs(fc_day - _days(np.array([as_of_day]))[0]) <= 36_525, fc_day, np.nan)
    fc_date = np.where(
        np.isnan(fc_day),
        np.datetime64("NaT"),
        np.datetime64("1970-01-01", "D") + np.nan_to_num(fc_day, nan=0).astype(np.int64),
    )
    fc_period = _fy_labels(fc_date, fys)
    on_course = (fc_day <= target_end[g]).astype(object)
    on_course[np.isnan(fc_day) | (target_end[g] == np.iinfo(np.int64).min)] = None
    on_course[status == "achieved"] = True
    cur_pcode = np.zeros(len(g), dtype=np.int64)
    cur_pcode[has] = hist_pcode[order[take[has]]]
    cur_end = np.full(len(g), np.datetime64("NaT"), dtype="datetime64[D]")
    if has.any():
        cur_end[has] = periods.end[cur_pcode[has]]
    ind_objs = [inds[ind_ids[k]] for k in gi]
    indicators = pd.DataFrame(
        {
            "indicator": [i.id for i in ind_objs],
            "name": [i.title for i in ind_objs],
            "role": [i.role for i in ind_objs],
            "node": [i.measures for i in ind_objs],
            "unit": [i.unit for i in ind_objs],
            "org": org_index.orgs[go],
            "level": level_names[go],
            "parent": _parents(org_index)[go],
            "period": _take_or_none(periods.label, cur_pcode, has),
            "actual_end": cur_end,
            "actual": cur_actual,
            "baseline": baseline[g],
            "baseline_period": baseline_period[g],
            "target": target[g],
            "target_period": target_period[g],
            "planned": cur_planned,
            "achievement": cur_ach,
            "planned_achievement": cur_pach,
            "status": status_categorical(status),
            "status_label": pd.Series(status, dtype=object)
            .map(STATUS_LABELS["ja" if lang == "ja" else "en"])
            .to_numpy(),
            "grade": bands_.grade(cur_ach),
            "forecast_date": fc_date.astype("datetime64[D]"),
            "forecast_period": fc_period,
            "on_course": on_course,
        }
    )
    if not bands_.grades:
        indicators = indicators.drop(columns=["grade"])
    children = _children_table(
        gi, go, indicators["status"].cat.codes.to_numpy(), ind_ids, org_index
    )
    # distinct (indicator, period end) up to as_of, for the "stale" diagnostic
    seen = pd.DataFrame({"i": hist_ind[order][upto], "x": x[upto]}).drop_duplicates()
    periods_seen = pd.DataFrame(
        {
            "indicator": np.asarray(ind_ids, dtype=object)[seen["i"].to_numpy(dtype=np.int64)],
            "end": np.datetime64("1970-01-01", "D") + seen["x"].to_numpy(dtype=np.int64),
        }
    )

    # pathway roll-up per org ---------------------------------------------------------------------------
    nodes = _node_table(model, indicators, go, org_index, bands_, rollup, lang)
    milestones = milestone_table(model, as_of_date, due_soon_days)
    findings = diagnose_findings(
        model, nodes, indicators, periods_seen, milestones, as_of_date, freq
    )
    return Progress(
        model,
        as_of_date,
        indicators,
        nodes,
        build_history,
        milestones,
        findings,
        children,
        report,
        bands_,
        lang,
        org_index.level_names,
    )


def _lookup(column: pd.Series, mapping: dict[str, int]) -> npt.NDArray[np.int64]:
    """``mapping[value]`` for every value of a text column, looked up once per distinct value."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    table = np.array([mapping[u] for u in uniques], dtype=np.int64)
    return table[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _org_rows(
    prepared: Observations, periods: PeriodTable, hierarchy: Hierarchy | None
) -> tuple[OrgIndex, npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Org index, per-row org position, ancestor table and per-row row of that table.

    Rows without an org belong to the hierarchy's root when it has one, else to the total.
    Work is per distinct org code (or per distinct (org, period) for versioned trees).
    """
    org_code = prepared.frame["org_code"].to_numpy()
    fill = hierarchy.roots[0] if hierarchy is not None and len(hierarchy.roots) == 1 else None
    orgs = np.empty(len(prepared.orgs) + 1, dtype=object)  # code -1 → ``fill``
    orgs[:-1] = prepared.orgs
    orgs[-1] = fill
    if hierarchy is not None and hierarchy.change_dates and len(org_code):
        n_p = len(periods)
        pair = (org_code.astype(np.int64) + 1) * n_p + prepared.frame["pcode"].to_numpy()
        codes, uniq = pd.factorize(pair)
        del pair
        index, pos_u, anc_u = build_org_index(
            orgs[uniq // n_p - 1], hierarchy, periods.end[uniq % n_p]
        )
    else:
        codes, uniq = pd.factorize(org_code)
        codes_in = orgs[uniq]
        if hierarchy is not None and not len(codes_in):
            codes_in = np.array([hierarchy.roots[0]], dtype=object)
        index, pos_u, anc_u = build_org_index(codes_in, hierarchy)
    return index, pos_u.astype(np.int32)[codes], anc_u, codes.astype(np.int32)


def _formula_order(model: LogicModel) -> list[str]:
    inds = {i.id: i for i in model.indicators}
    out: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for c in inds[name].components:
            visit(c)
        if inds[name].formula:
            out.append(name)

    for i in model.indicators:
        visit(i.id)
    return out


def _positions_by_indicator(
    codes: npt.NDArray[np.integer[Any]], ids: list[str]
) -> dict[str, npt.NDArray[np.int64]]:
    """Row positions of each indicator: one stable counting sort of the intake's integer codes."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(ids)) if len(codes) else np.zeros(len(ids), np.int64)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return {ids[k]: order[bounds[k] : bounds[k + 1]] for k in range(len(ids)) if counts[k]}


def _is_component(name: str, inds: dict[str, Indicator]) -> bool:
    return any(name in i.components for i in inds.values())


def _stack_series(
    columns: dict[str, npt.NDArray[Any]],
    as_observed: list[tuple[int, npt.NDArray[np.int64]]],
    aggregated: list[pd.DataFrame],
) -> pd.DataFrame:
    """All series rows in one frame (``indicator`` holds the series code), built column by column
    with one take for the series kept as observed."""
    names = ["pcode", "value", "org_i", "anc_code"]
    parts: dict[str, list[Any]] = {c: [] for c in ["indicator", *names]}
    if as_observed:
        positions = np.concatenate([p for _, p in as_observed])
        parts["indicator"].append(
            np.repeat(
                np.array([c for c, _ in as_observed], dtype=np.int32),
                [len(p) for _, p in as_observed],
            )
        )
        for c in names:
            parts[c].append(columns[c][positions])
        del positions
    for frame in aggregated:
        for c, part in parts.items():
            part.append(frame[c].to_numpy())
    dtypes = {"value": np.float64}
    return pd.DataFrame(
        {
            c: np.concatenate(v).astype(dtypes.get(c, np.int32), copy=False)
            if v
            else np.zeros(0, dtype=dtypes.get(c, np.int32))
            for c, v in parts.items()
        },
        copy=False,
    )


def _weights(
    rows: pd.DataFrame,
    sk_codes: dict[str, list[int]],
    inds: dict[str, Indicator],
    periods: PeriodTable,
) -> npt.NDArray[np.float64] | None:
    """Per-row weights for ``weight_by`` means: the weighting indicator's value for the same org at
    the nearest period (population is often yearly while the weighted indicator is monthly)."""
    wanted = {i.id: i.weight_by for i in inds.values() if i.weight_by}
    if not wanted:
        return None
    sk = rows["indicator"].to_numpy()
    out = np.full(len(rows), np.nan)
    end = periods.end.astype("datetime64[ns]")
    for name, by in wanted.items():
        mask = np.isin(sk, sk_codes[name])
        source = np.isin(sk, sk_codes[by])
        if not mask.any() or not source.any():
            continue
        left = pd.DataFrame(
            {
                "org_i": rows["org_i"].to_numpy(dtype=np.int64)[mask],
                "end": end[rows["pcode"].to_numpy()[mask]],
                "pos": np.flatnonzero(mask),
            }
        ).sort_values("end", kind="stable")
        right = pd.DataFrame(
            {
                "org_i": rows["org_i"].to_numpy(dtype=np.int64)[source],
                "end": end[rows["pcode"].to_numpy()[source]],
                "w": rows["value"].to_numpy(dtype=np.float64)[source],
            }
        ).sort_values("end", kind="stable")
        joined = pd.merge_asof(left, right, on="end", by="org_i", direction="nearest")
        out[joined["pos"].to_numpy()] = joined["w"].to_numpy(dtype=np.float64)
    return out


def _points(
    model: LogicModel,
    prepared: Observations,
    org_pos: npt.NDArray[np.int32],
    anc_code: npt.NDArray[np.int32],
    index: OrgIndex,
    anc_u: npt.NDArray[np.int64],
    inds: dict[str, Indicator],
) -> pd.DataFrame:
    """Baseline and target points per (indicator, org) with the precedence of DESIGN §5.7."""
    fys = model.fiscal_year_start
    rows = np.flatnonzero(prepared.frame["kind_code"].to_numpy() > 0)  # targets and baselines
    explicit = prepared.table(rows).assign(org_i=org_pos[rows], anc_code=anc_code[rows])
    frames = []
    if len(explicit):
        frames.append(
            pd.DataFrame(
                {
                    "indicator": explicit["indicator"].to_numpy(dtype=object),
                    "org_i": explicit["org_i"].to_numpy(dtype=np.int64),
                    "kind": explicit["kind"].to_numpy(dtype=object),
                    "end": explicit["end"].to_numpy(dtype="datetime64[D]"),
                    "period": explicit["period"].to_numpy(dtype=object),
                    "value": explicit["value"].to_numpy(dtype=np.float64),
                    "source": 0,
                }
            )
        )
        # additive indicators: per-org targets sum up to parents that have none
        additive = [i for i in inds if inds[i].orgs_rule == "sum" and not inds[i].formula]
        sub_mask = explicit["indicator"].isin(additive).to_numpy()
        if sub_mask.any() and anc_u.shape[1] > 1:
            sub = explicit[sub_mask]
            sa = anc_u[sub["anc_code"].to_numpy(dtype=np.int64)]
            own = index.org_level[sub["org_i"].to_numpy(dtype=np.int64)]
            for j, above in index.targets:
                use = (sa[:, j] >= 0) & (own > above)
                if not use.any():
                    continue
                part = pd.DataFrame(
                    {
                        "indicator": sub["indicator"].to_numpy(dtype=object)[use],
                        "org_i": sa[use, j],
                        "kind": sub["kind"].to_numpy(dtype=object)[use],
                        "end": sub["end"].to_numpy(dtype="datetime64[D]")[use],
                        "period": sub["period"].to_numpy(dtype=object)[use],
                        "value": sub["value"].to_numpy(dtype=np.float64)[use],
                    }
                )
                agg = part.groupby(["indicator", "org_i", "kind", "end", "period"], sort=False)[
                    "value"
                ].sum()
                frames.append(agg.reset_index().assign(source=1))
    # model points: one small table of (indicator, kind, period, value), repeated over the orgs
    # they apply to with np.repeat/np.tile (no per-org Python)
    all_orgs = np.arange(len(index.orgs), dtype=np.int64)
    top_orgs = np.array(index.top, dtype=np.int64)
    for ind in model.indicators:
        plist = [("baseline", ind.baseline)] if ind.baseline else []
        plist += [("target", p) for p in ind.targets]
        if not plist:
            continue
        non_additive = ind.orgs_rule != "sum" or ind.formula is not None
        where = all_orgs if non_additive else top_orgs
        periods = [parse_period(p.period, fys) for _, p in plist]
        n_pts, n_where = len(plist), len(where)
        frames.append(
            pd.DataFrame(
                {
                    "indicator": ind.id,
                    "org_i": np.tile(where, n_pts),
                    "kind": np.repeat(np.array([k for k, _ in plist], dtype=object), n_where),
                    "end": np.repeat(
                        np.array([per.end for per in periods], dtype="datetime64[D]"), n_where
                    ),
                    "period": np.repeat(
                        np.array([per.label for per in periods], dtype=object), n_where
                    ),
                    "value": np.repeat(
                        np.array([p.value for _, p in plist], dtype=np.float64), n_where
                    ),
                    "source": 2,
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "indicator": pd.Series([], dtype=object),
                "org_i": pd.Series([], dtype=np.int64),
                "kind": pd.Series([], dtype=object),
                "end": pd.Series([], dtype="datetime64[s]"),
                "period": pd.Series([], dtype=object),
                "value": pd.Series([], dtype=np.float64),
            }
        )
    pts = pd.concat(frames, ignore_index=True)
    # per (indicator, org, kind) the best source wins entirely: explicit rows > children sums > model
    best = pts.groupby(["indicator", "org_i", "kind"], sort=False)["source"].transform("min")
    pts = pts[pts["source"] == best]
    # one baseline per series: the latest
    base = (
        pts[pts["kind"] == "baseline"]
        .sort_values("end")
        .drop_duplicates(["indicator", "org_i"], keep="last")
    )
    tgt = pts[pts["kind"] == "target"].drop_duplicates(["indicator", "org_i", "end"], keep="first")
    return pd.concat([base, tgt], ignore_index=True)


def _text_column(categories: Any, codes: npt.NDArray[np.integer[Any]]) -> Any:
    """``categories[codes]`` as a text column for a long table: gathered by Arrow when it is
    installed (no Python object per row; pandas gets its Arrow-backed ``str``), else as objects.
    Columns with no text at all stay ``None`` objects."""
    cats = np.asarray(categories, dtype=object)
    if not any(c is not None for c in cats.tolist()):
        return cats[codes]
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with the parquet extra
        return cats[codes]
    table = pa.array(cats.tolist(), type=pa.large_string())
    return table.take(pa.array(np.asarray(codes, dtype=np.int64))).to_pandas()


def _take_or_none(
    values: npt.NDArray[np.object_], take: npt.NDArray[np.int64], has: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    out = np.full(len(take), None, dtype=object)
    if len(values):
        out[has] = values[take[has]]
    return out


def _parents(index: OrgIndex) -> npt.NDArray[np.object_]:
    parent_codes = np.full(len(index.orgs), None, dtype=object)
    has = index.parents >= 0
    parent_codes[has] = index.orgs[index.parents[has]]
    return parent_codes


def _fy_labels(dates: npt.NDArray[np.datetime64], fys: int) -> npt.NDArray[np.object_]:
    """``FYyyyy`` of each date (``None`` for NaT): the fiscal year is computed on whole arrays and
    a label made once per distinct year."""
    out = np.full(len(dates), None, dtype=object)
    ok = ~np.isnat(dates)
    if ok.any():
        days = dates[ok].astype("datetime64[D]")
        month = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        year = month // 12 + 1970 - (month % 12 + 1 < fys)
        uniq, inv = np.unique(year, return_inverse=True)
        labels = np.array([f"FY{y}" for y in uniq.tolist()], dtype=object)
        out[ok] = labels[inv.ravel()]
    return out


def _children_table(
    gi: npt.NDArray[np.int64],
    go: npt.NDArray[np.int64],
    status: npt.NDArray[np.integer[Any]],
    ind_ids: list[str],
    index: OrgIndex,
) -> pd.DataFrame:
    """Per (indicator, parent org): number and share of children by status.

    ``gi``, ``go`` and ``status`` are the indicator position, org position and status code
    (into :data:`STATUSES`) of each row of the indicators table; counted with one bincount.
    """
    named = np.array([o is not None for o in index.orgs.tolist()] + [False])
    parent = index.parents[go]
    has = named[parent]  # parent -1 (none) → the appended False
    n_org, n_st = len(index.orgs), len(STATUSES)
    key = gi[has] * n_org + parent[has]
    groups, inverse = np.unique(key, return_inverse=True)
    counts = np.bincount(
        inverse.ravel() * n_st + status[has], minlength=len(groups) * n_st
    ).reshape(len(groups), n_st)
    g_ind, g_org = groups // n_org, groups % n_org
    # rows ordered by indicator id, then parent code (as text)
    ind_rank = np.argsort(np.argsort(np.asarray(ind_ids, dtype=object)))
    org_rank = np.argsort(np.argsort(np.asarray([str(o) for o in index.orgs], dtype=object)))
    order = np.lexsort((org_rank[g_org], ind_rank[g_ind]))
    counts, g_ind, g_org = counts[order], g_ind[order], g_org[order]
    total = counts.sum(axis=1)
    achieved = counts[:, STATUSES.index("achieved")]
    columns: dict[str, Any] = {
        "indicator": np.asarray(ind_ids, dtype=object)[g_ind],
        "org": index.orgs[g_org],
        "level": index.level_of()[g_org],
    }
    columns.update({name: counts[:, k] for k, name in enumerate(STATUSES)})
    columns["n_children"] = total
    columns["share_achieved"] = achieved / total
    columns["share_on_track"] = (achieved + counts[:, STATUSES.index("on_track")]) / total
    return pd.DataFrame(columns)


def _node_table(
    model: LogicModel,
    indicators: pd.DataFrame,
    org_pos: npt.NDArray[np.int64],
    index: OrgIndex,
    bands: Bands,
    aggregator: Any,
    lang: str,
) -> pd.DataFrame:
    node_ids = list(model.node_ids)
    n_nodes, n_org = len(node_ids), len(index.orgs)
    node_pos = {nid: k for k, nid in enumerate(node_ids)}
    quantitative = {i.id: i.measure == "quantitative" for i in model.indicators}
    weight = {i.id: i.weight for i in model.indicators}
    t = indicators
    use = (
        t["indicator"].map(quantitative).to_numpy(dtype=bool) & t["achievement"].notna().to_numpy()
    )
    t = t[use]
    ni = t["node"].map(node_pos).to_numpy(dtype=np.int64)
    oi = np.asarray(org_pos, dtype=np.int64)[use]
    w = t["indicator"].map(weight).to_numpy(dtype=np.float64)
    a = np.clip(t["achievement"].to_numpy(dtype=np.float64), 0.0, 1.0)
    pa = t["planned_achievement"].to_numpy(dtype=np.float64)
    pa = np.where(np.isnan(pa), 1.0, np.clip(pa, 0.0, 1.0))
    flat = ni * n_org + oi
    wsum = np.bincount(flat, w, minlength=n_nodes * n_org)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(
            wsum > 0, np.bincount(flat, w * a, minlength=n_nodes * n_org) / wsum, np.nan
        )
        pscore = np.where(
            wsum > 0, np.bincount(flat, w * pa, minlength=n_nodes * n_org) / wsum, np.nan
        )
    score = score.reshape(n_nodes, n_org)
    pscore = pscore.reshape(n_nodes, n_org)
    graph = compile_model(model)
    _, prolled = rollup(graph, pscore, aggregator="weighted_mean")
    upstream, rolled = rollup(graph, score, aggregator=aggregator, planned=prolled)
    status = bands.classify(rolled.ravel(), prolled.ravel())
    kinds = [n.kind for n in model.nodes]
    stages = [getattr(n, "stage", None) for n in model.nodes]
    labels = [n.title for n in model.nodes]
    level_names = index.level_of()
    node_code = np.repeat(np.arange(n_nodes), n_org)
    org_code = np.tile(np.arange(n_org), n_nodes)
    status_cat = status_categorical(status)
    labels_of = STATUS_LABELS["ja" if lang == "ja" else "en"]
    return pd.DataFrame(
        {
            "node": _text_column(node_ids, node_code),
            "kind": _text_column(kinds, node_code),
            "stage": _text_column(stages, node_code),
            "label": _text_column(labels, node_code),
            "org": _text_column(index.orgs, org_code),
            "level": _text_column(level_names, org_code),
            "score": score.ravel(),
            "upstream": upstream.ravel(),
            "rolled": rolled.ravel(),
            "planned": prolled.ravel(),
            "status": status_cat,
            "status_label": _text_column([labels_of[c] for c in STATUSES], status_cat.codes),
        }
    )
