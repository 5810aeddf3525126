"""Time and organisation aggregation of observations into indicator series (DESIGN §5.7).

Input and output are *series rows*: integer codes and a value (``indicator`` = series code,
``org_i`` = position in the :class:`OrgIndex`, ``pcode`` = code in the evaluation's
:class:`~logicmodel.observations.PeriodTable`, ``value``), about 20 bytes a row, one row per
(series, org, reporting period) for every org and every ancestor level. Everything works on whole
columns: one integer-keyed reduction per series over time and per hierarchy level over orgs, done
run by run on keys that never decrease (rows sorted by key) and with ``np.bincount``/``ufunc.at`` on
other dense keys (:func:`group_reduce`; a pandas groupby for sparse keys, missing values and
weighted means). Keys are built in place in one int64 array: with tables of millions of rows, every
row-sized temporary costs as much as the arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.formula import parse_formula
from logicmodel.observations import PeriodTable, aligned_values
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
    "formula_rows",
    "group_reduce",
]

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


_DENSE_LIMIT = 1 << 22
"""Key spaces up to this size (or four times the rows) are reduced with dense bincounts."""


Reduced = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]
"""Distinct keys, reduced values, rows per key, position of each key's latest row."""


def group_reduce(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    rule: str,
    n_keys: int,
    latest: npt.NDArray[np.int64] | None = None,
) -> Reduced:
    """Reduce ``values`` per distinct ``key`` (0 ≤ key < ``n_keys``) with ``rule``.

    ``rule`` ∈ sum|mean|min|max|last; ``last`` (and the returned row) is the row with the highest
    ``latest`` (ties: the later row). Returns the distinct keys (ascending), the reduced values,
    the number of rows per key and, per key, the position of its latest row (by ``latest``, else
    the last row). Keys that never decrease (rows sorted by key) are reduced run by run; other
    dense integer keys with ``np.bincount``/``ufunc.at`` (no hashing, no sort); NaN values and
    sparse keys go through a pandas groupby instead, where sum/mean/min/max skip them
    (a group of NaN only gives NaN) and ``last`` is the latest row's value even when NaN.

    Examples
    --------
    >>> import numpy as np
    >>> k = np.array([2, 0, 2, 2]); v = np.array([1.0, 5.0, 3.0, 2.0])
    >>> keys, out, n, row = group_reduce(k, v, "last", 3, latest=np.array([1, 0, 9, 3]))
    >>> keys.tolist(), out.tolist(), n.tolist(), row.tolist()
    ([0, 2], [5.0, 3.0], [1, 3], [1, 2])
    >>> group_reduce(k, v, "mean", 3)[1].tolist()
    [5.0, 2.0]
    """
    if not np.isnan(values).any():
        runs = _sorted_reduce(key, values, rule, latest)
        if runs is not None:
            return runs
        if n_keys <= max(4 * len(key), _DENSE_LIMIT):
            return _dense_reduce(key, values, rule, n_keys, latest)
    return _pandas_reduce(key, values, rule, latest)


def _rank(latest: npt.NDArray[np.int64] | None, n: int) -> npt.NDArray[np.int64]:
    """Unique per row and increasing with (``latest``, position)."""
    order = np.arange(n, dtype=np.int64)
    if latest is None or not n:
        return order
    rank: npt.NDArray[np.int64] = np.subtract(latest, latest.min(), dtype=np.int64)
    rank *= n
    rank += order
    return rank


def _sorted_reduce(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    rule: str,
    latest: npt.NDArray[np.int64] | None,
) -> Reduced | None:
    """:func:`group_reduce` of keys that never decrease (rows sorted by key, as long tables
    usually are): each key is one run of rows, reduced with outputs the size of the runs and no
    key-space array; ``None`` when the keys are not sorted. Sums add the rows in the same order
    as the dense path (``np.bincount``), so the results are the same to the bit."""
    n = len(key)
    if n < 2 or not bool((key[1:] >= key[:-1]).all()):
        return None
    bounds = np.flatnonzero(key[1:] != key[:-1])
    starts = np.concatenate(([0], bounds + 1))
    counts = np.diff(np.append(starts, n))
    row = starts + counts - 1  # the run's last row …
    if latest is not None:
        earlier = latest[1:] < latest[:-1]
        earlier[bounds] = False
        if earlier.any():  # … unless a later row of the run is less recent
            row = np.maximum.reduceat(_rank(latest, n), starts) % n
    out: npt.NDArray[np.float64]
    if rule in ("sum", "mean"):
        run = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
        out = np.bincount(run, values, minlength=len(starts)).astype(np.float64, copy=False)
        if rule == "mean":
            out = out / counts
    elif rule in ("min", "max"):
        out = (np.minimum if rule == "min" else np.maximum).reduceat(values, starts)
    else:  # last
        out = values[row]
    present = key[starts].astype(np.int64, copy=False)
    return present, out.astype(np.float64, copy=False), counts.astype(np.int64), row


def _dense_reduce(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    rule: str,
    n_keys: int,
    latest: npt.NDArray[np.int64] | None,
) -> Reduced:
    """:func:`group_reduce` over a dense key space with ``np.bincount``/``ufunc.at``."""
    n = len(key)
    counts: npt.NDArray[np.int64] = np.bincount(key, minlength=n_keys).astype(np.int64, copy=False)
    present = np.flatnonzero(counts)
    out: npt.NDArray[np.float64]
    best = np.full(n_keys, -1, dtype=np.int64)
    np.maximum.at(best, key, _rank(latest, n))
    row = best[present] % max(n, 1)
    del best
    if rule in ("sum", "mean"):
        out = np.bincount(key, values, minlength=n_keys).astype(np.float64, copy=False)[present]
        if rule == "mean":
            out = out / counts[present]
    elif rule in ("min", "max"):
        fill = np.inf if rule == "min" else -np.inf
        acc = np.full(n_keys, fill)
        (np.minimum if rule == "min" else np.maximum).at(acc, key, values)
        out = acc[present]
    else:  # last
        out = values[row]
    return (
        present.astype(np.int64, copy=False),
        out.astype(np.float64, copy=False),
        counts[present],
        row.astype(np.int64, copy=False),
    )


def _pandas_reduce(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    rule: str,
    latest: npt.NDArray[np.int64] | None,
) -> Reduced:
    """:func:`group_reduce` with missing values or a sparse key space: a pandas groupby."""
    n = len(key)
    order = np.arange(n, dtype=np.int64)
    reduced: pd.Series
    frame = pd.DataFrame(
        {"key": key, "value": values, "rank": _rank(latest, n), "pos": order}, copy=False
    )
    frame = frame.sort_values("rank", kind="stable")
    grouped = frame.groupby("key", sort=True)
    # the latest row's value even when it is missing; a group of missing values sums to missing
    rows: npt.NDArray[np.int64] = grouped["pos"].last().to_numpy(dtype=np.int64)
    if rule == "last":
        reduced = pd.Series(values[rows], index=grouped["pos"].last().index)
    elif rule == "sum":
        reduced = grouped["value"].sum(min_count=1)
    else:
        reduced = grouped["value"].agg(rule)
    keys: npt.NDArray[np.int64] = reduced.index.to_numpy(dtype=np.int64)
    sizes = np.asarray(grouped.size(), dtype=np.int64)
    out = np.asarray(reduced, dtype=np.float64)
    return keys, out, sizes, rows


def aggregate_time(
    rows: pd.DataFrame, freq: str | None, rule: str, fiscal_year_start: int, periods: PeriodTable
) -> pd.DataFrame:
    """Series rows (indicator, org_i, anc_code, pcode, value) combined to reporting periods.

    ``rule`` ∈ sum|last|mean|min|max; ``last`` takes the value with the latest period end. The
    org's ancestor row (``anc_code``) is the one of the latest observation in the period. With
    ``freq=None`` periods stay as observed (rows are already unique per period). The reporting
    period of each distinct observed period is found once and added to ``periods``; rows are
    grouped on one integer key (org × reporting period), never on text or dates.
    """
    if rows.empty or freq is None:
        return rows
    pcode = rows["pcode"].to_numpy()
    is_seen = np.zeros(len(periods), dtype=bool)
    is_seen[pcode] = True
    seen = np.flatnonzero(is_seen)
    pa = assign_periods(periods.end[seen], freq, fiscal_year_start=fiscal_year_start)
    to_reporting = np.full(len(periods), -1, dtype=np.int32)
    to_reporting[seen] = periods.add(pa.start, pa.end, pa.label, kind=freq)
    n_p = len(periods)
    key = rows["org_i"].to_numpy().astype(np.int64)  # org × reporting period, built in place
    n_org = int(key.max()) + 1
    key *= n_p
    key += to_reporting[pcode]
    recency = periods.recency
    # when the codes of the observed periods follow their recency (codes given in time order),
    # the codes themselves order the rows as recency would: no per-row lookup
    in_order = bool((recency[seen][1:] > recency[seen][:-1]).all())
    keys, value, _n, row = group_reduce(
        key,
        rows["value"].to_numpy(dtype=np.float64),
        rule,
        n_org * n_p,
        latest=pcode if in_order else recency[pcode],
    )
    return pd.DataFrame(
        {
            "indicator": np.full(len(keys), rows["indicator"].iloc[0], dtype=np.int32),
            "org_i": (keys // n_p).astype(np.int32),
            "anc_code": rows["anc_code"].to_numpy()[row].astype(np.int32),
            "pcode": (keys % n_p).astype(np.int32),
            "value": value,
        },
        copy=False,
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
    counted: int = 0  # the level coverage counts (municipalities for Japan); see Hierarchy
    n_tree: int = 0  # orgs[:n_tree] are the tree's (total or hierarchy codes); the rest groupings
    names: npt.NDArray[np.object_] | None = None  # display names (None: the codes are the names)
    kana: npt.NDArray[np.object_] | None = None  # readings in katakana, for search by kana

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
        index = OrgIndex(
            orgs, names, level, parents, (0,), ((0, 0),), counted=len(names) - 1, n_tree=len(orgs)
        )
        return index, pos, anc
    ri = hierarchy.rollup_index(codes_arr, at=ends)
    orgs = np.asarray(ri.orgs, dtype=object)
    org_level = np.asarray(ri.org_level, dtype=np.int64)
    parents = np.asarray(ri.parents, dtype=np.int64)
    anc = np.asarray(ri.ancestors, dtype=np.int64)
    levels = tuple(ri.levels)
    targets = [(j, j) for j in range(len(levels) - 1)]
    top = tuple(int(k) for k in np.flatnonzero(parents < 0))
    n_tree = len(orgs)
    counted = hierarchy.levels.index(hierarchy.counted_level)
    display = np.asarray([hierarchy.name(str(c)) for c in orgs.tolist()], dtype=object)
    kana = np.asarray([hierarchy.kana(str(c)) for c in orgs.tolist()], dtype=object)
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
        display = np.concatenate([display, np.asarray(extra_orgs, dtype=object)])
        kana = np.concatenate([kana, np.full(len(extra_orgs), None, dtype=object)])
        anc = np.column_stack([anc, *extra_cols])
    return (
        OrgIndex(
            orgs,
            levels,
            org_level,
            parents,
            top,
            tuple(targets),
            counted=counted,
            n_tree=n_tree,
            names=display,
            kana=kana,
        ),
        np.asarray(ri.position, dtype=np.int64),
        anc,
    )


def aggregate_orgs(
    rows: pd.DataFrame,
    anc_u: npt.NDArray[np.int64],
    index: OrgIndex,
    rule_of: Sequence[str],
    n_periods: int,
    weights: npt.NDArray[np.float64] | None = None,
) -> pd.DataFrame:
    """Rows for every ancestor level: children aggregated per indicator's ``orgs`` rule.

    ``rows`` are series rows (``indicator`` = series code, ``org_i`` = position in ``index.orgs``,
    ``anc_code`` = row of ``anc_u``, ``pcode`` < ``n_periods``, ``value``); ``rule_of[code]`` is a
    series' orgs rule. A value observed at an org itself wins over the aggregate of its children,
    and in each branch only the deepest observed level feeds the parents (no double counting).
    ``weights`` (per row) turn ``mean`` into a weighted mean. Returns series rows with
    ``n_children`` (number of contributing rows) instead of ``anc_code``; grouping is on one
    integer key (series × org × period) per level, built in place (:func:`_level_parts`).
    """
    out_cols = ["indicator", "org_i", "pcode", "value"]
    base = rows[out_cols].assign(n_children=np.zeros(len(rows), dtype=np.int32))
    if rows.empty or not index.targets or anc_u.shape[1] <= 1:
        return base
    n_org, n_p = len(index.orgs), n_periods
    ctx = _org_rows(rows, anc_u, index, rule_of, n_p, weights)
    parts = [base]
    for j, above in index.targets:
        parts += _level_parts(ctx, anc_u[:, j], above, n_org, n_p)
    out = pd.concat(parts, ignore_index=True)
    del parts, base
    if ctx.levels[0] > max(above for _, above in index.targets):
        return out  # nothing was observed at a level that is also aggregated into
    # a value observed at the org itself wins over the aggregate of its children
    dedup = (
        out["indicator"].to_numpy(dtype=np.int64) * n_org + out["org_i"].to_numpy(dtype=np.int64)
    ) * n_p + out["pcode"].to_numpy(dtype=np.int64)
    order = np.argsort(out["n_children"].to_numpy(), kind="stable")
    keep = order[~pd.Series(dedup[order]).duplicated().to_numpy()]
    return out.iloc[np.sort(keep)].reset_index(drop=True)


@dataclass(frozen=True)
class _Rules:
    """The orgs rule of each series code (``code_of``: codes into ``names``) and the weights."""

    code_of: npt.NDArray[np.int8]
    names: list[str]
    weights: npt.NDArray[np.float64] | None

    def simple(self, code: int) -> bool:
        """Whether the rule is reduced by sums and counts alone (sum, unweighted mean)."""
        name = self.names[code]
        return name == "sum" or (name == "mean" and self.weights is None)


@dataclass(frozen=True)
class _OrgRows:
    """What every level of :func:`aggregate_orgs` reads, worked out once per call: the rows'
    columns, the lowest and highest level observed, each row's level (``None`` when all rows are
    at one level), which rows feed their ancestors (``None``: all), the rule code of each row
    (``None`` when every rule present is a plain sum or mean, where no row needs telling apart),
    the rule codes present and whether the values are free of NaN."""

    sk: npt.NDArray[Any]
    pcode: npt.NDArray[Any]
    anc_code: npt.NDArray[Any]
    values: npt.NDArray[np.float64]
    levels: tuple[int, int]
    own_level: npt.NDArray[np.int16] | None
    feeds: npt.NDArray[np.bool_] | None
    rule: npt.NDArray[np.int8] | None
    codes: list[int]
    rules: _Rules
    complete: bool


def _org_rows(
    rows: pd.DataFrame,
    anc_u: npt.NDArray[np.int64],
    index: OrgIndex,
    rule_of: Sequence[str],
    n_p: int,
    weights: npt.NDArray[np.float64] | None,
) -> _OrgRows:
    """The per-call state of :func:`aggregate_orgs` (levels and rules per distinct org and
    series first; per-row arrays only where rows differ)."""
    org_i = rows["org_i"].to_numpy()
    levels = index.org_level[np.flatnonzero(np.bincount(org_i, minlength=len(index.orgs)))]
    lo, hi = int(levels.min()), int(levels.max())
    own_level = index.org_level.astype(np.int16)[org_i] if lo < hi else None
    feeds = None if own_level is None else _deepest_of_branch(rows, anc_u, index, own_level, n_p)
    rule_codes, rule_names = pd.factorize(np.asarray(rule_of, dtype=object))
    rules = _Rules(rule_codes.astype(np.int8), [str(r) for r in rule_names], weights)
    sk = rows["indicator"].to_numpy()
    present = np.flatnonzero(np.bincount(sk))
    codes = np.unique(rules.code_of[present]).tolist()
    values = rows["value"].to_numpy(dtype=np.float64)
    complete = not np.isnan(values).any()
    plain = complete and all(rules.simple(c) for c in codes)
    return _OrgRows(
        sk=sk,
        pcode=rows["pcode"].to_numpy(),
        anc_code=rows["anc_code"].to_numpy(),
        values=values,
        levels=(lo, hi),
        own_level=own_level,
        feeds=feeds,
        rule=None if plain else rules.code_of[sk],
        codes=codes,
        rules=rules,
        complete=complete,
    )


def _level_parts(
    ctx: _OrgRows, column: npt.NDArray[np.int64], above: int, n_org: int, n_p: int
) -> list[pd.DataFrame]:
    """The aggregated rows of one ancestor column (``column``: ancestor per row of ``anc_u``),
    one part per rule in the order of the rule codes, keys ascending within each.

    Parents of this level are renumbered 0..k-1 (from the small ancestor table), so the key
    space (series × parent × period) stays dense; the key is built in place in one int64 array.
    The sum and unweighted mean series are reduced together by one pair of bincounts (each key
    adds its rows in row order, as a reduction per rule would).
    """
    parents = np.unique(column[column >= 0])
    n_par = max(len(parents), 1)
    dense = np.full(n_org, -1, dtype=np.int32)
    dense[parents] = np.arange(len(parents), dtype=np.int32)
    par = np.where(column >= 0, dense[column], -1).astype(np.int32)[ctx.anc_code]
    use = par >= 0
    if ctx.levels[0] <= above:
        if ctx.own_level is None:
            return []  # every row is at or above this level
        use &= ctx.own_level > above
    if "none" in ctx.rules.names and ctx.rule is not None:
        use &= ctx.rule != ctx.rules.names.index("none")
    if ctx.feeds is not None:
        use &= ctx.feeds
    if not use.any():
        return []
    key = ctx.sk.astype(np.int64)
    key *= n_par
    key += par
    del par
    key *= n_p
    key += ctx.pcode
    values, rule = ctx.values, ctx.rule
    idx = None if use.all() else np.flatnonzero(use)
    del use
    if idx is not None:
        key, values = key[idx], values[idx]
        rule = rule[idx] if rule is not None else None
    out = []
    shape = (len(ctx.rules.code_of), n_par * n_p)
    for k, out_v, counts in _by_rule(key, values, rule, ctx, idx, shape):
        p_i, rest = k % n_p, k // n_p
        out.append(
            pd.DataFrame(
                {
                    "indicator": (rest // n_par).astype(np.int32),
                    "org_i": parents[rest % n_par].astype(np.int32),
                    "pcode": p_i.astype(np.int32),
                    "value": out_v,
                    "n_children": counts.astype(np.int32),
                },
                copy=False,
            )
        )
    return out


Part = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]
"""Keys, aggregated values and the number of contributing rows of each."""


def _by_rule(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    rule: npt.NDArray[np.int8] | None,
    ctx: _OrgRows,
    idx: npt.NDArray[np.int64] | None,
    shape: tuple[int, int],
) -> list[Part]:
    """(keys, values, counts) per rule code with rows, in code order: the simple rules (sum,
    unweighted mean) from one pair of bincounts when the key space is dense and no value is
    missing, the others (and every rule otherwise) by :func:`group_reduce` per rule.
    ``shape``: (series codes, keys per series); ``idx``: the rows of the weights used."""
    rules = ctx.rules
    n_keys = shape[0] * shape[1]
    fast = ctx.complete and n_keys <= max(4 * len(key), _DENSE_LIMIT)
    simple = [c for c in ctx.codes if fast and rules.simple(c)]
    together = None
    if simple:
        mask = None if rule is None or len(simple) == len(ctx.codes) else np.isin(rule, simple)
        together = _sums_and_counts(key, values, mask, n_keys)
    codes = [c for c in ctx.codes if rules.names[c] != "none"]
    if rule is None and len(simple) < len(codes) > 1:  # rows of several rules to tell apart
        rule = rules.code_of[ctx.sk if idx is None else ctx.sk[idx]]
    out: list[Part] = []
    for code in codes:
        if together is None or code not in simple:
            part = _rule_part(key, values, rule, rules, idx, code, n_keys)
        else:
            part = together
            if len(simple) > 1:  # this rule's keys (the series code is key // keys per series)
                mine = rules.code_of[part[0] // shape[1]] == code
                part = (part[0][mine], part[1][mine], part[2][mine])
            if rules.names[code] == "mean":
                part = (part[0], part[1] / part[2], part[2])
        if len(part[0]):
            out.append(part)
    return out


def _sums_and_counts(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    mask: npt.NDArray[np.bool_] | None,
    n_keys: int,
) -> Part:
    """Distinct keys, the sum of their values (rows added in row order) and their row counts."""
    if mask is not None:
        key, values = key[mask], values[mask]
    counts = np.bincount(key, minlength=n_keys)
    present = np.flatnonzero(counts)
    sums = np.bincount(key, values, minlength=n_keys).astype(np.float64, copy=False)
    return present.astype(np.int64), sums[present], counts[present].astype(np.int64)


def _rule_part(
    key: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    rule: npt.NDArray[np.int8] | None,
    rules: _Rules,
    idx: npt.NDArray[np.int64] | None,
    code: int,
    n_keys: int,
) -> Part:
    """The rows of one rule reduced by :func:`group_reduce` (weighted means by
    :func:`_weighted_mean`)."""
    here = None if rule is None else np.flatnonzero(rule == code)
    k_r = key if here is None else key[here]
    v_r = values if here is None else values[here]
    if rules.names[code] == "mean" and rules.weights is not None:
        w = rules.weights if idx is None else rules.weights[idx]
        return _weighted_mean(k_r, v_r, w if here is None else w[here])
    keys, out, counts, _row = group_reduce(k_r, v_r, rules.names[code], n_keys)
    return keys, out, counts


def _weighted_mean(
    key: npt.NDArray[np.int64], values: npt.NDArray[np.float64], ww: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Keys, weighted means and counts per key; a key with a missing weight gets the plain mean."""
    frame = pd.DataFrame({"key": key, "value": values}, copy=False)
    has_w = ~np.isnan(ww)
    frame["_wv"] = np.where(has_w, values * ww, np.nan)
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
    return agg.index.to_numpy(dtype=np.int64), out_v, agg["n_children"].to_numpy()


def _deepest_of_branch(
    rows: pd.DataFrame,
    anc_u: npt.NDArray[np.int64],
    index: OrgIndex,
    own_level: npt.NDArray[np.int16],
    n_p: int,
) -> npt.NDArray[np.bool_] | None:
    """Which rows feed their ancestors: a row does not when an org below it in the tree has its
    own row for the same series and period (the deepest observed level of each branch feeds the
    parents, so nothing is counted twice and no branch is left out). ``None``: every row feeds
    (all rows at one level, the usual case)."""
    if not len(rows) or own_level.min() == own_level.max():
        return None
    n_org = len(index.orgs)
    sk = rows["indicator"].to_numpy().astype(np.int64)
    org = rows["org_i"].to_numpy().astype(np.int64)
    pk = rows["pcode"].to_numpy().astype(np.int64)
    anc_code = rows["anc_code"].to_numpy()
    # rows that could have observed rows below them: those above the deepest observed level
    cand = np.flatnonzero(own_level < own_level.max())
    cand_row_keys = (sk[cand] * n_org + org[cand]) * n_p + pk[cand]
    cand_keys = np.unique(cand_row_keys)
    below: list[npt.NDArray[np.int64]] = []
    for j, above in index.targets:
        if j != above:
            continue  # groupings are a separate axis, not the tree
        deeper = np.flatnonzero(own_level > above)
        ancestor = anc_u[anc_code[deeper], j]
        deeper, ancestor = deeper[ancestor >= 0], ancestor[ancestor >= 0]
        keys = (sk[deeper] * n_org + ancestor) * n_p + pk[deeper]
        below.append(keys[np.isin(keys, cand_keys)])
    feeds = np.ones(len(rows), dtype=bool)
    if below:
        feeds[cand[np.isin(cand_row_keys, np.concatenate(below))]] = False
    return feeds


def formula_rows(
    ind: Indicator, components: dict[str, pd.DataFrame], periods: PeriodTable
) -> pd.DataFrame:
    """Rows (org_i, pcode, value) of a formula indicator computed per (org, period) from its
    components' series rows.

    The formula is computed at the periods of its finest component (the shortest typical period;
    on a tie the one observed at more periods, then the first named). Another component enters,
    for each org, with its value for the same period or else for the shortest of its periods
    that contains it and that this org has — a yearly population for every month of that year
    (DHIS2 computes monthly coverage the same way); where none exists the formula has no value.
    Candidate periods are worked out per distinct period pair, values looked up per row.
    """
    names = ind.components
    parts = [components.get(name) for name in names]
    if any(part is None or part.empty for part in parts):
        return pd.DataFrame({c: np.zeros(0, dtype=np.int32) for c in ("org_i", "pcode")}).assign(
            value=np.zeros(0)
        )
    frames = [part for part in parts if part is not None]
    start = periods.start.astype(np.int64)
    end = periods.end.astype(np.int64)
    span = end - start
    distinct = [np.unique(f["pcode"].to_numpy()) for f in frames]
    base = min(
        range(len(frames)),
        key=lambda k: (float(np.median(span[distinct[k]])), -len(distinct[k]), k),
    )
    org_i = frames[base]["org_i"].to_numpy(dtype=np.int64)
    pcode = frames[base]["pcode"].to_numpy(dtype=np.int64)
    values = {
        name: (
            frame["value"].to_numpy(dtype=np.float64)
            if k == base
            else aligned_values(
                org_i,
                pcode,
                frame["org_i"].to_numpy(),
                frame["pcode"].to_numpy(),
                frame["value"].to_numpy(),
                periods,
            )
        )
        for k, (name, frame) in enumerate(zip(names, frames, strict=True))
    }
    keep = np.ones(len(org_i), dtype=bool)
    for v in values.values():
        keep &= ~np.isnan(v)
    result = parse_formula(ind.formula or "").evaluate({n: v[keep] for n, v in values.items()})
    return pd.DataFrame(
        {
            "org_i": org_i[keep].astype(np.int32),
            "pcode": pcode[keep].astype(np.int32),
            "value": np.asarray(result, dtype=np.float64),
        }
    )
