"""How the intake words its problems (LM301–LM310), written once for both front ends.

Every LM301–LM310 message text lives in this module: the pandas front end
(:mod:`logicmodel.intake.frame`) and the engine front end (:mod:`logicmodel.evaluation.engine`)
call the same builders, so a problem reads the same whichever way the observations came in. Only
the location differs, and the two reporters below say it honestly:

- :class:`RowReporter` names the rows (0-based frame rows, or file lines a reader recorded);
- :class:`CountReporter` works on distinct values counted in an engine (polars, duckdb, Spark …)
  and says how many rows have the value: an engine frame has no row numbers.

A message is a pair ``(English, Japanese)``.

Examples
--------
>>> import numpy as np
>>> issues = []
>>> CountReporter(np.array([3, 1]), issues).report(
...     "LM303", "error", np.array([True, False]), "value 'abc'", NOT_A_NUMBER, "value")
>>> issues[0].where, issues[0].message, issues[0].message_ja
('observations (engine frame)', "value 'abc': not a number (3 rows; engine frames have no row numbers)", "value 'abc': 数値ではありません（3行）")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from logicmodel.issues import Issue, Severity

__all__ = [
    "BAD_KIND",
    "EMPTY_INDICATOR",
    "EMPTY_PERIOD",
    "ENGINE_WHERE",
    "GROUPED_WHERE",
    "MORE_DUPLICATES",
    "NOT_A_NUMBER",
    "NOT_A_PERIOD",
    "NO_ROW_NUMBERS",
    "PERCENT_OUTSIDE",
    "CountReporter",
    "Message",
    "Reporter",
    "RowReporter",
    "duplicated",
    "missing_columns",
    "missing_required",
    "more_bad_periods",
    "more_bad_values",
    "more_unknown_indicators",
    "no_row_numbers",
    "numeric_org_codes",
    "unit_not_convertible",
    "unknown_indicator",
    "where_rows",
]

Message = tuple[str, str]
"""A message in English and Japanese."""

ENGINE_WHERE = "observations (engine frame)"
"""Where a problem found in an engine frame is: the frame, not a row of it."""

NO_ROW_NUMBERS = "engine frames have no row numbers"

GROUPED_WHERE = f"observations (engine frame, aggregated to reporting periods; {NO_ROW_NUMBERS})"
"""Where a problem found on an engine's collected cube is: groups of rows, not input rows."""

# -- LM301 indicators -----------------------------------------------------------------------------


def unknown_indicator(hint: str) -> Message:
    """LM301: an indicator id the model does not define; ``hint`` lists the nearest known ids."""
    return (
        f"unknown indicator; nearest known ids: {hint}",
        f"未定義の指標です（近い指標: {hint}）",
    )


EMPTY_INDICATOR: Message = ("empty indicator id", "指標IDが空です")


def more_unknown_indicators(more: int, total: int, example: str) -> Message:
    """LM301 for the unknown ids beyond those named one by one."""
    return (
        f"{more:,} more unknown indicator ids ({total:,} in all), e.g. {example}",
        f"ほかに未定義の指標が{more:,}種類あります（全{total:,}種類）",
    )


# -- LM302 periods ---------------------------------------------------------------------------------

NOT_A_PERIOD: Message = (
    "not a period; use e.g. 2024-06, 2024Q1, FY2024, 2024年度, 令和6年度",
    "期間として読めません（例: 2024-06, FY2024, 2024年度, 令和6年度）",
)
EMPTY_PERIOD: Message = ("empty period", "期間が空です")


def more_bad_periods(more: int, total: int) -> Message:
    """LM302 for the texts beyond those named one by one."""
    return (
        f"{more:,} more texts are not periods ({total:,} in all)",
        f"ほかに期間として読めない値が{more:,}種類あります",
    )


# -- LM303 values ----------------------------------------------------------------------------------

NOT_A_NUMBER: Message = ("not a number", "数値ではありません")


def more_bad_values(more: int, total: int) -> Message:
    """LM303 for the texts beyond those named one by one."""
    return (
        f"{more:,} more texts are not numbers ({total:,} in all)",
        f"ほかに数値でない値が{more:,}種類あります",
    )


# -- LM304 duplicates ------------------------------------------------------------------------------


def duplicated(name: str, org: object, period: str, kind: str, n: int) -> Message:
    """LM304: ``n`` rows for one (indicator, org, period, kind)."""
    where = f" org {org!r}" if org not in (None, "") else ""
    return (
        f"indicator {name!r}{where} period {period!r} kind {kind!r}: "
        f"{n} rows for one (indicator, org, period, kind)",
        f"指標 {name!r}{where} の同じ期間・種別の行が{n}行あります",
    )


MORE_DUPLICATES: Message = ("more duplicated groups not listed", "ほかにも重複があります")

# -- LM305, LM306, LM310 ---------------------------------------------------------------------------

PERCENT_OUTSIDE: Message = ("percentage outside 0–100", "割合が0〜100の範囲外です")


def unit_not_convertible(unit: str, error: object) -> Message:
    """LM306: a unit that does not convert to the indicator's ``unit``."""
    return (f"cannot be converted to {unit!r}: {error}", f"指標の単位 {unit!r} に換算できません")


BAD_KIND: Message = (
    "must be actual, target or baseline",
    "actual, target, baseline のいずれかにしてください",
)

# -- LM308, LM309: the frame itself ----------------------------------------------------------------


def missing_columns(names: Sequence[Any], cols: dict[str, Any]) -> Issue | None:
    """LM308 when a required column is missing, naming the columns the frame has."""
    missing = [c for c in ("indicator", "period", "value") if c not in cols]
    if not missing:
        return None
    have = ", ".join(repr(str(c)) for c in names) or "none"
    message = missing_required(missing)
    return Issue(
        "LM308",
        "error",
        "observations",
        f"{message[0]}; columns in the frame: {have}",
        message_ja=f"{message[1]}（現在の列: {have}）",
        column=missing[0],
    )


def missing_required(missing: Sequence[str]) -> Message:
    """The start of LM308's message (also of the file readers' error): the missing columns."""
    names = ", ".join(missing)
    return (f"missing required column(s) {names}", f"必須の列がありません: {names}")


def numeric_org_codes(column: Any) -> Issue:
    """LM309 when the org column holds numbers (leading zeros are lost)."""
    return Issue(
        "LM309",
        "error",
        f"observations column {column!r}",
        "organisation codes are numbers, so leading zeros are lost (01100 became 1100); "
        "read the column as text, e.g. pd.read_csv(..., dtype={'org': str}) or lm.read_observations()",
        message_ja="団体コードが数値になっており先頭の0が失われています。文字列として読み込んでください"
        "（例: dtype={'org': str}）",
        column=str(column),
    )


# -- locations -------------------------------------------------------------------------------------


def where_rows(rows: np.ndarray, from_file: bool, total: int) -> str:
    """``lines 2, 5`` (file lines, header = line 1) or ``rows 1, 4 (0-based)`` (frame rows).

    Examples
    --------
    >>> where_rows(np.array([1, 4]), False, 2), where_rows(np.arange(2, 9), True, 7)
    ('rows 1, 4 (0-based)', 'lines 2, 3, 4, 5, 6 and 2 more')
    """
    word = "line" if from_file else "row"
    shown = ", ".join(str(int(r)) for r in rows[:5])
    more = f" and {total - 5} more" if total > 5 else ""
    base = "" if from_file else " (0-based)"
    return f"{word}{'s' if total > 1 else ''} {shown}{more}{base}"


def no_row_numbers(n: int) -> Message:
    """How many input rows a problem of an engine frame has, since it has no row numbers."""
    return (f"{n} row{'s' if n != 1 else ''}; {NO_ROW_NUMBERS}", f"{n}行")


class Reporter(Protocol):
    """Where problems found on items (rows, or distinct values with counts) are written."""

    def report(
        self,
        code: str,
        severity: Severity,
        mask: np.ndarray,
        what: str,
        message: Message,
        column: str | None,
        ids: Sequence[str] = (),
    ) -> None:
        """A problem at the items in ``mask``: ``what`` names the value, ``message`` says why."""


@dataclass
class RowReporter:
    """Problems of the pandas intake, each naming the rows (or file lines) where it occurs."""

    rows: np.ndarray
    from_file: bool
    issues: list[Issue]

    def report(
        self,
        code: str,
        severity: Severity,
        mask: np.ndarray,
        what: str,
        message: Message,
        column: str | None,
        ids: Sequence[str] = (),
    ) -> None:
        """A problem at the rows in ``mask``."""
        hit = self.rows[mask]
        self.issues.append(
            Issue(
                code,
                severity,
                f"observations {where_rows(hit, self.from_file, int(mask.sum()))}",
                f"{what}: {message[0]}",
                message_ja=f"{what}: {message[1]}",
                row=int(hit[0]) if len(hit) else None,
                column=column,
                ids=tuple(ids),
            )
        )


@dataclass
class CountReporter:
    """Problems of an engine frame found on distinct values, each ``counts[k]`` rows."""

    counts: np.ndarray
    issues: list[Issue]

    def report(
        self,
        code: str,
        severity: Severity,
        mask: np.ndarray,
        what: str,
        message: Message,
        column: str | None,
        ids: Sequence[str] = (),
    ) -> None:
        """A problem at the distinct values in ``mask``, with the number of rows they stand for."""
        rows = no_row_numbers(int(self.counts[mask].sum()))
        self.issues.append(
            Issue(
                code,
                severity,
                ENGINE_WHERE,
                f"{what}: {message[0]} ({rows[0]})",
                message_ja=f"{what}: {message[1]}（{rows[1]}）",
                column=column,
                ids=tuple(ids),
            )
        )
