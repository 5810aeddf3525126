"""Stages "assign orgs" and "series" of :func:`~logicmodel.evaluation.evaluate`.

:func:`org_rows` gives every observation row its organisation and ancestors (:class:`OrgRows`);
:func:`series_rows` turns the actuals into one row per (indicator, org, reporting period) at every
organisation (:class:`SeriesRows`): the time rule to reporting periods (:func:`time_stage`), the
orgs rule (:func:`org_stage`), then formulas over the organisations that have every component
(:func:`formula_stage`). The numeric kernels are :mod:`~logicmodel.evaluation.aggregate` and
:mod:`~logicmodel.evaluation.formulas`; the frames they take stay inside this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.aggregate import (
    aggregate_orgs,
    aggregate_time,
    build_org_index,
    effective_frequency,
    formula_rows,
)
from logicmodel.evaluation.coverage import ExpectedCounts, reporting_counts
from logicmodel.evaluation.formulas import complete_formula_rows
from logicmodel.evaluation.states import OrgRows, SeriesRows
from logicmodel.periods import epoch_days as _days

if TYPE_CHECKING:
    from logicmodel.model import Indicator, LogicModel
    from logicmodel.observations import Observations, PeriodTable
    from logicmodel.orgs import Hierarchy

__all__ = ["formula_stage", "org_rows", "org_stage", "series_rows", "time_stage"]

# shortest length in days of a period of each reporting frequency
_FREQ_DAYS = {"month": 28, "quarter": 89, "fiscal_quarter": 89, "fiscal_year": 365, "year": 365}


def org_rows(prepared: Observations, periods: PeriodTable, hierarchy: Hierarchy | None) -> OrgRows:
    """Stage "assign orgs": org index, per-row org position, ancestor table and per-row row of
    that table.

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
    return OrgRows(
        index=index,
        org_pos=pos_u.astype(np.int32)[codes],
        anc_u=anc_u,
        anc_code=codes.astype(np.int32),
    )


Key = tuple[str, str | None]  # (indicator id, reporting frequency): one series


def series_rows(
    model: LogicModel,
    prepared: Observations,
    periods: PeriodTable,
    orgs: OrgRows,
    as_of_x: int,
    expected: ExpectedCounts,
) -> SeriesRows:
    """Stage "series": actuals up to ``as_of`` → series rows (indicator position, org_i, pcode, value,
    reporting) at every org: time rule to reporting periods (a period still running gives its
    total so far), then orgs rule, formulas over the orgs that have every component."""
    keys, freq = _series_keys(model)
    leaf_rows = time_stage(model, prepared, periods, orgs, keys, as_of_x)
    hist_parts, series, leaves = org_stage(model, leaf_rows, keys, freq, periods, orgs, expected)
    del leaf_rows
    hist_parts += formula_stage(model, freq, series, leaves, periods, orgs, expected)
    if not hist_parts:
        empty = np.zeros(0, dtype=np.int64)
        return _series_of(empty, empty, empty)
    parts = ("indicator", "org_i", "pcode", "value", "reporting")
    cols = {c: np.concatenate([p[c].to_numpy() for p in hist_parts]) for c in parts}
    del hist_parts
    # an observed period ending after as_of is not known yet; a reporting period built from
    # observations that ended by as_of is kept (``period_complete`` false)
    pcode = cols["pcode"].astype(np.int64, copy=False)
    as_observed_ind = np.array([freq[i.id] is None for i in model.indicators], dtype=bool)
    later = (periods.end_day[pcode] > as_of_x) & as_observed_ind[cols["indicator"]]
    kept = ~np.isnan(cols["value"]) & ~later
    if not kept.all():
        cols = {c: v[kept] for c, v in cols.items()}
        pcode = pcode[kept]
    return _series_of(cols["indicator"], cols["org_i"], pcode, cols["value"], cols["reporting"])


def _series_of(
    indicator: npt.NDArray[Any],
    org_i: npt.NDArray[Any],
    pcode: npt.NDArray[Any],
    value: npt.NDArray[Any] | None = None,
    reporting: npt.NDArray[Any] | None = None,
) -> SeriesRows:
    """A :class:`SeriesRows` with its dtypes (no copy where they already are)."""
    n = len(indicator)
    return SeriesRows(
        indicator=indicator.astype(np.int32, copy=False),
        org_i=org_i.astype(np.int64, copy=False),
        pcode=pcode.astype(np.int64, copy=False),
        value=(np.zeros(n) if value is None else value).astype(np.float64, copy=False),
        reporting=(np.zeros(n, np.int64) if reporting is None else reporting).astype(
            np.int64, copy=False
        ),
    )


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


def time_stage(
    model: LogicModel,
    prepared: Observations,
    periods: PeriodTable,
    orgs: OrgRows,
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
        "org_i": actual(orgs.org_pos),
        "anc_code": actual(orgs.anc_code),
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
        pc = _at(columns["pcode"], positions)
        ended = observed_end[pc] <= as_of_x
        if not ended.all():
            whole = (observed_start[pc] <= as_of_x) & (
                observed_end[pc] - observed_start[pc] + 1 >= _FREQ_DAYS.get(f, 1)
            )
            positions = positions[ended | whole]
        rows = pd.DataFrame(
            {
                "indicator": np.full(len(positions), code, dtype=np.int32),
                **{c: _at(v, positions) for c, v in columns.items()},
            },
            copy=False,
        )
        aggregated.append(aggregate_time(rows, f, inds[name].time_rule, fys, periods))
        del rows
    all_rows = _stack_series(columns, as_observed, aggregated)
    if len(all_rows) and np.isnan(all_rows["value"].to_numpy()).any():
        all_rows = all_rows[all_rows["value"].notna()].reset_index(drop=True)
    return all_rows


def org_stage(
    model: LogicModel,
    all_rows: pd.DataFrame,
    keys: list[Key],
    freq: dict[str, str | None],
    periods: PeriodTable,
    orgs: OrgRows,
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
    anc_u, org_index = orgs.anc_u, orgs.index
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


def formula_stage(
    model: LogicModel,
    freq: dict[str, str | None],
    series: dict[Key, pd.DataFrame],
    leaves: dict[Key, pd.DataFrame],
    periods: PeriodTable,
    orgs: OrgRows,
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
                orgs.anc_u,
                orgs.index,
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
    """Row positions of each indicator: one stable counting sort of the intake's integer codes,
    or, when the rows already come grouped by indicator in code order (long tables exported by
    systems usually do; checked, never assumed), each indicator's run of positions."""
    if len(codes) > 1 and bool((codes[1:] >= codes[:-1]).all()):
        bounds = np.searchsorted(codes, np.arange(len(ids) + 1))
        return {
            ids[k]: np.arange(bounds[k], bounds[k + 1], dtype=np.int64)
            for k in range(len(ids))
            if bounds[k + 1] > bounds[k]
        }
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(ids)) if len(codes) else np.zeros(len(ids), np.int64)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return {ids[k]: order[bounds[k] : bounds[k + 1]] for k in range(len(ids)) if counts[k]}


def _at(values: npt.NDArray[Any], positions: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """``values[positions]`` for positions that only increase (one indicator's rows): a view, not
    a copy, when they are one contiguous run (rows grouped by indicator, the usual export)."""
    n = len(positions)
    if n and int(positions[-1]) - int(positions[0]) + 1 == n:
        return values[int(positions[0]) : int(positions[-1]) + 1]
    return values[positions]


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
