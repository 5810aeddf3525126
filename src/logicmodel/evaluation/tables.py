"""Stage "tables" of :func:`~logicmodel.evaluation.evaluate`: the only place the evaluation makes
text. The indicator, children, node, organisation and findings tables are built from the array
states (:class:`~logicmodel.evaluation.states.CurrentRows`,
:class:`~logicmodel.evaluation.history.HistorySource`) by taking per-indicator, per-node and
per-organisation values by position; statuses stay codes (the ``status`` categorical), and
:class:`~logicmodel.evaluation.progress.Progress` labels them in a language when a table is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.aggregate import OrgIndex, effective_frequency
from logicmodel.evaluation.bands import STATUSES, Bands
from logicmodel.evaluation.coverage import ExpectedCounts
from logicmodel.evaluation.diagnostics import diagnose_findings
from logicmodel.evaluation.history import HistorySource, SeriesState, text_column
from logicmodel.evaluation.rollup import rollup
from logicmodel.evaluation.states import CurrentRows
from logicmodel.graph import compile_model

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.observations import PeriodTable

__all__ = [
    "children_table",
    "findings_table",
    "fy_labels",
    "indicator_table",
    "node_table",
    "org_names",
    "org_table",
    "periods_seen",
    "status_codes",
]

_EPOCH = np.datetime64("1970-01-01", "D")
_STATUS_CATEGORIES: pd.Index[str] = pd.Index([str(s) for s in STATUSES])


def status_codes(codes: npt.NDArray[np.integer[Any]]) -> pd.Categorical[str]:
    """Status codes (positions in :data:`STATUSES`) as the ``status`` categorical."""
    out: pd.Categorical[str] = pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int8), categories=_STATUS_CATEGORIES
    )
    return out


def indicator_table(
    model: LogicModel,
    source: HistorySource,
    cur: CurrentRows,
    periods: PeriodTable,
    org_index: OrgIndex,
) -> pd.DataFrame:
    """One row per (indicator, org) at ``as_of``: per-indicator and per-org text taken by
    position, statuses as the ``status`` categorical (labels are made by ``Progress``)."""
    st = source.state
    g = cur.gi * st.n_org + cur.go
    gi, go, has = cur.gi, cur.go, cur.has
    inds = model.indicators
    per_ind: dict[str, list[object]] = {
        "indicator": [i.id for i in inds],
        "name": [i.title for i in inds],
        "role": [i.role for i in inds],
        "node": [i.measures for i in inds],
        "unit": [i.unit for i in inds],
    }
    columns: dict[str, Any] = {k: _objects(v)[gi] for k, v in per_ind.items()}
    level_names = np.asarray(source.level_names, dtype=object)[source.org_level]
    columns.update(
        {
            "org": source.orgs[go],
            "org_name": source.org_names[go],
            "level": level_names[go],
            "parent": parents(org_index)[go],
            "period": _take_or_none(periods.label, cur.pcode, has),
            "actual_end": _ends(periods, cur.pcode, has),
            "period_complete": _bools_or_none(cur.complete, has),
            "actual": cur.actual,
            "baseline": st.baseline[g],
            "baseline_period": _labels(st.point_labels, st.baseline_period[g]),
            "target": st.target[g],
            "target_period": _labels(st.point_labels, st.target_period[g]),
            "planned": cur.planned,
            "achievement": cur.achievement,
            "planned_achievement": cur.planned_achievement,
            "status": status_codes(cur.status),
        }
    )
    if source.bands.grades:
        columns["grade"] = source.bands.grade(cur.achievement)
    fc_date = np.where(
        np.isnan(cur.forecast_day),
        np.datetime64("NaT"),
        _EPOCH + np.nan_to_num(cur.forecast_day, nan=0).astype(np.int64),
    ).astype("datetime64[D]")
    columns["forecast_date"] = fc_date
    columns["forecast_period"] = fy_labels(fc_date, model.fiscal_year_start)
    columns["on_course"] = _bools_or_none(cur.on_course == 1, cur.on_course >= 0)
    columns["reporting"] = cur.reporting
    columns["expected"] = cur.expected
    columns["coverage"] = cur.coverage
    return pd.DataFrame(columns)


def _ends(
    periods: PeriodTable, pcode: npt.NDArray[np.int64], has: npt.NDArray[np.bool_]
) -> npt.NDArray[np.datetime64]:
    """The last day of each row's period (NaT without data)."""
    out = np.full(len(pcode), np.datetime64("NaT"), dtype="datetime64[D]")
    out[has] = periods.end[pcode[has]]
    return out


def _objects(values: Sequence[object]) -> npt.NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _labels(labels: tuple[str, ...], codes: npt.NDArray[np.int32]) -> npt.NDArray[np.object_]:
    """``labels[code]`` (``None`` for −1), one object per row taken from a small table."""
    table = _objects([*labels, None])
    return table[np.where(codes < 0, len(labels), codes)]


def _bools_or_none(
    values: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    out = np.asarray(values, dtype=bool).astype(object)
    out[~known] = None
    return out


def _take_or_none(
    values: npt.NDArray[np.object_], take: npt.NDArray[np.int64], has: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    out = np.full(len(take), None, dtype=object)
    if len(values):
        out[has] = values[take[has]]
    return out


def org_names(index: OrgIndex) -> npt.NDArray[np.object_]:
    """Display names of the organisations (their codes when the tree has no names)."""
    if index.names is not None:
        return index.names
    return np.asarray(index.orgs, dtype=object)


def parents(index: OrgIndex) -> npt.NDArray[np.object_]:
    """The parent code of each organisation (``None`` at the top)."""
    parent_codes = np.full(len(index.orgs), None, dtype=object)
    has = index.parents >= 0
    parent_codes[has] = index.orgs[index.parents[has]]
    return parent_codes


def org_table(index: OrgIndex, expected: ExpectedCounts, as_of_x: int) -> pd.DataFrame:
    """One row per organisation of the evaluation: code, name, kana, level, parent, expected."""
    n = len(index.orgs)
    return pd.DataFrame(
        {
            "org": index.orgs,
            "org_name": org_names(index),
            "org_kana": index.kana if index.kana is not None else np.full(n, None, dtype=object),
            "level": index.level_of(),
            "parent": parents(index),
            "expected": expected.at(np.arange(n), np.full(n, as_of_x)),
        }
    )


def fy_labels(dates: npt.NDArray[np.datetime64], fys: int) -> npt.NDArray[np.object_]:
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


def children_table(
    cur: CurrentRows,
    ind_ids: Sequence[str],
    index: OrgIndex,
    expected: ExpectedCounts,
    as_of_x: int,
) -> pd.DataFrame:
    """Per (indicator, org above the counted level): the organisations at the counted level
    below it by status, those without a row counted as ``no_data`` (all 1,741 municipalities
    under the nation), and the shares achieved / on track of all of them; counted with one
    bincount over the rows of ``cur``."""
    gi, go, status = cur.gi, cur.go, cur.status
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
    above = np.flatnonzero(tree & (level < index.counted))
    grid = (np.arange(len(ind_ids))[:, None] * n_org + above[None, :]).ravel()
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
        "org_name": org_names(index)[g_org],
        "level": index.level_of()[g_org],
    }
    columns.update({name: counts[:, k] for k, name in enumerate(STATUSES)})
    columns["n_children"] = total
    columns["reporting"] = total - counts[:, no_data]
    with np.errstate(invalid="ignore", divide="ignore"):
        columns["share_achieved"] = achieved / total
        columns["share_on_track"] = (achieved + counts[:, STATUSES.index("on_track")]) / total
    return pd.DataFrame(columns)


def node_table(
    model: LogicModel, cur: CurrentRows, index: OrgIndex, bands: Bands, aggregator: Any
) -> pd.DataFrame:
    """One row per (node, org): the weighted mean of its quantitative indicators' achievement
    (clipped to [0, 1]), rolled up along the pathway (:func:`rollup`); statuses by the bands."""
    node_ids = list(model.node_ids)
    n_nodes, n_org = len(node_ids), len(index.orgs)
    node_pos = {nid: k for k, nid in enumerate(node_ids)}
    inds = model.indicators
    quantitative = np.array([i.measure == "quantitative" for i in inds], dtype=bool)
    weight = np.array([i.weight for i in inds], dtype=np.float64)
    node_of = np.array([node_pos[i.measures] for i in inds], dtype=np.int64)
    gi, go = cur.gi, cur.go
    use = quantitative[gi] & ~np.isnan(cur.achievement)
    # a partial total (集計中) is not judged, so it does not score its node either (DESIGN §4.4)
    partial = use & (cur.status == STATUSES.index("incomplete"))
    use &= ~partial
    partial_at = np.bincount(node_of[gi[partial]] * n_org + go[partial], minlength=n_nodes * n_org)
    flat = node_of[gi[use]] * n_org + go[use]
    w = weight[gi[use]]
    a = np.clip(cur.achievement[use], 0.0, 1.0)
    pa = cur.planned_achievement[use]
    pa = np.where(np.isnan(pa), 1.0, np.clip(pa, 0.0, 1.0))
    wsum = np.bincount(flat, w, minlength=n_nodes * n_org)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(
            wsum > 0, np.bincount(flat, w * a, minlength=n_nodes * n_org) / wsum, np.nan
        ).reshape(n_nodes, n_org)
        pscore = np.where(
            wsum > 0, np.bincount(flat, w * pa, minlength=n_nodes * n_org) / wsum, np.nan
        ).reshape(n_nodes, n_org)
    graph = compile_model(model)
    _, prolled = rollup(graph, pscore, aggregator="weighted_mean")
    upstream, rolled = rollup(graph, score, aggregator=aggregator, planned=prolled)
    status = bands.classify_codes(rolled.ravel(), prolled.ravel())
    status[(partial_at > 0) & np.isnan(score.ravel())] = STATUSES.index("incomplete")
    node_code = np.repeat(np.arange(n_nodes), n_org)
    org_code = np.tile(np.arange(n_org), n_nodes)
    return pd.DataFrame(
        {
            "node": text_column(node_ids, node_code),
            "kind": text_column([n.kind for n in model.nodes], node_code),
            "stage": text_column([getattr(n, "stage", None) for n in model.nodes], node_code),
            "label": text_column([n.title for n in model.nodes], node_code),
            "org": text_column(index.orgs, org_code),
            "org_name": text_column(org_names(index), org_code),
            "level": text_column(index.level_of(), org_code),
            "score": score.ravel(),
            "measured": ~np.isnan(score.ravel()),
            "upstream": upstream.ravel(),
            "rolled": rolled.ravel(),
            "planned": prolled.ravel(),
            "status": status_codes(status),
        }
    )


def periods_seen(state: SeriesState, ind_ids: tuple[str, ...], as_of_x: int) -> pd.DataFrame:
    """Distinct (indicator, period end up to as_of) of the actuals, for the ``stale`` finding."""
    x = np.minimum(state.x, as_of_x)
    low = int(x.min()) if len(x) else 0
    span = int(x.max()) - low + 1 if len(x) else 1
    # distinct (indicator, day) in order of first appearance, hashed as one integer key
    key = pd.unique(state.indicator * span + (x - low))
    return pd.DataFrame(
        {
            "indicator": np.asarray(ind_ids, dtype=object)[key // span],
            "end": _EPOCH + (key % span + low),
        }
    )


def findings_table(
    model: LogicModel,
    nodes: pd.DataFrame,
    indicators: pd.DataFrame,
    seen: pd.DataFrame,
    milestones: pd.DataFrame,
    as_of: dt.date,
    index: OrgIndex,
) -> pd.DataFrame:
    """The pathway findings (:func:`diagnose_findings`), with the names of their orgs."""
    freq = {i.id: effective_frequency(i, model.fiscal_year_start) for i in model.indicators}
    findings = diagnose_findings(model, nodes, indicators, seen, milestones, as_of, freq)
    findings.insert(3, "org_name", _names_of(findings["org"], index))
    return findings


def _names_of(codes: pd.Series, index: OrgIndex) -> npt.NDArray[np.object_]:
    """Display names of org codes (one lookup per distinct code)."""
    names = {k: v for k, v in zip(index.orgs.tolist(), org_names(index).tolist(), strict=True) if k}
    named = codes.astype(object).map(names).astype(object)
    out: npt.NDArray[np.object_] = named.where(named.notna(), None).to_numpy(dtype=object)
    return out
