"""Regenerate the hand-written RS System fixtures in this folder (run: python make_fixtures.py).

Every value below is typed by hand from the column definitions in docs/formats/rs.md; nothing comes
from a published file. The CSVs are committed; this script only saves typing the 82 columns.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).parent
COMMON = [
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
]
KPI = [
    "事業に関連するKPIが定められている閣議決定等の名称",
    "事業に関連するKPIが定められている閣議決定等の該当箇所",
    "事業に関連するKPIが定められている閣議決定等のURL",
]
MID = [
    "アクティビティ・アウトプット・アウトカムの番号",
    "種別（アクティビティ・アウトプット・アウトカム）",
    "アウトカムの期間",
    "成果目標の種類",
    "アクティビティ／活動目標／成果目標",
    "活動指標／成果指標",
    "単位",
    "改善の上向き／下向き",
    "成果実績及び目標値の根拠として用いた統計・データ名（出典）",
    "定性的なアウトカム目標を設定している理由",
    "定性的なアウトカムに関する成果実績",
    "目標年度／目標値／実績値／達成率",
]
YEARS = [str(y) for y in range(2007, 2061)]
H31 = [*COMMON, *KPI, *MID, *YEARS]
H32 = [
    *COMMON,
    "派生元ーアクティビティ・アウトプット・アウトカムの番号",
    "派生元ー種別（アクティビティ・アウトプット・アウトカム）",
    "派生元ーアウトカムの期間",
    "派生元ーアクティビティの内容/ 活動目標／成果目標",
    "派生元ー活動指標／成果指標",
    "派生先ーアクティビティ・アウトプット・アウトカムの番号",
    "派生先ー種別（アクティビティ・アウトプット・アウトカム）",
    "派生先ーアウトカムの期間",
    "派生先ー 活動目標／成果目標",
    "派生先ー活動指標／成果指標",
    "後続アウトカムへのつながり",
    "アウトカムを複数段階で設定できない理由",
]
assert len(H31) == 82

P123 = {
    "シート種別": "行政事業レビューシート",
    "事業年度": "2024",
    "予算事業ID": "000123",
    "事業名": "地域デジタル窓口推進事業",
    "府省庁の建制順": "2",
    "政策所管府省庁": "デジタル庁",
    "府省庁": "デジタル庁",
    "局・庁": "",
    "部": "",
    "課": "国民向けサービスグループ",
    KPI[0]: "デジタル社会の実現に向けた重点計画",
    KPI[1]: "第3章",
    KPI[2]: "https://www.digital.go.jp/",
}
P4 = {
    "シート種別": "行政事業レビューシート",
    "事業年度": "2024",
    "予算事業ID": "4",
    "事業名": "交通安全対策事業",
    "府省庁の建制順": "5",
    "政策所管府省庁": "警察庁",
    "府省庁": "警察庁",
    "局・庁": "交通局",
}


def node(p, no, kind, label, **kw):
    return {**p, MID[0]: no, MID[1]: kind, MID[4]: label, **kw}


def ind(
    base, name, unit, direction, source, flags=(), targets=None, actuals=None, rates=None, **kw
):
    """The four rows of one indicator; dicts map year → raw cell text."""
    common = {**base, MID[5]: name, MID[6]: unit, MID[7]: direction, MID[8]: source, **kw}
    rows = []
    for label, cells in (
        ("1.目標年度", dict.fromkeys(flags, "1")),
        ("2.目標値", targets or {}),
        ("3.実績値", actuals or {}),
        ("4.達成率", rates or {}),
    ):
        rows.append({**common, MID[11]: label, **{str(y): v for y, v in cells.items()}})
    return rows


rows31 = []
# -- project 000123: window DX -------------------------------------------------------------------
rows31.append(node(P123, "1", "アクティビティ", "自治体への導入支援"))
rows31.append(node(P123, "2", "アクティビティ", "標準仕様の策定"))
out1 = node(P123, "1", "アウトプット", "窓口システムの導入")
rows31 += ind(
    out1,
    "導入団体数",
    "団体",
    "上向き",
    "デジタル庁調べ",
    flags=[2025],
    targets={2023: "300", 2024: "600", 2025: "900", 2026: "-"},
    actuals={2022: "120", 2023: "310", 2024: "580", 2025: ""},
    rates={2023: "103", 2024: "96.7%"},
)
rows31 += ind(
    out1,
    "研修受講者数",
    "万人",
    "上向き",
    "研修実績報告",
    flags=[2025],
    targets={2025: "1.5"},
    actuals={2023: "0.8", 2024: "１．２"},
    rates={2024: "８０％"},
)
oc1 = node(P123, "1", "アウトカム", "書かずに手続できる", **{MID[2]: "1.短期", MID[3]: "定量的"})
rows31 += ind(
    oc1,
    "書かない窓口の利用率",
    "%",
    "上向き",
    "自治体アンケート",
    flags=[2026],
    targets={2026: "60"},
    actuals={2023: "12.5", 2024: "-"},
)
oc2 = node(P123, "2", "アウトカム", "待ち時間の短縮", **{MID[2]: "中期", MID[3]: "定量的"})
rows31 += ind(
    oc2,
    "平均待ち時間",
    "分",
    "下向き",
    "窓口実態調査",
    flags=[2027],
    targets={2025: "30", 2027: "15"},
    actuals={2023: "40", 2024: "35"},
    rates={2024: "42.9%"},
)
rows31.append(
    node(
        P123,
        "3",
        "アウトカム",
        "利用者体験の向上",
        **{
            MID[2]: "３．長 期",
            MID[3]: "定性的",
            MID[9]: "満足度は定量化が難しいため",
            MID[10]: "利用者アンケートで肯定的な回答が多数",
        },
    )
)
# -- project 4: road safety ----------------------------------------------------------------------
rows31.append(node(P4, "1", "アクティビティ", "交通安全施設の整備補助"))
o41 = node(P4, "1", "アウトプット", "補助金の交付")
rows31 += ind(
    o41,
    "補助金交付額",
    "百万円",
    "上向き",
    "予算執行実績",
    flags=[2024],
    targets={2024: "250"},
    actuals={2023: "1,234", 2024: "２５０"},
    rates={2024: "100"},
)
rows31 += ind(
    o41, "整備箇所数", "箇所(延べ)", "上向き", "", flags=[], targets={}, actuals={2023: "=1+1"}
)
c41 = node(P4, "1", "アウトカム", "交通事故の減少", **{MID[2]: "短期", MID[3]: "定量的"})
rows31 += ind(
    c41,
    "交通事故死者数",
    "人",
    "下向き",
    "交通事故統計",
    flags=[2025],
    targets={2025: "2,000"},
    actuals={2023: "2678", 2024: "集計中"},
)
rows31 += ind(
    c41,
    "重傷者数",
    "人",
    "下 向き",
    "交通事故統計",
    flags=[2025, 2030],
    targets={2025: "22000"},
    actuals={2023: "0", 2024: ""},
    rates={2022: "50"},
)
c42 = node(P4, "2", "アウトカム", "安全な交通社会", **{MID[2]: "最終", MID[3]: "定量的"})
rows31 += ind(
    c42,
    "満足度",
    "段階",
    "上向き",
    "世論調査",
    flags=[2030],
    targets={2030: "80"},
    actuals={2024: "70"},
)
c43 = node(P4, "3", "アウトカム", "地域の理解", **{MID[2]: "中 間", MID[3]: "定性的"})
rows31 += ind(c43, "住民の理解度", "", "", "", **{MID[9]: "理解度は数値で測れないため"})

EXTRA = "備考"


def write(path, header, rows, extra=None):
    buf = io.StringIO()
    cols = header + ([extra] if extra else [])
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\r\n", restval="")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


for r in rows31:
    if r.get(MID[11]) == "3.実績値":
        r[EXTRA] = "メモ:" + r[MID[5]]
write(HERE / "3-1_RS_2024_効果発現経路_目標・実績.csv", H31, rows31, extra=EXTRA)


def edge(p, a, b, why="", reason=""):
    row = {k: v for k, v in p.items() if k in COMMON}
    row["予算事業ID"] = p["予算事業ID"].lstrip("0")  # the 3-2 file writes "123" for "000123"
    (an, ak), (bn, bk) = a, b
    row[H32[13]], row[H32[14]], row[H32[18]], row[H32[19]] = an, ak, bn, bk
    row[H32[23]], row[H32[24]] = why, reason
    return row


A, OUT, C = "アクティビティ", "アウトプット", "アウトカム"
rows32 = [
    edge(P123, ("1", A), ("1", OUT), "支援により導入が進む"),
    edge(P123, ("2", A), ("1", OUT), "標準仕様により導入費用が下がる"),
    edge(P123, ("1", OUT), ("1", C), "導入が進めば書かない窓口が使える"),
    edge(P123, ("1", C), ("2", C), "記入が不要になり待ち時間が減る"),
    edge(P123, ("2", C), ("3", C), ""),
    edge(P123, ("9", OUT), ("1", C), "番号の誤り"),  # broken: output 9 does not exist
    edge(P123, ("1", OUT), ("1", C), "重複"),  # duplicate
    edge(P4, ("1", A), ("1", OUT), "", "長期の効果は測定できないため"),
    edge(P4, ("1", OUT), ("1", C), "整備により事故が減る"),
    edge(P4, ("1", C), ("2", C), ""),
    edge(P4, ("1", C), ("3", C), ""),
    edge({**P4, "予算事業ID": "000777"}, ("1", A), ("1", OUT), ""),  # project missing from 3-1
]
for r in rows32:
    for side in (13, 18):
        if r[H32[side + 1]] == C and r[H32[side]] == "2":
            r[H32[side + 2]] = "2.中期"
write(HERE / "3-2_RS_2024_効果発現経路_目標のつながり.csv", H32, rows32)
