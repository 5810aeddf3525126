"""The layout of the tables: columns, their Japanese names, drop-down choices and their aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from logicmodel.intake.values import KIND_ALIASES
from logicmodel.model import KINDS
from logicmodel.model.vocabulary import KIND_JA, STAGE_JA, STAGES

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
