"""Formula stage: a derived indicator at every level over the organisations that have every
component in the period (DESIGN §4.1, §5.7).

A national rate ``holders / pop * 100`` is Σholders / Σpop over the municipalities that reported
*both* in that period: the components are aligned per organisation where they were observed (a
yearly population for each month, as :func:`~logicmodel.evaluation.aggregate.formula_rows` does),
rows where one is missing are dropped, each component is aggregated up the tree with its own orgs
rule, and the formula is applied at every org. ``reporting`` says how many organisations at the
counted level stand behind each value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.evaluation.aggregate import OrgIndex, aggregate_orgs
from logicmodel.evaluation.coverage import ExpectedCounts, reporting_counts
from logicmodel.formula import parse_formula
from logicmodel.observations import PeriodTable, aligned_values

if TYPE_CHECKING:
    from logicmodel.model import Indicator

__all__ = ["complete_formula_rows"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_i": np.zeros(0, dtype=np.int32),
            "pcode": np.zeros(0, dtype=np.int32),
            "value": np.zeros(0),
            "reporting": np.zeros(0, dtype=np.int64),
        }
    )


def complete_formula_rows(
    ind: Indicator,
    leaves: Sequence[pd.DataFrame],
    rules: Sequence[str],
    anc_u: npt.NDArray[np.int64],
    index: OrgIndex,
    periods: PeriodTable,
    expected: ExpectedCounts,
) -> pd.DataFrame:
    """Rows ``org_i, pcode, value, reporting`` of formula ``ind`` at every org.

    ``leaves[k]`` are the series rows of component ``k`` as observed (``org_i, anc_code, pcode,
    value``, after the time rule, before any org aggregation) and ``rules[k]`` its orgs rule.
    """
    if not leaves or any(part is None or part.empty for part in leaves):
        return _empty()
    start = periods.start.astype(np.int64)
    span = periods.end.astype(np.int64) - start
    distinct = [np.unique(f["pcode"].to_numpy()) for f in leaves]
    base = min(
        range(len(leaves)),
        key=lambda k: (float(np.median(span[distinct[k]])), -len(distinct[k]), k),
    )
    frame = leaves[base]
    org_i = frame["org_i"].to_numpy(dtype=np.int64)
    pcode = frame["pcode"].to_numpy(dtype=np.int64)
    anc_code = frame["anc_code"].to_numpy(dtype=np.int64)
    values = [
        part["value"].to_numpy(dtype=np.float64)
        if k == base
        else aligned_values(
            org_i,
            pcode,
            part["org_i"].to_numpy(),
            part["pcode"].to_numpy(),
            part["value"].to_numpy(),
            periods,
        )
        for k, part in enumerate(leaves)
    ]
    keep = np.ones(len(org_i), dtype=bool)
    for v in values:
        keep &= ~np.isnan(v)
    if not keep.any():
        return _empty()
    n_comp, n_keep = len(leaves), int(keep.sum())
    rows = pd.DataFrame(
        {
            "indicator": np.repeat(np.arange(n_comp, dtype=np.int32), n_keep),
            "org_i": np.tile(org_i[keep], n_comp).astype(np.int32),
            "anc_code": np.tile(anc_code[keep], n_comp).astype(np.int32),
            "pcode": np.tile(pcode[keep], n_comp).astype(np.int32),
            "value": np.concatenate([v[keep] for v in values]),
        }
    )
    grouped = aggregate_orgs(rows, anc_u, index, list(rules), len(periods))
    first = rows[rows["indicator"] == 0].reset_index(drop=True)
    first_grouped = grouped[grouped["indicator"].to_numpy() == 0].reset_index(drop=True)
    reporting = reporting_counts(
        first, first_grouped, anc_u, index, expected, periods.end_day, len(periods)
    )
    n_p = len(periods)
    key = grouped["org_i"].to_numpy(dtype=np.int64) * n_p + grouped["pcode"].to_numpy(np.int64)
    table = pd.DataFrame(
        {"comp": grouped["indicator"].to_numpy(), "key": key, "value": grouped["value"].to_numpy()}
    ).pivot_table(index="key", columns="comp", values="value", aggfunc="first")
    table = table.dropna()
    if not len(table):
        return _empty()
    names = ind.components
    result = parse_formula(ind.formula or "").evaluate(
        {name: table[k].to_numpy(dtype=np.float64) for k, name in enumerate(names)}
    )
    keys = table.index.to_numpy(dtype=np.int64)
    first_key = first_grouped["org_i"].to_numpy(dtype=np.int64) * n_p + first_grouped[
        "pcode"
    ].to_numpy(dtype=np.int64)
    by_key = pd.Series(reporting, index=first_key)
    rep = by_key[~by_key.index.duplicated()].reindex(keys).fillna(0).to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "org_i": (keys // n_p).astype(np.int32),
            "pcode": (keys % n_p).astype(np.int32),
            "value": np.asarray(result, dtype=np.float64),
            "reporting": rep,
        }
    )
