"""The LM301, LM302, LM303, LM306 and LM310 rules over the distinct values of a column.

Both front ends call these functions: the pandas intake with the codes of every row, the engine
front end with the codes of the distinct key combinations it counted in the engine. ``codes``
maps each item (a row, or a combination) to its distinct value (-1 when blank), so every value is
judged once and reported through the front end's :class:`~logicmodel.intake.messages.Reporter`
(rows named, or rows counted).

Examples
--------
>>> import numpy as np
>>> from logicmodel.intake.messages import RowReporter
>>> issues = []
>>> rep = RowReporter(np.arange(3), False, issues)
>>> kind_codes(np.array([0, 1, -1]), np.array(["実績", "plan"], dtype=object), "kind", rep).tolist()
[0, -1, 0]
>>> [(i.code, i.where) for i in issues]
[('LM310', 'observations row 1 (0-based)')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from logicmodel import limits
from logicmodel.errors import UnitError, nearest, short_repr
from logicmodel.intake.messages import (
    BAD_KIND,
    EMPTY_INDICATOR,
    EMPTY_PERIOD,
    NOT_A_NUMBER,
    NOT_A_PERIOD,
    Reporter,
    more_bad_periods,
    more_bad_values,
    more_unknown_indicators,
    unit_not_convertible,
    unknown_indicator,
)
from logicmodel.intake.result import KIND_VALUES
from logicmodel.intake.values import canonical_kind
from logicmodel.periods import PeriodArray, parse_periods
from logicmodel.units import conversion_factor

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = [
    "bad_values",
    "indicator_positions",
    "kind_codes",
    "parsed_periods",
    "unit_factors",
]


def indicator_positions(
    model: LogicModel, codes: np.ndarray, distinct: np.ndarray, column: str, report: Reporter
) -> np.ndarray:
    """Position in ``model.indicators`` per item, -1 when unknown or empty (LM301).

    ``distinct`` holds the ids as :func:`~logicmodel.intake.columns.text_codes` gives them (NFKC,
    stripped); the first :attr:`~logicmodel.limits.Limits.unknown_ids_listed` unknown ids are
    named, the rest counted.
    """
    known = {i.id: i for i in model.indicators}
    position = {i.id: k for k, i in enumerate(model.indicators)}
    table = np.array([position.get(u, -1) for u in distinct] + [-1], dtype=np.int32)
    unknown = [k for k, name in enumerate(distinct) if name not in known]
    listed = limits.current().unknown_ids_listed
    for k in unknown[:listed]:
        name = distinct[k]
        hint = ", ".join(repr(x) for x in nearest(str(name)[:200], known)) or "none defined"
        what = f"indicator {short_repr(name, 64)}"
        report.report(
            "LM301", "error", codes == k, what, unknown_indicator(hint), column,
            (str(name)[:64],),
        )  # fmt: skip
    if len(unknown) > listed:
        # 100,000 distinct unknown ids: the first few are named, the rest counted (issue 12)
        more = len(unknown) - listed
        example = short_repr(distinct[unknown[listed]], 64)
        report.report(
            "LM301",
            "error",
            np.isin(codes, np.asarray(unknown[listed:])),
            "indicator",
            more_unknown_indicators(more, len(unknown), example),
            column,
        )
    if (codes < 0).any():
        report.report("LM301", "error", codes < 0, "indicator", EMPTY_INDICATOR, column)
    out: np.ndarray = table[codes]
    return out


def parsed_periods(
    codes: np.ndarray, distinct: np.ndarray, fiscal_year_start: int, column: str, report: Reporter
) -> PeriodArray:
    """The distinct period texts parsed (one :class:`~logicmodel.periods.PeriodArray` row per
    distinct value); texts that are no period and blank items reported (LM302)."""
    parsed = parse_periods(
        np.asarray(distinct, dtype=object), fiscal_year_start=fiscal_year_start, errors="coerce"
    )
    bad = np.flatnonzero(~parsed.valid)
    listed = limits.current().unknown_ids_listed
    if len(bad) > listed:
        more = len(bad) - listed
        message = more_bad_periods(more, len(bad))
        report.report("LM302", "error", np.isin(codes, bad[listed:]), "period", message, column)
    for k in bad[:listed].tolist():
        what = f"period {short_repr(distinct[k], 64)}"
        report.report("LM302", "error", codes == k, what, NOT_A_PERIOD, column)
    if (codes < 0).any():
        report.report("LM302", "error", codes < 0, "period", EMPTY_PERIOD, column)
    return parsed


def bad_values(codes: np.ndarray, distinct: Any, column: str, report: Reporter) -> None:
    """LM303 for every distinct value that is not a number (``codes`` -1: a good value)."""
    listed = limits.current().unknown_ids_listed
    if len(distinct) > listed:
        more = len(distinct) - listed
        message = more_bad_values(more, len(distinct))
        report.report("LM303", "error", codes >= listed, "value", message, column)
    for k, text in enumerate(distinct[:listed]):
        what = f"value {short_repr(text, 64)}"
        report.report("LM303", "error", codes == k, what, NOT_A_NUMBER, column)


def kind_codes(
    codes: np.ndarray, distinct: np.ndarray, column: str, report: Reporter
) -> np.ndarray:
    """Codes into :data:`~logicmodel.intake.result.KIND_VALUES` per item (blank → actual; -1 for
    an unknown kind: LM310), by :func:`~logicmodel.intake.values.canonical_kind`."""
    canonical = [canonical_kind(t) for t in distinct]
    table = np.array(
        [KIND_VALUES.index(c) if c is not None else -1 for c in canonical] + [0], dtype=np.int8
    )
    for k, (text, c) in enumerate(zip(distinct, canonical, strict=True)):
        if c is None:
            what = f"kind {short_repr(text, 64)}"
            report.report("LM310", "error", codes == k, what, BAD_KIND, column)
    out: np.ndarray = table[codes]
    return out


def unit_factors(
    model: LogicModel,
    ind_pos: np.ndarray,
    codes: np.ndarray,
    distinct: np.ndarray,
    column: str,
    report: Reporter,
) -> tuple[np.ndarray, np.ndarray]:
    """Factors to each item's indicator unit (1 without a unit or an indicator) and the mask of
    items whose unit does not convert (LM306, factor NaN); converted once per distinct
    (indicator, unit) pair."""
    n_u = len(distinct) + 1
    pair = (ind_pos.astype(np.int64) + 1) * n_u + (codes.astype(np.int64) + 1)
    pairs, inverse = np.unique(pair, return_inverse=True)
    del pair
    factors = np.ones(len(pairs))
    for k, code in enumerate(pairs.tolist()):
        i_k, u_k = divmod(code, n_u)
        if i_k == 0 or u_k == 0 or model.indicators[i_k - 1].unit is None:
            continue
        indicator, unit = model.indicators[i_k - 1], str(distinct[u_k - 1])
        try:
            factors[k] = conversion_factor(unit, indicator.unit or unit)
        except UnitError as err:
            factors[k] = np.nan
            report.report(
                "LM306",
                "error",
                inverse == k,
                f"unit {unit!r} of indicator {indicator.id!r}",
                unit_not_convertible(indicator.unit or unit, err),
                column,
                (indicator.id,),
            )
    per_item = factors[inverse.ravel()]
    return per_item, np.isnan(per_item)
