"""One cell's value: blanks, numbers, Excel serial dates, multi-valued items and headers."""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from logicmodel.intake.values import parse_number
from logicmodel.io.frames.columns import Column
from logicmodel.model import Aggregation

# -- small value helpers -----------------------------------------------------------------


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _num_text(value: float) -> str:
    """``2024.0`` → ``'2024'``; other numbers as Python writes them."""
    f = float(value)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def parse_number_text(text: str) -> float | None:
    """A number typed as text, by the one rule of :func:`logicmodel.intake.parse_number`
    (full-width digits, thousands separators, ``▲``/``△``/``−`` for minus, ``1_000``, ``85%``);
    ``None`` when it is blank or not a number.

    Examples
    --------
    >>> parse_number_text("１，２３４"), parse_number_text("▲5.5"), parse_number_text("abc")
    (1234.0, -5.5, None)
    """
    value = parse_number(text)
    return None if value is None or math.isnan(value) else value


_EXCEL_EPOCH = dt.date(1899, 12, 30)


def serial_to_date(serial: float) -> dt.date:
    """An Excel serial day number (1900 date system) as a date.

    Examples
    --------
    >>> serial_to_date(45565)
    datetime.date(2024, 9, 30)
    """
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def join_items(items: Sequence[str]) -> str | None:
    """Items as one cell: one per line, or a JSON list when lines would be ambiguous.

    Examples
    --------
    >>> join_items(["RS 2024", "白書"])
    'RS 2024\\n白書'
    >>> join_items(["a\\nb"])
    '["a\\\\nb"]'
    """
    if not items:
        return None
    if any(not x or x != x.strip() or "\n" in x or "\r" in x for x in items) or items[0].startswith(
        "["
    ):
        return json.dumps(list(items), ensure_ascii=False)
    return "\n".join(items)


def split_items(text: str) -> tuple[str, ...]:
    """The inverse of :func:`join_items`.

    Examples
    --------
    >>> split_items("RS 2024\\r\\n白書\\n")
    ('RS 2024', '白書')
    """
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            return tuple(data)
    return tuple(s for s in (line.strip() for line in re.split(r"\r\n|\r|\n", text)) if s)


def aggregation_text(value: str | Aggregation) -> str:
    """``"stock"`` or ``"time:sum,orgs:mean"``."""
    if isinstance(value, Aggregation):
        return f"time:{value.time},orgs:{value.orgs}"
    return value


def normalise_header(text: object) -> str:
    """Header text compared loosely: NFKC, case-folded, without spaces, ``_``, ``-``, ``*``."""
    t = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s_\-*※]+", "", t)


# linear: the first part cannot contain an opening bracket (a lazy ``(.*?)`` here was quadratic
# in the header's length: 10 s for one 32,000-character header)
_BRACKETED = re.compile(r"([^(\[【〔「<]*)[(\[【〔「<](.*)[)\]】〕」>]")


def header_lookup(columns: Sequence[Column]) -> dict[str, str]:
    """Normalised header forms → column key."""
    out: dict[str, str] = {}
    for c in columns:
        for form in (c.key, c.ja, c.header, *c.aliases):
            out.setdefault(normalise_header(form), c.key)
    return out


def match_header(text: object, lookup: Mapping[str, str]) -> str | None:
    """The column key a header names (``基準値``, ``baseline_value``, ``基準値 (baseline_value)``).

    Examples
    --------
    >>> from logicmodel.io.frames import TABLES
    >>> lookup = header_lookup(TABLES["indicators"])
    >>> [match_header(h, lookup) for h in ("基準値", "Baseline Value", "基準値（baseline_value）")]
    ['baseline_value', 'baseline_value', 'baseline_value']
    """
    n = normalise_header(text)
    if n in lookup:
        return lookup[n]
    m = _BRACKETED.fullmatch(n)
    if m:
        outer, inner = lookup.get(m.group(1)), lookup.get(m.group(2))
        if outer and inner and outer != inner:
            return None
        return inner or outer
    return None
