"""One rule for what a cell means: numbers, blanks, observation kinds and unit spellings.

Every reader calls these functions, so a cell reads the same from a CSV file, a DataFrame, an
Excel workbook, an RS System CSV or an IATI file (issue 9 item 2, issue 12).

Numbers
    Text is NFKC-normalised (full-width ``１２３`` and ``．``, ``％`` → ``%``) and stripped; then

    - thousands separators ``,`` and ``、`` and spaces inside the number are dropped (``1,234``);
    - ``_`` between digits is dropped (``1_000``, as Python writes it);
    - a leading ``▲`` or ``△`` (Japanese accounts), ``−`` (U+2212) or another dash means minus;
    - an accounting negative in parentheses ``(1,234)`` is ``-1234``;
    - one trailing ``%`` is dropped: ``85%`` is 85 in a percent indicator (the value is never
      divided by 100);
    - blanks (:data:`BLANK_TEXTS`: empty, a dash alone, ``*``/``＊`` used for secret cells, ``…``, ``nan``/``NA``/``N/A``, ``なし``) are *missing*, not errors;
    - anything else (words, ``inf``, booleans) is *bad*.

Kinds
    ``actual``, ``target``, ``baseline`` and their spellings (:data:`KIND_ALIASES`: ``実績``,
    ``目標値``, ``Actuals`` …), compared after NFKC and case folding.

Unit spellings
    :func:`clean_unit_text`: NFKC, spaces collapsed, blank → ``None``; the unit itself is then
    checked by :func:`logicmodel.units.parse_unit`.

Examples
--------
>>> from logicmodel.intake.values import parse_number
>>> [parse_number(t) for t in ["▲5.5", "−3", "1_000", "85％", "１２３", "1,234", "(12)"]]
[-5.5, -3.0, 1000.0, 85.0, 123.0, 1234.0, -12.0]
>>> parse_number("-") is None, parse_number("abc")
(True, nan)
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.units import normalize_unit_text

__all__ = [
    "BLANK_TEXTS",
    "COLUMN_ALIASES",
    "KIND_ALIASES",
    "OBSERVATION_KINDS",
    "canonical_kind",
    "clean_unit_text",
    "parse_number",
    "parse_numbers",
    "standard_column",
]

COLUMN_ALIASES: dict[str, str] = {
    "indicator": "indicator",
    "indicator_id": "indicator",
    "指標": "indicator",
    "指標id": "indicator",
    "period": "period",
    "期間": "period",
    "年度": "period",
    "時点": "period",
    "value": "value",
    "値": "value",
    "実績値": "value",
    "数値": "value",
    "org": "org",
    "団体": "org",
    "団体コード": "org",
    "地方公共団体コード": "org",
    "organisation": "org",
    "organization": "org",
    "unit": "unit",
    "単位": "unit",
    "kind": "kind",
    "種別": "kind",
    "種類": "kind",
    "区分": "kind",
    "source_row": "source_row",
}
"""Accepted column names (case-insensitive, NFKC) and the standard column each maps to."""

_BRACKETED: Final = re.compile(r"(.*?)\s*[(\[（【]\s*([^()\[\]（）【】]*?)\s*[)\]）】]\s*")


def standard_column(name: Any) -> str | None:
    """The standard observation column a header names, or ``None``.

    Case-insensitive after NFKC; a header with a bracketed part (``指標ID (indicator)``, as the
    library's own workbooks write them) is read by either part.

    Examples
    --------
    >>> standard_column("指標ID (indicator)"), standard_column("団体コード"), standard_column("Value")
    ('indicator', 'org', 'value')
    >>> standard_column("備考") is None
    True
    """
    key = unicodedata.normalize("NFKC", str(name)).strip().lower()
    found = COLUMN_ALIASES.get(key)
    if found is None and (m := _BRACKETED.fullmatch(key)) is not None:
        found = COLUMN_ALIASES.get(m.group(2)) or COLUMN_ALIASES.get(m.group(1))
    return found


OBSERVATION_KINDS: Final = ("actual", "target", "baseline")
"""Values of an observation's ``kind`` (default ``actual``), in code order."""

KIND_ALIASES: Final[dict[str, str]] = {
    "actual": "actual",
    "actuals": "actual",
    "実績": "actual",
    "実績値": "actual",
    "target": "target",
    "targets": "target",
    "目標": "target",
    "目標値": "target",
    "baseline": "baseline",
    "基準": "baseline",
    "基準値": "baseline",
}
"""Accepted spellings of an observation kind (NFKC, case-folded) → the canonical kind."""

BLANK_TEXTS: Final = frozenset(
    {
        "",
        "-",
        "--",
        "―",
        "—",
        "–",
        "‐",
        "‒",
        "−",
        "ー",
        "*",
        "**",
        "***",
        "…",
        "...",
        "/",
        "nan",
        "NaN",
        "NA",
        "N/A",
        "n/a",
        "なし",
        "無し",
    }
)
"""Cell texts (after NFKC and stripping) that mean "no value": missing data, never an error.

``*`` and ``…`` are how Japanese statistics mark secret or unavailable cells (e-Stat; its ``x``
stays an error, as a word would)."""

_DASHES: Final = str.maketrans(dict.fromkeys("−‐‑‒–—―", "-"))
_FIXES: Final = (
    (r"(?<=\d)_(?=\d)", ""),  # 1_000
    (r"[,、\s]", ""),  # 1,234 and spaces
    (r"^[▲△]", "-"),  # ▲5.5
    (r"^\(([^()]+)\)$", r"-\1"),  # (1,234)
    (r"%$", ""),  # 85%
)
_PLAIN: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_number(value: Any) -> float | None:
    """One cell as a number: the float, ``None`` when blank, ``nan`` when it is not a number.

    Examples
    --------
    >>> parse_number(" ▲1,234.5 "), parse_number("△２"), parse_number(7), parse_number(True)
    (-1234.5, -2.0, 7.0, nan)
    """
    values, missing, _bad = parse_numbers([value])
    if missing[0]:
        return None
    return float(values[0])


def parse_numbers(
    values: Sequence[Any] | npt.NDArray[Any],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``(numbers, missing, bad)`` for cell values (text or numbers), per distinct value.

    Parameters
    ----------
    values
        Cell values: ``str``, numbers, ``None``/NaN. Each distinct value is parsed once.

    Returns
    -------
    numbers
        float64, NaN where missing or bad.
    missing
        Blank cells (``None``, NaN, :data:`BLANK_TEXTS`).
    bad
        Cells that are neither numbers nor blank (words, booleans, infinities).

    Examples
    --------
    >>> v, missing, bad = parse_numbers(["12", "▲3", "-", "abc", None, 4.5])
    >>> v.tolist(), missing.tolist(), bad.tolist()
    ([12.0, -3.0, nan, nan, nan, 4.5], [False, False, True, False, True, False], [False, False, False, True, False, False])
    """
    raw = np.empty(len(values), dtype=object)
    raw[:] = list(values) if not isinstance(values, np.ndarray) else values
    codes, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    u = np.asarray(uniques, dtype=object)
    n = len(u)
    out = np.full(n + 1, np.nan)
    missing = np.zeros(n + 1, dtype=bool)
    missing[-1] = True  # None / NaN
    bad = np.zeros(n + 1, dtype=bool)
    is_text = np.fromiter((isinstance(x, str) for x in u), dtype=bool, count=n)
    is_bool = np.fromiter((isinstance(x, bool | np.bool_) for x in u), dtype=bool, count=n)
    is_num = np.fromiter((isinstance(x, numbers.Real) for x in u), dtype=bool, count=n) & ~is_bool
    bad[:n] |= is_bool | ~(is_text | is_num | is_bool)
    if is_num.any():
        nums = np.array([float(x) for x in u[is_num]], dtype=np.float64)
        where = np.flatnonzero(is_num)
        finite = np.isfinite(nums)
        out[where[finite]] = nums[finite]
        missing[where[np.isnan(nums)]] = True
        bad[where[np.isinf(nums)]] = True
    if is_text.any():
        where = np.flatnonzero(is_text)
        out[where], missing[where], bad[where] = _parse_texts(u[where])
    return out[codes], missing[codes], bad[codes]


def _parse_texts(
    texts: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The number rule over distinct texts: plain numbers in one C call, the rest normalised."""
    s = pd.Series(texts, dtype=object)
    values = np.array(pd.to_numeric(s, errors="coerce"), dtype=np.float64)  # writable
    missing = np.zeros(len(s), dtype=bool)
    retry = np.flatnonzero(~np.isfinite(values))
    if len(retry):
        norm = pd.Series([_normal(str(t)) for t in texts[retry]], dtype=object)
        gone = norm.isin(BLANK_TEXTS).to_numpy()
        missing[retry[gone]] = True
        t = norm.str.translate(_DASHES)
        for pattern, repl in _FIXES:
            t = t.str.replace(pattern, repl, regex=True)
        plain = t.str.fullmatch(_PLAIN.pattern).fillna(False).to_numpy(dtype=bool)
        parsed = pd.to_numeric(t.where(plain & ~gone, None), errors="coerce")
        values[retry] = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    values[~np.isfinite(values)] = np.nan
    bad = ~missing & np.isnan(values)
    return values, missing, bad


def canonical_kind(value: Any) -> str | None:
    """The observation kind a cell spells (``None`` for an unknown spelling; blank is ``actual``).

    Examples
    --------
    >>> canonical_kind("実績値"), canonical_kind(" Target "), canonical_kind(None), canonical_kind("x")
    ('actual', 'target', 'actual', None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "actual"
    text = _normal(str(value)).casefold()
    if not text:
        return "actual"
    found = KIND_ALIASES.get(text)
    if found is None and (m := _BRACKETED.fullmatch(text)) is not None:
        found = KIND_ALIASES.get(m.group(2)) or KIND_ALIASES.get(m.group(1))  # 実績 (actual)
    return found


def clean_unit_text(value: Any) -> str | None:
    """A unit cell as the unit text the model compares: NFKC, spaces collapsed; blank → ``None``.

    Examples
    --------
    >>> clean_unit_text(" 件／人 "), clean_unit_text(""), clean_unit_text(None)
    ('件/人', None, None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = normalize_unit_text(str(value))
    return text or None
