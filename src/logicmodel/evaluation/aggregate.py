"""Time and organisation aggregation of observations into indicator series (DESIGN §5.7).

Input is the clean long frame of :mod:`logicmodel.observations`; output is one row per
(indicator, org, reporting period) for every org and every ancestor level. Everything is grouped
with pandas/numpy on whole columns: one groupby per (frequency, rule), one bincount-style
reduction per hierarchy level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.formula import parse_formula
from logicmodel.periods import assign_periods, parse_period

if TYPE_CHECKING:
    from logicmodel.model import Indicator
    from logicmodel.orgs import Hierarchy

__all__ = [
    "OrgIndex",
    "aggregate_orgs",
    "aggregate_time",
    "build_org_index",
    "effective_frequency",
]

_SERIES_COLS = ["indicator", "org", "start", "end", "period", "value"]
_PERIOD_KIND_TO_FREQ = {
    "month": "month",
    "quarter": "quarter",
    "fiscal_quarter": "fiscal_quarter",
    "fiscal_year": "fiscal_year",
    "year": "year",
}


def effective_frequency(ind: Indicator, fiscal_year_start: int) -> str | None:
    """The reporting frequency: the declared one, else — for flows (time rule ``sum``) — the
    frequency of the final target's period, so monthly flows are summed to the FY a target names.
    """
    if ind.frequency is not None:
        return ind.frequency
    if ind.time_rule == "sum" and ind.final_target is not None:
        kind = parse_period(ind.final_target.period, fiscal_year_start).kind
        return _PERIOD_KIND_TO_FREQ.get(kind)
    return None


def aggregate_time(
    rows: pd.DataFrame, freq: str | None, rule: str, fiscal_year_start: int
) -> pd.DataFrame:
    """Rows (indicator, org_i, anc_code, start, end, period, value) combined to reporting periods.

    ``rule`` ∈ sum|last|mean|min|max; ``last`` takes the value with the latest period end. The
    org's ancestor row (``anc_code``) is the one of the latest observation in the period. With
    ``freq=None`` periods stay as observed (rows are already unique per period). Rows are grouped
    on one integer key (org × reporting period), never on text.
    """
    cols = [*_SERIES_COLS, "org_i", "anc_code"]
    if rows.empty or freq is None:
        return rows[cols]
    obs_end = rows["end"].to_numpy(dtype="datetime64[D]")
    pa = assign_periods(obs_end, freq, fiscal_year_start=fiscal_year_start)
    # reporting periods of one frequency differ by their start: factorise integers, not labels
    pcode, _ = pd.factorize(pa.start.astype(np.int64))
    n_p = int(pcode.max()) + 1 if len(pcode) else 0
    first = np.zeros(n_p, dtype=np.int64)
    first[pcode[::-1]] = np.arange(len(pcode))[::-1]  # first row of each period code
    plabels = pa.label[first]
    key = rows["org_i"].to_numpy(dtype=np.int64) * n_p + pcode
    work = pd.DataFrame(
        {
            "key": key,
            "value": rows["value"].to_numpy(dtype=np.float64),
            "anc_code": rows["anc_code"].to_numpy(dtype=np.int64),
        }
    )
    if not (np.diff(obs_end.astype(np.int64)) >= 0).all():
        work = work.iloc[np.argsort(obs_end, kind="stable")]
    grouped = work.groupby("key", sort=False)
    value = grouped["value"].last() if rule == "last" else grouped["value"].agg(rule)
    anc_code = grouped["anc_code"].last()
    keys = value.index.to_numpy(dtype=np.int64)
    pc = keys % n_p
    return pd.DataFrame(
        {
            "indicator": np.full(len(keys), rows["indicator"].iloc[0]),
            "org": pd.Series(np.full(len(keys), None, dtype=object), dtype=object),
            "start": pa.start[first[pc]],
            "end": pa.end[first[pc]],
            "period": pd.Series(plabels[pc], dtype=object),
            "value": value.to_numpy(dtype=np.float64),
            "org_i": keys // n_p,
            "anc_code": anc_code.to_numpy(dtype=np.int64),
        }
    )


@dataclass(frozen=True, slots=True)
class OrgIndex:
    """Organisations of one evaluation: codes, levels, parents and per-code ancestor columns."""

    orgs: npt.NDArray[np.object_]  # codes (None for the synthetic total)
    level_names: tuple[str, ...]
    org_level: npt.NDArray[np.int64]
    parents: npt.NDArray[np.int64]
    top: tuple[int, ...]  # positions of the top-level orgs (targets in the model apply there)
    # (ancestor column, level): rows whose own level is deeper than ``level`` feed that column;
    # the tree's levels first, then one column per custom grouping (a separate axis)
    targets: tuple[tuple[int, int], ...] = ()

    def level_of(self) -> npt.NDArray[np.object_]:
        """Level name of each org."""
        return np.asarray(self.level_names, dtype=object)[self.org_level]


def build_org_index(
    codes: Sequence[object] | npt.NDArray[Any],
    hierarchy: Hierarchy | None,
    ends: npt.NDArray[np.datetime64] | None = None,
) -> tuple[OrgIndex, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The org index for observed ``codes`` and, per code, its position and ancestors array.

    Without a hierarchy: no orgs → one synthetic ``total`` (org ``None``); flat orgs → the orgs at
    level ``org`` under a synthetic ``total``.
    """
    codes_arr = np.asarray(codes, dtype=object).copy()
    codes_arr[pd.isna(codes_arr)] = None
    if hierarchy is None:
        named = sorted({c for c in codes_arr if c is not None})
        orgs = np.array([None, *named], dtype=object)
        lookup = {c: k + 1 for k, c in enumerate(named)}
        pos = np.array(
            [lookup.get(c, 0) if c is not None else 0 for c in codes_arr], dtype=np.int64
        )
        level = np.array([0] + [1] * len(named), dtype=np.int64)
        parents = np.array([-1] + [0] * len(named), dtype=np.int64)
        anc = np.stack(
            [np.zeros(len(codes_arr), dtype=np.int64), np.where(pos > 0, pos, -1)], axis=1
        )
        names = ("total", "org") if named else ("total",)
        if not named:
            anc = anc[:, :1]
        return OrgIndex(orgs, names, level, parents, (0,), ((0, 0),)), pos, anc
    ri = hierarchy.rollup_index(codes_arr, at=ends)
    orgs = np.asarray(ri.orgs, dtype=object)
    org_level = np.asarray(ri.org_level, dtype=np.int64)
    parents = np.asarray(ri.parents, dtype=np.int64)
    anc = np.asarray(ri.ancestors, dtype=np.int64)
    levels = tuple(ri.levels)
    targets = [(j, j) for j in range(len(levels) - 1)]
    top = tuple(int(k) for k in np.flatnonzero(parents < 0))
    # custom groupings (population bands, 指定都市/中核市 …): each group becomes an org at a level
    # named after the grouping, fed by the codes at (or below) the grouped level
    extra_orgs: list[object] = []
    extra_cols = []
    for g, (name, group) in enumerate(ri.groupings.items()):
        first = len(orgs) + len(extra_orgs)
        extra_orgs.extend(group.labels.tolist())
        gi = np.asarray(group.index, dtype=np.int64)
        extra_cols.append(np.where(gi >= 0, gi + first, -1))
        grouped_level = levels.index(group.level)
        targets.append((anc.shape[1] + g, grouped_level - 1))
        levels = (*levels, name)
        org_level = np.append(
            org_level, np.full(len(group.labels), len(levels) - 1, dtype=np.int64)
        )
        parents = np.append(parents, np.full(len(group.labels), -1, dtype=np.int64))
    if extra_orgs:
        orgs = np.concatenate([orgs, np.asarray(extra_orgs, dtype=object)])
        anc = np.column_stack([anc, *extra_cols])
    return (
        OrgIndex(orgs, levels, org_level, parents, top, tuple(targets)),
        np.asarray(ri.position, dtype=np.int64),
        anc,
    )


def aggregate_orgs(
    rows: pd.DataFrame,
    org_pos: npt.NDArray[np.int64],
    anc: npt.NDArray[np.int64],
    index: OrgIndex,
    rule_of: Mapping[str, str],
    weights: npt.NDArray[np.float64] | None = None,
) -> pd.DataFrame:
    """Rows for every ancestor level: children aggregated per indicator's ``orgs`` rule.

    ``rows`` carry ``org_i`` (position in ``index.orgs``); a value observed at an org itself wins
    over the aggregate of its children, and only the deepest observed level feeds a parent (no
    double counting across levels). ``weights`` (per row) turn ``mean`` into a weighted mean.
    Returns rows with ``org_i`` and ``n_children`` (number of contributing rows). Grouping is on
    one integer key (series × org × period) per level.
    """
    if rows.empty or not index.targets or anc.shape[1] <= 1:
        return rows.assign(org_i=org_pos, n_children=0)
    # the observed rows go into the result as they are (no copy here; ``n_children`` is 0)
    base = (
        rows
        if "org_i" in rows and np.array_equal(rows["org_i"].to_numpy(), org_pos)
        else (rows.assign(org_i=org_pos))
    )
    n_org = len(index.orgs)
    sk, series_names = pd.factorize(rows["indicator"].to_numpy())
    pk, period_labels = pd.factorize(rows["period"].to_numpy(dtype=object))
    n_p = len(period_labels)
    first = np.zeros(n_p, dtype=np.int64)
    first[pk[::-1]] = np.arange(len(pk))[::-1]
    starts = rows["start"].to_numpy()[first]
    ends = rows["end"].to_numpy()[first]
    series_rule = np.array([rule_of[str(n)] for n in series_names], dtype=object)
    rule_codes, rule_names = pd.factorize(series_rule)
    rules = rule_codes[sk]  # per row, an integer code of the series' orgs rule
    none_code = list(rule_names).index("none") if "none" in list(rule_names) else -1
    own_level = index.org_level[org_pos]
    values = rows["value"].to_numpy(dtype=np.float64)
    parts = [base]
    for j, above in index.targets:
        target = anc[:, j]
        use = (target >= 0) & (own_level > above) & (rules != none_code)
        if not use.any():
            continue
        idx = np.flatnonzero(use)
        levels_here = own_level[idx]
        if levels_here.min() != levels_here.max():
            # only the deepest observed level under each (series, parent) feeds it
            pair = sk[idx].astype(np.int64) * n_org + target[idx]
            deepest = pd.Series(levels_here).groupby(pair).transform("max").to_numpy()
            idx = idx[levels_here == deepest]
        key = (sk[idx].astype(np.int64) * n_org + target[idx]) * n_p + pk[idx]
        for code in np.unique(rules[idx]):
            rule = str(rule_names[code])
            sel = idx[rules[idx] == code]
            ksel = key[rules[idx] == code]
            frame = pd.DataFrame({"key": ksel, "value": values[sel]})
            if rule == "mean" and weights is not None:
                ww = weights[sel]
                has_w = ~np.isnan(ww)
                frame["_wv"] = np.where(has_w, values[sel] * ww, np.nan)
                frame["_w"] = np.where(has_w, ww, np.nan)
                agg = frame.groupby("key", sort=False).agg(
                    _wv=("_wv", "sum"),
                    _w=("_w", "sum"),
                    mean=("value", "mean"),
                    n_children=("value", "size"),
                    nw=("_w", "count"),
                )
                weighted = agg["_wv"] / agg["_w"].where(agg["_w"] > 0)
                out_v = np.where(agg["nw"] == agg["n_children"], weighted, agg["mean"])
                counts = agg["n_children"].to_numpy()
            else:
                agg = frame.groupby("key", sort=False)["value"].agg([rule, "size"])
                out_v = agg[rule].to_numpy(dtype=np.float64)
                counts = agg["size"].to_numpy()
            k = agg.index.to_numpy(dtype=np.int64)
            p_i, rest = k % n_p, k // n_p
            org_i, s_i = rest % n_org, rest // n_org
            parts.append(
                pd.DataFrame(
                    {
                        "indicator": np.asarray(series_names)[s_i],
                        "org_i": org_i,
                        "start": starts[p_i],
                        "end": ends[p_i],
                        "period": pd.Series(
                            np.asarray(period_labels, dtype=object)[p_i], dtype=object
                        ),
                        "value": out_v,
                        "n_children": counts,
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True)
    out["n_children"] = out["n_children"].fillna(0).astype(np.int64)
    if own_level.min() > max(above for _, above in index.targets):
        return out  # nothing was observed at a level that is also aggregated into
    # a value observed at the org itself wins over the aggregate of its children
    sk_all = pd.factorize(out["indicator"].to_numpy())[0].astype(np.int64)
    pk_all = pd.factorize(out["period"].to_numpy(dtype=object))[0].astype(np.int64)
    dedup = (sk_all * n_org + out["org_i"].to_numpy(dtype=np.int64)) * (pk_all.max() + 1) + pk_all
    order = np.argsort(out["n_children"].to_numpy(), kind="stable")
    keep = order[~pd.Series(dedup[order]).duplicated().to_numpy()]
    return out.iloc[np.sort(keep)].reset_index(drop=True)


def formula_rows(ind: Indicator, components: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows of a formula indicator computed per (org, period) from its components' rows."""
    names = ind.components
    frames = []
    for name in names:
        part = components.get(name)
        if part is None or part.empty:
            return pd.DataFrame(columns=[*_SERIES_COLS, "org_i"])
        frames.append(part.set_index(["org_i", "start", "end"])["value"].rename(name))
    wide = pd.concat(frames, axis=1, join="inner")
    periods = pd.concat(
        [components[n].set_index(["org_i", "start", "end"])["period"] for n in names[:1]], axis=1
    )
    if wide.empty:
        return pd.DataFrame(columns=[*_SERIES_COLS, "org_i"])
    values = parse_formula(ind.formula or "").evaluate(
        {n: wide[n].to_numpy(dtype=np.float64) for n in names}
    )
    out = wide.index.to_frame(index=False)
    out["value"] = values
    out["period"] = periods.reindex(wide.index).iloc[:, 0].to_numpy()
    out["indicator"] = ind.id
    return out
