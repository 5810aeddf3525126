"""Problems found on the intake's result (DESIGN §3 row 3): duplicates, conflicting formula
values, implausible values and periods (LM304, LM307, LM32x), org codes against a hierarchy.

They work on the integer-coded :class:`~logicmodel.intake.result.Observations` of either front
end; rows are named as file lines or 0-based frame rows by :func:`where_rows`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from logicmodel.intake.messages import GROUPED_WHERE, MORE_DUPLICATES, duplicated, where_rows
from logicmodel.intake.result import Observations, aligned_values
from logicmodel.issues import Issue

if TYPE_CHECKING:
    from logicmodel.model import LogicModel
    from logicmodel.orgs import Hierarchy

__all__ = [
    "COUNT_UNITS",
    "FUTURE_YEARS",
    "duplicate_issues",
    "formula_conflicts",
    "grouped_issues",
    "org_code_issues",
    "plausibility_issues",
    "where_rows",
]

_MAX_LISTED = 20


COUNT_UNITS = frozenset(
    {"件", "人", "団体", "箇所", "回", "台", "千人", "万人", "施設", "機関", "校", "世帯", "枚",
     "店舗", "病院", "薬局", "社", "事業所", "戸", "床", "本", "冊", "者", "名", "カ所", "か所"}
)  # fmt: skip


FUTURE_YEARS = 30


def plausibility_issues(model: LogicModel, prepared: Observations, from_file: bool) -> list[Issue]:
    """LM320 negative counts, LM321 sums that overflow to infinity, LM322 far-future periods.

    All vectorised over the compact frame (per distinct indicator or period where a rule only
    depends on those, one ``np.bincount`` for the sums); one issue per indicator (rows listed),
    issue 12.
    """
    f = prepared.frame
    if not len(f):
        return []
    ind = f["ind_code"].to_numpy()
    values = f["value"].to_numpy(dtype=np.float64)
    rows = f["row"].to_numpy()
    inds = model.indicators
    out: list[Issue] = []
    count = np.array([(i.unit or "").strip() in COUNT_UNITS for i in inds] + [False])
    below = np.flatnonzero(values < 0) if count.any() else np.zeros(0, dtype=np.int64)
    if len(below):
        negative = below[count[ind[below]]]
        for k, hit in _rows_by_indicator(ind[negative], rows[negative]):
            out.append(
                Issue(
                    "LM320",
                    "warning",
                    f"observations {where_rows(hit, from_file, len(hit))}",
                    f"indicator {inds[k].id!r}: {len(hit):,} value(s) below zero in "
                    f"{inds[k].unit}, a count cannot be negative",
                    message_ja=f"指標 {inds[k].id!r}: 件数に負の値が{len(hit):,}件あります",
                    row=int(hit[0]),
                    ids=(inds[k].id,),
                )
            )
    overflow = _overflowing_sums(prepared, ind, values)
    if overflow is not None:
        for k, hit in _rows_by_indicator(ind[overflow], rows[overflow]):
            out.append(
                Issue(
                    "LM321",
                    "error",
                    f"observations {where_rows(hit, from_file, len(hit))}",
                    f"indicator {inds[k].id!r}: the values are so large that their sum is not a "
                    "finite number (overflow); check the unit and the magnitude",
                    message_ja=f"指標 {inds[k].id!r}: 値が大きすぎて合計が有限の数になりません",
                    row=int(hit[0]),
                    ids=(inds[k].id,),
                )
            )
    far = _far_future(prepared)
    if far is not None:
        hit = rows[far]
        out.append(
            Issue(
                "LM322",
                "warning",
                f"observations {where_rows(hit, from_file, len(hit))}",
                f"{len(hit):,} observation(s) for periods ending more than {FUTURE_YEARS} years "
                f"from today (e.g. {prepared.periods.label[f['pcode'].to_numpy()[far][0]]}); is "
                "the year mistyped?",
                message_ja=f"{FUTURE_YEARS}年以上先の期間の観測値が{len(hit):,}件あります",
                row=int(hit[0]),
            )
        )
    return out


def _rows_by_indicator(ind: np.ndarray, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(indicator position, its ``rows``) for each indicator in ``ind`` (one per row)."""
    return [(k, rows[ind == k]) for k in np.unique(ind).tolist()]


def _overflowing_sums(
    prepared: Observations, ind: np.ndarray, values: np.ndarray
) -> np.ndarray | None:
    """Rows with a finite value whose sum over orgs (per indicator, period and kind) is not
    finite; ``None`` when there are none. One ``np.bincount`` over a dense key, as evaluate sums."""
    f = prepared.frame
    if not len(values):
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        largest = max(abs(float(values.max())), abs(float(values.min())))
    if largest * len(values) < 1e300:  # no partial sum can come near the float limit (1.8e308)
        return None
    n_p = max(len(prepared.periods), 1)
    key = ind.astype(np.int64) * n_p
    key += f["pcode"].to_numpy()
    key *= 4
    key += f["kind_code"].to_numpy()
    n_keys = (len(prepared.indicators) + 1) * n_p * 4
    if n_keys > 4 * len(key) + 1024:  # a sparse key space: number the distinct keys first
        distinct, key = np.unique(key, return_inverse=True)
        n_keys = len(distinct)
    with np.errstate(over="ignore", invalid="ignore"):
        sums = np.bincount(key, weights=values, minlength=n_keys)
    bad = ~np.isfinite(sums)
    if not bad.any():
        return None
    out: np.ndarray = bad[key] & np.isfinite(values)
    return out


def _far_future(prepared: Observations) -> np.ndarray | None:
    """Rows of periods ending more than :data:`FUTURE_YEARS` years from today (decided once per
    distinct period); ``None`` when there are none."""
    import datetime as dt

    today = dt.date.today()
    limit = np.datetime64(today.replace(year=today.year + FUTURE_YEARS), "D")
    far_period = prepared.periods.end.astype("datetime64[D]") > limit
    if not far_period.any():
        return None
    out: np.ndarray = far_period[prepared.frame["pcode"].to_numpy()]
    return out


def duplicate_issues(
    prepared: Observations, row_key: np.ndarray, dup: np.ndarray, from_file: bool
) -> list[Issue]:
    """LM304 for every group of rows with one (indicator, org, period, kind), at most 20 listed."""
    out: list[Issue] = []
    positions = np.flatnonzero(dup)
    table = prepared.table(positions)
    groups = pd.Series(positions).groupby(row_key[positions], sort=False).indices
    for count, members in enumerate(groups.values()):
        if count == _MAX_LISTED:
            out.append(
                Issue(
                    "LM304",
                    "error",
                    "observations",
                    MORE_DUPLICATES[0],
                    message_ja=MORE_DUPLICATES[1],
                )
            )
            break
        first = table.iloc[int(members[0])]
        name, dup_org, kind = first["indicator"], first["org"], first["kind"]
        hit = table["row"].to_numpy()[members]
        message = duplicated(name, dup_org, first["period"], kind, len(hit))
        out.append(
            Issue(
                "LM304",
                "error",
                f"observations {where_rows(hit, from_file, len(hit))}",
                message[0],
                message_ja=message[1],
                row=int(hit[0]),
                ids=(str(name),),
            )
        )
    return out


def formula_conflicts(model: LogicModel, prepared: Observations) -> list[Issue]:
    """LM307: observed values of a formula indicator that disagree with its components (met as
    ``evaluate`` meets them: same period, else the component's containing period)."""
    out: list[Issue] = []
    clean = prepared.frame
    ind_code = clean["ind_code"].to_numpy()
    position = {name: k for k, name in enumerate(prepared.indicators)}
    formulas = [i for i in model.indicators if i.formula and (ind_code == position[i.id]).any()]
    if not formulas:
        return out
    from logicmodel.formula import parse_formula

    is_actual = clean["kind_code"].to_numpy() == 0
    org = clean["org_code"].to_numpy()
    pcode = clean["pcode"].to_numpy()
    value = clean["value"].to_numpy()
    for ind in formulas:
        mine = np.flatnonzero((ind_code == position[ind.id]) & is_actual)
        parts = {}
        for name in ind.components:
            theirs = np.flatnonzero((ind_code == position[name]) & is_actual)
            parts[name] = aligned_values(
                org[mine], pcode[mine], org[theirs], pcode[theirs], value[theirs], prepared.periods
            )
        both = np.ones(len(mine), dtype=bool)
        for v in parts.values():
            both &= ~np.isnan(v)
        if not both.any():
            continue
        computed = parse_formula(ind.formula or "").evaluate(
            {name: v[both] for name, v in parts.items()}
        )
        observed = value[mine][both]
        off = ~np.isclose(observed, computed, rtol=1e-6, atol=1e-9, equal_nan=True)
        if off.any():
            k = int(np.argmax(off))
            p = int(pcode[mine][both][k])
            span = f"{prepared.periods.start[p]}–{prepared.periods.end[p]}"
            out.append(
                Issue(
                    "LM307",
                    "warning",
                    f"indicator {ind.id!r}",
                    f"{int(off.sum())} observed value(s) disagree with the formula {ind.formula!r}; e.g. at "
                    f"{span}: observed {observed[k]:g}, formula gives {computed[k]:g}; the formula's "
                    "value is used",
                    message_ja=f"観測値が計算式 {ind.formula!r} の結果と一致しません（{int(off.sum())}件）。計算式の値を使います",
                    ids=(ind.id,),
                )
            )
    return out


def org_code_issues(prepared: Observations, hierarchy: Hierarchy | None) -> list[Issue]:
    """LM309 for every distinct org code that ``hierarchy`` does not know (a wrong check digit, a
    lost leading zero, an unknown code), each with its rows; checked once per distinct code."""
    if hierarchy is None or not prepared.has_org or not len(prepared.orgs):
        return []
    problems = hierarchy.code_problems(prepared.orgs)
    bad = [k for k, p in enumerate(problems) if p is not None]
    if not bad:
        return []
    org_code = prepared.frame["org_code"].to_numpy()
    row_of = prepared.frame["row"].to_numpy()
    hit = np.isin(org_code, np.asarray(bad, dtype=org_code.dtype))
    hit_rows = np.flatnonzero(hit)
    positions = pd.Series(hit_rows).groupby(org_code[hit], sort=False).indices  # into hit_rows
    out: list[Issue] = []
    for k in bad[:_MAX_LISTED]:
        rows = row_of[hit_rows[positions.get(k, np.zeros(0, dtype=np.int64))]]
        code, reason = prepared.orgs[k], problems[k]
        where, row = _where_org(prepared, rows)
        out.append(
            Issue(
                "LM309",
                "error",
                where,
                f"org code {code!r} {reason}",
                message_ja=f"団体コード {code!r} は使えません: {reason}",
                row=row,
                column="org",
            )
        )
    if len(bad) > _MAX_LISTED:
        out.append(
            Issue(
                "LM309",
                "error",
                "observations",
                f"{len(bad) - _MAX_LISTED} more bad org codes not listed",
                message_ja=f"ほかに{len(bad) - _MAX_LISTED}件の不正な団体コードがあります",
                column="org",
            )
        )
    return out


def _where_org(prepared: Observations, rows: np.ndarray) -> tuple[str, int | None]:
    """Where an org code's rows are: input rows, or the cube of an engine frame (no rows)."""
    if prepared.grouped:
        return GROUPED_WHERE, None
    if not len(rows):
        return "observations", None
    return f"observations {where_rows(rows, prepared.from_file, len(rows))}", int(rows[0])


def grouped_issues(
    model: LogicModel, prepared: Observations, smallest: np.ndarray | None = None
) -> list[Issue]:
    """LM307 and the plausibility rules (LM320–LM322) on a result whose rows are groups of input
    rows (``prepared.grouped``: an engine frame's reporting-period cube).

    The rules are the ones the pandas intake runs; a problem they place at rows is placed at the
    cube instead (:data:`~logicmodel.intake.messages.GROUPED_WHERE`, ``row`` ``None``), since the
    cube's rows are not rows of the input. With ``smallest`` (each group's smallest input value),
    a count below zero (LM320) is judged on the input values, as the pandas intake judges it,
    rather than on their sum.
    """
    plausible = plausibility_issues(model, prepared, False)
    if smallest is not None:
        lowest = dataclasses.replace(prepared, frame=prepared.frame.assign(value=smallest))
        negative = [i for i in plausibility_issues(model, lowest, False) if i.code == "LM320"]
        plausible = negative + [i for i in plausible if i.code != "LM320"]
    return [
        dataclasses.replace(i, where=GROUPED_WHERE, row=None) if i.row is not None else i
        for i in [*formula_conflicts(model, prepared), *plausible]
    ]
