"""Stage "plan points" of :func:`~logicmodel.evaluation.evaluate`: the baselines and targets of
each (indicator, org) with the precedence of DESIGN §5.7, on the intake's integer codes.

Three sources, the best present for an (indicator, org, kind) winning entirely: explicit rows of
the observations (``kind`` target or baseline), then per-org targets summed up to parents that have
none (additive indicators), then the model's baselines and targets (at the top organisations for
additive indicators, at every organisation otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.aggregate import aggregate_orgs
from logicmodel.evaluation.states import OrgRows, PlanPoints
from logicmodel.periods import epoch_days, parse_period

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.observations import Observations

__all__ = ["plan_points"]

_BASELINE = 2  # the intake's kind code of a baseline (0 actual, 1 target)
_COLUMNS = ("indicator", "org_i", "is_baseline", "end_day", "period", "value", "source")
_DTYPES = (np.int32, np.int64, np.bool_, np.int64, np.int32, np.float64, np.int8)

Part = dict[str, npt.NDArray[np.generic]]


def plan_points(model: LogicModel, prepared: Observations, orgs: OrgRows) -> PlanPoints:
    """Baseline and target points per (indicator, org) with the precedence of DESIGN §5.7: per
    (indicator, org, kind) the best source wins entirely (explicit rows > children sums > model);
    one baseline per series (the latest), one target per period end (the first given)."""
    labels = [str(x) for x in prepared.periods.label.tolist()]
    explicit = _explicit(prepared, orgs)
    parts = [explicit, *_children_sums(model, explicit, orgs)] if len(explicit["value"]) else []
    parts += _model_points(model, orgs, labels)
    if not parts:
        return PlanPoints(
            **{c: np.zeros(0, dtype=d) for c, d in zip(_COLUMNS, _DTYPES, strict=True)},
            labels=tuple(labels),
        )
    cols = {c: np.concatenate([p[c] for p in parts]) for c in _COLUMNS}
    sources = cols["source"]
    del parts
    n_org = len(orgs.index.orgs)
    series = cols["indicator"].astype(np.int64) * n_org + cols["org_i"]
    key = series * 2 + cols["is_baseline"]
    best = pd.Series(sources).groupby(key, sort=False).transform("min").to_numpy()
    keep = sources == best
    base = np.flatnonzero(keep & cols["is_baseline"])
    # one baseline per series: the latest (ties: the last given)
    base = base[np.argsort(cols["end_day"][base], kind="stable")]
    base = base[~pd.Series(series[base]).duplicated(keep="last").to_numpy()]
    tgt = np.flatnonzero(keep & ~cols["is_baseline"])
    tgt = tgt[~pd.DataFrame({"s": series[tgt], "x": cols["end_day"][tgt]}).duplicated().to_numpy()]
    take = np.concatenate([base, tgt])
    return PlanPoints(
        **{c: cols[c][take].astype(d, copy=False) for c, d in zip(_COLUMNS, _DTYPES, strict=True)},
        labels=tuple(labels),
    )


def additive_indicators(model: LogicModel) -> npt.NDArray[np.bool_]:
    """Per indicator (model order): whether its totals add up over organisations (orgs rule
    ``sum``, no formula) — per-org targets then sum to parents, and coverage can be short."""
    return np.array([i.orgs_rule == "sum" and not i.formula for i in model.indicators], dtype=bool)


def _explicit(prepared: Observations, orgs: OrgRows) -> Part:
    """The target and baseline rows of the observations, on their integer codes."""
    frame = prepared.frame
    kind = frame["kind_code"].to_numpy()
    rows = np.flatnonzero(kind > 0)
    pcode = frame["pcode"].to_numpy()[rows].astype(np.int64)
    return {
        "indicator": frame["ind_code"].to_numpy()[rows].astype(np.int32),
        "org_i": orgs.org_pos[rows].astype(np.int64),
        "is_baseline": kind[rows] == _BASELINE,
        "end_day": prepared.periods.end_day[pcode].astype(np.int64),
        "period": pcode.astype(np.int32),
        "value": frame["value"].to_numpy(dtype=np.float64)[rows],
        "anc_code": orgs.anc_code[rows],
        "source": np.zeros(len(rows), dtype=np.int8),
    }


def _children_sums(model: LogicModel, explicit: Part, orgs: OrgRows) -> list[Part]:
    """Additive indicators: per-org targets and baselines summed up to the parents that have none
    (source 1), by the same organisation aggregation as the actuals (:func:`aggregate_orgs`: an
    organisation's own point wins over its children's sum, and in each branch only the deepest
    level with points feeds the parents, so a city and its wards are never added together)."""
    index, anc_u = orgs.index, orgs.anc_u
    sub_mask = additive_indicators(model)[explicit["indicator"].astype(np.int64)]
    if not (sub_mask.any() and anc_u.shape[1] > 1):
        return []
    sub = {c: v[sub_mask] for c, v in explicit.items()}
    pcode = sub["period"].astype(np.int64)
    n_periods = int(pcode.max()) + 1
    end_of = np.zeros(n_periods, dtype=np.int64)
    end_of[pcode] = sub["end_day"]
    rows = pd.DataFrame(  # one series per (indicator, kind): code = indicator × 2 + is_baseline
        {
            "indicator": sub["indicator"].astype(np.int64) * 2
            + sub["is_baseline"].astype(np.int64),
            "org_i": sub["org_i"],
            "pcode": pcode,
            "value": sub["value"],
            "anc_code": sub["anc_code"],
        }
    )
    rule_of = ["sum"] * (2 * len(model.indicators))
    grouped = aggregate_orgs(rows, anc_u, index, rule_of, n_periods)
    summed = grouped[grouped["n_children"].to_numpy() > 0]
    if not len(summed):
        return []
    code = summed["indicator"].to_numpy(dtype=np.int64)
    period = summed["pcode"].to_numpy(dtype=np.int64)
    return [
        {
            "indicator": (code // 2).astype(np.int32),
            "org_i": summed["org_i"].to_numpy(dtype=np.int64),
            "is_baseline": (code % 2).astype(bool),
            "end_day": end_of[period],
            "period": period.astype(np.int32),
            "value": summed["value"].to_numpy(dtype=np.float64),
            "source": np.ones(len(summed), dtype=np.int8),
        }
    ]


def _model_points(model: LogicModel, orgs: OrgRows, labels: list[str]) -> list[Part]:
    """The model's baselines and targets (source 2): one small table per indicator repeated over
    the orgs they apply to with np.repeat/np.tile (no per-org Python); their period labels are
    appended to ``labels``."""
    fys = model.fiscal_year_start
    all_orgs = np.arange(len(orgs.index.orgs), dtype=np.int64)
    top_orgs = np.array(orgs.index.top, dtype=np.int64)
    additive = additive_indicators(model)
    out: list[Part] = []
    for k, ind in enumerate(model.indicators):
        plist = [(True, ind.baseline)] if ind.baseline else []
        plist += [(False, p) for p in ind.targets]
        if not plist:
            continue
        where = top_orgs if additive[k] else all_orgs
        periods = [parse_period(p.period, fys) for _, p in plist]
        first = len(labels)
        labels += [per.label for per in periods]
        n_where = len(where)
        ends = epoch_days(np.array([per.end for per in periods], dtype="datetime64[D]"))
        out.append(
            {
                "indicator": np.full(len(plist) * n_where, k, dtype=np.int32),
                "org_i": np.tile(where, len(plist)),
                "is_baseline": np.repeat(np.array([b for b, _ in plist], dtype=bool), n_where),
                "end_day": np.repeat(ends.astype(np.int64), n_where),
                "period": np.repeat(np.arange(first, len(labels), dtype=np.int32), n_where),
                "value": np.repeat(
                    np.array([p.value for _, p in plist], dtype=np.float64), n_where
                ),
                "source": np.full(len(plist) * n_where, 2, dtype=np.int8),
            }
        )
    return out
