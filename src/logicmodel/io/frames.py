"""A logic model as plain tables (pandas DataFrames) and as a folder of CSV files.

:func:`to_frames` turns a model into six tables — ``model`` (one row), ``nodes``, ``links``,
``indicators``, ``targets`` and ``milestones`` — and :func:`from_frames` is its exact inverse, so
``from_frames(to_frames(m)) == m``. The same tables are the sheets of the Excel workbook
(:mod:`logicmodel.io.excel`) and the files written by :func:`write_csvs`.

Conventions (also in ``docs/formats/csv.md``):

- Multi-valued text fields (``assumptions``, ``refs``, ``tags``, ``delivers``) hold one item per
  line (in Excel: Alt+Enter inside the cell). When an item itself contains a line break, is empty,
  or the first item starts with ``[``, the cell holds a JSON list instead (``["a\\nb", "c"]``).
  ``delivers`` also accepts ids separated by commas, ``、`` or spaces.
- ``aggregation`` is ``stock``, ``flow``, ``mean`` or ``time:sum,orgs:mean``.
- A blank ``direction`` means "not stated" (``None``); every other blank cell means "not given"
  and takes the field's default. Empty text is therefore read as not given.
- Targets are one row per (indicator, period) in the ``targets`` table; the baseline lives in the
  indicator's ``baseline_period``/``baseline_value``/``baseline_note`` columns.

Reading is forgiving where a spreadsheet is: headers may be the English key (``baseline_value``),
the Japanese name (``基準値``) or both (``基準値 (baseline_value)``); numbers may be text with
full-width digits and thousands separators (``"１，２３４"``); booleans may be ``TRUE``,
``はい`` or ``○``;
dates may be Excel serial numbers. Errors name the table, the row and the column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import io
import json
import math
import numbers
import os
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from logicmodel import limits
from logicmodel.errors import (
    FormatError,
    FormatWarning,
    LimitError,
    ModelError,
    WriteError,
    did_you_mean,
    short_repr,
)
from logicmodel.intake.values import KIND_ALIASES, parse_number
from logicmodel.io.files import (
    FORMULA_PREFIXES,
    atomic_write,
    read_bytes,
    staged_directory,
)
from logicmodel.model import KINDS, Aggregation, LogicModel
from logicmodel.model.vocabulary import KIND_JA, STAGE_JA, STAGES

__all__ = ["TABLES", "from_frames", "read_csvs", "to_csv", "to_frames", "write_csvs"]


# -- table layout ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table: English key, Japanese header, how its cells are read."""

    key: str
    ja: str
    kind: str = "text"
    required: bool = False
    width: int = 16
    choices: str | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        """The header written to files: ``名称 (label)``."""
        return f"{self.ja} ({self.key})"


_C = Column

TABLES: dict[str, tuple[Column, ...]] = {
    "model": (
        _C("id", "ID", "id", True, 20, note="モデルのID / model id (letters, digits, _)"),
        _C("title", "名称", "title", True, 40, aliases=("タイトル", "表題")),
        _C("owner", "所管", width=20, aliases=("担当",)),
        _C("description", "説明", width=50),
        _C(
            "fiscal_year_start",
            "年度開始月",
            "int",
            width=12,
            note="年度の開始月 (既定 4) / first month of the fiscal year (default 4)",
        ),
        _C("refs", "参照", "list", width=30, note="1行に1件 / one per line"),
        _C("tags", "タグ", "list", width=20, note="1行に1件 / one per line"),
    ),
    "nodes": (
        _C("id", "ID", "id", True, 18),
        _C(
            "kind",
            "種別",
            "kind",
            True,
            14,
            "kind",
            "input インプット / activity アクティビティ / output アウトプット / "
            "outcome アウトカム / "
            "impact インパクト",
        ),
        _C(
            "stage",
            "段階",
            "text",
            False,
            14,
            "stage",
            "アウトカムのみ / outcomes only: short 短期 / intermediate 中期 / long 長期",
        ),
        _C("label", "名称", width=36, aliases=("ラベル",)),
        _C("description", "説明", width=40),
        _C("owner", "担当", width=16, aliases=("所管",)),
        _C("controllable", "制御可能", "bool", False, 12, "bool", "TRUE / FALSE"),
        _C("assumptions", "前提条件", "list", width=30, note="1行に1件 / one per line"),
        _C("refs", "参照", "list", width=24, note="1行に1件 / one per line"),
        _C("tags", "タグ", "list", width=16, note="1行に1件 / one per line"),
    ),
    "links": (
        _C(
            "source",
            "派生元",
            "id",
            True,
            18,
            "node_ids",
            "要素のID / node id",
            ("つながり元", "from"),
        ),
        _C(
            "target",
            "派生先",
            "id",
            True,
            18,
            "node_ids",
            "要素のID / node id",
            ("つながり先", "to"),
        ),
        _C("weight", "重み", "number", width=10, note="0以上 (既定 1) / ≥ 0 (default 1)"),
        _C("rationale", "根拠", width=40, aliases=("理由",)),
        _C("assumptions", "前提条件", "list", width=30, note="1行に1件 / one per line"),
        _C("evidence", "エビデンス", width=30, aliases=("根拠資料",)),
    ),
    "indicators": (
        _C("id", "ID", "id", True, 18),
        _C(
            "measures",
            "対象要素",
            "id",
            True,
            18,
            "node_ids",
            "測る要素のID / id of the node measured",
        ),
        _C("name", "指標名", width=30, aliases=("名称",)),
        _C("role", "区分", "text", False, 8, "role", "KGI / KPI / 空欄 blank", ("役割",)),
        _C("unit", "単位", width=10, note="件, 人, 団体, %, 分, 円 …"),
        _C(
            "direction",
            "方向",
            "text",
            False,
            12,
            "direction",
            "increase 上向き / decrease 下向き / maintain 維持 "
            "(空欄 = 未記入 / blank = not stated)",
        ),
        _C(
            "baseline_period",
            "基準年度",
            "period",
            width=12,
            note="FY2023, 令和5年度, 2024-06 …",
            aliases=("基準期間",),
        ),
        _C("baseline_value", "基準値", "number", width=12),
        _C("baseline_note", "基準値の注記", width=20),
        _C(
            "aggregation",
            "集計方法",
            "aggregation",
            False,
            18,
            "aggregation",
            "stock / flow / mean / time:sum,orgs:mean",
        ),
        _C("formula", "計算式", width=24, note="例 / e.g. adopted_n / orgs_n * 100"),
        _C("weight", "重み", "number", width=8, note="0以上 (既定 1) / ≥ 0 (default 1)"),
        _C("weight_by", "重み付け指標", "id", width=16),
        _C(
            "frequency",
            "頻度",
            "choice",
            False,
            14,
            "frequency",
            "month / quarter / fiscal_quarter / fiscal_year / year",
        ),
        _C("source", "出典", width=24),
        _C(
            "measure",
            "測定種別",
            "choice",
            False,
            14,
            "measure",
            "quantitative 定量 / qualitative 定性",
        ),
        _C("description", "説明", width=40),
        _C("refs", "参照", "list", width=24, note="1行に1件 / one per line"),
    ),
    "targets": (
        _C("indicator", "指標ID", "id", True, 18, "indicator_ids", "指標のID / indicator id"),
        _C(
            "period",
            "目標年度",
            "period",
            True,
            14,
            note="FY2025, 令和7年度, 2025-03 …",
            aliases=("期間", "年度"),
        ),
        _C("value", "目標値", "number", True, 12),
        _C("note", "注記", width=30, aliases=("備考",)),
    ),
    "milestones": (
        _C("id", "ID", "id", True, 18),
        _C("title", "名称", "text", True, 36, aliases=("項目",)),
        _C("due", "期限", "date", True, 14, note="日付 / date (2025-03-31) or period (FY2024)"),
        _C("start", "開始日", "date", width=14),
        _C("done", "完了日", "date", width=14),
        _C(
            "delivers",
            "提供する要素",
            "ids",
            width=24,
            note="要素のID (1行に1件) / node ids, one per line",
        ),
        _C("service_level", "サービス水準", width=30),
        _C("description", "説明", width=40),
        _C("owner", "担当", width=16, aliases=("所管",)),
        _C("tags", "タグ", "list", width=16, note="1行に1件 / one per line"),
    ),
}
"""The tables of a model, in order, with their columns (English key, Japanese header, cell kind)."""

OBSERVATION_TABLE: tuple[Column, ...] = (
    _C("indicator", "指標ID", "id", True, 18, "indicator_ids", "指標のID / indicator id"),
    _C("org", "団体コード", "code", False, 12, note="文字列で入力 (011002) / enter as text"),
    _C(
        "period", "期間", "period", True, 12, note="FY2024, 2024-06, 令和6年度 …", aliases=("年度",)
    ),
    _C("value", "値", "number", False, 12, aliases=("実績値",)),
    _C("unit", "単位", width=10),
    _C(
        "kind",
        "種類",
        "choice",
        False,
        12,
        "obs_kind",
        "actual 実績 (既定 default) / target 目標 / baseline 基準",
    ),
)
"""Columns of the ``observations`` sheet (long format, DESIGN §4.4)."""

TABLE_JA = {
    "model": "モデル",
    "nodes": "要素",
    "links": "つながり",
    "indicators": "指標",
    "targets": "目標値",
    "milestones": "ロードマップ",
    "observations": "実績値",
    "readme": "説明",
}
"""Japanese names of the tables (accepted as sheet names)."""

CHOICES: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "stage": STAGES,
    "direction": ("increase", "decrease", "maintain"),
    "role": ("KGI", "KPI"),
    "aggregation": (
        "stock",
        "flow",
        "mean",
        *(
            f"time:{t},orgs:{o}"
            for t in ("sum", "last", "mean", "min", "max")
            for o in ("sum", "mean", "min", "max", "none")
        ),
    ),
    "measure": ("quantitative", "qualitative"),
    "frequency": ("month", "quarter", "fiscal_quarter", "fiscal_year", "year"),
    "obs_kind": ("actual", "target", "baseline"),
    "bool": ("TRUE", "FALSE"),
}
"""Allowed values offered in drop-down lists."""

_ALIASES: dict[str, dict[str, str]] = {
    "kind": {
        **{ja: kind for kind, ja in KIND_JA.items()},
        "投入": "input",
        "活動": "activity",
        "成果": "outcome",
    },
    "measure": {
        "定量": "quantitative",
        "定量的": "quantitative",
        "定性": "qualitative",
        "定性的": "qualitative",
    },
    "frequency": {
        "月": "month",
        "月次": "month",
        "四半期": "quarter",
        "年度": "fiscal_year",
        "年": "year",
        "暦年": "year",
    },
    "obs_kind": {k: v for k, v in KIND_ALIASES.items() if k != v},
}

CHOICE_LABELS_JA: dict[str, dict[str, str]] = {
    "kind": dict(KIND_JA),
    "stage": dict(STAGE_JA),
    "direction": {"increase": "上向き", "decrease": "下向き", "maintain": "維持"},
    "measure": {"quantitative": "定量", "qualitative": "定性"},
    "frequency": {
        "month": "月次",
        "quarter": "四半期",
        "fiscal_quarter": "年度の四半期",
        "fiscal_year": "年度",
        "year": "暦年",
    },
    "obs_kind": {"actual": "実績", "target": "目標", "baseline": "基準"},
    "aggregation": {"stock": "ストック", "flow": "フロー", "mean": "平均"},
}
"""Japanese labels of the drop-down choices; lists show ``アウトプット (output)``."""


def choice_entry(name: str, value: str) -> str:
    """The drop-down entry of a choice: ``"アウトプット (output)"``, or the value itself.

    Examples
    --------
    >>> choice_entry("kind", "output"), choice_entry("role", "KGI")
    ('アウトプット (output)', 'KGI')
    """
    label = CHOICE_LABELS_JA.get(name, {}).get(value)
    return f"{label} ({value})" if label else value


_ENTRY = re.compile(r"(.+?)\s*\(\s*([^()]+?)\s*\)")


def _entry_key(text: str) -> str:
    """``"アウトプット (output)"`` → ``"output"``; other text unchanged."""
    m = _ENTRY.fullmatch(text)
    return m.group(2) if m is not None else text


_AGG_ALIASES = {"ストック": "stock", "フロー": "flow", "平均": "mean"}
_BOOL = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "はい": True,
    "いいえ": False,
    "○": True,
    "〇": True,
    "×": False,
    "✓": True,
}
_GROUPS = ("nodes", "links", "indicators", "milestones")
_MODEL_TAGS = frozenset({*KINDS, "function-after", "function-before"})


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


# -- the builder shared by frames, CSV and Excel -----------------------------------------

Locate = Callable[[str, int, str | None, str], FormatError]
"""``(table, position, column key, message) -> FormatError`` naming the cell as seen at source."""


@dataclass
class RawTable:
    """The cells of one table as read: one dict (column key → raw value) per non-empty row."""

    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)


class _Problems:
    """Cell problems collected while reading, raised together with the first one's location."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.items: list[FormatError] = []

    def add(self, table: str, pos: int, key: str | None, message: str) -> None:
        self.items.append(self.locate(table, pos, key, message))

    def raise_if_any(self, cause: BaseException | None = None) -> None:
        if not self.items:
            return
        first = self.items[0]
        if len(self.items) > 1:
            more = "\n  ".join(str(e) for e in self.items[1:21])
            extra = f" (and {len(self.items) - 21} more)" if len(self.items) > 21 else ""
            first.message = (
                f"{first.message}\n  {len(self.items) - 1} more problem(s):\n  {more}{extra}"
            )
            first.args = (first.message,)
        raise first from cause


class _Cells:
    """Converters from raw cell values to field values, recording problems."""

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems

    def text(self, v: Any) -> str | None:
        if _blank(v):
            return None
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if _is_number(v):
            return _num_text(v)
        if isinstance(v, dt.datetime):
            return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v).strip()

    def ident(self, v: Any, where: tuple[str, int, str]) -> str | None:
        if _blank(v):
            return None
        if isinstance(v, bool) or _is_number(v):
            shown = _num_text(v) if not isinstance(v, bool) else str(v).upper()
            self.problems.add(
                *where,
                f"id {shown} is a number; ids start with a letter, kana or kanji "
                f"(for example 'n{shown}'): enter the id as text",
            )
            return None
        return self.text(v)

    def number(self, v: Any, where: tuple[str, int, str]) -> float | None:
        if _blank(v):
            return None
        if _is_number(v):
            return float(v)
        if isinstance(v, str):
            got = parse_number_text(v)
            if got is not None:
                return got
        self.problems.add(*where, f"{self.text(v)!r} is not a number")
        return None

    def integer(self, v: Any, where: tuple[str, int, str]) -> int | None:
        f = self.number(v, where)
        if f is None:
            return None
        if not f.is_integer():
            self.problems.add(*where, f"{_num_text(f)} is not a whole number")
            return None
        return int(f)

    def boolean(self, v: Any, where: tuple[str, int, str]) -> bool | None:
        if _blank(v):
            return None
        if isinstance(v, bool):
            return v
        if _is_number(v) and float(v) in (0.0, 1.0):
            return bool(v)
        key = unicodedata.normalize("NFKC", str(v)).strip().casefold()
        if key in _BOOL:
            return _BOOL[key]
        self.problems.add(*where, f"{self.text(v)!r} is not TRUE or FALSE")
        return None

    def choice(self, v: Any, name: str, where: tuple[str, int, str], label: str) -> str | None:
        text = self.text(v)
        if text is None:
            return None
        key = _entry_key(unicodedata.normalize("NFKC", text).strip())
        allowed = CHOICES[name]
        if key.casefold() in allowed:
            return key.casefold()
        if key in _ALIASES.get(name, {}):
            return _ALIASES[name][key]
        self.problems.add(
            *where,
            f"{label} {text!r} is not one of {', '.join(allowed)}" + _hint(key.casefold(), allowed),
        )
        return None

    def aggregation(self, v: Any, where: tuple[str, int, str]) -> str | dict[str, str] | None:
        text = self.text(v)
        if text is None:
            return None
        t = _entry_key(unicodedata.normalize("NFKC", text).strip())
        if t.casefold() in ("stock", "flow", "mean") or t in _AGG_ALIASES:
            return _AGG_ALIASES.get(t, t.casefold())
        parts = [p for p in re.split(r"[,;、]+", re.sub(r"\s+", "", t.casefold())) if p]
        out: dict[str, str] = {}
        for p in parts:
            k, sep, val = p.replace("=", ":").partition(":")
            if not sep or k not in ("time", "orgs") or k in out:
                out = {}
                break
            out[k] = val
        times, orgs = ("sum", "last", "mean", "min", "max"), ("sum", "mean", "min", "max", "none")
        if out and out.get("time", "last") in times and out.get("orgs", "sum") in orgs:
            return out
        self.problems.add(
            *where,
            f"aggregation {text!r} is not stock, flow, mean or "
            "'time:<sum|last|mean|min|max>,orgs:<sum|mean|min|max|none>'",
        )
        return None

    def period(self, v: Any, where: tuple[str, int, str]) -> Any:
        if _blank(v):
            return None
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date | str):
            return v.strip() if isinstance(v, str) else v
        if _is_number(v):
            f = float(v)
            if f.is_integer() and 10_000 <= f <= 2_958_465:
                return serial_to_date(f)
            if f.is_integer():
                return str(int(f))
            self.problems.add(
                *where, f"{_num_text(f)} is not a period (FY2024, 2024-06, 令和6年度 …)"
            )
            return None
        return self.text(v)

    def items(self, v: Any) -> tuple[str, ...]:
        if isinstance(v, list | tuple):
            return tuple(str(x).strip() for x in v if not _blank(x))
        text = self.text(v)
        return () if text is None else split_items(text)

    def ids(self, v: Any, where: tuple[str, int, str]) -> tuple[str, ...]:
        if isinstance(v, list | tuple):
            return tuple(str(x).strip() for x in v if not _blank(x))
        if _blank(v):
            return ()
        if _is_number(v):
            self.ident(v, where)
            return ()
        text = self.text(v) or ""
        return tuple(s for s in re.split(r"[\s,、，;；]+", text) if s)


def _hint(word: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def build_model(tables: Mapping[str, RawTable], locate: Locate) -> LogicModel:
    """Build a model from raw tables; every problem is a ``FormatError`` naming its cell.

    ``tables`` must hold ``model``; the others are optional (absent means empty). Errors raised by
    the model itself (bad unit, unknown id, duplicate id …) are mapped back to the table row and
    column the value came from.
    """
    problems = _Problems(locate)
    cells = _Cells(problems)
    columns = {name: {c.key: c for c in cols} for name, cols in TABLES.items()}

    def convert(table: str, pos: int, row: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, col in columns[table].items():
            if key not in row and not col.required:
                continue
            raw = row.get(key)
            where = (table, pos, key)
            kind = col.kind
            value: Any
            if kind == "id":
                value = cells.ident(raw, where)
            elif kind in ("text", "kind"):
                value = cells.text(raw)
                if value is not None and col.choices in CHOICE_LABELS_JA:
                    value = _entry_key(value)  # 中期 (intermediate) from the drop-down
            elif kind == "number":
                value = cells.number(raw, where)
            elif kind == "int":
                value = cells.integer(raw, where)
            elif kind == "bool":
                value = cells.boolean(raw, where)
            elif kind == "choice":
                value = cells.choice(raw, col.choices or key, where, key)
            elif kind == "aggregation":
                value = cells.aggregation(raw, where)
            elif kind in ("period", "date"):
                value = cells.period(raw, where)
            elif kind == "list":
                value = cells.items(raw) or None
            elif kind == "ids":
                value = cells.ids(raw, where) or None
            else:  # pragma: no cover - every kind is listed above
                value = cells.text(raw)
            if value is not None:
                out[key] = value
            elif key == "title" and _blank(raw):
                out[key] = ""  # a title may be empty text; the column itself is required
            elif col.required and _blank(raw):
                problems.add(table, pos, key, f"{key} is required ({col.ja}) but the cell is empty")
        return out

    # model (one row)
    model_rows = tables["model"].rows if "model" in tables else []
    if not model_rows:
        problems.add("model", 0, "id", "the model table has no row: give at least id and title")
        problems.raise_if_any()
    for pos in range(1, len(model_rows)):
        problems.add(
            "model", pos, "id", "the model table has more than one row; a file holds one model"
        )
    data = convert("model", 0, model_rows[0])

    origin: dict[tuple[str, int], int] = {}
    target_origin: dict[tuple[int, int], int] = {}

    nodes: list[dict[str, Any]] = []
    for pos, row in enumerate(tables["nodes"].rows if "nodes" in tables else []):
        item = convert("nodes", pos, row)
        kind = cells.choice(row.get("kind"), "kind", ("nodes", pos, "kind"), "kind")
        if kind is None:
            continue
        item["kind"] = kind
        if kind != "outcome" and "stage" in item:
            problems.add(
                "nodes",
                pos,
                "stage",
                f"stage {item['stage']!r} is only for outcomes; "
                f"node {item.get('id')!r} is an {kind}: leave the cell empty",
            )
        origin[("nodes", len(nodes))] = pos
        nodes.append(item)

    links: list[dict[str, Any]] = []
    for pos, row in enumerate(tables["links"].rows if "links" in tables else []):
        origin[("links", len(links))] = pos
        links.append(convert("links", pos, row))

    indicators: list[dict[str, Any]] = []
    by_id: dict[str, int] = {}
    for pos, row in enumerate(tables["indicators"].rows if "indicators" in tables else []):
        item = convert("indicators", pos, row)
        if "direction" not in item:
            item["direction"] = None
        period = item.pop("baseline_period", None)
        value = item.pop("baseline_value", None)
        note = item.pop("baseline_note", None)
        if period is not None or value is not None or note is not None:
            if period is None and _blank(row.get("baseline_period")):
                problems.add(
                    "indicators", pos, "baseline_period", "the baseline has a value but no period"
                )
            elif value is None and _blank(row.get("baseline_value")):
                problems.add(
                    "indicators", pos, "baseline_value", "the baseline has a period but no value"
                )
            item["baseline"] = {"period": period, "value": value, "note": note}
        item["targets"] = []
        origin[("indicators", len(indicators))] = pos
        if "id" in item:
            by_id.setdefault(item["id"], len(indicators))
        indicators.append(item)

    for pos, row in enumerate(tables["targets"].rows if "targets" in tables else []):
        if _blank(row.get("value")) and not _blank(row.get("period")):
            # people enter the year first and the value when it is decided: read the rest
            warnings.warn(
                str(
                    locate(
                        "targets",
                        pos,
                        "value",
                        "the target has a period but no value yet; "
                        "the row is left out until a value is entered",
                    )
                ),
                FormatWarning,
                stacklevel=3,
            )
            continue
        item = convert("targets", pos, row)
        ind = item.pop("indicator", None)
        if ind is None:
            continue
        if ind not in by_id:
            problems.add(
                "targets", pos, "indicator", f"unknown indicator {ind!r}{did_you_mean(ind, by_id)}"
            )
            continue
        k = by_id[ind]
        target_origin[(k, len(indicators[k]["targets"]))] = pos
        indicators[k]["targets"].append(item)

    milestones: list[dict[str, Any]] = []
    for pos, row in enumerate(tables["milestones"].rows if "milestones" in tables else []):
        item = convert("milestones", pos, row)
        origin[("milestones", len(milestones))] = pos
        milestones.append(item)

    if problems.items:  # report unknown ids with the cell errors, in one pass
        _reference_problems(problems, nodes, links, indicators, origin)
    problems.raise_if_any()
    data.update(nodes=nodes, links=links, indicators=indicators, milestones=milestones)
    try:
        return LogicModel.model_validate(data)
    except ModelError as err:
        for e in err.errors():
            table, pos, key = _cell_of(tuple(e.get("loc", ())), origin, target_origin)
            msg = str(e["msg"])
            rows = tables[table].rows if table in tables else []
            raw = rows[pos].get(key or "") if pos < len(rows) else None
            shown = cells.text(raw)
            if shown is not None and shown not in msg:
                msg = f"{msg} (got {shown!r})"
            problems.add(table, pos, key, msg)
        problems.raise_if_any(err)
        raise  # pragma: no cover - raise_if_any always raises here


def _reference_problems(
    problems: _Problems,
    nodes: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    indicators: Sequence[Mapping[str, Any]],
    origin: Mapping[tuple[str, int], int],
) -> None:
    """Links and ``measures`` naming unknown node ids, as cell problems (the model would find
    them only once every cell reads)."""
    known = {str(n["id"]) for n in nodes if "id" in n}
    for k, link in enumerate(links):
        for key in ("source", "target"):
            name = link.get(key)
            if name is not None and str(name) not in known:
                problems.add(
                    "links",
                    origin.get(("links", k), k),
                    key,
                    f"unknown node {name!r}{did_you_mean(str(name), known)}",
                )
    for k, ind in enumerate(indicators):
        name = ind.get("measures")
        if name is not None and str(name) not in known:
            problems.add(
                "indicators",
                origin.get(("indicators", k), k),
                "measures",
                f"unknown node {name!r}{did_you_mean(str(name), known)}",
            )


def _cell_of(
    loc: tuple[Any, ...],
    origin: Mapping[tuple[str, int], int],
    target_origin: Mapping[tuple[int, int], int],
) -> tuple[str, int, str | None]:
    """The (table, row position, column key) a pydantic ``loc`` came from."""
    if len(loc) >= 2 and loc[0] in _GROUPS and isinstance(loc[1], int):
        group, k = str(loc[0]), loc[1]
        rest = [x for x in loc[2:] if x not in _MODEL_TAGS]
        pos = origin.get((group, k), 0)
        if (
            group == "indicators"
            and rest[:1] == ["targets"]
            and len(rest) >= 2
            and isinstance(rest[1], int)
        ):
            key = rest[2] if len(rest) > 2 and isinstance(rest[2], str) else "period"
            return "targets", target_origin.get((k, rest[1]), 0), key
        if group == "indicators" and rest[:1] == ["baseline"]:
            sub = rest[1] if len(rest) > 1 and isinstance(rest[1], str) else "period"
            return "indicators", pos, f"baseline_{sub}"
        field = rest[0] if rest and isinstance(rest[0], str) else None
        return group, pos, field or ("source" if group == "links" else "id")
    key = loc[0] if loc and isinstance(loc[0], str) else "id"
    return "model", 0, key


# -- to / from frames --------------------------------------------------------------------


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    keys = [c.key for c in TABLES[name]]
    if not rows:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in keys})
    return pd.DataFrame(rows, columns=keys)


def to_frames(model: LogicModel) -> dict[str, pd.DataFrame]:
    """The model as six tables: ``model``, ``nodes``, ``links``, ``indicators``, ``targets``,
    ``milestones`` (pandas DataFrames with the English keys of :data:`TABLES` as columns).

    Multi-valued fields are joined one item per line; ``aggregation`` is text (``stock`` or
    ``time:sum,orgs:mean``); missing values are ``None``/NaN. :func:`from_frames` is the inverse.

    Examples
    --------
    >>> from logicmodel.model import LogicModel, Outcome, KPI
    >>> m = LogicModel(id="m", title="窓口", nodes=[Outcome(id="wait", stage="中期")],
    ...                indicators=[KPI(id="w", measures="wait", unit="分", targets={"FY2027": 15})])
    >>> frames = to_frames(m)
    >>> frames["nodes"][["id", "kind", "stage"]].to_dict("records")
    [{'id': 'wait', 'kind': 'outcome', 'stage': 'intermediate'}]
    >>> frames["targets"].to_dict("records")
    [{'indicator': 'w', 'period': 'FY2027', 'value': 15.0, 'note': None}]
    >>> from_frames(frames) == m
    True
    """
    model_row = {
        "id": model.id,
        "title": model.title,
        "owner": model.owner,
        "description": model.description,
        "fiscal_year_start": model.fiscal_year_start,
        "refs": join_items(model.refs),
        "tags": join_items(model.tags),
    }
    nodes = [
        {
            "id": n.id,
            "kind": n.kind,
            "stage": getattr(n, "stage", None),
            "label": n.label,
            "description": n.description,
            "owner": n.owner,
            "controllable": n.controllable,
            "assumptions": join_items(n.assumptions),
            "refs": join_items(n.refs),
            "tags": join_items(n.tags),
        }
        for n in model.nodes
    ]
    links = [
        {
            "source": link.source,
            "target": link.target,
            "weight": link.weight,
            "rationale": link.rationale,
            "assumptions": join_items(link.assumptions),
            # structured evidence (issue 13) is written as its one-line summary
            "evidence": None if link.evidence is None else str(link.evidence),
        }
        for link in model.links
    ]
    indicators: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for i in model.indicators:
        b = i.baseline
        indicators.append(
            {
                "id": i.id,
                "measures": i.measures,
                "name": i.name,
                "role": i.role,
                "unit": i.unit,
                "direction": i.direction,
                "baseline_period": b.period if b else None,
                "baseline_value": b.value if b else None,
                "baseline_note": b.note if b else None,
                "aggregation": aggregation_text(i.aggregation),
                "formula": i.formula,
                "weight": i.weight,
                "weight_by": i.weight_by,
                "frequency": i.frequency,
                "source": i.source,
                "measure": i.measure,
                "description": i.description,
                "refs": join_items(i.refs),
            }
        )
        targets.extend(
            {"indicator": i.id, "period": t.period, "value": t.value, "note": t.note}
            for t in i.targets
        )
    milestones = [
        {
            "id": m.id,
            "title": m.title,
            "due": m.due,
            "start": m.start,
            "done": m.done,
            "delivers": join_items(m.delivers),
            "service_level": m.service_level,
            "description": m.description,
            "owner": m.owner,
            "tags": join_items(m.tags),
        }
        for m in model.milestones
    ]
    return {
        "model": _frame("model", [model_row]),
        "nodes": _frame("nodes", nodes),
        "links": _frame("links", links),
        "indicators": _frame("indicators", indicators),
        "targets": _frame("targets", targets),
        "milestones": _frame("milestones", milestones),
    }


class TableError(FormatError):
    """A :class:`FormatError` located by table (or file), row and column *name*.

    Examples
    --------
    >>> str(TableError("kind 'x' is not …", sheet="nodes", row=3, column="kind"))
    "nodes: row 3, column 'kind': kind 'x' is not …"
    """

    @property
    def location(self) -> str:
        """``nodes.csv: row 3, column 'kind'``."""
        parts = [p for p in (self.path, self.sheet) if p]
        cell = ", ".join(
            x
            for x in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column!r}" if self.column is not None else "",
            )
            if x
        )
        if cell:
            parts.append(cell)
        return ": ".join(parts)


def _frame_tables(
    frames: Mapping[str, pd.DataFrame],
    make_error: Callable[[str, str, int | None, str | None], FormatError],
) -> dict[str, RawTable]:
    """Raw tables from DataFrames; ``make_error(message, table, row_pos, column)``."""
    out: dict[str, RawTable] = {}
    unknown = [name for name in frames if name not in TABLES]
    for name in unknown:
        close = difflib.get_close_matches(name, list(TABLES), n=1, cutoff=0.6)
        raise make_error(
            f"unknown table {name!r}; tables are {', '.join(TABLES)}"
            + (f"; did you mean {close[0]!r}?" if close else ""),
            name,
            None,
            None,
        )
    if "model" not in frames:
        raise make_error(
            "the 'model' table is missing (one row with id and title)", "model", None, None
        )
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            raise make_error(
                f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame",
                name,
                None,
                None,
            )
        lookup = header_lookup(TABLES[name])
        keys: list[str] = []
        for col in frame.columns:
            key = match_header(col, lookup)
            if key is None:
                known = [c.key for c in TABLES[name]]
                raise make_error(
                    f"unknown column {short_repr(str(col), 60)}; columns are {', '.join(known)}"
                    + (_hint(normalise_header(col), known) if len(str(col)) < 200 else ""),
                    name,
                    None,
                    str(col),
                )
            if key in keys:
                raise make_error(f"column {key!r} is given twice", name, None, str(col))
            keys.append(key)
        missing = [c.key for c in TABLES[name] if c.required and c.key not in keys]
        if missing:
            raise make_error(
                f"required column(s) missing: {', '.join(missing)}; found: "
                f"{', '.join(map(str, frame.columns)) or 'none'}",
                name,
                None,
                None,
            )
        table = RawTable(name)
        values = frame.astype(object).to_numpy().tolist()
        for row in values:
            record = dict(zip(keys, row, strict=True))
            if all(_blank(v) for v in record.values()):
                record = {}
            table.rows.append(record)
        out[name] = table
    return out


def _drop_empty(tables: dict[str, RawTable]) -> tuple[dict[str, RawTable], dict[str, list[int]]]:
    """Tables without their empty rows, and each kept row's original position."""
    kept: dict[str, list[int]] = {}
    out: dict[str, RawTable] = {}
    for name, t in tables.items():
        idx = [k for k, r in enumerate(t.rows) if r]
        kept[name] = idx
        out[name] = RawTable(name, [t.rows[k] for k in idx])
    return out, kept


def from_frames(frames: Mapping[str, pd.DataFrame]) -> LogicModel:
    """Build a model from the tables of :func:`to_frames` (the exact inverse).

    ``frames`` must hold ``model``; the other tables are optional. Columns may be named by the
    English key, the Japanese header or both; values may be typed or text.

    Raises
    ------
    FormatError
        A missing table or column, an unknown column, or a cell that cannot be read; the error
        (a :class:`TableError`) names the table, the 1-based data row and the column.

    Examples
    --------
    >>> import pandas as pd
    >>> m = from_frames({"model": pd.DataFrame({"ID": ["m"], "名称": ["窓口"]}),
    ...                  "nodes": pd.DataFrame({"id": ["a"], "種別": ["アクティビティ"]})})
    >>> m.nodes[0].kind
    'activity'
    >>> from_frames({"model": pd.DataFrame({"id": ["m"], "title": ["t"]}),
    ...              "nodes": pd.DataFrame({"id": ["a"], "kind": ["outcom"]})})
    Traceback (most recent call last):
    ...
    logicmodel.io.frames.TableError: nodes: row 1, column 'kind': kind 'outcom' is not one of ...;
    did you mean 'outcome'?
    """

    def make_error(message: str, table: str, row: int | None, column: str | None) -> FormatError:
        return TableError(message, sheet=table, row=None if row is None else row + 1, column=column)

    raw, kept = _drop_empty(_frame_tables(frames, make_error))

    def locate(table: str, pos: int, key: str | None, message: str) -> FormatError:
        rows = kept.get(table, [])
        return TableError(
            message, sheet=table, row=(rows[pos] if pos < len(rows) else pos) + 1, column=key
        )

    return build_model(raw, locate)


# -- CSV ---------------------------------------------------------------------------------


def _neutralise_column(s: pd.Series) -> pd.Series:
    """Prefix ``'`` to text a spreadsheet would run as a formula (or already so prefixed)."""
    if (
        pd.api.types.is_numeric_dtype(s)
        or pd.api.types.is_bool_dtype(s)
        or pd.api.types.is_datetime64_any_dtype(s)
    ):
        return s
    is_text = s.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).astype(bool)
    if not is_text.any():
        return s
    text = s[is_text].astype(str)
    risky = text.str.lstrip("'").str.startswith(FORMULA_PREFIXES)
    if not risky.any():
        return s
    out = s.astype(object).copy()
    idx = text.index[risky.to_numpy()]
    out.loc[idx] = "'" + text.loc[idx]
    return out


def _restore_column(s: pd.Series) -> pd.Series:
    """Undo :func:`_neutralise_column` on text read back from CSV."""
    text = s.astype(str)
    mask = (
        s.notna() & text.str.startswith("'") & text.str.lstrip("'").str.startswith(FORMULA_PREFIXES)
    )
    if not mask.any():
        return s
    out = s.copy()
    out[mask] = text[mask].str.slice(1)
    return out


def to_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    bom: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write ``frame`` as UTF-8 CSV atomically, with spreadsheet formulas neutralised.

    Text cells starting with ``= + - @``, tab or CR get a leading ``'`` so that Excel or
    LibreOffice shows them as text instead of running them (OWASP CSV injection); numbers are left
    as numbers. Text that already starts with ``'`` followed by such a character gets one more
    ``'``, so :func:`read_csvs` can undo the prefix exactly. Lines end with CRLF (RFC 4180), and
    every field holding a line break is quoted. ``bom=True`` writes a UTF-8 byte-order
    mark, which Excel on Windows needs to open Japanese text correctly. The index is not written.
    The file is written as :func:`logicmodel.io.atomic.atomic_write` does (``overwrite=True``
    replaces a read-only file; a failure raises :class:`~logicmodel.WriteError`).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = to_csv(pd.DataFrame({"a": ["=1+1", "窓口"], "b": [-3, 4]}), p)
    >>> print(p.read_text(encoding="utf-8"), end="")  # lines end in CRLF (RFC 4180)
    a,b
    '=1+1,-3
    窓口,4
    """
    if not isinstance(frame, pd.DataFrame):
        raise FormatError(f"to_csv needs a pandas DataFrame, got {type(frame).__name__}", path=path)
    safe = pd.DataFrame(
        {k: _neutralise_column(frame.iloc[:, k]) for k in range(frame.shape[1])}, index=frame.index
    )
    safe.columns = [_neutralise_text(str(c)) for c in frame.columns]
    # CRLF line ends (RFC 4180): Python's csv module then quotes every field holding CR or LF
    text = safe.to_csv(index=False, lineterminator="\r\n")
    atomic_write(path, text.encode("utf-8-sig" if bom else "utf-8"), overwrite=overwrite)
    return Path(path)


def _neutralise_text(text: str) -> str:
    return "'" + text if text.lstrip("'").startswith(FORMULA_PREFIXES) else text


def write_csvs(
    model: LogicModel, folder: str | os.PathLike[str], *, bom: bool = False, overwrite: bool = False
) -> Path:
    """Write the tables of :func:`to_frames` as ``<table>.csv`` files into ``folder``.

    The folder is created when missing (its parent must exist). The files are written into a
    temporary folder first and moved into ``folder`` only when all are written
    (:func:`logicmodel.io.atomic.staged_directory`): a failure leaves nothing behind, and other
    files already in ``folder`` are left alone.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from logicmodel.model import LogicModel, Activity
    >>> m = LogicModel(id="m", title="=危険な名前", nodes=[Activity(id="a", label="-3")])
    >>> folder = write_csvs(m, pathlib.Path(tempfile.mkdtemp()) / "m")
    >>> sorted(p.name for p in folder.iterdir())
    ['indicators.csv', 'links.csv', 'milestones.csv', 'model.csv', 'nodes.csv', 'targets.csv']
    >>> read_csvs(folder) == m
    True
    """
    target = Path(folder)
    if not target.parent.is_dir():
        raise WriteError(
            target, f"folder {str(target.parent)!r} does not exist", errno=errno.ENOENT
        )
    frames = to_frames(model)
    with staged_directory(target, overwrite=overwrite) as stage:
        for name, frame in frames.items():
            to_csv(frame, stage / f"{name}.csv", bom=bom)
    return target


def _table_text(p: Path) -> str:
    """The text of one model table CSV: a regular file within the limits, every record as wide
    as the header, no header repeated or longer than ``header_chars``."""
    import csv

    text = read_bytes(p).decode("utf-8-sig")
    most = limits.current().header_chars
    reader = csv.reader(io.StringIO(text))
    width: int | None = None
    for record in reader:
        if width is None:
            width = len(record)
            seen: set[str] = set()
            for k, head in enumerate(record):
                if len(head) > most:
                    raise LimitError(
                        f"column header {short_repr(head, 40)} is {len(head):,} characters long",
                        limit="header_chars",
                        value=most,
                        path=p,
                        row=1,
                        column=str(k + 1),
                    )
                if head in seen:
                    raise FormatError(
                        f"column {short_repr(head, 40)} appears twice; keep one", path=p, row=1
                    )
                seen.add(head)
            continue
        if record and len(record) != width:
            raise FormatError(
                f"line {reader.line_num} has {len(record)} fields but the header has {width}",
                path=p,
                row=reader.line_num,
            )
    return text


def read_csvs(folder: str | os.PathLike[str]) -> LogicModel:
    """Read a model from a folder of ``<table>.csv`` files (as written by :func:`write_csvs`).

    ``model.csv`` is required; the other tables are optional. Files are UTF-8 with or without a
    byte-order mark; every cell is read as text (codes keep their leading zeros), and the ``'``
    that :func:`to_csv` puts before formula-like text is removed again.

    Raises
    ------
    FormatError
        The folder or ``model.csv`` is missing, a file is not UTF-8 CSV, or a cell cannot be read;
        the error names the file, the row as a spreadsheet shows it (the header is row 1) and the
        column.
    """
    base = Path(folder)
    if not base.is_dir():
        raise FormatError("folder not found", path=base)
    frames: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        p = base / f"{name}.csv"
        if not p.exists() and not p.is_symlink():
            continue
        try:
            text = _table_text(p)
            frame = pd.read_csv(
                io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], index_col=False
            )
        except UnicodeDecodeError as err:
            raise FormatError(
                f"not UTF-8 text (byte {err.start}): save the file as UTF-8 CSV", path=p
            ) from None
        except pd.errors.EmptyDataError:
            raise FormatError("the file is empty: it needs at least a header row", path=p) from None
        except (pd.errors.ParserError, ValueError) as err:
            raise FormatError(
                f"not a readable CSV file: {short_repr(str(err), 200)}", path=p
            ) from None
        restored = pd.DataFrame(
            {k: _restore_column(frame.iloc[:, k]) for k in range(frame.shape[1])}
        )
        restored.columns = [_restore_header(str(c)) for c in frame.columns]
        frames[name] = restored
    if "model" not in frames:
        raise FormatError("model.csv is missing (one row with id and title)", path=base)

    def make_error(message: str, table: str, row: int | None, column: str | None) -> FormatError:
        return TableError(
            message, path=base / f"{table}.csv", row=None if row is None else row + 2, column=column
        )

    raw, kept = _drop_empty(_frame_tables(frames, make_error))

    def locate(table: str, pos: int, key: str | None, message: str) -> FormatError:
        rows = kept.get(table, [])
        return make_error(message, table, rows[pos] if pos < len(rows) else pos, key)

    return build_model(raw, locate)


def _restore_header(text: str) -> str:
    return (
        text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES) else text
    )
