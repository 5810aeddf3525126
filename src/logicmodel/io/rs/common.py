"""Headers, finding codes and label tables of the RS System files; the reader's result type."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from logicmodel.io.data import ModelData
from logicmodel.issues import Report
from logicmodel.model.vocabulary import KIND_JA, STAGE_JA, STAGES

if TYPE_CHECKING:
    from logicmodel.issues import Severity

PathLike = str | os.PathLike[str]

# ------------------------------------------------------------------------------------ headers
COMMON_COLUMNS: tuple[str, ...] = (
    "シート種別",
    "事業年度",
    "予算事業ID",
    "事業名",
    "府省庁の建制順",
    "政策所管府省庁",
    "府省庁",
    "局・庁",
    "部",
    "課",
    "室",
    "班",
    "係",
)
C_PROJECT = "予算事業ID"
C_YEAR = "事業年度"
C_NAME = "事業名"
C_MINISTRY = "府省庁"
C_KPI = (
    "事業に関連するKPIが定められている閣議決定等の名称",
    "事業に関連するKPIが定められている閣議決定等の該当箇所",
    "事業に関連するKPIが定められている閣議決定等のURL",
)
C_NO = "アクティビティ・アウトプット・アウトカムの番号"
C_KIND = "種別（アクティビティ・アウトプット・アウトカム）"
C_STAGE = "アウトカムの期間"
C_MEASURE = "成果目標の種類"
C_LABEL = "アクティビティ／活動目標／成果目標"
C_IND = "活動指標／成果指標"
C_UNIT = "単位"
C_DIR = "改善の上向き／下向き"
C_SOURCE = "成果実績及び目標値の根拠として用いた統計・データ名（出典）"
C_REASON = "定性的なアウトカム目標を設定している理由"
C_QUAL = "定性的なアウトカムに関する成果実績"
C_ROW = "目標年度／目標値／実績値／達成率"
YEARS: tuple[int, ...] = tuple(range(2007, 2061))

RS_3_1_COLUMNS: tuple[str, ...] = (
    *COMMON_COLUMNS,
    *C_KPI,
    C_NO,
    C_KIND,
    C_STAGE,
    C_MEASURE,
    C_LABEL,
    C_IND,
    C_UNIT,
    C_DIR,
    C_SOURCE,
    C_REASON,
    C_QUAL,
    C_ROW,
    *(str(y) for y in YEARS),
)
"""The 82 headers of the 3-1 file (効果発現経路_目標・実績) in published order."""

E2_NO = (
    "派生元ーアクティビティ・アウトプット・アウトカムの番号",
    "派生先ーアクティビティ・アウトプット・アウトカムの番号",
)
E2_KIND = (
    "派生元ー種別（アクティビティ・アウトプット・アウトカム）",
    "派生先ー種別（アクティビティ・アウトプット・アウトカム）",
)
E2_STAGE = ("派生元ーアウトカムの期間", "派生先ーアウトカムの期間")
E2_LABEL = ("派生元ーアクティビティの内容/ 活動目標／成果目標", "派生先ー 活動目標／成果目標")
E2_IND = ("派生元ー活動指標／成果指標", "派生先ー活動指標／成果指標")
C_RATIONALE = "後続アウトカムへのつながり"
C_NOSTAGES = "アウトカムを複数段階で設定できない理由"

RS_3_2_COLUMNS: tuple[str, ...] = (
    *COMMON_COLUMNS,
    E2_NO[0],
    E2_KIND[0],
    E2_STAGE[0],
    E2_LABEL[0],
    E2_IND[0],
    E2_NO[1],
    E2_KIND[1],
    E2_STAGE[1],
    E2_LABEL[1],
    E2_IND[1],
    C_RATIONALE,
    C_NOSTAGES,
)
"""The headers of the 3-2 file (効果発現経路_目標のつながり) in published order."""

_REQUIRED_3_1 = (C_PROJECT, C_NO, C_KIND, C_ROW, C_LABEL, C_IND)
_REQUIRED_3_2 = (C_PROJECT, E2_NO[0], E2_KIND[0], E2_NO[1], E2_KIND[1])

RS_FINDING_CODES: dict[str, tuple[Severity, str, str]] = {
    "LM303": ("error", "non-numeric value", "数値でない値"),
    "LM311": ("warning", "unit not recognised (indicator kept without unit)", "解釈できない単位"),
    "LM312": (
        "error",
        "link to a node that the 3-1 sheet does not define",
        "未定義のノードへのつながり",
    ),
    "LM313": ("warning", "duplicate or self link dropped", "重複または自己参照のつながり"),
    "LM314": ("warning", "row not understood (skipped)", "解釈できない行"),
    "LM315": (
        "warning",
        "stage or direction not recognised (default used)",
        "解釈できない期間・向き",
    ),
    "LM319": ("warning", "placeholder mark read as no value", "記号を値なしとして読み込み"),
    "LM316": (
        "warning",
        "target year without target value, or 達成率 without 実績値",
        "対応する値のない目標年度・達成率",
    ),
}
"""Codes of the findings :func:`read_rs_report` returns: ``code → (severity, title, title_ja)``."""

_RS_KINDS = ("activity", "output", "outcome")  # RS has no inputs or impacts
_KIND_JA = {k: KIND_JA[k] for k in _RS_KINDS}
_KIND_OF = {v: k for k, v in _KIND_JA.items()}
_STAGE_JA = {s: f"{k}.{STAGE_JA[s]}" for k, s in enumerate(STAGES, start=1)}  # 1.短期
_ROW_JA = {1: "1.目標年度", 2: "2.目標値", 3: "3.実績値", 4: "4.達成率"}
_FLAG_VALUES = frozenset({"1", "1.0", "○", "〇", "◯", "●"})
_TARGET_NOTE = "目標年度"
_TAG_PREFIX = "rs:"
_REF_PREFIX = {c: c.removeprefix("事業に関連するKPIが定められている") + ": " for c in C_KPI}
_MAX_BYTES = 2 * 1024 * 1024 * 1024
_LEADING_QUOTE = re.compile(r"^'(?=[=+\-@\t\r])")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _header_key(text: str) -> str:
    """Header spelling tolerant of width and spaces: ``派生先ー 活動目標／成果目標`` ≈ ``…/…``."""
    return re.sub(r"\s+", "", _nfkc(str(text))).lstrip("\ufeff")


def _project_key(text: str) -> str:
    """Ids match across files and selections with leading zeros ignored (``"000004"`` ≈ ``"4"``)."""
    s = _nfkc(str(text)).strip()
    if s.isdigit():
        return s.lstrip("0") or "0"
    return s


# ------------------------------------------------------------------------------------ results
@dataclass(frozen=True, slots=True)
class RSRead:
    """What :func:`read_rs_report` found: one ``ModelData`` per 予算事業ID and every finding.

    ``projects`` is keyed by the id exactly as in the 3-1 file (leading zeros kept);
    ``findings`` is a :class:`~logicmodel.Report` whose issues carry ``row`` = the CSV line
    (header = 1), ``column`` = the header (or the year), and ``ids`` = (project id, model id …).
    """

    projects: dict[str, ModelData]
    findings: Report

    def findings_for(self, project: str | int) -> Report:
        """The findings about one project (leading zeros ignored)."""
        key = _project_key(str(project))
        return Report(i for i in self.findings if i.ids and _project_key(i.ids[0]) == key)
