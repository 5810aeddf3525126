"""``evaluate``: observations → progress of every indicator, node and org (DESIGN §4.4, §5.3–§5.7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.checks import check, drop_bad_rows
from logicmodel.errors import CheckError, ModelError, short_repr
from logicmodel.evaluation.achievement import forecast
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
from logicmodel.evaluation.coverage import (
    ExpectedCounts,
    expected_counts,
    incomplete_mask,
    reporting_counts,
)
from logicmodel.evaluation.diagnostics import diagnose_findings, milestone_table
from logicmodel.evaluation.engine import pushdown, worth_pushing_down
from logicmodel.evaluation.formulas import complete_formula_rows
from logicmodel.evaluation.history import HistorySource, SeriesState, text_column
from logicmodel.evaluation.progress import Progress
from logicmodel.evaluation.rollup import Aggregator, resolve_aggregator, rollup
from logicmodel.evaluation.timing import latest_end_of_finest
from logicmodel.graph import compile_model
from logicmodel.issues import Report
from logicmodel.observations import (
    Observations,
    PeriodTable,
    empty_observations,
    org_code_issues,
    prepare_observations,
    require_frame,
)
from logicmodel.periods import epoch_days as _days
from logicmodel.periods import parse_period

if TYPE_CHECKING:
    from logicmodel.model import Indicator, LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = ["evaluate"]

_DIRECTION_CODE = {"increase": 0, "decrease": 1, "maintain": 2}
_LANGS = ("en", "ja")
# shortest length in days of a period of each reporting frequency
_FREQ_DAYS = {"month": 28, "quarter": 89, "fiscal_quarter": 89, "fiscal_year": 365, "year": 365}
_DAY = np.timedelta64(1, "D")


def _as_of_date(as_of: Any, fiscal_year_start: int) -> dt.date | None:
    if as_of is None:
        return None
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    return parse_period(as_of, fiscal_year_start).end


def _as_of(
    as_of: Any, model: LogicModel, engine_end: dt.date | None, prepared: Observations
) -> tuple[dt.date, int]:
    """The evaluation date (given, else the engine's or the intake's default) and its epoch day."""
    day = _as_of_date(as_of, model.fiscal_year_start) or engine_end or default_as_of(prepared)
    return day, int(_days(np.array([np.datetime64(day, "D")]))[0])


def _findings(
    model: LogicModel,
    nodes: pd.DataFrame,
    indicators: pd.DataFrame,
    seen: pd.DataFrame,
    milestones: pd.DataFrame,
    as_of: dt.date,
    org_index: OrgIndex,
) -> pd.DataFrame:
    """Stage 6: the pathway findings, with the names of their orgs."""
    freq = {i.id: effective_frequency(i, model.fiscal_year_start) for i in model.indicators}
    findings = diagnose_findings(model, nodes, indicators, seen, milestones, as_of, freq)
    findings.insert(3, "org_name", _names_of(findings["org"], org_index))
    return findings


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
    min_coverage: float = 1.0,
    lang: str = "en",
    due_soon_days: int = 30,
    aggregators: Mapping[str, Aggregator] | None = None,
    ignore: str | Iterable[str] | None = None,
    errors: str = "raise",
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
        A date or period (its last day). Default: the latest end among the actual observations of
        the finest reporting frequency present (months before quarters before years), so one
        annual figure for a year still running does not move it into the future.
    hierarchy
        An :class:`~logicmodel.Hierarchy`; every org and every ancestor level then gets rows.
    bands
        :class:`Bands` or a preset name (``default``, ``sabcd``, ``sabc``).
    rollup
        Pathway aggregator: ``weighted_mean``, ``min``, ``max``, ``geometric_mean``,
        ``share_on_track`` or a callable (see :mod:`logicmodel.evaluation.rollup`).
    min_coverage
        Share (0–1) of the organisations at the counted level that must report for an additive
        total (orgs rule ``sum``) above them to be judged against its target; below it the
        row's status is ``incomplete`` (集計中). Every row carries ``reporting``, ``expected``
        and ``coverage``.
    lang
        ``"en"`` or ``"ja"``: the default language of ``status_label`` columns and of
        :meth:`Progress.summary` (which also takes ``lang=``).

    aggregators
        Named aggregators of this call only: a name in ``rollup`` is looked up here first, then
        in the process-wide registry (:func:`~logicmodel.register_aggregator`), so a thread or an
        embedding system can name its own without registering anything.
    ignore
        Check codes or prefixes to leave out of the model check that precedes the evaluation
        (as :func:`logicmodel.check`'s ``ignore``), e.g. ``"LM216"``.
    errors
        ``"raise"`` (default): any observation error stops the evaluation (:class:`CheckError`).
        ``"drop"``: observation rows with errors are left out, the rest is evaluated, and
        ``progress.report`` lists what was left out as warnings. Rows are 0-based frame rows, or
        file lines when the frame has ``source_row`` (as :func:`logicmodel.read_observations`
        gives). Organisation codes the hierarchy does not know stay errors.

    Returns
    -------
    Progress

    Raises
    ------
    CheckError
        The model or the observations have errors (the report lists them all, with rows; with a
        hierarchy every unknown org code too, as :func:`logicmodel.check` reports them).
    ModelError
        ``lang`` is not ``"en"`` or ``"ja"``, or ``min_coverage`` is not a number from 0 to 1.

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
    if isinstance(rollup, str) and aggregators is not None and rollup in aggregators:
        rollup = resolve_aggregator(aggregators[rollup])  # checks it is callable
    bands_, lang, min_coverage = resolve_bands(bands), _language(lang), _fraction(min_coverage)
    if errors not in ("raise", "drop"):
        raise ModelError(f"errors {errors!r} is not one of raise, drop")
    prepared, report, engine_end = _intake(
        model, observations, hierarchy, lang, as_of, ignore=ignore, drop=errors == "drop"
    )
    periods = prepared.periods.copy()  # reporting periods are added to the evaluation's copy
    as_of_date, as_of_x = _as_of(as_of, model, engine_end, prepared)
    org_index, org_pos, anc_u, anc_code = _org_rows(prepared, periods, hierarchy)
    expected = expected_counts(org_index, hierarchy)
    hist = _series_rows(
        model, prepared, periods, org_pos, anc_u, anc_code, org_index, as_of_x, expected
    )
    points = _points(model, prepared, org_pos, anc_code, org_index, anc_u)
    del prepared, org_pos, anc_code  # the row-level arrays are not needed any more
    state = _series_state(model, hist, points, periods, org_index, as_of_x)
    source = _history_source(model, state, org_index, periods, expected, bands_, min_coverage)
    indicators, gi, go = _indicator_table(model, source, periods, org_index, as_of_x, lang)
    status = indicators["status"].cat.codes.to_numpy()
    children = _children_table(gi, go, status, source.ind_ids, org_index, expected, as_of_x)
    nodes = _node_table(model, indicators, go, org_index, bands_, rollup, lang)
    milestones = milestone_table(model, as_of_date, due_soon_days)
    seen = _periods_seen(state, source.ind_ids, as_of_x)
    findings = _findings(model, nodes, indicators, seen, milestones, as_of_date, org_index)
    return Progress(
        model=model,
        as_of=as_of_date,
        indicators=indicators,
        nodes=nodes,
        milestones=milestones,
        findings=findings,
        children=children,
        report=report,
        bands=bands_,
        lang=lang,
        levels=org_index.level_names,
        orgs=_org_table(org_index, expected, as_of_x),
        history_source=source,
        min_coverage=min_coverage,
    )


def _history_source(
    model: LogicModel,
    state: SeriesState,
    org_index: OrgIndex,
    periods: PeriodTable,
    expected: ExpectedCounts,
    bands: Bands,
    min_coverage: float,
) -> HistorySource:
    """Stage 4: what the history table is made from (arrays only, so a Progress pickles)."""
    return HistorySource(
        state=state,
        ind_ids=tuple(i.id for i in model.indicators),
        orgs=org_index.orgs,
        org_names=_org_names(org_index),
        org_level=org_index.org_level,
        level_names=org_index.level_names,
        counted=org_index.counted,
        period_label=periods.label,
        period_start=periods.start,
        period_end=periods.end,
        expected=expected,
        additive=np.array(
            [i.orgs_rule == "sum" and not i.formula for i in model.indicators], dtype=bool
        ),
        bands=bands,
        min_coverage=min_coverage,
    )


def _names_of(codes: pd.Series, index: OrgIndex) -> npt.NDArray[np.object_]:
    """Display names of org codes (one lookup per distinct code)."""
    names = {
        k: v for k, v in zip(index.orgs.tolist(), _org_names(index).tolist(), strict=True) if k
    }
    named = codes.astype(object).map(names).astype(object)
    out: npt.NDArray[np.object_] = named.where(named.notna(), None).to_numpy(dtype=object)
    return out


def _periods_seen(state: SeriesState, ind_ids: tuple[str, ...], as_of_x: int) -> pd.DataFrame:
    """Distinct (indicator, period end up to as_of) of the actuals, for the ``stale`` finding."""
    seen = pd.DataFrame({"i": state.indicator, "x": np.minimum(state.x, as_of_x)}).drop_duplicates()
    return pd.DataFrame(
        {
            "indicator": np.asarray(ind_ids, dtype=object)[seen["i"].to_numpy(dtype=np.int64)],
            "end": np.datetime64("1970-01-01", "D") + seen["x"].to_numpy(dtype=np.int64),
        }
    )


def default_as_of(prepared: Observations) -> dt.date:
    """The latest end among the actual observations of the finest reporting frequency present
    (DESIGN §4.4; see :func:`~logicmodel.evaluation.timing.latest_end_of_finest`), worked on the
    distinct periods of the actual rows. Without actuals: today."""
    frame = prepared.frame
    periods = prepared.periods
    actual = frame["kind_code"].to_numpy() == 0
    if not len(frame) or not actual.any() or not len(periods):
        return dt.date.today()
    seen = np.flatnonzero(np.bincount(frame["pcode"].to_numpy()[actual], minlength=len(periods)))
    latest = latest_end_of_finest(_days(periods.start[seen]), periods.end_day[seen])
    out: dt.date = (np.datetime64("1970-01-01", "D") + int(latest or 0)).astype(dt.date)
    return out


def _language(lang: object) -> str:
    if lang not in _LANGS:
        raise ModelError(f"lang {lang!r} is not one of {', '.join(_LANGS)}")
    return str(lang)


def _fraction(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ModelError(f"min_coverage must be a number from 0 to 1, got {value!r}")
    return float(value)


def _intake(
    model: LogicModel,
    observations: Any,
    hierarchy: Hierarchy | None,
    lang: str,
    as_of: Any,
    *,
    ignore: str | Iterable[str] | None = None,
    drop: bool = False,
) -> tuple[Observations, Report, dt.date | None]:
    """Stage 1: check the model and the observations (org codes against the hierarchy) and
    bring the observations to integer codes; raises the full report when anything is wrong.
    Also gives the default ``as_of`` an engine found (its cube's periods are reporting periods)."""
    report = check(model, ignore=ignore)
    prepared = None
    pushed = None
    if observations is not None:
        # engine frames (polars, duckdb, pyspark …): validate and time-aggregate in the engine and
        # collect only the reporting-period cube; versioned hierarchies need every row's own date,
        # and a given as_of before the data's end needs the observations up to it (the cube sums
        # whole periods), so both go through the pandas intake
        if (hierarchy is None or not hierarchy.change_dates) and worth_pushing_down(observations):
            pushed = pushdown(model, observations)
            given = _as_of_date(as_of, model.fiscal_year_start)
            end = pushed.last_observed_end if pushed is not None else None
            if given is not None and end is not None and end > given:
                pushed = None
        prepared = (
            pushed.prepare(model)
            if pushed is not None
            else prepare_observations(model, observations)
        )
        found = drop_bad_rows(prepared.issues) if drop else list(prepared.issues)
        report = report + Report([*found, *org_code_issues(prepared, hierarchy)])
    if not report.ok:
        raise CheckError(report.in_language(lang))
    if prepared is None:
        prepared = Observations(
            empty_observations(), (), False, tuple(i.id for i in model.indicators)
        )
    return prepared, report, pushed.last_actual_end if pushed is not None else None


def _org_names(index: OrgIndex) -> npt.NDArray[np.object_]:
    if index.names is not None:
        return index.names
    return np.asarray(index.orgs, dtype=object)


def _org_table(index: OrgIndex, expected: ExpectedCounts, as_of_x: int) -> pd.DataFrame:
    """One row per organisation of the evaluation: code, name, kana, level, parent, expected."""
    n = len(index.orgs)
    return pd.DataFrame(
        {
            "org": index.orgs,
            "org_name": _org_names(index),
            "org_kana": index.kana if index.kana is not None else np.full(n, None, dtype=object),
            "level": index.level_of(),
            "parent": _parents(index),
            "expected": expected.at(np.arange(n), np.full(n, as_of_x)),
        }
    )


Key = tuple[str, str | None]  # (indicator id, reporting frequency): one series


def _series_rows(
    model: LogicModel,
    prepared: Observations,
    periods: PeriodTable,
    org_pos: npt.NDArray[np.int32],
    anc_u: npt.NDArray[np.int64],
    anc_code: npt.NDArray[np.int32],
    org_index: OrgIndex,
    as_of_x: int,
    expected: ExpectedCounts,
) -> pd.DataFrame:
    """Stage 2: actuals up to ``as_of`` → series rows (indicator position, org_i, pcode, value,
    reporting) at every org: time rule to reporting periods (a period still running gives its
    total so far), then orgs rule, formulas over the orgs that have every component."""
    keys, freq = _series_keys(model)
    leaf_rows = _time_stage(model, prepared, periods, org_pos, anc_code, keys, as_of_x)
    hist_parts, series, leaves = _org_stage(
        model, leaf_rows, keys, freq, periods, anc_u, org_index, expected
    )
    del leaf_rows
    hist_parts += _formula_stage(model, freq, series, leaves, periods, anc_u, org_index, expected)
    cols = ["indicator", "org_i", "pcode", "value", "reporting"]
    if not hist_parts:
        empty = {c: np.zeros(0, dtype=np.int64) for c in cols}
        return pd.DataFrame(empty).assign(value=np.zeros(0))
    hist = pd.concat([p[cols] for p in hist_parts], ignore_index=True)
    # an observed period ending after as_of is not known yet; a reporting period built from
    # observations that ended by as_of is kept (``period_complete`` false)
    pcode = hist["pcode"].to_numpy(dtype=np.int64)
    as_observed_ind = np.array([freq[i.id] is None for i in model.indicators], dtype=bool)
    later = (periods.end_day[pcode] > as_of_x) & as_observed_ind[
        hist["indicator"].to_numpy(np.int64)
    ]
    kept: pd.DataFrame = hist[hist["value"].notna().to_numpy() & ~later]
    return kept


def _series_keys(model: LogicModel) -> tuple[list[Key], dict[str, str | None]]:
    """One series per (indicator, reporting frequency): each indicator at its own frequency and
    a formula's components at the formula's."""
    inds = {i.id: i for i in model.indicators}
    freq = {i.id: effective_frequency(i, model.fiscal_year_start) for i in model.indicators}
    needed: dict[Key, None] = {}

    def need(name: str, f: str | None) -> None:
        for c in inds[name].components if inds[name].formula else ():
            need(c, f)
        needed[(name, f)] = None

    for ind in model.indicators:
        need(ind.id, freq[ind.id])
    return list(needed), freq


def _time_stage(
    model: LogicModel,
    prepared: Observations,
    periods: PeriodTable,
    org_pos: npt.NDArray[np.int32],
    anc_code: npt.NDArray[np.int32],
    keys: list[Key],
    as_of_x: int,
) -> pd.DataFrame:
    """Actual rows → series rows (``indicator`` = series code, ``pcode, value, org_i,
    anc_code``) at each series' reporting periods, by its time rule; missing values dropped."""
    fys = model.fiscal_year_start
    clean = prepared.frame
    inds = {i.id: i for i in model.indicators}
    is_actual = clean["kind_code"].to_numpy() == 0
    every = bool(is_actual.all())

    def actual(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if every else values[is_actual]  # no copy when every row is an actual

    columns = {
        "pcode": actual(clean["pcode"].to_numpy()),
        "value": actual(clean["value"].to_numpy()),
        "org_i": actual(org_pos),
        "anc_code": actual(anc_code),
    }
    observed_end = prepared.periods.end_day
    observed_start = _days(prepared.periods.start)
    ind_ids = [i.id for i in model.indicators]
    by_indicator = _positions_by_indicator(actual(clean["ind_code"].to_numpy()), ind_ids)
    as_observed: list[tuple[int, npt.NDArray[np.int64]]] = []  # series without a frequency
    aggregated: list[pd.DataFrame] = []
    for code, (name, f) in enumerate(keys):
        positions = by_indicator.get(name)
        if positions is None:
            continue
        if f is None:
            as_observed.append((code, positions))
            continue
        # a reporting period still running at as_of is the total so far (year to date): the
        # observations that ended by as_of go into it, and one already as long as the
        # reporting period (a fiscal-year figure so far, an engine's cube) that has begun
        pc = columns["pcode"][positions]
        ended = observed_end[pc] <= as_of_x
        if not ended.all():
            whole = (observed_start[pc] <= as_of_x) & (
                observed_end[pc] - observed_start[pc] + 1 >= _FREQ_DAYS.get(f, 1)
            )
            positions = positions[ended | whole]
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
    if len(all_rows) and np.isnan(all_rows["value"].to_numpy()).any():
        all_rows = all_rows[all_rows["value"].notna()].reset_index(drop=True)
    return all_rows


def _org_stage(
    model: LogicModel,
    all_rows: pd.DataFrame,
    keys: list[Key],
    freq: dict[str, str | None],
    periods: PeriodTable,
    anc_u: npt.NDArray[np.int64],
    org_index: OrgIndex,
    expected: ExpectedCounts,
) -> tuple[list[pd.DataFrame], dict[Key, pd.DataFrame], dict[Key, pd.DataFrame]]:
    """Series rows at every org by the orgs rule, with ``reporting``: the history parts of the
    indicators without a formula, and for formulas the aggregated and the observed rows of
    their components (and of observed formula values) by series."""
    hist_parts: list[pd.DataFrame] = []
    series: dict[Key, pd.DataFrame] = {}
    leaves: dict[Key, pd.DataFrame] = {}
    if not len(all_rows):
        return hist_parts, series, leaves
    inds = {i.id: i for i in model.indicators}
    ind_ids = [i.id for i in model.indicators]
    ind_pos = {k: n for n, k in enumerate(ind_ids)}
    ind_of_sk = np.array([ind_pos[k[0]] for k in keys], dtype=np.int32)
    sk_codes = {name: [c for c, k in enumerate(keys) if k[0] == name] for name in ind_ids}
    grouped = aggregate_orgs(
        all_rows,
        anc_u,
        org_index,
        [inds[name].orgs_rule for name, _f in keys],
        len(periods),
        _weights(all_rows, sk_codes, inds, periods),
    )
    grouped["reporting"] = reporting_counts(
        all_rows, grouped, anc_u, org_index, expected, periods.end_day, len(periods)
    )
    sk = grouped["indicator"].to_numpy()
    # the reported series of non-formula indicators go to the history in one take
    final = np.zeros(len(keys), dtype=bool)
    final[[keys.index((i.id, freq[i.id])) for i in model.indicators if not i.formula]] = True
    main = final[sk]
    if main.any():
        part = grouped if main.all() else grouped[main]
        hist_parts.append(part.assign(indicator=ind_of_sk[part["indicator"].to_numpy()]))
    del main
    wanted = {keys.index(k) for k in keys if inds[k[0]].formula or _is_component(k[0], inds)}
    if wanted:
        where = pd.Series(np.arange(len(sk))).groupby(sk).indices
        leaf_sk = all_rows["indicator"].to_numpy()
        leaf_where = pd.Series(np.arange(len(leaf_sk))).groupby(leaf_sk).indices
        for code in wanted:
            if code in where:
                series[keys[code]] = grouped.iloc[where[code]].reset_index(drop=True)
            if code in leaf_where:
                leaves[keys[code]] = all_rows.iloc[leaf_where[code]].reset_index(drop=True)
    return hist_parts, series, leaves


def _formula_stage(
    model: LogicModel,
    freq: dict[str, str | None],
    series: dict[Key, pd.DataFrame],
    leaves: dict[Key, pd.DataFrame],
    periods: PeriodTable,
    anc_u: npt.NDArray[np.int64],
    org_index: OrgIndex,
    expected: ExpectedCounts,
) -> list[pd.DataFrame]:
    """History parts of the formula indicators (components first): computed over the orgs with
    every component (:func:`complete_formula_rows`), then from aggregated components where that
    gives nothing (components observed at different levels), then observed formula values."""
    inds = {i.id: i for i in model.indicators}
    ind_pos = {i.id: n for n, i in enumerate(model.indicators)}
    parts: list[pd.DataFrame] = []
    for name in _formula_order(model):
        ind = inds[name]
        f = freq[name]
        comps = {c: series.get((c, f), pd.DataFrame()) for c in ind.components}
        computed = formula_rows(ind, comps, periods)
        computed["reporting"] = _reporting_of(computed, comps, ind.components)
        if not any(inds[c].formula for c in ind.components):
            complete = complete_formula_rows(
                ind,
                [leaves.get((c, f), pd.DataFrame()) for c in ind.components],
                [inds[c].orgs_rule for c in ind.components],
                anc_u,
                org_index,
                periods,
                expected,
            )
            computed = pd.concat([complete, computed], ignore_index=True)
        observed = series.get((name, f), pd.DataFrame())
        if len(observed):
            computed = pd.concat(
                [computed, observed[["org_i", "pcode", "value", "reporting"]]], ignore_index=True
            )
        merged = computed.drop_duplicates(["org_i", "pcode"], keep="first").reset_index(drop=True)
        series[(name, f)] = merged
        if len(merged):
            parts.append(merged.assign(indicator=np.int32(ind_pos[name])))
    return parts


def _reporting_of(
    computed: pd.DataFrame, comps: dict[str, pd.DataFrame], names: tuple[str, ...]
) -> npt.NDArray[np.int64]:
    """Reporting of formula rows computed from aggregated components: the smallest of the
    components' reporting at the same (org, period) (a fallback; see complete_formula_rows)."""
    if not len(computed):
        return np.zeros(0, dtype=np.int64)
    out = np.full(len(computed), np.iinfo(np.int64).max, dtype=np.int64)
    key = computed["org_i"].to_numpy(dtype=np.int64) * (1 << 32) + computed["pcode"].to_numpy(
        dtype=np.int64
    )
    for name in names:
        part = comps[name]
        if not len(part) or "reporting" not in part:
            continue
        their = part["org_i"].to_numpy(dtype=np.int64) * (1 << 32) + part["pcode"].to_numpy(
            dtype=np.int64
        )
        got = pd.Series(part["reporting"].to_numpy(dtype=np.int64), index=their)
        got = got[~got.index.duplicated()]
        vals = got.reindex(key).to_numpy(dtype=np.float64)
        out = np.where(np.isnan(vals), out, np.minimum(out, np.nan_to_num(vals).astype(np.int64)))
    return np.where(out == np.iinfo(np.int64).max, 0, out)


def _series_state(
    model: LogicModel,
    hist: pd.DataFrame,
    points: pd.DataFrame,
    periods: PeriodTable,
    org_index: OrgIndex,
    as_of_x: int,
) -> SeriesState:
    """Stage 3: series rows sorted by (series, recency) and the plan points on the grid
    series = indicator × n_org + org."""
    inds = {i.id: i for i in model.indicators}
    ind_ids = [i.id for i in model.indicators]
    ind_pos = {k: n for n, k in enumerate(ind_ids)}
    n_org = len(org_index.orgs)
    n_series = len(ind_ids) * n_org
    pcode = hist["pcode"].to_numpy(dtype=np.int64)
    ind = hist["indicator"].to_numpy(dtype=np.int64)
    series = ind * n_org + hist["org_i"].to_numpy(dtype=np.int64)
    order = np.lexsort((periods.recency[pcode], series))
    start_day = _days(periods.start)
    pts_series = _lookup(points["indicator"], ind_pos) * n_org + points["org_i"].to_numpy(
        dtype=np.int64
    )
    pts_x = _days(points["end"])
    porder = np.lexsort((pts_x, pts_series))
    pts_series, pts_x = pts_series[porder], pts_x[porder]
    pts_value = points["value"].to_numpy(dtype=np.float64)[porder]
    is_base = points["kind"].to_numpy(dtype=object)[porder] == "baseline"
    pts_period = points["period"].to_numpy(dtype=object)[porder]
    baseline = np.full(n_series, np.nan)
    baseline[pts_series[is_base]] = pts_value[is_base]
    baseline_period = np.full(n_series, None, dtype=object)
    baseline_period[pts_series[is_base]] = pts_period[is_base]
    is_tgt = ~is_base
    target = np.full(n_series, np.nan)
    target[pts_series[is_tgt]] = pts_value[is_tgt]  # sorted by x: the last is the final target
    target_period = np.full(n_series, None, dtype=object)
    target_period[pts_series[is_tgt]] = pts_period[is_tgt]
    target_end = np.full(n_series, np.iinfo(np.int64).min, dtype=np.int64)
    target_end[pts_series[is_tgt]] = pts_x[is_tgt]
    direction = np.repeat(
        np.array([_DIRECTION_CODE[inds[i].effective_direction] for i in ind_ids], dtype=np.int64),
        n_org,
    )
    return SeriesState(
        series=series[order],
        x=periods.end_day[pcode][order].astype(np.int64),
        start=start_day[pcode][order],
        actual=hist["value"].to_numpy(dtype=np.float64)[order],
        reporting=hist["reporting"].to_numpy(dtype=np.int64)[order],
        pcode=pcode[order],
        org_i=hist["org_i"].to_numpy(dtype=np.int64)[order],
        indicator=ind[order],
        n_org=n_org,
        as_of_x=as_of_x,
        pts_series=pts_series,
        pts_x=pts_x,
        pts_value=pts_value,
        has_baseline=~np.isnan(baseline),
        baseline=baseline,
        target=target,
        direction=direction,
        baseline_period=baseline_period,
        target_period=target_period,
        target_end=target_end,
        flow=np.array([inds[i].time_rule == "sum" for i in ind_ids], dtype=bool),
    )


def _indicator_table(
    model: LogicModel,
    source: HistorySource,
    periods: PeriodTable,
    org_index: OrgIndex,
    as_of_x: int,
    lang: str,
) -> tuple[pd.DataFrame, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Stage 4: one row per (indicator, org) at ``as_of`` (and each row's indicator and org
    positions)."""
    st = source.state
    inds = {i.id: i for i in model.indicators}
    ind_ids = list(source.ind_ids)
    n_series = len(ind_ids) * st.n_org
    fys = model.fiscal_year_start
    bands_ = source.bands
    g = _present_series(st, org_index, len(ind_ids))
    gi, go = g // st.n_org, g % st.n_org
    now = _current(st, g, n_series, periods, as_of_x)
    has, cur_ach, cur_pach = now.has, now.achievement, now.planned_achievement
    status = bands_.classify(cur_ach, cur_pach)
    status = np.where(np.isnan(st.target[g]), "no_target", np.where(has, status, "no_data"))
    expected = source.expected.at(go, now.x)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(expected > 0, now.reporting / np.maximum(expected, 1), np.nan)
    judged = np.isin(status, ["achieved", "on_track", "at_risk", "off_track"])
    short = incomplete_mask(
        source.additive[gi], source.org_level[go], source.counted, coverage, source.min_coverage
    )
    status = np.where(judged & short, "incomplete", status)
    fc_date, on_course = _forecast_columns(st, g, n_series, as_of_x, status)
    cur_actual, cur_planned, reporting = now.actual, now.planned, now.reporting
    cur_pcode, cur_end, complete = now.pcode, now.end, now.complete
    ind_objs = [inds[ind_ids[k]] for k in gi]
    level_names = np.asarray(source.level_names, dtype=object)[source.org_level]
    table = pd.DataFrame(
        {
            "indicator": [i.id for i in ind_objs],
            "name": [i.title for i in ind_objs],
            "role": [i.role for i in ind_objs],
            "node": [i.measures for i in ind_objs],
            "unit": [i.unit for i in ind_objs],
            "org": source.orgs[go],
            "org_name": source.org_names[go],
            "level": level_names[go],
            "parent": _parents(org_index)[go],
            "period": _take_or_none(periods.label, cur_pcode, has),
            "actual_end": cur_end,
            "period_complete": complete,
            "actual": cur_actual,
            "baseline": st.baseline[g],
            "baseline_period": st.baseline_period[g],
            "target": st.target[g],
            "target_period": st.target_period[g],
            "planned": cur_planned,
            "achievement": cur_ach,
            "planned_achievement": cur_pach,
            "status": status_categorical(status),
            "status_label": pd.Series(status, dtype=object)
            .map(STATUS_LABELS["ja" if lang == "ja" else "en"])
            .to_numpy(),
            "grade": bands_.grade(cur_ach),
            "forecast_date": fc_date.astype("datetime64[D]"),
            "forecast_period": _fy_labels(fc_date, fys),
            "on_course": on_course,
            "reporting": reporting,
            "expected": expected,
            "coverage": coverage,
        }
    )
    if not bands_.grades:
        table = table.drop(columns=["grade"])
    return table, gi, go


def _present_series(st: SeriesState, org_index: OrgIndex, n_ind: int) -> npt.NDArray[np.int64]:
    """Series (indicator × org) with a row: observed, planned, or the top org of an indicator."""
    present = np.zeros(n_ind * st.n_org, dtype=bool)
    present[st.series] = True
    present[st.pts_series] = True
    for top_pos in org_index.top:
        present[np.arange(n_ind) * st.n_org + top_pos] = True
    return np.flatnonzero(present)


@dataclass(frozen=True)
class _Current:
    """The latest state of each present series at ``as_of`` (NaN, 0 or NaT without data)."""

    has: npt.NDArray[np.bool_]
    actual: npt.NDArray[np.float64]
    planned: npt.NDArray[np.float64]
    achievement: npt.NDArray[np.float64]
    planned_achievement: npt.NDArray[np.float64]
    reporting: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    pcode: npt.NDArray[np.int64]
    end: npt.NDArray[np.datetime64]
    complete: npt.NDArray[np.object_]


def _current(
    st: SeriesState, g: npt.NDArray[np.int64], n_series: int, periods: PeriodTable, as_of_x: int
) -> _Current:
    """Stage 4a: each series' latest row (rows are sorted by recency: the last is the latest)."""
    cur_idx = np.full(n_series, -1, dtype=np.int64)
    cur_idx[st.series] = np.arange(len(st.series))
    cur = cur_idx[g]
    has = cur >= 0
    rows_now = np.where(has, cur, 0)[has]
    n = len(g)
    actual, planned, ach, pach = (np.full(n, np.nan) for _ in range(4))
    reporting = np.zeros(n, dtype=np.int64)
    cur_x = np.full(n, as_of_x, dtype=np.int64)
    pcode = np.zeros(n, dtype=np.int64)
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    complete = np.full(n, None, dtype=object)
    if has.any():
        actual[has] = st.actual[rows_now]
        planned[has], ach[has], pach[has] = st.plan_at(rows_now)
        reporting[has] = st.reporting[rows_now]
        cur_x[has] = np.minimum(st.x[rows_now], as_of_x)
        pcode[has] = st.pcode[rows_now]
        end[has] = periods.end[pcode[has]]
        complete[has] = st.complete[rows_now]
    return _Current(has, actual, planned, ach, pach, reporting, cur_x, pcode, end, complete)


def _forecast_columns(
    st: SeriesState,
    g: npt.NDArray[np.int64],
    n_series: int,
    as_of_x: int,
    status: np.ndarray,
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.object_]]:
    """Stage 4b: the forecast date of reaching the target and whether it is on course."""
    fc_day = _forecast_days(st, n_series, as_of_x)[g]
    fc_date = np.where(
        np.isnan(fc_day),
        np.datetime64("NaT"),
        np.datetime64("1970-01-01", "D") + np.nan_to_num(fc_day, nan=0).astype(np.int64),
    )
    target_end = st.target_end
    on_course = (fc_day <= target_end[g]).astype(object)
    on_course[np.isnan(fc_day) | (target_end[g] == np.iinfo(np.int64).min)] = None
    on_course[status == "achieved"] = True
    return fc_date, on_course


def _forecast_days(st: SeriesState, n_series: int, as_of_x: int) -> npt.NDArray[np.float64]:
    """Day each series would reach its final target on its recent trend (NaN: not foreseeable):
    from complete periods only, and never further from ``as_of`` than the data reaches back."""
    usable = st.complete | ~st.flow[st.indicator]
    day, _slope = forecast(st.series[usable], st.x[usable], st.actual[usable], n_series, st.target)
    # first day of each series' data (rows are sorted by series: one reduceat, no ufunc.at)
    first_x = np.full(n_series, np.iinfo(np.int64).max, dtype=np.int64)
    if len(st.series):
        bounds = np.flatnonzero(np.r_[True, st.series[1:] != st.series[:-1]])
        first_x[st.series[bounds]] = np.minimum.reduceat(st.start, bounds)
    span = np.where(first_x < np.iinfo(np.int64).max, as_of_x - first_x, 0)
    horizon = np.minimum(np.maximum(span, 0), 36_525)
    out: npt.NDArray[np.float64] = np.where(np.abs(day - as_of_x) <= horizon, day, np.nan)
    return out


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
) -> pd.DataFrame:
    """Baseline and target points per (indicator, org) with the precedence of DESIGN §5.7."""
    rows = np.flatnonzero(prepared.frame["kind_code"].to_numpy() > 0)  # targets and baselines
    explicit = prepared.table(rows).assign(org_i=org_pos[rows], anc_code=anc_code[rows])
    frames = []
    if len(explicit):
        frames.append(_point_frame(explicit, slice(None)).assign(source=0))
        frames += _children_sums(model, explicit, index, anc_u)
    frames += _model_points(model, index)
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


def _point_frame(
    explicit: pd.DataFrame, use: Any, org_i: npt.NDArray[np.int64] | None = None
) -> pd.DataFrame:
    """``indicator, org_i, kind, end, period, value`` of the explicit points at ``use``."""
    return pd.DataFrame(
        {
            "indicator": explicit["indicator"].to_numpy(dtype=object)[use],
            "org_i": explicit["org_i"].to_numpy(dtype=np.int64)[use] if org_i is None else org_i,
            "kind": explicit["kind"].to_numpy(dtype=object)[use],
            "end": explicit["end"].to_numpy(dtype="datetime64[D]")[use],
            "period": explicit["period"].to_numpy(dtype=object)[use],
            "value": explicit["value"].to_numpy(dtype=np.float64)[use],
        }
    )


def _children_sums(
    model: LogicModel, explicit: pd.DataFrame, index: OrgIndex, anc_u: npt.NDArray[np.int64]
) -> list[pd.DataFrame]:
    """Additive indicators: per-org targets sum up to parents that have none (source 1)."""
    additive = [i.id for i in model.indicators if i.orgs_rule == "sum" and not i.formula]
    sub_mask = explicit["indicator"].isin(additive).to_numpy()
    if not (sub_mask.any() and anc_u.shape[1] > 1):
        return []
    sub = explicit[sub_mask]
    sa = anc_u[sub["anc_code"].to_numpy(dtype=np.int64)]
    own = index.org_level[sub["org_i"].to_numpy(dtype=np.int64)]
    frames = []
    for j, above in index.targets:
        use = (sa[:, j] >= 0) & (own > above)
        if not use.any():
            continue
        part = _point_frame(sub, use, sa[use, j])
        agg = part.groupby(["indicator", "org_i", "kind", "end", "period"], sort=False)[
            "value"
        ].sum()
        frames.append(agg.reset_index().assign(source=1))
    return frames


def _model_points(model: LogicModel, index: OrgIndex) -> list[pd.DataFrame]:
    """The model's baselines and targets (source 2): one small table of (indicator, kind, period,
    value), repeated over the orgs they apply to with np.repeat/np.tile (no per-org Python)."""
    fys = model.fiscal_year_start
    all_orgs = np.arange(len(index.orgs), dtype=np.int64)
    top_orgs = np.array(index.top, dtype=np.int64)
    frames = []
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
    return frames


_text_column = text_column


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
    ind_ids: Sequence[str],
    index: OrgIndex,
    expected: ExpectedCounts,
    as_of_x: int,
) -> pd.DataFrame:
    """Per (indicator, org above the counted level): the organisations at the counted level
    below it by status, those without a row counted as ``no_data`` (all 1,741 municipalities
    under the nation), and the shares achieved / on track of all of them.

    ``gi``, ``go`` and ``status`` are the indicator position, org position and status code
    (into :data:`STATUSES`) of each row of the indicators table; counted with one bincount.
    """
    n_org, n_st = len(index.orgs), len(STATUSES)
    tree = np.arange(n_org) < index.n_tree
    level = index.org_level
    at_counted = (level[go] == index.counted) & tree[go]
    # versioned trees: only the organisations that exist at as_of (merged ones left out)
    at_counted &= expected.at(np.where(tree[go], go, 0), np.full(len(go), as_of_x)) > 0
    keys: list[npt.NDArray[np.int64]] = []
    codes: list[npt.NDArray[np.int64]] = []
    anc = index.parents[go[at_counted]]
    ind = gi[at_counted]
    st = status[at_counted].astype(np.int64)
    while len(anc) and (anc >= 0).any():
        ok = anc >= 0
        keys.append(ind[ok] * n_org + anc[ok])
        codes.append(st[ok])
        anc, ind, st = index.parents[anc[ok]], ind[ok], st[ok]
    parents = np.flatnonzero(tree & (level < index.counted))
    grid = (np.arange(len(ind_ids))[:, None] * n_org + parents[None, :]).ravel()
    flat = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
    counts = np.bincount(
        (flat * n_st + (np.concatenate(codes) if codes else flat)) if len(flat) else flat,
        minlength=len(ind_ids) * n_org * n_st,
    ).reshape(len(ind_ids) * n_org, n_st)[grid]
    g_ind, g_org = grid // n_org, grid % n_org
    total = expected.at(g_org, np.full(len(g_org), as_of_x))
    seen = counts.sum(axis=1)
    no_data = STATUSES.index("no_data")
    counts[:, no_data] += np.maximum(total - seen, 0)
    total = counts.sum(axis=1)
    # rows ordered by indicator id, then org code (as text)
    ind_rank = np.argsort(np.argsort(np.asarray(ind_ids, dtype=object)))
    org_rank = np.argsort(np.argsort(np.asarray([str(o) for o in index.orgs], dtype=object)))
    order = np.lexsort((org_rank[g_org], ind_rank[g_ind]))
    counts, g_ind, g_org, total = counts[order], g_ind[order], g_org[order], total[order]
    achieved = counts[:, STATUSES.index("achieved")]
    columns: dict[str, Any] = {
        "indicator": np.asarray(ind_ids, dtype=object)[g_ind],
        "org": index.orgs[g_org],
        "org_name": _org_names(index)[g_org],
        "level": index.level_of()[g_org],
    }
    columns.update({name: counts[:, k] for k, name in enumerate(STATUSES)})
    columns["n_children"] = total
    columns["reporting"] = total - counts[:, no_data]
    with np.errstate(invalid="ignore", divide="ignore"):
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
    # a partial total (集計中) is not judged, so it does not score its node either (DESIGN §4.4)
    partial = use & (t["status"] == "incomplete").to_numpy(dtype=bool)
    use &= ~partial
    partial_at = np.bincount(
        t["node"].map(node_pos).to_numpy(dtype=np.int64)[partial] * n_org
        + np.asarray(org_pos, dtype=np.int64)[partial],
        minlength=n_nodes * n_org,
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
    status[(partial_at > 0) & np.isnan(score.ravel())] = "incomplete"
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
            "org_name": _text_column(_org_names(index), org_code),
            "level": _text_column(level_names, org_code),
            "score": score.ravel(),
            "measured": ~np.isnan(score.ravel()),
            "upstream": upstream.ravel(),
            "rolled": rolled.ravel(),
            "planned": prolled.ravel(),
            "status": status_cat,
            "status_label": _text_column([labels_of[c] for c in STATUSES], status_cat.codes),
        }
    )
