"""Coverage stage: how many organisations stand behind every aggregated number (DESIGN §4.4).

An organisation at the hierarchy's counted level (municipalities for Japan) *reports* for a
(series, period) when it, or an organisation below it (a ward of a designated city), has an
actual then. ``expected`` is the number of organisations at the counted level that exist under an
org at a period (versioned trees: at that period's end), so ``coverage = reporting / expected``.

Everything is counted on integer codes: one ``np.bincount`` per tree version for ``expected``; for
``reporting`` the contributing-row counts of :func:`~logicmodel.evaluation.aggregate.aggregate_orgs`
when every row is at the counted level (the usual case), else one more aggregation of one row per
(series, counted org, period).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.aggregate import OrgIndex, aggregate_orgs

if TYPE_CHECKING:
    from logicmodel.orgs import Hierarchy

__all__ = ["ExpectedCounts", "expected_counts", "incomplete_mask", "reporting_counts"]


@dataclass(frozen=True, slots=True)
class ExpectedCounts:
    """Organisations expected under each org of an :class:`OrgIndex`, per tree version.

    ``table[org_i, epoch]``; the epoch of a day is ``searchsorted(breaks, day, "right")``.
    Custom groupings count the organisations at the counted level under their members.
    """

    table: npt.NDArray[np.int64]
    breaks: npt.NDArray[np.int64]  # days since 1970-01-01 at which the tree changes

    def at(
        self, org_i: npt.NDArray[np.integer], day: npt.NDArray[np.integer]
    ) -> npt.NDArray[np.int64]:
        """Expected counts of orgs ``org_i`` at days ``day`` (days since 1970-01-01)."""
        epoch = np.searchsorted(self.breaks, np.asarray(day, dtype=np.int64), side="right")
        out: npt.NDArray[np.int64] = self.table[np.asarray(org_i, dtype=np.int64), epoch]
        return out


def expected_counts(index: OrgIndex, hierarchy: Hierarchy | None) -> ExpectedCounts:
    """The :class:`ExpectedCounts` of ``index``: from the hierarchy when there is one; without,
    every org counts 1 and the total counts the orgs observed."""
    n_org = len(index.orgs)
    if hierarchy is None:
        table = np.ones((n_org, 1), dtype=np.int64)
        if n_org > 1:
            table[0, 0] = n_org - 1  # the total: every org seen in the observations
        return ExpectedCounts(table, np.zeros(0, dtype=np.int64))
    breaks = (
        np.asarray(hierarchy.change_dates, dtype="datetime64[D]").astype(np.int64)
        if hierarchy.change_dates
        else np.zeros(0, dtype=np.int64)
    )
    n_tree = index.n_tree
    codes = index.orgs[:n_tree]
    table = np.zeros((n_org, len(breaks) + 1), dtype=np.int64)
    epoch = np.datetime64("1970-01-01", "D")
    for e in range(len(breaks) + 1):
        at: np.datetime64 | None = None  # an unversioned tree has one version
        if len(breaks):  # a day inside version e: the day before the first change, or a change day
            at = epoch + (int(breaks[0]) - 1 if e == 0 else int(breaks[e - 1]))
        if n_tree:
            table[:n_tree, e] = hierarchy.expected_counts(codes, at=at)
        # custom groupings: the organisations at the counted level under each group's members
        level_of = index.level_of()
        for name in hierarchy.groupings:
            members = np.flatnonzero(level_of == name)
            counts = hierarchy.group_expected_counts(name, at=at)
            table[members, e] = [counts.get(str(g), 0) for g in index.orgs[members].tolist()]
    return ExpectedCounts(table, breaks)


def reporting_counts(
    rows: pd.DataFrame,
    grouped: pd.DataFrame,
    anc_u: npt.NDArray[np.int64],
    index: OrgIndex,
    expected: ExpectedCounts,
    end_day: npt.NDArray[np.int64],
    n_periods: int,
) -> npt.NDArray[np.int64]:
    """``reporting`` of every row of ``grouped`` (the output of ``aggregate_orgs(rows, …)``).

    ``rows`` are the series rows that were aggregated (``indicator, org_i, anc_code, pcode,
    value``). An org's own observed row reports for everything under it (``expected`` of it, or 1
    at or below the counted level); an aggregated row counts the distinct counted-level orgs
    that fed it.
    """
    n_org = len(index.orgs)
    seen = np.zeros(n_org, dtype=bool)
    seen[rows["org_i"].to_numpy()] = True
    if not len(rows) or (index.org_level[seen] == index.counted).all():
        # the usual case: every observed org is at the counted level, one row per org and
        # period, so an aggregated row's contributing rows are its reporting organisations
        usual: npt.NDArray[np.int64] = grouped["n_children"].to_numpy().astype(np.int64)
        return np.maximum(usual, 1, out=usual)  # an org's own row (0 children) reports for itself
    own_level = index.org_level[rows["org_i"].to_numpy(dtype=np.int64)]
    g_org = grouped["org_i"].to_numpy(dtype=np.int64)
    g_level = index.org_level[g_org]
    sk = rows["indicator"].to_numpy(dtype=np.int64)
    org = rows["org_i"].to_numpy(dtype=np.int64)
    anc_code = rows["anc_code"].to_numpy(dtype=np.int64)
    pcode = rows["pcode"].to_numpy(dtype=np.int64)
    unit = org.copy()
    below = own_level > index.counted
    unit[below] = anc_u[anc_code[below], index.counted]
    weight = np.ones(len(rows), dtype=np.float64)
    above = own_level < index.counted
    weight[above] = expected.at(org[above], end_day[pcode[above]])
    key = (sk * n_org + unit) * n_periods + pcode
    _keys, first = np.unique(key, return_index=True)
    units = pd.DataFrame(
        {
            "indicator": sk[first].astype(np.int32),
            "org_i": unit[first].astype(np.int32),
            "anc_code": anc_code[first].astype(np.int32),
            "pcode": pcode[first].astype(np.int32),
            "value": weight[first],
        }
    )
    counted = aggregate_orgs(units, anc_u, index, ["sum"] * (int(sk.max()) + 1), n_periods)
    c_key = (
        counted["indicator"].to_numpy(dtype=np.int64) * n_org
        + counted["org_i"].to_numpy(dtype=np.int64)
    ) * n_periods + counted["pcode"].to_numpy(dtype=np.int64)
    order = np.argsort(c_key, kind="stable")
    c_key, c_val = c_key[order], counted["value"].to_numpy(dtype=np.float64)[order]
    g_key = (grouped["indicator"].to_numpy(dtype=np.int64) * n_org + g_org) * n_periods + grouped[
        "pcode"
    ].to_numpy(dtype=np.int64)
    at = np.minimum(np.searchsorted(c_key, g_key), max(len(c_key) - 1, 0))
    found = (c_key[at] == g_key) if len(c_key) else np.zeros(len(g_key), dtype=bool)
    out = np.where(found, c_val[at] if len(c_key) else 0, 1.0)
    out = np.where(g_level > index.counted, 1.0, out)  # a ward reports for itself
    return np.rint(out).astype(np.int64)


def incomplete_mask(
    additive: npt.NDArray[np.bool_],
    level: npt.NDArray[np.integer],
    counted: int,
    coverage: npt.NDArray[np.float64],
    min_coverage: float,
) -> npt.NDArray[np.bool_]:
    """Rows that are additive totals (orgs rule ``sum``) above the counted level built from fewer
    than ``min_coverage`` of the organisations below them."""
    with np.errstate(invalid="ignore"):
        short = coverage < min_coverage
    out: npt.NDArray[np.bool_] = additive & (np.asarray(level) < counted) & short
    return out
